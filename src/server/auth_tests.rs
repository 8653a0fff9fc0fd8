//! Security tests through the router: the authorization matrix over every route, sessions, CSRF, limits,
//! tokens and headers.

use super::demo;
use super::router_tests::{policy_paths, test_app, Browser, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// The demo customer, who owns the demo jobs.
    CustomerA,
    /// Another customer.
    CustomerB,
    Staff,
}

const EVERYONE: [Who; 4] = [Who::Anonymous, Who::CustomerA, Who::CustomerB, Who::Staff];

/// Expected statuses: anonymous, customer A, customer B, staff.
type Row = [u16; 4];

async fn browsers(app: &TestApp) -> BTreeMap<Who, Browser> {
    let b_email = "bea@example.com";
    super::accounts::create_account(
        &app.state.store,
        crate::model::Role::Customer,
        "Bea Other",
        b_email,
        "another-password-1",
        None,
        app.state.clock.now(),
    )
    .await
    .expect("customer B");
    BTreeMap::from([
        (Who::Anonymous, Browser::anonymous()),
        (Who::CustomerA, app.customer().await),
        (
            Who::CustomerB,
            app.sign_in(b_email, "another-password-1").await,
        ),
        (Who::Staff, app.staff().await),
    ])
}

/// Every page, with the path to request and the statuses expected.
fn page_expectations(job: i64) -> BTreeMap<&'static str, (String, Row)> {
    let mut rows = BTreeMap::from([
        ("/", ("/".to_string(), [303, 200, 200, 200])),
        ("/jobs", ("/jobs".to_string(), [303, 200, 200, 200])),
        ("/jobs/:id", (format!("/jobs/{job}"), [303, 200, 404, 200])),
        ("/jobs/new", ("/jobs/new".to_string(), [303, 200, 200, 200])),
        ("/api-docs", ("/api-docs".to_string(), [200, 200, 200, 200])),
        ("/account", ("/account".to_string(), [303, 200, 200, 200])),
        ("/sign-in", ("/sign-in".to_string(), [200, 200, 200, 200])),
        ("/sign-up", ("/sign-up".to_string(), [200, 200, 200, 200])),
    ]);
    rows.extend(super::console_tests::page_rows(job));
    rows
}

/// Every server function, with a form body and the statuses expected for a JSON call.
fn function_expectations(job: i64, creating_job: i64) -> BTreeMap<&'static str, (String, Row)> {
    let mut rows = BTreeMap::from([
        ("/api/current_user", (String::new(), [200, 200, 200, 200])),
        (
            "/api/sign_in",
            (
                "email=nobody%40example.com&password=wrong-password".into(),
                [400, 400, 400, 400],
            ),
        ),
        (
            "/api/sign_up",
            (
                "display_name=&email=x&password=a&password_confirm=a".into(),
                [400, 400, 400, 400],
            ),
        ),
        ("/api/list_jobs", ("query[q]=".into(), [401, 200, 200, 200])),
        (
            "/api/removal_notices",
            (String::new(), [401, 200, 200, 200]),
        ),
        ("/api/get_job", (format!("id={job}"), [401, 200, 404, 200])),
        // A customer action: the owner gets the lifecycle's answer (409: no delivery package), another customer
        // "not found", staff "forbidden" (staff act through operator commands).
        (
            "/api/mark_shipped",
            (format!("id={creating_job}"), [401, 409, 404, 403]),
        ),
        (
            "/api/account_overview",
            (String::new(), [401, 200, 200, 200]),
        ),
        (
            "/api/new_job_options",
            (String::new(), [401, 200, 200, 200]),
        ),
        (
            "/api/api_docs_context",
            (String::new(), [200, 200, 200, 200]),
        ),
        // Customers get the form's validation; staff do not create customers' jobs.
        (
            "/api/create_job",
            ("job[name]=".into(), [401, 400, 400, 403]),
        ),
        // Without the confirmation box nothing happens; another customer cannot even see the job.
        (
            "/api/cancel_job",
            (format!("id={creating_job}"), [401, 400, 404, 403]),
        ),
        (
            "/api/delete_job",
            (format!("id={creating_job}"), [401, 400, 404, 403]),
        ),
        (
            "/api/update_delivery_package",
            (
                format!("id={creating_job}&pkg[tracking_number]="),
                [401, 400, 404, 403],
            ),
        ),
        (
            "/api/update_return_address",
            (
                format!("id={creating_job}&address[city]="),
                [401, 400, 404, 403],
            ),
        ),
        (
            "/api/update_return_shipping",
            (
                format!("id={creating_job}&shipping[carrier_name]="),
                [401, 400, 404, 403],
            ),
        ),
        (
            "/api/bitlocker_keys",
            (format!("id={job}"), [401, 200, 404, 200]),
        ),
        (
            "/api/change_password",
            (
                "current=wrong-password&new=new-password-1&confirm=new-password-1".into(),
                [401, 400, 400, 400],
            ),
        ),
        ("/api/create_token", ("name=".into(), [401, 400, 400, 400])),
        (
            "/api/revoke_token",
            ("id=987654".into(), [401, 404, 404, 404]),
        ),
        ("/api/sign_out", (String::new(), [200, 200, 200, 200])),
    ]);
    rows.extend(super::console_tests::function_rows(job));
    rows
}

#[test]
fn authorization_matrix_covers_every_route() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = browsers(&app).await;
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

        for (route, (path, expected)) in &pages {
            for (i, w) in EVERYONE.iter().enumerate() {
                let r = app.get(&who[w], path).await;
                assert_eq!(r.status.as_u16(), expected[i], "GET {route} as {w:?}");
            }
        }
        // Sign-out ends the session it is sent with, so it goes last, each persona with a session of its own.
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

#[test]
fn customers_never_reach_staff_routes() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = browsers(&app).await;
        for path in ["/staff", "/staff/jobs/1", "/staff/anything?x=1"] {
            let r = app.get(&who[&Who::CustomerA], path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
            assert!(r.body.contains("Staff only"));
            let r = app.get(&who[&Who::Anonymous], path).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        }
        let r = app
            .call(&who[&Who::CustomerA], "/api/staff_anything", "")
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    });
}

#[test]
fn anonymous_pages_redirect_to_sign_in_and_come_back() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let r = app.get(&Browser::anonymous(), "/jobs/3?tab=drives").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            r.headers[header::LOCATION],
            "/sign-in?next=/jobs/3%3Ftab%3Ddrives"
        );
    });
}

#[test]
fn sign_in_rotates_the_session_and_sets_safe_cookie_flags() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let first = app.customer().await;
        // Signing in again from the same browser gives a new session id and ends the old one.
        let request = app
            .request(&first, "POST", "/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://localhost/sign-in")
            .body(Body::from(format!(
                "email={}&password={}",
                demo::CUSTOMER_EMAIL.replace('@', "%40"),
                demo::CUSTOMER_PASSWORD
            )))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.headers[header::LOCATION], "/jobs");
        let cookie = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("portal_session="))
            .unwrap();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "not over TLS in this configuration: {cookie}"
        );
        let second = Browser {
            cookie: Some(cookie.split(';').next().unwrap().to_string()),
        };
        assert_ne!(first.cookie, second.cookie);
        assert_eq!(
            app.get(&first, "/jobs").await.status,
            StatusCode::SEE_OTHER,
            "old session ended"
        );
        assert_eq!(app.get(&second, "/jobs").await.status, StatusCode::OK);
    });
}

#[test]
fn a_session_cookie_chosen_by_an_attacker_is_never_adopted() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let planted = Browser {
            cookie: Some("portal_session=attacker-chosen-value".into()),
        };
        assert_eq!(
            app.get(&planted, "/jobs").await.status,
            StatusCode::SEE_OTHER
        );
        // Sign in with the planted cookie: the new session has a fresh id, not the planted one.
        let request = app
            .request(&planted, "POST", "/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://localhost/sign-in")
            .body(Body::from(format!(
                "email={}&password={}",
                demo::CUSTOMER_EMAIL.replace('@', "%40"),
                demo::CUSTOMER_PASSWORD
            )))
            .unwrap();
        let r = app.send(request).await;
        let set: Vec<String> = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(set
            .iter()
            .any(|c| c.starts_with("portal_session=") && !c.contains("attacker-chosen-value")));
        assert_eq!(
            app.get(&planted, "/jobs").await.status,
            StatusCode::SEE_OTHER
        );
    });
}

#[test]
fn sessions_expire_after_the_idle_time() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        assert_eq!(app.get(&me, "/jobs").await.status, StatusCode::OK);
        let idle = app.state.config.session_idle.delta();
        app.state
            .clock
            .advance(idle + chrono::TimeDelta::minutes(1))
            .unwrap();
        assert_eq!(app.get(&me, "/jobs").await.status, StatusCode::SEE_OTHER);
    });
}

#[test]
fn changing_the_password_ends_every_other_session() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let laptop = app.customer().await;
        let phone = app.customer().await;
        let r = app
            .call(
                &laptop,
                "/api/change_password",
                &format!(
                    "current={}&new=brand-new-password&confirm=brand-new-password",
                    demo::CUSTOMER_PASSWORD
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let fresh = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("portal_session="))
            .map(|c| Browser {
                cookie: Some(c.split(';').next().unwrap().to_string()),
            })
            .expect("a fresh session for this browser");
        assert_eq!(app.get(&phone, "/jobs").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&laptop, "/jobs").await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(app.get(&fresh, "/jobs").await.status, StatusCode::OK);
        app.sign_in(demo::CUSTOMER_EMAIL, "brand-new-password")
            .await;
    });
}

#[test]
fn forged_cross_site_posts_are_refused() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-ready-to-ship-3").await;
        // A form on another site posting to us (the browser sends our cookie, but says where it comes from).
        let forged_form = Request::post("/api/mark_shipped")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, me.cookie.clone().unwrap())
            .header(header::ORIGIN, "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(format!("id={id}")))
            .unwrap();
        assert_eq!(app.send(forged_form).await.status, StatusCode::FORBIDDEN);
        // A cross-origin fetch (older browser without Fetch Metadata): Origin alone decides.
        let forged_fetch = Request::post("/api/mark_shipped")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, me.cookie.clone().unwrap())
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("id={id}")))
            .unwrap();
        assert_eq!(app.send(forged_fetch).await.status, StatusCode::FORBIDDEN);
        // Neither header, but a session cookie: refused too.
        let bare = Request::post("/api/mark_shipped")
            .header(header::HOST, "localhost")
            .header(header::COOKIE, me.cookie.clone().unwrap())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("id={id}")))
            .unwrap();
        assert_eq!(app.send(bare).await.status, StatusCode::FORBIDDEN);
        let job = app.state.store.job(id).await.unwrap().unwrap();
        assert_eq!(
            job.job.state,
            lifecycle::JobState::Creating,
            "nothing changed"
        );
        // The same request from our own page works.
        let r = app
            .call(&me, "/api/mark_shipped", &format!("id={id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}

#[test]
fn sign_in_is_rate_limited_per_account_with_a_clear_message() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let anon = Browser::anonymous();
        let form = format!(
            "email={}&password=wrong-password",
            demo::CUSTOMER_EMAIL.replace('@', "%40")
        );
        for _ in 0..5 {
            let r = app.call(&anon, "/api/sign_in", &form).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            assert!(
                r.body.contains("The email or password is wrong"),
                "{}",
                r.body
            );
        }
        let right = format!(
            "email={}&password={}",
            demo::CUSTOMER_EMAIL.replace('@', "%40"),
            demo::CUSTOMER_PASSWORD
        );
        let r = app.call(&anon, "/api/sign_in", &right).await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "locked even with the right password"
        );
        assert!(r.body.contains("Too many failed sign-ins"), "{}", r.body);
        let failures = app
            .state
            .store
            .audit_entries(Some("sign-in-failed"), 10)
            .await
            .unwrap();
        assert_eq!(failures.len(), 5);
    });
}

#[test]
fn api_tokens_authenticate_until_revoked_and_record_their_use() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app.call(&me, "/api/create_token", "name=ci").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token: String = serde_json::from_str(&r.body).unwrap();
        assert!(token.starts_with("iep_"));
        let with_token = |token: &str| {
            Request::post("/api/list_jobs")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("query[q]="))
                .unwrap()
        };
        assert_eq!(app.send(with_token(&token)).await.status, StatusCode::OK);
        let listed = app.call(&me, "/api/account_overview", "").await;
        assert!(listed.body.contains("\"name\":\"ci\""), "{}", listed.body);
        assert!(
            !listed.body.contains(&token),
            "the token is never shown again"
        );
        assert!(
            listed.body.contains("\"last_used_at\":\""),
            "last use recorded: {}",
            listed.body
        );
        let id = app
            .state
            .store
            .tokens_of(1)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "ci")
            .unwrap()
            .id;
        assert_eq!(
            app.call(&me, "/api/revoke_token", &format!("id={id}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.send(with_token(&token)).await.status,
            StatusCode::UNAUTHORIZED,
            "revocation is immediate"
        );
        assert_eq!(
            app.send(with_token("iep_made_up")).await.status,
            StatusCode::UNAUTHORIZED
        );
        let audit: Vec<String> = app
            .state
            .store
            .audit_entries(None, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(
            audit.contains(&"token-created".to_string())
                && audit.contains(&"token-revoked".to_string())
        );
    });
}

#[test]
fn pages_carry_security_headers_and_a_nonce_based_policy() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let r = app.get(&Browser::anonymous(), "/sign-in").await;
        let csp = r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("nonce in the policy");
        assert!(
            r.body.contains(&format!("nonce=\"{nonce}\"")),
            "the hydration script carries the nonce"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert_eq!(r.headers["referrer-policy"], "same-origin");
        let health = app.get(&Browser::anonymous(), "/healthz").await;
        assert_eq!(
            health.headers["content-security-policy"],
            "default-src 'none'; frame-ancestors 'none'"
        );
    });
}

#[test]
fn staff_actions_and_sign_ins_are_audited() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let _ = app.staff().await;
        let signins = app
            .state
            .store
            .audit_entries(Some("sign-in"), 10)
            .await
            .unwrap();
        assert_eq!(signins[0].actor_label, "Sam Staff");
    });
}

#[test]
fn oversized_bodies_are_refused() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let body = format!("name={}", "x".repeat(app.state.config.max_body_bytes + 1));
        let request = app
            .request(&me, "POST", "/api/create_token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap();
        assert_eq!(
            app.send(request).await.status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert!(app.state.store.tokens_of(1).await.unwrap().is_empty());
    });
}

/// The REST API's operations (its router is plain axum, so they are listed here, one row per operation).
#[test]
fn authorization_matrix_of_the_rest_api() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let _ = browsers(&app).await;
        let now = app.state.clock.now();
        let store = &app.state.store;
        let mut tokens = BTreeMap::new();
        for (who, email) in [
            (Who::CustomerA, demo::CUSTOMER_EMAIL),
            (Who::CustomerB, "bea@example.com"),
            (Who::Staff, demo::STAFF_EMAIL),
        ] {
            let account = store.account_by_email(email).await.unwrap().unwrap();
            let token = super::accounts::create_token(store, account.id, "matrix", now)
                .await
                .unwrap();
            tokens.insert(who, token);
        }
        let sub = demo::DEMO_SUBSCRIPTION;
        let base = format!(
            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.ImportExport/jobs",
            demo::DEMO_RESOURCE_GROUP
        );
        let v = "api-version=2021-01-01";
        let put_body =
            r#"{"location":"westus","properties":{"jobType":"Import","storageAccountId":"bad"}}"#;
        let rows: Vec<(&str, String, Option<&str>, Row)> = vec![
            (
                "GET",
                format!("/subscriptions/{sub}/providers/Microsoft.ImportExport/jobs?{v}"),
                None,
                [401, 200, 404, 200],
            ),
            ("GET", format!("{base}?{v}"), None, [401, 200, 404, 200]),
            (
                "GET",
                format!("{base}/demo-transferring?{v}"),
                None,
                [401, 200, 404, 200],
            ),
            // Validation answers the owner; another customer learns nothing; staff tokens are read-only.
            (
                "PUT",
                format!("{base}/matrix-new-job?{v}"),
                Some(put_body),
                [401, 400, 404, 403],
            ),
            (
                "PATCH",
                format!("{base}/demo-transferring?{v}"),
                Some("{}"),
                [401, 200, 404, 403],
            ),
            (
                "DELETE",
                format!("{base}/demo-transferring?{v}"),
                None,
                [401, 409, 404, 403],
            ),
            (
                "POST",
                format!("{base}/demo-transferring/listBitLockerKeys?{v}"),
                None,
                [401, 200, 404, 200],
            ),
            (
                "GET",
                format!("/providers/Microsoft.ImportExport/locations?{v}"),
                None,
                [401, 200, 200, 200],
            ),
            (
                "GET",
                format!("/providers/Microsoft.ImportExport/locations/westus?{v}"),
                None,
                [401, 200, 200, 200],
            ),
            (
                "GET",
                format!("/providers/Microsoft.ImportExport/operations?{v}"),
                None,
                [401, 200, 200, 200],
            ),
        ];
        for (method, path, body, expected) in rows {
            for (i, w) in EVERYONE.iter().enumerate() {
                let mut request = Request::builder()
                    .method(method)
                    .uri(&path)
                    .header(header::CONTENT_TYPE, "application/json");
                if let Some(token) = tokens.get(w) {
                    request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
                }
                let r = app
                    .send(
                        request
                            .body(Body::from(body.unwrap_or("").to_string()))
                            .unwrap(),
                    )
                    .await;
                assert_eq!(
                    r.status.as_u16(),
                    expected[i],
                    "{method} {path} as {w:?}: {}",
                    r.body
                );
            }
        }
    });
}

/// Routes outside Leptos and the API: health, the OpenAPI document, the live event stream.
#[test]
fn authorization_of_the_other_routes() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let who = browsers(&app).await;
        for path in ["/healthz", "/openapi.json"] {
            for w in EVERYONE {
                assert_eq!(
                    app.get(&who[&w], path).await.status,
                    StatusCode::OK,
                    "{path} as {w:?}"
                );
            }
        }
        // The event stream: only signed-in people, only for jobs they may see. (Statuses only: the body of an
        // open stream never ends.)
        let job = app.job_id("demo-transferring").await;
        let expected = [
            (Who::Anonymous, 303),
            (Who::CustomerA, 200),
            (Who::CustomerB, 404),
            (Who::Staff, 200),
        ];
        for (w, status) in expected {
            let request = app
                .request(&who[&w], "GET", &format!("/events?job={job}"))
                .header(header::ACCEPT, "text/event-stream")
                .body(Body::empty())
                .unwrap();
            let response = tower::ServiceExt::oneshot(app.router.clone(), request)
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "/events as {w:?}");
        }
    });
}
