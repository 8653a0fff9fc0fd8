//! What the support console reads: the staff job list (every customer, filters, the "needs attention"
//! projection), the attention queue, deleted jobs' timelines and the customers' emails. Every query is served
//! by an index (see `migrations/sqlite/0002_console.sql`).

use super::jobs::{job_summary, param, search_lookups, stored_job, BindValue, JOB_COLUMNS};
use super::{col, millis, Cursor, Store, StoreResult, StoredJob};
use crate::model::JobSummary;
use lifecycle::{JobState, JobType, Timestamp};
use std::collections::HashMap;

/// The staff list's filters. Every field is optional; `needs_attention` keeps only jobs in the queue now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffJobFilter {
    pub state: Option<JobState>,
    pub job_type: Option<JobType>,
    /// A location's short name (`westus`).
    pub location: Option<String>,
    /// Job name prefix, delivery or return tracking number, drive serial, or a customer's email.
    pub search: Option<String>,
    pub needs_attention: bool,
}

/// One row of the staff list: the summary, the customer's email and whether it needs attention now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffRow {
    pub job: JobSummary,
    pub customer: Option<String>,
    pub needs_attention: bool,
}

/// The staff list's query and its parameters. Each filter has its index: `jobs_by_state`, `jobs_by_type`,
/// `jobs_by_location`, `jobs_attention`, `jobs_by_created` for none. A search is the UNION of one indexed
/// lookup per thing it may be (delivery and return tracking numbers, drive serial, name prefix, customer
/// email), joined to the jobs by primary key: an OR across them would read every job.
fn staff_jobs_query(
    filter: &StaffJobFilter,
    cursor: Option<Cursor>,
    limit: u32,
    now: Timestamp,
) -> (String, Vec<BindValue>) {
    let mut binds: Vec<BindValue> = Vec::new();
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut sql = String::from(
        "SELECT jobs.id, subscription_id, resource_group, name, job_type, location, state, cancel_requested, \
         percent_complete, tracking_number, created_at, updated_at, has_problem, attention_from FROM ",
    );
    match search {
        Some(search) => {
            let lookups = search_lookups(search, true, &mut binds);
            // CROSS JOIN keeps SQLite from reordering the join: the matches first, then each job by its key.
            sql.push_str(&format!(
                "({}) matched CROSS JOIN jobs WHERE jobs.id = matched.id AND deleted = 0",
                lookups.join(" UNION ")
            ));
        }
        None => sql.push_str("jobs WHERE deleted = 0"),
    }
    if let Some(state) = filter.state {
        let p = param(BindValue::Text(state.as_str().into()), &mut binds);
        sql.push_str(&format!(" AND state = {p}"));
    }
    if let Some(t) = filter.job_type {
        let p = param(BindValue::Text(t.as_str().into()), &mut binds);
        sql.push_str(&format!(" AND job_type = {p}"));
    }
    if let Some(location) = filter.location.as_deref().filter(|l| !l.is_empty()) {
        let p = param(BindValue::Text(location.to_string()), &mut binds);
        sql.push_str(&format!(" AND location = {p}"));
    }
    if filter.needs_attention {
        let p = param(BindValue::Int(millis(now)), &mut binds);
        sql.push_str(&format!(
            " AND attention_from IS NOT NULL AND attention_from <= {p}"
        ));
    }
    if let Some(c) = cursor {
        let a = param(BindValue::Int(c.created_at), &mut binds);
        let b = param(BindValue::Int(c.id), &mut binds);
        sql.push_str(&format!(
            " AND (created_at < {a} OR (created_at = {a} AND jobs.id < {b}))"
        ));
    }
    let l = param(BindValue::Int(i64::from(limit) + 1), &mut binds);
    sql.push_str(&format!(
        " ORDER BY created_at DESC, jobs.id DESC LIMIT {l}"
    ));
    (sql, binds)
}

impl Store {
    /// A job by id, deleted or not: staff read the history of deleted jobs too.
    pub async fn job_including_deleted(&self, id: i64) -> StoreResult<Option<StoredJob>> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_job).transpose()
    }

    /// Records that the development clock moved forward by `by`, and moves every session's times with it so
    /// that nobody is signed out. The offset is added in the statement, so two moves at once both count.
    pub async fn advance_dev_clock(&self, by: chrono::TimeDelta) -> StoreResult<()> {
        let _turn = self.write_turn().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sessions SET last_seen_at = last_seen_at + $1, expires_at = expires_at + $1",
        )
        .bind(by.num_milliseconds())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO dev_clock (id, offset_ms) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET offset_ms = dev_clock.offset_ms + excluded.offset_ms",
        )
        .bind(by.num_milliseconds())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// How far the development clock has been moved in all (zero when never).
    pub async fn dev_clock_offset(&self) -> StoreResult<chrono::TimeDelta> {
        let offset: Option<i64> =
            sqlx::query_scalar("SELECT offset_ms FROM dev_clock WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(chrono::TimeDelta::milliseconds(offset.unwrap_or(0)))
    }

    /// Live jobs with this name, in any subscription (through `jobs_by_name`).
    pub async fn live_job_ids_by_name(&self, name: &str) -> StoreResult<Vec<i64>> {
        let ids = sqlx::query_scalar(LIVE_JOB_IDS_BY_NAME)
            .bind(name.to_string())
            .fetch_all(&self.pool)
            .await?;
        Ok(ids)
    }

    /// The email of the account owning each subscription (one query for a whole page).
    pub async fn customer_emails(
        &self,
        subscriptions: &[String],
    ) -> StoreResult<HashMap<String, String>> {
        let mut unique: Vec<&String> = subscriptions.iter().collect();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Ok(HashMap::new());
        }
        let params: Vec<String> = (1..=unique.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT s.id AS subscription_id, a.email AS email FROM subscriptions s JOIN accounts a ON a.id = s.account_id \
             WHERE s.id IN ({})",
            params.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for s in unique {
            query = query.bind(s.clone());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((col(r, "subscription_id")?, col(r, "email")?)))
            .collect()
    }

    /// One page of every customer's jobs, newest first, for staff.
    pub async fn staff_jobs(
        &self,
        filter: &StaffJobFilter,
        cursor: Option<Cursor>,
        limit: u32,
        now: Timestamp,
    ) -> StoreResult<(Vec<StaffRow>, Option<String>)> {
        let limit = limit.clamp(1, 200);
        let (sql, binds) = staff_jobs_query(filter, cursor, limit, now);
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = match b {
                BindValue::Text(s) => query.bind(s),
                BindValue::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let attention: Option<i64> = col(row, "attention_from")?;
            out.push((
                job_summary(row)?,
                attention.is_some_and(|a| a <= millis(now)),
            ));
        }
        let next = if out.len() > limit as usize {
            out.truncate(limit as usize);
            out.last().map(|(j, _)| {
                Cursor {
                    created_at: millis(j.created_at),
                    id: j.id,
                }
                .encode()
            })
        } else {
            None
        };
        let subs: Vec<String> = out.iter().map(|(j, _)| j.subscription_id.clone()).collect();
        let emails = self.customer_emails(&subs).await?;
        let rows = out
            .into_iter()
            .map(|(job, needs_attention)| StaffRow {
                customer: emails.get(&job.subscription_id).cloned(),
                job,
                needs_attention,
            })
            .collect();
        Ok((rows, next))
    }

    /// Live jobs that need a person at `now`, earliest situation first (read through `jobs_attention`).
    pub async fn attention_jobs(&self, now: Timestamp, limit: i64) -> StoreResult<Vec<StoredJob>> {
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE attention_from IS NOT NULL AND attention_from <= $1 AND deleted = 0 \
             ORDER BY attention_from LIMIT $2"
        ))
        .bind(millis(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_job).collect()
    }

    /// The query plan SQLite picks for `sql` (tests check that the console's queries use their indexes).
    #[cfg(test)]
    pub(crate) async fn query_plan(&self, sql: &str, binds: &[&str]) -> StoreResult<String> {
        let binds: Vec<BindValue> = binds
            .iter()
            .map(|b| BindValue::Text(b.to_string()))
            .collect();
        self.plan_of(sql, binds).await
    }

    /// The query plan of the staff list's query for `filter` (on a later page when `cursor` is given).
    #[cfg(test)]
    pub(crate) async fn staff_jobs_plan(
        &self,
        filter: &StaffJobFilter,
        cursor: Option<Cursor>,
    ) -> StoreResult<String> {
        let (sql, binds) = staff_jobs_query(filter, cursor, 25, chrono::Utc::now());
        self.plan_of(&sql, binds).await
    }

    #[cfg(test)]
    async fn plan_of(&self, sql: &str, binds: Vec<BindValue>) -> StoreResult<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut query = sqlx::query(&explain);
        for b in binds {
            query = match b {
                BindValue::Text(s) => query.bind(s),
                BindValue::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut plan = Vec::new();
        for row in &rows {
            plan.push(col::<String>(row, "detail")?);
        }
        Ok(plan.join("\n"))
    }
}

/// Live jobs by name. `+deleted`: see `jobs_by_ids_sql` (without it SQLite walks every live job, seconds with a
/// million of them, instead of the `jobs_by_name` index).
pub(crate) const LIVE_JOB_IDS_BY_NAME: &str =
    "SELECT id FROM jobs WHERE name = $1 AND +deleted = 0 LIMIT 10";
