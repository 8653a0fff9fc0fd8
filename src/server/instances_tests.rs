//! Several server instances on one PostgreSQL database: live updates cross instances, one instance at a time
//! runs the timers, and sign-in limits count attempts on every instance together. These tests run when `PORTAL_TEST_DATABASE_URL` names a PostgreSQL server (the test
//! command runs the suite a second time that way); on SQLite, one instance per file, they have nothing to show.

use super::clock::Clock;
use super::config::{Config, ServeArgs};
use super::live::{JobChanged, LiveHub};
use super::router_tests::on_shared_runtime;
use super::state::{AppState, Shared};
use super::store::test_support::shared_postgres_url;
use super::store::Store;
use super::timers::{sweep_once, Lease};
use std::sync::Arc;
use std::time::Duration;

async fn instance(url: &str, clock: Clock) -> AppState {
    let store = Store::open(url).await.expect("open");
    let config = Config::load(&ServeArgs::default(), &|_| None).expect("config");
    AppState::new(Shared {
        leptos_options: config.leptos.clone(),
        static_files: super::static_files::StaticFiles::for_site(&config.leptos),
        live: LiveHub::shared(64, store.pool().clone(), url.to_string()),
        changes: Default::default(),
        store,
        clock,
        config: Arc::new(config),
        sign_in_limiter: Default::default(),
        hashing: Default::default(),
    })
}

#[test]
fn a_change_announced_on_one_instance_reaches_subscribers_of_another() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = instance(&url, Clock::system()).await;
        let b = instance(&url, Clock::system()).await;
        let mut on_b = b.live.subscribe();
        // Wait for B's listener (it says so with a resync), then announce on A.
        let ready = tokio::time::timeout(Duration::from_secs(5), on_b.recv())
            .await
            .expect("listener up")
            .unwrap();
        assert_eq!(ready, None);
        let change = JobChanged {
            job_id: 42,
            subscription_id: "sub".into(),
            version: 7,
            state: "Shipping".into(),
        };
        let started = std::time::Instant::now();
        a.live.publish(change.clone());
        let got = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                if let Ok(Some(c)) = on_b.recv().await {
                    return c;
                }
            }
        })
        .await
        .expect("within one second");
        assert_eq!(got, change.into());
        assert!(started.elapsed() < Duration::from_secs(1));
    });
}

#[test]
fn one_instance_at_a_time_holds_the_timer_lease_and_timers_fire_once() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let clock = Clock::development();
        let a = instance(&url, clock.clone()).await;
        let b = instance(&url, clock.clone()).await;
        let settings = *a.settings();
        super::demo::seed(&a.store, clock.now(), &settings)
            .await
            .unwrap();

        let mut lease_a = Lease::default();
        let mut lease_b = Lease::default();
        assert!(lease_a.hold(&a).await, "the first instance takes the lease");
        assert!(!lease_b.hold(&b).await, "the second waits");
        assert!(lease_a.hold(&a).await, "and the holder keeps it");

        // The Creating demo jobs expire; both instances sweeping at once still fire each timer once.
        clock.advance(chrono::TimeDelta::days(15)).unwrap();
        let (x, y) = tokio::join!(sweep_once(&a), sweep_once(&b));
        let fired = x.unwrap() + y.unwrap();
        assert!(fired >= 1);
        for id in 1..=20 {
            let deletions = a
                .store
                .events(id)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.event.kind.name() == "deleted")
                .count();
            assert!(deletions <= 1, "job {id} deleted {deletions} times");
        }

        // The holder gives the lease up: its session closes, and the other instance takes over. (Killing a
        // real server process that holds it is end2end/tests/instances.spec.ts.)
        lease_a.release().await;
        assert!(takes_over(&mut lease_b, &b).await, "the lease passes on");
        assert!(
            !lease_a.hold(&a).await,
            "and the old holder does not get it back"
        );
    });
}

/// Tries to take the lease for up to five seconds.
async fn takes_over(lease: &mut Lease, state: &AppState) -> bool {
    for _ in 0..50 {
        if lease.hold(state).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[test]
fn a_dropped_lease_frees_the_lock_instead_of_returning_it_to_the_pool() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = instance(&url, Clock::system()).await;
        let b = instance(&url, Clock::system()).await;
        let mut lease_a = Lease::default();
        assert!(lease_a.hold(&a).await);
        // As when the timer task ends: the lease goes away without being released.
        drop(lease_a);
        let mut lease_b = Lease::default();
        assert!(
            takes_over(&mut lease_b, &b).await,
            "no connection of A's pool kept the lock"
        );
        // A's pool is still usable and none of its connections holds the lock.
        let mut again = Lease::default();
        assert!(!again.hold(&a).await);
        assert!(a.store.ping().await.is_ok());
    });
}

#[test]
fn the_lease_session_asks_the_server_to_notice_a_vanished_holder() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = instance(&url, Clock::system()).await;
        let mut lease = Lease::default();
        assert!(lease.hold(&a).await);
        for (name, value) in [
            ("tcp_keepalives_idle", "10"),
            ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "3"),
            ("tcp_user_timeout", "25000"),
        ] {
            assert_eq!(
                lease.session_setting(name).await.as_deref(),
                Some(value),
                "{name}"
            );
        }
        // The pool's other connections keep the server's defaults.
        let idle: String = sqlx::query_scalar("SHOW tcp_keepalives_idle")
            .fetch_one(a.store.pool())
            .await
            .unwrap();
        assert_ne!(idle, "10");
    });
}

#[test]
fn when_the_server_ends_the_holders_session_another_instance_takes_over() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = instance(&url, Clock::system()).await;
        let b = instance(&url, Clock::system()).await;
        let mut lease_a = Lease::default();
        let mut lease_b = Lease::default();
        assert!(lease_a.hold(&a).await);
        assert!(!lease_b.hold(&b).await);
        // What the keepalive probes do to the session of a vanished host.
        let ended: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_locks \
             WHERE locktype = 'advisory' AND objid::bigint = $1 AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS ended",
        )
        .bind(0x4945_746d_i64)
        .fetch_one(b.store.pool())
        .await
        .unwrap();
        assert_eq!(ended, 1, "one session held the lease");
        assert!(takes_over(&mut lease_b, &b).await);
        assert!(!lease_a.hold(&a).await, "the old holder notices and waits");
    });
}

#[test]
fn instances_starting_together_seed_the_demo_once() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = instance(&url, Clock::system()).await;
        let b = instance(&url, Clock::system()).await;
        let settings = *a.settings();
        let now = a.clock.now();
        let (x, y) = tokio::join!(
            super::demo::seed(&a.store, now, &settings),
            super::demo::seed(&b.store, now, &settings)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x.min(y) == 0 && x.max(y) > 0, "{x} and {y}");
        assert_eq!(a.store.job_count().await.unwrap() as usize, x + y);
        let (t, u) = tokio::join!(
            super::demo::api_token(&a.store, now),
            super::demo::api_token(&b.store, now)
        );
        assert_eq!(t.unwrap(), u.unwrap());
    });
}

/// A wrong-password sign-in through an instance's router; its status.
async fn failed_sign_in(router: &axum::Router, email: &str) -> u16 {
    use axum::http::{header, Request};
    use tower::ServiceExt;
    let request = Request::post("/api/sign_in")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(axum::body::Body::from(format!(
            "email={}&password=wrong-password",
            email.replace('@', "%40")
        )))
        .expect("request");
    router
        .clone()
        .oneshot(request)
        .await
        .expect("response")
        .status()
        .as_u16()
}

#[test]
fn sign_in_failures_on_any_instance_count_against_one_limit() {
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        let a = super::router::build(instance(&url, Clock::system()).await);
        let b = super::router::build(instance(&url, Clock::system()).await);
        let email = "target@example.com";
        for i in 0..5 {
            let on = if i % 2 == 0 { &a } else { &b };
            assert_eq!(failed_sign_in(on, email).await, 400, "attempt {i}");
        }
        assert_eq!(failed_sign_in(&a, email).await, 429);
        assert_eq!(failed_sign_in(&b, email).await, 429);
    });
}

/// A job page kept by one instance is never older than a change committed through another: whether or not the
/// other instance's notification has arrived yet, the next read of the page shows the change.
#[test]
fn a_page_kept_on_one_instance_shows_a_change_made_on_another_at_once() {
    use super::router_tests::TestApp;
    on_shared_runtime(async move {
        let Some(url) = shared_postgres_url().await else {
            return;
        };
        // Standing still: kept pages are per minute of the clock, and both reads must fall in the same one.
        let clock = Clock::fixed(chrono::Utc::now());
        let a = TestApp::over(instance(&url, clock.clone()).await, &url).await;
        let b = TestApp::over(instance(&url, clock.clone()).await, &url).await;
        let settings = *a.state.settings();
        super::demo::seed(&a.state.store, clock.now(), &settings)
            .await
            .unwrap();
        let id = a.job_id("demo-ready-to-ship-1").await;
        // Sessions live in the database: one sign-in serves both instances.
        let me = a.customer().await;
        let page = format!("/jobs/{id}");
        let current = |state: &str| format!(r#"data-testid="node-{state}" data-visit="current""#);
        a.get(&me, &page).await;
        let kept = a.get(&me, &page).await;
        assert_eq!(a.state.live.pages().hits(), 1, "the second read is kept");
        assert!(kept.body.contains(&current("Creating")));
        let shipped = b.call(&me, "/api/mark_shipped", &format!("id={id}")).await;
        assert_eq!(
            shipped.status,
            axum::http::StatusCode::OK,
            "{}",
            shipped.body
        );
        let after = a.get(&me, &page).await;
        assert_eq!(after.status, axum::http::StatusCode::OK);
        assert!(
            after.body.contains(&current("Shipping")),
            "A shows B's change"
        );
        assert!(!after.body.contains(&current("Creating")));
    });
}
