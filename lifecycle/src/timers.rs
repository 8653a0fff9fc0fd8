//! The timer rules of reference §5: which deadline a job is waiting for, and what happens when it passes.

use crate::event::{Event, EventKind};
use crate::job::{DeletionReason, Job, Timestamp};
use crate::settings::Settings;
use crate::state::{DriveState, JobState};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimerKind {
    /// `Creating` for too long: the job is deleted.
    CreatingExpiry,
    /// `Shipping` and nothing arrived: drives `NeverReceived`, alert.
    ShippingOverdue,
    /// No answer after the overdue notice: `Closed`.
    ShipmentAbandoned,
    /// `Completed`/`Closed` long enough: the job is deleted.
    Retention,
    /// The return address was reported wrong and never corrected: the drives are destroyed, the job `Closed`.
    DrivesDestroyed,
}

impl TimerKind {
    pub fn describe(self) -> &'static str {
        match self {
            TimerKind::CreatingExpiry => "deleted if still Creating",
            TimerKind::ShippingOverdue => "package overdue if nothing has arrived",
            TimerKind::ShipmentAbandoned => "closed as abandoned if nothing has arrived",
            TimerKind::Retention => "removed after the retention period",
            TimerKind::DrivesDestroyed => "drives destroyed unless the return address is corrected",
        }
    }
}

/// The one deadline the job is waiting for now, if any. A job waits for at most one timer at a time, which is
/// what lets the store keep a single indexed `next_timer_at` column per job.
pub fn next_timer(job: &Job, settings: &Settings) -> Option<(Timestamp, TimerKind)> {
    if job.is_deleted() {
        return None;
    }
    let t = &settings.timers;
    match job.state {
        JobState::Creating => Some((
            job.expiry_base + t.creating_expiry.delta(),
            TimerKind::CreatingExpiry,
        )),
        JobState::Shipping => match (job.overdue_notice_at, job.abandon_deadline) {
            (None, _) => job.shipping_since.map(|since| {
                (
                    since + t.shipping_overdue.delta(),
                    TimerKind::ShippingOverdue,
                )
            }),
            (Some(_), Some(deadline)) => Some((deadline, TimerKind::ShipmentAbandoned)),
            (Some(_), None) => None,
        },
        // A job whose customer reported a problem with the returned drives is kept until staff resolve it.
        JobState::Completed | JobState::Closed if job.return_problem.is_some() => None,
        JobState::Completed | JobState::Closed => job
            .finished_at
            .map(|at| (at + t.retention.delta(), TimerKind::Retention)),
        // At the data center people act on the job; the only clock is a wrong return address's.
        JobState::Received | JobState::Transferring | JobState::Packaging => job
            .return_address_report
            .as_ref()
            .map(|report| (report.destroy_deadline, TimerKind::DrivesDestroyed)),
        // No timer runs while a job is Faulted; on resolution it gets back the time it had left.
        JobState::Faulted => None,
    }
}

/// The event a timer produces when it fires at its deadline `at`.
pub(crate) fn fire(job: &Job, kind: TimerKind, at: Timestamp, settings: &Settings) -> Event {
    let kind = match kind {
        TimerKind::CreatingExpiry => EventKind::Deleted {
            reason: DeletionReason::CreatingExpired,
        },
        TimerKind::ShippingOverdue => EventKind::ShippingOverdue {
            never_received: job
                .drives
                .iter()
                .filter(|d| d.state == DriveState::Specified)
                .map(|d| d.drive_id.clone())
                .collect(),
            abandon_deadline: at + settings.timers.abandon_after_notice.delta(),
        },
        TimerKind::ShipmentAbandoned => EventKind::ShipmentAbandoned,
        TimerKind::Retention => EventKind::Deleted {
            reason: DeletionReason::RetentionExpired,
        },
        TimerKind::DrivesDestroyed => EventKind::DrivesDestroyed,
    };
    Event { at, kind }
}

/// Every timer due at `now`, each once, in deadline order. Events carry their deadline as their time, so a
/// late sweep produces the same history as a punctual one.
pub(crate) fn due_events(job: &Job, now: Timestamp, settings: &Settings) -> Vec<Event> {
    let mut work = job.clone();
    let mut events = Vec::new();
    // A job passes through at most three timers in a row (overdue, abandoned, retention).
    for _ in 0..4 {
        match next_timer(&work, settings) {
            Some((due, kind)) if due <= now => {
                // A deadline that passed while the job was Faulted fires when it is resolved, never before the
                // job's latest event: the history stays in order.
                let event = fire(&work, kind, due.max(work.updated_at), settings);
                work.apply(&event);
                events.push(event);
            }
            _ => break,
        }
    }
    events
}
