//! Security tests through the router: sessions and cookie flags, CSRF, API tokens (and what they may not do),
//! staff automation with staff tokens, headers, and the audit log. The authorization matrix is in
//! `matrix_tests`, the abuse limits in `limits_tests`.

use super::demo;
use super::router_tests::{test_app, test_app_with, Browser};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

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
        let second = Browser::with_cookie(cookie.split(';').next().unwrap());
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
        let planted = Browser::with_cookie("portal_session=attacker-chosen-value");
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
            .map(|c| Browser::with_cookie(c.split(';').next().unwrap()))
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

/// The session cookies a reply sets (whole `Set-Cookie` values), by their name with secure cookies.
fn session_cookies(headers: &axum::http::HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|c| c.starts_with("__Host-portal_session="))
        .collect()
}

#[test]
fn secure_cookies_are_marked_secure_when_set_and_when_cleared() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app_with(|c| c.secure_cookies = true).await;
        let request = app
            .request(&Browser::anonymous(), "POST", "/api/sign_in")
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
        // Over TLS the cookie is `__Host-` (this host only, Secure, Path=/, no Domain); no plain one is set.
        let set = session_cookies(&r.headers);
        assert_eq!(set.len(), 1, "{set:?}");
        assert!(!r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("portal_session=")));
        assert!(!set[0].contains("Domain"), "{}", set[0]);
        for flag in ["; Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(set[0].contains(flag), "{flag} missing: {}", set[0]);
        }
        let me = Browser::with_cookie(set[0].split(';').next().unwrap());
        // Signing out clears the cookie with the same flags, so the browser replaces the secure one.
        let r = app.call(&me, "/api/sign_out", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let cleared = session_cookies(&r.headers);
        assert_eq!(cleared.len(), 1, "{cleared:?}");
        assert!(
            cleared[0].starts_with("__Host-portal_session=;"),
            "{}",
            cleared[0]
        );
        assert!(cleared[0].contains("Max-Age=0"), "{}", cleared[0]);
        assert!(cleared[0].contains("; Secure"), "{}", cleared[0]);
        // A cookie of an ended session is cleared the same way on the next request.
        let r = app.get(&me, "/jobs").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let stale = session_cookies(&r.headers);
        assert!(
            stale
                .iter()
                .any(|c| c.contains("Max-Age=0") && c.contains("; Secure")),
            "{stale:?}"
        );
    });
}

#[test]
fn an_api_token_cannot_manage_its_account() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let leaked = app.token_of(demo::CUSTOMER_EMAIL, "leaked").await;
        let account = app
            .state
            .store
            .account_by_email(demo::CUSTOMER_EMAIL)
            .await
            .unwrap()
            .unwrap();
        let token_id = app.state.store.tokens_of(account.id).await.unwrap()[0].id;

        let r = app.call(&leaked, "/api/create_token", "name=more").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let error: crate::error::AppError = serde_json::from_str(&r.body).unwrap();
        assert_eq!(error, crate::error::AppError::SessionRequired);
        assert!(error.to_string().starts_with("Sign in to the portal"));
        assert_eq!(
            app.state.store.tokens_of(account.id).await.unwrap().len(),
            1,
            "no new token"
        );

        let r = app
            .call(&leaked, "/api/revoke_token", &format!("id={token_id}"))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

        let r = app
            .call(
                &leaked,
                "/api/change_password",
                &format!(
                    "current={}&new=taken-over-pass&confirm=taken-over-pass",
                    demo::CUSTOMER_PASSWORD
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(
            session_cookies(&r.headers).is_empty(),
            "a token never gets a session"
        );
        // Nothing changed: the token works, the password is the old one.
        assert_eq!(
            app.call(&leaked, "/api/list_jobs", "query[q]=")
                .await
                .status,
            StatusCode::OK
        );
        app.customer().await;
        // The same operations from a browser session still work.
        let me = app.customer().await;
        let r = app
            .call(&me, "/api/create_token", "name=from-browser")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    });
}

const STAFF_TOKEN_LABEL: &str = "Sam Staff (API token \u{201c}ops\u{201d})";

#[test]
fn staff_tokens_run_console_operations_under_the_staff_members_name() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let ops = app.token_of(demo::STAFF_EMAIL, "ops").await;
        let customer_token = app.token_of(demo::CUSTOMER_EMAIL, "ci").await;
        let id = app.job_id("demo-shipping").await;
        let drives: Vec<String> = app
            .state
            .store
            .job(id)
            .await
            .unwrap()
            .unwrap()
            .job
            .drives
            .iter()
            .map(|d| d.drive_id.clone())
            .collect();
        let intake = format!("id={id}&found_text={}", drives.join("+"));

        // Anonymous and customers' tokens are refused, and nothing happens.
        let r = app
            .call(&Browser::anonymous(), "/api/staff_package_intake", &intake)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        let r = app
            .call(&customer_token, "/api/staff_package_intake", &intake)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let job = app.state.store.job(id).await.unwrap().unwrap();
        assert_eq!(job.job.state, lifecycle::JobState::Shipping);

        // As `curl -H "Authorization: Bearer …" -d id=… -d found_text=…` sends it: a form, no Accept header.
        let request = Request::post("/api/staff_package_intake")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", ops.token.clone().unwrap()),
            )
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(intake.clone()))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app
            .call(
                &ops,
                "/api/staff_add_note",
                &format!("id={id}&text=Checked+by+script"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // A refusal is the console's: the lifecycle's reason with its status (the same drives again are no
        // later shipment: they are already here).
        let r = app.call(&ops, "/api/staff_package_intake", &intake).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("never received"), "{}", r.body);

        let staff = app.staff().await;
        let r = app
            .call(&staff, "/api/staff_job", &format!("id={id}"))
            .await;
        let view: crate::console::StaffJobView = serde_json::from_str(&r.body).unwrap();
        assert_eq!(view.job.state, lifecycle::JobState::Received);
        let by_token: Vec<(&str, crate::model::ActorKind)> = view
            .timeline
            .iter()
            .filter(|e| e.actor == STAFF_TOKEN_LABEL)
            .map(|e| (e.kind.as_str(), e.actor_kind))
            .collect();
        assert_eq!(
            by_token,
            vec![
                ("packageReceived", crate::model::ActorKind::Staff),
                ("noteAdded", crate::model::ActorKind::Staff)
            ]
        );

        let audit = app
            .state
            .store
            .audit_entries(Some("staff-action"), 10)
            .await
            .unwrap();
        let mine: Vec<&str> = audit
            .iter()
            .filter(|e| e.actor_label == STAFF_TOKEN_LABEL)
            .map(|e| e.detail.as_str())
            .collect();
        assert_eq!(mine.len(), 3, "{mine:?}");
        assert!(
            mine[2].starts_with("staff_package_intake ") && mine[2].ends_with("\u{2192} done"),
            "{}",
            mine[2]
        );
        assert!(
            mine[2].contains(&drives[0]),
            "the fields are recorded: {}",
            mine[2]
        );
        assert!(mine[0].ends_with("\u{2192} refused (400)"), "{}", mine[0]);
        assert!(
            audit.iter().all(|e| !e.actor_label.contains("ci")),
            "refused callers did no staff action"
        );
    });
}

#[test]
fn staff_actions_and_sign_ins_are_audited() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let staff = app.staff().await;
        let signins = app
            .state
            .store
            .audit_entries(Some("sign-in"), 10)
            .await
            .unwrap();
        assert_eq!(signins[0].actor_label, "Sam Staff");
        let job = app.job_id("demo-transferring").await;
        let count = || async {
            app.state
                .store
                .audit_entries(Some("staff-action"), 1000)
                .await
                .unwrap()
        };

        // Every staff server function that is not a read writes one entry, done or refused, named by the
        // operation (the calls of the matrix are refused by the lifecycle or validation, or harmless).
        let rows: std::collections::BTreeMap<_, _> = super::console_tests::function_rows(job)
            .into_iter()
            .collect();
        let (_, functions) = super::router_tests::policy_paths();
        let mut audited = 0;
        for path in functions.iter().filter(|p| p.starts_with("/api/staff_")) {
            let name = &path["/api/".len()..];
            let before = count().await.len();
            let (form, _) = &rows[path.as_str()];
            app.call(&staff, path, form).await;
            let after = count().await;
            if super::auth::staff_audit::READS.contains(&name) {
                assert_eq!(after.len(), before, "{name} only reads: not audited");
            } else {
                assert_eq!(after.len(), before + 1, "{name} wrote no audit entry");
                assert_eq!(after[0].actor_label, "Sam Staff");
                assert!(
                    after[0].detail.starts_with(&format!("{name} ")),
                    "{}",
                    after[0].detail
                );
                audited += 1;
            }
        }
        assert!(audited >= 18, "{audited}");
        for read in super::auth::staff_audit::READS {
            assert!(
                functions.contains(&format!("/api/{read}")),
                "{read} is listed as a read but is no server function"
            );
        }

        // Running the timers (which changes jobs) is a staff action like any other.
        let r = app.call(&staff, "/api/staff_run_timers", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(count().await[0].detail, "staff_run_timers \u{2192} done");
        // A refused plain form post (JavaScript off) is recorded as refused.
        let r = app
            .post_form(
                &staff,
                "/api/staff_advance_clock",
                "days=x&hours=0",
                "http://localhost/staff/clock",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(
            count().await[0].detail,
            "staff_advance_clock days=x hours=0 \u{2192} refused"
        );
        let r = app
            .post_form(
                &staff,
                "/api/staff_advance_clock",
                "days=1&hours=0",
                "http://localhost/staff/clock",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        assert_eq!(
            count().await[0].detail,
            "staff_advance_clock days=1 hours=0 \u{2192} done"
        );
        // A customer's attempt is refused at the door: no staff action happened.
        let before = count().await.len();
        let me = app.customer().await;
        app.call(&me, "/api/staff_run_timers", "").await;
        assert_eq!(count().await.len(), before);
    });
}
