//! The outside review's findings (issue 15), each replayed through the router: the request that exploited it
//! now gets a bounded answer.

use super::demo;
use super::router_tests::{
    on_shared_runtime, test_app, test_app_with, with_set_cookies, Browser, Reply, TestApp,
};
use axum::body::Body;
use axum::http::{header, StatusCode};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// URL-safe base64 with padding, as server functions encode an error into `__err`.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A refused-form error such as an attacker writes into a link: `values` pre-fill the victim's form.
fn forged_echo(field: &str, message: &str, values: &[(&str, &str)]) -> String {
    let error = crate::error::AppError::form(lifecycle::Rejection::invalid(field, message), values);
    let json = serde_json::to_vec(&error).expect("json");
    form_urlencoded::byte_serialize(base64_url(&json).as_bytes()).collect()
}

fn drive_rows(page: &str) -> usize {
    page.matches("data-testid=\"drive-row\"").count()
}

fn set_cookies(r: &Reply) -> Vec<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// A sign-in or sign-up call arriving from `peer` (a JSON call: the status is the answer).
async fn from(app: &TestApp, path: &str, form: &str, peer: &str) -> Reply {
    app.call_from(&Browser::anonymous(), path, form, peer, None)
        .await
}

fn sign_in_form(email: &str, password: &str) -> String {
    format!("email={}&password={password}", email.replace('@', "%40"))
}

fn sign_up_form(email: &str) -> String {
    format!(
        "display_name=New+Person&email={}&password=a-long-password&password_confirm=a-long-password",
        email.replace('@', "%40")
    )
}

// ---- 1. Counts read from a request or an echo are clamped ----------------------------------------------

#[test]
fn a_crafted_drive_row_count_never_decides_how_much_a_page_renders() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        // The review's link: a refused-form echo in the URL asking for 10,000 drive rows. It is never
        // rendered: the page sends the browser to the same URL without it.
        let forged = forged_echo("name", "x", &[("job[drive_rows]", "10000")]);
        let started = Instant::now();
        let r = app
            .get(
                &me,
                &format!("/jobs/new?type=import&__path=%2Fapi%2Fcreate_job&__err={forged}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], "/jobs/new?type=import");
        assert!(r.body.len() < 1024);
        let page = app.get(&me, "/jobs/new?type=import").await;
        assert_eq!(drive_rows(&page.body), 1);
        // `?drives=` asks for rows too: at most the lifecycle's limit.
        let page = app.get(&me, "/jobs/new?drives=100000").await;
        assert_eq!(drive_rows(&page.body), lifecycle::validate::MAX_DRIVES);
        // A crafted post to the form's own page with thousands of rows (well inside the body limit).
        let mut form = String::from("job%5Bjob_type%5D=Import&job%5Bname%5D=many");
        for i in 0..3000 {
            form.push_str(&format!("&job%5Bdrives%5D%5B{i}%5D%5Bdrive_id%5D=D{i}"));
        }
        for intent in ["add_drive", "create"] {
            let r = app
                .post_form(
                    &me,
                    "/jobs/new",
                    &format!("{form}&intent={intent}"),
                    "http://localhost/jobs/new",
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{intent}");
            assert_eq!(
                drive_rows(&r.body),
                lifecycle::validate::MAX_DRIVES,
                "{intent}"
            );
            if intent == "create" {
                assert!(
                    r.body.contains(&format!(
                        "at most {} drives (got",
                        lifecycle::validate::MAX_DRIVES
                    )),
                    "refused with the lifecycle's limit"
                );
            }
        }
        // The same through the server function (JavaScript on): refused, and the echo is bounded.
        let r = app.call(&me, "/api/create_job", &form).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", &r.body[..200]);
        assert!(
            r.body.contains("\"job[drive_rows]\",\"10\""),
            "{}",
            &r.body[..400]
        );
        assert!(!r.body.contains("job[drives][10]"));
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "bounded work: {:?}",
            started.elapsed()
        );
    });
}

// ---- 2. Sign-in's `next` ----------------------------------------------------------------------------------

#[test]
fn sign_in_sends_only_to_plain_paths_of_this_site_and_never_panics() {
    on_shared_runtime(async move {
        let app = test_app().await;
        for (next, expected) in [
            ("%2F%09%2Fevil.example", "/jobs"),
            ("%2F%0A%2Fevil.example", "/jobs"),
            ("%2Fjobs%0D%0ASet-Cookie%3A+x%3D1", "/jobs"),
            ("%2F%5Cevil.example", "/jobs"),
            ("%2Fjobs%3Fstate%3DShipping", "/jobs?state=Shipping"),
        ] {
            let form = format!(
                "{}&next={next}",
                sign_in_form(demo::CUSTOMER_EMAIL, demo::CUSTOMER_PASSWORD)
            );
            let r = app
                .post_form(
                    &Browser::anonymous(),
                    "/api/sign_in",
                    &form,
                    "http://localhost/sign-in",
                )
                .await;
            assert_eq!(r.status, StatusCode::FOUND, "{next}: {}", r.body);
            assert_eq!(r.headers[header::LOCATION], expected, "{next}");
        }
        // The sign-in page never puts an unsafe `next` back into its form: it leaves it empty, so the server
        // picks the account's home.
        let page = app
            .get(&Browser::anonymous(), "/sign-in?next=%2F%09%2Fevil.example")
            .await;
        assert!(
            page.body.contains("name=\"next\" value=\"\""),
            "{}",
            page.body
        );
        assert!(!page.body.contains("evil.example\""), "{}", page.body);
        // Without a `next` of their own, staff land on the console, customers on their jobs; an explicit
        // `next` wins for both.
        for (email, password, next, expected) in [
            (demo::STAFF_EMAIL, demo::STAFF_PASSWORD, "", "/staff"),
            (
                demo::STAFF_EMAIL,
                demo::STAFF_PASSWORD,
                "%2Fjobs%2F1",
                "/jobs/1",
            ),
            (
                demo::STAFF_EMAIL,
                demo::STAFF_PASSWORD,
                "%2F%09%2Fevil.example",
                "/staff",
            ),
            (demo::CUSTOMER_EMAIL, demo::CUSTOMER_PASSWORD, "", "/jobs"),
        ] {
            let form = format!("{}&next={next}", sign_in_form(email, password));
            let r = app
                .post_form(
                    &Browser::anonymous(),
                    "/api/sign_in",
                    &form,
                    "http://localhost/sign-in",
                )
                .await;
            assert_eq!(r.status, StatusCode::FOUND, "{email} {next}: {}", r.body);
            assert_eq!(r.headers[header::LOCATION], expected, "{email} {next}");
        }
    });
}

// ---- 3. Echoes come from this server and this session -----------------------------------------------------

#[test]
fn a_forged_echo_in_a_link_never_fills_the_victims_form() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-creating").await;
        let forged = forged_echo(
            "properties.returnAddress.city",
            "please save again",
            &[("address[city]", "Attackerville")],
        );
        let r = app
            .get(
                &me,
                &format!("/jobs/{id}?__path=%2Fapi%2Fupdate_return_address&__err={forged}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers[header::LOCATION], format!("/jobs/{id}").as_str());
        assert!(!r.body.contains("Attackerville"));
        let page = app.get(&me, &format!("/jobs/{id}")).await;
        assert!(!page.body.contains("Attackerville"));
        assert!(!page.body.contains("please save again"));
        // The console's pages too.
        let staff = app.staff().await;
        let forged = forged_echo("text", "forged", &[("text", "Attacker note")]);
        let r = app
            .get(
                &staff,
                &format!("/staff/jobs/{id}?__path=%2Fapi%2Fstaff_add_note&__err={forged}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(!r.body.contains("Attacker note"));
    });
}

#[test]
fn a_refused_form_s_echo_is_kept_server_side_for_its_own_session_and_read_once() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-creating").await;
        let referer = format!("http://localhost/jobs/{id}");
        let bad = "id=ID&address[recipient_name]=Dana&address[street_address1]=1+Way&address[city]=Oslo\
                   &address[postal_code]=0150&address[country_or_region]=Norway&address[phone]=%2B47+1\
                   &address[email]=not-an-email"
            .replace("ID", &id.to_string())
            .replace('[', "%5B")
            .replace(']', "%5D");
        let r = app
            .post_form(&me, "/api/update_return_address", &bad, &referer)
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.headers[header::LOCATION], referer.as_str());
        let flash = set_cookies(&r)
            .into_iter()
            .find(|c| c.starts_with("portal_flash="))
            .expect("a flash cookie");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=300"] {
            assert!(flash.contains(flag), "{flag}: {flash}");
        }
        assert_eq!(app.state.store.flash_count().await.unwrap(), 1);
        // Another session holding the same cookie (stolen, or planted) sees nothing, and uses it up.
        let thief = with_set_cookies(&app.other_customer().await, &r);
        let other_job = app.get(&thief, &format!("/jobs/{id}")).await;
        assert!(!other_job.body.contains("Oslo"));
        // So the victim's page, after someone else took it, shows nothing either: one read only.
        let page = app.follow(&me, &r).await;
        assert!(!page.body.contains("value=\"Oslo\""));

        // Again, and this time the owner follows the redirect.
        let r = app
            .post_form(&me, "/api/update_return_address", &bad, &referer)
            .await;
        let page = app.follow(&me, &r).await;
        assert!(page
            .body
            .contains("Email must be an address like name@example.com"));
        assert!(page.body.contains("value=\"Oslo\""));
        // The browser gets the message once (in the page's head, for the hydrated app) and the cookie cleared.
        assert!(page.body.contains("name=\"portal-flash\""));
        assert!(set_cookies(&page)
            .iter()
            .any(|c| c.starts_with("portal_flash=;") && c.contains("Max-Age=0")));
        let again = app.follow(&me, &r).await;
        assert!(!again.body.contains("value=\"Oslo\""), "read once");
        assert_eq!(app.state.store.flash_count().await.unwrap(), 0);
    });
}

// ---- 4. Sign-up limits, the email before the hash, password hashing bounded --------------------------------

#[test]
fn parallel_sign_ups_from_one_address_are_limited() {
    on_shared_runtime(async move {
        let app = std::sync::Arc::new(test_app().await);
        let attempts = (0..30).map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                from(
                    &app,
                    "/api/sign_up",
                    &sign_up_form(&format!("burst{i}@example.com")),
                    "203.0.113.50",
                )
                .await
            })
        });
        let (mut created, mut refused) = (0, 0);
        for a in attempts {
            let r = a.await.unwrap();
            match r.status {
                StatusCode::OK => created += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    let retry: i64 = r.headers[header::RETRY_AFTER]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert!((3500..=3600).contains(&retry), "Retry-After {retry}");
                    assert!(
                        r.body.contains("Too many accounts were created"),
                        "{}",
                        r.body
                    );
                    refused += 1;
                }
                other => panic!("{other}: {}", r.body),
            }
        }
        assert_eq!((created, refused), (5, 25));
        // Another address is not affected; the limit is counted in the database (every instance shares it).
        let r = from(
            &app,
            "/api/sign_up",
            &sign_up_form("elsewhere@example.com"),
            "198.51.100.7",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(app.state.store.sign_in_bucket_count().await.unwrap() >= 2);
    });
}

#[test]
fn password_hashing_waits_its_turn_and_a_full_queue_is_refused_quickly() {
    on_shared_runtime(async move {
        let app = test_app_with(|c| {
            c.limits.password_hash_concurrency = 1;
            c.limits.password_hash_queue = 0;
        })
        .await;
        // Every turn is taken (as by a burst of sign-ins in progress).
        let held = app.state.hashing.enter().await.expect("the one turn");
        // A taken email is answered before any hashing (it does not need a turn), with the answer a new address
        // gets (its owner is told by email).
        let r = from(
            &app,
            "/api/sign_up",
            &sign_up_form(demo::CUSTOMER_EMAIL),
            "192.0.2.10",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(!r.body.contains("already"), "{}", r.body);
        // Sign-up, sign-in and a password change would hash: 503 at once, with Retry-After.
        drop(held);
        let me = app.customer().await;
        let held = app.state.hashing.enter().await.expect("the one turn");
        let started = Instant::now();
        for r in [
            from(
                &app,
                "/api/sign_up",
                &sign_up_form("fresh@example.com"),
                "192.0.2.10",
            )
            .await,
            from(
                &app,
                "/api/sign_in",
                &sign_in_form(demo::CUSTOMER_EMAIL, "wrong-password"),
                "192.0.2.10",
            )
            .await,
            app.call(
                &me,
                "/api/change_password",
                "current=whatever-it-is&new=a-new-password-1&confirm=a-new-password-1",
            )
            .await,
        ] {
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
            assert_eq!(r.headers[header::RETRY_AFTER], "1");
            assert!(r.body.contains("Busy"), "{}", r.body);
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refused at once"
        );
        drop(held);
        // Refused attempts counted against no limit: all five failures are still there to make.
        for _ in 0..5 {
            let r = from(
                &app,
                "/api/sign_in",
                &sign_in_form(demo::CUSTOMER_EMAIL, "wrong-password"),
                "192.0.2.10",
            )
            .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        }
        assert!(app
            .state
            .store
            .account_by_email("fresh@example.com")
            .await
            .unwrap()
            .is_none());
    });
}

// ---- 5. Nobody locks an account's owner out from elsewhere ---------------------------------------------------

#[test]
fn failures_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    on_shared_runtime(async move {
        let app = test_app().await;
        for _ in 0..5 {
            let r = from(
                &app,
                "/api/sign_in",
                &sign_in_form(demo::STAFF_EMAIL, "wrong-password"),
                "203.0.113.66",
            )
            .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        }
        let right = sign_in_form(demo::STAFF_EMAIL, demo::STAFF_PASSWORD);
        let r = from(&app, "/api/sign_in", &right, "203.0.113.66").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert!(r.body.contains("Try again in 15 minute(s)"), "{}", r.body);
        // The owner, on their own machine, signs in.
        let r = from(&app, "/api/sign_in", &right, "198.51.100.23").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // Guessing from many addresses slows the account down (seconds), without locking it for long.
        for i in 0..11 {
            from(
                &app,
                "/api/sign_in",
                &sign_in_form(demo::STAFF_EMAIL, "wrong-password"),
                &format!("203.0.113.{}", 100 + i),
            )
            .await;
        }
        let r = from(&app, "/api/sign_in", &right, "198.51.100.23").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        let retry: i64 = r.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "a short wait: {retry}");
        assert!(r.body.contains("second(s)"), "{}", r.body);
        app.state
            .clock
            .advance(chrono::TimeDelta::seconds(retry))
            .unwrap();
        let r = from(&app, "/api/sign_in", &right, "198.51.100.23").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}

// ---- 6. Secret pages are not kept by the browser ------------------------------------------------------------

#[test]
fn pages_and_server_functions_are_never_stored_and_sign_out_clears_the_cache() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-transferring").await;
        for path in [
            format!("/jobs/{id}?keys=show"),
            format!("/jobs/{id}"),
            "/account".to_string(),
            "/jobs".to_string(),
        ] {
            let r = app.get(&me, &path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{path}");
        }
        let r = app.call(&me, "/api/account_overview", "").await;
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let r = app
            .call(&me, "/api/bitlocker_keys", &format!("id={id}"))
            .await;
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        // (Static files keep their own caching: static_files_tests checks their `no-cache`.)
        // Sign-out: the cache goes, and the session cookie; a language choice (any other cookie) stays.
        let mut with_language = me.clone();
        with_language.cookie = Some(format!("{}; lang=nb", me.cookie.clone().unwrap()));
        let r = app
            .post_form(&with_language, "/api/sign_out", "", "http://localhost/jobs")
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(r.headers["clear-site-data"], "\"cache\"");
        let cleared = set_cookies(&r);
        assert!(cleared
            .iter()
            .any(|c| c.starts_with("portal_session=;") && c.contains("Max-Age=0")));
        assert!(!cleared.iter().any(|c| c.starts_with("lang=")));
        // What the back button asks for afterwards: the job page is a sign-in redirect now.
        let back = app.get(&me, &format!("/jobs/{id}?keys=show")).await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
    });
}

// ---- 7. Live streams are capped --------------------------------------------------------------------------

async fn open_stream(app: &TestApp, browser: &Browser, peer: &str) -> axum::response::Response {
    let mut request = app
        .request(browser, "GET", "/events")
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.router.clone().oneshot(request).await.unwrap()
}

#[test]
fn live_streams_are_capped_per_session_per_address_and_in_all() {
    on_shared_runtime(async move {
        let app = test_app_with(|c| {
            c.limits.live_streams_per_session = 2;
            c.limits.live_streams_per_address = 3;
            c.limits.live_streams_total = 4;
        })
        .await;
        let me = app.customer().await;
        let first = open_stream(&app, &me, "192.0.2.1").await;
        let second = open_stream(&app, &me, "192.0.2.1").await;
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(second.status(), StatusCode::OK);
        let third = open_stream(&app, &me, "192.0.2.1").await;
        assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(third.headers().contains_key(header::RETRY_AFTER));
        let text = third.into_body().collect().await.unwrap().to_bytes();
        assert!(String::from_utf8_lossy(&text).contains("this session"));
        // A stream that ends gives its place back (the browser's reconnection fits again).
        drop(first);
        let again = open_stream(&app, &me, "192.0.2.1").await;
        assert_eq!(again.status(), StatusCode::OK);
        // Per address: a second session from the same address gets one more, then the address is full.
        let other = app.customer().await;
        let fourth = open_stream(&app, &other, "192.0.2.1").await;
        assert_eq!(fourth.status(), StatusCode::OK);
        let refused = open_stream(&app, &other, "192.0.2.1").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        // In all: one more from elsewhere reaches the server-wide cap.
        let staff = app.staff().await;
        let fifth = open_stream(&app, &staff, "198.51.100.1").await;
        assert_eq!(fifth.status(), StatusCode::OK);
        let over = open_stream(&app, &staff, "198.51.100.1").await;
        assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(app.state.live.streams().open(), 4);
        drop((second, again, fourth, fifth));
        assert_eq!(app.state.live.streams().open(), 0);
    });
}

// ---- Also fixed ----------------------------------------------------------------------------------------------

#[test]
fn a_token_made_by_a_plain_form_post_is_shown_once_and_never_stored_readable() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app
            .post_form(
                &me,
                "/api/create_token",
                "name=nojs-token",
                "http://localhost/account",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let page = app.follow(&me, &r).await;
        let token = page
            .body
            .split("data-testid=\"new-token\"")
            .nth(1)
            .and_then(|rest| rest.split_once('>'))
            .and_then(|(_, rest)| rest.split('<').next())
            .unwrap_or_else(|| panic!("the token on the page: {}", page.body))
            .to_string();
        assert!(token.starts_with("iep_") && token.len() == 68, "{token}");
        // It works, and it was never in the database readable (only its hash and, briefly, the sealed copy).
        let api = Browser::with_token(&token);
        assert_eq!(
            app.get(
                &api,
                "/providers/Microsoft.ImportExport/locations?api-version=2021-01-01"
            )
            .await
            .status,
            StatusCode::OK
        );
        let flashes: i64 = app.state.store.flash_count().await.unwrap();
        assert_eq!(flashes, 0, "taken by the page");
        let leftover: Option<String> =
            sqlx::query_scalar("SELECT flash FROM sessions WHERE flash IS NOT NULL LIMIT 1")
                .fetch_optional(app.state.store.pool())
                .await
                .unwrap();
        assert_eq!(leftover, None);
        // Shown once.
        let again = app.get(&with_set_cookies(&me, &r), "/account").await;
        assert!(!again.body.contains(&token));

        // While it waits, the database holds it sealed; the cookie's key alone does not open it.
        let r = app
            .post_form(
                &me,
                "/api/create_token",
                "name=second",
                "http://localhost/account",
            )
            .await;
        let stored: String = sqlx::query_scalar("SELECT payload FROM flashes")
            .fetch_one(app.state.store.pool())
            .await
            .unwrap();
        assert!(!stored.contains("iep_"));
        let cookie = set_cookies(&r)
            .into_iter()
            .find(|c| c.starts_with("portal_flash="))
            .unwrap();
        let key_only = cookie.split(';').next().unwrap().split('.').next().unwrap();
        let stripped = Browser::with_cookie(format!("{}; {key_only}", me.cookie.clone().unwrap()));
        let page = app.get(&stripped, "/account").await;
        assert!(!page.body.contains("data-testid=\"new-token\""));
    });
}

#[test]
fn two_session_cookies_are_refused() {
    on_shared_runtime(async move {
        let app = test_app_with(|c| c.secure_cookies = true).await;
        let planted = Browser::with_cookie(
            "__Host-portal_session=victims-session; __Host-portal_session=attackers-session",
        );
        let r = app.get(&planted, "/jobs").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("two session cookies"), "{}", r.body);
        // The plain name means nothing with secure cookies on.
        let plain = Browser::with_cookie("portal_session=anything");
        assert_eq!(app.get(&plain, "/jobs").await.status, StatusCode::SEE_OTHER);
    });
}

#[test]
fn a_client_request_id_with_spaces_is_answered_and_logged_as_one_value() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let token = app.token_of(demo::CUSTOMER_EMAIL, "ids").await;
        let request = app
            .request(
                &token,
                "GET",
                "/providers/Microsoft.ImportExport/locations?api-version=2021-01-01",
            )
            .header(
                "x-ms-client-request-id",
                "abc status=200 ms=1 method=DELETE",
            )
            .body(Body::empty())
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Echoed as sent; in the access log it is one quoted value (api::access_log's tests).
        assert_eq!(
            r.headers["x-ms-client-request-id"],
            "abc status=200 ms=1 method=DELETE"
        );
    });
}

#[test]
fn a_password_change_revokes_the_accounts_tokens_when_asked_and_says_how_many() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let account = app
            .state
            .store
            .account_by_email(demo::CUSTOMER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let kept = app.new_token(account.id, "kept").await;
        // Without the box ticked, tokens stay.
        let r = app
            .call(
                &me,
                "/api/change_password",
                &format!(
                    "current={}&new=second-password-1&confirm=second-password-1",
                    demo::CUSTOMER_PASSWORD
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("\"tokens_revoked\":0"), "{}", r.body);
        let me = with_set_cookies(&me, &r);
        let api = Browser::with_token(&kept);
        let locations = "/providers/Microsoft.ImportExport/locations?api-version=2021-01-01";
        assert_eq!(app.get(&api, locations).await.status, StatusCode::OK);
        // Ticked (the form's default): every live token goes, and the answer says how many.
        app.new_token(account.id, "another").await;
        let r = app
            .post_form(
                &me,
                "/api/change_password",
                "current=second-password-1&new=third-password-1&confirm=third-password-1&revoke_tokens=on",
                "http://localhost/account",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        let page = app.follow(&me, &r).await;
        assert!(
            page.body.contains("2 API tokens were revoked"),
            "the page says how many"
        );
        assert_eq!(
            app.get(&api, locations).await.status,
            StatusCode::UNAUTHORIZED
        );
    });
}
