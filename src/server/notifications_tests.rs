//! The durable change path and the notifications that consume it: a change committed by a process that died
//! before reacting is reacted to after the restart; notifications are queued in the consumer's transaction,
//! coalesced, delivered once with a stable id, retried with backoff on a moved clock; webhooks arrive signed
//! at a real receiver on loopback.

use super::changes::catch_up;
use super::live::Change;
use super::router_tests::{on_shared_runtime, test_app_with, TestApp};
use super::store::changes::{LIVE, NOTIFY};
use super::store::Store;
use crate::model::{Actor, ActorKind};
use axum::http::header;
use lifecycle::{Command, CustomerCommand, OperatorCommand};
use std::sync::{Arc, Mutex};

fn customer_actor(app: &TestApp) -> Actor {
    let _ = app;
    Actor {
        kind: ActorKind::Customer,
        account_id: None,
        label: "Demo Customer".into(),
    }
}

async fn customer_id(app: &TestApp) -> i64 {
    app.state
        .store
        .account_by_email(super::demo::CUSTOMER_EMAIL)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn staff_actor() -> Actor {
    Actor {
        kind: ActorKind::Staff,
        account_id: Some(2),
        label: "Demo Staff".into(),
    }
}

async fn notify_app(mail: &tempfile::TempDir) -> TestApp {
    let dir = mail.path().to_path_buf();
    test_app_with(move |c| {
        c.notifications.mail_dir = dir;
        c.notifications.webhook_allow_private = true;
        c.notifications.public_url = Some("https://portal.test".into());
    })
    .await
}

/// Drains what the hub has published so far.
fn published(rx: &mut tokio::sync::broadcast::Receiver<Option<Change>>) -> Vec<Change> {
    let mut out = Vec::new();
    while let Ok(Some(change)) = rx.try_recv() {
        out.push(change);
    }
    out
}

#[test]
fn a_change_whose_process_died_before_reacting_is_reacted_to_after_the_restart() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        // Whatever the seed left is processed first, so that the counts below are this test's.
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        // "The process that commits and then dies": a second store on the database with no reaction installed.
        let dying = Store::open(&app.url).await.unwrap();
        let (changed, _) = dying
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        drop(dying);
        assert_eq!(app.state.store.pending_changes(LIVE).await.unwrap(), 1);
        assert_eq!(app.state.store.pending_changes(NOTIFY).await.unwrap(), 1);

        // The restart: the consumer resumes from its queue.
        let mut rx = app.state.live.subscribe();
        let pass = catch_up(&app.state, i64::MAX).await.unwrap();
        assert_eq!((pass.replayed, pass.notified), (1, 1));
        let seen = published(&mut rx);
        assert!(
            seen.iter().any(|c| matches!(c, Change::Job(j) if j.job_id == job && j.version == changed.job.version)),
            "{seen:?}"
        );
        assert_eq!(app.state.store.pending_changes(LIVE).await.unwrap(), 0);
        assert_eq!(app.state.store.pending_changes(NOTIFY).await.unwrap(), 0);
        // The notifications consumer queued the customer's email for it, once.
        let emails = app
            .state
            .store
            .emails_to(customer_id(&app).await, 10)
            .await
            .unwrap();
        assert_eq!(emails.len(), 1, "{emails:?}");
        assert_eq!(emails[0].job_id, Some(job));
        // A second pass has nothing left to do.
        assert_eq!(
            catch_up(&app.state, i64::MAX).await.unwrap(),
            Default::default()
        );
        assert!(published(&mut rx).is_empty());
    });
}

#[test]
fn the_acting_request_reacts_at_once_and_the_consumer_does_not_publish_it_again() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        let mut rx = app.state.live.subscribe();
        let (changed, _) = app
            .state
            .store
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        // Published before `execute` returned: the author's next read sees its change.
        let seen = published(&mut rx);
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(matches!(&seen[0], Change::Job(j) if j.version == changed.job.version));
        let pass = catch_up(&app.state, i64::MAX).await.unwrap();
        assert_eq!(pass.replayed, 0);
        assert_eq!(pass.notified, 1);
        assert!(published(&mut rx).is_empty());
    });
}

#[test]
fn a_refused_command_writes_no_change_record() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-completed").await;
        let refused = app
            .state
            .store
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await;
        assert!(refused.is_err());
        assert_eq!(app.state.store.pending_changes(LIVE).await.unwrap(), 0);
        assert_eq!(app.state.store.pending_changes(NOTIFY).await.unwrap(), 0);
    });
}

#[test]
fn changes_to_one_job_are_coalesced_into_one_email_written_once_as_an_eml_file() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        let now = app.state.clock.now();
        let settings = *app.state.settings();
        let store = &app.state.store;
        store
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                now,
                &settings,
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        let drives: Vec<String> = store
            .job(job)
            .await
            .unwrap()
            .unwrap()
            .job
            .drives
            .iter()
            .map(|d| d.drive_id.clone())
            .collect();
        store
            .execute(
                job,
                &[Command::Operator(OperatorCommand::PackageIntake {
                    found: drives,
                    extra: vec![],
                })],
                &staff_actor(),
                app.state.clock.now(),
                &settings,
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        let emails = store.emails_to(customer_id(&app).await, 10).await.unwrap();
        assert_eq!(emails.len(), 1, "one email for both changes: {emails:?}");
        assert!(
            emails[0].payload.contains("Creating → Shipping"),
            "{}",
            emails[0].payload
        );
        assert!(
            emails[0].payload.contains("Shipping → Received"),
            "{}",
            emails[0].payload
        );

        // Within the debounce window nothing goes out.
        assert_eq!(
            super::notifications::dispatch_due(&app.state)
                .await
                .unwrap(),
            0
        );
        app.state
            .clock
            .advance(chrono::TimeDelta::seconds(61))
            .unwrap();
        assert_eq!(
            super::notifications::dispatch_due(&app.state)
                .await
                .unwrap(),
            1
        );
        let files: Vec<_> = std::fs::read_dir(mail.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        assert!(eml.contains("Message-ID: <change-"), "{eml}");
        assert!(eml.contains("multipart/alternative"), "{eml}");
        assert!(eml.contains("https://portal.test/jobs/"), "{eml}");
        assert!(eml.contains("account#notifications"), "{eml}");
        let sent = store.delivery(emails[0].id).await.unwrap().unwrap();
        assert_eq!(sent.status, "delivered");
        // Delivered is never sent again, by this dispatcher or a restarted one.
        app.state
            .clock
            .advance(chrono::TimeDelta::hours(1))
            .unwrap();
        assert_eq!(
            super::notifications::dispatch_due(&app.state)
                .await
                .unwrap(),
            0
        );
        assert_eq!(std::fs::read_dir(mail.path()).unwrap().count(), 1);
    });
}

/// A webhook receiver on loopback that fails its first `fail` requests with 500.
async fn receiver(fail: usize) -> (String, Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>) {
    let got: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>> = Default::default();
    let seen = got.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push((headers, body));
                if seen.len() <= fail {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/hook"), got)
}

#[test]
fn a_webhook_that_fails_twice_arrives_signed_on_the_third_attempt_once_across_a_restart() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let (url, got) = receiver(2).await;
        let secret = super::notifications::webhooks::new_secret();
        let now = app.state.clock.now();
        app.state
            .store
            .create_webhook(customer_id(&app).await, &url, &[], &secret, now)
            .await
            .unwrap()
            .unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        app.state
            .store
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                now,
                app.state.settings(),
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        let dispatch = super::notifications::dispatch_due;
        // The email waits for its window; the webhook goes at once, and fails.
        assert_eq!(dispatch(&app.state).await.unwrap(), 1);
        assert_eq!(got.lock().unwrap().len(), 1);
        // Not before its backoff…
        assert_eq!(dispatch(&app.state).await.unwrap(), 0);
        app.state
            .clock
            .advance(chrono::TimeDelta::seconds(30))
            .unwrap();
        assert_eq!(dispatch(&app.state).await.unwrap(), 1);
        assert_eq!(got.lock().unwrap().len(), 2);
        // A restart between the second and third attempts: another process over the same database.
        let restarted = app.state.with(|_| {});
        app.state
            .clock
            .advance(chrono::TimeDelta::seconds(60))
            .unwrap();
        // The email's window has passed by now, too: both go.
        assert_eq!(dispatch(&restarted).await.unwrap(), 2);
        let requests = got.lock().unwrap().clone();
        assert_eq!(requests.len(), 3);
        // Same webhook-id every time; each signed; a CloudEvent.
        let ids: Vec<&str> = requests
            .iter()
            .map(|(h, _)| h["webhook-id"].to_str().unwrap())
            .collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        for (headers, body) in &requests {
            let ts: i64 = headers["webhook-timestamp"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(
                headers["webhook-signature"].to_str().unwrap(),
                super::notifications::webhooks::sign_one(&secret, ids[0], ts, body.as_bytes())
            );
            let event: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(event["specversion"], "1.0");
            assert_eq!(event["type"], "Microsoft.ImportExport.JobStateChanged");
            assert_eq!(event["data"]["state"], "Shipping");
            assert_eq!(event["data"]["previousState"], "Creating");
            assert!(event["source"]
                .as_str()
                .unwrap()
                .ends_with("/providers/Microsoft.ImportExport/jobs/demo-ready-to-ship-1"));
        }
        // Acknowledged: never sent again.
        app.state
            .clock
            .advance(chrono::TimeDelta::hours(3))
            .unwrap();
        assert_eq!(dispatch(&app.state).await.unwrap(), 0);
        assert_eq!(dispatch(&restarted).await.unwrap(), 0);
        assert_eq!(got.lock().unwrap().len(), 3);
        let log = app.state.store.deliveries_of_job(job, 10).await.unwrap();
        let hook = log.iter().find(|d| d.channel == "webhook").unwrap();
        assert_eq!(
            (hook.status.as_str(), hook.attempts, hook.last_code),
            ("delivered", 3, Some(204))
        );
    });
}

#[test]
fn a_delivery_failing_for_a_day_is_marked_failed_and_its_endpoint_disabled() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let (url, got) = receiver(usize::MAX).await;
        let now = app.state.clock.now();
        let hook = app
            .state
            .store
            .create_webhook(
                customer_id(&app).await,
                &url,
                &["JobStateChanged".into()],
                &super::notifications::webhooks::new_secret(),
                now,
            )
            .await
            .unwrap()
            .unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        app.state
            .store
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                now,
                app.state.settings(),
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        for _ in 0..40 {
            super::notifications::dispatch_due(&app.state)
                .await
                .unwrap();
            app.state
                .clock
                .advance(chrono::TimeDelta::hours(2))
                .unwrap();
        }
        let attempts = got.lock().unwrap().len();
        assert!(attempts >= 10, "{attempts}");
        let endpoint = app.state.store.webhook(hook).await.unwrap().unwrap();
        assert!(endpoint.disabled_at.is_some());
        let log = app
            .state
            .store
            .deliveries_of_webhook(hook, 10)
            .await
            .unwrap();
        assert_eq!(log[0].status, "failed");
        // Its owner is told by email.
        let emails = app
            .state
            .store
            .emails_to(customer_id(&app).await, 10)
            .await
            .unwrap();
        assert!(emails.iter().any(|e| e.topic == "disabled"), "{emails:?}");
    });
}

/// The 64-hex-character token of the first link to `path` in an account email's payload.
fn link_token(payload: &str, path: &str) -> String {
    let at = payload
        .find(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("no {path} link in {payload}"));
    let start = at + path.len() + "?token=".len();
    payload[start..start + 64].to_string()
}

async fn emails_to_address(app: &TestApp, email: &str) -> Vec<super::store::Delivery> {
    let account = app
        .state
        .store
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap();
    app.state.store.emails_to(account.id, 20).await.unwrap()
}

#[test]
fn sign_up_sends_a_verification_link_and_jobs_and_tokens_wait_for_it() {
    use super::router_tests::{with_set_cookies, Browser};
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        let email = "verify-me@example.com";
        let signed_up = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_up",
                "display_name=Vera+Verify&email=verify-me%40example.com&password=a-long-password&password_confirm=a-long-password",
                "192.0.2.40",
                None,
            )
            .await;
        assert!(
            signed_up.status.is_success() || signed_up.status.is_redirection(),
            "{}",
            signed_up.body
        );
        // Not signed in by the sign-up itself (an address that has an account gets the same answer): the new
        // customer signs in with their password.
        assert!(!signed_up.headers.contains_key(header::SET_COOKIE));
        let signed_in = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_in",
                "email=verify-me%40example.com&password=a-long-password",
                "192.0.2.40",
                None,
            )
            .await;
        let me = with_set_cookies(&Browser::anonymous(), &signed_in);
        // Signed in, but no tokens until verified.
        let refused = app.call(&me, "/api/create_token", "name=ci").await;
        assert_eq!(refused.status.as_u16(), 409, "{}", refused.body);
        assert!(
            refused.body.contains("Verify your email"),
            "{}",
            refused.body
        );
        let emails = emails_to_address(&app, email).await;
        assert_eq!(emails.len(), 1);
        assert_eq!(emails[0].topic, "verify");
        let token = link_token(&emails[0].payload, "/verify-email");
        // The link is stored hashed, never as sent.
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM account_links WHERE token_hash = $1")
                .bind(&token)
                .fetch_one(app.state.store.pool())
                .await
                .unwrap();
        assert_eq!(stored, 0);
        let verified = app
            .call(
                &Browser::anonymous(),
                "/api/verify_email",
                &format!("token={token}"),
            )
            .await;
        assert!(
            verified.status.is_success() || verified.status.is_redirection(),
            "{}",
            verified.body
        );
        // Single use.
        let again = app
            .call(
                &Browser::anonymous(),
                "/api/verify_email",
                &format!("token={token}"),
            )
            .await;
        assert_eq!(again.status.as_u16(), 409, "{}", again.body);
        let created = app.call(&me, "/api/create_token", "name=ci").await;
        assert!(created.status.is_success(), "{}", created.body);
        // Sent: the link no longer sits in the delivery log.
        super::notifications::dispatch_due(&app.state)
            .await
            .unwrap();
        let sent = app
            .state
            .store
            .delivery(emails[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sent.status, "delivered");
        assert!(!sent.payload.contains(&token));
    });
}

#[test]
fn sign_up_with_an_address_that_has_an_account_answers_the_same_and_tells_its_owner() {
    use super::router_tests::Browser;
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        let form = |email: &str| {
            format!(
                "display_name=Someone&email={}&password=a-long-password&password_confirm=a-long-password",
                email.replace('@', "%40")
            )
        };
        let fresh = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_up",
                &form("brand-new@example.com"),
                "192.0.2.41",
                None,
            )
            .await;
        let taken = app
            .call_from(
                &Browser::anonymous(),
                "/api/sign_up",
                &form(super::demo::CUSTOMER_EMAIL),
                "192.0.2.42",
                None,
            )
            .await;
        // Status, body, redirect and cookies: nothing tells the two apart.
        assert_eq!(
            fresh.status, taken.status,
            "{} / {}",
            fresh.body, taken.body
        );
        assert_eq!(fresh.body, taken.body);
        for name in [header::LOCATION, header::SET_COOKIE] {
            assert_eq!(fresh.headers.get(&name), taken.headers.get(&name), "{name}");
        }
        assert!(!taken.body.contains("already"), "{}", taken.body);
        // The owner of the address hears of it by email, and at most a few times per window.
        for i in 0..8 {
            app.call_from(
                &Browser::anonymous(),
                "/api/sign_up",
                &form(super::demo::CUSTOMER_EMAIL),
                &format!("192.0.2.{}", 50 + i),
                None,
            )
            .await;
        }
        let told: Vec<_> = emails_to_address(&app, super::demo::CUSTOMER_EMAIL)
            .await
            .into_iter()
            .filter(|d| d.topic == "already")
            .collect();
        assert!(!told.is_empty() && told.len() <= 5, "{} emails", told.len());
        assert!(
            told[0].payload.contains("already has an account"),
            "{}",
            told[0].payload
        );
        // Account emails link to the preferences too.
        let written = super::notifications::email::compose(&app.state, &told[0])
            .await
            .unwrap();
        assert!(
            written.text.contains("/account#notifications"),
            "{}",
            written.text
        );
    });
}

#[test]
fn forgot_password_answers_the_same_for_any_address_and_its_link_resets_once() {
    use super::router_tests::Browser;
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        let customer = app.customer().await;
        let token_browser = app
            .token_of(super::demo::CUSTOMER_EMAIL, "before-reset")
            .await;
        let known = app
            .call_from(
                &Browser::anonymous(),
                "/api/forgot_password",
                "email=customer%40example.com",
                "192.0.2.41",
                None,
            )
            .await;
        let unknown = app
            .call_from(
                &Browser::anonymous(),
                "/api/forgot_password",
                "email=nobody%40example.com",
                "192.0.2.41",
                None,
            )
            .await;
        assert_eq!(known.status, unknown.status);
        assert_eq!(known.body, unknown.body);
        let emails = emails_to_address(&app, super::demo::CUSTOMER_EMAIL).await;
        let reset = emails
            .iter()
            .find(|e| e.topic == "reset")
            .expect("a reset email");
        let token = link_token(&reset.payload, "/reset-password");
        let form = format!(
            "token={token}&password=a-brand-new-password&password_confirm=a-brand-new-password&revoke_tokens=on"
        );
        let done = app
            .call(
                &Browser::anonymous(),
                "/api/reset_password_with_link",
                &form,
            )
            .await;
        assert!(
            done.status.is_success() || done.status.is_redirection(),
            "{}",
            done.body
        );
        // Every session ended, API tokens revoked, the new password works, the link is spent.
        assert!(app.get(&customer, "/account").await.status.is_redirection());
        let api = app
            .get(
                &token_browser,
                "/subscriptions/x/providers/Microsoft.ImportExport/jobs?api-version=2021-01-01",
            )
            .await;
        assert_eq!(api.status.as_u16(), 401, "{}", api.body);
        app.sign_in(super::demo::CUSTOMER_EMAIL, "a-brand-new-password")
            .await;
        let again = app
            .call(
                &Browser::anonymous(),
                "/api/reset_password_with_link",
                &form,
            )
            .await;
        assert_eq!(again.status.as_u16(), 409, "{}", again.body);
        // Limited per address asked for: the sixth request within the hour waits.
        let mut last = None;
        for _ in 0..5 {
            last = Some(
                app.call_from(
                    &Browser::anonymous(),
                    "/api/forgot_password",
                    "email=customer%40example.com",
                    "192.0.2.42",
                    None,
                )
                .await,
            );
        }
        let last = last.unwrap();
        assert_eq!(last.status.as_u16(), 429, "{}", last.body);
        assert!(last.headers.contains_key("retry-after"));
    });
}

#[test]
fn a_restart_in_demo_mode_keeps_the_changes_people_made_for_their_consumers() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-ready-to-ship-1").await;
        let dying = Store::open(&app.url).await.unwrap();
        dying
            .execute(
                job,
                &[Command::Customer(CustomerCommand::MarkShipping)],
                &customer_actor(&app),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        // The restart seeds again (nothing new): the customer's change is still to be told.
        super::demo::seed(&dying, app.state.clock.now(), app.state.settings())
            .await
            .unwrap();
        assert_eq!(app.state.store.pending_changes(NOTIFY).await.unwrap(), 1);
    });
}

#[test]
fn the_creating_expiry_is_warned_of_three_days_ahead_once() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-creating").await;
        let expiry = {
            let stored = app.state.store.job(job).await.unwrap().unwrap();
            stored.job.expiry_base + app.state.settings().timers.creating_expiry.delta()
        };
        let customer = customer_id(&app).await;
        let warnings = |emails: Vec<super::store::Delivery>| {
            emails
                .into_iter()
                .filter(|e| {
                    e.message_id
                        .starts_with(&format!("warning-{job}-creating-expiry"))
                })
                .count()
        };
        // Four days ahead: nothing yet.
        let now = app.state.clock.now();
        let to = |at: chrono::DateTime<chrono::Utc>| at - now;
        app.state
            .clock
            .advance(to(expiry - chrono::TimeDelta::days(4)))
            .unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            0
        );
        // Within three days: one warning with its date, however often the sweep runs.
        app.state.clock.advance(chrono::TimeDelta::days(2)).unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            1
        );
        super::notifications::dispatch_due(&app.state)
            .await
            .unwrap();
        let eml = std::fs::read_dir(mail.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|t| t.contains("Subject: Import/Export job demo-creating: Ship your package"))
            .expect("the warning email");
        assert!(
            eml.contains(&expiry.format("%Y-%m-%d").to_string()),
            "{eml}"
        );
    });
}

#[test]
fn an_intake_on_a_customers_job_is_emailed_with_its_dates_and_warned_of_before_destruction() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-creating").await;
        let customer = customer_id(&app).await;
        let now = app.state.clock.now();
        let new = lifecycle::intake::NewIntake {
            job_name: Some("demo-creating".into()),
            carrier_name: "DHL".into(),
            tracking_number: "LATE-BOX-9".into(),
            drive_ids: vec!["STRAY-1".into()],
            notes: String::new(),
        };
        let (intake, _) = app
            .state
            .store
            .record_intake(Some(job), &new, &staff_actor(), now, app.state.settings())
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        // The change's email names the drives and gives both dates.
        let emails = app.state.store.emails_to(customer, 50).await.unwrap();
        let noted = emails
            .iter()
            .find(|e| e.payload.contains("LATE-BOX-9"))
            .expect("an email about the intake");
        let destroy = intake.intake.destroy_deadline;
        assert!(
            noted
                .payload
                .contains(&lifecycle::dates::utc_minutes(destroy)),
            "{}",
            noted.payload
        );
        assert!(
            noted.payload.contains(&lifecycle::dates::utc_minutes(
                intake.intake.return_deadline
            )),
            "{}",
            noted.payload
        );
        let warnings = |emails: Vec<super::store::Delivery>| {
            emails
                .into_iter()
                .filter(|e| {
                    e.message_id
                        .starts_with(&format!("warning-intake-{}", intake.id))
                })
                .count()
        };
        // Timers move the intake to "return due"; three days before destruction one warning goes out, once.
        let to = |at: chrono::DateTime<chrono::Utc>| at - app.state.clock.now();
        app.state
            .clock
            .advance(to(destroy - chrono::TimeDelta::days(4)))
            .unwrap();
        app.state
            .store
            .execute_intake(
                intake.id,
                &lifecycle::intake::IntakeCommand::Tick,
                &staff_actor(),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            0
        );
        app.state.clock.advance(chrono::TimeDelta::days(2)).unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            1
        );
    });
}

#[test]
fn the_removal_of_a_finished_job_is_warned_of_once_shortly_before() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-completed").await;
        let customer = customer_id(&app).await;
        let removal = {
            let stored = app.state.store.job(job).await.unwrap().unwrap();
            stored.job.finished_at.unwrap() + app.state.settings().timers.retention.delta()
        };
        let warnings = |emails: Vec<super::store::Delivery>| {
            emails
                .into_iter()
                .filter(|e| {
                    e.message_id
                        .starts_with(&format!("warning-{job}-retention"))
                })
                .count()
        };
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            0
        );
        let to = removal - chrono::TimeDelta::days(2) - app.state.clock.now();
        app.state.clock.advance(to).unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        super::notifications::sweep_warnings(&app.state)
            .await
            .unwrap();
        assert_eq!(
            warnings(app.state.store.emails_to(customer, 50).await.unwrap()),
            1
        );
    });
}

#[test]
fn drives_shipped_back_are_emailed_with_their_tracking_link() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let job = app.job_id("demo-packaging").await;
        let drives = app
            .state
            .store
            .job(job)
            .await
            .unwrap()
            .unwrap()
            .job
            .drives
            .len() as u32;
        app.state
            .store
            .execute(
                job,
                &[Command::Operator(OperatorCommand::ShipBack {
                    package: lifecycle::ReturnPackage {
                        carrier_name: "UPS".into(),
                        tracking_number: "1Z999AA10123456784".into(),
                        drive_count: drives,
                        ship_date: "2026-12-01".into(),
                    },
                })],
                &staff_actor(),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        let customer = customer_id(&app).await;
        let email = app
            .state
            .store
            .emails_to(customer, 50)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.job_id == Some(job) && e.payload.contains("shippedBack"))
            .expect("an email about the ship-back");
        let written = super::notifications::email::compose(&app.state, &email)
            .await
            .unwrap();
        let url = lifecycle::shipping::tracking_url("UPS", "1Z999AA10123456784").unwrap();
        assert!(written.text.contains(&url), "{}", written.text);
        assert!(
            written.text.contains("/account#notifications"),
            "{}",
            written.text
        );

        // Sent once the debounce window closes; staff see each attempt on the job's timeline.
        app.state
            .clock
            .advance(chrono::TimeDelta::minutes(2))
            .unwrap();
        while super::notifications::dispatch_due(&app.state)
            .await
            .unwrap()
            > 0
        {}
        let staff = app.staff().await;
        let listed = app
            .call(&staff, "/api/staff_job_notifications", &format!("id={job}"))
            .await;
        assert!(listed.status.is_success(), "{}", listed.body);
        let deliveries: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
        let shipped = deliveries
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == email.id)
            .expect("the ship-back email on the staff timeline");
        assert_eq!(shipped["status"], "delivered", "{shipped}");
        assert_eq!(
            shipped["attempt_log"].as_array().unwrap().len(),
            1,
            "{shipped}"
        );
        assert_eq!(shipped["attempt_log"][0]["ok"], true, "{shipped}");
    });
}

#[test]
fn staff_who_subscribe_to_the_attention_queue_hear_of_its_new_entries() {
    on_shared_runtime(async {
        let mail = tempfile::tempdir().unwrap();
        let app = notify_app(&mail).await;
        catch_up(&app.state, i64::MAX).await.unwrap();
        let staff = app.staff().await;
        // Off by default: a fault reaches no staff inbox.
        let job = app.job_id("demo-transferring").await;
        let staff_id = app
            .state
            .store
            .account_by_email(super::demo::STAFF_EMAIL)
            .await
            .unwrap()
            .unwrap()
            .id;
        let saved = app
            .call(
                &staff,
                "/api/set_notification_preferences",
                "attention_queue=on",
            )
            .await;
        assert!(saved.status.is_success(), "{}", saved.body);
        app.state
            .store
            .execute(
                job,
                &[Command::Operator(OperatorCommand::FaultJob {
                    reason: "The copy station lost power".into(),
                })],
                &staff_actor(),
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        catch_up(&app.state, i64::MAX).await.unwrap();
        let emails = app.state.store.emails_to(staff_id, 10).await.unwrap();
        assert_eq!(emails.len(), 1, "{emails:?}");
        assert_eq!(emails[0].topic, "attentionQueue");
        super::notifications::dispatch_due(&app.state)
            .await
            .unwrap();
        let eml = std::fs::read_dir(mail.path())
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|t| t.contains("To: staff@example.com"))
            .expect("the staff email");
        assert!(eml.contains("needs attention"), "{eml}");
        assert!(eml.contains("/staff/jobs/"), "{eml}");
    });
}
