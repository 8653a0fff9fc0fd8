//! What can happen next to a job, for the "What happens next" list of the job pages: the transitions of the job
//! graph that this job can still take from where it is, who makes each happen, and whether it could happen now.
//! The page only renders the list; which edges count is decided here.

use crate::decide::{
    can_cancel, can_mark_shipping, can_package, can_receive_late, can_ship_back, can_start_copy,
    can_take_intake, job_resolution_targets,
};
use crate::graph::{job_graph, EdgeKind, Trigger};
use crate::job::Job;
use crate::rejection::Rejection;
use crate::settings::Settings;
use crate::state::{DriveState, JobState};
use serde::Serialize;

/// One transition the job can still take from its current state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub to: JobState,
    /// The transition's label in the job graph ("Mark as shipped").
    pub label: String,
    pub trigger: Trigger,
    /// The step's guard accepts it at this moment. Timer and automatic steps are never "now": they happen when
    /// their condition is met (`reason` says which).
    pub allowed_now: bool,
    /// Why it cannot happen now, when it cannot.
    pub reason: Option<String>,
}

/// The label of a resolution out of `Faulted` when the graph draws none.
const RESOLVED: &str = "Fault resolved";

/// The steps the job can take next, in the graph's order (a faulted job: its resolution targets, the state it
/// faulted from first). Faults are left out: any active state can fault, and nobody plans one. A cancelled job
/// shows the cancel path instead of the normal one where the graph has one; a shipped-back job ends either
/// `Completed` or `Closed`, and only the one this job will reach is listed.
pub fn next_steps(job: &Job, settings: &Settings) -> Vec<NextStep> {
    if job.is_deleted() {
        return Vec::new();
    }
    let graph = job_graph();
    let from = job.state;
    if from == JobState::Faulted {
        return job_resolution_targets(job)
            .into_iter()
            .map(|to| NextStep {
                to,
                label: graph
                    .edge(JobState::Faulted, to)
                    .map(|e| e.label)
                    .unwrap_or(RESOLVED)
                    .to_string(),
                trigger: Trigger::Operator,
                allowed_now: true,
                reason: None,
            })
            .collect();
    }
    // The operations' cancel path (the copy skipped) replaces the ordinary way on.
    let has_cancel_path = graph
        .edges
        .iter()
        .any(|e| e.from == from && e.kind == EdgeKind::Cancel && e.trigger == Trigger::Operator);
    let cancel_by = |trigger: Trigger| {
        graph
            .edges
            .iter()
            .any(|e| e.from == from && e.kind == EdgeKind::Cancel && e.trigger == trigger)
    };
    let ship_back_ends = if job.ends_with_errors() {
        JobState::Closed
    } else {
        JobState::Completed
    };
    graph
        .edges
        .iter()
        .filter(|e| e.from == from && e.kind != EdgeKind::Fault)
        .filter(|e| match e.kind {
            // A cancel path is taken by a cancelled job, or is the customer's own cancellation.
            EdgeKind::Cancel => job.cancel_requested || e.trigger == Trigger::Customer,
            EdgeKind::Normal if job.cancel_requested && has_cancel_path => false,
            // A cancelled job takes the cancel path instead of the error path made by the same actor.
            EdgeKind::Error if job.cancel_requested && cancel_by(e.trigger) => false,
            _ => true,
        })
        .filter(|e| e.condition.is_none() || condition_may_hold(job, from, e.to))
        .filter(|e| {
            let ship_back = from == JobState::Packaging && e.condition.is_none();
            !ship_back || e.to == ship_back_ends
        })
        // Moving a job to packaging by hand (nothing left to copy, or a cancelled job's remaining drives not
        // copied) is a next step only when it is possible now; otherwise the automatic step (or the cancel
        // path) says how the job gets there. A cancelled job's way there is its cancel path.
        .filter(|e| {
            let by_hand = e.to == JobState::Packaging
                && e.trigger == Trigger::Operator
                && e.kind != EdgeKind::Cancel;
            !by_hand || (can_package(job).is_ok() && !(job.cancel_requested && has_cancel_path))
        })
        .map(|e| {
            let guard = guard(job, settings, from, e.to, e.kind, e.trigger);
            NextStep {
                to: e.to,
                label: cancelled_label(job, from, e.to)
                    .unwrap_or(e.label)
                    .to_string(),
                trigger: e.trigger,
                allowed_now: guard.is_ok(),
                reason: guard.err(),
            }
        })
        .collect()
}

/// What an ordinary step means for a cancelled job, where the graph's own label speaks of the copy: a cancelled
/// job's package still arrives, but nothing is copied and the drives go back (reference §4).
fn cancelled_label(job: &Job, from: JobState, to: JobState) -> Option<&'static str> {
    if !job.cancel_requested {
        return None;
    }
    match (from, to) {
        (JobState::Shipping, JobState::Received) => {
            Some("Package arrives: nothing is copied, the drives are returned")
        }
        (JobState::Transferring, JobState::Packaging) => {
            Some("Copying stops: the drives are packed to be returned")
        }
        (JobState::Packaging, JobState::Completed) => Some("Drives shipped back (cancelled)"),
        _ => None,
    }
}

/// Whether a conditional step (a late drive, a destruction, a cancelled shipment's end) can still happen to this
/// job: its situation is there.
fn condition_may_hold(job: &Job, from: JobState, to: JobState) -> bool {
    match (from, to) {
        (JobState::Packaging, JobState::Transferring) => {
            !job.cancel_requested
                && job
                    .drives
                    .iter()
                    .any(|d| d.state == DriveState::NeverReceived)
        }
        (_, JobState::Closed) => job.return_address_report.is_some(),
        (JobState::Shipping, JobState::Completed) => job.cancel_requested,
        _ => true,
    }
}

/// Whether the step could be taken now: the same guard `decide` applies to the command that takes it.
fn guard(
    job: &Job,
    settings: &Settings,
    from: JobState,
    to: JobState,
    kind: EdgeKind,
    trigger: Trigger,
) -> Result<(), String> {
    let message = |r: Rejection| r.message;
    match (trigger, from, to) {
        (Trigger::Timer, JobState::Transferring | JobState::Packaging, JobState::Closed) => {
            Err(match &job.return_address_report {
                Some(report) => format!(
                    "Happens on {} unless the return address is corrected",
                    crate::dates::date(report.destroy_deadline)
                ),
                None => "Happens only when a deadline passes".to_string(),
            })
        }
        (Trigger::Timer, ..) => Err("Happens only when a deadline passes".to_string()),
        (Trigger::Operator, JobState::Packaging, JobState::Transferring) => {
            let late = job
                .drives
                .iter()
                .find(|d| d.state == DriveState::NeverReceived);
            match late {
                Some(d) => can_receive_late(job, &d.drive_id)
                    .map_err(message)
                    .and(Err("Happens if a drive never received turns up".to_string())),
                None => Err("No drive is missing".to_string()),
            }
        }
        (Trigger::Automatic, _, JobState::Packaging) => Err(match can_package(job) {
            Err(r) => format!(
                "Happens by itself when nothing is left to copy ({})",
                r.message
            ),
            Ok(()) => "Happens by itself when nothing is left to copy".to_string(),
        }),
        (Trigger::Automatic, ..) => Err("Happens by itself".to_string()),
        (Trigger::Customer, JobState::Creating, JobState::Shipping) => {
            can_mark_shipping(job).map_err(message)
        }
        (Trigger::Customer, ..) if kind == EdgeKind::Cancel => {
            can_cancel(job, settings).map_err(message)
        }
        (_, JobState::Shipping, JobState::Received) => can_take_intake(job).map_err(message),
        (_, JobState::Received, JobState::Transferring) => {
            let startable = job
                .drives
                .iter()
                .any(|d| can_start_copy(job, &d.drive_id).is_ok());
            if startable {
                Ok(())
            } else {
                // Every drive refuses for the same reason, or there is none to copy.
                match job.drives.first() {
                    Some(d) => can_start_copy(job, &d.drive_id).map_err(message),
                    None => Err("No drive has arrived to copy".into()),
                }
            }
        }
        (_, _, JobState::Packaging) => can_package(job).map_err(message),
        (_, JobState::Packaging, _) => can_ship_back(job).map_err(message),
        _ => Ok(()),
    }
}
