//! Builders and a small harness shared by the integration tests.
//!
//! [`Run`] drives one job through `decide` + `Job::apply` and, after every event, checks what must always hold:
//! the job has no invariant violation, its snapshot equals the replay of its events, its version counts its
//! events, and every state change it went through is an edge of the job or drive graph.

#![allow(dead_code)]

use chrono::{TimeDelta, TimeZone, Utc};
use lifecycle::graph::{drive_graph, job_graph, EdgeKind, Graph, Trigger};
use lifecycle::invariants::violations;
use lifecycle::shipping::default_locations;
use lifecycle::*;

/// A valid BitLocker recovery password: 8 groups of 6 digits, each a multiple of 11 below 720896.
pub const KEY: &str = "123453-234564-345675-456786-567897-678920-123442-000000";
pub const KEY2: &str = "000011-000022-000033-000044-000055-000066-000077-000088";
pub const DRIVE_A: &str = "9CA995BA";
pub const DRIVE_B: &str = "9CA995BB";
/// The drives the data center finds in an export package.
pub const EXPORT_A: &str = "EXP-0001";
pub const EXPORT_B: &str = "EXP-0002";
pub const STORAGE: &str = "/subscriptions/8a0b0e2c-6f0a-4f0e-9c1a-1d2e3f4a5b6c/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/acct01";
pub const MANIFEST_HASH: &str = "109B21108597EF36D5785F08303F3638";
pub const LOG: &str = "https://acct01.blob.core.windows.net/waimportexport/drive_error.log";
pub const VERBOSE_LOG: &str =
    "https://acct01.blob.core.windows.net/waimportexport/drive_verbose.log";

/// A fixed start instant for every test.
pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

pub fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

pub fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

/// The `westus` data center, which accepts FedEx only.
pub fn westus() -> Location {
    default_locations()
        .into_iter()
        .find(|l| l.name == "westus")
        .unwrap()
}

pub fn drive_spec(id: &str) -> DriveSpec {
    DriveSpec {
        drive_id: id.into(),
        bit_locker_key: KEY.into(),
        manifest_file: "\\DriveManifest.xml".into(),
        manifest_hash: MANIFEST_HASH.into(),
        drive_header_hash: String::new(),
    }
}

pub fn return_address() -> ReturnAddress {
    ReturnAddress {
        recipient_name: "Ada Lovelace".into(),
        street_address1: "1 Analytical Way".into(),
        street_address2: None,
        city: "Redmond".into(),
        state_or_province: Some("WA".into()),
        postal_code: "98052".into(),
        country_or_region: "USA".into(),
        phone: "+1 425 555 0100".into(),
        email: "ada@example.com".into(),
    }
}

pub fn other_address() -> ReturnAddress {
    ReturnAddress {
        recipient_name: "Charles Babbage".into(),
        street_address1: "2 Difference Engine Road".into(),
        city: "London".into(),
        state_or_province: None,
        postal_code: "SW1A 1AA".into(),
        country_or_region: "United Kingdom".into(),
        ..return_address()
    }
}

pub fn return_shipping() -> ReturnShipping {
    ReturnShipping {
        carrier_name: "FedEx".into(),
        carrier_account_number: "123456789".into(),
    }
}

pub fn delivery_package() -> DeliveryPackage {
    DeliveryPackage {
        carrier_name: "FedEx".into(),
        tracking_number: "123456789012-1".into(),
        drive_count: Some(2),
        ship_date: Some("2026-11-02".into()),
    }
}

pub fn return_package(drive_count: u32) -> ReturnPackage {
    ReturnPackage {
        carrier_name: "FedEx".into(),
        tracking_number: "987654321098".into(),
        drive_count,
        ship_date: "2026-12-01".into(),
    }
}

/// A valid import job with two drives and nothing about shipping yet.
pub fn import_job(name: &str) -> NewJob {
    NewJob {
        name: name.into(),
        job_type: JobType::Import,
        location: westus(),
        storage_account_id: STORAGE.into(),
        drives: vec![drive_spec(DRIVE_A), drive_spec(DRIVE_B)],
        export: None,
        return_address: None,
        return_shipping: None,
        delivery_package: None,
        diagnostics_path: "waimportexport".into(),
        log_level: LogLevel::Error,
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: EncryptionKey::default(),
    }
}

/// A valid export job: no drive list, an export block.
pub fn export_job(name: &str) -> NewJob {
    NewJob {
        job_type: JobType::Export,
        drives: Vec::new(),
        export: Some(ExportSpec {
            blob_paths: vec!["/pictures/animals/kangaroo.jpg".into()],
            blob_path_prefixes: vec!["/videos/".into()],
            blob_list_blob_path: None,
        }),
        ..import_job(name)
    }
}

/// The job with a return address, return shipping and a delivery package, ready to be marked as shipped.
pub fn with_shipping_info(mut new: NewJob) -> NewJob {
    new.return_address = Some(return_address());
    new.return_shipping = Some(return_shipping());
    new.delivery_package = Some(delivery_package());
    new
}

// ---------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------

pub fn customer(c: CustomerCommand) -> Command {
    Command::Customer(c)
}

pub fn operator(c: OperatorCommand) -> Command {
    Command::Operator(c)
}

pub fn create(new: NewJob) -> Command {
    customer(CustomerCommand::Create(Box::new(new)))
}

pub fn mark_shipping() -> Command {
    customer(CustomerCommand::MarkShipping)
}

pub fn cancel() -> Command {
    customer(CustomerCommand::RequestCancellation)
}

pub fn delete() -> Command {
    customer(CustomerCommand::Delete)
}

pub fn update(patch: JobPatch) -> Command {
    customer(CustomerCommand::UpdateProperties(patch))
}

pub fn intake(found: &[&str], extra: &[&str]) -> Command {
    operator(OperatorCommand::PackageIntake {
        found: found.iter().map(|s| s.to_string()).collect(),
        extra: extra.iter().map(|s| s.to_string()).collect(),
    })
}

pub fn arrived(id: &str) -> Command {
    operator(OperatorCommand::DriveArrived {
        drive_id: id.into(),
    })
}

pub fn start(id: &str) -> Command {
    operator(OperatorCommand::StartCopy {
        drive_id: id.into(),
    })
}

pub fn progress(id: &str, percent: u8, bytes: u64) -> Command {
    operator(OperatorCommand::ReportProgress {
        drive_id: id.into(),
        percent,
        bytes_succeeded: bytes,
        copy_status: "InProgress".into(),
    })
}

pub fn logs() -> DriveLogs {
    DriveLogs {
        error_log_uri: Some(LOG.into()),
        verbose_log_uri: Some(VERBOSE_LOG.into()),
        manifest_uri: None,
    }
}

pub fn finish(id: &str) -> Command {
    operator(OperatorCommand::FinishDrive {
        drive_id: id.into(),
        outcome: DriveOutcome::Completed {
            logs: DriveLogs::default(),
        },
        incomplete_blob_list_uri: None,
    })
}

pub fn finish_more(id: &str, severity: Severity) -> Command {
    operator(OperatorCommand::FinishDrive {
        drive_id: id.into(),
        outcome: DriveOutcome::MoreInfo {
            severity,
            logs: logs(),
        },
        incomplete_blob_list_uri: None,
    })
}

pub fn package_job() -> Command {
    operator(OperatorCommand::PackageJob)
}

pub fn ship_back(count: u32) -> Command {
    operator(OperatorCommand::ShipBack {
        package: return_package(count),
    })
}

pub fn fault_job(reason: &str) -> Command {
    operator(OperatorCommand::FaultJob {
        reason: reason.into(),
    })
}

pub fn resolve_job(to: Option<JobState>) -> Command {
    operator(OperatorCommand::ResolveJob {
        to,
        resolution: "Customer contacted; resuming".into(),
    })
}

pub fn fault_drive(id: &str) -> Command {
    operator(OperatorCommand::FaultDrive {
        drive_id: id.into(),
        reason: "Drive does not spin up".into(),
    })
}

pub fn resolve_drive(id: &str, to: Option<DriveState>) -> Command {
    operator(OperatorCommand::ResolveDrive {
        drive_id: id.into(),
        to,
        resolution: "Reseated the drive".into(),
    })
}

pub fn correct_address(address: ReturnAddress) -> Command {
    operator(OperatorCommand::CorrectReturnAddress(address))
}

pub fn extend_wait(days: u32) -> Command {
    operator(OperatorCommand::ExtendShippingWait { days })
}

pub fn note_unmatched(intake_id: &str, drives: &[&str]) -> Command {
    operator(OperatorCommand::NoteUnmatchedIntake {
        intake_id: intake_id.into(),
        drive_ids: drives.iter().map(|s| s.to_string()).collect(),
    })
}

pub fn add_note(text: &str) -> Command {
    operator(OperatorCommand::AddNote { text: text.into() })
}

pub fn operator_cancel(reason: &str) -> Command {
    operator(OperatorCommand::CancelJob {
        reason: reason.into(),
    })
}

pub fn report_address(reason: &str) -> Command {
    operator(OperatorCommand::ReportReturnAddress {
        reason: reason.into(),
    })
}

pub fn resolve_return_problem(note: &str) -> Command {
    operator(OperatorCommand::ResolveReturnProblem { note: note.into() })
}

pub fn report_return_problem(description: &str) -> Command {
    customer(CustomerCommand::ReportReturnProblem {
        description: description.into(),
    })
}

// ---------------------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------------------

/// Who made `event` happen when `command` emitted it: the command's actor, except for a step that followed by
/// itself from another (the automatic move to packaging after the last drive finished).
pub fn trigger_of(command: &Command, event: &EventKind) -> Trigger {
    match (command, event) {
        (_, EventKind::PackagingStarted { automatic: true }) => Trigger::Automatic,
        (Command::Customer(_), _) => Trigger::Customer,
        (Command::Operator(_), _) => Trigger::Operator,
        (Command::Tick, _) => Trigger::Timer,
    }
}

/// The step `from` → `to` is an edge of `graph`, one with `trigger` when it is known, and not a cancel-only
/// edge unless the job was cancelled.
fn assert_edge<S: Copy + PartialEq + std::fmt::Display>(
    graph: &Graph<S>,
    (from, to): (S, S),
    trigger: Option<Trigger>,
    cancelled: bool,
    what: &str,
) {
    let edges: Vec<_> = graph.edges_between(from, to).collect();
    assert!(
        !edges.is_empty(),
        "{what}: went {from} -> {to}, which is not an edge of the graph"
    );
    if let Some(trigger) = trigger {
        assert!(
            edges.iter().any(|e| e.trigger == trigger),
            "{what}: {from} -> {to} was made by the {}, but the graph says only {:?}",
            trigger.as_str(),
            graph.triggers(from, to)
        );
    }
    if !cancelled {
        assert!(
            edges.iter().any(|e| e.kind != EdgeKind::Cancel),
            "{what}: an uncancelled job went {from} -> {to}, a path the graph keeps for cancelled jobs"
        );
    }
}

/// Every state change from `before` to `after`, of the job and of each drive, is an edge of the job or drive
/// graph (made by `trigger`, when given).
pub fn assert_transitions_are_edges(
    before: &Job,
    after: &Job,
    trigger: Option<Trigger>,
    what: &str,
) {
    let cancelled = after.cancel_requested;
    if before.state != after.state {
        assert_edge(
            &job_graph(),
            (before.state, after.state),
            trigger,
            cancelled,
            &format!("{what}: the job"),
        );
    }
    for drive in &after.drives {
        let Some(old) = before.drive(&drive.drive_id) else {
            continue;
        };
        if old.state != drive.state {
            assert_edge(
                &drive_graph(),
                (old.state, drive.state),
                trigger,
                cancelled,
                &format!("{what}: drive {}", drive.drive_id),
            );
        }
    }
}

/// What must hold for any job and its history.
pub fn assert_consistent(job: &Job, events: &[Event], what: &str) {
    let problems = violations(job);
    assert!(
        problems.is_empty(),
        "{what}: invariants broken: {problems:?}"
    );
    assert_eq!(
        replay(events).as_ref(),
        Some(job),
        "{what}: snapshot differs from the replay of its events"
    );
    assert_eq!(
        job.version,
        events.len() as u64,
        "{what}: version must count the events"
    );
    assert!(job.percent_complete() <= 100, "{what}: percent above 100");
}

/// A rejection always explains itself and has the expected kind and field.
pub fn assert_rejection(r: &Rejection, kind: RejectionKind, field: Option<&str>) {
    assert!(!r.message.trim().is_empty(), "empty message in {r:?}");
    assert_eq!(r.kind, kind, "kind of {r:?}");
    if let Some(field) = field {
        assert_eq!(r.field.as_deref(), Some(field), "field of {r:?}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------------------

/// One job driven through `decide` + `Job::apply`, with its history and a clock.
#[derive(Clone, Debug)]
pub struct Run {
    pub job: Job,
    pub events: Vec<Event>,
    pub settings: Settings,
    pub now: Timestamp,
    /// Every state change made by a command whose actor is known (`apply_for`, `ok`), with its trigger.
    pub taken: Vec<Taken>,
}

/// A state change of the job or of a drive, and who made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Taken {
    Job(JobState, JobState, Trigger),
    Drive(DriveState, DriveState, Trigger),
}

impl Run {
    /// Creates `new` at `t0()` with the default settings.
    pub fn new(new: NewJob) -> Run {
        Run::with_settings(new, Settings::default())
    }

    pub fn with_settings(new: NewJob, settings: Settings) -> Run {
        let events = decide(None, &create(new), t0(), &settings).unwrap();
        let job = replay(&events).unwrap();
        let run = Run {
            job,
            events,
            settings,
            now: t0(),
            taken: Vec::new(),
        };
        assert_consistent(&run.job, &run.events, "created");
        run
    }

    /// Moves the clock forward (never back).
    pub fn at(&mut self, t: Timestamp) -> &mut Run {
        assert!(t >= self.now, "the clock never goes back");
        self.now = t;
        self
    }

    pub fn later(&mut self, d: TimeDelta) -> &mut Run {
        let t = self.now + d;
        self.at(t)
    }

    pub fn decide(&self, command: &Command) -> Result<Vec<Event>, Rejection> {
        decide(Some(&self.job), command, self.now, &self.settings)
    }

    /// Applies events produced by `decide`, checking the graph, the invariants and the replay after each.
    pub fn apply(&mut self, events: &[Event], what: &str) {
        self.apply_with(events, None, what)
    }

    /// Applies the events `command` produced; each state change must be an edge made by the command's actor.
    pub fn apply_for(&mut self, command: &Command, events: &[Event]) {
        for event in events {
            self.apply_with(
                std::slice::from_ref(event),
                Some(trigger_of(command, &event.kind)),
                command.name(),
            );
        }
    }

    fn apply_with(&mut self, events: &[Event], trigger: Option<Trigger>, what: &str) {
        for event in events {
            let before = self.job.clone();
            if let EventKind::Created { .. } = event.kind {
                // A new job under a freed name starts a history of its own.
                self.events.clear();
            } else {
                self.events.push(event.clone());
            }
            self.job.apply(event);
            if let EventKind::Created { .. } = event.kind {
                self.events.push(event.clone());
            } else {
                assert_transitions_are_edges(&before, &self.job, trigger, what);
                if let Some(trigger) = trigger {
                    self.record(&before, trigger);
                }
            }
            assert_consistent(&self.job, &self.events, what);
        }
    }

    fn record(&mut self, before: &Job, trigger: Trigger) {
        if before.state != self.job.state {
            self.taken
                .push(Taken::Job(before.state, self.job.state, trigger));
        }
        for drive in &self.job.drives {
            if let Some(old) = before.drive(&drive.drive_id) {
                if old.state != drive.state {
                    self.taken
                        .push(Taken::Drive(old.state, drive.state, trigger));
                }
            }
        }
    }

    /// Decides and applies `command`, which must be accepted.
    pub fn ok(&mut self, command: Command) -> Vec<Event> {
        let events = self
            .decide(&command)
            .unwrap_or_else(|r| panic!("{} refused: {}", command.name(), r.message));
        self.apply_for(&command, &events);
        events
    }

    /// `command` must be refused, with an explanation, changing nothing.
    pub fn reject(&self, command: Command) -> Rejection {
        let before = self.job.clone();
        let r = match self.decide(&command) {
            Ok(events) => panic!(
                "{} was accepted in {} but should be refused: {events:?}",
                command.name(),
                self.job.state
            ),
            Err(r) => r,
        };
        assert!(!r.message.trim().is_empty(), "empty message: {r:?}");
        assert_eq!(before, self.job);
        r
    }

    /// Sets the clock to `t` and runs the timers.
    pub fn tick_at(&mut self, t: Timestamp) -> Vec<Event> {
        self.at(t);
        self.ok(Command::Tick)
    }

    pub fn drive(&self, id: &str) -> &Drive {
        self.job
            .drive(id)
            .unwrap_or_else(|| panic!("no drive {id}"))
    }

    pub fn drive_state(&self, id: &str) -> DriveState {
        self.drive(id).state
    }

    pub fn drive_ids(&self) -> Vec<String> {
        self.job.drives.iter().map(|d| d.drive_id.clone()).collect()
    }

    /// The last event's kind.
    pub fn last(&self) -> &EventKind {
        &self.events.last().unwrap().kind
    }
}

/// An import job (with its shipping information) driven to `state` with the default settings.
pub fn run_in(state: JobState) -> Run {
    run_in_with(state, Settings::default())
}

pub fn run_in_with(state: JobState, settings: Settings) -> Run {
    drive_to(
        Run::with_settings(with_shipping_info(import_job("job-one")), settings),
        state,
    )
}

/// An export job driven to `state`; its package holds `EXPORT_A` and `EXPORT_B`.
pub fn export_run_in(state: JobState) -> Run {
    drive_to(
        Run::new(with_shipping_info(export_job("export-one"))),
        state,
    )
}

/// The job snapshot of an import job in `state`.
pub fn job_in(state: JobState) -> Job {
    run_in(state).job
}

/// Drives a freshly created job (with shipping information) to `state` along the happy path. `Closed` is
/// reached by shipping back after a copy error, `Faulted` by faulting a `Transferring` job.
pub fn drive_to(mut run: Run, state: JobState) -> Run {
    let export = run.job.job_type == JobType::Export;
    let (a, b) = if export {
        (EXPORT_A, EXPORT_B)
    } else {
        (DRIVE_A, DRIVE_B)
    };
    if state == JobState::Creating {
        return run;
    }
    run.later(days(1)).ok(mark_shipping());
    if state == JobState::Shipping {
        return run;
    }
    run.later(days(2)).ok(intake(&[a, b], &[]));
    if state == JobState::Received {
        return run;
    }
    run.later(days(1)).ok(start(a));
    match state {
        JobState::Transferring => return run,
        JobState::Faulted => {
            run.ok(fault_job("Copy station failure"));
            return run;
        }
        _ => {}
    }
    run.ok(start(b));
    run.later(days(1)).ok(finish(a));
    if state == JobState::Closed {
        run.ok(finish_more(b, Severity::Error));
    } else {
        run.ok(finish(b));
    }
    assert_eq!(run.job.state, JobState::Packaging);
    if state == JobState::Packaging {
        return run;
    }
    run.later(days(1)).ok(ship_back(2));
    assert_eq!(run.job.state, state);
    run
}

// ---------------------------------------------------------------------------------------------------------
// The UI queries agree with `decide`
// ---------------------------------------------------------------------------------------------------------

use lifecycle::actions::{drive_operations, job_operations, DriveOperation, JobOperation};

/// The valid command that carries out a customer action.
pub fn customer_command(action: CustomerAction) -> Command {
    customer(match action {
        // One drive: plausible whatever drive list the job has now (a first package may hold only some).
        CustomerAction::EditDeliveryPackage => {
            CustomerCommand::SetDeliveryPackage(DeliveryPackage {
                drive_count: Some(1),
                ..delivery_package()
            })
        }
        CustomerAction::EditReturnAddress => CustomerCommand::SetReturnAddress(other_address()),
        CustomerAction::EditReturnShipping => CustomerCommand::SetReturnShipping(return_shipping()),
        CustomerAction::EditDriveList => CustomerCommand::UpdateProperties(JobPatch {
            drive_list: Some(vec![drive_spec(DRIVE_A)]),
            ..JobPatch::default()
        }),
        CustomerAction::EditOptions => CustomerCommand::UpdateProperties(JobPatch {
            log_level: Some(LogLevel::Verbose),
            ..JobPatch::default()
        }),
        CustomerAction::MarkShipping => CustomerCommand::MarkShipping,
        CustomerAction::Cancel => CustomerCommand::RequestCancellation,
        CustomerAction::Delete => CustomerCommand::Delete,
        CustomerAction::ReportReturnProblem => CustomerCommand::ReportReturnProblem {
            description: "The package arrived with a cracked drive".into(),
        },
    })
}

/// The valid command that carries out a job operation.
pub fn job_operation_command(job: &Job, op: JobOperation) -> Command {
    match op {
        // A later shipment: the drives still missing, or else one extra drive.
        JobOperation::PackageIntake if job.state != JobState::Shipping => {
            let missing: Vec<String> = job
                .drives
                .iter()
                .filter(|d| d.state == DriveState::NeverReceived)
                .map(|d| d.drive_id.clone())
                .collect();
            let extra = vec![format!("EXTRA-{}", job.extra_drives.len() + 1)];
            operator(if missing.is_empty() {
                OperatorCommand::PackageIntake {
                    found: Vec::new(),
                    extra,
                }
            } else {
                OperatorCommand::PackageIntake {
                    found: missing,
                    extra: Vec::new(),
                }
            })
        }
        JobOperation::PackageIntake => match job.job_type {
            JobType::Import => {
                let ids: Vec<String> = job.drives.iter().map(|d| d.drive_id.clone()).collect();
                operator(OperatorCommand::PackageIntake {
                    found: ids,
                    extra: Vec::new(),
                })
            }
            JobType::Export => intake(&[EXPORT_A], &[]),
        },
        JobOperation::PackageJob => package_job(),
        JobOperation::ShipBack => ship_back(job.drives_to_return() as u32),
        JobOperation::FaultJob => fault_job("Operator found a problem"),
        JobOperation::ResolveJob => resolve_job(None),
        JobOperation::CorrectReturnAddress => correct_address(other_address()),
        JobOperation::ExtendShippingWait => extend_wait(7),
        JobOperation::CancelJob => operator_cancel("The customer asked support to cancel"),
        JobOperation::ReportReturnAddress => report_address("The street does not exist"),
        JobOperation::ResolveReturnProblem => resolve_return_problem("Carrier found the package"),
    }
}

/// The valid command that carries out a drive operation.
pub fn drive_operation_command(drive: &Drive, op: DriveOperation) -> Command {
    let id = drive.drive_id.as_str();
    match op {
        DriveOperation::ReceiveLate => arrived(id),
        DriveOperation::StartCopy => start(id),
        DriveOperation::ReportProgress => operator(OperatorCommand::ReportProgress {
            drive_id: id.into(),
            percent: drive.percent_complete,
            bytes_succeeded: drive.bytes_succeeded,
            copy_status: "InProgress".into(),
        }),
        DriveOperation::Finish => finish(id),
        DriveOperation::Fault => fault_drive(id),
        DriveOperation::Resolve => resolve_drive(id, None),
    }
}

/// Every action and operation the UI offers is allowed exactly when `decide` accepts its command, and a
/// disallowed one always says why. Returns how many were allowed.
pub fn assert_queries_agree_with_decide(job: &Job, settings: &Settings, now: Timestamp) -> usize {
    let mut allowed = 0;
    let mut check = |label: String, available: bool, reason: &Option<String>, command: Command| {
        let accepted = decide(Some(job), &command, now, settings);
        assert_eq!(
            available,
            accepted.is_ok(),
            "{label} in {} (deleted: {}): query says {available} ({reason:?}), decide says {:?}",
            job.state,
            job.is_deleted(),
            accepted.as_ref().err().map(|r| &r.message)
        );
        if available {
            allowed += 1;
            assert!(reason.is_none(), "{label}: allowed with a reason");
        } else {
            assert!(
                reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
                "{label}: refused without a reason"
            );
        }
    };
    for a in customer_actions(job, settings) {
        check(
            format!("{:?}", a.action),
            a.allowed,
            &a.reason,
            customer_command(a.action),
        );
    }
    for a in job_operations(job, settings) {
        check(
            format!("{:?}", a.action),
            a.allowed,
            &a.reason,
            job_operation_command(job, a.action),
        );
    }
    for drive in &job.drives {
        for a in drive_operations(job, drive) {
            check(
                format!("{:?} on {}", a.action, drive.drive_id),
                a.allowed,
                &a.reason,
                drive_operation_command(drive, a.action),
            );
        }
    }
    allowed
}
