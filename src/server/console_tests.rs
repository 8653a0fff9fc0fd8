//! The support console: every staff server function through the router (hydrated calls, plain form posts,
//! rejections), the attention queue, intakes, exports, the development clock's refusal on a normal server, and
//! the indexes the console's queries use. The timer scheduler's own tests are in `scheduler_tests.rs`.

use super::clock::Clock;
use super::live::Change;
use super::router_tests::{test_app, Browser, TestApp};
use super::store::{Cursor, StaffJobFilter, StoreError};
use crate::console::{AttentionQueue, IntakeList, StaffJobList, StaffJobView};
use crate::model::Actor;
use axum::body::Body;
use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use lifecycle::intake::NewIntake;
use lifecycle::{DriveState, EventKind, JobState, JobType};
use std::collections::HashSet;
use tower::ServiceExt;

use super::matrix_tests::{tokens_as_owners, Row};

/// The console's pages for the authorization matrix (anonymous, customer A, customer B, staff, customer A's
/// token, the staff member's token).
pub(crate) fn page_rows(job: i64) -> Vec<(&'static str, (String, Row))> {
    let staff_only = tokens_as_owners([303, 403, 403, 200]);
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
/// here are refused by the lifecycle or by validation, so running them changes nothing. Staff tokens call them
/// as the staff member's browser does (staff automation); customers' tokens are refused like customers.
pub(crate) fn function_rows(job: i64) -> Vec<(&'static str, (String, Row))> {
    let row = |status: u16| tokens_as_owners([401, 403, 403, status]);
    let d = "WD-DEMO-A1";
    vec![
        ("/api/staff_list_jobs", ("query[q]=".into(), row(200))),
        ("/api/staff_job", (format!("id={job}"), row(200))),
        (
            "/api/staff_job_notifications",
            (format!("id={job}"), row(200)),
        ),
        ("/api/staff_attention", (String::new(), row(200))),
        ("/api/staff_intakes", (String::new(), row(200))),
        ("/api/staff_clock", (String::new(), row(200))),
        ("/api/staff_advance_clock", ("days=x&hours=0".into(), row(400))),
        ("/api/staff_run_timers", (String::new(), row(200))),
        ("/api/staff_dev_create_job", ("scenario=nope".into(), row(400))),
        // A later shipment for a Transferring job may hold only drives never received: refused, nothing changes.
        (
            "/api/staff_package_intake",
            (format!("id={job}&found[]={d}"), row(400)),
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
                format!("id={job}&carrier_name=FedEx&tracking_number=1&drive_count=x&ship_date=2026-01-01&confirm=yes"),
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
        ("/api/staff_cancel_job", (format!("id={job}&reason=&confirm=yes"), row(400))),
        (
            "/api/staff_report_return_address",
            (format!("id={job}&reason=&confirm=yes"), row(400)),
        ),
        (
            "/api/staff_resolve_return_problem",
            (format!("id={job}&note=Handled"), row(409)),
        ),
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
    // Bytes copied with a unit are saved exactly; a comma is refused, not read as a thousands separator.
    ok(
        &app,
        &staff,
        "/api/staff_report_progress",
        &format!("id={id}&drive_id={a}&percent=51&bytes_succeeded=1.5+TiB&copy_status=InProgress"),
    )
    .await;
    assert_eq!(
        view(&app, &staff, id)
            .await
            .job
            .drive(&a)
            .unwrap()
            .bytes_succeeded,
        1_649_267_441_664
    );
    let r = app
        .call(
            &staff,
            "/api/staff_report_progress",
            &format!(
                "id={id}&drive_id={a}&percent=52&bytes_succeeded=1%2C6+TiB&copy_status=InProgress"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("decimal separator"), "{}", r.body);
    assert!(r.body.contains("bytes_succeeded"), "{}", r.body);
    // The copy status is one of the lifecycle's list.
    let r = app
        .call(
            &staff,
            "/api/staff_report_progress",
            &format!("id={id}&drive_id={a}&percent=52&bytes_succeeded=2+TiB&copy_status=Nearly"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("InProgress, Paused, Verifying"),
        "{}",
        r.body
    );
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
    // Shipping back cannot be undone: without the box ticked nothing happens.
    let r = app
        .call(
            &staff,
            "/api/staff_ship_back",
            &format!("id={id}&carrier_name=FedEx&tracking_number=RET1&drive_count=3&ship_date=2026-12-01"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("\"confirm\"") && r.body.contains("cannot be undone"),
        "{}",
        r.body
    );
    assert_eq!(view(&app, &staff, id).await.job.state, JobState::Packaging);
    // The return package must hold the extra drive too.
    let r = app
        .call(
            &staff,
            "/api/staff_ship_back",
            &format!("id={id}&carrier_name=FedEx&tracking_number=RET1&drive_count=2&ship_date=2026-12-01&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("drive_count"), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_ship_back",
        &format!(
            "id={id}&carrier_name=FedEx&tracking_number=RET1&drive_count=3&ship_date=2026-12-01&confirm=yes"
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
            "id={id}&carrier_name=UPS&tracking_number=RET2&drive_count=2&ship_date=2026-12-01&confirm=yes"
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
    let page = app.follow(&staff, &r).await;
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
    let page = app.follow(&staff, &r).await;
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
    let state = app.state.with(|s| s.clock = Clock::system());
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

/// A restarted `--dev-clock` server goes on from where its clock was moved to (the events, sessions and timers
/// recorded at the moved time stay in its past); a normal server keeps the wall clock.
#[tokio::test]
async fn a_restarted_dev_clock_resumes_where_it_was_moved_to() {
    let app = test_app().await;
    let staff = app.staff().await;
    let store = &app.state.store;
    assert_eq!(
        store.dev_clock_offset().await.unwrap(),
        chrono::TimeDelta::zero()
    );
    for form in ["days=2&hours=5", "days=0&hours=3"] {
        let r = app.call(&staff, "/api/staff_advance_clock", form).await;
        assert_eq!(r.status, StatusCode::OK, "{form}: {}", r.body);
    }
    let moved = chrono::TimeDelta::days(2) + chrono::TimeDelta::hours(8);
    assert_eq!(store.dev_clock_offset().await.unwrap(), moved);
    // A refused move records nothing.
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=x&hours=0")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(store.dev_clock_offset().await.unwrap(), moved);

    let resumed = Clock::for_server(true, store).await.unwrap();
    let ahead = resumed.now() - chrono::Utc::now();
    assert!(
        ahead > moved - chrono::TimeDelta::minutes(1) && ahead <= moved,
        "{ahead}"
    );
    assert!(resumed.is_adjustable());
    let normal = Clock::for_server(false, store).await.unwrap();
    assert!((normal.now() - chrono::Utc::now()).num_seconds().abs() < 60);
    assert!(!normal.is_adjustable());
    // The staff session survived both moves.
    let clock = app.call(&staff, "/api/staff_clock", "").await;
    assert_eq!(clock.status, StatusCode::OK, "{}", clock.body);
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
    // The sweep's pages of due rows, in index order.
    for (table, index) in [("jobs", "jobs_due"), ("intakes", "intakes_due")] {
        let plan = store
            .query_plan(&format!("SELECT id, next_timer_at FROM {table} WHERE next_timer_at IS NOT NULL AND next_timer_at <= 5 \
                 AND next_timer_at >= 1 AND (next_timer_at > 1 OR id > 2) ORDER BY next_timer_at, id LIMIT 10"), &[])
            .await
            .unwrap();
        assert!(
            plan.contains(index)
                && plan.contains("next_timer_at>?")
                && !plan.contains("TEMP B-TREE"),
            "{plan}"
        );
    }
    // The customer's notices of jobs deleted automatically.
    let plan = store
        .query_plan("SELECT id FROM jobs WHERE subscription_id IN ($1) AND removal_notice_until IS NOT NULL \
             AND removal_notice_until > 5 ORDER BY removal_notice_until DESC LIMIT 20", &["sub"])
        .await
        .unwrap();
    assert!(plan.contains("jobs_removal_notices"), "{plan}");
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
    // Rows written before the problem flag existed have it 0 (the column's default).
    sqlx::query("UPDATE jobs SET attention_from = NULL, attention_rev = 0, has_problem = 0")
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
    let flagged: Vec<String> = sqlx::query_scalar("SELECT name FROM jobs WHERE has_problem = 1")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(flagged.contains(&"demo-faulted".to_string()), "{flagged:?}");
    assert!(
        !flagged.contains(&"demo-transferring".to_string()),
        "{flagged:?}"
    );
}

/// The plan of the staff list's query for `filter`, on its first page and on a later one.
async fn staff_plans(app: &TestApp, filter: StaffJobFilter) -> Vec<String> {
    let later = Cursor {
        created_at: i64::MAX,
        id: i64::MAX,
    };
    let mut plans = Vec::new();
    for cursor in [None, Some(later)] {
        plans.push(
            app.state
                .store
                .staff_jobs_plan(&filter, cursor)
                .await
                .unwrap(),
        );
    }
    plans
}

/// Whether a plan reads the whole jobs table (a full scan, not an index scan or a key lookup).
fn scans_every_job(plan: &str) -> bool {
    plan.lines().any(|l| {
        let l = l.trim();
        l == "SCAN jobs" || l == "SCAN j" || l.starts_with("SCAN jobs ") && !l.contains("INDEX")
    })
}

#[tokio::test]
async fn every_staff_list_filter_and_search_is_served_by_an_index() {
    let app = test_app().await;
    if app.state.store.backend() != super::store::Backend::Sqlite {
        return;
    }
    let search = |q: &str| StaffJobFilter {
        search: Some(q.into()),
        ..Default::default()
    };
    // Each thing a search may be is looked up through its own index, and the jobs by primary key.
    for q in ["1Z999AA10123456784", "WD-DEMO-A1"] {
        for plan in staff_plans(&app, search(q)).await {
            for index in [
                "jobs_by_tracking",
                "jobs_by_return_tracking",
                "drives_by_serial",
            ] {
                assert!(plan.contains(index), "{q}: {index}\n{plan}");
            }
            assert!(plan.contains("INTEGER PRIMARY KEY"), "{q}\n{plan}");
            assert!(!scans_every_job(&plan), "{q}\n{plan}");
        }
    }
    for plan in staff_plans(&app, search("demo-fa")).await {
        assert!(plan.contains("jobs_by_name"), "{plan}");
        assert!(plan.contains("name>? AND name<?"), "{plan}");
        assert!(!scans_every_job(&plan), "{plan}");
    }
    for plan in staff_plans(&app, search("customer@example.com")).await {
        assert!(plan.contains("accounts_email"), "{plan}");
        // The customer's jobs through an index led by the subscription (the planner may take either).
        assert!(
            plan.contains("jobs_by_subscription (subscription_id=?)")
                || plan.contains("jobs_by_group_ci (subscription_id=?)"),
            "{plan}"
        );
        assert!(!scans_every_job(&plan), "{plan}");
    }
    // A search with the other filters too.
    let mut both = search("WD-DEMO-A1");
    both.state = Some(JobState::Transferring);
    both.job_type = Some(JobType::Import);
    for plan in staff_plans(&app, both).await {
        assert!(plan.contains("drives_by_serial"), "{plan}");
        assert!(!scans_every_job(&plan), "{plan}");
    }
    // The state and type filters read their own index in list order, no sort.
    let cases = [
        (
            StaffJobFilter {
                state: Some(JobState::Faulted),
                ..Default::default()
            },
            "jobs_by_state",
        ),
        (
            StaffJobFilter {
                job_type: Some(JobType::Export),
                ..Default::default()
            },
            "jobs_by_type",
        ),
        (StaffJobFilter::default(), "jobs_by_created"),
    ];
    for (filter, index) in cases {
        for plan in staff_plans(&app, filter.clone()).await {
            assert!(
                plan.contains(index) && !plan.contains("TEMP B-TREE"),
                "{filter:?}: {index}\n{plan}"
            );
        }
    }
}

#[tokio::test]
async fn the_staff_list_finds_jobs_by_delivery_and_return_tracking_number() {
    let app = test_app().await;
    let staff = app.staff().await;
    let shipping = app.job_id("demo-shipping").await;
    let tracking = view(&app, &staff, shipping)
        .await
        .job
        .delivery_package
        .unwrap()
        .tracking_number;
    let found = list(&app, &staff, &format!("query[q]={tracking}")).await;
    assert!(
        found.rows.iter().any(|r| r.job.id == shipping),
        "{tracking}"
    );
    for row in &found.rows {
        assert_eq!(row.job.tracking_number.as_deref(), Some(tracking.as_str()));
    }
    let completed = app.job_id("demo-completed").await;
    let returned = view(&app, &staff, completed)
        .await
        .job
        .return_package
        .unwrap()
        .tracking_number;
    let found = list(&app, &staff, &format!("query[q]={returned}")).await;
    assert!(
        found.rows.iter().any(|r| r.job.id == completed),
        "{returned}"
    );
    for row in &found.rows {
        let job = view(&app, &staff, row.job.id).await.job;
        assert_eq!(
            job.return_package.map(|p| p.tracking_number).as_deref(),
            Some(returned.as_str()),
            "only jobs shipped back with that number"
        );
    }
    // Tracking numbers match exactly, not as a prefix.
    let partial = &tracking[..tracking.len() - 1];
    let none = list(&app, &staff, &format!("query[q]={partial}")).await;
    assert!(!none.rows.iter().any(|r| r.job.id == shipping));
}

#[tokio::test]
async fn the_staff_list_filters_by_type() {
    let app = test_app().await;
    let staff = app.staff().await;
    let all = list(&app, &staff, "").await;
    let exports = list(&app, &staff, "query[job_type]=Export").await;
    let imports = list(&app, &staff, "query[job_type]=Import").await;
    assert!(!exports.rows.is_empty());
    assert!(exports
        .rows
        .iter()
        .all(|r| r.job.job_type == JobType::Export));
    assert!(imports
        .rows
        .iter()
        .all(|r| r.job.job_type == JobType::Import));
    assert!(exports
        .rows
        .iter()
        .any(|r| r.job.name == "demo-export-shipping"));
    assert_eq!(exports.rows.len() + imports.rows.len(), all.rows.len());
    let r = app
        .call(&staff, "/api/staff_list_jobs", "query[job_type]=Floppy")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("job_type"), "{}", r.body);
    let page = app.get(&staff, "/staff?job_type=Export").await;
    assert!(page.body.contains("data-job=\"demo-export-shipping\""));
    assert!(!page.body.contains("data-job=\"demo-shipping\""));
}

#[tokio::test]
async fn the_staff_list_pages_through_every_job_once_in_order() {
    let app = test_app().await;
    let staff = app.staff().await;
    // More than two pages, with ties on created_at (the same instant) broken by id.
    let now = app.state.clock.now();
    for i in 0..40 {
        let new =
            super::scheduler_tests::new_job(&app.state.store, &format!("page-job-{i:02}")).await;
        app.state
            .store
            .put_job(
                "sub-paging",
                "rg",
                new,
                &Actor::system(),
                now,
                app.state.settings(),
            )
            .await
            .unwrap();
    }
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE deleted = 0")
        .fetch_one(app.state.store.pool())
        .await
        .unwrap();
    assert!(live > 50);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let form = match &cursor {
            Some(c) => format!("query[cursor]={c}"),
            None => String::new(),
        };
        let page = list(&app, &staff, &form).await;
        assert!(page.rows.len() <= 25);
        pages += 1;
        seen.extend(page.rows.iter().map(|r| (r.job.created_at, r.job.id)));
        match page.next_cursor {
            Some(next) => {
                assert_eq!(page.rows.len(), 25, "a full page before the last");
                cursor = Some(next)
            }
            None => break,
        }
    }
    assert!(pages >= 3, "{pages}");
    assert_eq!(seen.len() as i64, live, "every job");
    let unique: HashSet<i64> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique.len(), seen.len(), "no job twice");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, ties by id"
    );
    // The pager's link carries the filters and the cursor.
    let first = app.get(&staff, "/staff?job_type=Import").await;
    assert!(
        first.body.contains("/staff?job_type=Import&amp;cursor=")
            || first.body.contains("/staff?job_type=Import&cursor="),
        "next page link"
    );
}

#[tokio::test]
async fn the_timeline_shows_job_events_or_drive_events() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = app.job_id("demo-completed").await;
    let v = view(&app, &staff, id).await;
    let total = v.timeline.len();
    let drive_events = v.timeline.iter().filter(|e| e.drive_id.is_some()).count();
    assert!(drive_events > 0 && drive_events < total);
    let entries = |body: &str| body.matches("data-testid=\"timeline-entry\"").count();
    let job = app
        .get(&staff, &format!("/staff/jobs/{id}?events=job"))
        .await;
    assert_eq!(job.status, StatusCode::OK);
    assert_eq!(entries(&job.body), total - drive_events);
    assert!(job
        .body
        .contains(&format!("{} of {total} event(s)", total - drive_events)));
    assert!(job.body.contains("data-kind=\"shippedBack\""));
    assert!(!job.body.contains("data-kind=\"copyStarted\""));
    assert!(!job.body.contains("data-kind=\"driveFinished\""));
    let drive = app
        .get(&staff, &format!("/staff/jobs/{id}?events=drive"))
        .await;
    assert_eq!(entries(&drive.body), drive_events);
    assert!(drive.body.contains("data-kind=\"copyStarted\""));
    assert!(!drive.body.contains("data-kind=\"shippedBack\""));
    let all = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert_eq!(entries(&all.body), total);
    // The chosen filter is marked as the current one.
    assert!(job.body.contains(&format!(
        "href=\"/staff/jobs/{id}?events=job\" aria-current=\"page\""
    )));
}

#[tokio::test]
async fn the_staff_job_page_draws_the_path_taken() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = app.job_id("demo-completed").await;
    let page = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    let path_start = page
        .body
        .find("data-testid=\"job-path\"")
        .expect("text path");
    let path = &page.body[path_start..];
    let path = &path[..path.find("</ol>").unwrap()];
    let mut at = 0;
    for state in [
        "Creating",
        "Shipping",
        "Received",
        "Transferring",
        "Packaging",
        "Completed",
    ] {
        let found = path[at..]
            .find(&format!("<li>{state} at "))
            .unwrap_or_else(|| panic!("{state} in order in {path}"));
        at += found;
    }
    // The diagram marks the edges taken, and Completed as the current state.
    assert!(page.body.matches("taken\"").count() >= 5, "taken edges");
    assert!(page
        .body
        .contains("data-testid=\"node-Completed\" data-visit=\"current\""));
    assert!(page
        .body
        .contains("data-testid=\"node-Shipping\" data-visit=\"visited\""));
}

#[tokio::test]
async fn a_faulted_job_is_resolved_to_a_state_other_than_the_one_it_left() {
    let app = test_app().await;
    let staff = app.staff().await;
    let id = dev_job(&app, "shipping").await;
    // Nothing listed arrived, only a stray drive: the job may go straight on to Packaging once resolved.
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&extra=STRAY-9"),
    )
    .await;
    ok(
        &app,
        &staff,
        "/api/staff_fault_job",
        &format!("id={id}&reason=Customer+unreachable"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(
        lifecycle::decide::job_resolution_targets(&v.job),
        vec![JobState::Received, JobState::Packaging]
    );
    // The form offers both, the default first.
    let page = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert!(
        page.body.contains("<option value=\"Packaging\""),
        "target offered"
    );
    ok(
        &app,
        &staff,
        "/api/staff_resolve_job",
        &format!("id={id}&to=Packaging&resolution=Customer+asked+for+the+drives+back"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Packaging);
    let last = v.timeline.last().unwrap();
    assert_eq!(last.kind, "jobResolved");
    assert_eq!(last.state_before, Some(JobState::Faulted));
    assert_eq!(last.state_after, JobState::Packaging);
    assert!(last
        .details
        .contains(&("Resolved to".to_string(), "Packaging".to_string())));
    assert_eq!(last.actor, "Sam Staff");
}

#[tokio::test]
async fn a_job_the_customer_cancels_in_received_skips_the_copy_and_ships_back() {
    let app = test_app().await;
    let staff = app.staff().await;
    let me = app.customer().await;
    let id = dev_job(&app, "shipping").await;
    let drives: Vec<String> = view(&app, &staff, id)
        .await
        .job
        .drives
        .iter()
        .map(|d| d.drive_id.clone())
        .collect();
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&found[]={}&found[]={}", drives[0], drives[1]),
    )
    .await;
    assert_eq!(view(&app, &staff, id).await.job.state, JobState::Received);
    // The customer cancels now (inside the default window).
    let r = app
        .call(&me, "/api/cancel_job", &format!("id={id}&confirm=yes"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = view(&app, &staff, id).await;
    assert!(v.job.cancel_requested);
    assert_eq!(v.job.state, JobState::Received);
    // Start copy is refused with the lifecycle's reason, and listed disabled with it.
    let reason = lifecycle::actions::drive_operations(&v.job, &v.job.drives[0])
        .into_iter()
        .find(|a| a.action == lifecycle::actions::DriveOperation::StartCopy)
        .unwrap()
        .reason
        .expect("a reason");
    let r = app
        .call(
            &staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id={}", drives[0]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains(&reason), "{} / {reason}", r.body);
    let page = app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert!(
        page.body.contains(&reason),
        "the disabled operation says why"
    );
    ok(&app, &staff, "/api/staff_package_job", &format!("id={id}")).await;
    ok(
        &app,
        &staff,
        "/api/staff_ship_back",
        &format!(
            "id={id}&carrier_name=UPS&tracking_number=RET3&drive_count=2&ship_date=2026-12-01&confirm=yes"
        ),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Completed);
    assert!(!v.timeline.iter().any(|e| e.kind == "copyStarted"));
    // Each drive went Received → ShippedBack, nothing in between.
    let history: Vec<lifecycle::Event> = app
        .state
        .store
        .events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    let (_, drive_steps) = lifecycle::history::paths(&history);
    for d in &drives {
        let moves: Vec<(Option<DriveState>, DriveState)> = drive_steps
            .iter()
            .filter(|s| &s.drive_id == d && s.from.is_some())
            .map(|s| (s.from, s.to))
            .collect();
        assert_eq!(
            moves,
            vec![
                (Some(DriveState::Specified), DriveState::Received),
                (Some(DriveState::Received), DriveState::ShippedBack)
            ],
            "{d}"
        );
    }
}

#[tokio::test]
async fn an_unmatched_intake_and_its_job_event_are_written_together_or_not_at_all() {
    let app = test_app().await;
    let store = &app.state.store;
    let new = NewIntake {
        job_name: Some("demo-shipping".into()),
        carrier_name: "FedEx".into(),
        tracking_number: "ATOMIC1".into(),
        drive_ids: vec!["ATOM-1".into()],
        notes: String::new(),
    };
    let intakes = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM intakes")
            .fetch_one(app.state.store.pool())
            .await
            .unwrap()
    };
    let before = intakes().await;
    // The lifecycle refuses the job's part (a Shipping job takes a package intake): no intake either.
    let shipping = app.job_id("demo-shipping").await;
    let version = store.job(shipping).await.unwrap().unwrap().job.version;
    let r = store
        .record_intake(
            Some(shipping),
            &new,
            &Actor::system(),
            app.state.clock.now(),
            app.state.settings(),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Rejected(_))), "{r:?}");
    assert_eq!(intakes().await, before, "no intake without its job event");
    assert!(store.intakes_of_job(shipping).await.unwrap().is_empty());
    assert_eq!(
        store.job(shipping).await.unwrap().unwrap().job.version,
        version
    );
    // A job that does not exist: nothing either.
    let r = store
        .record_intake(
            Some(987_654),
            &new,
            &Actor::system(),
            app.state.clock.now(),
            app.state.settings(),
        )
        .await;
    assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    assert_eq!(intakes().await, before);
    // Accepted: both, the event naming the intake.
    let creating = app.job_id("demo-creating").await;
    let (intake, noted) = store
        .record_intake(
            Some(creating),
            &new,
            &Actor::system(),
            app.state.clock.now(),
            app.state.settings(),
        )
        .await
        .unwrap();
    let (job, events) = noted.expect("noted on the job");
    assert_eq!(job.id, creating);
    assert_eq!(
        events[0].kind,
        EventKind::UnmatchedIntakeNoted {
            intake_id: format!("intake-{}", intake.id),
            drive_ids: vec!["ATOM-1".into()],
        }
    );
    assert_eq!(intakes().await, before + 1);
    assert_eq!(
        store.intakes_of_job(creating).await.unwrap()[0].id,
        intake.id
    );
    assert!(store.verify_snapshots().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_faulted_job_takes_an_unmatched_intake_and_the_page_asks_the_lifecycle() {
    let app = test_app().await;
    let staff = app.staff().await;
    let faulted = app.job_id("demo-faulted").await;
    let page = app.get(&staff, &format!("/staff/jobs/{faulted}")).await;
    assert!(
        page.body.contains("data-testid=\"op-record-intake\""),
        "form offered"
    );
    let r = app
        .call(
            &staff,
            "/api/staff_record_intake",
            &format!(
                "job_id={faulted}&carrier_name=FedEx&tracking_number=FAULTY1&drive_ids=LATE-1"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = view(&app, &staff, faulted).await;
    assert_eq!(v.job.state, JobState::Faulted);
    assert_eq!(v.timeline.last().unwrap().kind, "unmatchedIntakeNoted");
    assert_eq!(v.timeline.last().unwrap().actor, "Sam Staff");
    // A Shipping job's page says why not, in the lifecycle's words.
    let shipping = app.job_id("demo-shipping").await;
    let page = app.get(&staff, &format!("/staff/jobs/{shipping}")).await;
    assert!(!page.body.contains("data-testid=\"op-record-intake\""));
    let job = app.state.store.job(shipping).await.unwrap().unwrap().job;
    let reason = lifecycle::actions::record_unmatched_intake(&job)
        .reason
        .unwrap();
    assert!(page.body.contains("data-testid=\"record-intake-reason\""));
    assert!(page.body.contains(&reason), "{reason}");
}

#[tokio::test]
async fn intake_changes_are_announced_to_staff_pages() {
    let app = test_app().await;
    let staff = app.staff().await;
    let mut announced = app.state.live.subscribe();
    let creating = app.job_id("demo-creating").await;
    let r = app
        .call(
            &staff,
            "/api/staff_record_intake",
            &format!("job_id={creating}&carrier_name=FedEx&tracking_number=LIVE1&drive_ids=LIVE-1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let intake_id: i64 = serde_json::from_str(&r.body).unwrap();
    let mut got = Vec::new();
    while let Ok(Some(change)) = announced.try_recv() {
        got.push(change);
    }
    assert!(
        got.iter().any(|c| matches!(c, Change::Intake(i) if i.intake_id == intake_id && i.job_id == Some(creating))),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|c| matches!(c, Change::Job(j) if j.job_id == creating)),
        "the job's page too: {got:?}"
    );
    // The sweep's deadline event (through the development clock) and a resolution are announced too.
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=15&hours=0")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut deadline = false;
    while let Ok(Some(change)) = announced.try_recv() {
        deadline |=
            matches!(change, Change::Intake(i) if i.intake_id == intake_id && i.version == 2);
    }
    assert!(deadline, "the return deadline was announced");
    let r = app
        .call(
            &staff,
            "/api/staff_resolve_intake",
            &format!("intake_id={intake_id}&outcome=Returned"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(matches!(
        announced.try_recv(),
        Ok(Some(Change::Intake(i))) if i.intake_id == intake_id && i.version == 3
    ));
}

#[tokio::test]
async fn the_customer_is_told_about_a_job_the_creating_expiry_deleted() {
    let app = test_app().await;
    let staff = app.staff().await;
    let me = app.customer().await;
    let id = dev_job(&app, "ready").await;
    let name = app.state.store.job(id).await.unwrap().unwrap().job.name;
    let before = app.get(&me, "/jobs").await;
    assert!(!before.body.contains("data-testid=\"removal-notice\""));
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=14&hours=1")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.get(&me, &format!("/jobs/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.get(&me, "/jobs").await;
    assert!(
        page.body.contains(&format!(
            "data-notice=\"creating-expired\" data-job=\"{name}\""
        )),
        "the notice is on the list"
    );
    assert!(page
        .body
        .contains(&format!("Job {name} was deleted automatically")));
    let r = app.call(&me, "/api/removal_notices", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let notices: Vec<crate::model::RemovalNotice> = serde_json::from_str(&r.body).unwrap();
    let notice = notices.iter().find(|n| n.job_id == id).expect("listed");
    let deleted = app
        .state
        .store
        .job_including_deleted(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Some(notice.at),
        deleted.job.deleted.map(|_| deleted.job.updated_at)
    );
    // Only the job's own customer; staff read the timeline instead.
    let other = app.other_customer().await;
    let theirs: Vec<crate::model::RemovalNotice> =
        serde_json::from_str(&app.call(&other, "/api/removal_notices", "").await.body).unwrap();
    assert!(theirs.is_empty());
    // Thirty days later it is no longer news.
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=30&hours=0")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let later: Vec<crate::model::RemovalNotice> =
        serde_json::from_str(&app.call(&me, "/api/removal_notices", "").await.body).unwrap();
    assert!(!later.iter().any(|n| n.job_id == id));
}

// ---------------------------------------------------------------------------------------------------------
// The documentation's error tables, through the router
// ---------------------------------------------------------------------------------------------------------

/// A dev job taken to `Packaging` with both drives copied, or (with `missing`) with its second drive never
/// received. Returns the job and its two drive ids.
async fn packaging_job(app: &TestApp, staff: &Browser, missing: bool) -> (i64, String, String) {
    let id = dev_job(app, "shipping").await;
    let v = view(app, staff, id).await;
    let a = v.job.drives[0].drive_id.clone();
    let b = v.job.drives[1].drive_id.clone();
    let found = if missing {
        format!("found[]={a}")
    } else {
        format!("found[]={a}&found[]={b}")
    };
    ok(
        app,
        staff,
        "/api/staff_package_intake",
        &format!("id={id}&{found}"),
    )
    .await;
    let copied: Vec<&String> = if missing { vec![&a] } else { vec![&a, &b] };
    for d in copied {
        ok(
            app,
            staff,
            "/api/staff_start_copy",
            &format!("id={id}&drive_id={d}"),
        )
        .await;
        ok(
            app,
            staff,
            "/api/staff_finish_drive",
            &format!("id={id}&drive_id={d}&outcome=Completed"),
        )
        .await;
    }
    assert_eq!(view(app, staff, id).await.job.state, JobState::Packaging);
    (id, a, b)
}

async fn customer_page(app: &TestApp, me: &Browser, id: i64) -> crate::job_page::JobPageView {
    let r = app.call(me, "/api/get_job", &format!("id={id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("job page")
}

#[tokio::test]
async fn a_wrong_return_address_holds_ship_back_until_the_customer_corrects_it() {
    let app = test_app().await;
    let staff = app.staff().await;
    let me = app.customer().await;
    let (id, ..) = packaging_job(&app, &staff, false).await;

    let r = app
        .call(
            &staff,
            "/api/staff_report_return_address",
            &format!("id={id}&reason=+&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"reason\""), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_report_return_address",
        &format!("id={id}&reason=No+such+street+in+Redmond&confirm=yes"),
    )
    .await;
    // Ship-back is refused, with the reason.
    let ship = format!(
        "id={id}&carrier_name=FedEx&tracking_number=RET9&drive_count=2&ship_date=2026-12-01&confirm=yes"
    );
    let r = app.call(&staff, "/api/staff_ship_back", &ship).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("No such street"), "{}", r.body);
    // The queue lists it with its destruction deadline.
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    let entry = q
        .entries
        .iter()
        .find(|e| e.job_id == Some(id) && e.item.kind.as_str() == "return-address-reported")
        .expect("in the queue");
    assert!(entry.item.deadline.is_some());
    // The customer is asked, and only the return address form unlocks.
    let page = customer_page(&app, &me, id).await;
    assert!(page
        .notices
        .iter()
        .any(|n| n.key == "return-address-reported" && n.message.contains("No such street")));
    assert!(page.shipping.address_lock.allowed);
    assert!(!page.shipping.delivery_lock.allowed);
    assert!(!page.shipping.return_shipping_lock.allowed);
    let address = "address[recipient_name]=Ada+Lovelace&address[street_address1]=1+Analytical+Way&address[street_address2]=&address[city]=Redmond&address[state_or_province]=WA&address[postal_code]=98052&address[country_or_region]=USA&address[phone]=%2B1+425+555+0100&address[email]=ada%40example.com";
    let r = app
        .call(
            &me,
            "/api/update_return_address",
            &format!("id={id}&{address}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = customer_page(&app, &me, id).await;
    assert!(!page.shipping.address_lock.allowed);
    assert!(!page
        .notices
        .iter()
        .any(|n| n.key == "return-address-reported"));
    ok(&app, &staff, "/api/staff_ship_back", &ship).await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Completed);
    let kinds: Vec<&str> = v.timeline.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.ends_with(&["returnAddressReported", "propertiesUpdated", "shippedBack"]));
}

#[tokio::test]
async fn staff_cancel_an_overdue_job_whatever_the_window_and_say_why() {
    let app = test_app().await;
    let staff = app.staff().await;
    let me = app.customer().await;
    let id = dev_job(&app, "shipping").await;
    let r = app
        .call(
            &staff,
            "/api/staff_cancel_job",
            &format!("id={id}&reason=&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"reason\""), "{}", r.body);
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=14&hours=1")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_cancel_job",
        &format!("id={id}&reason=Customer+phoned%3A+package+lost+in+transit&confirm=yes"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert!(v.job.cancel_requested);
    let last = v.timeline.last().unwrap();
    assert_eq!(last.kind, "cancellationRequested");
    assert_eq!(last.actor, "Sam Staff");
    assert!(
        last.what.contains("package lost in transit"),
        "{}",
        last.what
    );
    // Already cancelled: neither staff nor the customer can cancel again.
    let r = app
        .call(
            &staff,
            "/api/staff_cancel_job",
            &format!("id={id}&reason=again&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .call(&me, "/api/cancel_job", &format!("id={id}&confirm=yes"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // At the abandonment deadline the cancelled job ends Completed, not Closed.
    let r = app
        .call(&staff, "/api/staff_advance_clock", "days=31&hours=0")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(view(&app, &staff, id).await.job.state, JobState::Completed);
    // Customers cannot call the operation; a Packaging job cannot be cancelled, with the reason.
    let r = app
        .call(
            &me,
            "/api/staff_cancel_job",
            &format!("id={id}&reason=x&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (packaging, ..) = packaging_job(&app, &staff, false).await;
    let r = app
        .call(
            &staff,
            "/api/staff_cancel_job",
            &format!("id={packaging}&reason=Too+late&confirm=yes"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("Packaging"), "{}", r.body);
}

#[tokio::test]
async fn a_later_shipment_brings_the_missing_drive_back_to_transferring() {
    let app = test_app().await;
    let staff = app.staff().await;
    let (id, a, b) = packaging_job(&app, &staff, true).await;
    // A drive already here cannot come again; an unknown one is an extra.
    let r = app
        .call(
            &staff,
            "/api/staff_package_intake",
            &format!("id={id}&found[]={a}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("never received"), "{}", r.body);
    ok(
        &app,
        &staff,
        "/api/staff_package_intake",
        &format!("id={id}&found[]={b}&extra=OTHER-JOB-1"),
    )
    .await;
    let v = view(&app, &staff, id).await;
    assert_eq!(v.job.state, JobState::Transferring);
    assert_eq!(v.job.drive(&b).unwrap().state, DriveState::Received);
    assert_eq!(v.job.extra_drives[0].serial, "OTHER-JOB-1");
    assert_eq!(v.timeline.last().unwrap().kind, "laterPackageReceived");
    for path in ["/api/staff_start_copy", "/api/staff_finish_drive"] {
        ok(
            &app,
            &staff,
            path,
            &format!("id={id}&drive_id={b}&outcome=Completed"),
        )
        .await;
    }
    // Two listed drives and the extra go back: the count says so.
    let ship = |n: u32| {
        format!(
            "id={id}&carrier_name=FedEx&tracking_number=RET7&drive_count={n}&ship_date=2026-12-01&confirm=yes"
        )
    };
    let r = app.call(&staff, "/api/staff_ship_back", &ship(2)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("must hold 3"), "{}", r.body);
    ok(&app, &staff, "/api/staff_ship_back", &ship(3)).await;
    assert_eq!(view(&app, &staff, id).await.job.state, JobState::Completed);
}

#[tokio::test]
async fn the_customer_reports_a_problem_with_returned_drives_and_staff_resolve_it() {
    let app = test_app().await;
    let staff = app.staff().await;
    let me = app.customer().await;
    let (id, ..) = packaging_job(&app, &staff, false).await;
    let r = app
        .call(
            &me,
            "/api/report_return_problem",
            &format!("id={id}&description=Lost"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "not shipped back yet: {}",
        r.body
    );
    ok(
        &app,
        &staff,
        "/api/staff_ship_back",
        &format!(
            "id={id}&carrier_name=FedEx&tracking_number=RET5&drive_count=2&ship_date=2026-12-01&confirm=yes"
        ),
    )
    .await;
    let page = customer_page(&app, &me, id).await;
    assert!(page.actions.report_problem.allowed);
    let r = app
        .call(
            &me,
            "/api/report_return_problem",
            &format!("id={id}&description=+"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("description"), "{}", r.body);
    let r = app
        .call(
            &me,
            "/api/report_return_problem",
            &format!("id={id}&description=One+drive+arrived+cracked"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = customer_page(&app, &me, id).await;
    assert_eq!(
        page.actions.return_problem.as_deref(),
        Some("One drive arrived cracked")
    );
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    assert!(q
        .entries
        .iter()
        .any(|e| e.job_id == Some(id) && e.item.kind.as_str() == "return-problem"));
    ok(
        &app,
        &staff,
        "/api/staff_resolve_return_problem",
        &format!("id={id}&note=Carrier+claim+filed"),
    )
    .await;
    let page = customer_page(&app, &me, id).await;
    assert!(page.actions.return_problem.is_none());
    let q: AttentionQueue =
        serde_json::from_str(&app.call(&staff, "/api/staff_attention", "").await.body).unwrap();
    assert!(!q.entries.iter().any(|e| e.job_id == Some(id)));
}
