//! The projections of a job's due times: `next_timer_at` (what the sweep reads), `attention_from` (what the
//! attention queue reads) and `removal_notice_until` (what the customer's job list reads), with the jobs
//! lists' `has_problem` mark. They are functions
//! of the snapshot *and of the timer settings*, written with every snapshot. This module keeps them right when
//! the settings are not the ones they were computed with:
//!
//! - the `meta` table holds a fingerprint of the timer durations the stored values were computed with; a server
//!   that starts with other durations recomputes every live job's values from its snapshot;
//! - a timer Tick that fires nothing (the stored due time was stale) rewrites that job's values, without any
//!   event, so the row stops being due.

use super::{col, millis, Store, StoreResult};
use lifecycle::attention::{attention_from, has_problem, removal_notice_until};
use lifecycle::{Job, Settings};
use sqlx::{Any, Transaction};

/// Revision of the attention rules the stored `attention_from` (and `removal_notice_until`) was computed with.
/// Bump it when `lifecycle::attention` changes: rows of an older revision are recomputed at start-up.
pub const ATTENTION_REV: i64 = 4;

/// The `meta` key of the timer settings' fingerprint.
const TIMER_SETTINGS: &str = "timer-settings";

/// What identifies the timer durations the due times depend on.
pub fn timer_fingerprint(settings: &Settings) -> String {
    serde_json::to_string(&settings.timers).unwrap_or_default()
}

/// What a start-up refresh rewrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Rows written by older attention rules.
    pub attention: usize,
    /// Live jobs whose due times were recomputed because the timer settings changed.
    pub timers: usize,
}

/// Writes the attention projections of a job (in the transaction that writes its snapshot).
pub(super) async fn write_projection(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    job: &Job,
    settings: &Settings,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET attention_from = $1, attention_rev = $2, removal_notice_until = $3, has_problem = $4 \
         WHERE id = $5",
    )
    .bind(attention_from(job, settings).map(millis))
    .bind(ATTENTION_REV)
    .bind(removal_notice_until(job).map(millis))
    .bind(i64::from(has_problem(job, settings)))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Rewrites every due-time projection of job `id` from its snapshot at `version`, unless the job changed since
/// (then its writer wrote them). Returns whether the row was rewritten.
pub(super) async fn rewrite_due_times(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    job: &Job,
    settings: &Settings,
) -> StoreResult<bool> {
    let updated = sqlx::query(
        "UPDATE jobs SET next_timer_at = $1, attention_from = $2, attention_rev = $3, removal_notice_until = $4, \
         has_problem = $5 WHERE id = $6 AND version = $7",
    )
    .bind(lifecycle::next_timer(job, settings).map(|(at, _)| millis(at)))
    .bind(attention_from(job, settings).map(millis))
    .bind(ATTENTION_REV)
    .bind(removal_notice_until(job).map(millis))
    .bind(i64::from(has_problem(job, settings)))
    .bind(id)
    .bind(job.version as i64)
    .execute(&mut **tx)
    .await?;
    Ok(updated.rows_affected() == 1)
}

impl Store {
    pub async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that every stored due time was computed with `settings` (a writer that computed them all, such
    /// as the benchmark data generator, saves the server recomputing them at its first start).
    pub async fn mark_due_times_computed_with(&self, settings: &Settings) -> StoreResult<()> {
        self.set_meta(TIMER_SETTINGS, &timer_fingerprint(settings))
            .await
    }

    /// Brings the stored projections up to date before the first sweep: rows written by older attention rules,
    /// and, when the timer settings are not the ones the stored due times were computed with, every live job's
    /// due times.
    pub async fn refresh_projections(&self, settings: &Settings) -> StoreResult<Refreshed> {
        let attention = self.refresh_attention(settings).await?;
        let fingerprint = timer_fingerprint(settings);
        let timers = if self.meta(TIMER_SETTINGS).await?.as_deref() == Some(fingerprint.as_str()) {
            0
        } else {
            let n = self.recompute_due_times(settings).await?;
            // Written last: a refresh cut short is done again at the next start.
            self.mark_due_times_computed_with(settings).await?;
            n
        };
        Ok(Refreshed { attention, timers })
    }

    /// Recomputes `attention_from` for rows written by older rules (or before the column existed).
    pub async fn refresh_attention(&self, settings: &Settings) -> StoreResult<usize> {
        let mut done = 0;
        loop {
            let rows = sqlx::query(
                "SELECT id, snapshot FROM jobs WHERE attention_rev < $1 ORDER BY attention_rev LIMIT 500",
            )
            .bind(ATTENTION_REV)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            for row in &rows {
                let id: i64 = col(row, "id")?;
                let job: Job = serde_json::from_str(&col::<String>(row, "snapshot")?)?;
                write_projection(&mut tx, id, &job, settings).await?;
            }
            tx.commit().await?;
            done += rows.len();
        }
    }

    /// Recomputes the due times of every live job from its snapshot, 500 jobs per transaction in id order.
    async fn recompute_due_times(&self, settings: &Settings) -> StoreResult<usize> {
        let mut done = 0;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(LIVE_JOBS_AFTER)
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(done);
            };
            after = col(last, "id")?;
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            for row in &rows {
                let id: i64 = col(row, "id")?;
                let job: Job = serde_json::from_str(&col::<String>(row, "snapshot")?)?;
                // A job changed meanwhile was written with these settings by its own command.
                if rewrite_due_times(&mut tx, id, &job, settings).await? {
                    done += 1;
                }
            }
            tx.commit().await?;
        }
    }
}

/// The next 500 live jobs in id order, through the primary key. `+deleted`: see `jobs_by_ids_sql` (without it
/// SQLite reads every live job through a `(deleted, …)` index and sorts them, for every batch).
pub(crate) const LIVE_JOBS_AFTER: &str =
    "SELECT id, snapshot FROM jobs WHERE id > $1 AND +deleted = 0 ORDER BY id LIMIT 500";
