//! One-time messages for a browser's next page (`flashes`), see `server::flash`.

use super::{col, millis, Store, StoreResult};
use lifecycle::Timestamp;

/// A message as stored: what kind, for which form, bound to which session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFlash {
    pub session_hash: Option<String>,
    pub kind: String,
    pub form: String,
    pub payload: String,
    pub expires_at: Timestamp,
}

impl Store {
    /// Keeps a message under `key_hash` (replacing one kept under the same key).
    pub async fn put_flash(&self, key_hash: &str, flash: &StoredFlash) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO flashes (key_hash, session_hash, kind, form, payload, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (key_hash) DO UPDATE SET session_hash = $2, kind = $3, form = $4, payload = $5, \
             expires_at = $6",
        )
        .bind(key_hash)
        .bind(flash.session_hash.clone())
        .bind(&flash.kind)
        .bind(&flash.form)
        .bind(&flash.payload)
        .bind(millis(flash.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Reads and deletes the message under `key_hash`, if one is there and has not expired.
    pub async fn take_flash(
        &self,
        key_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<StoredFlash>> {
        let row = sqlx::query(
            "DELETE FROM flashes WHERE key_hash = $1 \
             RETURNING session_hash, kind, form, payload, expires_at",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires: i64 = col(&row, "expires_at")?;
        if expires <= millis(now) {
            return Ok(None);
        }
        Ok(Some(StoredFlash {
            session_hash: col(&row, "session_hash")?,
            kind: col(&row, "kind")?,
            form: col(&row, "form")?,
            payload: col(&row, "payload")?,
            expires_at: super::from_millis(expires),
        }))
    }

    /// Deletes messages nobody came back for; returns how many.
    pub async fn delete_expired_flashes(&self, now: Timestamp) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM flashes WHERE expires_at <= $1")
            .bind(millis(now))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// How many messages are kept (tests and diagnostics).
    pub async fn flash_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM flashes")
            .fetch_one(&self.pool)
            .await?)
    }
}
