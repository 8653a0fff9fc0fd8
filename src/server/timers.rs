//! The timer sweep: applies the lifecycle's timer rules to jobs whose stored deadline has passed. Only due rows
//! are read (an index on `next_timer_at`); a job's deadline moves with its snapshot in the same transaction,
//! so a restart neither loses nor repeats a timer.

use super::state::AppState;
use super::store::{Backend, StoreError};
use crate::model::Actor;
use lifecycle::Command;
use std::time::Duration;

/// Fires every due timer once; returns how many jobs changed.
pub async fn sweep_once(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let mut changed = 0;
    // A cap, so that a job whose timer cannot fire (it would be logged) never spins the sweep.
    for _ in 0..50 {
        let due = state.store.due_jobs(now, 200).await?;
        if due.is_empty() {
            break;
        }
        let batch = due.len();
        for id in due {
            match state
                .store
                .execute(id, &[Command::Tick], &Actor::timer(), now, state.settings())
                .await
            {
                Ok((job, events)) if !events.is_empty() => {
                    super::commands::announce(state, &job);
                    changed += 1
                }
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => {
                    tracing::warn!(job = id, error = %e, "timer failed; will retry on the next sweep")
                }
            }
        }
        if batch < 200 {
            break;
        }
    }
    Ok(changed)
}

/// Runs the sweep forever, every `every`, on the one instance that holds the timer lease.
pub async fn run(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lease = Lease::default();
    loop {
        interval.tick().await;
        if !lease.hold(&state).await {
            continue;
        }
        match sweep_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "timers fired"),
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
