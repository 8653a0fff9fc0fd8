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
use sqlx::Executor;
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
                Ok((_, events)) if !events.is_empty() => swept.jobs += 1,
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
                Ok((_, events)) if !events.is_empty() => swept.intakes += 1,
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
        if let Err(e) = housekeeping(&state).await {
            tracing::warn!(error = %e, "housekeeping failed");
        }
    }
}

/// Deletes what has expired: sign-in and sign-up counts of ended windows, sessions past their idle expiry
/// and one-time messages nobody came back for (each by its indexed time column).
pub async fn housekeeping(state: &AppState) -> Result<(), StoreError> {
    let now = state.clock.now();
    state.sign_in_limiter.prune(&state.store, now).await?;
    state.store.delete_expired_sessions(now).await?;
    state.store.delete_expired_flashes(now).await?;
    Ok(())
}

/// The right to run the sweep. With one SQLite file there is one instance, which always holds it. On
/// PostgreSQL it is a session advisory lock on a connection taken out of the pool for the purpose: the instance
/// whose connection holds the lock sweeps, and another instance takes the lock at its next tick once that
/// session ends. (Even two sweeps at once could not fire a timer twice: every command is checked against the
/// job's version.)
///
/// The session ends at once when the holder's process dies (its kernel closes the socket). When its whole host
/// dies or drops off the network, nothing closes the socket, and PostgreSQL would keep the session, and the
/// lock, until the operating system's TCP keepalive gives up (two hours and more by default). So the lease
/// connection asks the server to probe it (`tcp_keepalives_*`) and to give up on unacknowledged data
/// (`tcp_user_timeout`): the server then ends the session of a vanished holder within about
/// `LEASE_DEAD_AFTER`. The probes are answered by the holder's kernel, so a busy but living instance keeps
/// the lease. On its side, the holder gives the lease up when its check does not answer in time.
#[derive(Default)]
pub struct Lease {
    /// Detached from the pool: dropping it closes the session (and so releases the lock) instead of handing
    /// a connection that still holds the lock back to the pool, where it would keep the lock forever.
    connection: Option<sqlx::AnyConnection>,
}

/// Any fixed number identifying the lock; "IEtm" in ASCII.
const LEASE_KEY: i64 = 0x4945_746d;

/// The server-side settings of the lease session: probe after 10 s of silence, every 5 s, give up after 3
/// unanswered probes; give up on data unacknowledged for 25 s. A dead host loses the lease in about 25 s.
const LEASE_SESSION_SETTINGS: &str =
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; \
     SET tcp_keepalives_count = 3; SET tcp_user_timeout = 25000";
pub const LEASE_DEAD_AFTER: Duration = Duration::from_secs(25);

/// How long the holder waits for its lease check before it gives the lease up.
const LEASE_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

impl Lease {
    /// Whether this instance holds the lease now (trying to take it if not).
    pub async fn hold(&mut self, state: &AppState) -> bool {
        if state.store.backend() != Backend::Postgres {
            return true;
        }
        if let Some(conn) = self.connection.as_mut() {
            let check = tokio::time::timeout(
                LEASE_CHECK_TIMEOUT,
                sqlx::query("SELECT 1").execute(&mut *conn),
            )
            .await;
            if matches!(check, Ok(Ok(_))) {
                return true;
            }
            tracing::warn!("lost the timer lease connection; another instance may take over");
            // Dropped, not returned to the pool: the session ends and, if it still held the lock, frees it.
            self.connection = None;
        }
        let Ok(mut conn) = state.store.pool().acquire().await else {
            return false;
        };
        let taken: Result<bool, _> = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEASE_KEY)
            .fetch_one(&mut *conn)
            .await;
        if !matches!(taken, Ok(true)) {
            return false;
        }
        let mut conn = conn.detach();
        // A plain string runs as a simple query, so the four statements go in one round trip.
        if let Err(e) = conn.execute(LEASE_SESSION_SETTINGS).await {
            tracing::warn!(error = %e, "cannot set keepalives on the timer lease connection; a crashed host would keep the lease until the operating system's TCP timeout");
        }
        tracing::info!("this instance now runs the timers");
        self.connection = Some(conn);
        true
    }

    /// Gives the lease up, closing its session.
    pub async fn release(&mut self) {
        use sqlx::Connection;
        if let Some(conn) = self.connection.take() {
            let _ = conn.close().await;
        }
    }

    /// A setting of the lease session as the server reports it (tests).
    #[cfg(test)]
    pub async fn session_setting(&mut self, name: &str) -> Option<String> {
        let conn = self.connection.as_mut()?;
        sqlx::query_scalar(&format!("SHOW {name}"))
            .fetch_one(conn)
            .await
            .ok()
    }
}
