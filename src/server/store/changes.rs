//! The durable change record (migration 0011): every transaction that appends job or intake events also writes
//! one `changes` row and one `change_queue` row per consumer, so that what must follow a change (caches
//! forgotten, live pages told, notifications queued) survives a crash between the commit and the reaction.
//!
//! Right after the commit the store hands the record to the reactor installed by `server::changes` (the acting
//! request's own reaction, so its author reads its own write); the queue rows let every consumer catch up
//! after a crash, at least once. Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL so that, with several
//! instances, one of them processes each row.

use super::intakes::StoredIntake;
use super::{col, from_millis, millis, Backend, Store, StoreResult};
use crate::model::Actor;
use lifecycle::intake::IntakeEvent;
use lifecycle::{Event, JobState, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::sync::Arc;

/// Live pages and caches: forget what changed, publish on the hub (`NOTIFY` on PostgreSQL).
pub const LIVE: &str = "live";
/// Notifications: emails and webhooks to queue for the change.
pub const NOTIFY: &str = "notify";
/// Every consumer gets a queue row for every change.
pub const CONSUMERS: [&str; 2] = [LIVE, NOTIFY];

/// What one committed transaction changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRecord {
    pub id: i64,
    /// The job whose events were appended, or the job an intake is linked to.
    pub job_id: Option<i64>,
    pub subscription_id: Option<String>,
    /// Set when the job itself changed (it has new events).
    pub job_version: Option<u64>,
    pub state_before: Option<JobState>,
    pub state: Option<JobState>,
    pub intake_id: Option<i64>,
    pub intake_version: Option<u64>,
    /// The kinds of the change's events, in order (job events' names, then intake events' types).
    pub event_kinds: Vec<String>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub recorded_at: Timestamp,
}

impl ChangeRecord {
    /// The change of a job from `before` (None: created) by `events`.
    pub(super) fn of_job(
        before: Option<JobState>,
        job: &super::StoredJob,
        events: &[Event],
        actor: &Actor,
        now: Timestamp,
    ) -> ChangeRecord {
        ChangeRecord {
            id: 0,
            job_id: Some(job.id),
            subscription_id: Some(job.subscription_id.clone()),
            job_version: Some(job.job.version),
            state_before: before,
            state: Some(job.job.state),
            intake_id: None,
            intake_version: None,
            event_kinds: events.iter().map(|e| e.kind.name().to_string()).collect(),
            actor_kind: actor.kind.as_str().to_string(),
            actor_id: actor.account_id,
            recorded_at: now,
        }
    }

    /// The change of an intake (and, when `self` is a job's change, of its linked job in the same transaction).
    pub(super) fn with_intake(
        mut self,
        intake: &StoredIntake,
        events: &[IntakeEvent],
    ) -> ChangeRecord {
        self.job_id = self.job_id.or(intake.job_id);
        self.intake_id = Some(intake.id);
        self.intake_version = Some(intake.intake.version);
        self.event_kinds
            .extend(events.iter().map(intake_event_kind));
        self
    }

    pub(super) fn of_intake(
        intake: &StoredIntake,
        events: &[IntakeEvent],
        actor: &Actor,
        now: Timestamp,
    ) -> ChangeRecord {
        ChangeRecord {
            id: 0,
            job_id: None,
            subscription_id: None,
            job_version: None,
            state_before: None,
            state: None,
            intake_id: None,
            intake_version: None,
            event_kinds: Vec::new(),
            actor_kind: actor.kind.as_str().to_string(),
            actor_id: actor.account_id,
            recorded_at: now,
        }
        .with_intake(intake, events)
    }
}

fn intake_event_kind(event: &IntakeEvent) -> String {
    serde_json::to_value(&event.kind)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_else(|| "IntakeChanged".into())
}

/// Writes `record` and its queue rows in the change's transaction; sets its id.
pub(super) async fn write(
    tx: &mut Transaction<'_, Any>,
    record: &mut ChangeRecord,
) -> StoreResult<()> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO changes (job_id, subscription_id, job_version, state_before, state, intake_id, \
         intake_version, event_kinds, actor_kind, actor_id, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(record.job_id)
    .bind(record.subscription_id.clone())
    .bind(record.job_version.map(|v| v as i64))
    .bind(record.state_before.map(|s| s.as_str()))
    .bind(record.state.map(|s| s.as_str()))
    .bind(record.intake_id)
    .bind(record.intake_version.map(|v| v as i64))
    .bind(serde_json::to_string(&record.event_kinds)?)
    .bind(record.actor_kind.clone())
    .bind(record.actor_id)
    .bind(millis(record.recorded_at))
    .fetch_one(&mut **tx)
    .await?;
    let queued_at = chrono::Utc::now().timestamp_millis();
    for consumer in CONSUMERS {
        sqlx::query(
            "INSERT INTO change_queue (consumer, change_id, queued_at) VALUES ($1, $2, $3)",
        )
        .bind(consumer)
        .bind(id)
        .bind(queued_at)
        .execute(&mut **tx)
        .await?;
    }
    record.id = id;
    Ok(())
}

const COLUMNS: &str = "c.id, c.job_id, c.subscription_id, c.job_version, c.state_before, c.state, \
     c.intake_id, c.intake_version, c.event_kinds, c.actor_kind, c.actor_id, c.recorded_at";

fn change_record(row: &AnyRow) -> StoreResult<ChangeRecord> {
    let state = |name: &str| -> StoreResult<Option<JobState>> {
        Ok(col::<Option<String>>(row, name)?.and_then(|s| JobState::parse(&s)))
    };
    Ok(ChangeRecord {
        id: col(row, "id")?,
        job_id: col(row, "job_id")?,
        subscription_id: col(row, "subscription_id")?,
        job_version: col::<Option<i64>>(row, "job_version")?.map(|v| v as u64),
        state_before: state("state_before")?,
        state: state("state")?,
        intake_id: col(row, "intake_id")?,
        intake_version: col::<Option<i64>>(row, "intake_version")?.map(|v| v as u64),
        event_kinds: serde_json::from_str(&col::<String>(row, "event_kinds")?)?,
        actor_kind: col(row, "actor_kind")?,
        actor_id: col(row, "actor_id")?,
        recorded_at: from_millis(col(row, "recorded_at")?),
    })
}

/// What reacts to each committed change, in the process that committed it (installed by `server::changes`).
pub type Reactor = Arc<dyn Fn(&ChangeRecord) + Send + Sync>;

/// Changes a consumer has not processed yet, held (row-locked on PostgreSQL) until [`Claim::finish`]; dropping
/// the claim unfinished leaves them for the next try.
pub struct Claim {
    pub tx: Transaction<'static, Any>,
    pub records: Vec<ChangeRecord>,
    consumer: &'static str,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Claim {
    /// Marks the claimed changes processed by this consumer, together with whatever the consumer wrote in
    /// `self.tx`.
    pub async fn finish(mut self) -> StoreResult<usize> {
        for record in &self.records {
            sqlx::query("DELETE FROM change_queue WHERE consumer = $1 AND change_id = $2")
                .bind(self.consumer)
                .bind(record.id)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(self.records.len())
    }
}

impl Store {
    /// Installs what reacts to every change this store commits from now on (replacing any earlier one).
    pub fn on_change(&self, reactor: Reactor) {
        *self.reactor.write().unwrap_or_else(|e| e.into_inner()) = Some(reactor);
    }

    /// Right after a change's commit: the store's own job documents are forgotten, then the installed reactor
    /// runs (the acting request's reaction; the queue rows replay it after a crash).
    pub(super) fn committed(&self, record: &ChangeRecord) {
        if record.job_version.is_some() {
            if let Some(job_id) = record.job_id {
                self.documents.changed(job_id);
            }
        }
        let reactor = self
            .reactor
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(reactor) = reactor {
            reactor(record);
        }
    }

    /// Forgets the documents of a job changed elsewhere (a replayed change; another instance's).
    pub fn forget_job_documents(&self, job_id: i64) {
        self.documents.changed(job_id);
    }

    /// Up to `limit` changes `consumer` has not processed, oldest first, among those queued at or before
    /// `queued_before` (wall-clock milliseconds). Rows another instance holds are skipped (PostgreSQL).
    pub async fn claim_changes(
        &self,
        consumer: &'static str,
        queued_before: i64,
        limit: i64,
    ) -> StoreResult<Claim> {
        let turn = match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE OF q SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM change_queue q JOIN changes c ON c.id = q.change_id \
             WHERE q.consumer = $1 AND q.queued_at <= $2 ORDER BY q.change_id LIMIT $3{lock}"
        ))
        .bind(consumer)
        .bind(queued_before)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let records = rows.iter().map(change_record).collect::<StoreResult<_>>()?;
        Ok(Claim {
            tx,
            records,
            consumer,
            _turn: turn,
        })
    }

    /// Marks changes processed by `consumer` outside a claim (the acting request already reacted to them).
    pub async fn changes_done(&self, consumer: &str, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        for id in ids {
            sqlx::query("DELETE FROM change_queue WHERE consumer = $1 AND change_id = $2")
                .bind(consumer)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The id of the latest change record (0: none yet).
    pub async fn last_change_id(&self) -> StoreResult<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM changes")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Marks the changes after `after` queued for `consumer` processed without processing them (the demo
    /// seed's history is nobody's news).
    pub async fn discard_changes_after(&self, consumer: &str, after: i64) -> StoreResult<u64> {
        let _turn = self.write_turn().await;
        Ok(
            sqlx::query("DELETE FROM change_queue WHERE consumer = $1 AND change_id > $2")
                .bind(consumer)
                .bind(after)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// How many changes `consumer` has yet to process (tests, diagnostics).
    pub async fn pending_changes(&self, consumer: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM change_queue WHERE consumer = $1")
                .bind(consumer)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
