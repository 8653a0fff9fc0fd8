//! The one place that reacts to committed changes (see `store::changes` for the durable record).
//!
//! Every transaction that changes a job or an intake writes a change record and one queue row per consumer.
//! Right after the commit, in the acting process, [`react`] forgets the kept pages and publishes the change on
//! the live hub (which `NOTIFY`s the other instances on PostgreSQL), so that the author of a change never reads
//! a page from before it. The background [`run`] loop then does the rest: it deletes the queue rows of changes
//! already reacted to (in batches, off the request's path), replays changes whose reaction never happened
//! (a crash between commit and reaction: after the restart, or on another instance), and hands each change to
//! the notifications consumer. Replays are harmless: a page re-reads a job it already shows.

use super::live::{IntakeChanged, JobChanged, LiveHub};
use super::state::AppState;
use super::store::changes::{LIVE, NOTIFY};
use super::store::{ChangeRecord, Store, StoreResult};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a queue row is left to the acting request's own reaction before the loop replays it.
const GRACE: Duration = Duration::from_secs(5);
/// Changes processed per claim.
const BATCH: i64 = 200;
/// How often the loop looks for work when nobody wakes it.
const IDLE: Duration = Duration::from_secs(1);

/// State of the change path shared by the reactor and the background loop.
#[derive(Clone, Default)]
pub struct ChangePath {
    /// Changes this process already reacted to, whose `live` queue rows are still to be deleted.
    reacted: Arc<Mutex<Vec<i64>>>,
    /// Wakes the loop when a change committed (notifications should not wait for the next tick).
    wake: Arc<tokio::sync::Notify>,
}

impl ChangePath {
    fn reacted(&self) -> std::sync::MutexGuard<'_, Vec<i64>> {
        self.reacted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Installs the reaction on `store`: from now on every change it commits is reacted to at once.
pub fn install(store: &Store, live: &LiveHub, path: &ChangePath) {
    let live = live.clone();
    let path = path.clone();
    store.on_change(Arc::new(move |record: &ChangeRecord| {
        publish(&live, record);
        path.reacted().push(record.id);
        path.wake.notify_one();
    }));
}

/// Tells the live hub (and through it every instance's pages) what `record` changed.
fn publish(live: &LiveHub, record: &ChangeRecord) {
    if let (Some(job_id), Some(version), Some(state)) =
        (record.job_id, record.job_version, record.state)
    {
        live.publish(JobChanged {
            job_id,
            subscription_id: record.subscription_id.clone().unwrap_or_default(),
            version,
            state: state.as_str().to_string(),
        });
    }
    if let (Some(intake_id), Some(version)) = (record.intake_id, record.intake_version) {
        live.publish(IntakeChanged {
            intake_id,
            job_id: record.job_id,
            version,
        });
    }
}

/// A change reacted to again, in a process that did not commit it (after a crash): its documents are
/// forgotten too, since they may be cached here.
fn replay(app: &AppState, record: &ChangeRecord) {
    if let (Some(job_id), Some(_)) = (record.job_id, record.job_version) {
        app.store.forget_job_documents(job_id);
    }
    publish(&app.live, record);
}

/// What one pass of the loop did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Changes whose reaction was replayed.
    pub replayed: usize,
    /// Changes handed to the notifications consumer.
    pub notified: usize,
}

/// One pass over every consumer's queue: rows queued before `replay_before` (wall-clock milliseconds) and not
/// reacted to by this process are replayed.
pub async fn catch_up(app: &AppState, replay_before: i64) -> StoreResult<Pass> {
    let mut pass = Pass::default();
    let done = std::mem::take(&mut *app.changes.reacted());
    if let Err(e) = app.store.changes_done(LIVE, &done).await {
        app.changes.reacted().extend(done);
        return Err(e);
    }
    loop {
        let claim = app.store.claim_changes(LIVE, replay_before, BATCH).await?;
        if claim.records.is_empty() {
            break;
        }
        for record in &claim.records {
            replay(app, record);
        }
        let n = claim.finish().await?;
        pass.replayed += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    {
        loop {
            let mut claim = app.store.claim_changes(NOTIFY, i64::MAX, BATCH).await?;
            if claim.records.is_empty() {
                break;
            }
            let records = std::mem::take(&mut claim.records);
            for record in &records {
                super::notifications::enqueue(app, &mut claim.tx, record).await?;
            }
            claim.records = records;
            let n = claim.finish().await?;
            pass.notified += n;
            if (n as i64) < BATCH {
                break;
            }
        }
    }
    Ok(pass)
}

/// The background consumer: on start every unprocessed change is replayed (a crash lost its reaction), then
/// the queues are followed as changes commit.
pub async fn run(app: AppState) {
    match catch_up(&app, i64::MAX).await {
        Ok(pass) if pass.replayed > 0 => {
            tracing::info!(changes = pass.replayed, "reacted to changes left by a stop")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot catch up with the change queue"),
    }
    loop {
        let _ = tokio::time::timeout(IDLE, app.changes.wake.notified()).await;
        let before = chrono::Utc::now().timestamp_millis() - GRACE.as_millis() as i64;
        if let Err(e) = catch_up(&app, before).await {
            tracing::warn!(error = %e, "the change queue failed; trying again");
            tokio::time::sleep(IDLE).await;
        }
    }
}
