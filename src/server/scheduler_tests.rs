//! The timer scheduler against a fixed test clock (`Clock::fixed`, which stands still until told): each of the
//! five timers fires exactly at its deadline and not a millisecond before, once, with the deadline as its time,
//! and across restarts (a new store and app over the same database); missed timers fire in order; stale due
//! times are rewritten; failing or stale rows never starve the others; new timer settings are applied at
//! start-up; intake changes are announced to staff.

use super::clock::Clock;
use super::config::{Config, ServeArgs};
use super::live::Change;
use super::state::{AppState, Shared};
use super::store::{millis, Store, StoredEvent};
use super::timers::{prepare, sweep, sweep_in_pages, Swept};
use crate::model::{Actor, ActorKind};
use chrono::{TimeDelta, TimeZone, Utc};
use lifecycle::intake::{IntakeEventKind, IntakeStatus, NewIntake};
use lifecycle::{
    Command, CustomerCommand, DeletionReason, DriveState, EventKind, JobState, Settings, Span,
    Timestamp,
};
use std::sync::Arc;

const MS: TimeDelta = TimeDelta::milliseconds(1);

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 2, 10, 30, 0).unwrap() + TimeDelta::milliseconds(123)
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// A database that outlives the apps opened on it: PostgreSQL when the test run has one, else a SQLite file.
struct Db {
    url: String,
    _dir: tempfile::TempDir,
}

async fn db(name: &str) -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = match super::store::test_support::shared_postgres_url().await {
        Some(url) => url,
        None => format!("sqlite://{}/{name}.db", dir.path().display()),
    };
    Db { url, _dir: dir }
}

/// A server's state over `db` with `clock` and `settings` (no demo data). Calling it again is a restart.
async fn app_with(db: &Db, clock: &Clock, settings: Settings) -> AppState {
    let store = Store::open(&db.url).await.expect("open store");
    let mut config = Config::load(&ServeArgs::default(), &|_| None).expect("config");
    config.settings = settings;
    AppState::new(Shared {
        leptos_options: config.leptos.clone(),
        static_files: super::static_files::StaticFiles::for_site(&config.leptos),
        store,
        clock: clock.clone(),
        config: Arc::new(config),
        sign_in_limiter: Default::default(),
        hashing: Default::default(),
        live: Default::default(),
        changes: Default::default(),
    })
}

async fn app(db: &Db, clock: &Clock) -> AppState {
    app_with(db, clock, Settings::default()).await
}

fn customer() -> Actor {
    Actor {
        kind: ActorKind::Customer,
        account_id: None,
        label: "Casey Customer".into(),
    }
}

/// A new import job with one drive and everything needed to mark it as shipped.
pub(crate) async fn new_job(store: &Store, name: &str) -> lifecycle::NewJob {
    lifecycle::NewJob {
        name: name.into(),
        job_type: lifecycle::JobType::Import,
        location: store.locations().await.unwrap()[0].clone(),
        storage_account_id: "/subscriptions/6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct01".into(),
        drives: vec![lifecycle::DriveSpec {
            drive_id: format!("SCHED-{}", name.to_uppercase()),
            bit_locker_key: super::demo::demo_bitlocker_key(1),
            manifest_file: "\\DriveManifest.xml".into(),
            manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
            drive_header_hash: String::new(),
        }],
        export: None,
        return_address: Some(super::demo::demo_address()),
        return_shipping: Some(lifecycle::ReturnShipping {
            carrier_name: "FedEx".into(),
            carrier_account_number: "123456789".into(),
        }),
        delivery_package: Some(lifecycle::DeliveryPackage {
            carrier_name: "FedEx".into(),
            tracking_number: format!("T{}", name.len()),
            drive_count: Some(1),
            ship_date: None,
        }),
        diagnostics_path: String::new(),
        log_level: Default::default(),
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: Default::default(),
    }
}

/// A `Creating` job made by the customer's real command at the clock's time.
async fn creating_job(state: &AppState, name: &str) -> i64 {
    let new = new_job(&state.store, name).await;
    let (job, _) = state
        .store
        .put_job(
            "sub-1",
            "rg",
            new,
            &customer(),
            state.clock.now(),
            state.settings(),
        )
        .await
        .unwrap();
    job.id
}

async fn customer_command(state: &AppState, id: i64, command: CustomerCommand) {
    state
        .store
        .execute(
            id,
            &[Command::Customer(command)],
            &customer(),
            state.clock.now(),
            state.settings(),
        )
        .await
        .unwrap();
}

/// A `Shipping` job, marked shipped at the clock's time.
async fn shipping_job(state: &AppState, name: &str) -> i64 {
    let id = creating_job(state, name).await;
    customer_command(state, id, CustomerCommand::MarkShipping).await;
    id
}

async fn events(state: &AppState, id: i64) -> Vec<StoredEvent> {
    state.store.events(id).await.unwrap()
}

/// The stored `next_timer_at` of a job.
async fn stored_due(state: &AppState, id: i64) -> Option<i64> {
    sqlx::query_scalar("SELECT next_timer_at FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(state.store.pool())
        .await
        .unwrap()
}

/// The job timer of `id` due at `deadline`: at `deadline − 1 ms` nothing fires; after a restart, at `deadline`
/// exactly one event of `kind` fires, by the system timer, dated `deadline`; a second sweep and a sweep after
/// another restart fire nothing more. Returns the last app.
async fn job_timer_fires_exactly_at(
    db: &Db,
    clock: &Clock,
    id: i64,
    deadline: Timestamp,
    kind: &str,
) -> AppState {
    clock.set(deadline - MS);
    let state = app(db, clock).await;
    let before = events(&state, id).await.len();
    assert_eq!(
        sweep(&state).await.unwrap(),
        Swept::default(),
        "{kind}: nothing fires 1 ms before the deadline"
    );
    assert_eq!(events(&state, id).await.len(), before);
    assert_eq!(stored_due(&state, id).await, Some(millis(deadline)));
    drop(state);

    // A restart in between loses nothing.
    let state = app(db, clock).await;
    clock.set(deadline);
    assert_eq!(
        sweep(&state).await.unwrap(),
        Swept {
            jobs: 1,
            ..Swept::default()
        },
        "{kind} fires at its deadline"
    );
    let after = events(&state, id).await;
    assert_eq!(after.len(), before + 1, "{kind}: one event");
    let fired = after.last().unwrap();
    assert_eq!(fired.event.kind.name(), kind);
    assert_eq!(fired.event.at, deadline, "{kind} is dated at its deadline");
    assert_eq!(fired.actor.kind, ActorKind::Timer);
    assert_eq!(
        sweep(&state).await.unwrap(),
        Swept::default(),
        "{kind} once"
    );
    drop(state);

    // Nor does a restart after it repeat it.
    let state = app(db, clock).await;
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert_eq!(events(&state, id).await.len(), before + 1);
    state
}

#[tokio::test]
async fn the_creating_expiry_fires_fourteen_days_after_the_last_update_exactly() {
    let db = db("expiry").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let id = creating_job(&state, "still-creating").await;
    assert_eq!(stored_due(&state, id).await, Some(millis(t0() + days(14))));
    // An update on day 10 restarts the period: nothing at the first deadline.
    clock.set(t0() + days(10));
    customer_command(
        &state,
        id,
        CustomerCommand::UpdateProperties(lifecycle::JobPatch {
            log_level: Some(lifecycle::LogLevel::Verbose),
            ..Default::default()
        }),
    )
    .await;
    clock.set(t0() + days(14));
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert!(state.store.job(id).await.unwrap().is_some());
    drop(state);

    let state =
        job_timer_fires_exactly_at(&db, &clock, id, t0() + days(10) + days(14), "deleted").await;
    assert!(state.store.job(id).await.unwrap().is_none(), "gone");
    let kept = state
        .store
        .job_including_deleted(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.job.deleted, Some(DeletionReason::CreatingExpired));
    assert_eq!(stored_due(&state, id).await, None);
    assert!(state.store.verify_snapshots().await.unwrap().is_empty());
}

#[tokio::test]
async fn shipping_overdue_abandonment_and_retention_each_fire_once_at_their_deadline() {
    let db = db("shipping").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let id = shipping_job(&state, "never-sent").await;
    drop(state);

    // Day 14: the overdue notice; the drive is never received; the job closes 30 days later unless...
    let state =
        job_timer_fires_exactly_at(&db, &clock, id, t0() + days(14), "shippingOverdue").await;
    let job = state.store.job(id).await.unwrap().unwrap().job;
    assert_eq!(job.drives[0].state, DriveState::NeverReceived);
    assert_eq!(job.abandon_deadline, Some(t0() + days(44)));
    drop(state);

    // Day 44: abandoned, Closed.
    let state =
        job_timer_fires_exactly_at(&db, &clock, id, t0() + days(44), "shipmentAbandoned").await;
    let job = state.store.job(id).await.unwrap().unwrap().job;
    assert_eq!(job.state, JobState::Closed);
    assert_eq!(job.finished_at, Some(t0() + days(44)));
    drop(state);

    // 90 days after it ended: removed; staff still read its history.
    let state = job_timer_fires_exactly_at(&db, &clock, id, t0() + days(134), "deleted").await;
    let kept = state
        .store
        .job_including_deleted(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.job.deleted, Some(DeletionReason::RetentionExpired));
    assert!(state.store.verify_snapshots().await.unwrap().is_empty());
}

#[tokio::test]
async fn unmatched_intake_deadlines_fire_once_each_at_their_deadline_across_restarts() {
    let db = db("intake").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let (intake, _) = state
        .store
        .record_intake(
            None,
            &NewIntake {
                job_name: None,
                carrier_name: "UPS".into(),
                tracking_number: "1Z999".into(),
                drive_ids: vec!["LOST-1".into()],
                notes: String::new(),
            },
            &Actor::system(),
            clock.now(),
            state.settings(),
        )
        .await
        .unwrap();
    drop(state);
    let steps = [
        (
            t0() + days(14),
            IntakeEventKind::ReturnDeadlinePassed,
            IntakeStatus::ReturnDue,
        ),
        (
            t0() + days(90),
            IntakeEventKind::DestructionDeadlinePassed,
            IntakeStatus::DestructionDue,
        ),
    ];
    for (seen, (deadline, kind, status)) in steps.into_iter().enumerate() {
        clock.set(deadline - MS);
        let state = app(&db, &clock).await;
        assert_eq!(sweep(&state).await.unwrap(), Swept::default(), "{kind:?}");
        drop(state);
        let state = app(&db, &clock).await;
        clock.set(deadline);
        let mut announced = state.live.subscribe();
        assert_eq!(
            sweep(&state).await.unwrap(),
            Swept {
                intakes: 1,
                ..Swept::default()
            }
        );
        let history = state.store.intake_events(intake.id).await.unwrap();
        assert_eq!(history.len(), seen + 2, "recorded plus one per deadline");
        let last = history.last().unwrap();
        assert_eq!(last.event.kind, kind);
        assert_eq!(last.event.at, deadline);
        assert_eq!(last.actor.kind, ActorKind::Timer);
        let stored = state.store.intake(intake.id).await.unwrap().unwrap();
        assert_eq!(stored.intake.status, status);
        // Staff pages are told.
        match announced.try_recv() {
            Ok(Some(Change::Intake(c))) => {
                assert_eq!(c.intake_id, intake.id);
                assert_eq!(c.version, stored.intake.version);
            }
            other => panic!("expected an intake announcement, got {other:?}"),
        }
        assert_eq!(sweep(&state).await.unwrap(), Swept::default(), "once");
        drop(state);
        let state = app(&db, &clock).await;
        assert_eq!(sweep(&state).await.unwrap(), Swept::default());
        assert_eq!(
            state.store.intake_events(intake.id).await.unwrap().len(),
            seen + 2
        );
    }
}

#[tokio::test]
async fn a_late_sweep_fires_every_missed_timer_once_in_deadline_order() {
    let db = db("late").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let id = shipping_job(&state, "late-job").await;
    // The server was down for 50 days: overdue (day 14) and abandoned (day 44) both fire, at their deadlines.
    clock.set(t0() + days(50));
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    let history = events(&state, id).await;
    let n = history.len();
    assert_eq!(history[n - 2].event.kind.name(), "shippingOverdue");
    assert_eq!(history[n - 2].event.at, t0() + days(14));
    assert_eq!(history[n - 1].event.kind, EventKind::ShipmentAbandoned);
    assert_eq!(history[n - 1].event.at, t0() + days(44));
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert_eq!(stored_due(&state, id).await, Some(millis(t0() + days(134))));
}

#[tokio::test]
async fn a_tick_that_fires_nothing_rewrites_the_stale_due_times_without_an_event() {
    let db = db("stale").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let id = shipping_job(&state, "stale-one").await;
    // As if written by a server whose shipping-overdue period was one day.
    sqlx::query("UPDATE jobs SET next_timer_at = $1, attention_from = $1 WHERE id = $2")
        .bind(millis(t0() + days(1)))
        .bind(id)
        .execute(state.store.pool())
        .await
        .unwrap();
    clock.set(t0() + days(2));
    let before = events(&state, id).await.len();
    assert_eq!(
        state.store.due_jobs(clock.now(), 10).await.unwrap(),
        vec![id]
    );
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert_eq!(events(&state, id).await.len(), before, "no event invented");
    assert_eq!(stored_due(&state, id).await, Some(millis(t0() + days(14))));
    let attention: Option<i64> =
        sqlx::query_scalar("SELECT attention_from FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(state.store.pool())
            .await
            .unwrap();
    assert_eq!(attention, None, "a Shipping job on time needs nobody");
    assert!(state
        .store
        .due_jobs(clock.now(), 10)
        .await
        .unwrap()
        .is_empty());
    // And the real deadline still fires, on time.
    clock.set(t0() + days(14));
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    assert_eq!(
        events(&state, id).await.last().unwrap().event.at,
        t0() + days(14)
    );
}

#[tokio::test]
async fn rows_that_keep_failing_are_tried_once_per_sweep_and_never_hide_the_due_jobs_after_them() {
    let db = db("starve").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    let mut broken = Vec::new();
    for i in 0..5 {
        broken.push(creating_job(&state, &format!("broken-{i}")).await);
    }
    let due = shipping_job(&state, "due-after-them").await;
    // Five rows due before the real one whose command always fails (an unreadable snapshot).
    for id in &broken {
        sqlx::query("UPDATE jobs SET snapshot = '{', next_timer_at = $1 WHERE id = $2")
            .bind(millis(t0() + days(1)))
            .bind(*id)
            .execute(state.store.pool())
            .await
            .unwrap();
    }
    clock.set(t0() + days(14));
    // Two rows a page: without paging every page would be the first two broken rows.
    let swept = sweep_in_pages(&state, 2).await.unwrap();
    assert_eq!(
        swept,
        Swept {
            jobs: 1,
            intakes: 0,
            failed: 5
        },
        "each broken row once, and the due job reached"
    );
    assert_eq!(
        events(&state, due).await.last().unwrap().event.kind.name(),
        "shippingOverdue"
    );
    // They are tried again at the next sweep, once each.
    assert_eq!(
        sweep_in_pages(&state, 2).await.unwrap(),
        Swept {
            failed: 5,
            ..Swept::default()
        }
    );
}

#[tokio::test]
async fn due_intakes_are_read_page_by_page() {
    let db = db("intake-pages").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    for i in 0..3 {
        state
            .store
            .record_intake(
                None,
                &NewIntake {
                    job_name: None,
                    carrier_name: "UPS".into(),
                    tracking_number: format!("PAGE{i}"),
                    drive_ids: vec![format!("PAGED-{i}")],
                    notes: String::new(),
                },
                &Actor::system(),
                clock.now(),
                state.settings(),
            )
            .await
            .unwrap();
    }
    clock.set(t0() + days(15));
    assert_eq!(sweep_in_pages(&state, 1).await.unwrap().intakes, 3);
    assert_eq!(sweep_in_pages(&state, 1).await.unwrap(), Swept::default());
}

#[tokio::test]
async fn a_restart_with_other_timer_durations_recomputes_every_due_time() {
    let db = db("settings").await;
    let clock = Clock::fixed(t0());
    let state = app(&db, &clock).await;
    prepare(&state).await;
    let shipping = shipping_job(&state, "sent").await;
    let creating = creating_job(&state, "draft").await;
    assert_eq!(
        state
            .store
            .refresh_projections(state.settings())
            .await
            .unwrap(),
        Default::default(),
        "same settings: nothing to do"
    );
    drop(state);

    // Restarted with shorter periods: the stored due times follow at start-up, so nothing fires late.
    let mut shorter = Settings::default();
    shorter.timers.shipping_overdue = Span::days(2);
    shorter.timers.creating_expiry = Span::days(5);
    let state = app_with(&db, &clock, shorter).await;
    let refreshed = state
        .store
        .refresh_projections(state.settings())
        .await
        .unwrap();
    assert_eq!(refreshed.timers, 2);
    assert_eq!(
        stored_due(&state, shipping).await,
        Some(millis(t0() + days(2)))
    );
    assert_eq!(
        stored_due(&state, creating).await,
        Some(millis(t0() + days(5)))
    );
    let attention: Option<i64> =
        sqlx::query_scalar("SELECT attention_from FROM jobs WHERE id = $1")
            .bind(creating)
            .fetch_one(state.store.pool())
            .await
            .unwrap();
    assert_eq!(
        attention,
        Some(millis(t0() + days(2))),
        "3 days before the expiry"
    );
    clock.set(t0() + days(2));
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    assert_eq!(
        events(&state, shipping).await.last().unwrap().event.at,
        t0() + days(2)
    );
    drop(state);

    // The same settings again: nothing recomputed.
    let state = app_with(&db, &clock, shorter).await;
    assert_eq!(
        state
            .store
            .refresh_projections(state.settings())
            .await
            .unwrap(),
        Default::default()
    );
    drop(state);

    // Longer periods: the creating job is no longer due at its old time.
    let mut longer = Settings::default();
    longer.timers.creating_expiry = Span::days(30);
    let state = app_with(&db, &clock, longer).await;
    prepare(&state).await;
    assert_eq!(
        stored_due(&state, creating).await,
        Some(millis(t0() + days(30)))
    );
    clock.set(t0() + days(6));
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert!(state.store.job(creating).await.unwrap().is_some());
}
