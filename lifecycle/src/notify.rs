//! What a customer is told about a change: which notification topic (each a preference on the Account page)
//! a change's events belong to, and which webhook event types they raise. The server only delivers; which
//! changes are worth a message is decided here.

use crate::state::JobState;
use serde::{Deserialize, Serialize};

/// A kind of message a customer (or staff member) can turn on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Topic {
    /// The job moved to another state.
    StateChanges,
    /// Drives found missing, faulted, or completed with more information.
    Drives,
    /// Deadlines reached: the `Creating` expiry, shipping overdue, abandonment, destruction.
    Deadlines,
    /// The return address was reported wrong.
    ReturnAddress,
    /// The drives were shipped back (with the tracking link).
    ShippedBack,
    /// A package arrived that matches none of the job's expected drives, or for a job not expecting one.
    UnmatchedIntake,
    /// An operator cancelled the job.
    Cancellation,
    /// Staff: a job entered the attention queue.
    AttentionQueue,
}

impl Topic {
    pub const ALL: [Topic; 8] = [
        Topic::StateChanges,
        Topic::Drives,
        Topic::Deadlines,
        Topic::ReturnAddress,
        Topic::ShippedBack,
        Topic::UnmatchedIntake,
        Topic::Cancellation,
        Topic::AttentionQueue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::StateChanges => "stateChanges",
            Topic::Drives => "drives",
            Topic::Deadlines => "deadlines",
            Topic::ReturnAddress => "returnAddress",
            Topic::ShippedBack => "shippedBack",
            Topic::UnmatchedIntake => "unmatchedIntake",
            Topic::Cancellation => "cancellation",
            Topic::AttentionQueue => "attentionQueue",
        }
    }

    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What the preference is called on the Account page.
    pub fn label(self) -> &'static str {
        match self {
            Topic::StateChanges => "My job changes state",
            Topic::Drives => "A drive is missing, faulted, or finished with more information",
            Topic::Deadlines => {
                "A deadline passes (expiry, shipping overdue, abandonment, destruction)"
            }
            Topic::ReturnAddress => "The return address is reported wrong",
            Topic::ShippedBack => "My drives are shipped back",
            Topic::UnmatchedIntake => "A package arrives that does not match my job",
            Topic::Cancellation => "Staff cancel my job",
            Topic::AttentionQueue => "Staff: a job needs attention",
        }
    }

    /// Whether the topic is on for someone who never changed it: everything a customer must know is on;
    /// staff opt in to the queue.
    pub fn on_by_default(self) -> bool {
        self != Topic::AttentionQueue
    }
}

/// The topics of a change to a job: from `before` to `after` (None: the job was created) by events of these
/// kinds (`EventKind::name`, intake events by their type). Empty: nothing worth a message.
pub fn topics(
    before: Option<JobState>,
    after: Option<JobState>,
    event_kinds: &[String],
) -> Vec<Topic> {
    let mut topics = Vec::new();
    let mut add = |t: Topic| {
        if !topics.contains(&t) {
            topics.push(t)
        }
    };
    for kind in event_kinds {
        match kind.as_str() {
            "driveFaulted" | "driveFinished" | "packageReceived" | "laterPackageReceived" => {
                add(Topic::Drives)
            }
            "shippingOverdue" | "shipmentAbandoned" | "drivesDestroyed" => add(Topic::Deadlines),
            "returnAddressReported" | "returnProblemReported" => add(Topic::ReturnAddress),
            "shippedBack" => add(Topic::ShippedBack),
            "unmatchedIntakeNoted" => add(Topic::UnmatchedIntake),
            "cancellationRequested" => add(Topic::Cancellation),
            "deleted" => add(Topic::Deadlines),
            _ => {}
        }
    }
    if let (Some(before), Some(after)) = (before, after) {
        if before != after {
            add(Topic::StateChanges);
        }
    }
    topics
}

/// The webhook event types a change raises (CloudEvents `type`, under `Microsoft.ImportExport.`): webhooks
/// are not filtered by topic, one event per change and type.
pub fn webhook_types(
    before: Option<JobState>,
    after: Option<JobState>,
    event_kinds: &[String],
    raised_attention: bool,
) -> Vec<&'static str> {
    let mut types = Vec::new();
    if event_kinds.iter().any(|k| k == "created") {
        types.push("JobCreated");
    }
    if let (Some(before), Some(after)) = (before, after) {
        if before != after {
            types.push("JobStateChanged");
        }
    }
    if event_kinds.iter().any(|k| {
        matches!(
            k.as_str(),
            "driveFaulted"
                | "driveFinished"
                | "driveArrived"
                | "driveResolved"
                | "copyStarted"
                | "packageReceived"
                | "laterPackageReceived"
        )
    }) {
        types.push("DriveStateChanged");
    }
    if event_kinds.iter().any(|k| k == "cancellationRequested") {
        types.push("JobCancelled");
    }
    if raised_attention {
        types.push("JobNeedsAttention");
    }
    types
}

/// Whether a change recorded at `changed_at` gave the job (as it is after the change) a new entry in the
/// attention queue: the queue's own rule (`attention::attention`) says what the entries are, and an entry the
/// change raised starts with it (a drive missing at intake, a copy error, a fault, a reported address, …).
pub fn raised_attention(
    job_after: &crate::Job,
    changed_at: crate::Timestamp,
    now: crate::Timestamp,
    settings: &crate::Settings,
) -> bool {
    crate::attention::attention(job_after, now, settings)
        .iter()
        .any(|item| item.since >= changed_at)
}

/// How far ahead of an irreversible deadline (expiry, abandonment, destruction) its warning goes out.
pub const WARNING_AHEAD: chrono::TimeDelta = crate::attention::EXPIRY_WARNING;

/// The warnings a customer gets by email before something that cannot be undone, each with its date: the job
/// page's notices about a deadline still ahead (the `Creating` expiry within [`WARNING_AHEAD`], the
/// abandonment of an overdue shipment, the destruction of drives whose return address is wrong). Each
/// notice's key and date identify it, so a warning is sent once per deadline.
pub fn advance_warnings(
    job: &crate::Job,
    now: crate::Timestamp,
    settings: &crate::Settings,
) -> Vec<crate::attention::CustomerNotice> {
    use crate::attention::{customer_notices, NoticeLevel};
    customer_notices(job, now, settings)
        .into_iter()
        .filter(|n| match n.key {
            "creating-expiry" => n.level == NoticeLevel::Warning,
            "shipping-overdue" | "return-address-reported" => true,
            // The removal of a finished job, once it is near (its date is the notice's).
            "retention" => {
                n.at.is_some_and(|removal| now >= removal - WARNING_AHEAD && now < removal)
            }
            _ => false,
        })
        .collect()
}

/// What the customer is told about an unmatched intake linked to their job: which drives arrived, and the
/// dates after which they are returned and then securely destroyed unless the customer answers.
pub fn intake_notice(intake: &crate::intake::UnmatchedIntake) -> String {
    format!(
        "A package (tracking number {}) arrived at the data center with drive(s) {} that your job does not list. \
         Please contact support: unless you are reached, the drives are returned to the sender after {}, and if \
         that fails they are securely destroyed on {}.",
        intake.details.tracking_number,
        intake.details.drive_ids.join(", "),
        crate::dates::utc_minutes(intake.return_deadline),
        crate::dates::utc_minutes(intake.destroy_deadline),
    )
}

/// The warning, ahead of an open intake's destruction deadline, to the customer of the job it is linked to
/// (`None` while the deadline is further than [`WARNING_AHEAD`], once it passed, and for a resolved intake).
pub fn intake_destruction_warning(
    intake: &crate::intake::UnmatchedIntake,
    now: crate::Timestamp,
) -> Option<crate::attention::CustomerNotice> {
    use crate::intake::IntakeStatus;
    let deadline = intake.destroy_deadline;
    let open = intake.status != IntakeStatus::Resolved;
    (open && now >= deadline - WARNING_AHEAD && now < deadline).then(|| {
        crate::attention::CustomerNotice {
            key: "intake-destruction",
            level: crate::attention::NoticeLevel::Problem,
            title: "Drives that arrived for your job will be destroyed".into(),
            message: format!(
                "Drive(s) {} (tracking number {}) arrived unexpectedly and were neither claimed nor returned: they are \
                 securely destroyed on {} unless you contact support before then.",
                intake.details.drive_ids.join(", "),
                intake.details.tracking_number,
                crate::dates::utc_minutes(deadline),
            ),
            at: Some(deadline),
        }
    })
}

/// Every webhook event type, as the README lists them.
pub const WEBHOOK_TYPES: [&str; 5] = [
    "JobCreated",
    "JobStateChanged",
    "DriveStateChanged",
    "JobCancelled",
    "JobNeedsAttention",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_state_change_is_told_and_progress_is_not() {
        assert_eq!(
            topics(
                Some(JobState::Shipping),
                Some(JobState::Received),
                &kinds(&["packageReceived"])
            ),
            vec![Topic::Drives, Topic::StateChanges]
        );
        assert!(topics(
            Some(JobState::Transferring),
            Some(JobState::Transferring),
            &kinds(&["progressReported"])
        )
        .is_empty());
        assert!(topics(None, Some(JobState::Creating), &kinds(&["created"])).is_empty());
    }

    #[test]
    fn webhook_types_follow_the_change() {
        assert_eq!(
            webhook_types(None, Some(JobState::Creating), &kinds(&["created"]), false),
            vec!["JobCreated"]
        );
        assert_eq!(
            webhook_types(
                Some(JobState::Creating),
                Some(JobState::Completed),
                &kinds(&["cancellationRequested"]),
                false
            ),
            vec!["JobStateChanged", "JobCancelled"]
        );
        assert_eq!(
            webhook_types(
                Some(JobState::Transferring),
                Some(JobState::Faulted),
                &kinds(&["jobFaulted"]),
                true
            ),
            vec!["JobStateChanged", "JobNeedsAttention"]
        );
        assert!(webhook_types(
            Some(JobState::Transferring),
            Some(JobState::Transferring),
            &kinds(&["progressReported"]),
            false
        )
        .is_empty());
    }

    #[test]
    fn topics_round_trip_and_the_queue_is_opt_in() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert!(!Topic::AttentionQueue.on_by_default());
        assert!(Topic::Cancellation.on_by_default());
    }
}
