//! The timer sweep: applies the lifecycle's timer rules to jobs whose stored deadline has passed. Only due rows
//! are read (an index on `next_timer_at`); a job's deadline moves with its snapshot in the same transaction,
//! so a restart neither loses nor repeats a timer.

use super::state::AppState;
use super::store::StoreError;
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

/// Runs the sweep forever, every `every`.
pub async fn run(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match sweep_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "timers fired"),
            Err(e) => tracing::warn!(error = %e, "timer sweep failed"),
        }
    }
}
