//! Unmatched intakes: packages that arrived for a job that is not `Shipping`, or for no known job. Each is its
//! own aggregate (`lifecycle::intake`) with an append-only history in `intake_events`, a snapshot, and its next
//! deadline in the indexed `next_timer_at` column, written in the same transaction as the events.

use super::{col, from_millis, is_contention, millis, Store, StoreError, StoreResult};
use crate::model::{Actor, ActorKind};
use lifecycle::intake::{
    decide_intake, next_intake_deadline, IntakeCommand, IntakeEvent, IntakeStatus, NewIntake,
    UnmatchedIntake,
};
use lifecycle::{Settings, Timestamp};
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
    /// Records a new unmatched intake (validated by the lifecycle), optionally linked to a job.
    pub async fn record_intake(
        &self,
        job_id: Option<i64>,
        new: &NewIntake,
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<StoredIntake> {
        let events = decide_intake(None, &IntakeCommand::Record(new.clone()), now, settings)?;
        let intake = UnmatchedIntake::replay(&events).ok_or_else(|| {
            StoreError::Corrupt("an intake's history starts with Recorded".into())
        })?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO intakes (job_id, status, tracking_number, next_timer_at, created_at, updated_at, version, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
        )
        .bind(job_id)
        .bind(status_name(intake.status))
        .bind(intake.details.tracking_number.clone())
        .bind(next_intake_deadline(&intake).map(millis))
        .bind(millis(now))
        .bind(intake.version as i64)
        .bind(serde_json::to_string(&intake)?)
        .fetch_one(&mut *tx)
        .await?;
        for (i, event) in events.iter().enumerate() {
            insert_event(&mut tx, id, i as i64 + 1, event, actor, now).await?;
        }
        tx.commit().await?;
        Ok(StoredIntake { id, job_id, intake })
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
            let result: StoreResult<()> = async {
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
                Ok(())
            }
            .await;
            match result {
                Ok(()) => match tx.commit().await {
                    Ok(()) => return Ok((stored, events)),
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

    /// Ids of intakes whose next deadline has passed at `now`, earliest first (the `intakes_due` index).
    pub async fn due_intakes(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<i64>> {
        let ids = sqlx::query_scalar(
            "SELECT id FROM intakes WHERE next_timer_at IS NOT NULL AND next_timer_at <= $1 ORDER BY next_timer_at LIMIT $2",
        )
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }
}
