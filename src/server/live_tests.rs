//! The live event stream through the router: what `ready` says, that changes arrive, and that a stream ends
//! with its session (sign-out, password change, idle expiry) or its API token.

use super::demo;
use super::router;
use super::router_tests::{on_shared_runtime, test_app, Browser, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::time::Duration;
use tower::ServiceExt;

/// The same application (the same hub: changes made through `app` arrive) with streams re-checking their
/// session every 50 ms.
fn quick_checks(app: &TestApp) -> axum::Router {
    router::build(
        app.state
            .with(|s| s.live = s.live.clone().with_session_check(Duration::from_millis(50))),
    )
}

/// Opens `/events…` as `browser` (or with `bearer`) and returns the open body.
async fn open(router: &axum::Router, app: &TestApp, browser: &Browser, path: &str) -> Body {
    let request = app
        .request(browser, "GET", path)
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.into_body()
}

async fn open_with_token(router: &axum::Router, token: &str, path: &str) -> Body {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.into_body()
}

/// Reads the stream until `needle` has been seen (keep-alive comments included); panics after `within`.
async fn read_until(body: &mut Body, needle: &str, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while !seen.contains(needle) {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                }
            }
            Ok(Some(Err(e))) => panic!("stream failed: {e}"),
            Ok(None) => panic!("the stream ended before {needle:?}: {seen}"),
            Err(_) => panic!("no {needle:?} within {within:?}: {seen}"),
        }
    }
    seen
}

/// Reads the stream to its end; panics if it is still open after `within`.
async fn read_to_end(body: &mut Body, within: Duration) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                }
            }
            Ok(Some(Err(e))) => panic!("stream failed: {e}"),
            Ok(None) => return seen,
            Err(_) => panic!("the stream is still open after {within:?}: {seen}"),
        }
    }
}

async fn version_of(app: &TestApp, job: i64) -> u64 {
    app.state
        .store
        .job(job)
        .await
        .unwrap()
        .expect("job")
        .job
        .version
}

#[test]
fn ready_carries_the_jobs_version_so_a_page_rendered_before_a_change_knows_it_is_stale() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let job = app.job_id("demo-ready-to-ship-1").await;
        let rendered = version_of(&app, job).await;

        let mut first = open(&app.router, &app, &me, &format!("/events?job={job}")).await;
        let hello = read_until(&mut first, "\n\n", Duration::from_secs(2)).await;
        assert!(hello.contains("event: ready"), "{hello}");
        assert!(
            hello.contains(&format!("\"version\":{rendered}")),
            "{hello}"
        );
        // The browser reconnects a second after a dropped stream.
        assert!(hello.contains("retry: 1000"), "{hello}");

        // A change while the stream is open arrives on it, with the new version.
        let r = app
            .call(&me, "/api/mark_shipped", &format!("id={job}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let changed = read_until(&mut first, "event: job", Duration::from_secs(2)).await;
        let now = version_of(&app, job).await;
        assert!(now > rendered);
        assert!(changed.contains(&format!("\"version\":{now}")), "{changed}");

        // A page rendered before that change opens its stream after it: `ready` says the newer version, so
        // the page (showing `rendered`) re-reads.
        let mut late = open(&app.router, &app, &me, &format!("/events?job={job}")).await;
        let hello = read_until(&mut late, "\n\n", Duration::from_secs(2)).await;
        assert!(hello.contains(&format!("\"version\":{now}")), "{hello}");
        assert!(
            !hello.contains(&format!("\"version\":{rendered}")),
            "{hello}"
        );

        // The list stream's `ready` has no version (its pages always re-read).
        let mut list = open(&app.router, &app, &me, "/events").await;
        let hello = read_until(&mut list, "\n\n", Duration::from_secs(2)).await;
        assert!(hello.contains("\"version\":null"), "{hello}");
    });
}

#[test]
fn a_stream_ends_when_its_session_signs_out() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let router = quick_checks(&app);
        let me = app.customer().await;
        let other_tab = app.customer().await;
        let job = app.job_id("demo-transferring").await;
        let mut mine = open(&router, &app, &me, &format!("/events?job={job}")).await;
        let mut other = open(&router, &app, &other_tab, "/events").await;
        read_until(&mut mine, "event: ready", Duration::from_secs(2)).await;
        read_until(&mut other, "event: ready", Duration::from_secs(2)).await;

        let r = app.call(&me, "/api/sign_out", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let rest = read_to_end(&mut mine, Duration::from_secs(3)).await;
        assert!(rest.contains("event: signed-out"), "{rest}");

        // The other session goes on: its stream stays open and still delivers.
        let r = app
            .call(
                &other_tab,
                "/api/mark_shipped",
                &format!("id={}", app.job_id("demo-ready-to-ship-2").await),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        read_until(&mut other, "event: job", Duration::from_secs(2)).await;
    });
}

#[test]
fn a_password_change_or_an_idle_expiry_ends_the_streams_of_the_sessions_it_ends() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let router = quick_checks(&app);
        let laptop = app.customer().await;
        let phone = app.customer().await;
        let mut phone_stream = open(&router, &app, &phone, "/events").await;
        read_until(&mut phone_stream, "event: ready", Duration::from_secs(2)).await;
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
        let rest = read_to_end(&mut phone_stream, Duration::from_secs(3)).await;
        assert!(rest.contains("event: signed-out"), "{rest}");

        // Idle expiry: nothing touches the session while only the stream is open.
        let staff = app.staff().await;
        let mut staff_stream = open(&router, &app, &staff, "/events").await;
        read_until(&mut staff_stream, "event: ready", Duration::from_secs(2)).await;
        let idle = app.state.config.session_idle.delta();
        app.state
            .clock
            .advance(idle + chrono::TimeDelta::minutes(1))
            .unwrap();
        let rest = read_to_end(&mut staff_stream, Duration::from_secs(3)).await;
        assert!(rest.contains("event: signed-out"), "{rest}");
    });
}

#[test]
fn a_stream_opened_with_an_api_token_ends_when_the_token_is_revoked() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let router = quick_checks(&app);
        let store = &app.state.store;
        let account = store
            .account_by_email(demo::CUSTOMER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let now = app.state.clock.now();
        let token = super::accounts::create_token(store, account.id, "live", now)
            .await
            .unwrap();
        let mut stream = open_with_token(&router, &token, "/events").await;
        read_until(&mut stream, "event: ready", Duration::from_secs(2)).await;
        // Still there after a few checks.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let infos = store.tokens_of(account.id).await.unwrap();
        let live = infos.iter().find(|t| t.name == "live").unwrap();
        assert!(store.revoke_token(account.id, live.id, now).await.unwrap());
        let rest = read_to_end(&mut stream, Duration::from_secs(3)).await;
        assert!(rest.contains("event: signed-out"), "{rest}");
    });
}
