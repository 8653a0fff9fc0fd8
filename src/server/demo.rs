//! Demo data: on the first start in demo mode, jobs in every state, made by running real commands through the
//! store at past times, so each demo job has a genuine history.

use super::store::{Store, StoreError};
use crate::model::{Actor, ActorKind, Role};
use chrono::TimeDelta;
use lifecycle::{
    Command, CustomerCommand, DeliveryPackage, DriveLogs, DriveOutcome, DriveSpec, ExportSpec,
    JobType, LogLevel, NewJob, OperatorCommand, ReturnAddress, ReturnPackage, ReturnShipping,
    Settings, Severity, Timestamp,
};

pub const DEMO_SUBSCRIPTION: &str = "6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f";
pub const DEMO_RESOURCE_GROUP: &str = "demo-rg";
/// Demo logins: documented, printed at start-up, and only ever created in demo mode.
pub const CUSTOMER_EMAIL: &str = "customer@example.com";
pub const CUSTOMER_PASSWORD: &str = "demo-customer-1";
pub const STAFF_EMAIL: &str = "staff@example.com";
pub const STAFF_PASSWORD: &str = "demo-staff-1";
/// The demo customer's API token: well known, like the demo passwords.
pub const DEMO_API_TOKEN: &str =
    "iep_demo0customer0token0for0the0local0portal0only000000000000000000";

fn customer(id: i64) -> Actor {
    Actor {
        kind: ActorKind::Customer,
        account_id: Some(id),
        label: "Dana Demo".into(),
    }
}

fn staff(id: i64) -> Actor {
    Actor {
        kind: ActorKind::Staff,
        account_id: Some(id),
        label: "Sam Staff".into(),
    }
}

/// The demo accounts, created if missing; returns (customer id, staff id).
async fn accounts(store: &Store, now: Timestamp) -> Result<(i64, i64), StoreError> {
    let mut ids = Vec::new();
    for (role, name, email, password) in [
        (
            Role::Customer,
            "Dana Demo",
            CUSTOMER_EMAIL,
            CUSTOMER_PASSWORD,
        ),
        (Role::Staff, "Sam Staff", STAFF_EMAIL, STAFF_PASSWORD),
    ] {
        let id = match store.account_by_email(email).await? {
            Some(a) => a.id,
            None => {
                let sub = (role == Role::Customer).then_some(DEMO_SUBSCRIPTION);
                crate::server::accounts::create_account(
                    store,
                    &Default::default(),
                    role,
                    name,
                    email,
                    password,
                    sub,
                    now,
                )
                .await
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .0
                .id
            }
        };
        ids.push(id);
    }
    Ok((ids[0], ids[1]))
}

/// How many accounts the database has besides the demo ones (demo mode refuses to add its published logins
/// beside real accounts, see `--demo-force`).
pub async fn other_accounts(store: &Store) -> Result<usize, StoreError> {
    store
        .count_accounts_except(&[CUSTOMER_EMAIL, STAFF_EMAIL])
        .await
        .map(|n| n as usize)
}

/// Makes sure the demo customer's well-known API token exists; returns it.
pub async fn api_token(store: &Store, now: Timestamp) -> Result<&'static str, StoreError> {
    store
        .exclusively(SEED_LOCK, async {
            let hash = crate::server::auth::tokens::sha256_hex(DEMO_API_TOKEN);
            if store.token(&hash).await?.is_none() {
                let (customer, _) = accounts(store, now).await?;
                store
                    .create_token(customer, "demo token", &hash, &DEMO_API_TOKEN[..12], now)
                    .await?;
            }
            Ok(DEMO_API_TOKEN)
        })
        .await
}

/// A valid BitLocker recovery password derived from `seed` (each group a multiple of 11 below 720896).
pub fn demo_bitlocker_key(seed: u32) -> String {
    (0..8u32)
        .map(|i| format!("{:06}", ((seed * 7919 + i * 104_729) % 65_536) * 11))
        .collect::<Vec<_>>()
        .join("-")
}

pub fn demo_address() -> ReturnAddress {
    ReturnAddress {
        recipient_name: "Dana Demo".into(),
        street_address1: "1 Contoso Way".into(),
        street_address2: Some("Building 4".into()),
        city: "Redmond".into(),
        state_or_province: Some("WA".into()),
        postal_code: "98052".into(),
        country_or_region: "USA".into(),
        phone: "+1 425 555 0100".into(),
        email: "dana@example.com".into(),
    }
}

fn drive(serial: &str, seed: u32) -> DriveSpec {
    DriveSpec {
        drive_id: serial.into(),
        bit_locker_key: demo_bitlocker_key(seed),
        manifest_file: "\\DriveManifest.xml".into(),
        manifest_hash: format!("{:032X}", 0x109B_2110_8597_EF36_u128 * u128::from(seed + 1)),
        drive_header_hash: String::new(),
    }
}

fn storage_account() -> String {
    format!(
        "/subscriptions/{DEMO_SUBSCRIPTION}/resourceGroups/{DEMO_RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/demostore01"
    )
}

/// The demo's delivery package, shipped the day the job was created (a ship date may be at most two days ahead
/// of the clock, so it follows the demo's own dates).
fn package(
    location: &lifecycle::Location,
    tracking: &str,
    created: lifecycle::Timestamp,
) -> DeliveryPackage {
    DeliveryPackage {
        carrier_name: location.supported_carriers[0].clone(),
        tracking_number: tracking.into(),
        drive_count: Some(2),
        ship_date: Some(created.date_naive().to_string()),
    }
}

/// What happens to a demo job after creation, step by step.
enum Step {
    Customer(CustomerCommand),
    Operator(OperatorCommand),
}

struct DemoJob {
    name: &'static str,
    export: bool,
    location: usize,
    /// Days ago the job was created; each step happens a day later.
    age_days: i64,
    ready: bool,
    steps: Vec<Step>,
}

fn finish(drive: &str, severity: Option<Severity>) -> Step {
    let logs = DriveLogs {
        error_log_uri: severity.map(|_| {
            format!("https://demostore01.blob.core.windows.net/waimportexport/{drive}_error.log")
        }),
        verbose_log_uri: Some(format!(
            "https://demostore01.blob.core.windows.net/waimportexport/{drive}_verbose.log"
        )),
        manifest_uri: None,
    };
    Step::Operator(OperatorCommand::FinishDrive {
        drive_id: drive.into(),
        outcome: match severity {
            None => DriveOutcome::Completed { logs },
            Some(severity) => DriveOutcome::MoreInfo { severity, logs },
        },
        incomplete_blob_list_uri: None,
    })
}

fn op(c: OperatorCommand) -> Step {
    Step::Operator(c)
}

fn ship() -> Step {
    Step::Customer(CustomerCommand::MarkShipping)
}

fn intake(found: &[&str]) -> Step {
    op(OperatorCommand::PackageIntake {
        found: found.iter().map(|s| s.to_string()).collect(),
        extra: vec![],
    })
}

fn start(d: &str) -> Step {
    op(OperatorCommand::StartCopy { drive_id: d.into() })
}

fn progress(d: &str, percent: u8) -> Step {
    op(OperatorCommand::ReportProgress {
        drive_id: d.into(),
        percent,
        bytes_succeeded: u64::from(percent) * 40_000_000_000,
        copy_status: "InProgress".into(),
    })
}

fn ship_back(count: u32) -> Step {
    op(OperatorCommand::ShipBack {
        package: ReturnPackage {
            carrier_name: "FedEx".into(),
            tracking_number: "RET7788990011".into(),
            drive_count: count,
            ship_date: "2026-11-20".into(),
        },
    })
}

fn demo_jobs() -> Vec<DemoJob> {
    let a = "WD-DEMO-A1";
    let b = "WD-DEMO-B2";
    vec![
        DemoJob {
            name: "demo-creating",
            export: false,
            location: 0,
            age_days: 1,
            ready: false,
            steps: vec![],
        },
        DemoJob {
            name: "demo-ready-to-ship-1",
            export: false,
            location: 1,
            age_days: 2,
            ready: true,
            steps: vec![],
        },
        DemoJob {
            name: "demo-ready-to-ship-2",
            export: false,
            location: 1,
            age_days: 2,
            ready: true,
            steps: vec![],
        },
        DemoJob {
            name: "demo-ready-to-ship-3",
            export: false,
            location: 2,
            age_days: 2,
            ready: true,
            steps: vec![],
        },
        DemoJob {
            name: "demo-shipping",
            export: false,
            location: 0,
            age_days: 4,
            ready: true,
            steps: vec![ship()],
        },
        DemoJob {
            name: "demo-export-shipping",
            export: true,
            location: 2,
            age_days: 4,
            ready: true,
            steps: vec![ship()],
        },
        DemoJob {
            name: "demo-received",
            export: false,
            location: 1,
            age_days: 5,
            ready: true,
            steps: vec![ship(), intake(&[a, b])],
        },
        DemoJob {
            name: "demo-transferring",
            export: false,
            location: 0,
            age_days: 7,
            ready: true,
            steps: vec![
                ship(),
                intake(&[a, b]),
                start(a),
                progress(a, 40),
                start(b),
                progress(b, 15),
            ],
        },
        DemoJob {
            name: "demo-packaging",
            export: false,
            location: 3,
            age_days: 9,
            ready: true,
            steps: vec![
                ship(),
                intake(&[a, b]),
                start(a),
                start(b),
                finish(a, None),
                finish(b, Some(Severity::Warning)),
            ],
        },
        DemoJob {
            name: "demo-completed",
            export: false,
            location: 0,
            age_days: 12,
            ready: true,
            steps: vec![
                ship(),
                intake(&[a, b]),
                start(a),
                start(b),
                finish(a, None),
                finish(b, None),
                ship_back(2),
            ],
        },
        DemoJob {
            name: "demo-closed",
            export: false,
            location: 1,
            age_days: 12,
            ready: true,
            steps: vec![
                ship(),
                intake(&[a]),
                start(a),
                finish(a, Some(Severity::Error)),
                ship_back(1),
            ],
        },
        DemoJob {
            name: "demo-faulted",
            export: false,
            location: 2,
            age_days: 6,
            ready: true,
            steps: vec![
                ship(),
                intake(&[a, b]),
                op(OperatorCommand::FaultJob {
                    reason: "Package arrived damaged; contacting the customer".into(),
                }),
            ],
        },
        DemoJob {
            name: "demo-cancelled",
            export: false,
            location: 0,
            age_days: 3,
            ready: false,
            steps: vec![Step::Customer(CustomerCommand::RequestCancellation)],
        },
        DemoJob {
            name: "demo-cancelled-in-transit",
            export: false,
            location: 1,
            age_days: 6,
            ready: true,
            steps: vec![
                ship(),
                Step::Customer(CustomerCommand::RequestCancellation),
                intake(&[a, b]),
            ],
        },
    ]
}

/// Any fixed number naming the seeding lock; "IEdm" in ASCII.
const SEED_LOCK: i64 = 0x4945_646d;

/// Seeds the demo accounts and the demo jobs, each demo job once per database: a name the demo subscription
/// has ever used (the job may have expired or been deleted since) is not seeded again, so a later start
/// neither re-creates a job the newcomer deleted nor collides with the jobs that remain. Instances starting
/// together on one PostgreSQL database seed one after the other. Returns how many jobs were created.
pub async fn seed(store: &Store, now: Timestamp, settings: &Settings) -> Result<usize, StoreError> {
    store
        .exclusively(SEED_LOCK, async {
            let before = store.last_change_id().await?;
            let seeded = seed_missing(store, now, settings, demo_jobs()).await?;
            // The seeded history is nobody's news: no emails or webhooks for it (changes made before, by
            // people, are still told).
            store
                .discard_changes_after(super::store::changes::NOTIFY, before)
                .await?;
            Ok(seeded)
        })
        .await
}

async fn seed_missing(
    store: &Store,
    now: Timestamp,
    settings: &Settings,
    jobs: Vec<DemoJob>,
) -> Result<usize, StoreError> {
    let (customer_id, staff_id) = accounts(store, now).await?;
    let used = store
        .job_names_ever(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP)
        .await?;
    let locations = store.locations().await?;
    let mut created_jobs = 0;
    for (n, demo) in jobs.iter().enumerate() {
        if used.contains(demo.name) {
            continue;
        }
        created_jobs += 1;
        let location = locations[demo.location % locations.len()].clone();
        let created = now - TimeDelta::days(demo.age_days) + TimeDelta::minutes(n as i64);
        let new = NewJob {
            name: demo.name.into(),
            job_type: if demo.export {
                JobType::Export
            } else {
                JobType::Import
            },
            location: location.clone(),
            storage_account_id: storage_account(),
            drives: if demo.export {
                vec![]
            } else {
                vec![
                    drive("WD-DEMO-A1", n as u32 * 2),
                    drive("WD-DEMO-B2", n as u32 * 2 + 1),
                ]
            },
            export: demo.export.then(|| ExportSpec {
                blob_paths: vec!["/photos/2026/holiday.jpg".into()],
                blob_path_prefixes: vec!["/backups/".into()],
                blob_list_blob_path: None,
            }),
            return_address: demo.ready.then(demo_address),
            return_shipping: demo.ready.then(|| ReturnShipping {
                carrier_name: "FedEx".into(),
                carrier_account_number: "123456789".into(),
            }),
            delivery_package: demo
                .ready
                .then(|| package(&location, &format!("{}{:04}", "7946", 1000 + n), created)),
            diagnostics_path: "waimportexport".into(),
            log_level: LogLevel::Error,
            backup_drive_manifest: false,
            tags: Default::default(),
            encryption_key: Default::default(),
        };
        let (job, _) = store
            .put_job(
                DEMO_SUBSCRIPTION,
                DEMO_RESOURCE_GROUP,
                new,
                &customer(customer_id),
                created,
                settings,
            )
            .await?;
        for (i, step) in demo.steps.iter().enumerate() {
            let at = created + TimeDelta::hours(12 * (i as i64 + 1));
            let (command, actor) = match step {
                Step::Customer(c) => (Command::Customer(c.clone()), customer(customer_id)),
                Step::Operator(c) => (Command::Operator(c.clone()), staff(staff_id)),
            };
            match store
                .execute(job.id, &[command], &actor, at, settings)
                .await
            {
                Ok(_) => {}
                // The server's settings may forbid a step (a stricter cancellation window): the demo job
                // simply stops where the rules stop it.
                Err(StoreError::Rejected(r)) => {
                    tracing::info!(job = demo.name, reason = %r, "demo job left where the settings stop it");
                    break;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(created_jobs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_support::temp_store;
    use lifecycle::JobState;

    #[tokio::test]
    async fn demo_data_seeds_under_every_cancellation_window() {
        for window in lifecycle::CancellationWindow::ALL {
            let (store, _dir) = temp_store().await;
            let settings = Settings {
                cancellation_window: window,
                ..Settings::default()
            };
            assert!(
                seed(&store, chrono::Utc::now(), &settings).await.unwrap() > 0,
                "{window}"
            );
            assert!(store.verify_snapshots().await.unwrap().is_empty());
        }
    }

    /// The newcomer deletes the Creating demo job (or it expires); the next start seeds nothing and starts.
    #[tokio::test]
    async fn a_restart_after_a_demo_job_is_gone_seeds_nothing_and_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::server::store::test_support::temp_url(&dir).await;
        let store = Store::open(&url).await.unwrap();
        let now = chrono::Utc::now();
        let settings = Settings::default();
        let n = seed(&store, now, &settings).await.unwrap();
        let creating = store
            .job_by_name(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP, "demo-creating")
            .await
            .unwrap()
            .expect("demo-creating");
        let (customer_id, _) = accounts(&store, now).await.unwrap();
        store
            .execute(
                creating.id,
                &[Command::Customer(CustomerCommand::Delete)],
                &customer(customer_id),
                now,
                &settings,
            )
            .await
            .unwrap();
        store.pool().close().await;

        // A restart: the store reopened on the same database, the demo seeded again.
        let store = Store::open(&url).await.unwrap();
        assert_eq!(
            seed(&store, now + TimeDelta::days(20), &settings)
                .await
                .unwrap(),
            0,
            "nothing is seeded twice"
        );
        assert!(api_token(&store, now).await.is_ok());
        assert!(store
            .job_by_name(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP, "demo-creating")
            .await
            .unwrap()
            .is_none());
        let names = store
            .job_names_ever(DEMO_SUBSCRIPTION, DEMO_RESOURCE_GROUP)
            .await
            .unwrap();
        assert_eq!(names.len(), n);
        assert_eq!(store.job_count().await.unwrap() as usize, n);
    }

    /// A first start interrupted after the first demo job: the next one seeds the missing ones, once.
    #[tokio::test]
    async fn a_partly_seeded_demo_is_completed_once() {
        let (store, _dir) = temp_store().await;
        let now = chrono::Utc::now();
        let settings = Settings::default();
        let mut first = demo_jobs();
        let n = first.len();
        first.truncate(1);
        assert_eq!(
            seed_missing(&store, now, &settings, first).await.unwrap(),
            1
        );
        assert_eq!(seed(&store, now, &settings).await.unwrap(), n - 1);
        assert_eq!(seed(&store, now, &settings).await.unwrap(), 0);
        assert_eq!(store.job_count().await.unwrap() as usize, n);
    }

    #[test]
    fn demo_keys_are_valid_bitlocker_keys() {
        for seed in 0..100 {
            let key = demo_bitlocker_key(seed);
            assert_eq!(lifecycle::validate::bitlocker_key(&key), Ok(()), "{key}");
        }
    }

    #[tokio::test]
    async fn demo_data_covers_every_job_state_once_and_only_once() {
        let (store, _dir) = temp_store().await;
        let now = chrono::Utc::now();
        let settings = Settings::default();
        let n = seed(&store, now, &settings).await.unwrap();
        assert!(n >= 8);
        assert_eq!(
            seed(&store, now, &settings).await.unwrap(),
            0,
            "second start seeds nothing"
        );
        let page = store
            .list_jobs(
                &crate::server::store::JobScope::All,
                &Default::default(),
                None,
                200,
            )
            .await
            .unwrap();
        assert_eq!(page.jobs.len(), n);
        for state in JobState::ALL {
            assert!(
                page.jobs.iter().any(|j| j.state == state),
                "no demo job is {state}"
            );
        }
        assert!(store.verify_snapshots().await.unwrap().is_empty());
    }
}
