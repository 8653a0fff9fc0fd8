//! The authorization matrix: every route the router serves — Leptos pages, server functions, and the plain
//! routes of `routes::plain_routes` (health, live events, the REST API, the console's exports) — requested
//! by every kind of caller, with the exact status each must get. The routes come from the router's own
//! lists, so a route without a row fails the test.

use super::auth::policy;
use super::demo;
use super::router_tests::{policy_paths, test_app, Browser, TestApp};
use super::routes::plain_routes;
use axum::body::Body;
use axum::http::header;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Who {
    Anonymous,
    /// The demo customer (owns the demo jobs), signed in with a browser.
    CustomerA,
    /// Another customer, signed in with a browser.
    CustomerB,
    /// The demo staff member, signed in with a browser.
    Staff,
    /// Customer A's API token.
    CustomerToken,
    /// The staff member's API token.
    StaffToken,
}

pub(crate) const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::CustomerA,
    Who::CustomerB,
    Who::Staff,
    Who::CustomerToken,
    Who::StaffToken,
];

/// Expected statuses, in the order of `EVERYONE`.
pub(crate) type Row = [u16; 6];

/// A row where each token gets what its owner's browser gets: `[anonymous, A, B, staff]` extended.
pub(crate) fn tokens_as_owners([anonymous, a, b, staff]: [u16; 4]) -> Row {
    [anonymous, a, b, staff, a, staff]
}

pub(crate) async fn callers(app: &TestApp) -> BTreeMap<Who, Browser> {
    BTreeMap::from([
        (Who::Anonymous, Browser::anonymous()),
        (Who::CustomerA, app.customer().await),
        (Who::CustomerB, app.other_customer().await),
        (Who::Staff, app.staff().await),
        (
            Who::CustomerToken,
            app.token_of(demo::CUSTOMER_EMAIL, "matrix").await,
        ),
        (
            Who::StaffToken,
            app.token_of(demo::STAFF_EMAIL, "matrix").await,
        ),
    ])
}

/// Every page, with the path to request and the statuses expected.
fn page_expectations(job: i64) -> BTreeMap<&'static str, (String, Row)> {
    let signed_in = tokens_as_owners([303, 200, 200, 200]);
    let public = [200; 6];
    let mut rows = BTreeMap::from([
        ("/", ("/".to_string(), signed_in)),
        ("/jobs", ("/jobs".to_string(), signed_in)),
        (
            "/jobs/:id",
            (
                format!("/jobs/{job}"),
                tokens_as_owners([303, 200, 404, 200]),
            ),
        ),
        (
            "/jobs/:id/ship",
            (
                format!("/jobs/{job}/ship"),
                tokens_as_owners([303, 200, 404, 200]),
            ),
        ),
        ("/jobs/new", ("/jobs/new".to_string(), signed_in)),
        ("/api-docs", ("/api-docs".to_string(), public)),
        ("/account", ("/account".to_string(), signed_in)),
        ("/sign-in", ("/sign-in".to_string(), public)),
        ("/sign-up", ("/sign-up".to_string(), public)),
        ("/forgot-password", ("/forgot-password".to_string(), public)),
        ("/reset-password", ("/reset-password".to_string(), public)),
        ("/verify-email", ("/verify-email".to_string(), public)),
    ]);
    rows.extend(super::console_tests::page_rows(job));
    rows
}

/// Every server function, with a form body and the statuses expected for a JSON call.
fn function_expectations(job: i64, creating_job: i64) -> BTreeMap<&'static str, (String, Row)> {
    let mut rows = BTreeMap::from([
        ("/api/current_user", (String::new(), [200; 6])),
        // (Without a password: a wrong one six times would meet the sign-in limit, tested in limits_tests.)
        (
            "/api/sign_in",
            ("email=nobody%40example.com&password=".into(), [400; 6]),
        ),
        (
            "/api/sign_up",
            (
                "display_name=&email=x&password=a&password_confirm=a".into(),
                [400; 6],
            ),
        ),
        (
            "/api/list_jobs",
            ("query[q]=".into(), tokens_as_owners([401, 200, 200, 200])),
        ),
        (
            "/api/removal_notices",
            (String::new(), tokens_as_owners([401, 200, 200, 200])),
        ),
        (
            "/api/get_job",
            (format!("id={job}"), tokens_as_owners([401, 200, 404, 200])),
        ),
        // A customer action: the owner gets the lifecycle's answer (409: no delivery package), another customer
        // "not found", staff "forbidden" (staff act through operator commands).
        (
            "/api/mark_shipped",
            (
                format!("id={creating_job}"),
                tokens_as_owners([401, 409, 404, 403]),
            ),
        ),
        // The guided Mark as shipped form: the lifecycle's refusal (400: nothing filled in) for the owner.
        (
            "/api/ship_package",
            (
                format!("id={creating_job}"),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            "/api/account_overview",
            (String::new(), tokens_as_owners([401, 200, 200, 200])),
        ),
        (
            "/api/new_job_options",
            (String::new(), tokens_as_owners([401, 200, 200, 200])),
        ),
        ("/api/api_docs_context", (String::new(), [200; 6])),
        // Customers get the form's validation; staff do not create customers' jobs.
        (
            "/api/create_job",
            ("job[name]=".into(), tokens_as_owners([401, 400, 400, 403])),
        ),
        // Without the confirmation box nothing happens; another customer cannot even see the job.
        (
            "/api/cancel_job",
            (
                format!("id={creating_job}"),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            "/api/delete_job",
            (
                format!("id={creating_job}"),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        // Nothing was shipped back yet: the owner gets the lifecycle's answer.
        (
            "/api/report_return_problem",
            (
                format!("id={creating_job}&description=Lost"),
                tokens_as_owners([401, 409, 404, 403]),
            ),
        ),
        (
            "/api/update_delivery_package",
            (
                format!("id={creating_job}&pkg[tracking_number]="),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            "/api/update_return_address",
            (
                format!("id={creating_job}&address[city]="),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            "/api/update_return_shipping",
            (
                format!("id={creating_job}&shipping[carrier_name]="),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            "/api/bitlocker_keys",
            (format!("id={job}"), tokens_as_owners([401, 200, 404, 200])),
        ),
        // Managing the account needs a browser session: a token can neither change the password nor make or
        // revoke tokens.
        (
            "/api/change_password",
            (
                "current=wrong-password&new=new-password-1&confirm=new-password-1".into(),
                [401, 400, 400, 400, 403, 403],
            ),
        ),
        (
            "/api/create_token",
            ("name=".into(), [401, 400, 400, 400, 403, 403]),
        ),
        (
            "/api/revoke_token",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
        ("/api/sign_out", (String::new(), [200; 6])),
        // Account emails: anyone may ask; the answers never say whether an address has an account.
        ("/api/forgot_password", ("email=".into(), [400; 6])),
        (
            "/api/reset_password_with_link",
            ("token=x&password=a&password_confirm=b".into(), [400; 6]),
        ),
        ("/api/verify_email", ("token=nope".into(), [409; 6])),
        // Notifications and webhooks are the signed-in person's own, managed from a browser session.
        (
            "/api/notification_settings",
            (String::new(), [401, 200, 200, 200, 403, 403]),
        ),
        (
            "/api/resend_verification",
            (String::new(), [401, 200, 200, 200, 403, 403]),
        ),
        (
            "/api/set_notification_preferences",
            (String::new(), [401, 200, 200, 200, 403, 403]),
        ),
        (
            "/api/create_webhook",
            ("url=".into(), [401, 400, 400, 403, 403, 403]),
        ),
        (
            "/api/delete_webhook",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
        (
            "/api/enable_webhook",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
        (
            "/api/rotate_webhook_secret",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
        (
            "/api/send_test_webhook",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
        (
            "/api/webhook_deliveries",
            ("id=987654".into(), [401, 404, 404, 404, 403, 403]),
        ),
    ]);
    rows.extend(super::console_tests::function_rows(job));
    rows
}

/// One request of a plain route: its concrete path, a JSON body, and the statuses expected.
struct PlainRow {
    path: String,
    body: Option<&'static str>,
    expected: Row,
}

/// 200 for a file of the built site (`target/site`, made by `cargo leptos build`), else 404.
fn site_file(name: &str) -> u16 {
    let config =
        crate::server::config::Config::load(&crate::server::config::ServeArgs::default(), &|_| {
            None
        })
        .expect("config");
    if std::path::Path::new(config.leptos.site_root.as_ref())
        .join(name)
        .is_file()
    {
        200
    } else {
        404
    }
}

/// Every plain route, keyed by `(method, declared path)`.
fn plain_expectations(job: i64) -> BTreeMap<(&'static str, String), PlainRow> {
    let sub = demo::DEMO_SUBSCRIPTION;
    let jobs = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs";
    let base = format!(
        "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.ImportExport/jobs",
        demo::DEMO_RESOURCE_GROUP
    );
    let v = "api-version=2021-01-01";
    let put_body =
        r#"{"location":"westus","properties":{"jobType":"Import","storageAccountId":"bad"}}"#;
    let row = |path: String, body: Option<&'static str>, expected: Row| PlainRow {
        path,
        body,
        expected,
    };
    // API reads: the owner and staff, by browser or token; another customer learns nothing.
    let api_read = tokens_as_owners([401, 200, 404, 200]);
    let api_any = tokens_as_owners([401, 200, 200, 200]);
    BTreeMap::from([
        (
            ("GET", "/healthz".into()),
            row("/healthz".into(), None, [200; 6]),
        ),
        // The new-job form posted without JavaScript: everyone signed in gets the form back, re-rendered with
        // why the (empty) job was refused; staff are told that jobs are their customers' to create.
        (
            ("POST", "/jobs/new".into()),
            row(
                "/jobs/new".into(),
                None,
                tokens_as_owners([303, 200, 200, 200]),
            ),
        ),
        (
            ("GET", "/openapi.json".into()),
            row("/openapi.json".into(), None, [200; 6]),
        ),
        // Static files are public: the same answer for everyone (404 only where the site is not built).
        (
            ("GET", "/pkg/{*path}".into()),
            row(
                "/pkg/portal.css".into(),
                None,
                [site_file("pkg/portal.css"); 6],
            ),
        ),
        (
            ("GET", "/favicon.svg".into()),
            row("/favicon.svg".into(), None, [site_file("favicon.svg"); 6]),
        ),
        // The event stream: only signed-in people, only for jobs they may see.
        (
            ("GET", "/events".into()),
            row(
                format!("/events?job={job}"),
                None,
                tokens_as_owners([303, 200, 404, 200]),
            ),
        ),
        (
            ("GET", "/staff/jobs/{id}/timeline.csv".into()),
            row(
                format!("/staff/jobs/{job}/timeline.csv"),
                None,
                tokens_as_owners([303, 403, 403, 200]),
            ),
        ),
        (
            ("GET", "/staff/jobs/{id}/timeline.json".into()),
            row(
                format!("/staff/jobs/{job}/timeline.json"),
                None,
                tokens_as_owners([303, 403, 403, 200]),
            ),
        ),
        (
            (
                "GET",
                "/subscriptions/{subscriptionId}/providers/Microsoft.ImportExport/jobs".into(),
            ),
            row(
                format!("/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs?{v}"),
                None,
                api_read,
            ),
        ),
        (
            ("GET", jobs.into()),
            row(format!("{base}?{v}"), None, api_read),
        ),
        (
            ("GET", format!("{jobs}/{{jobName}}")),
            row(format!("{base}/demo-transferring?{v}"), None, api_read),
        ),
        // Validation answers the owner; another customer learns nothing; staff write nothing through the API.
        (
            ("PUT", format!("{jobs}/{{jobName}}")),
            row(
                format!("{base}/matrix-new-job?{v}"),
                Some(put_body),
                tokens_as_owners([401, 400, 404, 403]),
            ),
        ),
        (
            ("PATCH", format!("{jobs}/{{jobName}}")),
            row(
                format!("{base}/demo-transferring?{v}"),
                Some("{}"),
                tokens_as_owners([401, 200, 404, 403]),
            ),
        ),
        (
            ("DELETE", format!("{jobs}/{{jobName}}")),
            row(
                format!("{base}/demo-transferring?{v}"),
                None,
                tokens_as_owners([401, 409, 404, 403]),
            ),
        ),
        (
            ("POST", format!("{jobs}/{{jobName}}/listBitLockerKeys")),
            row(
                format!("{base}/demo-transferring/listBitLockerKeys?{v}"),
                None,
                api_read,
            ),
        ),
        (
            ("GET", "/providers/Microsoft.ImportExport/locations".into()),
            row(
                format!("/providers/Microsoft.ImportExport/locations?{v}"),
                None,
                api_any,
            ),
        ),
        (
            (
                "GET",
                "/providers/Microsoft.ImportExport/locations/{locationName}".into(),
            ),
            row(
                format!("/providers/Microsoft.ImportExport/locations/westus?{v}"),
                None,
                api_any,
            ),
        ),
        (
            ("GET", "/providers/Microsoft.ImportExport/operations".into()),
            row(
                format!("/providers/Microsoft.ImportExport/operations?{v}"),
                None,
                api_any,
            ),
        ),
    ])
}

#[test]
fn every_page_and_server_function_has_a_row_and_answers_as_expected() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = callers(&app).await;
        let job = app.job_id("demo-transferring").await;
        let creating = app.job_id("demo-creating").await;

        let pages = page_expectations(job);
        let functions = function_expectations(job, creating);
        let (page_routes, function_routes) = policy_paths();
        for path in &page_routes {
            assert!(
                pages.contains_key(path.as_str()),
                "page {path} has no row in the authorization matrix"
            );
        }
        for path in &function_routes {
            assert!(
                functions.contains_key(path.as_str()),
                "server function {path} has no row in the matrix"
            );
        }
        assert_eq!(pages.len(), page_routes.len(), "a page row names no route");
        assert_eq!(
            functions.len(),
            function_routes.len(),
            "a function row names no server function"
        );

        for (route, (path, expected)) in &pages {
            for (i, w) in EVERYONE.iter().enumerate() {
                let r = app.get(&who[w], path).await;
                assert_eq!(r.status.as_u16(), expected[i], "GET {route} as {w:?}");
            }
        }
        // Sign-out ends the session it is sent with, so it goes last.
        let mut ordered: Vec<_> = functions
            .iter()
            .filter(|(p, _)| **p != "/api/sign_out")
            .collect();
        ordered.extend(functions.iter().filter(|(p, _)| **p == "/api/sign_out"));
        for (route, (form, expected)) in ordered {
            for (i, w) in EVERYONE.iter().enumerate() {
                let r = app.call(&who[w], route, form).await;
                assert_eq!(
                    r.status.as_u16(),
                    expected[i],
                    "POST {route} as {w:?}: {}",
                    r.body
                );
            }
        }
    });
}

/// The declared path with every `{parameter}` filled in, for asking the policy about it.
fn sample(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_plain_route_has_a_row_and_answers_as_expected() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = callers(&app).await;
        let job = app.job_id("demo-transferring").await;
        let rows = plain_expectations(job);

        let declared: BTreeSet<(String, String)> = plain_routes()
            .iter()
            .map(|r| (r.method.to_string(), r.path.clone()))
            .collect();
        for route in plain_routes() {
            assert!(
                rows.contains_key(&(route.method.as_str(), route.path.clone())),
                "{} {} has no row in the authorization matrix",
                route.method,
                route.path
            );
            assert_eq!(
                policy::access(&sample(&route.path)),
                route.access,
                "{} {}: the declared access differs from the policy the guard enforces",
                route.method,
                route.path
            );
        }
        for (method, path) in rows.keys() {
            assert!(
                declared.contains(&(method.to_string(), path.clone())),
                "the row {method} {path} names no route"
            );
        }

        for ((method, route), row) in &rows {
            for (i, w) in EVERYONE.iter().enumerate() {
                let request = app
                    .request(&who[w], method, &row.path)
                    .header(header::ACCEPT, "text/html,application/json")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(row.body.unwrap_or("")))
                    .expect("request");
                let (status, body) = if *route == "/events" {
                    // An open stream's body never ends: the status is the answer.
                    let response = tower::ServiceExt::oneshot(app.router.clone(), request)
                        .await
                        .expect("response");
                    (response.status(), String::new())
                } else {
                    let r = app.send(request).await;
                    (r.status, r.body)
                };
                assert_eq!(
                    status.as_u16(),
                    row.expected[i],
                    "{method} {route} as {w:?}: {body}"
                );
            }
        }
    });
}

#[test]
fn customers_never_reach_staff_routes() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = callers(&app).await;
        for customer in [Who::CustomerA, Who::CustomerToken] {
            for path in ["/staff", "/staff/jobs/1", "/staff/anything?x=1"] {
                let r = app.get(&who[&customer], path).await;
                assert_eq!(r.status.as_u16(), 403, "{path} as {customer:?}");
                assert!(r.body.contains("Staff only"));
            }
            let r = app.call(&who[&customer], "/api/staff_anything", "").await;
            assert_eq!(r.status.as_u16(), 403, "as {customer:?}");
        }
        for path in ["/staff", "/staff/jobs/1", "/staff/anything?x=1"] {
            let r = app.get(&who[&Who::Anonymous], path).await;
            assert_eq!(r.status.as_u16(), 303, "{path}");
        }
    });
}
