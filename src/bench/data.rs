//! Benchmark data: `portal admin generate-data --jobs N` fills a new SQLite database with N jobs, their drives
//! and their event logs, customers (one of them big: the benchmark's), staff, API tokens and sessions, and writes
//! a manifest (JSON) that tells `scripts/bench` what to ask for.
//!
//! Fast and faithful at once:
//! - Every job's history comes from the lifecycle itself: for each shape (state reached × job type × drive
//!   count) one template history is decided once with `lifecycle::decide`; each job copies a template and
//!   varies its name, drive serials, BitLocker keys, tracking numbers, storage account and times. The snapshot
//!   is the replay of exactly the events written (`Job::apply`), and timer events carry their deadline as their
//!   time, as the sweep writes them, so `Store::verify_snapshots` holds for every job.
//! - Rows go in with multi-row INSERTs in large transactions, on one connection with the rollback journal off
//!   and synchronous off (for the load only: the database is new, a failed load is simply made again). The
//!   secondary indexes are dropped first and built once at the end (a sort instead of a million random
//!   B-tree inserts). The file is left in WAL mode, as the server uses it.
//! - Jobs are generated on one thread while SQLite writes on another.
//!
//! Proportions (of N; ages are relative to the generation time T, over about 140 days of history) are in
//! [`SHARES`]. Besides the N jobs there are, for the benchmark's customer: `write_jobs` ready-to-ship jobs in
//! resource group `bench-writes` (the write-path benchmark ships each once), `live_jobs` in `bench-live` (the
//! live fan-out benchmark changes them), and `sweep_jobs` draft jobs whose creation expiry falls 1 hour after T
//! (the timer benchmark runs a sweep as of T + 2 h; no other deadline falls before T + 3 h).

use crate::model::ActorKind;
#[cfg(test)]
use crate::model::Role;
use crate::server::auth::tokens::sha256_hex;
use crate::server::store::{millis, Store};
use chrono::TimeDelta;
use lifecycle::{
    Command, CustomerCommand, DeliveryPackage, DriveLogs, DriveOutcome, DriveSpec, Event,
    EventKind, ExportSpec, Job, JobState, JobType, Location, LogLevel, NewJob, OperatorCommand,
    ReturnAddress, ReturnPackage, ReturnShipping, Settings, Severity, Timestamp,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, Executor, Row};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

/// The benchmark's logins (bench databases only).
pub const PASSWORD: &str = "bench-password-1";
pub const CUSTOMER_EMAIL: &str = "big-customer@bench.example";
pub const STAFF_EMAIL: &str = "staff@bench.example";
pub const WRITE_GROUP: &str = "bench-writes";
pub const LIVE_GROUP: &str = "bench-live";

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub jobs: u64,
    /// Customer accounts (default: one per 200 jobs, at least 10).
    pub customers: Option<u64>,
    pub write_jobs: u64,
    pub live_jobs: u64,
    pub sweep_jobs: u64,
    /// Share of all jobs that belong to the benchmark's customer.
    pub big_share: f64,
    pub seed: u64,
    /// The generation time T (default: now).
    pub now: Option<Timestamp>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            jobs: 10_000,
            customers: None,
            write_jobs: 30_000,
            live_jobs: 10,
            sweep_jobs: 1_000,
            big_share: 0.05,
            seed: 8,
            now: None,
        }
    }
}

/// The shapes of job history, by the state they reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shape {
    /// `Creating`, no shipping details yet.
    Draft,
    /// `Creating` with delivery package, return address and shipping: ready to ship.
    Ready,
    Shipping,
    Received,
    Transferring,
    Packaging,
    Faulted,
    Completed,
    /// Cancelled while `Creating` (ends `Completed` at once).
    Cancelled,
    /// A drive ended with errors: `Closed`.
    Closed,
    /// Completed, then removed by the retention timer.
    RetentionDeleted,
    /// Deleted by the customer while `Creating`.
    CustomerDeleted,
    /// Left `Creating` past the expiry: removed by the timer.
    CreatingExpired,
}

/// Share of the N jobs per shape (adds up to 1).
const SHARES: &[(Shape, f64)] = &[
    (Shape::Draft, 0.015),
    (Shape::Ready, 0.015),
    (Shape::Shipping, 0.03),
    (Shape::Received, 0.01),
    (Shape::Transferring, 0.02),
    (Shape::Packaging, 0.007),
    (Shape::Faulted, 0.003),
    (Shape::Completed, 0.55),
    (Shape::Cancelled, 0.01),
    (Shape::Closed, 0.06),
    (Shape::RetentionDeleted, 0.25),
    (Shape::CustomerDeleted, 0.02),
    (Shape::CreatingExpired, 0.01),
];

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// Who acted for each template event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Customer,
    Operator,
    Timer,
}

/// One decided history, with placeholders for everything a job varies.
struct Template {
    events: Vec<(Event, Who)>,
    /// Time from the first to the last event that is not a timer's.
    span_ms: i64,
}

const T_DRIVE: &str = "TPLDRIVE";
const T_TRACK: &str = "TPLTRACK0001";
const T_RETURN: &str = "TPLRETURN001";

fn template_epoch() -> Timestamp {
    chrono::DateTime::from_timestamp_millis(1_600_000_000_000).unwrap_or_default()
}

fn template_address() -> ReturnAddress {
    ReturnAddress {
        recipient_name: "Receiving Desk".into(),
        street_address1: "1 Harbour Road".into(),
        street_address2: None,
        city: "Rotterdam".into(),
        state_or_province: None,
        postal_code: "3011".into(),
        country_or_region: "Netherlands".into(),
        phone: "+31 10 555 0100".into(),
        email: "ops@customer.example".into(),
    }
}

fn template_new_job(job_type: JobType, drives: usize, location: &Location, ready: bool) -> NewJob {
    let sub = "00000000-0000-4000-8000-000000000000";
    NewJob {
        name: "tpl-job".into(),
        job_type,
        location: location.clone(),
        storage_account_id: format!(
            "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/tplstore"
        ),
        drives: match job_type {
            JobType::Import => (0..drives)
                .map(|k| DriveSpec {
                    drive_id: format!("{T_DRIVE}{k}"),
                    bit_locker_key: crate::server::demo::demo_bitlocker_key(k as u32),
                    manifest_file: "\\DriveManifest.xml".into(),
                    manifest_hash: format!("{:032X}", 0x109B_2110_8597_EF36_u128 * (k as u128 + 1)),
                    drive_header_hash: String::new(),
                })
                .collect(),
            JobType::Export => vec![],
        },
        export: (job_type == JobType::Export).then(|| ExportSpec {
            blob_paths: vec![],
            blob_path_prefixes: vec!["/archive/".into()],
            blob_list_blob_path: None,
        }),
        return_address: ready.then(template_address),
        return_shipping: ready.then(|| ReturnShipping {
            carrier_name: location.supported_carriers[0].clone(),
            carrier_account_number: "987654321".into(),
        }),
        delivery_package: ready.then(|| DeliveryPackage {
            carrier_name: location.supported_carriers[0].clone(),
            tracking_number: T_TRACK.into(),
            drive_count: Some(drives.max(1) as u32),
            ship_date: None,
        }),
        diagnostics_path: "waimportexport".into(),
        log_level: LogLevel::Error,
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: Default::default(),
    }
}

fn drive_logs(drive: &str, error: bool) -> DriveLogs {
    DriveLogs {
        error_log_uri: error.then(|| {
            format!("https://logs.blob.core.windows.net/waimportexport/{drive}_error.log")
        }),
        verbose_log_uri: Some(format!(
            "https://logs.blob.core.windows.net/waimportexport/{drive}_verbose.log"
        )),
        manifest_uri: None,
    }
}

/// The commands of a shape, in order.
fn script(shape: Shape, job_type: JobType, drives: usize) -> (bool, Vec<(Who, Command)>) {
    let ids: Vec<String> = (0..drives).map(|k| format!("{T_DRIVE}{k}")).collect();
    let cust = |c| (Who::Customer, Command::Customer(c));
    let op = |c| (Who::Operator, Command::Operator(c));
    let intake = || {
        op(OperatorCommand::PackageIntake {
            found: ids.clone(),
            extra: vec![],
        })
    };
    let copy_all = |steps: &mut Vec<(Who, Command)>| {
        for id in &ids {
            steps.push(op(OperatorCommand::StartCopy {
                drive_id: id.clone(),
            }));
        }
    };
    let finish_all = |steps: &mut Vec<(Who, Command)>, error_on_first: bool| {
        for (k, id) in ids.iter().enumerate() {
            let error = error_on_first && k == 0;
            steps.push(op(OperatorCommand::ReportProgress {
                drive_id: id.clone(),
                percent: 50,
                bytes_succeeded: 500_000_000_000,
                copy_status: "InProgress".into(),
            }));
            steps.push(op(OperatorCommand::FinishDrive {
                drive_id: id.clone(),
                outcome: if error {
                    DriveOutcome::MoreInfo {
                        severity: Severity::Error,
                        logs: drive_logs(id, true),
                    }
                } else {
                    DriveOutcome::Completed {
                        logs: drive_logs(id, false),
                    }
                },
                incomplete_blob_list_uri: None,
            }));
        }
    };
    let ship_back = || {
        op(OperatorCommand::ShipBack {
            package: ReturnPackage {
                carrier_name: "FedEx".into(),
                tracking_number: T_RETURN.into(),
                drive_count: drives as u32,
                ship_date: "2020-09-20".into(),
            },
        })
    };
    let _ = job_type;
    let mut steps = Vec::new();
    let ready = !matches!(
        shape,
        Shape::Draft | Shape::Cancelled | Shape::CustomerDeleted | Shape::CreatingExpired
    );
    match shape {
        Shape::Draft | Shape::Ready => {}
        Shape::Cancelled => steps.push(cust(CustomerCommand::RequestCancellation)),
        Shape::CustomerDeleted => steps.push(cust(CustomerCommand::Delete)),
        Shape::CreatingExpired => steps.push((Who::Timer, Command::Tick)),
        Shape::Shipping => steps.push(cust(CustomerCommand::MarkShipping)),
        Shape::Received => {
            steps.push(cust(CustomerCommand::MarkShipping));
            steps.push(intake());
        }
        Shape::Faulted => {
            steps.push(cust(CustomerCommand::MarkShipping));
            steps.push(intake());
            steps.push(op(OperatorCommand::FaultJob {
                reason: "Package arrived damaged; contacting the customer".into(),
            }));
        }
        Shape::Transferring => {
            steps.push(cust(CustomerCommand::MarkShipping));
            steps.push(intake());
            copy_all(&mut steps);
            steps.push(op(OperatorCommand::ReportProgress {
                drive_id: ids[0].clone(),
                percent: 40,
                bytes_succeeded: 400_000_000_000,
                copy_status: "InProgress".into(),
            }));
        }
        Shape::Packaging => {
            steps.push(cust(CustomerCommand::MarkShipping));
            steps.push(intake());
            copy_all(&mut steps);
            finish_all(&mut steps, false);
        }
        Shape::Completed | Shape::Closed | Shape::RetentionDeleted => {
            steps.push(cust(CustomerCommand::MarkShipping));
            steps.push(intake());
            copy_all(&mut steps);
            finish_all(&mut steps, shape == Shape::Closed);
            steps.push(ship_back());
            if shape == Shape::RetentionDeleted {
                steps.push((Who::Timer, Command::Tick));
            }
        }
    }
    (ready, steps)
}

fn build_template(
    shape: Shape,
    job_type: JobType,
    drives: usize,
    location: &Location,
    settings: &Settings,
) -> Result<Template, String> {
    let (ready, steps) = script(shape, job_type, drives);
    let t0 = template_epoch();
    let new = template_new_job(job_type, drives, location, ready);
    let mut events: Vec<(Event, Who)> = Vec::new();
    let create = Command::Customer(CustomerCommand::Create(Box::new(new)));
    let first = lifecycle::decide(None, &create, t0, settings)
        .map_err(|r| format!("template {shape:?}: create: {r}"))?;
    let mut job = lifecycle::replay(&first).ok_or("template: no Created event")?;
    events.extend(first.into_iter().map(|e| (e, Who::Customer)));
    let mut span_ms = 0;
    for (k, (who, command)) in steps.iter().enumerate() {
        let at = match who {
            Who::Timer => {
                lifecycle::next_timer(&job, settings)
                    .ok_or_else(|| format!("template {shape:?}: no timer to fire"))?
                    .0
            }
            _ => {
                span_ms = (k as i64 + 1) * HOUR;
                t0 + TimeDelta::milliseconds(span_ms)
            }
        };
        let new = lifecycle::decide(Some(&job), command, at, settings)
            .map_err(|r| format!("template {shape:?} step {k} ({}): {r}", command.name()))?;
        if new.is_empty() {
            return Err(format!("template {shape:?} step {k}: nothing happened"));
        }
        for e in new {
            job.apply(&e);
            events.push((e, *who));
        }
    }
    let expected = match shape {
        Shape::Draft | Shape::Ready => JobState::Creating,
        Shape::Shipping => JobState::Shipping,
        Shape::Received => JobState::Received,
        Shape::Transferring => JobState::Transferring,
        Shape::Packaging => JobState::Packaging,
        Shape::Faulted => JobState::Faulted,
        Shape::Completed | Shape::Cancelled => JobState::Completed,
        Shape::Closed => JobState::Closed,
        Shape::RetentionDeleted | Shape::CustomerDeleted | Shape::CreatingExpired => job.state,
    };
    if job.state != expected {
        return Err(format!(
            "template {shape:?} ended {} instead of {expected}",
            job.state
        ));
    }
    Ok(Template { events, span_ms })
}

/// What one job varies.
struct Vary<'a> {
    name: String,
    storage: String,
    serial_base: u64,
    tracking: String,
    return_tracking: String,
    ship_date: String,
    ids: &'a [String],
}

impl Vary<'_> {
    fn drive(&self, template_id: &str) -> String {
        match template_id
            .strip_prefix(T_DRIVE)
            .and_then(|k| k.parse::<usize>().ok())
        {
            Some(k) => self
                .ids
                .get(k)
                .cloned()
                .unwrap_or_else(|| template_id.into()),
            None => template_id.into(),
        }
    }

    fn drives(&self, ids: &mut [String]) {
        for id in ids {
            *id = self.drive(id);
        }
    }

    fn logs(&self, logs: &mut DriveLogs, drive: &str) {
        for uri in [
            &mut logs.error_log_uri,
            &mut logs.verbose_log_uri,
            &mut logs.manifest_uri,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(pos) = uri.find(T_DRIVE) {
                let end = pos + T_DRIVE.len() + 1;
                *uri = format!("{}{drive}{}", &uri[..pos], &uri[end..]);
            }
        }
    }

    fn new_job(&self, job: &mut NewJob) {
        job.name = self.name.clone();
        job.storage_account_id = self.storage.clone();
        for (k, d) in job.drives.iter_mut().enumerate() {
            d.drive_id = self.drive(&d.drive_id);
            d.bit_locker_key = crate::server::demo::demo_bitlocker_key(
                (self.serial_base % 400_000) as u32 + k as u32,
            );
            d.manifest_hash = format!(
                "{:032X}",
                (self.serial_base as u128 + 1) * 0x9E37_79B9_7F4A_7C15
            );
        }
        if let Some(p) = job.delivery_package.as_mut() {
            p.tracking_number = self.tracking.clone();
        }
    }

    fn event(&self, kind: &mut EventKind) {
        match kind {
            EventKind::Created { job } | EventKind::Replaced { job } => self.new_job(job),
            EventKind::PackageReceived {
                found,
                missing,
                extra,
            } => {
                self.drives(found);
                self.drives(missing);
                self.drives(extra);
            }
            EventKind::DriveArrived { drive_id }
            | EventKind::DriveArrivalHeld { drive_id }
            | EventKind::CopyStarted { drive_id } => *drive_id = self.drive(drive_id),
            EventKind::LaterPackageReceived { found, extra } => {
                self.drives(found);
                self.drives(extra);
            }
            EventKind::JobResolved { received, .. } => self.drives(received),
            EventKind::ProgressReported { drive_id, .. } => *drive_id = self.drive(drive_id),
            EventKind::DriveFinished {
                drive_id, outcome, ..
            } => {
                *drive_id = self.drive(drive_id);
                match outcome {
                    DriveOutcome::Completed { logs } | DriveOutcome::MoreInfo { logs, .. } => {
                        self.logs(logs, drive_id)
                    }
                }
            }
            EventKind::DriveFaulted { drive_id, .. }
            | EventKind::DriveResolved { drive_id, .. } => *drive_id = self.drive(drive_id),
            EventKind::ShippedBack { package, .. } => {
                package.tracking_number = self.return_tracking.clone();
                package.ship_date = self.ship_date.clone();
            }
            EventKind::ShippingOverdue { never_received, .. } => self.drives(never_received),
            EventKind::UnmatchedIntakeNoted { drive_ids, .. } => self.drives(drive_ids),
            EventKind::PropertiesUpdated { patch } => {
                if let Some(p) = patch.delivery_package.as_mut() {
                    p.tracking_number = self.tracking.clone();
                }
                if let Some(list) = patch.drive_list.as_mut() {
                    for d in list {
                        d.drive_id = self.drive(&d.drive_id);
                    }
                }
            }
            _ => {}
        }
    }
}

/// One planned job: which history, when, whose.
#[derive(Clone, Copy)]
struct Plan {
    shape: Shape,
    created: i64,
    /// Time from creation to the last non-timer event.
    duration: i64,
    customer: u32,
    /// Index of the subscription within the customer's, and of the resource group.
    sub: u8,
    rg: u8,
    export: bool,
    drives: u8,
    /// Extra jobs of the benchmark's customer: 0 normal, 1 write, 2 live, 3 sweep.
    special: u8,
    number: u32,
}

struct Customer {
    id: i64,
    name: String,
    email: String,
    subscriptions: Vec<String>,
}

struct JobRow {
    id: i64,
    subscription: Arc<str>,
    resource_group: Arc<str>,
    name: String,
    job_type: &'static str,
    location: Arc<str>,
    state: &'static str,
    cancel_requested: i64,
    percent: i64,
    tracking: Option<String>,
    return_tracking: Option<String>,
    deleted: i64,
    next_timer: Option<i64>,
    attention_from: Option<i64>,
    has_problem: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
    created_by: Arc<str>,
    created_by_type: &'static str,
    last_by: Arc<str>,
    last_by_type: &'static str,
    snapshot: String,
}

struct EventRow {
    id: i64,
    job_id: i64,
    seq: i64,
    at: i64,
    kind: &'static str,
    actor_type: &'static str,
    actor_id: Option<i64>,
    actor_label: Arc<str>,
    state_before: Option<&'static str>,
    state_after: &'static str,
    drive_id: Option<String>,
    body: String,
}

struct DriveRow {
    job_id: i64,
    drive_id: String,
    state: &'static str,
    percent: i64,
}

#[derive(Default)]
struct Batch {
    jobs: Vec<JobRow>,
    events: Vec<EventRow>,
    drives: Vec<DriveRow>,
}

/// What `scripts/bench` needs to know about the data set.
#[derive(Serialize, Debug, Clone)]
pub struct Manifest {
    pub jobs: u64,
    pub total_jobs: u64,
    pub events: u64,
    pub drives: u64,
    pub customers: u64,
    pub subscriptions: u64,
    pub generated_at: String,
    pub generated_at_ms: i64,
    /// Run the timer benchmark's sweep as of this time: exactly `sweep_jobs` jobs are due then.
    pub sweep_at: String,
    pub sweep_jobs: u64,
    pub password: String,
    pub customer: Login,
    pub staff: Login,
    /// A Transferring import job with two drives of the benchmark's customer.
    pub get_job: JobRef,
    /// The state to filter the customer's job list by.
    pub list_state: String,
    /// The benchmark customer's jobs in that state.
    pub list_state_jobs: u64,
    /// A delivery tracking number of one job, for the staff search.
    pub search_tracking: String,
    pub write_jobs: u64,
    /// `bench-write-000000` …: ready-to-ship jobs in `bench-writes`.
    pub write_prefix: String,
    pub live_jobs: Vec<JobRef>,
    pub by_state: std::collections::BTreeMap<String, u64>,
    pub deleted: u64,
    pub seconds: f64,
}

#[derive(Serialize, Debug, Clone)]
pub struct Login {
    pub email: String,
    pub account_id: i64,
    pub token: String,
    /// The `portal_session` cookie value.
    pub session: String,
    pub subscriptions: Vec<String>,
}

#[derive(Serialize, Debug, Clone, Default)]
pub struct JobRef {
    pub id: i64,
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

fn guid(rng: &mut StdRng) -> String {
    let b: [u8; 16] = rng.gen();
    let h = hex::encode(b);
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][(b[8] & 3) as usize],
        &h[17..20],
        &h[20..32]
    )
}

const FIRST: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara",
];
const LAST: &[&str] = &[
    "Archer", "Brandt", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jansen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov",
];
const WORDS: &[&str] = &[
    "archive",
    "backup",
    "media",
    "genomics",
    "ledger",
    "camera",
    "survey",
    "render",
    "logs",
    "scans",
    "telemetry",
    "video",
    "research",
    "migration",
    "photos",
    "records",
];

/// Fills the (new, empty) database at `url` and returns the manifest.
pub async fn generate(
    url: &str,
    options: &Options,
    settings: &Settings,
) -> Result<Manifest, String> {
    let started = Instant::now();
    if !url.starts_with("sqlite:") {
        return Err("generate-data writes SQLite databases only".into());
    }
    // The loading connection, on a new file: no journal, no syncs, a big cache. (Opened before anything
    // else: leaving WAL mode later would need a lock SQLite does not wait for.)
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| e.to_string())?
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&connect)
        .await
        .map_err(|e| e.to_string())?;
    // Refuse a database with jobs before changing anything about it.
    let has_jobs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    if has_jobs > 0 {
        let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        if jobs > 0 {
            return Err(
                "the database already has jobs: generate-data fills a new database only".into(),
            );
        }
    }
    for pragma in [
        "PRAGMA journal_mode = OFF",
        "PRAGMA synchronous = OFF",
        "PRAGMA cache_size = -524288",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA locking_mode = EXCLUSIVE",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA threads = 2",
    ] {
        conn.execute(pragma)
            .await
            .map_err(|e| format!("{pragma} (generate-data needs a new database file): {e}"))?;
    }
    // The schema, exactly as the server makes it.
    crate::server::store::SQLITE_MIGRATIONS
        .run(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    // The locations the store seeds on its first open (below, once the rows are in).
    let locations = lifecycle::shipping::default_locations();

    let now = options.now.unwrap_or_else(chrono::Utc::now);
    let now = chrono::DateTime::from_timestamp_millis(millis(now) / 1000 * 1000).unwrap_or(now);
    let t = millis(now);
    let mut rng = StdRng::seed_from_u64(options.seed);

    // Templates: every shape × (import with 1-4 drives, export with 1-2 drives) × location.
    let mut templates = std::collections::HashMap::new();
    for (shape, _) in SHARES {
        for (export, drives) in [
            (false, 1),
            (false, 2),
            (false, 3),
            (false, 4),
            (true, 1),
            (true, 2),
        ] {
            for (li, location) in locations.iter().enumerate() {
                let job_type = if export {
                    JobType::Export
                } else {
                    JobType::Import
                };
                let tpl = build_template(*shape, job_type, drives, location, settings)?;
                templates.insert((*shape, export, drives as u8, li), tpl);
            }
        }
    }

    // Accounts: customers (one big), staff.
    let n_customers = options
        .customers
        .unwrap_or((options.jobs / 200).max(10))
        .max(2);
    let mut customers = Vec::with_capacity(n_customers as usize);
    for c in 0..n_customers {
        let first = FIRST[c as usize % FIRST.len()];
        let last = LAST[(c as usize / FIRST.len()) % LAST.len()];
        let subs = if c == 0 {
            3
        } else if rng.gen_bool(0.1) {
            2
        } else {
            1
        };
        customers.push(Customer {
            id: c as i64 + 1,
            name: if c == 0 {
                "Bea Bench".to_string()
            } else {
                format!("{first} {last}")
            },
            email: if c == 0 {
                CUSTOMER_EMAIL.to_string()
            } else {
                format!(
                    "{}.{}{c}@customer{}.example",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    c % 97
                )
            },
            subscriptions: (0..subs).map(|_| guid(&mut rng)).collect(),
        });
    }
    let staff_count = 20i64;
    let staff_base = n_customers as i64 + 1;
    let staff_names: Vec<String> = (0..staff_count)
        .map(|s| {
            format!(
                "{} {}",
                FIRST[(s as usize * 7) % FIRST.len()],
                LAST[(s as usize * 5) % LAST.len()]
            )
        })
        .collect();

    // The plan: N jobs by shape and age, plus the benchmark customer's extra jobs; then in creation order.
    let mut plans: Vec<Plan> = Vec::with_capacity(
        (options.jobs + options.write_jobs + options.live_jobs + options.sweep_jobs) as usize,
    );
    let mut acc = 0.0;
    let mut made = 0u64;
    for (i, (shape, share)) in SHARES.iter().enumerate() {
        acc += share;
        let upto = if i + 1 == SHARES.len() {
            options.jobs
        } else {
            ((acc * options.jobs as f64).round() as u64).min(options.jobs)
        };
        while made < upto {
            let export = rng.gen_bool(0.2);
            let drives = if export {
                rng.gen_range(1..=2)
            } else {
                match rng.gen_range(0..100) {
                    0..=39 => 1,
                    40..=74 => 2,
                    75..=89 => 3,
                    _ => 4,
                }
            };
            let (created, duration) = match shape {
                // Still at work: created in the last 12 days, each step since.
                Shape::Draft
                | Shape::Ready
                | Shape::Shipping
                | Shape::Received
                | Shape::Transferring
                | Shape::Packaging
                | Shape::Faulted => {
                    let age = rng.gen_range(HOUR..12 * DAY);
                    (t - age, (age as f64 * rng.gen_range(0.3..0.95)) as i64)
                }
                // Finished 1 to 88 days ago after 5 to 12 days of work: retention still running.
                Shape::Completed | Shape::Closed => {
                    let finished = t - rng.gen_range(DAY..88 * DAY);
                    let duration = rng.gen_range(5 * DAY..12 * DAY);
                    (finished - duration, duration)
                }
                Shape::Cancelled => {
                    let finished = t - rng.gen_range(DAY..88 * DAY);
                    let duration = rng.gen_range(HOUR..3 * DAY);
                    (finished - duration, duration)
                }
                // Finished more than 90 days ago: removed by the retention timer since.
                Shape::RetentionDeleted => {
                    let finished = t - rng.gen_range(91 * DAY..128 * DAY);
                    let duration = rng.gen_range(5 * DAY..12 * DAY);
                    (finished - duration, duration)
                }
                Shape::CustomerDeleted => {
                    let created = t - rng.gen_range(HOUR..140 * DAY);
                    (created, rng.gen_range(0..HOUR))
                }
                Shape::CreatingExpired => {
                    let created = t - rng.gen_range(15 * DAY..140 * DAY);
                    (created, 0)
                }
            };
            let big = rng.gen_bool(options.big_share);
            let customer = if big {
                0
            } else {
                // Skewed: a few customers have many jobs, most have few.
                let u: f64 = rng.gen();
                1 + ((u * u * (n_customers - 1) as f64) as u32).min(n_customers as u32 - 2)
            };
            let subs = customers[customer as usize].subscriptions.len();
            let sub = if big {
                // The big customer's first subscription holds most of its jobs.
                if rng.gen_bool(0.8) {
                    0
                } else {
                    rng.gen_range(1..subs) as u8
                }
            } else {
                rng.gen_range(0..subs) as u8
            };
            plans.push(Plan {
                shape: *shape,
                created,
                duration,
                customer,
                sub,
                rg: rng.gen_range(0..4),
                export,
                drives,
                special: 0,
                number: 0,
            });
            made += 1;
        }
    }
    let extra = |shape, created, special, number| Plan {
        shape,
        created,
        duration: 0,
        customer: 0,
        sub: 0,
        rg: 0,
        export: false,
        drives: 2,
        special,
        number,
    };
    for k in 0..options.write_jobs {
        plans.push(extra(Shape::Ready, t - DAY + k as i64, 1, k as u32));
    }
    for k in 0..options.live_jobs {
        plans.push(extra(Shape::Ready, t - 2 * DAY + k as i64, 2, k as u32));
    }
    let expiry = settings.timers.creating_expiry.delta().num_milliseconds();
    for k in 0..options.sweep_jobs {
        // Due one hour after T, a millisecond apart.
        plans.push(extra(
            Shape::Draft,
            t + HOUR - expiry + k as i64,
            3,
            k as u32,
        ));
    }
    plans.sort_by_key(|p| p.created);

    // Logins and their secrets.
    let customer_token = format!("iep_{}", hex::encode(rng.gen::<[u8; 32]>()));
    let staff_token = format!("iep_{}", hex::encode(rng.gen::<[u8; 32]>()));
    let customer_session = hex::encode(rng.gen::<[u8; 32]>());
    let staff_session = hex::encode(rng.gen::<[u8; 32]>());
    let password_hash = crate::server::auth::passwords::hash(PASSWORD.to_string())
        .await
        .map_err(|e| format!("cannot hash the bench password: {e}"))?;

    // Secondary indexes are dropped until the rows are in, then built once.
    let indexes: Vec<(String, String)> = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('jobs', 'events', 'drives')",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?
    .iter()
    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
    .collect();
    for (name, _) in &indexes {
        conn.execute(format!("DROP INDEX \"{name}\"").as_str())
            .await
            .map_err(|e| e.to_string())?;
    }

    // Accounts, subscriptions, tokens, sessions.
    let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
    let created_at = t - 400 * DAY;
    for c in &customers {
        sqlx::query("INSERT INTO accounts (id, email, display_name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, 'customer', ?, ?, ?)")
            .bind(c.id).bind(&c.email).bind(&c.name).bind(&password_hash).bind(created_at).bind(created_at)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
        for (k, s) in c.subscriptions.iter().enumerate() {
            sqlx::query("INSERT INTO subscriptions (id, account_id, display_name, created_at) VALUES (?, ?, ?, ?)")
                .bind(s).bind(c.id).bind(format!("{}'s subscription {}", c.name, k + 1)).bind(created_at + k as i64)
                .execute(&mut *tx).await.map_err(|e| e.to_string())?;
        }
    }
    for s in 0..staff_count {
        let email = if s == 0 {
            STAFF_EMAIL.to_string()
        } else {
            format!("staff{s}@bench.example")
        };
        sqlx::query("INSERT INTO accounts (id, email, display_name, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, 'staff', ?, ?, ?)")
            .bind(staff_base + s).bind(email).bind(&staff_names[s as usize]).bind(&password_hash).bind(created_at).bind(created_at)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    for (account, token, name) in [
        (1i64, &customer_token, "bench"),
        (staff_base, &staff_token, "bench staff"),
    ] {
        sqlx::query("INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(account).bind(name).bind(sha256_hex(token)).bind(&token[..12]).bind(t)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    for (account, secret) in [(1i64, &customer_session), (staff_base, &staff_session)] {
        sqlx::query("INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(sha256_hex(secret)).bind(account).bind(hex::encode(rng.gen::<[u8; 32]>())).bind(t).bind(t).bind(t + 365 * DAY)
            .execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;

    // Generate on a thread of its own; write here.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(4);
    let customers = Arc::new(customers);
    let gen_customers = customers.clone();
    let settings_copy = *settings;
    let location_names: Vec<Arc<str>> = locations
        .iter()
        .map(|l| Arc::from(l.name.as_str()))
        .collect();
    let staff_labels: Vec<Arc<str>> = staff_names.iter().map(|s| Arc::from(s.as_str())).collect();
    let seed = options.seed;
    let producer = std::thread::spawn(move || -> Result<Summary, String> {
        produce(
            plans,
            &templates,
            &gen_customers,
            &location_names,
            &staff_labels,
            staff_base,
            &settings_copy,
            seed,
            sender,
        )
    });
    let mut written = 0u64;
    let mut in_tx = 0u64;
    let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
    while let Some(batch) = receiver.recv().await {
        written += batch.jobs.len() as u64;
        in_tx += batch.jobs.len() as u64;
        insert_batch(&mut tx, &batch).await?;
        if in_tx >= 100_000 {
            tx.commit().await.map_err(|e| e.to_string())?;
            tx = conn.begin().await.map_err(|e| e.to_string())?;
            in_tx = 0;
            tracing::info!(
                jobs = written,
                seconds = started.elapsed().as_secs_f64(),
                "jobs written"
            );
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    let summary = producer
        .join()
        .map_err(|_| "the generator thread panicked".to_string())??;
    tracing::info!(
        jobs = written,
        seconds = started.elapsed().as_secs_f64(),
        "all rows written; building indexes"
    );

    for (name, sql) in &indexes {
        conn.execute(sql.as_str())
            .await
            .map_err(|e| format!("index {name}: {e}"))?;
    }
    // sqlite_sequence follows the explicit ids (AUTOINCREMENT never reuses them).
    conn.execute("PRAGMA locking_mode = NORMAL")
        .await
        .map_err(|e| e.to_string())?;
    conn.execute("PRAGMA journal_mode = WAL")
        .await
        .map_err(|e| e.to_string())?;
    conn.close().await.map_err(|e| e.to_string())?;
    // The server's own first open: seeds the locations and checks the schema.
    let store = Store::open(url).await.map_err(|e| e.to_string())?;
    // Every due time above was computed with these settings: the server need not recompute them.
    store
        .mark_due_times_computed_with(settings)
        .await
        .map_err(|e| e.to_string())?;
    store.pool().close().await;

    let customer = &customers[0];
    Ok(Manifest {
        jobs: options.jobs,
        total_jobs: written,
        events: summary.events,
        drives: summary.drives,
        customers: customers.len() as u64,
        subscriptions: customers.iter().map(|c| c.subscriptions.len() as u64).sum(),
        generated_at: now.to_rfc3339(),
        generated_at_ms: t,
        sweep_at: (now + TimeDelta::hours(2)).to_rfc3339(),
        sweep_jobs: options.sweep_jobs,
        password: PASSWORD.into(),
        customer: Login {
            email: CUSTOMER_EMAIL.into(),
            account_id: customer.id,
            token: customer_token,
            session: customer_session,
            subscriptions: customer.subscriptions.clone(),
        },
        staff: Login {
            email: STAFF_EMAIL.into(),
            account_id: staff_base,
            token: staff_token,
            session: staff_session,
            subscriptions: vec![],
        },
        get_job: summary
            .get_job
            .ok_or("no Transferring job of the benchmark customer; generate more jobs")?,
        list_state: JobState::Completed.as_str().into(),
        list_state_jobs: summary.big_completed,
        search_tracking: summary
            .search_tracking
            .ok_or("no tracking number to search for")?,
        write_jobs: options.write_jobs,
        write_prefix: "bench-write-".into(),
        live_jobs: summary.live_jobs,
        by_state: summary.by_state,
        deleted: summary.deleted,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[derive(Default)]
struct Summary {
    events: u64,
    drives: u64,
    get_job: Option<JobRef>,
    search_tracking: Option<String>,
    big_completed: u64,
    live_jobs: Vec<JobRef>,
    by_state: std::collections::BTreeMap<String, u64>,
    deleted: u64,
}

fn user_type(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Customer | ActorKind::Staff => "User",
        _ => "Application",
    }
}

#[allow(clippy::type_complexity)]
fn produce(
    plans: Vec<Plan>,
    templates: &std::collections::HashMap<(Shape, bool, u8, usize), Template>,
    customers: &[Customer],
    locations: &[Arc<str>],
    staff: &[Arc<str>],
    staff_base: i64,
    settings: &Settings,
    seed: u64,
    sender: tokio::sync::mpsc::Sender<Batch>,
) -> Result<Summary, String> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let mut summary = Summary::default();
    let mut batch = Batch::default();
    let mut event_id = 0i64;
    let timer: Arc<str> = Arc::from("System timer");
    // Per customer: labels (as themselves and through their API token), subscriptions and groups.
    let labels: Vec<(Arc<str>, Arc<str>)> = customers
        .iter()
        .map(|c| {
            (
                Arc::from(c.name.as_str()),
                Arc::from(format!("{} (API token \u{201c}automation\u{201d})", c.name).as_str()),
            )
        })
        .collect();
    let subs: Vec<Vec<Arc<str>>> = customers
        .iter()
        .map(|c| {
            c.subscriptions
                .iter()
                .map(|s| Arc::from(s.as_str()))
                .collect()
        })
        .collect();
    let groups: Vec<Arc<str>> = ["rg-prod", "rg-archive", "rg-media", "rg-research"]
        .iter()
        .map(|g| Arc::from(*g))
        .collect();
    let write_group: Arc<str> = Arc::from(WRITE_GROUP);
    let live_group: Arc<str> = Arc::from(LIVE_GROUP);
    let mut ids: Vec<String> = Vec::with_capacity(4);
    for (index, plan) in plans.iter().enumerate() {
        let id = index as i64 + 1;
        let li = (id as usize * 7 + plan.customer as usize) % locations.len();
        let tpl = &templates[&(plan.shape, plan.export, plan.drives, li)];
        let customer = &customers[plan.customer as usize];
        let subscription = subs[plan.customer as usize][plan.sub as usize].clone();
        let resource_group = match plan.special {
            1 => write_group.clone(),
            2 => live_group.clone(),
            _ => groups[plan.rg as usize].clone(),
        };
        let name = match plan.special {
            1 => format!("bench-write-{:06}", plan.number),
            2 => format!("bench-live-{:03}", plan.number),
            3 => format!("draft-expiring-{:04}", plan.number),
            _ => format!("{}-{:07}", WORDS[id as usize % WORDS.len()], id),
        };
        ids.clear();
        for k in 0..plan.drives {
            ids.push(format!("WCC{:09}{k}", id));
        }
        let via_api = rng.gen_bool(0.3);
        let (customer_label, customer_kind) = if via_api {
            (labels[plan.customer as usize].1.clone(), ActorKind::Api)
        } else {
            (
                labels[plan.customer as usize].0.clone(),
                ActorKind::Customer,
            )
        };
        let staff_k = rng.gen_range(0..staff.len());
        let vary = Vary {
            name,
            storage: format!(
                "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/store{:06}",
                customer.id
            ),
            serial_base: id as u64,
            tracking: format!("7946{:08}", id),
            return_tracking: format!("5{:011}", id),
            ship_date: chrono::DateTime::from_timestamp_millis(plan.created + plan.duration)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string(),
            ids: &ids,
        };
        // Replay the varied template: this is the job's snapshot.
        let scale = if tpl.span_ms > 0 {
            plan.duration as f64 / tpl.span_ms as f64
        } else {
            0.0
        };
        let t0 = millis(template_epoch());
        let mut job: Option<Job> = None;
        let mut last_label = customer_label.clone();
        let mut last_kind = customer_kind;
        for (seq, (template_event, who)) in tpl.events.iter().enumerate() {
            let mut event = template_event.clone();
            vary.event(&mut event.kind);
            event.at = match (who, job.as_ref()) {
                (Who::Timer, Some(j)) => {
                    let (due, _) = lifecycle::next_timer(j, settings)
                        .ok_or_else(|| format!("job {id}: a timer event without a timer"))?;
                    due.max(j.updated_at)
                }
                _ => chrono::DateTime::from_timestamp_millis(
                    plan.created + ((millis(event.at) - t0) as f64 * scale) as i64,
                )
                .unwrap_or_default(),
            };
            let before = job.as_ref().map(|j| j.state.as_str());
            match job.as_mut() {
                Some(j) => j.apply(&event),
                None => job = lifecycle::replay(std::slice::from_ref(&event)),
            }
            let Some(j) = job.as_ref() else {
                return Err(format!("job {id}: history does not start with Created"));
            };
            let (kind, actor_id, label) = match who {
                Who::Customer => (customer_kind, Some(customer.id), customer_label.clone()),
                Who::Operator => (
                    ActorKind::Staff,
                    Some(staff_base + staff_k as i64),
                    staff[staff_k].clone(),
                ),
                Who::Timer => (ActorKind::Timer, None, timer.clone()),
            };
            last_label = label.clone();
            last_kind = kind;
            event_id += 1;
            batch.events.push(EventRow {
                id: event_id,
                job_id: id,
                seq: seq as i64 + 1,
                at: millis(event.at),
                kind: event.kind.name(),
                actor_type: kind.as_str(),
                actor_id,
                actor_label: label,
                state_before: before,
                state_after: j.state.as_str(),
                drive_id: event.kind.drive_id().map(str::to_string),
                body: serde_json::to_string(&event).map_err(|e| e.to_string())?,
            });
        }
        let job = job.ok_or_else(|| format!("job {id}: empty history"))?;
        summary.events += tpl.events.len() as u64;
        *summary
            .by_state
            .entry(job.state.as_str().to_string())
            .or_default() += u64::from(!job.is_deleted());
        summary.deleted += u64::from(job.is_deleted());
        if plan.customer == 0 && plan.special == 0 && !job.is_deleted() {
            if job.state == JobState::Completed {
                summary.big_completed += 1;
            }
            if summary.get_job.is_none()
                && job.state == JobState::Transferring
                && job.job_type == JobType::Import
                && job.drives.len() == 2
            {
                summary.get_job = Some(JobRef {
                    id,
                    subscription: subscription.to_string(),
                    resource_group: resource_group.to_string(),
                    name: job.name.clone(),
                });
            }
        }
        if plan.special == 2 {
            summary.live_jobs.push(JobRef {
                id,
                subscription: subscription.to_string(),
                resource_group: resource_group.to_string(),
                name: job.name.clone(),
            });
        }
        if plan.special == 0 && !job.is_deleted() && job.state == JobState::Received {
            summary.search_tracking = job
                .delivery_package
                .as_ref()
                .map(|p| p.tracking_number.clone());
        }
        let next_timer = lifecycle::next_timer(&job, settings).map(|(at, _)| millis(at));
        // The store keeps the drive projection of deleted jobs too.
        for d in &job.drives {
            summary.drives += 1;
            batch.drives.push(DriveRow {
                job_id: id,
                drive_id: d.drive_id.clone(),
                state: d.state.as_str(),
                percent: i64::from(d.percent_complete),
            });
        }
        batch.jobs.push(JobRow {
            id,
            subscription,
            resource_group,
            name: job.name.clone(),
            job_type: job.job_type.as_str(),
            location: locations[li].clone(),
            state: job.state.as_str(),
            cancel_requested: i64::from(job.cancel_requested),
            percent: i64::from(job.percent_complete()),
            tracking: job
                .delivery_package
                .as_ref()
                .map(|p| p.tracking_number.clone()),
            return_tracking: job
                .return_package
                .as_ref()
                .map(|p| p.tracking_number.clone()),
            deleted: i64::from(job.is_deleted()),
            next_timer,
            attention_from: lifecycle::attention::attention_from(&job, settings).map(millis),
            has_problem: i64::from(lifecycle::attention::has_problem(&job, settings)),
            created_at: millis(job.created_at),
            updated_at: millis(job.updated_at),
            version: job.version as i64,
            created_by: customer_label,
            created_by_type: user_type(customer_kind),
            last_by: last_label,
            last_by_type: user_type(last_kind),
            snapshot: serde_json::to_string(&job).map_err(|e| e.to_string())?,
        });
        if batch.jobs.len() >= 2_000 {
            let full = std::mem::take(&mut batch);
            if sender.blocking_send(full).is_err() {
                return Err("the writer stopped".into());
            }
        }
    }
    if !batch.jobs.is_empty() && sender.blocking_send(batch).is_err() {
        return Err("the writer stopped".into());
    }
    Ok(summary)
}

async fn insert_batch(conn: &mut SqliteConnection, batch: &Batch) -> Result<(), String> {
    const JOB_COLS: &str = "id, subscription_id, resource_group, name, job_type, location, state, cancel_requested, \
        percent_complete, tracking_number, return_tracking_number, deleted, next_timer_at, attention_from, \
        attention_rev, has_problem, created_at, updated_at, version, created_by, created_by_type, \
        last_modified_by, last_modified_by_type, snapshot";
    for chunk in batch.jobs.chunks(500) {
        let sql = values_sql("jobs", JOB_COLS, 24, chunk.len());
        let mut q = sqlx::query(&sql);
        for j in chunk {
            q = q
                .bind(j.id)
                .bind(&*j.subscription)
                .bind(&*j.resource_group)
                .bind(&j.name)
                .bind(j.job_type)
                .bind(&*j.location)
                .bind(j.state)
                .bind(j.cancel_requested)
                .bind(j.percent)
                .bind(j.tracking.as_deref())
                .bind(j.return_tracking.as_deref())
                .bind(j.deleted)
                .bind(j.next_timer)
                .bind(j.attention_from)
                .bind(crate::server::store::ATTENTION_REV)
                .bind(j.has_problem)
                .bind(j.created_at)
                .bind(j.updated_at)
                .bind(j.version)
                .bind(&*j.created_by)
                .bind(j.created_by_type)
                .bind(&*j.last_by)
                .bind(j.last_by_type)
                .bind(&j.snapshot);
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| format!("jobs: {e}"))?;
    }
    const EVENT_COLS: &str =
        "id, job_id, seq, at, recorded_at, kind, actor_type, actor_id, actor_label, state_before, \
        state_after, drive_id, body";
    for chunk in batch.events.chunks(1_000) {
        let sql = values_sql("events", EVENT_COLS, 13, chunk.len());
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.id)
                .bind(e.job_id)
                .bind(e.seq)
                .bind(e.at)
                .bind(e.at)
                .bind(e.kind)
                .bind(e.actor_type)
                .bind(e.actor_id)
                .bind(&*e.actor_label)
                .bind(e.state_before)
                .bind(e.state_after)
                .bind(e.drive_id.as_deref())
                .bind(&e.body);
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| format!("events: {e}"))?;
    }
    for chunk in batch.drives.chunks(2_000) {
        let sql = values_sql(
            "drives",
            "job_id, drive_id, state, percent_complete",
            4,
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for d in chunk {
            q = q
                .bind(d.job_id)
                .bind(&d.drive_id)
                .bind(d.state)
                .bind(d.percent);
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| format!("drives: {e}"))?;
    }
    Ok(())
}

fn values_sql(table: &str, columns: &str, width: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(", "));
    let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
    sql.push_str(&vec![row; rows].join(", "));
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn generated_jobs_replay_to_their_snapshots_and_only_the_sweep_jobs_are_due() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        let settings = Settings::default();
        let options = Options {
            jobs: 3_000,
            write_jobs: 50,
            live_jobs: 3,
            sweep_jobs: 20,
            ..Options::default()
        };
        let manifest = generate(&url, &options, &settings).await.expect("generate");
        assert_eq!(manifest.total_jobs, 3_000 + 50 + 3 + 20);
        let store = Store::open(&url).await.expect("open");
        assert!(store.verify_snapshots().await.expect("verify").is_empty());
        // The console's attention projection is the one the store writes with a snapshot.
        let rows =
            sqlx::query("SELECT snapshot, attention_from, attention_rev, has_problem FROM jobs")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let mut needing = 0;
        for row in rows {
            use sqlx::Row;
            let job: lifecycle::Job =
                serde_json::from_str(&row.get::<String, _>("snapshot")).unwrap();
            let stored: Option<i64> = row.get("attention_from");
            assert_eq!(
                stored,
                lifecycle::attention::attention_from(&job, &settings).map(millis)
            );
            assert_eq!(
                row.get::<i64, _>("attention_rev"),
                crate::server::store::ATTENTION_REV
            );
            assert_eq!(
                row.get::<i64, _>("has_problem") != 0,
                lifecycle::attention::has_problem(&job, &settings)
            );
            needing += usize::from(stored.is_some());
        }
        assert!(needing > 0, "some generated jobs need attention");
        // Every state is there; about a quarter deleted.
        for state in JobState::ALL {
            assert!(
                manifest.by_state.get(state.as_str()).copied().unwrap_or(0) > 0,
                "{state}: {:?}",
                manifest.by_state
            );
        }
        assert!(
            (500..1_100).contains(&manifest.deleted),
            "{}",
            manifest.deleted
        );
        let t = chrono::DateTime::from_timestamp_millis(manifest.generated_at_ms).unwrap();
        assert!(store
            .due_jobs(t + TimeDelta::minutes(59), 10_000)
            .await
            .unwrap()
            .is_empty());
        let sweep_at = chrono::DateTime::parse_from_rfc3339(&manifest.sweep_at)
            .unwrap()
            .to_utc();
        assert_eq!(store.due_jobs(sweep_at, 10_000).await.unwrap().len(), 20);
        // The logins work as the server reads them.
        let token = store
            .token(&sha256_hex(&manifest.customer.token))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(token.account.email, CUSTOMER_EMAIL);
        assert_eq!(
            store
                .subscriptions_of(token.account.id)
                .await
                .unwrap()
                .len(),
            3
        );
        let session = store
            .session(&sha256_hex(&manifest.staff.session), t)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.account.role, Role::Staff);
        let job = store.job(manifest.get_job.id).await.unwrap().unwrap();
        assert_eq!(job.job.state, JobState::Transferring);
        assert_eq!(job.job.name, manifest.get_job.name);
        let write = store
            .job_by_name(
                &manifest.customer.subscriptions[0],
                WRITE_GROUP,
                "bench-write-000049",
            )
            .await
            .unwrap()
            .unwrap();
        assert!(lifecycle::decide::can_mark_shipping(&write.job).is_ok());
        // A second run refuses to touch a filled database.
        assert!(generate(&url, &options, &settings).await.is_err());
    }
}
