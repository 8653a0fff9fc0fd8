//! The delivery log (migration 0012): emails and webhook events waiting to go out, their attempts, and the
//! endpoints and preferences they are addressed by. Rows are queued by the notifications consumer of the
//! change path in the same transaction that marks the change processed, so each change is queued once.

use super::{col, from_millis, millis, Backend, Store, StoreResult};
use lifecycle::notify::Topic;
use lifecycle::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// One message to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub message_id: String,
    /// `email` or `webhook`.
    pub channel: String,
    pub account_id: Option<i64>,
    pub webhook_id: Option<i64>,
    /// An email address or the endpoint's URL.
    pub recipient: String,
    pub job_id: Option<i64>,
    /// A `Topic` name, a webhook event type, or `verify`, `reset`, `test`, `disabled`.
    pub topic: String,
    /// JSON: what an email says (rendered at send time) or the webhook's CloudEvent.
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub next_at: Option<Timestamp>,
    pub last_at: Option<Timestamp>,
    pub last_code: Option<i64>,
    pub last_error: Option<String>,
}

const COLUMNS: &str =
    "id, message_id, channel, account_id, webhook_id, recipient, job_id, topic, payload, \
     status, attempts, created_at, next_at, last_at, last_code, last_error";

fn delivery(row: &AnyRow) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: col(row, "id")?,
        message_id: col(row, "message_id")?,
        channel: col(row, "channel")?,
        account_id: col(row, "account_id")?,
        webhook_id: col(row, "webhook_id")?,
        recipient: col(row, "recipient")?,
        job_id: col(row, "job_id")?,
        topic: col(row, "topic")?,
        payload: col(row, "payload")?,
        status: col(row, "status")?,
        attempts: col(row, "attempts")?,
        created_at: from_millis(col(row, "created_at")?),
        next_at: col::<Option<i64>>(row, "next_at")?.map(from_millis),
        last_at: col::<Option<i64>>(row, "last_at")?.map(from_millis),
        last_code: col(row, "last_code")?,
        last_error: col(row, "last_error")?,
    })
}

/// A webhook endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub account_id: i64,
    pub url: String,
    /// Event types it wants; empty: all.
    pub events: Vec<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

impl Webhook {
    pub fn wants(&self, event_type: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event_type)
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one during a rotation.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_until) {
            if now < until {
                secrets.push(previous);
            }
        }
        secrets
    }
}

const WEBHOOK_COLUMNS: &str =
    "id, account_id, url, events, secret, previous_secret, previous_until, created_at, disabled_at";

fn webhook(row: &AnyRow) -> StoreResult<Webhook> {
    Ok(Webhook {
        id: col(row, "id")?,
        account_id: col(row, "account_id")?,
        url: col(row, "url")?,
        events: serde_json::from_str(&col::<String>(row, "events")?)?,
        secret: col(row, "secret")?,
        previous_secret: col(row, "previous_secret")?,
        previous_until: col::<Option<i64>>(row, "previous_until")?.map(from_millis),
        created_at: from_millis(col(row, "created_at")?),
        disabled_at: col::<Option<i64>>(row, "disabled_at")?.map(from_millis),
    })
}

/// Who hears about a job: the customer owning its subscription.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub account_id: i64,
    pub email: String,
    pub verified: bool,
    pub preferences: Preferences,
}

/// The topics a person turned on or off (the others keep their defaults).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preferences(pub BTreeMap<String, bool>);

impl Preferences {
    pub fn parse(text: &str) -> Preferences {
        Preferences(serde_json::from_str(text).unwrap_or_default())
    }

    pub fn wants(&self, topic: Topic) -> bool {
        self.0
            .get(topic.as_str())
            .copied()
            .unwrap_or(topic.on_by_default())
    }
}

/// What a new delivery is.
pub struct NewDelivery<'a> {
    pub message_id: String,
    pub channel: &'a str,
    pub account_id: Option<i64>,
    pub webhook_id: Option<i64>,
    pub recipient: &'a str,
    pub job_id: Option<i64>,
    pub topic: &'a str,
    pub payload: String,
    /// Not before (emails wait for the coalescing window).
    pub due: Timestamp,
    /// Emails: later changes to the same job join this one until then.
    pub open_until: Option<Timestamp>,
}

/// Queues a delivery; a message id already queued is left as it is (a replayed change).
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    new: NewDelivery<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO deliveries (message_id, channel, account_id, webhook_id, recipient, job_id, topic, payload, \
         status, attempts, created_at, open_until, next_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $10, $11) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(new.message_id)
    .bind(new.channel)
    .bind(new.account_id)
    .bind(new.webhook_id)
    .bind(new.recipient)
    .bind(new.job_id)
    .bind(new.topic)
    .bind(new.payload)
    .bind(millis(now))
    .bind(new.open_until.map(millis))
    .bind(millis(new.due))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The email to `account_id` about `job_id` still open for more changes at `now`, with its payload.
pub async fn open_email(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    job_id: i64,
    now: Timestamp,
) -> StoreResult<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT id, payload FROM deliveries WHERE account_id = $1 AND job_id = $2 AND channel = 'email' \
         AND status = 'pending' AND attempts = 0 AND open_until > $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(job_id)
    .bind(millis(now))
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((col(&r, "id")?, col(&r, "payload")?)))
        .transpose()
}

pub async fn set_payload(tx: &mut Transaction<'_, Any>, id: i64, payload: &str) -> StoreResult<()> {
    sqlx::query("UPDATE deliveries SET payload = $1 WHERE id = $2")
        .bind(payload)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The owner of a subscription.
pub async fn recipient_of(
    tx: &mut Transaction<'_, Any>,
    subscription_id: &str,
) -> StoreResult<Option<Recipient>> {
    let row = sqlx::query(
        "SELECT a.id, a.email, a.email_verified_at, a.notification_prefs FROM subscriptions s \
         JOIN accounts a ON a.id = s.account_id WHERE s.id = $1",
    )
    .bind(subscription_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Recipient {
            account_id: col(&r, "id")?,
            email: col(&r, "email")?,
            verified: col::<Option<i64>>(&r, "email_verified_at")?.is_some(),
            preferences: Preferences::parse(&col::<String>(&r, "notification_prefs")?),
        })
    })
    .transpose()
}

/// Staff members who asked for an email when a job enters the attention queue.
pub async fn attention_subscribers(tx: &mut Transaction<'_, Any>) -> StoreResult<Vec<Recipient>> {
    let rows = sqlx::query(
        "SELECT id, email, email_verified_at, notification_prefs FROM accounts WHERE role = 'staff' ORDER BY id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let recipient = Recipient {
            account_id: col(r, "id")?,
            email: col(r, "email")?,
            verified: col::<Option<i64>>(r, "email_verified_at")?.is_some(),
            preferences: Preferences::parse(&col::<String>(r, "notification_prefs")?),
        };
        if recipient.verified && recipient.preferences.wants(Topic::AttentionQueue) {
            out.push(recipient);
        }
    }
    Ok(out)
}

/// The account's endpoints that are not disabled.
pub async fn active_webhooks(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
) -> StoreResult<Vec<Webhook>> {
    let rows = sqlx::query(&format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 AND disabled_at IS NULL ORDER BY id"
    ))
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(webhook).collect()
}

/// A job as it is now (deleted too: a deletion is news), read in the consumer's transaction.
pub async fn job_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> StoreResult<Option<super::StoredJob>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM jobs WHERE id = $1",
        super::jobs::JOB_COLUMNS
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(super::jobs::stored_job).transpose()
}

/// Intake `id` as `tx` sees it.
pub async fn intake_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> StoreResult<Option<super::StoredIntake>> {
    super::intakes::intake_in(tx, id).await
}

/// Live jobs whose next timer is due before `until` (the warnings' candidates), soonest first.
impl Store {
    pub async fn jobs_with_timer_before(
        &self,
        until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM jobs WHERE next_timer_at IS NOT NULL AND next_timer_at <= $1 AND deleted = 0 \
             ORDER BY next_timer_at LIMIT $2",
        )
        .bind(millis(until))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Queues a warning email about job `job_id` to its customer, if their address is verified and they want
    /// `topic`; a `message_id` queued before is not queued again.
    pub async fn queue_job_email(
        &self,
        subscription_id: &str,
        job_id: i64,
        topic: Topic,
        message_id: String,
        payload: String,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let Some(recipient) = recipient_of(&mut tx, subscription_id).await? else {
            return Ok(false);
        };
        if !recipient.verified || !recipient.preferences.wants(topic) {
            return Ok(false);
        }
        insert(
            &mut tx,
            NewDelivery {
                message_id,
                channel: "email",
                account_id: Some(recipient.account_id),
                webhook_id: None,
                recipient: &recipient.email,
                job_id: Some(job_id),
                topic: topic.as_str(),
                payload,
                due: now,
                open_until: None,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The outcome of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered {
        code: Option<i64>,
    },
    /// Try again at `retry_at`, or give up (`None`).
    Failed {
        code: Option<i64>,
        error: String,
        retry_at: Option<Timestamp>,
    },
}

/// The most webhook endpoints one account may have.
pub const MAX_WEBHOOKS: i64 = 10;

impl Store {
    /// Up to `limit` deliveries due at `now`, leased until `lease_until` (another instance, or this one after
    /// a crash, takes them again only after that). PostgreSQL skips rows another instance is claiming.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE status = 'pending' AND next_at <= $1 \
             ORDER BY next_at, id LIMIT $2{lock}"
        ))
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let claimed = rows.iter().map(delivery).collect::<StoreResult<Vec<_>>>()?;
        for d in &claimed {
            sqlx::query("UPDATE deliveries SET next_at = $1, open_until = NULL WHERE id = $2")
                .bind(millis(lease_until))
                .bind(d.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records an attempt of delivery `id` and its outcome.
    pub async fn record_attempt(
        &self,
        id: i64,
        at: Timestamp,
        outcome: &Outcome,
    ) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let (ok, code, error) = match outcome {
            Outcome::Delivered { code } => (1i64, *code, None),
            Outcome::Failed { code, error, .. } => (0, *code, Some(error.clone())),
        };
        sqlx::query("INSERT INTO delivery_attempts (delivery_id, at, ok, code, error) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(millis(at))
            .bind(ok)
            .bind(code)
            .bind(error.clone())
            .execute(&mut *tx)
            .await?;
        match outcome {
            Outcome::Delivered { code } => {
                // What a reset or verification link said is not kept once sent: the link is the secret.
                sqlx::query(
                    "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_at = $1, \
                     last_code = $2, last_error = NULL, delivered_at = $1, next_at = NULL, \
                     payload = CASE WHEN topic IN ('verify', 'reset') THEN '{}' ELSE payload END WHERE id = $3",
                )
                .bind(millis(at))
                .bind(*code)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Failed { code, retry_at, .. } => {
                sqlx::query(
                    "UPDATE deliveries SET status = $1, attempts = attempts + 1, last_at = $2, last_code = $3, \
                     last_error = $4, next_at = $5 WHERE id = $6",
                )
                .bind(if retry_at.is_some() { "pending" } else { "failed" })
                .bind(millis(at))
                .bind(*code)
                .bind(error)
                .bind(retry_at.map(millis))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delivery(&self, id: i64) -> StoreResult<Option<Delivery>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM deliveries WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(delivery).transpose()
    }

    /// Every attempt of the deliveries `ids` (at most a page of them), oldest first: `(delivery, at, ok, code,
    /// error)`, for the staff timeline.
    pub async fn attempts_of(&self, ids: &[i64]) -> StoreResult<Vec<AttemptRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids
            .iter()
            .take(200)
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(&format!(
            "SELECT delivery_id, at, ok, code, error FROM delivery_attempts WHERE delivery_id IN ({list}) \
             ORDER BY delivery_id, id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AttemptRow {
                    delivery_id: col(r, "delivery_id")?,
                    at: from_millis(col(r, "at")?),
                    ok: col::<i64>(r, "ok")? != 0,
                    code: col(r, "code")?,
                    error: col(r, "error")?,
                })
            })
            .collect()
    }

    /// A job's notifications, newest first (the staff timeline; a customer's own).
    pub async fn deliveries_of_job(&self, job_id: i64, limit: i64) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE job_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(job_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// An endpoint's recent deliveries, newest first.
    pub async fn deliveries_of_webhook(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// An account's emails, newest first (tests; the Account page).
    pub async fn emails_to(&self, account_id: i64, limit: i64) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE account_id = $1 AND channel = 'email' ORDER BY id DESC LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery).collect()
    }

    /// Queues one delivery outside the change path (verification and reset emails, test webhooks).
    pub async fn queue_delivery(&self, new: NewDelivery<'_>, now: Timestamp) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        insert(&mut tx, new, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn webhooks_of(&self, account_id: i64) -> StoreResult<Vec<Webhook>> {
        let rows = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(webhook).collect()
    }

    pub async fn webhook(&self, id: i64) -> StoreResult<Option<Webhook>> {
        let row = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(webhook).transpose()
    }

    /// Adds an endpoint; `None` when the account already has [`MAX_WEBHOOKS`].
    pub async fn create_webhook(
        &self,
        account_id: i64,
        url: &str,
        events: &[String],
        secret: &str,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhooks WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= MAX_WEBHOOKS {
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (account_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(account_id)
        .bind(url)
        .bind(serde_json::to_string(events)?)
        .bind(secret)
        .bind(millis(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Removes an endpoint of `account_id` with its delivery log; false when there is none.
    pub async fn delete_webhook(&self, account_id: i64, id: i64) -> StoreResult<bool> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE webhook_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone == 1)
    }

    /// Disables (`Some`) or re-enables (`None`) an endpoint.
    pub async fn set_webhook_disabled(&self, id: i64, at: Option<Timestamp>) -> StoreResult<()> {
        sqlx::query("UPDATE webhooks SET disabled_at = $1 WHERE id = $2")
            .bind(at.map(millis))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A new secret; the old one keeps signing until `overlap_until`.
    pub async fn rotate_webhook_secret(
        &self,
        id: i64,
        secret: &str,
        overlap_until: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhooks SET previous_secret = secret, previous_until = $1, secret = $2 WHERE id = $3",
        )
        .bind(millis(overlap_until))
        .bind(secret)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn preferences(&self, account_id: i64) -> StoreResult<Preferences> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT notification_prefs FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(text.map(|t| Preferences::parse(&t)).unwrap_or_default())
    }

    pub async fn set_preferences(&self, account_id: i64, prefs: &Preferences) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET notification_prefs = $1 WHERE id = $2")
            .bind(serde_json::to_string(&prefs.0)?)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the account's email address is verified.
    pub async fn email_verified(&self, account_id: i64) -> StoreResult<bool> {
        let at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT email_verified_at FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(at, Some(Some(_))))
    }

    /// Stores a one-time link (its hash) for `purpose` (`verify` or `reset`).
    pub async fn create_account_link(
        &self,
        account_id: i64,
        purpose: &str,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_links (token_hash, account_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(purpose)
        .bind(millis(now))
        .bind(millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account of a one-time link that is still usable, without using it.
    pub async fn account_link_owner(
        &self,
        purpose: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT account_id FROM account_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
             AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose)
        .bind(millis(now))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Uses a one-time link: the account it belongs to, if it is for `purpose`, unused and unexpired. Using a
    /// verification link also marks the address verified, in the same transaction.
    pub async fn use_account_link(
        &self,
        purpose: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let account: Option<i64> = sqlx::query_scalar(
            "UPDATE account_links SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
             AND expires_at > $1 RETURNING account_id",
        )
        .bind(millis(now))
        .bind(token_hash)
        .bind(purpose)
        .fetch_optional(&mut *tx)
        .await?;
        if let (Some(id), "verify") = (account, purpose) {
            sqlx::query("UPDATE accounts SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
                .bind(millis(now))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    /// Marks a new account unverified (accounts are created verified unless sign-up asks for verification).
    pub async fn mark_unverified(&self, account_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE accounts SET email_verified_at = NULL WHERE id = $1")
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// One attempt to deliver a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub at: Timestamp,
    pub ok: bool,
    pub code: Option<i64>,
    pub error: Option<String>,
}
