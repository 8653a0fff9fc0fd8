//! The support console: the timer scheduler against the development clock (each timer fires once, at its
//! deadline, and survives a restart), every staff server function through the router (hydrated calls, plain
//! form posts, rejections), the attention queue, intakes, exports, the development clock's refusal on a normal
//! server, and the indexes the console's queries use.

use super::clock::Clock;
use super::config::{Config, ServeArgs};
use super::router_tests::{test_app, Browser, TestApp};
use super::state::AppState;
use super::store::Store;
use super::timers::{sweep, Swept};
use crate::console::{AttentionQueue, IntakeList, StaffJobList, StaffJobView};
use crate::model::Actor;
use axum::body::Body;
use axum::http::{header, StatusCode};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use lifecycle::intake::{IntakeStatus, NewIntake};
use lifecycle::{DriveState, EventKind, JobState};
use std::sync::Arc;
use tower::ServiceExt;

type Row = [u16; 4];

/// The console's pages for the authorization matrix (anonymous, customer A, customer B, staff).
pub(crate) fn page_rows(job: i64) -> Vec<(&'static str, (String, Row))> {
    let staff_only = [303, 403, 403, 200];
    vec![
        ("/staff", ("/staff".into(), staff_only)),
        (
            "/staff/jobs/:id",
            (format!("/staff/jobs/{job}"), staff_only),
        ),
        ("/staff/attention", ("/staff/attention".into(), staff_only)),
        ("/staff/intakes", ("/staff/intakes".into(), staff_only)),
        ("/staff/clock", ("/staff/clock".into(), staff_only)),
    ]
}

/// The console's server functions for the authorization matrix. `job` is a Transferring job: the staff calls
/// here are refused by the lifecycle or by validation, so running them changes nothing.
pub(crate) fn function_rows(job: i64) -> Vec<(&'static str, (String, Row))> {
    let row = |status: u16| [401, 403, 403, status];
    let d = "WD-DEMO-A1";
    vec![
        ("/api/staff_list_jobs", ("query[q]=".into(), row(200))),
        ("/api/staff_job", (format!("id={job}"), row(200))),
        ("/api/staff_attention", (String::new(), row(200))),
        ("/api/staff_intakes", (String::new(), row(200))),
        ("/api/staff_clock", (String::new(), row(200))),
        ("/api/staff_advance_clock", ("days=x&hours=0".into(), row(400))),
        ("/api/staff_run_timers", (String::new(), row(200))),
        ("/api/staff_dev_create_job", ("scenario=nope".into(), row(400))),
        (
            "/api/staff_package_intake",
            (format!("id={job}&found[]={d}"), row(409)),
        ),
        (
            "/api/staff_drive_arrived",
            (format!("id={job}&drive_id={d}"), row(409)),
        ),
        (
            "/api/staff_start_copy",
            (format!("id={job}&drive_id={d}"), row(409)),
        ),
        (
            "/api/staff_report_progress",
            (
                format!("id={job}&drive_id={d}&percent=abc&bytes_succeeded=0&copy_status=x"),
                row(400),
            ),
        ),
        (
            "/api/staff_finish_drive",
            (format!("id={job}&drive_id={d}&outcome=bogus"), row(400)),
        ),
        ("/api/staff_package_job", (format!("id={job}"), row(409))),
        (
            "/api/staff_ship_back",
            (
                format!("id={job}&carrier_name=FedEx&tracking_number=1&drive_count=x&ship_date=2026-01-01"),
                row(400),
            ),
        ),
        ("/api/staff_fault_job", (format!("id={job}&reason="), row(400))),
        (
            "/api/staff_resolve_job",
            (format!("id={job}&to=&resolution=fixed"), row(409)),
        ),
        (
            "/api/staff_fault_drive",
            (format!("id={job}&drive_id={d}&reason="), row(400)),
        ),
        (
            "/api/staff_resolve_drive",
            (format!("id={job}&drive_id={d}&to=&resolution=fixed"), row(409)),
        ),
        (
            "/api/staff_correct_return_address",
            (
                format!("id={job}&recipient_name=&street_address1=&city=&postal_code=&country_or_region=&phone=&email="),
                row(400),
            ),
        ),
        (
            "/api/staff_extend_shipping_wait",
            (format!("id={job}&days=x"), row(400)),
        ),
        ("/api/staff_add_note", (format!("id={job}&text="), row(400))),
        (
            "/api/staff_record_intake",
            (
                format!("job_id={job}&carrier_name=FedEx&tracking_number=1&drive_ids="),
                row(400),
            ),
        ),
        (
            "/api/staff_resolve_intake",
            ("intake_id=987654&outcome=Returned".into(), row(404)),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------------------
// The scheduler against the development clock
// ---------------------------------------------------------------------------------------------------------

/// A fresh database for a scheduler test: PostgreSQL when the test run has one, else a SQLite file in `dir`.
async fn database_url(dir: &tempfile::TempDir, name: &str) -> String {
    match super::store::test_support::shared_postgres_url().await {
        Some(url) => url,
        None => format!("sqlite://{}/{name}.db", dir.path().display()),
    }
}

/// A server's state over the database at `url`, with `clock` (no demo data).
async fn state_at(url: &str, clock: Clock) -> AppState {
    let store = Store::open(url).await.expect("open store");
    let config = Config::load(&ServeArgs::default(), &|_| None).expect("config");
    AppState {
        leptos_options: config.leptos.clone(),
        store,
        clock,
        config: Arc::new(config),
        sign_in_limiter: Default::default(),
        live: Default::default(),
    }
}

fn customer_actor() -> Actor {
    Actor {
        kind: crate::model::ActorKind::Customer,
        account_id: None,
        label: "Casey Customer".into(),
    }
}

/// A new import job with one drive, ready to be marked as shipped.
async fn new_job(state: &AppState, name: &str) -> lifecycle::NewJob {
    lifecycle::NewJob {
        name: name.into(),
        job_type: lifecycle::JobType::Import,
        location: state.store.locations().await.unwrap()[0].clone(),
        storage_account_id: "/subscriptions/6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct01".into(),
        drives: vec![lifecycle::DriveSpec {
            drive_id: "SCHED-A".into(),
            bit_locker_key: super::demo::demo_bitlocker_key(1),
            manifest_file: "\\DriveManifest.xml".into(),
            manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
            drive_header_hash: String::new(),
        }],
        export: None,
        return_address: Some(super::demo::demo_address()),
        return_shipping: None,
        delivery_package: Some(lifecycle::DeliveryPackage {
            carrier_name: "FedEx".into(),
            tracking_number: "SCHED1".into(),
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

/// A Shipping import job made by the customer's real commands at the clock's `now`.
async fn shipping_job(state: &AppState, name: &str) -> i64 {
    use lifecycle::{Command, CustomerCommand};
    let customer = customer_actor();
    let new = new_job(state, name).await;
    let now = state.clock.now();
    let (job, _) = state
        .store
        .put_job("sub-1", "rg", new, &customer, now, state.settings())
        .await
        .unwrap();
    state
        .store
        .execute(
            job.id,
            &[Command::Customer(CustomerCommand::MarkShipping)],
            &customer,
            now,
            state.settings(),
        )
        .await
        .unwrap();
    job.id
}

async fn kinds(state: &AppState, id: i64) -> Vec<String> {
    state
        .store
        .events(id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event.kind.name().to_string())
        .collect()
}

#[tokio::test]
async fn shipping_timers_fire_once_at_their_deadline_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir, "sched").await;
    let clock = Clock::development();
    let state = state_at(&url, clock.clone()).await;
    let id = shipping_job(&state, "sched-job").await;
    let since = state
        .store
        .job(id)
        .await
        .unwrap()
        .unwrap()
        .job
        .shipping_since
        .unwrap();

    // One minute short of 14 days: nothing fires.
    clock
        .advance(TimeDelta::days(14) - TimeDelta::minutes(1))
        .unwrap();
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert_eq!(kinds(&state, id).await.last().unwrap(), "markedShipping");

    // Past the deadline: the overdue notice fires once, dated at its deadline, and the drive is never received.
    clock.advance(TimeDelta::minutes(2)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    let events = state.store.events(id).await.unwrap();
    let overdue = events.last().unwrap();
    assert_eq!(overdue.event.kind.name(), "shippingOverdue");
    assert_eq!(overdue.event.at, since + TimeDelta::days(14));
    assert_eq!(overdue.actor.kind, crate::model::ActorKind::Timer);
    let job = state.store.job(id).await.unwrap().unwrap().job;
    assert_eq!(job.drives[0].state, DriveState::NeverReceived);
    let fired = events.len();

    // A restart (the store opened again) neither loses nor repeats a timer.
    drop(state);
    let state = state_at(&url, clock.clone()).await;
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert_eq!(state.store.events(id).await.unwrap().len(), fired);

    // 30 days after the notice, the abandoned shipment closes the job, at that deadline.
    clock.advance(TimeDelta::days(30)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    let job = state.store.job(id).await.unwrap().unwrap();
    assert_eq!(job.job.state, JobState::Closed);
    let last = state.store.events(id).await.unwrap().pop().unwrap();
    assert_eq!(last.event.kind, EventKind::ShipmentAbandoned);
    assert_eq!(last.event.at, since + TimeDelta::days(44));

    // 90 days later the retention timer removes it; staff still read its history.
    clock.advance(TimeDelta::days(90)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    assert!(state.store.job(id).await.unwrap().is_none());
    let kept = state
        .store
        .job_including_deleted(id)
        .await
        .unwrap()
        .unwrap();
    assert!(kept.job.is_deleted());
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
    assert!(state.store.verify_snapshots().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_late_sweep_fires_every_missed_timer_once_in_deadline_order() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir, "late").await;
    let clock = Clock::development();
    let state = state_at(&url, clock.clone()).await;
    let id = shipping_job(&state, "late-job").await;
    // The server was down for 50 days: overdue (day 14) and abandoned (day 44) both fire, at their deadlines.
    clock.advance(TimeDelta::days(50)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().jobs, 1);
    let events = state.store.events(id).await.unwrap();
    let n = events.len();
    assert_eq!(events[n - 2].event.kind.name(), "shippingOverdue");
    assert_eq!(events[n - 1].event.kind.name(), "shipmentAbandoned");
    assert!(events[n - 2].event.at < events[n - 1].event.at);
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
}

#[tokio::test]
async fn a_creating_job_expires_after_fourteen_days_of_no_update() {
    use lifecycle::{Command, CustomerCommand};
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir, "expiry").await;
    let clock = Clock::development();
    let state = state_at(&url, clock.clone()).await;
    let new = new_job(&state, "still-creating").await;
    let (job, _) = state
        .store
        .put_job(
            "sub-1",
            "rg",
            new,
            &Actor::system(),
            clock.now(),
            state.settings(),
        )
        .await
        .unwrap();
    // An update on day 10 restarts the period.
    clock.advance(TimeDelta::days(10)).unwrap();
    state
        .store
        .execute(
            job.id,
            &[Command::Customer(CustomerCommand::UpdateProperties(
                lifecycle::JobPatch {
                    log_level: Some(lifecycle::LogLevel::Verbose),
                    ..Default::default()
                },
            ))],
            &Actor::system(),
            clock.now(),
            state.settings(),
        )
        .await
        .unwrap();
    clock.advance(TimeDelta::days(13)).unwrap();
    sweep(&state).await.unwrap();
    assert!(state.store.job(job.id).await.unwrap().is_some());
    clock.advance(TimeDelta::days(2)).unwrap();
    sweep(&state).await.unwrap();
    assert!(state.store.job(job.id).await.unwrap().is_none());
    assert_eq!(
        kinds(&state, job.id).await.last().map(String::as_str),
        Some("deleted")
    );
}

#[tokio::test]
async fn intake_deadlines_fire_once_each_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir, "intake").await;
    let clock = Clock::development();
    let state = state_at(&url, clock.clone()).await;
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
    clock.advance(TimeDelta::days(13)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().intakes, 0);
    clock.advance(TimeDelta::days(2)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().intakes, 1);
    assert_eq!(sweep(&state).await.unwrap().intakes, 0);
    let stored = state.store.intake(intake.id).await.unwrap().unwrap();
    assert_eq!(stored.intake.status, IntakeStatus::ReturnDue);

    drop(state);
    let state = state_at(&url, clock.clone()).await;
    assert_eq!(sweep(&state).await.unwrap().intakes, 0);
    clock.advance(TimeDelta::days(80)).unwrap();
    assert_eq!(sweep(&state).await.unwrap().intakes, 1);
    let history = state.store.intake_events(intake.id).await.unwrap();
    assert_eq!(history.len(), 3, "recorded, return due, destruction due");
    assert_eq!(history[1].event.at, intake.intake.return_deadline);
    assert_eq!(history[2].event.at, intake.intake.destroy_deadline);
    assert_eq!(
        state
            .store
            .intake(intake.id)
            .await
            .unwrap()
            .unwrap()
            .intake
            .status,
        IntakeStatus::DestructionDue
    );
    assert_eq!(sweep(&state).await.unwrap(), Swept::default());
}

// ---------------------------------------------------------------------------------------------------------
// Staff server functions through the router
// ---------------------------------------------------------------------------------------------------------

async fn dev_job(app: &TestApp, scenario: &str) -> i64 {
    super::console::create_dev_job(&app.state, scenario)
        .await
        .expect("dev job")
        .0
}

async fn view(app: &TestApp, staff: &Browser, id: i64) -> StaffJobView {
    let r = app.call(staff, "/api/staff_job", &format!("id={id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("job view")
}

/// Calls a staff server function as the hydrated page does and expects success.
async fn ok(app: &TestApp, staff: &Browser, path: &str, form: &str) {
    let r = app.call(staff, path, form).await;
    assert_eq!(r.status, StatusCode::OK, "{path} {form}: {}", r.body);
}

#[tokio::test]
async fn staff_take_an_import_job_from_shipping_to_completed_through_every_operation() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping").await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Shipping);
    let a = v.job.drives[0].drive_id.clone();
    let b = v.job.drives[1].drive_id.clone();

    // Drive B is missing from the package; an unlisted drive came with it.
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&found[]={a}&extra=EXTRA-7"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Received);
    assert_eq!(v.job.drive(&b).unwrap().state, DriveState::NeverReceived);
    assert_eq!(v.job.extra_drives[0].serial, "EXTRA-7");
    // ...and turns up later.
    ok(
        &app,
        &staff,
        "/api/staff_drive_arrived",
        &format!("id={id}&drive_id={b}"),
    )
    .await;
    for d in [&a, &b] {
        ok(
            &app,
            &staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id={d}"),
        )
        .await;
    }
    ok(
        &app,
        &staff,
        "/api/staff_report_progress",
        &format!("id={id}&drive_id={a}&percent=50&bytes_succeeded=1000&copy_status=InProgress"),
    )
    .await;
    // Progress never goes back; the refusal names the field.
    let r = app
        .call(
            &staff,
            "/api/staff_report_progress",
            &format!("id={id}&drive_id={a}&percent=10&bytes_succeeded=1000&copy_status=InProgress"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Progress never goes back"), "{}", r.body);
    assert!(r.body.contains("\"percent\""), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_finish_drive",
        &format!("id={id}&drive_id={a}&outcome=Completed"),
    )
    .await;
    // CompletedMoreInfo needs its logs.
    let r = app
        .call(
            &staff,
            "/api/staff_finish_drive",
            &format!("id={id}&drive_id={b}&outcome=Warning"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("error_log_uri"), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_finish_drive",
        &format!(
            "id={id}&drive_id={b}&outcome=Warning&error_log_uri=https%3A%2F%2Facct.blob.core.windows.net%2Flogs%2Ferr.log&verbose_log_uri=https%3A%2F%2Facct.blob.core.windows.net%2Flogs%2Fverbose.log"
        ),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Packaging, "automatic packaging");
    assert_eq!(
        v.job.drive(&b).unwrap().state,
        DriveState::CompletedMoreInfo
    );
    // The return package must hold the extra drive too.
    let r = app
        .call(
            &staff,
            "/api/staff_ship_back",
            &format!("id={id}&carrier_name=FedEx&tracking_number=RET1&drive_count=2&ship_date=2026-12-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("drive_count"), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_ship_back",
        &format!(
            "id={id}&carrier_name=FedEx&tracking_number=RET1&drive_count=3&ship_date=2026-12-01"
        ),
    )
    .await;
    ok(
        &app,
        &staff,
        "/api/staff_add_note",
        &format!("id={id}&text=Customer+thanked+us"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Completed);
    assert!(v
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::ShippedBack));
    let staff_events: Vec<&str> = v
        .timeline
        .iter()
        .filter(|e| e.actor == "Sam Staff")
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(
        staff_events,
        vec![
            "packageReceived",
            "driveArrived",
            "copyStarted",
            "copyStarted",
            "progressReported",
            "driveFinished",
            "driveFinished",
            "packagingStarted",
            "shippedBack",
            "noteAdded"
        ]
    );
    assert!(v.timeline[0].actor_kind == crate::model::ActorKind::Customer);
    // Staff actions are audited.
    let audit = app
        .state
        .store
        .audit_entries(Some("staff-action"), 50)
        .await
        .unwrap()
        .len();
    assert!(audit >= 9, "{audit}");
}

#[tokio::test]
async fn fault_and_resolve_a_job_and_a_drive() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping").await;
    let a = view(&app, &staff, id).await.job.drives[0].drive_id.clone();
    let b = view(&app, &staff, id).await.job.drives[1].drive_id.clone();
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&found[]={a}&found[]={b}"),
    )
    .await;
    ok(
        &app,
        &staff,
        "/api/staff_fault_drive",
        &format!("id={id}&drive_id={a}&reason=Does+not+spin"),
    )
    .await;
    ok(
        &app,
        &staff,
        "/api/staff_fault_job",
        &format!("id={id}&reason=Damaged+box"),
    )
    .await;
    // A faulted job stops data-center work, with the reason.
    let r = app
        .call(
            &staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id={b}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("resolve it first"), "{}", r.body);
    // Only the targets the lifecycle offers.
    let r = app
        .call(
            &staff,
            "/api/staff_resolve_job",
            &format!("id={id}&to=Completed&resolution=ok"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("\"to\""), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_resolve_job",
        &format!("id={id}&to=Received&resolution=Customer+called"),
    )
    .await;
    ok(
        &app,
        &staff,
        "/api/staff_resolve_drive",
        &format!("id={id}&drive_id={a}&to=&resolution=Reseated"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Received);
    assert_eq!(v.job.drive(&a).unwrap().state, DriveState::Received);
    assert!(v.job.had_fault);
}

#[tokio::test]
async fn a_cancelled_job_skips_the_copy() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping-cancelled").await;
    let v = view(&app, &staff, id).await;
    assert!(v.job.cancel_requested);
    let ids: Vec<String> = v.job.drives.iter().map(|d| d.drive_id.clone()).collect();
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&found[]={}&found[]={}", ids[0], ids[1]),
    )
    .await;
    let r = app
        .call(
            &staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id={}", ids[0]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("cancelled"), "{}", r.body);
    ok(&app, &staff, "/api/staff_package_job", &format!("id={id}")).await;
    ok(
        &app,
        &staff,
        "/api/staff_ship_back",
        &format!(
            "id={id}&carrier_name=UPS&tracking_number=RET2&drive_count=2&ship_date=2026-12-01"
        ),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Completed);
    assert!(!v.timeline.iter().any(|e| e.kind == "copyStarted"));
}

#[tokio::test]
async fn operations_work_as_plain_form_posts_and_refusals_come_back_to_the_page() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping").await;
    let referer = format!("http://localhost/staff/jobs/{id}");
    // Refused (nothing arrived yet: a drive cannot start copying): back to the page, which shows why.
    let r = app
        .post_form(
            &staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id=NOPE"),
            &referer,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let location = r.headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("__err="), "{location}");
    let page = app
        .get(&staff, location.trim_start_matches("http://localhost"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Cannot start a copy while the job is Shipping"),
        "the refusal is on the page"
    );
    // A refused note keeps its field named on the page.
    let r = app
        .post_form(
            &staff,
            "/api/staff_add_note",
            &format!("id={id}&text="),
            &referer,
        )
        .await;
    let location = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let page = app
        .get(&staff, location.trim_start_matches("http://localhost"))
        .await;
    assert!(
        page.body.contains("data-field-error=\"text\""),
        "field error slot"
    );
    assert!(
        page.body.contains("Note is required") || page.body.contains("Note"),
        "{}",
        &page.body[..200]
    );
    // Accepted: back to the page, and the job moved.
    let v = view(&app, &staff, id).await;
    let a = v.job.drives[0].drive_id.clone();
    let r = app
        .post_form(
            &staff,
            "/api/staff_package_intake",
            &format!("id={id}&found%5B%5D={a}"),
            &referer,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .trim_end_matches('?'),
        referer
    );
    assert_eq!(view(&app, &staff, id).await.job.state, JobState::Received);
    // The page renders the job with its operations and timeline.
    let page = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert!(page.body.contains("data-testid=\"timeline\""));
    assert!(page.body.contains("data-kind=\"packageReceived\""));
    assert!(page.body.contains("data-testid=\"op-start-copy\""));
}

#[tokio::test]
async fn the_development_tools_refuse_on_a_normal_server() {
    let app = test_app().await;
    let staff = app.staff().await;
    let mut state = app.state.clone();
    state.clock = Clock::system();
    let router = super::router::build(state);
    for (path, form) in [
        ("/api/staff_advance_clock", "days=15&hours=0"),
        ("/api/staff_run_timers", ""),
        ("/api/staff_dev_create_job", "scenario=shipping"),
    ] {
        let request = app
            .request(&staff, "POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(form))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT, "{path}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert!(
            String::from_utf8_lossy(&body).contains("--dev-clock"),
            "{path}"
        );
    }
    let clock = app.call(&staff, "/api/staff_clock", "").await;
    assert!(clock.body.contains("\"adjustable\":true"), "{}", clock.body);
}

#[tokio::test]
async fn the_dev_clock_moves_time_and_fires_the_shipping_overdue_timer() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping").await;
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=14&hours=1")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = view(&app, &staff, id).await;
    assert!(v
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::NeverReceived));
    assert_eq!(v.timeline.last().unwrap().kind, "shippingOverdue");
    assert_eq!(v.timeline.last().unwrap().actor, "System timer");
    // The customer's page tells them.
    let me = app.customer().await;
    let page = app.get(&me, &format!("/jobs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The queue lists it with the next step, and the extension is now possible.
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    let entry = q
        .entries
        .iter()
        .find(|e| e.job_id == Some(id))
        .expect("in the queue");
    assert_eq!(entry.item.kind.as_str(), "shipping-overdue");
    assert!(entry.customer.as_deref() == Some(super::demo::CUSTOMER_EMAIL));
    ok(
        &app,
        &staff,
        "/api/staff_extend_shipping_wait",
        &format!("id={id}&days=10"),
    )
    .await;
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=0&hours=0")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unmatched_intakes_are_recorded_linked_and_resolved() {
    let app = test_app().await;
    let staff = app.staff().await;
    // For a Creating job: recorded, linked, and noted on the job's timeline.
    let creating = app.job_id("demo-creating").await;
    let r = app
        .call(&staff, "/api/staff_record_intake", &format!("job_id={creating}&carrier_name=fedex&tracking_number=EARLY1&drive_ids=WD-DEMO-A1%2C+WD-DEMO-B2"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let intake_id: i64 = serde_json::from_str(&r.body).unwrap();
    let v = view(&app, &staff, creating).await;
    let last = v.timeline.last().unwrap();
    assert_eq!(last.kind, "unmatchedIntakeNoted");
    assert!(last.what.contains(&format!("intake-{intake_id}")));
    assert_eq!(v.intakes.len(), 1);
    assert_eq!(v.intakes[0].intake.details.carrier_name, "FedEx");
    // For a Shipping job: refused (it is a package intake), nothing recorded.
    let shipping = app.job_id("demo-shipping").await;
    let r = app
        .call(
            &staff,
            "/api/staff_record_intake",
            &format!("job_id={shipping}&carrier_name=FedEx&tracking_number=X1&drive_ids=D1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // For no job: recorded on its own, in the queue with its deadline.
    let r = app
        .call(
            &staff,
            "/api/staff_record_intake",
            "job_name=&carrier_name=UPS&tracking_number=ORPHAN1&drive_ids=Z1",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let orphan: i64 = serde_json::from_str(&r.body).unwrap();
    let list: IntakeList =
        serde_json::from_str(&app.call(&staff, "/api/staff_intakes", "").await.body).unwrap();
    assert_eq!(list.open.len(), 2);
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    let entry = q
        .entries
        .iter()
        .find(|e| e.intake_id == Some(orphan))
        .expect("queued");
    assert!(entry.item.deadline.is_some());
    // Resolved: out of the queue.
    let r = app
        .call(
            &staff,
            "/api/staff_resolve_intake",
            &format!("intake_id={orphan}&outcome=Returned&note=Sent+back"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let again = app
        .call(
            &staff,
            "/api/staff_resolve_intake",
            &format!("intake_id={orphan}&outcome=Returned"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    assert!(!q.entries.iter().any(|e| e.intake_id == Some(orphan)));
}

#[tokio::test]
async fn the_attention_queue_lists_demo_situations_with_next_steps() {
    let app = test_app().await;
    let staff = app.staff().await;
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    let faulted = app.job_id("demo-faulted").await;
    let entry = q
        .entries
        .iter()
        .find(|e| e.job_id == Some(faulted))
        .expect("faulted job queued");
    assert_eq!(entry.item.kind.as_str(), "job-faulted");
    assert!(!entry.item.next_step.is_empty());
    let page = app.get(&staff, "/staff/attention").await;
    assert!(page.body.contains("data-kind=\"job-faulted\""));
    // The list's filter finds the same jobs.
    let r = app
        .call(&staff, "/api/staff_list_jobs", "query[attention]=1")
        .await;
    let list: StaffJobList = serde_json::from_str(&r.body).unwrap();
    assert!(list.rows.iter().all(|r| r.needs_attention));
    assert!(list.rows.iter().any(|r| r.job.id == faulted));
}

async fn list(app: &TestApp, staff: &Browser, form: &str) -> StaffJobList {
    let r = app.call(staff, "/api/staff_list_jobs", form).await;
    assert_eq!(r.status, StatusCode::OK, "{form}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn the_staff_list_searches_every_customer_and_filters() {
    let app = test_app().await;
    let staff = app.staff().await;
    let all = list(&app, &staff, "").await;
    assert!(all.rows.len() >= 14);
    assert!(all
        .rows
        .iter()
        .all(|r| r.customer.as_deref() == Some(super::demo::CUSTOMER_EMAIL)));
    let by_email = list(&app, &staff, "query[q]=customer%40example.com").await;
    assert_eq!(by_email.rows.len(), all.rows.len());
    let by_drive = list(
        &app,
        &staff,
        "query[q]=WD-DEMO-A1&query[state]=Transferring",
    )
    .await;
    assert_eq!(by_drive.rows.len(), 1);
    let location = all.rows[0].job.location.clone();
    let by_location = list(&app, &staff, &format!("query[location]={location}")).await;
    assert!(!by_location.rows.is_empty());
    assert!(by_location.rows.iter().all(|r| r.job.location == location));
    assert!(by_location.rows.len() < all.rows.len());
    let r = app
        .call(&staff, "/api/staff_list_jobs", "query[location]=mars")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let page = app.get(&staff, "/staff?q=demo-fault").await;
    assert!(page.body.contains("data-job=\"demo-faulted\""));
    assert!(!page.body.contains("data-job=\"demo-transferring\""));
}

#[tokio::test]
async fn the_timeline_exports_as_csv_and_json_for_staff_only() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = app.job_id("demo-completed").await;
    let csv = app
        .get(&staff, &format!("/staff/jobs/{id}/timeline.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("demo-completed-timeline.csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("seq,at,recorded_at,actor_type,actor"));
    assert!(lines
        .iter()
        .any(|l| l.contains("shippedBack") && l.contains("Sam Staff")));
    assert!(lines
        .iter()
        .any(|l| l.contains("created") && l.contains("customer,Dana Demo")));
    let json = app
        .get(&staff, &format!("/staff/jobs/{id}/timeline.json"))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(value["name"], "demo-completed");
    assert_eq!(value["events"].as_array().unwrap().len(), lines.len() - 1);
    let me = app.customer().await;
    assert_eq!(
        app.get(&me, &format!("/staff/jobs/{id}/timeline.csv"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(
            &Browser::anonymous(),
            &format!("/staff/jobs/{id}/timeline.json")
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get(&staff, "/staff/jobs/987654/timeline.csv")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_read_the_history_of_a_deleted_job() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = app.job_id("demo-creating").await;
    let me = app.customer().await;
    // The customer deletes it; staff still see it, with no operations.
    let deleted = app
        .state
        .store
        .execute(
            id,
            &[lifecycle::Command::Customer(
                lifecycle::CustomerCommand::Delete,
            )],
            &Actor::system(),
            app.state.clock.now(),
            app.state.settings(),
        )
        .await;
    assert!(deleted.is_ok());
    assert_eq!(
        app.get(&me, &format!("/jobs/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"deleted-badge\""));
    assert!(!page.body.contains("data-testid=\"job-operations\""));
}

#[tokio::test]
async fn console_queries_are_served_by_indexes() {
    let app = test_app().await;
    let store = &app.state.store;
    if store.backend() != super::store::Backend::Sqlite {
        // EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner is checked by its own statistics.
        return;
    }
    let plan = store
        .query_plan("SELECT id FROM jobs WHERE attention_from IS NOT NULL AND attention_from <= 1 AND deleted = 0 ORDER BY attention_from LIMIT 10", &[])
        .await
        .unwrap();
    assert!(
        plan.contains("jobs_attention") && !plan.contains("TEMP B-TREE"),
        "{plan}"
    );
    let plan = store
        .query_plan("SELECT id FROM jobs WHERE deleted = 0 AND location = $1 ORDER BY created_at DESC, id DESC LIMIT 26", &["westus"])
        .await
        .unwrap();
    assert!(
        plan.contains("jobs_by_location") && !plan.contains("TEMP B-TREE"),
        "{plan}"
    );
    let plan = store
        .query_plan("SELECT id FROM intakes WHERE next_timer_at IS NOT NULL AND next_timer_at <= 1 ORDER BY next_timer_at LIMIT 10", &[])
        .await
        .unwrap();
    assert!(plan.contains("intakes_due"), "{plan}");
    let plan = store
        .query_plan("SELECT id FROM intakes WHERE status IN ('AwaitingCustomer', 'ReturnDue', 'DestructionDue') ORDER BY created_at LIMIT 10", &[])
        .await
        .unwrap();
    assert!(plan.contains("intakes_open"), "{plan}");
}

#[tokio::test]
async fn the_attention_projection_is_refreshed_for_old_rows() {
    let app = test_app().await;
    let store = &app.state.store;
    sqlx::query("UPDATE jobs SET attention_from = NULL, attention_rev = 0")
        .execute(store.pool())
        .await
        .unwrap();
    let n = store.refresh_attention(app.state.settings()).await.unwrap();
    assert!(n >= 14);
    assert_eq!(
        store.refresh_attention(app.state.settings()).await.unwrap(),
        0
    );
    let queued = store
        .attention_jobs(app.state.clock.now(), 100)
        .await
        .unwrap();
    assert!(queued.iter().any(|j| j.job.name == "demo-faulted"));
}
