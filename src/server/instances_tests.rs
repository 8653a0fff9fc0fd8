//! Several server instances on one PostgreSQL database: live updates cross instances, and one instance at a
//! time runs the timers. These tests run when `PORTAL_TEST_DATABASE_URL` names a PostgreSQL server (the test
//! command runs the suite a second time that way); on SQLite, one instance per file, they have nothing to show.

use super::clock::Clock;
use super::config::{Config, ServeArgs};
use super::live::{JobChanged, LiveHub};
use super::router_tests::on_shared_runtime;
use super::state::AppState;
use super::store::test_support::shared_postgres_url;
use super::store::Store;
use super::timers::{sweep_once, Lease};
use std::sync::Arc;
use std::time::Duration;

async fn instance(url: &str, clock: Clock) -> AppState {
    let store = Store::open(url).await.expect("open");
    let config = Config::load(&ServeArgs::default(), &|_| None).expect("config");
    AppState {
        leptos_options: config.leptos.clone(),
        live: LiveHub::shared(64, store.pool().clone(), url.to_string()),
        store,
        clock,
        config: Arc::new(config),
        sign_in_limiter: Default::default(),
    }
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

        // The holder dies: its connection closes, and the other instance takes over.
        lease_a.release().await;
        let mut taken = false;
        for _ in 0..50 {
            if lease_b.hold(&b).await {
                taken = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(taken, "the lease passes on");
        assert!(
            !lease_a.hold(&a).await,
            "and the old holder does not get it back"
        );
    });
}
