//! Accounts, subscriptions, sessions, API tokens and the audit log.

use super::credentials::{Principal, SessionIdentity, TokenIdentity};
use super::{col, from_millis, millis, Store, StoreError, StoreResult};
use crate::model::{Role, TokenInfo};
use lifecycle::Timestamp;
use sqlx::any::AnyRow;

/// An account row, password hash included: this type never leaves the server.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A live session joined with its account and subscriptions.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub account: Account,
    pub csrf_token: String,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A token joined with its account.
#[derive(Clone, Debug)]
pub struct TokenRecord {
    pub token_id: i64,
    pub name: String,
    pub account: Account,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub account_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub detail: String,
    pub remote_addr: Option<String>,
}

fn account(row: &AnyRow) -> StoreResult<Account> {
    let role: String = col(row, "role")?;
    Ok(Account {
        id: col(row, "id")?,
        email: col(row, "email")?,
        display_name: col(row, "display_name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role '{role}'")))?,
        password_hash: col(row, "password_hash")?,
        created_at: from_millis(col(row, "created_at")?),
    })
}

const ACCOUNT_COLUMNS: &str =
    "a.id, a.email, a.display_name, a.role, a.password_hash, a.created_at";

impl Store {
    /// Creates an account (and, for a customer, its first subscription). `None` if the email is taken.
    pub async fn create_account(
        &self,
        email: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        subscription_id: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Option<Account>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            // Verified from the start: accounts made by staff or the demo seed; sign-up clears it until the
            // person follows the link sent to the address (see `notifications::accounts`).
            "INSERT INTO accounts (email, display_name, role, password_hash, created_at, password_changed_at, \
             email_verified_at) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id",
        )
        .bind(email)
        .bind(display_name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(millis(now))
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Some(sub) = subscription_id {
            sqlx::query(
                "INSERT INTO subscriptions (id, account_id, display_name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(sub)
            .bind(id)
            .bind(format!("{display_name}'s subscription"))
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Account {
            id,
            email: email.to_string(),
            display_name: display_name.to_string(),
            role,
            password_hash: password_hash.to_string(),
            created_at: now,
        }))
    }

    pub async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    pub async fn account(&self, id: i64) -> StoreResult<Option<Account>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    /// How many accounts have an email other than `emails` (two at most).
    pub async fn count_accounts_except(&self, emails: &[&str; 2]) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE email <> $1 AND email <> $2")
                .bind(emails[0])
                .bind(emails[1])
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn accounts(&self) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a ORDER BY a.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(account).collect()
    }

    /// The account's subscriptions with their display names, `(id, display name)`, for choosing one by name.
    pub async fn subscription_names(&self, account_id: i64) -> StoreResult<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, display_name FROM subscriptions WHERE account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn subscriptions_of(&self, account_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM subscriptions WHERE account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the password and ends every session of the account. (Sessions first: both statements bump
    /// the credentials epoch, and a sign-out of one of these sessions meanwhile locks the session's row before
    /// the epoch's, so this order cannot deadlock with it on PostgreSQL.)
    pub async fn set_password(
        &self,
        account_id: i64,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(millis(now))
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn principal(&self, account: Account) -> StoreResult<Principal> {
        let subscriptions = self.subscriptions_of(account.id).await?;
        Ok(Principal {
            account_id: account.id,
            email: account.email,
            display_name: account.display_name,
            role: account.role,
            subscriptions,
        })
    }

    /// The live API token with this hash, with its account and subscriptions: from memory while nothing
    /// changed credentials since it was read (see `credentials.rs`), else from the database.
    pub async fn token_identity(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<std::sync::Arc<TokenIdentity>>> {
        let ticket = self.credentials.ticket(&self.pool).await?;
        if ticket.is_some() {
            if let Some(hit) = self.credentials.token(token_hash) {
                return Ok(Some(hit));
            }
        }
        let Some(record) = self.token(token_hash).await? else {
            return Ok(None);
        };
        let identity = TokenIdentity {
            token_id: record.token_id,
            name: record.name,
            last_used_at: record.last_used_at,
            principal: self.principal(record.account).await?,
        };
        if let Some(ticket) = ticket {
            self.credentials
                .keep_token(ticket, token_hash, identity.clone());
        }
        Ok(Some(std::sync::Arc::new(identity)))
    }

    /// The live session with this id hash, with its account and subscriptions: from memory while nothing
    /// changed credentials since it was read and its idle expiry has not passed, else from the database
    /// (which ends it if expired).
    pub async fn session_identity(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<std::sync::Arc<SessionIdentity>>> {
        let ticket = self.credentials.ticket(&self.pool).await?;
        if ticket.is_some() {
            if let Some(hit) = self.credentials.session(id_hash, now) {
                return Ok(Some(hit));
            }
        }
        let Some(record) = self.session(id_hash, now).await? else {
            return Ok(None);
        };
        let identity = SessionIdentity {
            last_seen_at: record.last_seen_at,
            expires_at: record.expires_at,
            principal: self.principal(record.account).await?,
        };
        if let Some(ticket) = ticket {
            self.credentials
                .keep_session(ticket, id_hash, identity.clone());
        }
        Ok(Some(std::sync::Arc::new(identity)))
    }

    /// Records a use of the token (its `last_used_at`), in the database and in its cached copy.
    pub async fn record_token_use(
        &self,
        token_hash: &str,
        token_id: i64,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.touch_token(token_id, now).await?;
        self.credentials.token_used(token_hash, now);
        Ok(())
    }

    /// Slides the session's idle expiry forward, in the database and in its cached copy.
    pub async fn extend_session(
        &self,
        id_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        self.touch_session(id_hash, now, expires_at).await?;
        self.credentials.session_extended(id_hash, now, expires_at);
        Ok(())
    }

    // ---- sessions -------------------------------------------------------------------------------------

    pub async fn create_session(
        &self,
        id_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(id_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(millis(now))
        .bind(millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The live session with this id hash; expired sessions are deleted on sight.
    pub async fn session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, s.csrf_token, s.last_seen_at, s.expires_at \
             FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = $1"
        ))
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at = col::<i64>(&row, "expires_at")?;
        if expires_at <= millis(now) {
            self.delete_session(id_hash).await?;
            return Ok(None);
        }
        Ok(Some(SessionRecord {
            account: account(&row)?,
            csrf_token: col(&row, "csrf_token")?,
            last_seen_at: from_millis(col(&row, "last_seen_at")?),
            expires_at: from_millis(expires_at),
        }))
    }

    /// Whether the session still exists and has not expired (a primary-key read, for long-lived streams that
    /// must end with their session).
    pub async fn session_alive(&self, id_hash: &str, now: Timestamp) -> StoreResult<bool> {
        let expires: Option<i64> =
            sqlx::query_scalar("SELECT expires_at FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(expires.is_some_and(|at| at > millis(now)))
    }

    /// Slides the session's idle expiry forward.
    pub async fn touch_session(
        &self,
        id_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3")
            .bind(millis(now))
            .bind(millis(expires_at))
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn session_count(&self, account_id: i64) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE account_id = $1")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(millis(now))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    // ---- API tokens -----------------------------------------------------------------------------------

    pub async fn create_token(
        &self,
        account_id: i64,
        name: &str,
        token_hash: &str,
        prefix: &str,
        now: Timestamp,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
        )
        .bind(account_id)
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(millis(now))
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn tokens_of(&self, account_id: i64) -> StoreResult<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE account_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: col(row, "id")?,
                    name: col(row, "name")?,
                    prefix: col(row, "prefix")?,
                    created_at: from_millis(col(row, "created_at")?),
                    last_used_at: col::<Option<i64>>(row, "last_used_at")?.map(from_millis),
                    revoked_at: col::<Option<i64>>(row, "revoked_at")?.map(from_millis),
                })
            })
            .collect()
    }

    /// Revokes one of the account's tokens; `false` if it has no such live token.
    pub async fn revoke_token(
        &self,
        account_id: i64,
        token_id: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
        )
        .bind(millis(now))
        .bind(token_id)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Revokes every live token of the account (a password change may); returns how many.
    pub async fn revoke_all_tokens(&self, account_id: i64, now: Timestamp) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
        )
        .bind(millis(now))
        .bind(account_id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Whether the API token still exists unrevoked (a primary-key read).
    pub async fn token_alive(&self, token_id: i64) -> StoreResult<bool> {
        let live: Option<i64> =
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL")
                .bind(token_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(live.is_some())
    }

    /// The live token with this hash, with its account.
    pub async fn token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS}, t.id AS token_id, t.name AS token_name, t.last_used_at \
             FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(TokenRecord {
            token_id: col(&row, "token_id")?,
            name: col(&row, "token_name")?,
            last_used_at: col::<Option<i64>>(&row, "last_used_at")?.map(from_millis),
            account: account(&row)?,
        }))
    }

    pub async fn touch_token(&self, token_id: i64, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(millis(now))
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- audit ----------------------------------------------------------------------------------------

    pub async fn audit(
        &self,
        at: Timestamp,
        account_id: Option<i64>,
        actor_label: &str,
        action: &str,
        detail: &str,
        remote_addr: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, account_id, actor_label, action, detail, remote_addr) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(millis(at))
        .bind(account_id)
        .bind(actor_label)
        .bind(action)
        .bind(detail)
        .bind(remote_addr.map(str::to_string))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest audit entries, optionally of one action.
    pub async fn audit_entries(
        &self,
        action: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = match action {
            Some(a) => sqlx::query(
                "SELECT at, account_id, actor_label, action, detail, remote_addr FROM audit_log \
                     WHERE action = $1 \
                     ORDER BY id DESC LIMIT $2",
            )
            .bind(a)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
            None => sqlx::query(
                "SELECT at, account_id, actor_label, action, detail, remote_addr FROM audit_log \
                     ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
        };
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: from_millis(col(row, "at")?),
                    account_id: col(row, "account_id")?,
                    actor_label: col(row, "actor_label")?,
                    action: col(row, "action")?,
                    detail: col(row, "detail")?,
                    remote_addr: col(row, "remote_addr")?,
                })
            })
            .collect()
    }
}
