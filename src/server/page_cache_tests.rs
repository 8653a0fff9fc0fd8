//! Kept job pages, through the router: served again only to the same viewer, always with a fresh nonce,
//! dropped by every job change, never holding BitLocker keys, and checked against the database on PostgreSQL.

use super::router_tests::{on_shared_runtime, test_app, Reply, TestApp};
use super::store::Backend;
use axum::http::{header, StatusCode};

fn nonce_of(reply: &Reply) -> String {
    let policy = reply.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_string()
}

fn current_node(reply: &Reply) -> Option<String> {
    reply
        .body
        .split("data-testid=\"node-")
        .find(|chunk| chunk.contains("data-visit=\"current\""))
        .map(|chunk| chunk.split('"').next().unwrap_or_default().to_string())
}

async fn customer_name(app: &TestApp) -> String {
    app.state
        .store
        .account_by_email(super::demo::CUSTOMER_EMAIL)
        .await
        .unwrap()
        .unwrap()
        .display_name
}

#[test]
fn a_kept_page_is_served_again_with_a_nonce_of_its_own() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let id = app.job_id("demo-transferring").await;
        let me = app.customer().await;
        let pages = app.state.live.pages();
        let first = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(pages.hits(), 0);
        assert_eq!(pages.len(), 1);
        let second = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(second.status, StatusCode::OK);
        assert_eq!(pages.hits(), 1, "the second read is the kept page");
        let (a, b) = (nonce_of(&first), nonce_of(&second));
        assert_ne!(a, b, "every response has its own nonce");
        assert!(second.body.contains(&format!("nonce=\"{b}\"")));
        assert!(
            !second.body.contains(&a),
            "nothing of the first nonce is left"
        );
        assert_eq!(first.body.replace(&a, "N"), second.body.replace(&b, "N"));
        assert_eq!(
            second.headers[header::CONTENT_TYPE],
            first.headers[header::CONTENT_TYPE]
        );
        // The other security headers come with it as with any page.
        assert_eq!(second.headers["x-frame-options"], "DENY");
    });
}

#[test]
fn a_job_change_drops_the_jobs_pages() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let id = app.job_id("demo-ready-to-ship-1").await;
        let me = app.customer().await;
        let before = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(current_node(&before).as_deref(), Some("Creating"));
        let r = app
            .call(&me, "/api/mark_shipped", &format!("id={id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let after = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(current_node(&after).as_deref(), Some("Shipping"));
        assert_eq!(app.state.live.pages().hits(), 0);
        // A plain form post (JavaScript off) too: its redirect back finds the new state.
        let other = app.job_id("demo-ready-to-ship-2").await;
        let page = format!("/jobs/{other}");
        app.get(&me, &page).await;
        let posted = app
            .post_form(
                &me,
                "/api/mark_shipped",
                &format!("id={other}"),
                &format!("http://localhost{page}"),
            )
            .await;
        assert_eq!(posted.status, StatusCode::FOUND);
        let redirected = app.get(&me, &page).await;
        assert_eq!(current_node(&redirected).as_deref(), Some("Shipping"));
    });
}

#[test]
fn a_page_is_kept_for_its_viewer_only() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let id = app.job_id("demo-transferring").await;
        let path = format!("/jobs/{id}");
        let me = app.customer().await;
        let staff = app.staff().await;
        let other = app.other_customer().await;
        let pages = app.state.live.pages();
        let name = customer_name(&app).await;
        let mine = app.get(&me, &path).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains(&name));
        // Another customer must not see the job, kept page or not.
        let theirs = app.get(&other, &path).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        assert!(!theirs.body.contains(&name));
        // Staff get their own page (their name, the console link), rendered for them.
        let staffs = app.get(&staff, &path).await;
        assert_eq!(staffs.status, StatusCode::OK);
        assert!(staffs.body.contains("Support console"));
        assert!(!mine.body.contains("Support console"));
        assert_eq!(pages.hits(), 0);
        // The same customer signed in again (another session) is the same viewer.
        let again = app.customer().await;
        let mine_again = app.get(&again, &path).await;
        assert_eq!(pages.hits(), 1);
        assert!(mine_again.body.contains(&name));
        assert!(!mine_again.body.contains("Support console"));
    });
}

#[test]
fn bitlocker_keys_are_never_kept() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let id = app.job_id("demo-creating").await;
        let me = app.customer().await;
        let pages = app.state.live.pages();
        let job = app.state.store.job(id).await.unwrap().unwrap();
        let key = job.job.drives[0].bit_locker_key.clone().expect("a key");
        let audited = || async {
            app.state
                .store
                .audit_entries(Some("bitlocker-keys-viewed"), 100)
                .await
                .unwrap()
                .len()
        };
        let before = audited().await;
        for _ in 0..2 {
            let r = app.get(&me, &format!("/jobs/{id}?keys=show")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert!(r.body.contains(&key), "the keys are shown");
        }
        assert_eq!(pages.hits(), 0);
        assert!(pages.is_empty(), "a page with keys is never kept");
        assert_eq!(
            audited().await,
            before + 2,
            "each showing is read and audited"
        );
        // The kept page without keys has none.
        app.get(&me, &format!("/jobs/{id}")).await;
        let kept = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(pages.hits(), 1);
        assert!(!kept.body.contains(&key));
    });
}

#[test]
fn each_drive_choice_and_each_minute_is_a_page_of_its_own() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let id = app.job_id("demo-transferring").await;
        let me = app.customer().await;
        let pages = app.state.live.pages();
        let job = app.state.store.job(id).await.unwrap().unwrap();
        let drive = job.job.drives[0].drive_id.clone();
        let all = app.get(&me, &format!("/jobs/{id}")).await;
        let one = app.get(&me, &format!("/jobs/{id}?drive={drive}")).await;
        assert_eq!(pages.hits(), 0);
        assert!(one.body.contains(&format!("Drive lifecycle of {drive}:")));
        assert!(!all.body.contains(&format!("Drive lifecycle of {drive}:")));
        app.get(&me, &format!("/jobs/{id}?drive={drive}")).await;
        assert_eq!(pages.hits(), 1);
        // A minute later the relative times are counted from a new "now".
        app.state
            .clock
            .advance(chrono::TimeDelta::seconds(61))
            .unwrap();
        app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(pages.hits(), 1, "rendered afresh");
        app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(pages.hits(), 2);
    });
}

#[test]
fn on_postgresql_a_change_announced_elsewhere_is_seen_at_once() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        if app.state.store.backend() != Backend::Postgres {
            // One instance per SQLite file: every change goes through this server's announcements.
            return;
        }
        let id = app.job_id("demo-ready-to-ship-1").await;
        let me = app.customer().await;
        app.get(&me, &format!("/jobs/{id}")).await;
        // Another instance's change: committed, its notification not here yet.
        let identity_actor = crate::model::Actor::system();
        app.state
            .store
            .execute(
                id,
                &[lifecycle::Command::Customer(
                    lifecycle::CustomerCommand::MarkShipping,
                )],
                &identity_actor,
                app.state.clock.now(),
                app.state.settings(),
            )
            .await
            .unwrap();
        let after = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(current_node(&after).as_deref(), Some("Shipping"));
        assert_eq!(app.state.live.pages().hits(), 0);
    });
}

/// The states of the job diagram (wide layout) with how the page marks them, and each tooltip's text.
fn job_diagram_nodes(body: &str) -> Vec<(String, String)> {
    let start = body
        .find("data-testid=\"job-diagram\"")
        .expect("a job diagram");
    let end = body[start..]
        .find("data-testid=\"job-diagram-compact\"")
        .map_or(body.len(), |e| start + e);
    body[start..end]
        .split("data-testid=\"node-")
        .skip(1)
        .map(|chunk| {
            let key = chunk.split('"').next().unwrap_or_default().to_string();
            let visit = chunk
                .split("data-visit=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or_default()
                .to_string();
            (key, visit)
        })
        .collect()
}

/// The job page draws the path of the job's event log: every state the log entered is reached (and its tooltip
/// says when), the job's state is the current one, nothing else is marked; a kept page draws the same.
#[test]
fn the_page_draws_the_path_of_the_event_log() {
    on_shared_runtime(async move {
        let app = test_app().await.with_clock_at_rest();
        let me = app.customer().await;
        for name in [
            "demo-transferring",
            "demo-cancelled-in-transit",
            "demo-faulted",
        ] {
            let id = app.job_id(name).await;
            let job = app.state.store.job(id).await.unwrap().unwrap().job;
            let steps = app.state.store.state_history(id).await.unwrap();
            for _ in 0..2 {
                let page = app.get(&me, &format!("/jobs/{id}")).await;
                assert_eq!(page.status, StatusCode::OK);
                let nodes = job_diagram_nodes(&page.body);
                assert!(!nodes.is_empty());
                for (key, visit) in &nodes {
                    let state = lifecycle::JobState::parse(key).expect("a state name");
                    let expected = if state == job.state {
                        "current"
                    } else if steps.iter().any(|s| s.to == state) {
                        "visited"
                    } else {
                        "untouched"
                    };
                    assert_eq!(visit, expected, "{name}: {key}");
                }
                // A tooltip says when its state was last reached.
                for (i, step) in steps.iter().enumerate() {
                    if steps[i + 1..].iter().any(|later| later.to == step.to) {
                        continue;
                    }
                    let when = crate::app::components::time::iso_minutes(step.at);
                    assert!(
                        page.body.contains(&format!("eached {when}.")),
                        "{name}: when {} was reached ({when})",
                        step.to.as_str()
                    );
                }
            }
        }
        assert_eq!(
            app.state.live.pages().hits(),
            3,
            "each second read was kept"
        );
    });
}
