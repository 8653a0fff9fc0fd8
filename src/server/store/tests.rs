//! The store test suite: every test opens a fresh database through `test_support::temp_store` and uses only
//! the store's public operations, so the same suite can run against any backend the store supports.

use super::test_support::temp_store;
use super::*;
use crate::model::{Actor, ActorKind};
use chrono::{TimeDelta, TimeZone, Utc};
use lifecycle::{
    Command, CustomerCommand, DeliveryPackage, DriveSpec, JobState, JobType, LogLevel, NewJob,
    OperatorCommand, Settings, Timestamp,
};

const SUB: &str = "11111111-2222-4333-8444-555555555555";
const OTHER_SUB: &str = "99999999-2222-4333-8444-555555555555";

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

fn customer() -> Actor {
    Actor {
        kind: ActorKind::Customer,
        account_id: Some(1),
        label: "Casey Customer".into(),
    }
}

fn staff() -> Actor {
    Actor {
        kind: ActorKind::Staff,
        account_id: Some(2),
        label: "Sam Staff".into(),
    }
}

async fn new_job(store: &Store, name: &str) -> NewJob {
    let location = store.location("westus").await.unwrap().unwrap();
    NewJob {
        name: name.into(),
        job_type: JobType::Import,
        location: location.clone(),
        storage_account_id: format!(
            "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct01"
        ),
        drives: vec![DriveSpec {
            drive_id: "DRIVE1".into(),
            bit_locker_key: crate::server::demo::demo_bitlocker_key(1),
            manifest_file: "\\DriveManifest.xml".into(),
            manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
            drive_header_hash: String::new(),
        }],
        export: None,
        return_address: Some(crate::server::demo::demo_address()),
        return_shipping: Some(lifecycle::ReturnShipping {
            carrier_name: "FedEx".into(),
            carrier_account_number: "123456789".into(),
        }),
        delivery_package: Some(DeliveryPackage {
            carrier_name: "FedEx".into(),
            tracking_number: format!("TRK-{name}"),
            drive_count: Some(1),
            ship_date: None,
        }),
        diagnostics_path: String::new(),
        log_level: LogLevel::Error,
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: Default::default(),
    }
}

fn ship() -> Command {
    Command::Customer(CustomerCommand::MarkShipping)
}

/// The first start creates the folders of a SQLite URL and the file, and the database is in WAL mode (stored
/// in the file, so it holds for every later connection).
#[tokio::test]
async fn a_sqlite_database_is_created_with_its_folders_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested").join("dir").join("portal.db");
    assert!(!file.parent().unwrap().exists());
    let store = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert!(file.is_file(), "{} was not created", file.display());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    store.pool().close().await;
    // A second start on the same file keeps it (and its mode).
    let again = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(again.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(again.locations().await.unwrap().len() > 1);
}

#[tokio::test]
async fn locations_are_seeded_once() {
    let (store, _dir) = temp_store().await;
    let names: Vec<String> = store
        .locations()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(
        names,
        vec!["westus", "eastus", "northeurope", "australiaeast"]
    );
    store.seed_locations().await.unwrap();
    assert_eq!(store.locations().await.unwrap().len(), 4);
    assert!(store.location("WestUS").await.unwrap().is_some());
    assert!(store.location("mars").await.unwrap().is_none());
}

#[tokio::test]
async fn put_creates_then_replaces_while_creating_then_refuses() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, created) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-one").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    assert!(created);
    assert_eq!(job.job.state, JobState::Creating);
    assert_eq!(job.system.created_by, "Casey Customer");

    let mut again = new_job(&store, "job-one").await;
    again.log_level = LogLevel::Verbose;
    let (replaced, created) = store
        .put_job(
            SUB,
            "rg",
            again.clone(),
            &customer(),
            t0() + TimeDelta::hours(1),
            &s,
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(replaced.id, job.id);
    assert_eq!(replaced.job.log_level, LogLevel::Verbose);

    store
        .execute(
            job.id,
            &[ship()],
            &customer(),
            t0() + TimeDelta::hours(2),
            &s,
        )
        .await
        .unwrap();
    let refused = store
        .put_job(
            SUB,
            "rg",
            again,
            &customer(),
            t0() + TimeDelta::hours(3),
            &s,
        )
        .await;
    match refused {
        Err(StoreError::Rejected(r)) => assert_eq!(r.kind, lifecycle::RejectionKind::AlreadyExists),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn every_command_is_an_event_and_the_snapshot_equals_the_replay() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-two").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    store
        .execute(
            job.id,
            &[ship()],
            &customer(),
            t0() + TimeDelta::hours(1),
            &s,
        )
        .await
        .unwrap();
    let intake = Command::Operator(OperatorCommand::PackageIntake {
        found: vec!["DRIVE1".into()],
        extra: vec!["STRAY9".into()],
    });
    let (after, events) = store
        .execute(job.id, &[intake], &staff(), t0() + TimeDelta::hours(2), &s)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(after.job.state, JobState::Received);

    let log = store.events(job.id).await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(log[2].actor, staff());
    assert_eq!(log[2].state_before, Some(JobState::Shipping));
    assert_eq!(log[2].state_after, JobState::Received);
    let replayed = lifecycle::replay(log.iter().map(|e| &e.event)).unwrap();
    assert_eq!(replayed, store.job(job.id).await.unwrap().unwrap().job);
    assert!(store.verify_snapshots().await.unwrap().is_empty());

    let history = store.state_history(job.id).await.unwrap();
    let states: Vec<JobState> = history.iter().map(|h| h.to).collect();
    assert_eq!(
        states,
        vec![JobState::Creating, JobState::Shipping, JobState::Received]
    );
}

#[tokio::test]
async fn verification_names_the_jobs_whose_snapshot_is_not_their_replay() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let mut ids = Vec::new();
    for name in ["job-a", "job-b", "job-c"] {
        let (job, _) = store
            .put_job(
                SUB,
                "rg",
                new_job(&store, name).await,
                &customer(),
                t0(),
                &s,
            )
            .await
            .unwrap();
        ids.push(job.id);
    }
    assert!(store.verify_snapshots().await.unwrap().is_empty());
    assert_eq!(store.job_count().await.unwrap(), 3);
    // A snapshot edited behind the log's back (here: a state no event led to).
    let mut tampered = store.job(ids[1]).await.unwrap().unwrap().job;
    tampered.state = JobState::Shipping;
    sqlx::query("UPDATE jobs SET snapshot = $1 WHERE id = $2")
        .bind(serde_json::to_string(&tampered).unwrap())
        .bind(ids[1])
        .execute(store.pool())
        .await
        .unwrap();
    // And a job whose events are gone.
    sqlx::query("DELETE FROM events WHERE job_id = $1")
        .bind(ids[2])
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store.verify_snapshots().await.unwrap(),
        vec![ids[1], ids[2]]
    );
}

#[tokio::test]
async fn a_rejected_command_changes_nothing() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-three").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    let before = store.job(job.id).await.unwrap().unwrap().job;
    let start = Command::Operator(OperatorCommand::StartCopy {
        drive_id: "DRIVE1".into(),
    });
    match store.execute(job.id, &[start], &staff(), t0(), &s).await {
        Err(StoreError::Rejected(r)) => assert!(r.message.contains("Creating"), "{}", r.message),
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(store.job(job.id).await.unwrap().unwrap().job, before);
    assert_eq!(store.events(job.id).await.unwrap().len(), 1);
    assert!(matches!(
        store
            .execute(424242, &[ship()], &customer(), t0(), &s)
            .await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn several_commands_are_all_or_nothing() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-four").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    // The second command fails, so the first must not land either.
    let result = store
        .execute(job.id, &[ship(), ship()], &customer(), t0(), &s)
        .await;
    assert!(matches!(result, Err(StoreError::Rejected(_))));
    assert_eq!(
        store.job(job.id).await.unwrap().unwrap().job.state,
        JobState::Creating
    );
}

#[tokio::test]
async fn concurrent_commands_on_one_job_cannot_both_win() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-race").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .execute(
                    job.id,
                    &[ship()],
                    &customer(),
                    t0() + TimeDelta::seconds(i),
                    &Settings::default(),
                )
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Rejected(r)) => assert!(r.message.contains("already"), "{}", r.message),
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(won, 1, "exactly one MarkShipping may win");
    assert_eq!(store.events(job.id).await.unwrap().len(), 2);
    assert!(store.verify_snapshots().await.unwrap().is_empty());
}

/// Many writers at once on different jobs (the API's write path under load): every command succeeds; none
/// gives up as "busy" because its transaction lost the race for SQLite's write lock.
#[tokio::test]
async fn many_concurrent_commands_on_different_jobs_all_succeed() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let mut ids = Vec::new();
    for i in 0..200 {
        let (job, _) = store
            .put_job(
                SUB,
                "rg",
                new_job(&store, &format!("job-load-{i:03}")).await,
                &customer(),
                t0(),
                &s,
            )
            .await
            .unwrap();
        ids.push(job.id);
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|&id| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .execute(id, &[ship()], &customer(), t0(), &Settings::default())
                    .await
            })
        })
        .collect();
    for t in tasks {
        let (job, events) = t.await.unwrap().expect("no command fails under load");
        assert_eq!(job.job.state, JobState::Shipping);
        assert!(!events.is_empty());
    }
    assert_eq!(store.retries(), 0, "writers queued instead of racing");
    assert!(store.verify_snapshots().await.unwrap().is_empty());
}

/// The plans of the queries that look jobs up by key while also asking for live ones: SQLite must take the
/// key's index, not a `(deleted, …)` list index (it has no statistics, so it would guess `deleted = 0` to be
/// selective and read every live job).
#[tokio::test]
async fn key_lookups_of_live_jobs_use_their_key() {
    let (store, _dir) = temp_store().await;
    if store.backend() != Backend::Sqlite {
        return;
    }
    let plan = |sql: String, binds: usize| {
        let store = store.clone();
        async move {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(&explain);
            for i in 0..binds {
                query = query.bind(i as i64);
            }
            let rows = query.fetch_all(store.pool()).await.unwrap();
            rows.iter()
                .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let by_ids = plan(super::jobs::jobs_by_ids_sql(25), 25).await;
    assert!(by_ids.contains("INTEGER PRIMARY KEY"), "{by_ids}");
    let by_name = plan(super::console::LIVE_JOB_IDS_BY_NAME.to_string(), 1).await;
    assert!(by_name.contains("jobs_by_name"), "{by_name}");
    let after = plan(super::projections::LIVE_JOBS_AFTER.to_string(), 1).await;
    assert!(after.contains("INTEGER PRIMARY KEY"), "{after}");
    for p in [&by_ids, &by_name, &after] {
        assert!(!p.contains("(deleted=?)"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }
}

/// Every shape of the customer's job list reads through an index and stops early: several subscriptions
/// (one part per subscription), a state filter, a search (its indexed lookups), a resource group.
#[tokio::test]
async fn job_lists_read_through_their_indexes() {
    let (store, _dir) = temp_store().await;
    if store.backend() != Backend::Sqlite {
        return;
    }
    let subs = JobScope::Subscriptions(vec![SUB.into(), OTHER_SUB.into(), "third".into()]);
    let group = JobScope::Group {
        subscription_id: SUB.into(),
        resource_group: "rg".into(),
    };
    let state = JobFilter {
        state: Some(JobState::Completed),
        ..Default::default()
    };
    let search = JobFilter {
        search: Some("1Z999AA10123456784".into()),
        ..Default::default()
    };
    let later = Some(Cursor {
        created_at: i64::MAX,
        id: i64::MAX,
    });
    for (scope, filter, must) in [
        (
            &subs,
            JobFilter::default(),
            "jobs_by_subscription (subscription_id=? AND deleted=?",
        ),
        (
            &subs,
            state.clone(),
            "jobs_by_subscription_state (subscription_id=? AND deleted=? AND state=?",
        ),
        (
            &subs,
            search.clone(),
            "jobs_by_tracking (tracking_number=?)",
        ),
        (
            &group,
            JobFilter::default(),
            "jobs_by_group_ci (subscription_id=?",
        ),
        (&group, search, "drives_by_serial (drive_id=?)"),
    ] {
        for cursor in [None, later] {
            let (sql, binds) = super::jobs::list_jobs_query(scope, &filter, cursor, 25);
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(&explain);
            for b in binds {
                query = match b {
                    super::jobs::BindValue::Text(s) => query.bind(s),
                    super::jobs::BindValue::Int(i) => query.bind(i),
                };
            }
            let plan = query
                .fetch_all(store.pool())
                .await
                .unwrap()
                .iter()
                .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(plan.contains(must), "{scope:?} {filter:?}: {must}\n{plan}");
            assert!(!plan.contains("(deleted=?)"), "{plan}");
            assert!(!plan.lines().any(|l| l.trim() == "SCAN jobs"), "{plan}");
        }
    }
}

/// The list shapes return the same jobs: newest first across several subscriptions, filtered, searched, and
/// paged without duplicates or gaps.
#[tokio::test]
async fn job_lists_across_subscriptions_page_newest_first() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let mut made = Vec::new();
    for i in 0..9 {
        let sub = [SUB, OTHER_SUB][i % 2];
        let (job, _) = store
            .put_job(
                sub,
                "rg",
                new_job(&store, &format!("job-mix-{i}")).await,
                &customer(),
                t0() + TimeDelta::minutes(i as i64),
                &s,
            )
            .await
            .unwrap();
        made.push(job.id);
    }
    let scope = JobScope::Subscriptions(vec![SUB.into(), OTHER_SUB.into()]);
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_jobs(&scope, &JobFilter::default(), cursor, 4)
            .await
            .unwrap();
        seen.extend(page.jobs.iter().map(|j| j.id));
        match page.next_cursor.as_deref().and_then(Cursor::decode) {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "every job once, newest first");
    let one = store
        .list_jobs(
            &scope,
            &JobFilter {
                search: Some("TRK-job-mix-3".into()),
                ..Default::default()
            },
            None,
            25,
        )
        .await
        .unwrap();
    assert_eq!(one.jobs.len(), 1);
    assert_eq!(one.jobs[0].name, "job-mix-3");
    let prefix = store
        .list_jobs(
            &JobScope::Subscriptions(vec![OTHER_SUB.into()]),
            &JobFilter {
                search: Some("job-mix".into()),
                ..Default::default()
            },
            None,
            25,
        )
        .await
        .unwrap();
    assert_eq!(prefix.jobs.len(), 4, "only that subscription's matches");
}

#[tokio::test]
async fn deleted_jobs_leave_views_but_keep_history_and_free_their_name() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-five").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    store
        .execute(
            job.id,
            &[Command::Customer(CustomerCommand::Delete)],
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    assert!(store.job(job.id).await.unwrap().is_none());
    assert!(store
        .job_by_name(SUB, "rg", "job-five")
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.events(job.id).await.unwrap().len(), 2, "history kept");
    let page = store
        .list_jobs(&JobScope::All, &JobFilter::default(), None, 50)
        .await
        .unwrap();
    assert!(page.jobs.is_empty());
    let (again, created) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-five").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    assert!(created);
    assert_ne!(again.id, job.id);
}

#[tokio::test]
async fn lists_are_newest_first_scoped_filtered_and_paginated() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    for i in 0..7 {
        let sub = if i % 2 == 0 { SUB } else { OTHER_SUB };
        let (job, _) = store
            .put_job(
                sub,
                "rg",
                new_job(&store, &format!("job-{i}")).await,
                &customer(),
                t0() + TimeDelta::minutes(i),
                &s,
            )
            .await
            .unwrap();
        if i >= 4 {
            store
                .execute(
                    job.id,
                    &[ship()],
                    &customer(),
                    t0() + TimeDelta::hours(1),
                    &s,
                )
                .await
                .unwrap();
        }
    }
    let mine = JobScope::Subscriptions(vec![SUB.into()]);
    let first = store
        .list_jobs(&mine, &JobFilter::default(), None, 2)
        .await
        .unwrap();
    let names: Vec<_> = first.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, vec!["job-6", "job-4"]);
    let cursor = Cursor::decode(first.next_cursor.as_deref().unwrap()).unwrap();
    let second = store
        .list_jobs(&mine, &JobFilter::default(), Some(cursor), 2)
        .await
        .unwrap();
    let names: Vec<_> = second.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, vec!["job-2", "job-0"]);
    assert!(second.next_cursor.is_none());

    let shipping = JobFilter {
        state: Some(JobState::Shipping),
        ..JobFilter::default()
    };
    let all: Vec<_> = store
        .list_jobs(&JobScope::All, &shipping, None, 50)
        .await
        .unwrap()
        .jobs
        .into_iter()
        .map(|j| j.name)
        .collect();
    assert_eq!(all, vec!["job-6", "job-5", "job-4"]);
    let group = JobScope::Group {
        subscription_id: OTHER_SUB.into(),
        resource_group: "rg".into(),
    };
    assert_eq!(
        store
            .list_jobs(&group, &JobFilter::default(), None, 50)
            .await
            .unwrap()
            .jobs
            .len(),
        3
    );
    assert!(store
        .list_jobs(
            &JobScope::Subscriptions(vec![]),
            &JobFilter::default(),
            None,
            50
        )
        .await
        .unwrap()
        .jobs
        .is_empty());
    let summary = &store
        .list_jobs(&mine, &JobFilter::default(), None, 1)
        .await
        .unwrap()
        .jobs[0];
    assert_eq!(summary.tracking_number.as_deref(), Some("TRK-job-6"));
}

#[tokio::test]
async fn the_timer_index_holds_each_jobs_next_deadline() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-timer").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    assert!(store
        .due_jobs(t0() + TimeDelta::days(13), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .due_jobs(t0() + TimeDelta::days(14), 10)
            .await
            .unwrap(),
        vec![job.id]
    );
    let (_, events) = store
        .execute(
            job.id,
            &[Command::Tick],
            &Actor::timer(),
            t0() + TimeDelta::days(15),
            &s,
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        store.job(job.id).await.unwrap().is_none(),
        "expired job deleted"
    );
    assert!(store
        .due_jobs(t0() + TimeDelta::days(400), 10)
        .await
        .unwrap()
        .is_empty());
    let log = store.events(job.id).await.unwrap();
    assert_eq!(log.last().unwrap().actor.kind, ActorKind::Timer);
}

#[test]
fn cursors_round_trip_and_reject_garbage() {
    let c = Cursor {
        created_at: 1_700_000_000_000,
        id: 42,
    };
    assert_eq!(Cursor::decode(&c.encode()), Some(c));
    assert_eq!(Cursor::decode("nope"), None);
    assert_eq!(Cursor::decode("1.x"), None);
}

#[tokio::test]
async fn search_finds_jobs_by_name_prefix_tracking_number_drive_serial_and_customer() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    crate::server::accounts::create_account(
        &store,
        &Default::default(),
        crate::model::Role::Customer,
        "Casey",
        "casey@example.com",
        "casey-password-1",
        Some(SUB),
        t0(),
    )
    .await
    .unwrap();
    for name in ["alpha-one", "alpha-two", "beta"] {
        store
            .put_job(
                SUB,
                "rg",
                new_job(&store, name).await,
                &customer(),
                t0(),
                &s,
            )
            .await
            .unwrap();
    }
    store
        .put_job(
            OTHER_SUB,
            "rg",
            new_job(&store, "alpha-other").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    let find = |scope: JobScope, q: &str| {
        let store = store.clone();
        let q = q.to_string();
        async move {
            let filter = JobFilter {
                search: Some(q),
                ..JobFilter::default()
            };
            let mut names: Vec<String> = store
                .list_jobs(&scope, &filter, None, 50)
                .await
                .unwrap()
                .jobs
                .into_iter()
                .map(|j| j.name)
                .collect();
            names.sort();
            names
        }
    };
    let mine = || JobScope::Subscriptions(vec![SUB.into()]);
    assert_eq!(find(mine(), "alpha").await, vec!["alpha-one", "alpha-two"]);
    assert_eq!(find(mine(), "ALPHA-T").await, vec!["alpha-two"]);
    assert_eq!(find(mine(), "TRK-beta").await, vec!["beta"]);
    assert_eq!(
        find(mine(), "DRIVE1").await,
        vec!["alpha-one", "alpha-two", "beta"]
    );
    assert_eq!(
        find(JobScope::All, "alpha").await,
        vec!["alpha-one", "alpha-other", "alpha-two"]
    );
    assert_eq!(
        find(JobScope::All, "casey@example.com").await,
        vec!["alpha-one", "alpha-two", "beta"]
    );
    assert!(
        find(mine(), "casey@example.com").await.is_empty(),
        "customers cannot search by customer"
    );
    assert!(find(mine(), "zzz").await.is_empty());
    assert!(find(mine(), "a'; DROP TABLE jobs; --").await.is_empty());
}

#[tokio::test]
async fn jobs_by_ids_loads_a_page_in_the_order_asked_and_skips_deleted_jobs() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let mut ids = Vec::new();
    for name in ["job-a", "job-b", "job-c"] {
        let (job, _) = store
            .put_job(
                SUB,
                "rg",
                new_job(&store, name).await,
                &customer(),
                t0(),
                &s,
            )
            .await
            .unwrap();
        ids.push(job.id);
    }
    store
        .execute(
            ids[1],
            &[Command::Customer(CustomerCommand::Delete)],
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    let asked = [ids[2], ids[1], 999_999, ids[0]];
    let names: Vec<String> = store
        .jobs_by_ids(&asked)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.job.name)
        .collect();
    assert_eq!(names, ["job-c", "job-a"]);
    assert!(store.jobs_by_ids(&[]).await.unwrap().is_empty());
}

/// The cheap checks a live stream makes while it stays open.
#[tokio::test]
async fn sessions_and_tokens_are_alive_until_ended_expired_or_revoked() {
    let (store, _dir) = temp_store().await;
    let (account, _) = crate::server::accounts::create_account(
        &store,
        &Default::default(),
        crate::model::Role::Customer,
        "Lee Live",
        "lee@example.com",
        "a-long-password",
        Some(SUB),
        t0(),
    )
    .await
    .unwrap();
    let expires = t0() + TimeDelta::hours(1);
    store
        .create_session("hash-1", account.id, "csrf", t0(), expires)
        .await
        .unwrap();
    assert!(store.session_alive("hash-1", t0()).await.unwrap());
    assert!(!store.session_alive("hash-1", expires).await.unwrap());
    assert!(!store.session_alive("no-such-hash", t0()).await.unwrap());
    store.delete_session("hash-1").await.unwrap();
    assert!(!store.session_alive("hash-1", t0()).await.unwrap());

    crate::server::accounts::create_token(&store, account.id, "ci", t0())
        .await
        .unwrap();
    let token = store.tokens_of(account.id).await.unwrap()[0].id;
    assert!(store.token_alive(token).await.unwrap());
    assert!(store.revoke_token(account.id, token, t0()).await.unwrap());
    assert!(!store.token_alive(token).await.unwrap());
    assert!(!store.token_alive(token + 1000).await.unwrap());
}

/// The kept history paths of each version are exactly the replay of the events up to that version, whatever
/// was appended since, and a version is read from the database once.
#[tokio::test]
async fn the_history_paths_of_a_version_are_the_replay_of_its_events() {
    let (store, _dir) = temp_store().await;
    let s = Settings::default();
    let (job, _) = store
        .put_job(
            SUB,
            "rg",
            new_job(&store, "job-paths").await,
            &customer(),
            t0(),
            &s,
        )
        .await
        .unwrap();
    let (shipped, _) = store
        .execute(
            job.id,
            &[ship()],
            &customer(),
            t0() + TimeDelta::hours(1),
            &s,
        )
        .await
        .unwrap();
    // Paths of the shipped version, kept before anything else happens to the job.
    let at_shipping = store.paths(job.id, shipped.job.version).await.unwrap();
    let intake = Command::Operator(OperatorCommand::PackageIntake {
        found: vec!["DRIVE1".into()],
        extra: vec![],
    });
    let (received, _) = store
        .execute(job.id, &[intake], &staff(), t0() + TimeDelta::hours(2), &s)
        .await
        .unwrap();
    let log: Vec<lifecycle::Event> = store
        .events(job.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(received.job.version as usize, log.len());
    for version in 1..=received.job.version {
        let kept = store.paths(job.id, version).await.unwrap();
        let replayed = lifecycle::history::paths(&log[..version as usize]);
        assert_eq!(*kept, replayed, "version {version}");
    }
    let latest = store.paths(job.id, received.job.version).await.unwrap();
    // The diagram's job path is the same as the state changes of the event log.
    let states: Vec<JobState> = latest.0.iter().map(|s| s.to).collect();
    let logged: Vec<JobState> = store
        .state_history(job.id)
        .await
        .unwrap()
        .iter()
        .map(|h| h.to)
        .collect();
    assert_eq!(states, logged);
    assert_eq!(
        states,
        vec![JobState::Creating, JobState::Shipping, JobState::Received]
    );
    assert!(
        latest.1.iter().any(|d| d.drive_id == "DRIVE1"),
        "the drive's arrival is on its path: {:?}",
        latest.1
    );
    // The older version's paths never took the later event in.
    assert_eq!(at_shipping.0.len(), 2);
    assert!(std::sync::Arc::ptr_eq(
        &at_shipping,
        &store.paths(job.id, shipped.job.version).await.unwrap()
    ));
}
