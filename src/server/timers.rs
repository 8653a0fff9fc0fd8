//! The timer sweep: applies the lifecycle's timer rules to jobs and unmatched intakes whose stored deadline has
//! passed. Only due rows are read (indexes on `jobs.next_timer_at` and `intakes.next_timer_at`), page by page
//! in `(deadline, id)` order, so rows that cannot fire never hide the rows after them and each row is tried
//! once per sweep. A deadline moves with its snapshot in the same transaction, so a restart neither loses nor
//! repeats a timer, and an event carries its deadline as its time, so a late sweep writes the same history as a
//! punctual one. A row whose stored deadline went stale (the timer settings changed) is rewritten by its Tick.

use super::state::AppState;
use super::store::{Backend, StoreError};
use crate::model::Actor;
use lifecycle::intake::IntakeCommand;
use lifecycle::Command;
use std::collections::HashSet;
use std::time::Duration;

const BATCH: i64 = 200;

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Jobs that changed.
    pub jobs: usize,
    /// Unmatched intakes that changed.
    pub intakes: usize,
    /// Rows whose command failed (logged; tried again at the next sweep, never twice in one).
    pub failed: usize,
}

/// Fires every due timer once; returns how many jobs changed.
pub async fn sweep_once(state: &AppState) -> Result<usize, StoreError> {
    Ok(sweep(state).await?.jobs)
}

/// Fires every due job and intake timer once.
pub async fn sweep(state: &AppState) -> Result<Swept, StoreError> {
    sweep_in_pages(state, BATCH).await
}

/// [`sweep`], reading `page` due rows at a time.
pub(crate) async fn sweep_in_pages(state: &AppState, page: i64) -> Result<Swept, StoreError> {
    let now = state.clock.now();
    let mut swept = Swept::default();
    let mut tried = HashSet::new();
    let mut after = None;
    loop {
        let due = state.store.due_jobs_after(now, after, page).await?;
        let Some(last) = due.last().copied() else {
            break;
        };
        after = Some(last);
        for row in &due {
            if !tried.insert(row.id) {
                continue;
            }
            match state
                .store
                .execute(
                    row.id,
                    &[Command::Tick],
                    &Actor::timer(),
                    now,
                    state.settings(),
                )
                .await
            {
                Ok((job, events)) if !events.is_empty() => {
                    super::commands::announce(state, &job);
                    swept.jobs += 1
                }
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => {
                    swept.failed += 1;
                    tracing::warn!(job = row.id, error = %e, "timer failed; will retry on the next sweep")
                }
            }
        }
        if (due.len() as i64) < page {
            break;
        }
    }
    let mut tried = HashSet::new();
    let mut after = None;
    loop {
        let due = state.store.due_intakes(now, after, page).await?;
        let Some(last) = due.last().copied() else {
            break;
        };
        after = Some(last);
        for row in &due {
            if !tried.insert(row.id) {
                continue;
            }
            match state
                .store
                .execute_intake(
                    row.id,
                    &IntakeCommand::Tick,
                    &Actor::timer(),
                    now,
                    state.settings(),
                )
                .await
            {
                Ok((intake, events)) if !events.is_empty() => {
                    super::commands::announce_intake(state, &intake);
                    swept.intakes += 1
                }
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => {
                    swept.failed += 1;
                    tracing::warn!(intake = row.id, error = %e, "intake timer failed; will retry on the next sweep")
                }
            }
        }
        if (due.len() as i64) < page {
            break;
        }
    }
    Ok(swept)
}

/// Before the first sweep: brings the stored projections up to date (older attention rules; every due time
/// when the timer settings are not the ones they were computed with).
pub async fn prepare(state: &AppState) {
    match state.store.refresh_projections(state.settings()).await {
        Ok(r) if r == Default::default() => {}
        Ok(r) => tracing::info!(
            attention = r.attention,
            timers = r.timers,
            "projections recomputed (attention rules or timer settings changed)"
        ),
        Err(e) => tracing::warn!(error = %e, "cannot refresh the stored projections"),
    }
}

/// Runs the sweep forever, every `every`, on the one instance that holds the timer lease. Before the first
/// sweep, brings the stored projections up to date ([`prepare`]).
pub async fn run(state: AppState, every: Duration) {
    prepare(&state).await;
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lease = Lease::default();
    loop {
        interval.tick().await;
        if !lease.hold(&state).await {
            continue;
        }
        match sweep(&state).await {
            Ok(Swept {
                jobs: 0,
                intakes: 0,
                ..
            }) => {}
            Ok(s) => tracing::info!(jobs = s.jobs, intakes = s.intakes, "timers fired"),
            Err(e) => tracing::warn!(error = %e, "timer sweep failed"),
        }
    }
}

/// The right to run the sweep. With one SQLite file there is one instance, which always holds it. On
/// PostgreSQL it is a session advisory lock on a connection kept for the purpose: the instance whose
/// connection holds the lock sweeps; if that instance dies, its connection closes, the lock is released and
/// another instance takes it at its next tick. (Even two sweeps at once could not fire a timer twice: every
/// command is checked against the job's version.)
#[derive(Default)]
pub struct Lease {
    connection: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
}

/// Any fixed number identifying the lock; "IEtm" in ASCII.
const LEASE_KEY: i64 = 0x4945_746d;

impl Lease {
    /// Whether this instance holds the lease now (trying to take it if not).
    pub async fn hold(&mut self, state: &AppState) -> bool {
        if state.store.backend() != Backend::Postgres {
            return true;
        }
        if let Some(conn) = self.connection.as_mut() {
            if sqlx::query("SELECT 1").execute(&mut **conn).await.is_ok() {
                return true;
            }
            tracing::warn!("lost the timer lease connection");
            self.connection = None;
        }
        let Ok(mut conn) = state.store.pool().acquire().await else {
            return false;
        };
        let taken: Result<bool, _> = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEASE_KEY)
            .fetch_one(&mut *conn)
            .await;
        if matches!(taken, Ok(true)) {
            tracing::info!("this instance now runs the timers");
            // Kept out of the pool for as long as the lease is held.
            self.connection = Some(conn);
            true
        } else {
            false
        }
    }

    /// Gives the lease up (as a dying instance would, by closing its connection).
    pub async fn release(&mut self) {
        if let Some(conn) = self.connection.take() {
            let _ = conn.close().await;
        }
    }
}
