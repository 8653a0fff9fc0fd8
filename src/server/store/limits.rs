//! Sign-in attempt counters (`sign_in_limits`): taken atomically before a password is checked, so that every
//! instance and every parallel attempt counts against the same limit.

use super::{from_millis, millis, Store, StoreResult};
use chrono::TimeDelta;
use lifecycle::Timestamp;

impl Store {
    /// Takes one attempt in each `(bucket, limit)` for the window of length `window`, all or none. `Ok(None)`
    /// when every bucket had room; `Ok(Some(until))` when one is full, `until` being when the latest full
    /// bucket's window ends (nothing is counted then).
    pub async fn take_sign_in_attempt(
        &self,
        buckets: &[(&str, i64)],
        window: TimeDelta,
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let cutoff = millis(now - window);
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let mut full_until: Option<Timestamp> = None;
        for (bucket, limit) in buckets {
            // One statement decides and counts: a new bucket or an elapsed window starts over at 1; a current
            // window counts on only while below the limit (otherwise no row comes back).
            let counted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO sign_in_limits (bucket, window_start, attempts) VALUES ($1, $2, 1) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                   attempts = CASE WHEN sign_in_limits.window_start <= $3 THEN 1 \
                                   ELSE sign_in_limits.attempts + 1 END, \
                   window_start = CASE WHEN sign_in_limits.window_start <= $3 THEN $2 \
                                       ELSE sign_in_limits.window_start END \
                 WHERE sign_in_limits.window_start <= $3 OR sign_in_limits.attempts < $4 \
                 RETURNING attempts",
            )
            .bind(*bucket)
            .bind(millis(now))
            .bind(cutoff)
            .bind(*limit)
            .fetch_optional(&mut *tx)
            .await?;
            if counted.is_none() {
                let start: i64 =
                    sqlx::query_scalar("SELECT window_start FROM sign_in_limits WHERE bucket = $1")
                        .bind(*bucket)
                        .fetch_one(&mut *tx)
                        .await?;
                let until = from_millis(start) + window;
                full_until = Some(full_until.map_or(until, |u| u.max(until)));
            }
        }
        if full_until.is_some() {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(full_until)
    }

    /// Gives back an attempt that turned out not to be a failure.
    pub async fn return_sign_in_attempt(&self, bucket: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sign_in_limits SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
        )
        .bind(bucket)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a bucket's failures (a successful sign-in clears its account's).
    pub async fn clear_sign_in_bucket(&self, bucket: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_limits WHERE bucket = $1")
            .bind(bucket)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the counters whose window ended before `now`; returns how many.
    pub async fn prune_sign_in_limits(
        &self,
        window: TimeDelta,
        now: Timestamp,
    ) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM sign_in_limits WHERE window_start <= $1")
                .bind(millis(now - window))
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// How many counters are stored (tests and diagnostics).
    pub async fn sign_in_bucket_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_limits")
            .fetch_one(&self.pool)
            .await?)
    }
}
