//! What needs a person: the support console's attention queue (reference §5, §6) and the notices a customer
//! sees on a job page. One rule per situation, each saying what to do next.
//!
//! Every situation has a `since` instant, a pure function of the snapshot and the settings (it may lie in the
//! future, e.g. "about to expire"). So the store keeps one indexed column, [`attention_from`], the earliest
//! `since`, and the queue reads only rows whose `attention_from` has passed, then asks [`attention`] for the
//! items due at `now`.

use crate::intake::{IntakeStatus, UnmatchedIntake};
use crate::job::{DeletionReason, Job, Timestamp};
use crate::settings::{Settings, Span};
use crate::state::{DriveState, JobState};
use crate::validate;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// How long before the `Creating` expiry a job shows up in the queue (at most the expiry period itself).
pub const EXPIRY_WARNING: TimeDelta = TimeDelta::days(3);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AttentionKind {
    /// Faulted job: operations contact the customer and resolve it.
    JobFaulted,
    /// A faulted drive.
    DriveFaulted,
    /// Nothing arrived in time after `Shipping`; the overdue notice went out.
    ShippingOverdue,
    /// Drives that arrived for a job not in `Shipping`, or for no job.
    UnmatchedIntake,
    /// At the data center without a valid return address: cannot ship back.
    ReturnAddressMissing,
    /// Unlisted drives that must go back with the job's package.
    ExtraDrivesWaiting,
    /// A `Creating` job that will be deleted soon.
    CreatingExpiresSoon,
    /// The return address was reported wrong: waiting for a corrected one before the destruction deadline.
    ReturnAddressReported,
    /// The customer reports that the drives shipped back did not arrive or arrived damaged.
    ReturnProblem,
    /// A listed drive was not in the package: until it arrives or the job is packaged.
    DriveMissing,
    /// A drive finished with errors (`CompletedMoreInfo`, severity error): the job will end `Closed`.
    DriveCopyError,
}

impl AttentionKind {
    pub const ALL: [AttentionKind; 11] = [
        AttentionKind::JobFaulted,
        AttentionKind::DriveFaulted,
        AttentionKind::ShippingOverdue,
        AttentionKind::UnmatchedIntake,
        AttentionKind::ReturnAddressMissing,
        AttentionKind::ExtraDrivesWaiting,
        AttentionKind::CreatingExpiresSoon,
        AttentionKind::ReturnAddressReported,
        AttentionKind::ReturnProblem,
        AttentionKind::DriveMissing,
        AttentionKind::DriveCopyError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttentionKind::JobFaulted => "job-faulted",
            AttentionKind::DriveFaulted => "drive-faulted",
            AttentionKind::ShippingOverdue => "shipping-overdue",
            AttentionKind::UnmatchedIntake => "unmatched-intake",
            AttentionKind::ReturnAddressMissing => "return-address-missing",
            AttentionKind::ExtraDrivesWaiting => "extra-drives-waiting",
            AttentionKind::CreatingExpiresSoon => "creating-expires-soon",
            AttentionKind::ReturnAddressReported => "return-address-reported",
            AttentionKind::ReturnProblem => "return-problem",
            AttentionKind::DriveMissing => "drive-missing",
            AttentionKind::DriveCopyError => "drive-copy-error",
        }
    }

    pub fn parse(s: &str) -> Option<AttentionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            AttentionKind::JobFaulted => "Faulted job",
            AttentionKind::DriveFaulted => "Faulted drive",
            AttentionKind::ShippingOverdue => "Package overdue",
            AttentionKind::UnmatchedIntake => "Unmatched intake",
            AttentionKind::ReturnAddressMissing => "No valid return address",
            AttentionKind::ExtraDrivesWaiting => "Extra drives to return",
            AttentionKind::CreatingExpiresSoon => "Expires soon",
            AttentionKind::ReturnAddressReported => "Return address reported wrong",
            AttentionKind::ReturnProblem => "Returned drives problem",
            AttentionKind::DriveMissing => "Drive missing",
            AttentionKind::DriveCopyError => "Copy finished with errors",
        }
    }
}

/// One thing that needs a person, and what they should do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionItem {
    pub kind: AttentionKind,
    /// When the situation began (or, for a warning, when it starts to matter).
    pub since: Timestamp,
    /// The deadline the situation runs to, if any (expiry, abandonment, intake return/destruction).
    pub deadline: Option<Timestamp>,
    /// The drive concerned, for drive situations.
    pub drive_id: Option<String>,
    /// What is wrong, in one line.
    pub summary: String,
    /// What to do next.
    pub next_step: String,
}

fn day(t: Timestamp) -> String {
    crate::dates::utc_minutes(t)
}

/// Whether the job has a return address that passes validation.
pub fn has_valid_return_address(job: &Job) -> bool {
    job.return_address
        .as_ref()
        .is_some_and(|a| validate::return_address(a).is_empty())
}

/// Every situation of the job, due or not yet due, in queue order.
pub fn attention_candidates(job: &Job, settings: &Settings) -> Vec<AttentionItem> {
    let mut items = Vec::new();
    if job.is_deleted() {
        return items;
    }
    if let Some(problem) = &job.return_problem {
        items.push(AttentionItem {
            kind: AttentionKind::ReturnProblem,
            since: problem.reported_at,
            deadline: None,
            drive_id: None,
            summary: format!(
                "The customer reports a problem with the returned drives: {}",
                problem.description
            ),
            next_step: match &job.return_package {
                Some(p) => format!(
                    "Check the return shipment with {} (tracking number {}), contact the customer, then resolve the report with a note",
                    p.carrier_name, p.tracking_number
                ),
                None => "Contact the customer, then resolve the report with a note".into(),
            },
        });
    }
    if job.state.is_terminal() {
        return items;
    }
    let effective = job.effective_state();
    if job.state == JobState::Faulted {
        items.push(AttentionItem {
            kind: AttentionKind::JobFaulted,
            since: job.state_changed_at,
            deadline: None,
            drive_id: None,
            summary: format!(
                "Faulted while {}: {}",
                effective,
                job.fault_reason.as_deref().unwrap_or("no reason given")
            ),
            next_step:
                "Contact the customer, then resolve the job to the state it should continue in"
                    .into(),
        });
    }
    for drive in job.drives.iter().filter(|d| d.state == DriveState::Faulted) {
        items.push(AttentionItem {
            kind: AttentionKind::DriveFaulted,
            since: drive.state_changed_at,
            deadline: None,
            drive_id: Some(drive.drive_id.clone()),
            summary: format!(
                "Drive {} faulted: {}",
                drive.drive_id,
                drive.fault_reason.as_deref().unwrap_or("no reason given")
            ),
            next_step: if job.state == JobState::Faulted {
                "Resolve the job first, then resolve the drive".into()
            } else {
                format!(
                    "Check drive {} and resolve it; the job cannot be packaged until then",
                    drive.drive_id
                )
            },
        });
    }
    for drive in missing_drives(job) {
        items.push(AttentionItem {
            kind: AttentionKind::DriveMissing,
            since: drive.state_changed_at,
            deadline: None,
            drive_id: Some(drive.drive_id.clone()),
            summary: format!("Drive {} was not in the package", drive.drive_id),
            next_step: format!(
                "Contact the customer about drive {}; receive it as a late arrival if it turns up. The job goes on with the other drives",
                drive.drive_id
            ),
        });
    }
    for drive in copy_error_drives(job) {
        items.push(AttentionItem {
            kind: AttentionKind::DriveCopyError,
            since: drive.state_changed_at,
            deadline: None,
            drive_id: Some(drive.drive_id.clone()),
            summary: format!("Drive {} finished copying with errors", drive.drive_id),
            next_step: "Check the drive's error log and tell the customer what was not copied; the job ends Closed when shipped back".into(),
        });
    }
    if job.state == JobState::Shipping {
        if let Some(notice) = job.overdue_notice_at {
            items.push(AttentionItem {
                kind: AttentionKind::ShippingOverdue,
                since: notice,
                deadline: job.abandon_deadline,
                drive_id: None,
                summary: "No drive arrived in time; the customer was told the package is overdue"
                    .into(),
                next_step: match job.abandon_deadline {
                    Some(d) => format!(
                        "Contact the customer about the missing package; extend the wait if they need time. The job closes on {} otherwise",
                        day(d)
                    ),
                    None => "Contact the customer about the missing package".into(),
                },
            });
        }
    }
    if let Some(report) = &job.return_address_report {
        items.push(AttentionItem {
            kind: AttentionKind::ReturnAddressReported,
            since: report.reported_at,
            deadline: Some(report.destroy_deadline),
            drive_id: None,
            summary: format!("Return address reported wrong: {}", report.reason),
            next_step: format!(
                "The customer is asked for a corrected address on their job page; contact them and correct it once you have it. The drives are securely destroyed on {} otherwise",
                day(report.destroy_deadline)
            ),
        });
    } else if matches!(effective, JobState::Transferring | JobState::Packaging)
        && !has_valid_return_address(job)
    {
        items.push(AttentionItem {
            kind: AttentionKind::ReturnAddressMissing,
            since: job.state_changed_at,
            deadline: None,
            drive_id: None,
            summary: if job.return_address.is_some() {
                "The return address is incomplete or invalid".into()
            } else {
                "The job has no return address".into()
            },
            next_step:
                "Contact the customer and correct the return address; the drives cannot be shipped back without it"
                    .into(),
        });
    }
    let waiting: Vec<_> = job.extra_drives.iter().filter(|e| !e.returned).collect();
    if let Some(first) = waiting.iter().map(|e| e.received_at).min() {
        let serials: Vec<&str> = waiting.iter().map(|e| e.serial.as_str()).collect();
        items.push(AttentionItem {
            kind: AttentionKind::ExtraDrivesWaiting,
            since: first,
            deadline: None,
            drive_id: None,
            summary: format!(
                "{} extra drive(s) not on the drive list: {}",
                serials.len(),
                serials.join(", ")
            ),
            next_step: "Keep the extra drives with the job and put them in the return package when it ships back"
                .into(),
        });
    }
    if job.state == JobState::Creating {
        let expiry = job.expiry_base + settings.timers.creating_expiry.delta();
        let warning = EXPIRY_WARNING.min(settings.timers.creating_expiry.delta());
        items.push(AttentionItem {
            kind: AttentionKind::CreatingExpiresSoon,
            since: expiry - warning,
            deadline: Some(expiry),
            drive_id: None,
            summary: format!("Still Creating; deleted automatically on {}", day(expiry)),
            next_step: "Remind the customer to ship the package and mark the job as shipped, or let it expire"
                .into(),
        });
    }
    items
}

/// Listed drives the package arrived without, while the job still waits for them: after intake and until the
/// job is packaged (a late arrival is still accepted then). Before intake a missing package is the overdue
/// notice's business.
fn missing_drives(job: &Job) -> impl Iterator<Item = &crate::job::Drive> {
    let waiting = matches!(
        job.effective_state(),
        JobState::Received | JobState::Transferring
    );
    job.drives
        .iter()
        .filter(move |d| waiting && d.state == DriveState::NeverReceived)
}

/// Drives whose copy finished with errors, until the job is shipped back.
fn copy_error_drives(job: &Job) -> impl Iterator<Item = &crate::job::Drive> {
    let open = !job.state.is_terminal();
    job.drives.iter().filter(move |d| {
        open && d.state == DriveState::CompletedMoreInfo
            && d.severity == Some(crate::state::Severity::Error)
    })
}

/// The customer's notices about drives in trouble (raised at the top of the job page, not only coloured in
/// the drive table): missing at intake, faulted, or copied with errors.
fn drive_notices(job: &Job) -> Vec<CustomerNotice> {
    let mut notices = Vec::new();
    let missing_ending = if job.cancel_requested {
        "the job is cancelled, so it then ends as Completed (cancelled) with the drives that arrived returned"
    } else {
        "the job will end Closed"
    };
    let waiting = matches!(
        job.effective_state(),
        JobState::Received | JobState::Transferring | JobState::Packaging
    );
    for drive in job
        .drives
        .iter()
        .filter(|d| waiting && d.state == DriveState::NeverReceived)
    {
        notices.push(CustomerNotice {
            key: "drive-missing",
            level: NoticeLevel::Problem,
            title: format!("Drive {} was not in the package", drive.drive_id),
            message: format!(
                "The data center received your package without drive {}. The job goes on with the other drives. If the drive arrives later, in another shipment, it is still accepted and processed; if it never arrives, {missing_ending}.",
                drive.drive_id
            ),
            at: Some(drive.state_changed_at),
        });
    }
    if !job.state.is_terminal() {
        for drive in job.drives.iter().filter(|d| d.state == DriveState::Faulted) {
            notices.push(CustomerNotice {
                key: "drive-faulted",
                level: NoticeLevel::Problem,
                title: format!(
                    "Drive {} needs attention at the data center",
                    drive.drive_id
                ),
                message: format!(
                    "{} Operations will contact you; the other drives go on.",
                    drive
                        .fault_reason
                        .as_deref()
                        .unwrap_or("The drive failed to progress normally.")
                ),
                at: Some(drive.state_changed_at),
            });
        }
    }
    for drive in copy_error_drives(job) {
        notices.push(CustomerNotice {
            key: "drive-copy-error",
            level: NoticeLevel::Problem,
            title: format!("Drive {} was copied with errors", drive.drive_id),
            message: "Some data on this drive could not be copied: its error log (in the drives table) lists what. The job will end Closed when the drives are shipped back.".into(),
            at: Some(drive.state_changed_at),
        });
    }
    notices
}

/// Whether the job has a problem the customer must know about (the jobs lists' warning mark). Problem-level
/// notices depend on the job alone, never on the clock (only the expiry reminder's level does, and it is
/// never a problem), so the store keeps this flag as a column written with every snapshot.
pub fn has_problem(job: &Job, settings: &Settings) -> bool {
    customer_notices(job, job.updated_at, settings)
        .iter()
        .any(|n| n.level == NoticeLevel::Problem)
}

/// The situations of the job that need a person at `now`.
pub fn attention(job: &Job, now: Timestamp, settings: &Settings) -> Vec<AttentionItem> {
    attention_candidates(job, settings)
        .into_iter()
        .filter(|i| i.since <= now)
        .collect()
}

/// The earliest instant at which the job needs attention (stored, indexed, as the queue's projection).
pub fn attention_from(job: &Job, settings: &Settings) -> Option<Timestamp> {
    attention_candidates(job, settings)
        .into_iter()
        .map(|i| i.since)
        .min()
}

/// An open unmatched intake always needs a person; what to do depends on which deadline has passed.
pub fn intake_attention(intake: &UnmatchedIntake) -> Option<AttentionItem> {
    let drives = intake.details.drive_ids.join(", ");
    let (deadline, next_step) = match intake.status {
        IntakeStatus::Resolved => return None,
        IntakeStatus::AwaitingCustomer => (
            intake.return_deadline,
            format!(
                "Reach the customer; if nobody answers by {}, return the drives",
                day(intake.return_deadline)
            ),
        ),
        IntakeStatus::ReturnDue => (
            intake.destroy_deadline,
            format!(
                "The customer was not reached: return the drives to the sender. If that fails, they are destroyed on {}",
                day(intake.destroy_deadline)
            ),
        ),
        IntakeStatus::DestructionDue => (
            intake.destroy_deadline,
            "Neither claimed nor returned: securely destroy the drives and record it".into(),
        ),
    };
    Some(AttentionItem {
        kind: AttentionKind::UnmatchedIntake,
        since: intake.received_at,
        deadline: Some(deadline),
        drive_id: None,
        summary: format!(
            "{} via {} ({}), drive(s) {drives}: {}",
            intake.details.tracking_number,
            intake.details.carrier_name,
            match intake.details.job_name.as_deref() {
                Some(name) if !name.is_empty() => format!("for job {name}"),
                _ => "no job named".to_string(),
            },
            intake.status.as_str()
        ),
        next_step,
    })
}

/// How a customer notice looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NoticeLevel {
    Info,
    Warning,
    Problem,
}

impl NoticeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeLevel::Info => "info",
            NoticeLevel::Warning => "warning",
            NoticeLevel::Problem => "problem",
        }
    }
}

/// A message for the customer about what the timers did, or are about to do, to their job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerNotice {
    /// Stable key (`shipping-overdue`, …) for tests and styling.
    pub key: &'static str,
    pub level: NoticeLevel,
    pub title: String,
    pub message: String,
    pub at: Option<Timestamp>,
}

/// What the customer should know about the timers of their job at `now` (reference §5).
pub fn customer_notices(job: &Job, now: Timestamp, settings: &Settings) -> Vec<CustomerNotice> {
    let mut notices = Vec::new();
    if job.is_deleted() {
        return notices;
    }
    notices.extend(drive_notices(job));
    let shipment_ended = job.state == JobState::Completed
        && job.return_package.is_none()
        && job.overdue_notice_at.is_some();
    if let Some(outlook) = crate::decide::cancelled_outlook(job).filter(|_| !shipment_ended) {
        // The confirmation of a cancel, for as long as the job is on its cancelled path.
        notices.push(CustomerNotice {
            key: "cancelled",
            level: NoticeLevel::Info,
            title: if job.state.is_terminal() {
                "This job was cancelled".into()
            } else {
                "Cancellation requested: what happens now".into()
            },
            message: outlook.into(),
            at: None,
        });
    }
    match job.state {
        JobState::Creating => {
            let expiry = job.expiry_base + settings.timers.creating_expiry.delta();
            let warning = EXPIRY_WARNING.min(settings.timers.creating_expiry.delta());
            notices.push(CustomerNotice {
                key: "creating-expiry",
                level: if now >= expiry - warning {
                    NoticeLevel::Warning
                } else {
                    NoticeLevel::Info
                },
                title: "Ship your package before the job expires".into(),
                message: format!(
                    "A job that stays in Creating is deleted automatically on {}. Updating the job restarts this period.",
                    day(expiry)
                ),
                at: Some(expiry),
            });
        }
        JobState::Shipping => {
            if let Some(notice) = job.overdue_notice_at {
                let never: Vec<&str> = job
                    .drives
                    .iter()
                    .filter(|d| d.state == DriveState::NeverReceived)
                    .map(|d| d.drive_id.as_str())
                    .collect();
                let mut message = String::from(
                    "Your package has not arrived at the data center. Please check the shipment with your carrier and contact support.",
                );
                if !never.is_empty() {
                    message.push_str(&format!(
                        " Drives marked never received: {}.",
                        never.join(", ")
                    ));
                }
                if let Some(deadline) = job.abandon_deadline {
                    message.push_str(&format!(
                        " Unless the package arrives, the job closes on {}.",
                        day(deadline)
                    ));
                }
                notices.push(CustomerNotice {
                    key: "shipping-overdue",
                    level: NoticeLevel::Problem,
                    title: "Package overdue".into(),
                    message,
                    at: Some(notice),
                });
            }
        }
        JobState::Transferring | JobState::Packaging if job.return_address_report.is_some() => {
            if let Some(report) = &job.return_address_report {
                notices.push(CustomerNotice {
                    key: "return-address-reported",
                    level: NoticeLevel::Problem,
                    title: "Correct your return address".into(),
                    message: format!(
                        "The data center cannot ship your drives back to the return address on file: {}. Please correct the return address below. If no corrected address arrives, the drives are securely destroyed on {}.",
                        report.reason,
                        day(report.destroy_deadline)
                    ),
                    at: Some(report.reported_at),
                });
            }
        }
        JobState::Closed if job.drives_destroyed_at.is_some() => {
            notices.push(CustomerNotice {
                key: "drives-destroyed",
                level: NoticeLevel::Problem,
                title: "Your drives were securely destroyed".into(),
                message: "The return address was reported wrong and no corrected address arrived in time, so the drives were securely destroyed and the job closed.".into(),
                at: job.drives_destroyed_at,
            });
        }
        JobState::Completed
            if job.cancel_requested
                && job.return_package.is_none()
                && job.overdue_notice_at.is_some() =>
        {
            notices.push(CustomerNotice {
                key: "cancelled-shipment-ended",
                level: NoticeLevel::Info,
                title: "Cancelled job ended: the package never arrived".into(),
                message: "The job was cancelled and its package did not arrive at the data center, so it ended as Completed (cancelled). Nothing was copied. If the package turns up, operations will contact you.".into(),
                at: Some(job.state_changed_at),
            });
        }
        JobState::Closed if job.return_package.is_none() && job.overdue_notice_at.is_some() => {
            notices.push(CustomerNotice {
                key: "shipment-abandoned",
                level: NoticeLevel::Problem,
                title: "Job closed: the package never arrived".into(),
                message: "The package did not arrive and we did not hear from you in time, so the job was closed. Create a new job to ship again.".into(),
                at: Some(job.state_changed_at),
            });
        }
        JobState::Faulted if !job.pending_arrivals.is_empty() => {
            notices.push(CustomerNotice {
                key: "faulted",
                level: NoticeLevel::Problem,
                title: "The job needs attention at the data center".into(),
                message: format!(
                    "{} Operations will contact you. Drive(s) {} arrived late and will be received once the job is back on track.",
                    job.fault_reason
                        .as_deref()
                        .unwrap_or("The job failed to progress normally."),
                    job.pending_arrivals.join(", ")
                ),
                at: Some(job.state_changed_at),
            });
        }
        JobState::Faulted => {
            notices.push(CustomerNotice {
                key: "faulted",
                level: NoticeLevel::Problem,
                title: "The job needs attention at the data center".into(),
                message: format!(
                    "{} Operations will contact you.",
                    job.fault_reason
                        .as_deref()
                        .unwrap_or("The job failed to progress normally.")
                ),
                at: Some(job.state_changed_at),
            });
        }
        _ => {}
    }
    if let (Some(package), true) = (&job.return_package, job.state.is_terminal()) {
        notices.push(match &job.return_problem {
            Some(problem) => CustomerNotice {
                key: "return-problem",
                level: NoticeLevel::Warning,
                title: "You reported a problem with the returned drives".into(),
                message: format!(
                    "Your report: \"{}\". Support will contact you; the job is kept until the report is dealt with.",
                    problem.description
                ),
                at: Some(problem.reported_at),
            },
            None => CustomerNotice {
                key: "drives-shipped-back",
                level: NoticeLevel::Info,
                title: "Your drives are on their way back".into(),
                message: format!(
                    "They were shipped on {} with {}, tracking number {}. If they do not arrive, or arrive damaged, report it below and support will follow up with the carrier.",
                    package.ship_date, package.carrier_name, package.tracking_number
                ),
                at: Some(job.state_changed_at),
            },
        });
    }
    if let Some(finished) = job
        .finished_at
        .filter(|_| job.state.is_terminal() && job.return_problem.is_none())
    {
        let removal = finished + settings.timers.retention.delta();
        notices.push(CustomerNotice {
            key: "retention",
            level: NoticeLevel::Info,
            title: "This job will be removed".into(),
            message: format!(
                "Finished jobs are removed automatically {} after they end: this one on {}.",
                settings.timers.retention,
                day(removal)
            ),
            at: Some(removal),
        });
    }
    notices
}

/// How long the customer's job list keeps telling them about a job the timers deleted while `Creating`.
pub const REMOVAL_NOTICE_PERIOD: TimeDelta = TimeDelta::days(30);

/// Until when the customer's job list mentions this deleted job, if it should at all. Only a `Creating` job
/// that expired: the customer deleted theirs themselves, and a retention removal was announced on the job page
/// for the whole retention period, whereas an expired job simply vanishes (404) from the customer's view.
pub fn removal_notice_until(job: &Job) -> Option<Timestamp> {
    (job.deleted == Some(DeletionReason::CreatingExpired))
        .then(|| job.updated_at + REMOVAL_NOTICE_PERIOD)
}

/// What the customer is told, on their job list, about a job the expiry timer deleted (until
/// [`removal_notice_until`]). The snapshot is the replay of the job's events, so the date is the `Deleted`
/// event's own (its deadline), and the period is the one that applied to this job, whatever the settings are
/// now.
pub fn removal_notice(job: &Job, now: Timestamp) -> Option<CustomerNotice> {
    let until = removal_notice_until(job)?;
    if now >= until {
        return None;
    }
    let deleted_at = job.updated_at;
    let waited = Span::seconds((deleted_at - job.expiry_base).num_seconds().max(1));
    Some(CustomerNotice {
        key: "creating-expired",
        level: NoticeLevel::Warning,
        title: format!("Job {} was deleted automatically", job.name),
        message: format!(
            "It stayed in Creating for {waited} without being marked as shipped or updated, so it was deleted on {}. \
             Nothing was shipped or copied. Create a new job to ship your drives.",
            day(deleted_at)
        ),
        at: Some(deleted_at),
    })
}
