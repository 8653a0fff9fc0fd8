//! Notifications: emails and signed webhooks about job changes, and the account emails (verification, reset).
//!
//! - [`enqueue`] is the notifications consumer of the change path (`server::changes`): it runs in the
//!   transaction that marks a change processed, so each change queues its deliveries exactly once, and a
//!   change that rolled back queues nothing. Which changes are worth a message is `lifecycle::notify`'s rule.
//! - [`run`] is the dispatcher: it leases due deliveries, sends them, and records each attempt; failures are
//!   retried with exponential backoff for about a day ([`retry_at`]), then the delivery is marked failed (and a
//!   failing webhook endpoint is disabled and its owner told).
//!
//! Emails to one person about one job are coalesced: the first change opens a window (`email-debounce`) and
//! later changes join the same message. Webhooks are one event per change and type.

pub mod accounts;
pub mod email;
pub mod webhooks;

use super::state::AppState;
use super::store::notifications::{self as log, NewDelivery, Outcome};
use super::store::{ChangeRecord, Delivery, StoreResult};
use lifecycle::notify::{topics, webhook_types};
use lifecycle::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};
use std::time::Duration;

/// How long a delivery keeps being retried after it was queued.
pub const GIVE_UP_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Deliveries sent per round (a full round is followed by the next at once).
const ROUND: i64 = 5;
/// The longest one attempt may take, in seconds: the SMTP timeout (webhooks time out sooner).
pub const ATTEMPT_TIMEOUT_SECS: i64 = 30;
/// How long a claimed delivery is left to the claiming dispatcher before another may take it: longer than the
/// slowest possible round (every attempt timing out), so that another instance never sends a delivery that is
/// still being sent; a crashed instance's claims wait this long.
const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(ATTEMPT_TIMEOUT_SECS * (ROUND + 1));

/// When to try a delivery again after its `attempts`-th failure (1 = the first), or `None` once the day of
/// attempts is over: 30 s, 1 min, 2 min, … doubling up to 2 h between attempts.
pub fn retry_at(created_at: Timestamp, attempts: i64, now: Timestamp) -> Option<Timestamp> {
    let exponent = (attempts.max(1) - 1).min(12) as u32;
    let wait = chrono::TimeDelta::seconds((30i64 << exponent).min(2 * 3600));
    let next = now + wait;
    (next - created_at <= GIVE_UP_AFTER).then_some(next)
}

/// What a job email says: one line per change, rendered with the job's current state at send time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPayload {
    pub lines: Vec<String>,
    pub topics: Vec<String>,
    /// A warning before a deadline (its subject), rather than news of changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// For staff: the job entered the attention queue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attention: bool,
}

/// How often the warnings sweep runs.
const WARNING_SWEEP: Duration = Duration::from_secs(60);
/// Jobs looked at per sweep (soonest deadline first).
const WARNING_BATCH: i64 = 1_000;

/// Queues the warnings due before irreversible deadlines (`lifecycle::notify::advance_warnings`): one email
/// per job, notice and deadline, however often the sweep runs. Returns how many were queued.
pub async fn sweep_warnings(app: &AppState) -> StoreResult<usize> {
    let now = app.clock.now();
    let ids = app
        .store
        .jobs_with_timer_before(now + lifecycle::notify::WARNING_AHEAD, WARNING_BATCH)
        .await?;
    let mut queued = 0;
    for job in app.store.jobs_by_ids(&ids).await? {
        for notice in lifecycle::notify::advance_warnings(&job.job, now, app.settings()) {
            let at = notice.at.map(|t| t.timestamp_millis()).unwrap_or(0);
            let payload = EmailPayload {
                lines: vec![format!("{}: {}", notice.title, notice.message)],
                topics: vec![lifecycle::notify::Topic::Deadlines.as_str().to_string()],
                warning: Some(notice.title.clone()),
                attention: false,
            };
            if app
                .store
                .queue_job_email(
                    &job.subscription_id,
                    job.id,
                    lifecycle::notify::Topic::Deadlines,
                    format!("warning-{}-{}-{at}", job.id, notice.key),
                    serde_json::to_string(&payload)?,
                    now,
                )
                .await?
            {
                queued += 1;
            }
        }
    }
    // Drives of an unmatched intake linked to a job, shortly before they are destroyed: told to that job's
    // customer.
    let intakes: Vec<_> = app
        .store
        .linked_intakes_due_before(now + lifecycle::notify::WARNING_AHEAD, WARNING_BATCH)
        .await?
        .into_iter()
        .filter_map(|stored| {
            let notice = lifecycle::notify::intake_destruction_warning(&stored.intake, now)?;
            Some((stored.id, stored.job_id?, notice))
        })
        .collect();
    let job_ids: Vec<i64> = intakes.iter().map(|(_, job, _)| *job).collect();
    let jobs = app.store.jobs_by_ids(&job_ids).await?;
    for (intake_id, job_id, notice) in intakes {
        let Some(job) = jobs.iter().find(|j| j.id == job_id) else {
            continue;
        };
        let at = notice.at.map(|t| t.timestamp_millis()).unwrap_or(0);
        let payload = EmailPayload {
            lines: vec![format!("{}: {}", notice.title, notice.message)],
            topics: vec![lifecycle::notify::Topic::UnmatchedIntake
                .as_str()
                .to_string()],
            warning: Some(notice.title.clone()),
            attention: false,
        };
        if app
            .store
            .queue_job_email(
                &job.subscription_id,
                job.id,
                lifecycle::notify::Topic::UnmatchedIntake,
                format!("warning-intake-{intake_id}-{at}"),
                serde_json::to_string(&payload)?,
                now,
            )
            .await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// The warnings loop.
pub async fn run_warnings(app: AppState) {
    loop {
        if let Err(e) = sweep_warnings(&app).await {
            tracing::warn!(error = %e, "the deadline warnings sweep failed; trying again");
        }
        tokio::time::sleep(WARNING_SWEEP).await;
    }
}

/// One line about a change, for the email that summarises it.
fn change_line(record: &ChangeRecord) -> String {
    let mut parts = Vec::new();
    match (record.state_before, record.state) {
        (Some(before), Some(after)) if before != after => {
            parts.push(format!("{} → {}", before.as_str(), after.as_str()))
        }
        _ => {}
    }
    let kinds: Vec<String> = record
        .event_kinds
        .iter()
        .filter(|k| k.as_str() != "progressReported")
        .map(|k| humanise(k))
        .collect();
    if !kinds.is_empty() {
        parts.push(kinds.join(", "));
    }
    format!(
        "{}: {}",
        record.recorded_at.format("%Y-%m-%dT%H:%MZ"),
        parts.join("; ")
    )
}

/// `packageReceived` → `package received`.
fn humanise(kind: &str) -> String {
    let mut out = String::new();
    for c in kind.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The notifications consumer: queues what `record` means for the job's customer (an email, when one of its
/// topics is on) and for their webhook endpoints, in the transaction `tx` that marks the change processed.
pub async fn enqueue(
    app: &AppState,
    tx: &mut Transaction<'static, Any>,
    record: &ChangeRecord,
) -> StoreResult<()> {
    let (Some(job_id), Some(subscription_id)) = (record.job_id, record.subscription_id.as_deref())
    else {
        return Ok(());
    };
    let Some(recipient) = log::recipient_of(tx, subscription_id).await? else {
        return Ok(());
    };
    let now = app.clock.now();
    let wanted: Vec<_> = topics(record.state_before, record.state, &record.event_kinds)
        .into_iter()
        .filter(|t| recipient.preferences.wants(*t))
        .collect();
    if !wanted.is_empty() && recipient.verified {
        let mut lines = vec![change_line(record)];
        // An intake linked to the job: which drives, and the dates after which they are returned, then destroyed.
        if let Some(intake_id) = record.intake_id.filter(|_| {
            record
                .event_kinds
                .iter()
                .any(|k| k == "unmatchedIntakeNoted")
        }) {
            if let Some(stored) = log::intake_in(tx, intake_id).await? {
                lines.push(lifecycle::notify::intake_notice(&stored.intake));
            }
        }
        match log::open_email(tx, recipient.account_id, job_id, now).await? {
            Some((id, payload)) => {
                let mut payload: EmailPayload = serde_json::from_str(&payload).unwrap_or_default();
                payload.lines.extend(lines);
                for t in &wanted {
                    if !payload.topics.iter().any(|p| p == t.as_str()) {
                        payload.topics.push(t.as_str().to_string());
                    }
                }
                log::set_payload(tx, id, &serde_json::to_string(&payload)?).await?;
            }
            None => {
                let debounce = app.config.notifications.email_debounce.delta();
                let payload = EmailPayload {
                    lines,
                    topics: wanted.iter().map(|t| t.as_str().to_string()).collect(),
                    warning: None,
                    attention: false,
                };
                log::insert(
                    tx,
                    NewDelivery {
                        message_id: format!("change-{}-{}", record.id, recipient.account_id),
                        channel: "email",
                        account_id: Some(recipient.account_id),
                        webhook_id: None,
                        recipient: &recipient.email,
                        job_id: Some(job_id),
                        topic: wanted[0].as_str(),
                        payload: serde_json::to_string(&payload)?,
                        due: now + debounce,
                        open_until: Some(now + debounce),
                    },
                    now,
                )
                .await?;
            }
        }
    }
    // The job as the change left it: whether the change raised an entry of the attention queue is the queue's
    // own rule (`lifecycle::notify::raised_attention`).
    let job = log::job_in(tx, job_id).await?;
    let raised = job.as_ref().is_some_and(|j| {
        lifecycle::notify::raised_attention(&j.job, record.recorded_at, now, app.settings())
    });
    let types = webhook_types(
        record.state_before,
        record.state,
        &record.event_kinds,
        raised,
    );
    if types.contains(&"JobNeedsAttention") {
        // Staff who subscribed to the attention queue hear of its new entries, one email per change.
        for staff in log::attention_subscribers(tx).await? {
            let payload = EmailPayload {
                lines: vec![change_line(record)],
                topics: vec![lifecycle::notify::Topic::AttentionQueue
                    .as_str()
                    .to_string()],
                warning: None,
                attention: true,
            };
            log::insert(
                tx,
                NewDelivery {
                    message_id: format!("attention-{}-{}", record.id, staff.account_id),
                    channel: "email",
                    account_id: Some(staff.account_id),
                    webhook_id: None,
                    recipient: &staff.email,
                    job_id: Some(job_id),
                    topic: lifecycle::notify::Topic::AttentionQueue.as_str(),
                    payload: serde_json::to_string(&payload)?,
                    due: now,
                    open_until: None,
                },
                now,
            )
            .await?;
        }
    }
    if types.is_empty() {
        return Ok(());
    }
    let endpoints = log::active_webhooks(tx, recipient.account_id).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let Some(job) = job else {
        return Ok(());
    };
    for endpoint in &endpoints {
        for event_type in &types {
            if !endpoint.wants(event_type) {
                continue;
            }
            let message_id = format!("msg_{}_{}_{}", record.id, endpoint.id, event_type);
            let event = webhooks::cloud_event(&message_id, event_type, &job, record);
            log::insert(
                tx,
                NewDelivery {
                    message_id,
                    channel: "webhook",
                    account_id: Some(recipient.account_id),
                    webhook_id: Some(endpoint.id),
                    recipient: &endpoint.url,
                    job_id: Some(job_id),
                    topic: event_type,
                    payload: event.to_string(),
                    due: now,
                    open_until: None,
                },
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// Sends one delivery; the outcome says whether and when to try again.
async fn attempt(app: &AppState, delivery: &Delivery, now: Timestamp) -> Outcome {
    let sent = match delivery.channel.as_str() {
        "email" => email::send(app, delivery).await.map(|()| None),
        _ => webhooks::send(app, delivery, now).await.map(Some),
    };
    match sent {
        Ok(code) => Outcome::Delivered { code },
        Err(failure) => Outcome::Failed {
            code: failure.code,
            error: failure.error,
            retry_at: if failure.permanent {
                None
            } else {
                retry_at(delivery.created_at, delivery.attempts + 1, now)
            },
        },
    }
}

/// Why a delivery failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: Option<i64>,
    pub error: String,
    /// Trying again cannot help (a refused address).
    pub permanent: bool,
}

impl Failure {
    pub fn retry(error: impl Into<String>) -> Failure {
        Failure {
            code: None,
            error: error.into(),
            permanent: false,
        }
    }
}

/// One round of the dispatcher: sends what is due at the clock's now. Returns how many were attempted.
pub async fn dispatch_due(app: &AppState) -> StoreResult<usize> {
    let now = app.clock.now();
    let due = app.store.claim_deliveries(now, now + LEASE, ROUND).await?;
    for delivery in &due {
        let outcome = attempt(app, delivery, now).await;
        let at = app.clock.now();
        match &outcome {
            Outcome::Delivered { .. } => {
                tracing::info!(delivery = delivery.id, message = %delivery.message_id, channel = %delivery.channel, "notification delivered")
            }
            Outcome::Failed {
                error, retry_at, ..
            } => {
                tracing::warn!(delivery = delivery.id, channel = %delivery.channel, %error, retry = ?retry_at, "notification not delivered")
            }
        }
        app.store.record_attempt(delivery.id, at, &outcome).await?;
        // The audit log keeps every attempt beside the account's other security-relevant facts.
        let (action, detail) = match &outcome {
            Outcome::Delivered { code } => (
                "notification-delivered",
                format!(
                    "{} {} to {}{}",
                    delivery.channel,
                    delivery.message_id,
                    delivery.recipient,
                    code.map(|c| format!(" ({c})")).unwrap_or_default()
                ),
            ),
            Outcome::Failed { error, .. } => (
                "notification-failed",
                format!(
                    "{} {} to {}: {error}",
                    delivery.channel, delivery.message_id, delivery.recipient
                ),
            ),
        };
        app.store
            .audit(
                at,
                delivery.account_id,
                "Notifications",
                action,
                &detail,
                None,
            )
            .await?;
        if let (
            Outcome::Failed {
                retry_at: None,
                error,
                ..
            },
            Some(webhook_id),
        ) = (&outcome, delivery.webhook_id)
        {
            webhooks::disable_failing(app, webhook_id, at, error).await?;
        }
    }
    Ok(due.len())
}

/// The dispatcher loop.
pub async fn run(app: AppState) {
    loop {
        match dispatch_due(&app).await {
            Ok(n) if n as i64 == ROUND => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "the notification dispatcher failed; trying again")
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The portal's address for links in messages.
pub fn public_url(app: &AppState) -> String {
    app.config
        .notifications
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", app.config.leptos.site_addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn retries_back_off_exponentially_for_a_day_then_stop() {
        let start = at("2026-01-01T00:00:00Z");
        assert_eq!(retry_at(start, 1, start), Some(at("2026-01-01T00:00:30Z")));
        assert_eq!(retry_at(start, 2, start), Some(at("2026-01-01T00:01:00Z")));
        assert_eq!(retry_at(start, 3, start), Some(at("2026-01-01T00:02:00Z")));
        // The wait stops growing at two hours.
        assert_eq!(retry_at(start, 20, start), Some(at("2026-01-01T02:00:00Z")));
        // Walk a delivery that always fails on a fake clock: about a day of attempts, then none.
        let mut now = start;
        let mut attempts = 0;
        while let Some(next) = retry_at(start, attempts + 1, now) {
            attempts += 1;
            now = next;
        }
        assert!(now - start <= GIVE_UP_AFTER, "{now}");
        assert!(
            now - start > GIVE_UP_AFTER - chrono::TimeDelta::hours(2),
            "{now}"
        );
        assert!((15..30).contains(&attempts), "{attempts}");
    }

    #[test]
    fn event_kinds_read_as_words() {
        assert_eq!(humanise("packageReceived"), "package received");
    }
}
