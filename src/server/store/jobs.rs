//! Jobs and their event log. One transaction per command: load the snapshot, let the lifecycle decide, append
//! the events, write the new snapshot under a version check. A lost race is retried from the start.

use super::changes::ChangeRecord;
use super::{col, from_millis, is_contention, millis, Store, StoreError, StoreResult};
use crate::model::{Actor, ActorKind, JobListPage, JobSummary, StateStep};
use lifecycle::{
    decide_all, Command, CustomerCommand, Event, EventKind, Job, JobState, JobType, NewJob,
    Settings, Timestamp,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::HashMap;

/// A job as stored: where it lives, its snapshot and who created and last changed it.
#[derive(Clone, Debug)]
pub struct StoredJob {
    pub id: i64,
    pub subscription_id: String,
    pub resource_group: String,
    pub job: Job,
    pub system: SystemData,
}

/// ARM's `systemData`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemData {
    pub created_by: String,
    pub created_by_type: String,
    pub created_at: Timestamp,
    pub last_modified_by: String,
    pub last_modified_by_type: String,
    pub last_modified_at: Timestamp,
}

/// One row of the event log.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: i64,
    pub job_id: i64,
    pub seq: i64,
    pub recorded_at: Timestamp,
    pub actor: Actor,
    pub state_before: Option<JobState>,
    pub state_after: JobState,
    pub event: Event,
}

/// Which jobs a list may show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobScope {
    /// Staff: every job.
    All,
    /// A customer: the jobs of these subscriptions.
    Subscriptions(Vec<String>),
    /// One resource group of one subscription.
    Group {
        subscription_id: String,
        resource_group: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub job_type: Option<JobType>,
    /// A job name prefix, a delivery or return tracking number, a drive serial, or (staff) a customer's email.
    pub search: Option<String>,
}

/// The smallest string greater than every string starting with `prefix` (for an index range scan), when the
/// prefix can start a job name at all.
pub(super) fn name_prefix_bounds(prefix: &str) -> Option<(String, String)> {
    if prefix.is_empty()
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return None;
    }
    let mut upper = prefix.as_bytes().to_vec();
    let last = upper.last_mut()?;
    *last += 1;
    Some((prefix.to_string(), String::from_utf8(upper).ok()?))
}

/// Keyset position in a newest-first list: the (created_at, id) of the last row shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self) -> String {
        format!("{}.{}", self.created_at, self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (a, b) = text.split_once('.')?;
        Some(Cursor {
            created_at: a.parse().ok()?,
            id: b.parse().ok()?,
        })
    }
}

pub(super) const ATTEMPTS: u32 = 20;

/// A short, growing, jittered pause before retrying a transaction that lost a race, so racing writers spread
/// out instead of colliding again.
pub(super) async fn back_off(attempt: u32) {
    use rand::Rng;
    let base = 2u64 << attempt.min(6);
    let jitter = rand::thread_rng().gen_range(0..=base);
    tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
}

fn actor_type(actor: &Actor) -> &'static str {
    match actor.kind {
        ActorKind::Customer | ActorKind::Staff => "User",
        ActorKind::Api => "Application",
        ActorKind::Timer | ActorKind::System => "Application",
    }
}

pub(super) const JOB_COLUMNS: &str =
    "id, subscription_id, resource_group, snapshot, created_by, created_by_type, created_at, \
     last_modified_by, last_modified_by_type, updated_at";

pub(super) fn stored_job(row: &AnyRow) -> StoreResult<StoredJob> {
    let job: Job = serde_json::from_str(&col::<String>(row, "snapshot")?)?;
    Ok(StoredJob {
        id: col(row, "id")?,
        subscription_id: col(row, "subscription_id")?,
        resource_group: col(row, "resource_group")?,
        system: SystemData {
            created_by: col(row, "created_by")?,
            created_by_type: col(row, "created_by_type")?,
            created_at: from_millis(col(row, "created_at")?),
            last_modified_by: col(row, "last_modified_by")?,
            last_modified_by_type: col(row, "last_modified_by_type")?,
            last_modified_at: from_millis(col(row, "updated_at")?),
        },
        job,
    })
}

impl Store {
    /// Creates a job, or replaces it while it is `Creating` (ARM PUT). Returns the job and whether it is new.
    /// The resource group is matched case-insensitively; a replaced job keeps its group's first spelling.
    pub async fn put_job(
        &self,
        subscription_id: &str,
        resource_group: &str,
        new: NewJob,
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(StoredJob, bool)> {
        let command = Command::Customer(CustomerCommand::Create(Box::new(new.clone())));
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.retry(attempt).await;
            }
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            let existing = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE subscription_id = $1 AND lower(resource_group) = lower($2) AND name = $3 AND deleted = 0"
            ))
            .bind(subscription_id)
            .bind(resource_group)
            .bind(new.name.clone())
            .fetch_optional(&mut *tx)
            .await?;
            let result = match existing {
                Some(row) => {
                    let stored = stored_job(&row)?;
                    let before = stored.job.state;
                    let events = decide_all(
                        Some(&stored.job),
                        std::slice::from_ref(&command),
                        now,
                        settings,
                    )?;
                    match self
                        .append(&mut tx, stored, &events, actor, now, settings)
                        .await
                    {
                        Ok(job) if events.is_empty() => Ok((job, false, None)),
                        Ok(job) => {
                            let mut change =
                                ChangeRecord::of_job(Some(before), &job, &events, actor, now);
                            super::changes::write(&mut tx, &mut change)
                                .await
                                .map(|()| (job, false, Some(change)))
                        }
                        Err(e) => Err(e),
                    }
                }
                None => {
                    let events = decide_all(None, std::slice::from_ref(&command), now, settings)?;
                    match self
                        .insert_new(
                            &mut tx,
                            subscription_id,
                            resource_group,
                            &events,
                            actor,
                            now,
                            settings,
                        )
                        .await
                    {
                        Ok(job) => {
                            let mut change = ChangeRecord::of_job(None, &job, &events, actor, now);
                            super::changes::write(&mut tx, &mut change)
                                .await
                                .map(|()| (job, true, Some(change)))
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            match result {
                Ok((job, created, change)) => match tx.commit().await {
                    Ok(()) => {
                        if let Some(change) = &change {
                            self.committed(change);
                        }
                        return Ok((job, created));
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

    async fn insert_new(
        &self,
        tx: &mut Transaction<'_, Any>,
        subscription_id: &str,
        resource_group: &str,
        events: &[Event],
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<StoredJob> {
        let job = lifecycle::replay(events).ok_or_else(|| {
            StoreError::Corrupt("a new job's history must start with Created".into())
        })?;
        let next_timer = lifecycle::next_timer(&job, settings).map(|(at, _)| millis(at));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (subscription_id, resource_group, name, job_type, location, state, cancel_requested, \
             percent_complete, tracking_number, return_tracking_number, deleted, next_timer_at, created_at, \
             updated_at, version, created_by, created_by_type, last_modified_by, last_modified_by_type, snapshot) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $16, $17, $18) \
             RETURNING id",
        )
        .bind(subscription_id)
        .bind(resource_group)
        .bind(job.name.clone())
        .bind(job.job_type.as_str())
        .bind(job.location.name.clone())
        .bind(job.state.as_str())
        .bind(i64::from(job.cancel_requested))
        .bind(i64::from(job.percent_complete()))
        .bind(job.delivery_package.as_ref().map(|p| p.tracking_number.clone()))
        .bind(job.return_package.as_ref().map(|p| p.tracking_number.clone()))
        .bind(i64::from(job.is_deleted()))
        .bind(next_timer)
        .bind(millis(now))
        .bind(millis(job.updated_at))
        .bind(job.version as i64)
        .bind(actor.label.clone())
        .bind(actor_type(actor))
        .bind(serde_json::to_string(&job)?)
        .fetch_one(&mut **tx)
        .await?;
        let mut state_before = None;
        let mut work: Option<Job> = None;
        for (i, event) in events.iter().enumerate() {
            let after = match work.as_mut() {
                Some(j) => {
                    j.apply(event);
                    j.clone()
                }
                None => lifecycle::replay(std::slice::from_ref(event))
                    .ok_or_else(|| StoreError::Corrupt("bad first event".into()))?,
            };
            insert_event(
                tx,
                id,
                i as i64 + 1,
                event,
                actor,
                state_before,
                after.state,
                now,
            )
            .await?;
            state_before = Some(after.state);
            work = Some(after);
        }
        write_drives(tx, id, &job).await?;
        super::projections::write_projection(tx, id, &job, settings).await?;
        Ok(StoredJob {
            id,
            subscription_id: subscription_id.to_string(),
            resource_group: resource_group.to_string(),
            system: SystemData {
                created_by: actor.label.clone(),
                created_by_type: actor_type(actor).into(),
                created_at: now,
                last_modified_by: actor.label.clone(),
                last_modified_by_type: actor_type(actor).into(),
                last_modified_at: job.updated_at,
            },
            job,
        })
    }

    /// Appends `events` to a loaded job and writes the new snapshot, if nobody changed it meanwhile.
    pub(super) async fn append(
        &self,
        tx: &mut Transaction<'_, Any>,
        mut stored: StoredJob,
        events: &[Event],
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<StoredJob> {
        if events.is_empty() {
            return Ok(stored);
        }
        let before_version = stored.job.version;
        for event in events {
            let state_before = stored.job.state;
            stored.job.apply(event);
            insert_event(
                tx,
                stored.id,
                stored.job.version as i64,
                event,
                actor,
                Some(state_before),
                stored.job.state,
                now,
            )
            .await?;
        }
        let job = &stored.job;
        let updated = sqlx::query(
            "UPDATE jobs SET state = $1, cancel_requested = $2, percent_complete = $3, tracking_number = $4, \
             return_tracking_number = $5, deleted = $6, next_timer_at = $7, updated_at = $8, version = $9, \
             last_modified_by = $10, last_modified_by_type = $11, snapshot = $12 WHERE id = $13 AND version = $14",
        )
        .bind(job.state.as_str())
        .bind(i64::from(job.cancel_requested))
        .bind(i64::from(job.percent_complete()))
        .bind(job.delivery_package.as_ref().map(|p| p.tracking_number.clone()))
        .bind(job.return_package.as_ref().map(|p| p.tracking_number.clone()))
        .bind(i64::from(job.is_deleted()))
        .bind(lifecycle::next_timer(job, settings).map(|(at, _)| millis(at)))
        .bind(millis(job.updated_at))
        .bind(job.version as i64)
        .bind(actor.label.clone())
        .bind(actor_type(actor))
        .bind(serde_json::to_string(job)?)
        .bind(stored.id)
        .bind(before_version as i64)
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Busy);
        }
        if touches_drives(events) {
            write_drives(tx, stored.id, job).await?;
        }
        super::projections::write_projection(tx, stored.id, job, settings).await?;
        stored.system.last_modified_by = actor.label.clone();
        stored.system.last_modified_by_type = actor_type(actor).into();
        stored.system.last_modified_at = job.updated_at;
        Ok(stored)
    }

    /// Runs customer, operator or timer commands on job `id`, all or nothing.
    pub async fn execute(
        &self,
        id: i64,
        commands: &[Command],
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(StoredJob, Vec<Event>)> {
        self.execute_visible(id, &|_| true, commands, actor, now, settings)
            .await
    }

    /// `execute` for a caller who may only see some subscriptions' jobs: the job read in the transaction is
    /// checked with `visible(subscription_id)`, and one that fails it is `NotFound`, as a missing one is. The
    /// job is read once per command (no separate read before the transaction).
    pub async fn execute_visible(
        &self,
        id: i64,
        visible: &(dyn Fn(&str) -> bool + Sync),
        commands: &[Command],
        actor: &Actor,
        now: Timestamp,
        settings: &Settings,
    ) -> StoreResult<(StoredJob, Vec<Event>)> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.retry(attempt).await;
            }
            let _turn = self.write_turn().await;
            let mut tx = self.pool.begin().await?;
            let row = sqlx::query(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND deleted = 0"
            ))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            let stored = stored_job(&row)?;
            if !visible(&stored.subscription_id) {
                return Err(StoreError::NotFound);
            }
            let before = stored.job.state;
            let events = decide_all(Some(&stored.job), commands, now, settings)?;
            if events.is_empty() {
                if commands.contains(&Command::Tick) {
                    // The sweep read this job because its stored due time said so, yet nothing fired: that
                    // time was computed with other timer settings. Rewrite it from the lifecycle (no event),
                    // so the row stops being due; a job changed meanwhile was rewritten by its own command.
                    let rewritten = match super::projections::rewrite_due_times(
                        &mut tx,
                        stored.id,
                        &stored.job,
                        settings,
                    )
                    .await
                    {
                        Ok(_) => tx.commit().await.map_err(StoreError::from),
                        Err(e) => Err(e),
                    };
                    match rewritten {
                        Ok(()) => {}
                        // Another writer has the job: it writes fresh due times itself.
                        Err(StoreError::Database(e)) if is_contention(&e) => {}
                        Err(e) => return Err(e),
                    }
                }
                return Ok((stored, events));
            }
            let appended = match self
                .append(&mut tx, stored, &events, actor, now, settings)
                .await
            {
                Ok(job) => {
                    let mut change = ChangeRecord::of_job(Some(before), &job, &events, actor, now);
                    super::changes::write(&mut tx, &mut change)
                        .await
                        .map(|()| (job, change))
                }
                Err(e) => Err(e),
            };
            match appended {
                Ok((job, change)) => match tx.commit().await {
                    Ok(()) => {
                        self.committed(&change);
                        return Ok((job, events));
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

    /// The live job with this id.
    pub async fn job(&self, id: i64) -> StoreResult<Option<StoredJob>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND deleted = 0"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_job).transpose()
    }

    /// The version of the live job with this id: what a kept page of it is checked against.
    pub async fn job_version(&self, id: i64) -> StoreResult<Option<u64>> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM jobs WHERE id = $1 AND deleted = 0")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(version.map(|v| v as u64))
    }

    /// The live jobs with these ids, in the order of `ids` (ids of missing or deleted jobs are skipped): one
    /// query for a whole page, where loading them one by one would cost a round trip each.
    pub async fn jobs_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<StoredJob>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = jobs_by_ids_sql(ids.len());
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let job = stored_job(row)?;
            found.insert(job.id, job);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// The live job with this name in a resource group. Resource group names are case-insensitive, as in
    /// ARM (`lower()` on both sides, served by the `jobs_live_name_ci` index); the job keeps the spelling it
    /// was created with.
    pub async fn job_by_name(
        &self,
        subscription_id: &str,
        resource_group: &str,
        name: &str,
    ) -> StoreResult<Option<StoredJob>> {
        let row = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE subscription_id = $1 AND lower(resource_group) = lower($2) AND name = $3 AND deleted = 0"
        ))
        .bind(subscription_id)
        .bind(resource_group)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_job).transpose()
    }

    /// The document `render` makes of the live job with this name (the REST API's JSON). Kept in memory by name and version until the job changes (see
    /// `job_documents.rs`); on PostgreSQL a kept document is served after one read of the job's version.
    pub async fn job_document(
        &self,
        subscription_id: &str,
        resource_group: &str,
        name: &str,
        render: impl FnOnce(&StoredJob) -> serde_json::Result<Vec<u8>>,
    ) -> StoreResult<Option<axum::body::Bytes>> {
        let key = super::job_documents::JobName::new(subscription_id, resource_group, name);
        if let Some(key) = &key {
            if let Some(kept) = self.documents.get(key) {
                if self.backend == super::Backend::Sqlite || self.is_current(&kept).await? {
                    return Ok(Some(kept.body));
                }
                self.documents.forget(key);
            }
        }
        let ticket = self.documents.ticket();
        let Some(stored) = self
            .job_by_name(subscription_id, resource_group, name)
            .await?
        else {
            return Ok(None);
        };
        let document = super::job_documents::document(&stored, render(&stored)?);
        let body = document.body.clone();
        if let Some(key) = key {
            self.documents.keep(ticket, key, document);
        }
        Ok(Some(body))
    }

    /// Whether `document` is of the current version of a live job (one primary-key read).
    async fn is_current(&self, document: &super::job_documents::Document) -> StoreResult<bool> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM jobs WHERE id = $1 AND deleted = 0")
                .bind(document.job_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(version == Some(document.version as i64))
    }

    /// A job's whole history, oldest first; kept even after the job is deleted.
    pub async fn events(&self, job_id: i64) -> StoreResult<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT id, job_id, seq, recorded_at, actor_type, actor_id, actor_label, state_before, state_after, body \
             FROM events WHERE job_id = $1 ORDER BY seq",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// The state changes of a job, oldest first, for the diagram's path.
    pub async fn state_history(&self, job_id: i64) -> StoreResult<Vec<StateStep>> {
        let rows = sqlx::query(
            "SELECT state_before, state_after, at FROM events \
             WHERE job_id = $1 AND (state_before IS NULL OR state_before <> state_after) ORDER BY seq",
        )
        .bind(job_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StateStep {
                    from: col::<Option<String>>(row, "state_before")?
                        .and_then(|s| JobState::parse(&s)),
                    to: parse_state(&col::<String>(row, "state_after")?)?,
                    at: from_millis(col(row, "at")?),
                })
            })
            .collect()
    }

    /// One page of jobs, newest first.
    pub async fn list_jobs(
        &self,
        scope: &JobScope,
        filter: &JobFilter,
        cursor: Option<Cursor>,
        limit: u32,
    ) -> StoreResult<JobListPage> {
        let limit = limit.clamp(1, 200);
        if matches!(scope, JobScope::Subscriptions(subs) if subs.is_empty()) {
            return Ok(JobListPage {
                jobs: Vec::new(),
                next_cursor: None,
                now: chrono::DateTime::UNIX_EPOCH,
            });
        }
        let (sql, binds) = list_jobs_query(scope, filter, cursor, limit);
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = match b {
                BindValue::Text(s) => query.bind(s),
                BindValue::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut jobs = rows
            .iter()
            .map(job_summary)
            .collect::<StoreResult<Vec<_>>>()?;
        let next_cursor = if jobs.len() > limit as usize {
            jobs.truncate(limit as usize);
            jobs.last().map(|j| {
                Cursor {
                    created_at: millis(j.created_at),
                    id: j.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok(JobListPage {
            jobs,
            next_cursor,
            now: chrono::DateTime::UNIX_EPOCH,
        })
    }

    /// The deleted jobs of these subscriptions whose customer is still to be told about it at `now`
    /// (`removal_notice_until` has not passed), most recent first, through `jobs_removal_notices`.
    pub async fn removal_notices(
        &self,
        subscriptions: &[String],
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<StoredJob>> {
        if subscriptions.is_empty() {
            return Ok(Vec::new());
        }
        let params: Vec<String> = (3..subscriptions.len() + 3)
            .map(|i| format!("${i}"))
            .collect();
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE subscription_id IN ({}) AND removal_notice_until IS NOT NULL \
             AND removal_notice_until > $1 ORDER BY removal_notice_until DESC LIMIT $2",
            params.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(millis(now)).bind(limit);
        for s in subscriptions {
            query = query.bind(s.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(stored_job).collect()
    }

    /// Ids of jobs whose timer is due at `now`, earliest first (the first page of [`Store::due_jobs_after`]).
    pub async fn due_jobs(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<i64>> {
        Ok(self
            .due_jobs_after(now, None, limit)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect())
    }

    /// Jobs whose timer is due at `now`, in `(next_timer_at, id)` order, after `after` (through `jobs_due`).
    pub async fn due_jobs_after(
        &self,
        now: Timestamp,
        after: Option<DueRow>,
        limit: i64,
    ) -> StoreResult<Vec<DueRow>> {
        due_rows(&self.pool, "jobs", now, after, limit).await
    }

    /// Recomputes every snapshot from its events and reports the jobs whose stored snapshot differs.
    /// Reads the jobs in id order, 500 at a time, with their events in one query per batch.
    pub async fn verify_snapshots(&self) -> StoreResult<Vec<i64>> {
        const BATCH: i64 = 500;
        let mut bad = Vec::new();
        let mut after = 0i64;
        loop {
            let jobs =
                sqlx::query("SELECT id, snapshot FROM jobs WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(&self.pool)
                    .await?;
            let (Some(first), Some(last)) = (jobs.first(), jobs.last()) else {
                return Ok(bad);
            };
            let (first, last): (i64, i64) = (col(first, "id")?, col(last, "id")?);
            let rows = sqlx::query(
                "SELECT id, job_id, seq, recorded_at, actor_type, actor_id, actor_label, state_before, \
                 state_after, body FROM events WHERE job_id BETWEEN $1 AND $2 ORDER BY job_id, seq",
            )
            .bind(first)
            .bind(last)
            .fetch_all(&self.pool)
            .await?;
            let mut histories: HashMap<i64, Vec<Event>> = HashMap::new();
            for row in &rows {
                let e = stored_event(row)?;
                histories.entry(e.job_id).or_default().push(e.event);
            }
            for row in &jobs {
                let id: i64 = col(row, "id")?;
                let stored: Job = serde_json::from_str(&col::<String>(row, "snapshot")?)?;
                let events = histories.remove(&id).unwrap_or_default();
                if lifecycle::replay(&events).as_ref() != Some(&stored) {
                    bad.push(id);
                }
            }
            after = last;
        }
    }

    /// The names every job of this subscription and resource group has had, deleted jobs included (from the
    /// `jobs_by_group` index).
    pub async fn job_names_ever(
        &self,
        subscription_id: &str,
        resource_group: &str,
    ) -> StoreResult<std::collections::HashSet<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT name FROM jobs WHERE subscription_id = $1 AND resource_group = $2",
        )
        .bind(subscription_id)
        .bind(resource_group)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .collect())
    }

    /// How many jobs there are, deleted ones included.
    pub async fn job_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// A due row and the position of the next page: the sweep reads due rows page by page in `(due, id)` order,
/// so rows that cannot fire never hide the rows after them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueRow {
    pub due: i64,
    pub id: i64,
}

/// The rows of `table` (`jobs` or `intakes`) whose `next_timer_at` has passed at `now`, after `after`.
pub(super) async fn due_rows(
    pool: &sqlx::AnyPool,
    table: &str,
    now: Timestamp,
    after: Option<DueRow>,
    limit: i64,
) -> StoreResult<Vec<DueRow>> {
    let after = after.unwrap_or(DueRow {
        due: i64::MIN,
        id: i64::MIN,
    });
    // `next_timer_at >= $2` bounds the index range; the OR only decides the first key's ties.
    let rows = sqlx::query(&format!(
        "SELECT id, next_timer_at FROM {table} WHERE next_timer_at IS NOT NULL AND next_timer_at <= $1 \
         AND next_timer_at >= $2 AND (next_timer_at > $2 OR id > $3) ORDER BY next_timer_at, id LIMIT $4"
    ))
    .bind(millis(now))
    .bind(after.due)
    .bind(after.id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueRow {
                due: col(r, "next_timer_at")?,
                id: col(r, "id")?,
            })
        })
        .collect()
}

pub(crate) enum BindValue {
    Text(String),
    Int(i64),
}

fn parse_state(s: &str) -> StoreResult<JobState> {
    JobState::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown job state '{s}'")))
}

pub(super) fn job_summary(row: &AnyRow) -> StoreResult<JobSummary> {
    let job_type: String = col(row, "job_type")?;
    Ok(JobSummary {
        id: col(row, "id")?,
        subscription_id: col(row, "subscription_id")?,
        resource_group: col(row, "resource_group")?,
        name: col(row, "name")?,
        job_type: JobType::parse(&job_type)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown job type '{job_type}'")))?,
        location: col(row, "location")?,
        state: parse_state(&col::<String>(row, "state")?)?,
        cancel_requested: col::<i64>(row, "cancel_requested")? != 0,
        percent_complete: col::<i64>(row, "percent_complete")?.clamp(0, 100) as u8,
        tracking_number: col(row, "tracking_number")?,
        has_problem: col::<i64>(row, "has_problem")? != 0,
        created_at: from_millis(col(row, "created_at")?),
        updated_at: from_millis(col(row, "updated_at")?),
    })
}

pub(super) fn stored_event(row: &AnyRow) -> StoreResult<StoredEvent> {
    let actor_type: String = col(row, "actor_type")?;
    Ok(StoredEvent {
        id: col(row, "id")?,
        job_id: col(row, "job_id")?,
        seq: col(row, "seq")?,
        recorded_at: from_millis(col(row, "recorded_at")?),
        actor: Actor {
            kind: ActorKind::parse(&actor_type)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown actor type '{actor_type}'")))?,
            account_id: col(row, "actor_id")?,
            label: col(row, "actor_label")?,
        },
        state_before: col::<Option<String>>(row, "state_before")?.and_then(|s| JobState::parse(&s)),
        state_after: parse_state(&col::<String>(row, "state_after")?)?,
        event: serde_json::from_str(&col::<String>(row, "body")?)?,
    })
}

async fn insert_event(
    tx: &mut Transaction<'_, Any>,
    job_id: i64,
    seq: i64,
    event: &Event,
    actor: &Actor,
    state_before: Option<JobState>,
    state_after: JobState,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO events (job_id, seq, at, recorded_at, kind, actor_type, actor_id, actor_label, state_before, \
         state_after, drive_id, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(job_id)
    .bind(seq)
    .bind(millis(event.at))
    .bind(millis(now))
    .bind(event.kind.name())
    .bind(actor.kind.as_str())
    .bind(actor.account_id)
    .bind(actor.label.clone())
    .bind(state_before.map(|s| s.as_str()))
    .bind(state_after.as_str())
    .bind(event.kind.drive_id().map(str::to_string))
    .bind(serde_json::to_string(event)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn write_drives(tx: &mut Transaction<'_, Any>, job_id: i64, job: &Job) -> StoreResult<()> {
    sqlx::query("DELETE FROM drives WHERE job_id = $1")
        .bind(job_id)
        .execute(&mut **tx)
        .await?;
    for drive in &job.drives {
        sqlx::query("INSERT INTO drives (job_id, drive_id, state, percent_complete) VALUES ($1, $2, $3, $4)")
            .bind(job_id)
            .bind(drive.drive_id.clone())
            .bind(drive.state.as_str())
            .bind(i64::from(drive.percent_complete))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Only the events that touch drives need the drive projection rewritten.
fn touches_drives(events: &[Event]) -> bool {
    events.iter().any(|e| {
        !matches!(
            e.kind,
            EventKind::PropertiesUpdated { .. }
                | EventKind::MarkedShipping
                | EventKind::CancellationRequested { .. }
                | EventKind::Deleted { .. }
                | EventKind::JobFaulted { .. }
                | EventKind::JobResolved { .. }
                | EventKind::ReturnAddressCorrected { .. }
                | EventKind::ShippingWaitExtended { .. }
                | EventKind::UnmatchedIntakeNoted { .. }
                | EventKind::NoteAdded { .. }
                | EventKind::PackagingStarted { .. }
                | EventKind::DriveArrivalHeld { .. }
                | EventKind::ReturnAddressReported { .. }
                | EventKind::DrivesDestroyed
                | EventKind::ReturnProblemReported { .. }
                | EventKind::ReturnProblemResolved { .. }
        ) || matches!(&e.kind, EventKind::PropertiesUpdated { patch } if patch.drive_list.is_some())
            // Drives that arrived while the job was Faulted are received on resolution.
            || matches!(&e.kind, EventKind::JobResolved { received, .. } if !received.is_empty())
    })
}

/// The live jobs among `n` ids (`$1`…`$n`), by primary key. `+deleted` keeps SQLite from choosing one of the
/// `(deleted, …)` list indexes for the `deleted` test: without statistics it takes `deleted = 0` for a selective
/// filter and scans every live job (seen with a million jobs: 65 ms instead of 0.1 ms).
pub(crate) fn jobs_by_ids_sql(n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE id IN ({}) AND +deleted = 0",
        params.join(", ")
    )
}

/// The columns of a job list row.
const SUMMARY_COLUMNS: &str =
    "jobs.id, subscription_id, resource_group, name, job_type, location, state, \
     cancel_requested, percent_complete, tracking_number, created_at, updated_at, has_problem";

/// Appends a bind parameter and returns its placeholder.
pub(super) fn param(value: BindValue, binds: &mut Vec<BindValue>) -> String {
    binds.push(value);
    format!("${}", binds.len())
}

/// The indexed lookups of a search, one per thing it may be — delivery or return tracking number, drive
/// serial, job name prefix, and (with `by_email`) a customer's email — each a `SELECT id`, to be joined as a
/// UNION: an OR across them would read every job.
pub(super) fn search_lookups(
    search: &str,
    by_email: bool,
    binds: &mut Vec<BindValue>,
) -> Vec<String> {
    let exact = param(BindValue::Text(search.to_string()), binds);
    let mut lookups = vec![
        format!("SELECT id FROM jobs WHERE tracking_number = {exact}"),
        format!("SELECT id FROM jobs WHERE return_tracking_number = {exact}"),
        format!("SELECT job_id AS id FROM drives WHERE drive_id = {exact}"),
    ];
    if let Some((low, high)) = name_prefix_bounds(&search.to_lowercase()) {
        let l = param(BindValue::Text(low), binds);
        let h = param(BindValue::Text(high), binds);
        lookups.push(format!(
            "SELECT id FROM jobs WHERE name >= {l} AND name < {h}"
        ));
    }
    if by_email && search.contains('@') {
        let email = param(BindValue::Text(search.to_lowercase()), binds);
        lookups.push(format!(
            "SELECT j.id FROM accounts a JOIN subscriptions s ON s.account_id = a.id \
             JOIN jobs j ON j.subscription_id = s.id WHERE a.email = {email}"
        ));
    }
    lookups
}

/// A customer's (or a resource group's) job list, newest first, `limit + 1` rows (the extra one says whether
/// there is a next page). Each shape reads only what it shows, through an index:
/// - a search: its indexed lookups (`search_lookups`), then those jobs by key, kept if in scope;
/// - several subscriptions: one part per subscription, each reading its own index in order
///   (`jobs_by_subscription`, or `jobs_by_subscription_state` with a state) and stopping at `limit + 1`, merged —
///   `subscription_id IN (…)` would walk every live job's index entry newest first until enough were found;
/// - one subscription or one resource group: that index directly.
pub(crate) fn list_jobs_query(
    scope: &JobScope,
    filter: &JobFilter,
    cursor: Option<Cursor>,
    limit: u32,
) -> (String, Vec<BindValue>) {
    let mut binds: Vec<BindValue> = Vec::new();
    // The filters every part applies (the scope's own test comes first).
    let conditions = |binds: &mut Vec<BindValue>| {
        let mut sql = String::new();
        if let Some(state) = filter.state {
            let p = param(BindValue::Text(state.as_str().into()), binds);
            sql.push_str(&format!(" AND state = {p}"));
        }
        if let Some(t) = filter.job_type {
            let p = param(BindValue::Text(t.as_str().into()), binds);
            sql.push_str(&format!(" AND job_type = {p}"));
        }
        if let Some(c) = cursor {
            let a = param(BindValue::Int(c.created_at), binds);
            let b = param(BindValue::Int(c.id), binds);
            sql.push_str(&format!(
                " AND (created_at < {a} OR (created_at = {a} AND jobs.id < {b}))"
            ));
        }
        sql
    };
    let order = " ORDER BY created_at DESC, id DESC";
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let sql = match (search, scope) {
        (Some(search), _) => {
            let lookups = search_lookups(search, matches!(scope, JobScope::All), &mut binds);
            let in_scope = scope_condition(scope, &mut binds);
            let rest = conditions(&mut binds);
            let l = param(BindValue::Int(i64::from(limit) + 1), &mut binds);
            // CROSS JOIN keeps SQLite from reordering the join: the matches first, then each job by its key.
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM ({}) matched CROSS JOIN jobs \
                 WHERE jobs.id = matched.id AND +deleted = 0{in_scope}{rest} \
                 ORDER BY created_at DESC, jobs.id DESC LIMIT {l}",
                lookups.join(" UNION ")
            )
        }
        (None, JobScope::Subscriptions(subs)) if subs.len() > 1 => {
            let parts: Vec<String> = subs
                .iter()
                .enumerate()
                .map(|(n, sub)| {
                    let s = param(BindValue::Text(sub.clone()), &mut binds);
                    let rest = conditions(&mut binds);
                    let l = param(BindValue::Int(i64::from(limit) + 1), &mut binds);
                    format!(
                        "SELECT * FROM (SELECT {SUMMARY_COLUMNS} FROM jobs WHERE subscription_id = {s} \
                         AND deleted = 0{rest} ORDER BY created_at DESC, jobs.id DESC LIMIT {l}) AS part{n}"
                    )
                })
                .collect();
            let l = param(BindValue::Int(i64::from(limit) + 1), &mut binds);
            format!("{}{order} LIMIT {l}", parts.join(" UNION ALL "))
        }
        (None, _) => {
            let in_scope = scope_condition(scope, &mut binds);
            let rest = conditions(&mut binds);
            let l = param(BindValue::Int(i64::from(limit) + 1), &mut binds);
            format!(
                "SELECT {SUMMARY_COLUMNS} FROM jobs WHERE deleted = 0{in_scope}{rest} \
                 ORDER BY created_at DESC, jobs.id DESC LIMIT {l}"
            )
        }
    };
    (sql, binds)
}

/// The scope as a condition on `jobs` (` AND …`, empty for every job).
fn scope_condition(scope: &JobScope, binds: &mut Vec<BindValue>) -> String {
    match scope {
        JobScope::All => String::new(),
        JobScope::Subscriptions(subs) => {
            let list: Vec<String> = subs
                .iter()
                .map(|s| param(BindValue::Text(s.clone()), binds))
                .collect();
            format!(" AND subscription_id IN ({})", list.join(", "))
        }
        JobScope::Group {
            subscription_id,
            resource_group,
        } => {
            let s = param(BindValue::Text(subscription_id.clone()), binds);
            let g = param(BindValue::Text(resource_group.clone()), binds);
            format!(" AND subscription_id = {s} AND lower(resource_group) = lower({g})")
        }
    }
}
