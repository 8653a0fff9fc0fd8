//! Attempt counters (`sign_in_limits`): sign-in failures and sign-ups, taken atomically before the slow work
//! they guard (a password hash), so that every instance and every parallel attempt counts against the same
//! limit.

use super::{col, from_millis, millis, Store, StoreResult};
use chrono::TimeDelta;
use lifecycle::Timestamp;

/// One counter an attempt takes a place in.
#[derive(Clone, Debug)]
pub struct Bucket<'a> {
    pub key: &'a str,
    /// Attempts per window; a full bucket refuses until its window ends.
    pub limit: i64,
    /// Counted from the bucket's first attempt.
    pub window: TimeDelta,
    /// Past `after` attempts in the window, each further attempt must wait for the one before: 1 s, then
    /// twice as long each time, at most `max`. `None`: no waiting below the limit.
    pub backoff: Option<Backoff>,
}

#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub after: i64,
    pub max: TimeDelta,
}

impl Backoff {
    /// The wait after the `attempts`-th attempt of a window.
    pub fn wait_after(&self, attempts: i64) -> TimeDelta {
        let over = attempts - self.after;
        if over <= 0 {
            return TimeDelta::zero();
        }
        let seconds = 1i64
            .checked_shl((over - 1).min(40) as u32)
            .unwrap_or(i64::MAX);
        TimeDelta::seconds(seconds).min(self.max)
    }
}

impl Store {
    /// Takes one attempt in each bucket, all or none. `Ok(None)` when every bucket let it through;
    /// `Ok(Some(until))` when one did not, `until` being when the last of those opens again (nothing is
    /// counted then).
    pub async fn take_attempt(
        &self,
        buckets: &[Bucket<'_>],
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        let mut closed_until: Option<Timestamp> = None;
        for bucket in buckets {
            let cutoff = millis(now - bucket.window);
            // One statement decides and counts: a new bucket or an elapsed window starts over at 1; a current
            // window counts on only while below the limit and past its wait (otherwise no row comes back).
            let counted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO sign_in_limits (bucket, window_start, attempts, next_at) VALUES ($1, $2, 1, 0) \
                 ON CONFLICT (bucket) DO UPDATE SET \
                   attempts = CASE WHEN sign_in_limits.window_start <= $3 THEN 1 \
                                   ELSE sign_in_limits.attempts + 1 END, \
                   next_at = CASE WHEN sign_in_limits.window_start <= $3 THEN 0 \
                                  ELSE sign_in_limits.next_at END, \
                   window_start = CASE WHEN sign_in_limits.window_start <= $3 THEN $2 \
                                       ELSE sign_in_limits.window_start END \
                 WHERE sign_in_limits.window_start <= $3 \
                    OR (sign_in_limits.attempts < $4 AND sign_in_limits.next_at <= $2) \
                 RETURNING attempts",
            )
            .bind(bucket.key)
            .bind(millis(now))
            .bind(cutoff)
            .bind(bucket.limit)
            .fetch_optional(&mut *tx)
            .await?;
            match counted {
                Some(attempts) => {
                    let wait = bucket
                        .backoff
                        .map_or(TimeDelta::zero(), |b| b.wait_after(attempts));
                    if wait > TimeDelta::zero() {
                        sqlx::query("UPDATE sign_in_limits SET next_at = $1 WHERE bucket = $2")
                            .bind(millis(now + wait))
                            .bind(bucket.key)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                None => {
                    let row = sqlx::query(
                        "SELECT window_start, attempts, next_at FROM sign_in_limits WHERE bucket = $1",
                    )
                    .bind(bucket.key)
                    .fetch_one(&mut *tx)
                    .await?;
                    let start: i64 = col(&row, "window_start")?;
                    let attempts: i64 = col(&row, "attempts")?;
                    let next_at: i64 = col(&row, "next_at")?;
                    let until = if attempts >= bucket.limit {
                        from_millis(start) + bucket.window
                    } else {
                        from_millis(next_at)
                    };
                    closed_until = Some(closed_until.map_or(until, |u| u.max(until)));
                }
            }
        }
        if closed_until.is_some() {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(closed_until)
    }

    /// Gives back an attempt that turned out not to be a failure.
    pub async fn return_attempt(&self, bucket: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sign_in_limits SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
        )
        .bind(bucket)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a bucket's attempts (a successful sign-in clears its account's).
    pub async fn clear_attempts(&self, bucket: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_limits WHERE bucket = $1")
            .bind(bucket)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the counters whose window (at most `longest`) ended before `now`; returns how many.
    pub async fn prune_attempts(&self, longest: TimeDelta, now: Timestamp) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM sign_in_limits WHERE window_start <= $1")
                .bind(millis(now - longest))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_maximum() {
        let b = Backoff {
            after: 3,
            max: TimeDelta::seconds(60),
        };
        let waits: Vec<i64> = (1..=12).map(|n| b.wait_after(n).num_seconds()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(b.wait_after(1_000_000), TimeDelta::seconds(60));
    }
}
