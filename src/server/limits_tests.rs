//! Abuse limits through the router: sign-in attempts per account and per client address (shared through the
//! database, safe against parallel attempts, the client address read from a proxy's header only when the
//! proxy is trusted), request body size, and request timeouts (which must not cut the live event stream).

use super::auth::client_addr::IpRange;
use super::demo;
use super::router_tests::{test_app, test_app_with, Browser, TestApp};
use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use lifecycle::Span;
use std::time::Duration;

fn form(email: &str, password: &str) -> String {
    format!("email={}&password={password}", email.replace('@', "%40"))
}

fn wrong(email: &str) -> String {
    form(email, "wrong-password")
}

/// Whether a sign-in reply is the lock's (and not the wrong-password answer).
fn locked(r: &super::router_tests::Reply) -> bool {
    r.status == StatusCode::TOO_MANY_REQUESTS && r.body.contains("Too many failed sign-ins")
}

#[test]
fn sign_in_is_rate_limited_per_account_with_a_clear_message() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let anon = Browser::anonymous();
        for _ in 0..5 {
            let r = app
                .call(&anon, "/api/sign_in", &wrong(demo::CUSTOMER_EMAIL))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            assert!(
                r.body.contains("The email or password is wrong"),
                "{}",
                r.body
            );
        }
        let right = form(demo::CUSTOMER_EMAIL, demo::CUSTOMER_PASSWORD);
        let r = app.call(&anon, "/api/sign_in", &right).await;
        assert!(
            locked(&r),
            "locked even with the right password: {} {}",
            r.status,
            r.body
        );
        assert!(r.body.contains("Try again in 15 minute(s)"), "{}", r.body);
        let retry: i64 = r.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((880..=900).contains(&retry), "Retry-After: {retry}");
        // Without JavaScript the form comes back with the same message.
        let r = app
            .post_form(&anon, "/api/sign_in", &right, "http://localhost/sign-in")
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let page = app.follow(&anon, &r).await;
        assert!(
            page.body.contains("Too many failed sign-ins"),
            "{}",
            page.body
        );
        let failures = app
            .state
            .store
            .audit_entries(Some("sign-in-failed"), 10)
            .await
            .unwrap();
        assert_eq!(failures.len(), 5, "locked attempts check no password");
        // Another account is not affected; when the window has passed, the account may try again.
        app.sign_in(demo::STAFF_EMAIL, demo::STAFF_PASSWORD).await;
        app.state
            .clock
            .advance(chrono::TimeDelta::minutes(15))
            .unwrap();
        app.customer().await;
    });
}

#[test]
fn a_successful_sign_in_clears_the_accounts_failures() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let anon = Browser::anonymous();
        for _ in 0..4 {
            app.call(&anon, "/api/sign_in", &wrong(demo::CUSTOMER_EMAIL))
                .await;
        }
        app.customer().await;
        for _ in 0..4 {
            let r = app
                .call(&anon, "/api/sign_in", &wrong(demo::CUSTOMER_EMAIL))
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        }
    });
}

#[test]
fn sign_in_is_rate_limited_per_client_address() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let anon = Browser::anonymous();
        for i in 0..20 {
            let r = app
                .call_from(
                    &anon,
                    "/api/sign_in",
                    &wrong(&format!("u{i}@example.com")),
                    "203.0.113.9",
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "attempt {i}: {}", r.body);
        }
        let right = form(demo::CUSTOMER_EMAIL, demo::CUSTOMER_PASSWORD);
        let r = app
            .call_from(&anon, "/api/sign_in", &right, "203.0.113.9", None)
            .await;
        assert!(locked(&r), "{} {}", r.status, r.body);
        // Another address signs in to the same account.
        let r = app
            .call_from(&anon, "/api/sign_in", &right, "198.51.100.20", None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}

#[test]
fn parallel_sign_ins_cannot_exceed_the_limit() {
    super::router_tests::on_shared_runtime(async move {
        let app = std::sync::Arc::new(test_app().await);
        let attempts = (0..12).map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(
                    &Browser::anonymous(),
                    "/api/sign_in",
                    &wrong(demo::CUSTOMER_EMAIL),
                )
                .await
            })
        });
        let mut wrong_password = 0;
        let mut refused = 0;
        for a in attempts {
            let r = a.await.unwrap();
            if r.status == StatusCode::BAD_REQUEST {
                wrong_password += 1;
            } else {
                assert!(locked(&r), "{} {}", r.status, r.body);
                refused += 1;
            }
        }
        assert_eq!((wrong_password, refused), (5, 7));
        let failures = app
            .state
            .store
            .audit_entries(Some("sign-in-failed"), 20)
            .await
            .unwrap();
        assert_eq!(failures.len(), 5, "only five passwords were checked");
    });
}

/// Twenty failed sign-ins (each for another account) arriving as `peer` sends them, with `forwarded`.
async fn fail_twenty(app: &TestApp, peer: &str, forwarded: Option<&str>) {
    for i in 0..20 {
        let r = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_in",
                &wrong(&format!("p{i}@example.com")),
                peer,
                forwarded,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
}

#[test]
fn forwarded_addresses_count_only_from_trusted_proxies() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app_with(|c| {
            c.trusted_proxies = vec![IpRange::parse("127.0.0.1").unwrap()];
        })
        .await;
        let anon = Browser::anonymous();
        let attempt = wrong("someone@example.com");
        // Through the trusted proxy, the client 203.0.113.7 fails twenty times and is locked out …
        fail_twenty(&app, "127.0.0.1", Some("203.0.113.7")).await;
        let through_proxy = app
            .call_from(
                &anon,
                "/api/sign_in",
                &attempt,
                "127.0.0.1",
                Some("203.0.113.7"),
            )
            .await;
        assert!(locked(&through_proxy), "{}", through_proxy.body);
        // … also when it connects directly, or prepends a made-up hop (the proxy appends the real one) …
        let direct = app
            .call_from(&anon, "/api/sign_in", &attempt, "203.0.113.7", None)
            .await;
        assert!(locked(&direct), "{}", direct.body);
        let spoofed = app
            .call_from(
                &anon,
                "/api/sign_in",
                &attempt,
                "127.0.0.1",
                Some("192.0.2.1, 203.0.113.7"),
            )
            .await;
        assert!(locked(&spoofed), "{}", spoofed.body);
        // … while other clients behind the same proxy are not.
        let neighbour = app
            .call_from(
                &anon,
                "/api/sign_in",
                &attempt,
                "127.0.0.1",
                Some("203.0.113.8"),
            )
            .await;
        assert_eq!(
            neighbour.status,
            StatusCode::BAD_REQUEST,
            "{}",
            neighbour.body
        );
        // A client that is not a trusted proxy cannot borrow another address with the header.
        let untrusted = app
            .call_from(
                &anon,
                "/api/sign_in",
                &attempt,
                "198.51.100.3",
                Some("192.0.2.50"),
            )
            .await;
        assert_eq!(untrusted.status, StatusCode::BAD_REQUEST);
        fail_twenty(&app, "198.51.100.4", Some("192.0.2.60")).await;
        let innocent = app
            .call_from(
                &anon,
                "/api/sign_in",
                &attempt,
                "127.0.0.1",
                Some("192.0.2.60"),
            )
            .await;
        assert_eq!(
            innocent.status,
            StatusCode::BAD_REQUEST,
            "the header of an untrusted client was ignored"
        );
        let culprit = app
            .call_from(&anon, "/api/sign_in", &attempt, "198.51.100.4", None)
            .await;
        assert!(locked(&culprit), "it counted against its own address");
        // The audit log records the client, not the proxy.
        let failures = app
            .state
            .store
            .audit_entries(Some("sign-in-failed"), 100)
            .await
            .unwrap();
        assert!(failures
            .iter()
            .any(|e| e.remote_addr.as_deref() == Some("203.0.113.7")));
        assert!(failures
            .iter()
            .all(|e| e.remote_addr.as_deref() != Some("127.0.0.1")));
    });
}

#[test]
fn without_trusted_proxies_the_header_is_ignored() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        fail_twenty(&app, "127.0.0.1", Some("203.0.113.7")).await;
        // Everyone behind an untrusted proxy shares its address (hence the setting).
        let r = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_in",
                &wrong("x@example.com"),
                "127.0.0.1",
                Some("203.0.113.99"),
            )
            .await;
        assert!(locked(&r), "{}", r.body);
    });
}

#[test]
fn oversized_bodies_are_refused() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app_with(|c| c.max_body_bytes = 2048).await;
        let me = app.customer().await;
        let body = format!("name={}", "x".repeat(2048));
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
        // Also when the size is not announced (a streamed body) and for an audited staff call.
        let staff = app.staff().await;
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            (0..4).map(|_| Ok(Bytes::from(vec![b'x'; 1024]))).collect();
        let request = app
            .request(&staff, "POST", "/api/staff_add_note")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        assert_eq!(
            app.send(request).await.status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert!(app.state.store.tokens_of(1).await.unwrap().is_empty());
    });
}

#[test]
fn a_slow_request_times_out_but_the_event_stream_stays_open() {
    super::router_tests::on_shared_runtime(async move {
        let app = test_app_with(|c| c.request_timeout = Span::seconds(1)).await;
        // A body that arrives after the timeout: the request is answered 408 instead of waiting.
        let slow = futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok::<_, std::io::Error>(Bytes::from(wrong(demo::CUSTOMER_EMAIL)))
        });
        let request = app
            .request(&Browser::anonymous(), "POST", "/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from_stream(slow))
            .unwrap();
        let started = std::time::Instant::now();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
        assert!(started.elapsed() < Duration::from_secs(3));

        // The timeout bounds the wait for a response, not the stream that follows it. (A session made
        // directly: signing in hashes a password, too slow for a one-second budget on a busy machine.)
        let customer = app
            .state
            .store
            .account_by_email(demo::CUSTOMER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let cookie = super::auth::sessions::start(&app.state, customer.id)
            .await
            .unwrap();
        let me = Browser::with_cookie(cookie.split(';').next().unwrap());
        let job = app.job_id("demo-transferring").await;
        let request = app
            .request(&me, "GET", &format!("/events?job={job}"))
            .header(header::ACCEPT, "text/event-stream")
            .body(Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.router.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        assert!(next_data(&mut body).await.contains("event: ready"));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let stored = app.state.store.job(job).await.unwrap().unwrap();
        app.state.live.publish(super::live::JobChanged {
            job_id: stored.id,
            subscription_id: stored.subscription_id.clone(),
            version: stored.job.version,
            state: stored.job.state.as_str().to_string(),
        });
        let event = next_data(&mut body).await;
        assert!(event.contains(&format!("\"job_id\":{job}")), "{event}");
    });
}

/// The next chunk of an event stream's body (within a few seconds).
async fn next_data(body: &mut Body) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("an event in time")
            .expect("the stream is open")
            .expect("a frame");
        if let Ok(data) = frame.into_data() {
            return String::from_utf8_lossy(&data).into_owned();
        }
    }
}
