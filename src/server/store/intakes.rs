//! Unmatched intakes: packages that arrived for a job that is not `Shipping`, or for no known job. Each is its
//! own aggregate (`lifecycle::intake`) with an append-only history in `intake_events`, a snapshot, and its next
//! deadline in the indexed `next_timer_at` column, written in the same transaction as the events.

use super::changes::ChangeRecord;
use super::jobs::{stored_job, JOB_COLUMNS};
use super::StoredJob;
use super::{col, from_millis, is_contention, millis, DueRow, Store, StoreError, StoreResult};
use crate::model::{Actor, ActorKind};
use lifecycle::intake::{
    decide_intake, next_intake_deadline, IntakeCommand, IntakeEvent, IntakeStatus, NewIntake,
    UnmatchedIntake,
};
use lifecycle::{decide_all, Command, Event, OperatorCommand, Settings, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// An intake as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIntake {
    pub id: i64,
    /// The job the package was for, when it is known.
    pub job_id: Option<i64>,
    pub intake: UnmatchedIntake,
}

/// One row of an intake's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIntakeEvent {
    pub seq: i64,
    pub recorded_at: Timestamp,
    pub actor: Actor,
    pub event: IntakeEvent,
}

pub fn status_name(status: IntakeStatus) -> &'static str {
    match status {
        IntakeStatus::AwaitingCustomer => "AwaitingCustomer",
        IntakeStatus::ReturnDue => "ReturnDue",
        IntakeStatus::DestructionDue => "DestructionDue",
        IntakeStatus::Resolved => "Resolved",
    }
}

const OPEN: &str = "status IN ('AwaitingCustomer', 'ReturnDue', 'DestructionDue')";
const COLUMNS: &str = "id, job_id, snapshot";
const ATTEMPTS: usize = 8;

fn stored_intake(row: &AnyRow) -> StoreResult<StoredIntake> {
    Ok(StoredIntake {
        id: col(row, "id")?,
        job_id: col(row, "job_id")?,
        intake: serde_json::from_str(&col::<String>(row, "snapshot")?)?,
    })
}

/// Intake `id` as `tx` sees it.
pub async fn intake_in(
    tx: &mut Transaction<'_, Any>,
    id: i64,
) -> StoreResult<Option<StoredIntake>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM intakes WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(stored_intake).transpose()
}

async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    intake_id: i64,
    seq: i64,
    event: &IntakeEvent,
    actor: &Actor,
    now: Timestamp,
) -> StoreResult<()> {
    let kind = serde_json::to_value(&event.kind)?
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("unknown")
        .to_string();
    sqlx::query(
        "INSERT INTO intake_events (intake_id, seq, at, recorded_at, kind, actor_type, actor_id, actor_label, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(intake_id)
    .bind(seq)
    .bind(millis(event.at))
    .bind(millis(now))
    .bind(kind)
    .bind(actor.kind.as_str())
    .bind(actor.account_id)
    .bind(actor.label.clone())
    .bind(serde_json::to_string(event)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Records a new unmatched intake (validated by the lifecycle). With `job_id` it is linked to that live job
    /// and noted on the job's timeline (`NoteUnmatchedIntake`, which the lifecycle may refuse): the intake and
    /// the job's event are written in one transaction, both or neither. Returns the intake and, when linked,
    /// the job with its new events.
    pub async fn record_intake(
        &self,
        job_id: Option<i64>,
        new: &NewIntake,
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(StoredIntake, Option<(StoredJob, Vec<Event>)>)> {
        let events = decide_intake(None, &IntakeCommand::Record(new.clone()), now, settings)?;
        let intake = UnmatchedIntake::replay(&events).ok_or_else(|| {
            StoreError::Corrupt("an intake's history starts with Recorded".into())
        })?;
        for attempt in 0..super::jobs::ATTEMPTS {
            if attempt > 0 {
                self.retry(attempt).await;
            }
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            let result = self
                .insert_intake(&mut tx, job_id, &intake, &events, actor, now, settings)
                .await;
            match result {
                Ok((out, change)) => match tx.commit().await {
                    Ok(()) => {
                        self.committed(&change);
                        return Ok(out);
                    }
                    Err(e) if is_contention(&e) => continue,
                    Err(e) => return Err(e.into()),
                },
                Err(StoreError::Database(e)) if is_contention(&e) => continue,
                Err(StoreError::Busy) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_intake(
        &self,
        tx: &mut Transaction<'_, Any>,
        job_id: Option<i64>,
        intake: &UnmatchedIntake,
        events: &[IntakeEvent],
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(
        (StoredIntake, Option<(StoredJob, Vec<Event>)>),
        ChangeRecord,
    )> {
        // The job first: a job that is gone is "not found", before anything is written.
        let job = match job_id {
            Some(job_id) => {
                let row = sqlx::query(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND deleted = 0"
                ))
                .bind(job_id)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                Some(stored_job(&row)?)
            }
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO intakes (job_id, status, tracking_number, next_timer_at, created_at, updated_at, version, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
        )
        .bind(job_id)
        .bind(status_name(intake.status))
        .bind(intake.details.tracking_number.clone())
        .bind(next_intake_deadline(intake).map(millis))
        .bind(millis(now))
        .bind(intake.version as i64)
        .bind(serde_json::to_string(intake)?)
        .fetch_one(&mut **tx)
        .await?;
        for (i, event) in events.iter().enumerate() {
            insert_event(tx, id, i as i64 + 1, event, actor, now).await?;
        }
        let stored = StoredIntake {
            id,
            job_id,
            intake: intake.clone(),
        };
        let Some(job) = job else {
            let mut change = ChangeRecord::of_intake(&stored, events, actor, now);
            super::changes::write(tx, &mut change).await?;
            return Ok(((stored, None), change));
        };
        let before = job.job.state;
        let note = Command::Operator(OperatorCommand::NoteUnmatchedIntake {
            intake_id: format!("intake-{id}"),
            drive_ids: intake.details.drive_ids.clone(),
        });
        let job_events = decide_all(Some(&job.job), &[note], now, settings)?;
        let job = self
            .append(tx, job, &job_events, actor, now, settings)
            .await?;
        let mut change = ChangeRecord::of_job(Some(before), &job, &job_events, actor, now)
            .with_intake(&stored, events);
        if job_events.is_empty() {
            change.job_version = None;
        }
        super::changes::write(tx, &mut change).await?;
        Ok(((stored, Some((job, job_events))), change))
    }

    /// Runs a command (resolve, timer tick) on intake `id`; a lost race is retried.
    pub async fn execute_intake(
        &self,
        id: i64,
        command: &IntakeCommand,
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(StoredIntake, Vec<IntakeEvent>)> {
        for _ in 0..ATTEMPTS {
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM intakes WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            let mut stored = stored_intake(&row)?;
            let events = decide_intake(Some(&stored.intake), command, now, settings)?;
            if events.is_empty() {
                return Ok((stored, events));
            }
            let before = stored.intake.version;
            let result: StoreResult<ChangeRecord> = async {
                for event in &events {
                    stored.intake.apply(event);
                    insert_event(
                        &mut tx,
                        id,
                        stored.intake.version as i64,
                        event,
                        actor,
                        now,
                    )
                    .await?;
                }
                let intake = &stored.intake;
                let updated = sqlx::query(
                    "UPDATE intakes SET status = $1, next_timer_at = $2, updated_at = $3, version = $4, snapshot = $5 \
                     WHERE id = $6 AND version = $7",
                )
                .bind(status_name(intake.status))
                .bind(next_intake_deadline(intake).map(millis))
                .bind(millis(now))
                .bind(intake.version as i64)
                .bind(serde_json::to_string(intake)?)
                .bind(id)
                .bind(before as i64)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() != 1 {
                    return Err(StoreError::Busy);
                }
                let mut change = ChangeRecord::of_intake(&stored, &events, actor, now);
                super::changes::write(&mut tx, &mut change).await?;
                Ok(change)
            }
            .await;
            match result {
                Ok(change) => match tx.commit().await {
                    Ok(()) => {
                        self.committed(&change);
                        return Ok((stored, events));
                    }
                    Err(e) if is_contention(&e) => continue,
                    Err(e) => return Err(e.into()),
                },
                Err(StoreError::Database(e)) if is_contention(&e) => continue,
                Err(StoreError::Busy) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Busy)
    }

    pub async fn intake(&self, id: i64) -> StoreResult<Option<StoredIntake>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM intakes WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_intake).transpose()
    }

    /// Open intakes (not resolved), oldest first, through the `intakes_open` index.
    pub async fn open_intakes(&self, limit: i64) -> StoreResult<Vec<StoredIntake>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM intakes WHERE {OPEN} ORDER BY created_at LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_intake).collect()
    }

    /// The most recently resolved intakes, newest first.
    pub async fn resolved_intakes(&self, limit: i64) -> StoreResult<Vec<StoredIntake>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM intakes WHERE status = 'Resolved' ORDER BY created_at DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_intake).collect()
    }

    /// Intakes linked to a job whose next deadline is before `until` (candidates for a warning to the job's
    /// customer), soonest first, through the `intakes_due` index.
    pub async fn linked_intakes_due_before(
        &self,
        until: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<StoredIntake>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM intakes WHERE next_timer_at IS NOT NULL AND next_timer_at <= $1 \
             AND job_id IS NOT NULL ORDER BY next_timer_at, id LIMIT $2"
        ))
        .bind(super::millis(until))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_intake).collect()
    }

    /// The intakes recorded for a job, oldest first.
    pub async fn intakes_of_job(&self, job_id: i64) -> StoreResult<Vec<StoredIntake>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM intakes WHERE job_id = $1 ORDER BY created_at"
        ))
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_intake).collect()
    }

    /// An intake's whole history, oldest first.
    pub async fn intake_events(&self, id: i64) -> StoreResult<Vec<StoredIntakeEvent>> {
        let rows = sqlx::query(
            "SELECT seq, recorded_at, actor_type, actor_id, actor_label, body FROM intake_events \
             WHERE intake_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let actor_type: String = col(row, "actor_type")?;
                Ok(StoredIntakeEvent {
                    seq: col(row, "seq")?,
                    recorded_at: from_millis(col(row, "recorded_at")?),
                    actor: Actor {
                        kind: ActorKind::parse(&actor_type).ok_or_else(|| {
                            StoreError::Corrupt(format!("unknown actor type '{actor_type}'"))
                        })?,
                        account_id: col(row, "actor_id")?,
                        label: col(row, "actor_label")?,
                    },
                    event: serde_json::from_str(&col::<String>(row, "body")?)?,
                })
            })
            .collect()
    }

    /// Intakes whose next deadline has passed at `now`, in `(next_timer_at, id)` order after `after` (the
    /// `intakes_due` index).
    pub async fn due_intakes(
        &self,
        now: Timestamp,
        after: Option<DueRow>,
        limit: i64,
    ) -> StoreResult<Vec<DueRow>> {
        super::jobs::due_rows(&self.pool, "intakes", now, after, limit).await
    }
}
