//! The support console's data, shared by the server and the browser, and the timeline's wording, used by the
//! timeline page and by its CSV and JSON exports alike.

use crate::model::{ActorKind, Diagram, JobSummary, StateStep};
use lifecycle::attention::AttentionItem;
use lifecycle::intake::{IntakeEventKind, UnmatchedIntake};
use lifecycle::{DriveOutcome, EventKind, Job, JobState, Settings, Timestamp};
use serde::{Deserialize, Serialize};

/// One row of the staff job list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffJobRow {
    pub job: JobSummary,
    /// The email of the customer owning the job's subscription.
    pub customer: Option<String>,
    pub needs_attention: bool,
}

/// A page of the staff job list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffJobList {
    pub rows: Vec<StaffJobRow>,
    pub next_cursor: Option<String>,
    /// Every location (short name, display name), for the filter.
    pub locations: Vec<(String, String)>,
    pub now: Timestamp,
}

/// Who did something, in the timeline's words.
pub fn actor_kind_label(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Customer => "Customer",
        ActorKind::Staff => "Staff",
        ActorKind::Api => "API client",
        ActorKind::Timer => "System timer",
        ActorKind::System => "System",
    }
}

/// One event of a job's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: i64,
    /// Business time (for a timer: the deadline that fired).
    pub at: Timestamp,
    /// When it was written.
    pub recorded_at: Timestamp,
    pub actor_kind: ActorKind,
    /// The person's name, the API token's owner and name, or "System timer".
    pub actor: String,
    /// The event's stable name (`packageReceived`).
    pub kind: String,
    /// One line saying what happened.
    pub what: String,
    pub state_before: Option<JobState>,
    pub state_after: JobState,
    /// The drive the event is about, if it is a drive event.
    pub drive_id: Option<String>,
    /// The event's details, as label and value.
    pub details: Vec<(String, String)>,
}

impl TimelineEntry {
    pub fn is_drive_event(&self) -> bool {
        self.drive_id.is_some()
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn iso(t: Timestamp) -> String {
    lifecycle::dates::utc_minutes(t)
}

/// The details of an event, as label and value pairs (what the timeline shows and the exports carry).
pub fn event_details(kind: &EventKind) -> Vec<(String, String)> {
    let d = |k: &str, v: String| (k.to_string(), v);
    match kind {
        EventKind::Created { job } | EventKind::Replaced { job } => {
            let mut out = vec![
                d("Type", job.job_type.as_str().into()),
                d("Location", job.location.display_name.clone()),
            ];
            if !job.drives.is_empty() {
                let ids: Vec<String> = job.drives.iter().map(|s| s.drive_id.clone()).collect();
                out.push(d("Drives", list(&ids)));
            }
            if let Some(p) = &job.delivery_package {
                out.push(d(
                    "Delivery package",
                    format!("{} {}", p.carrier_name, p.tracking_number),
                ));
            }
            out
        }
        EventKind::PropertiesUpdated { patch } => {
            let mut out = Vec::new();
            if let Some(p) = &patch.delivery_package {
                out.push(d("Carrier", p.carrier_name.clone()));
                out.push(d("Tracking number", p.tracking_number.clone()));
            }
            if let Some(a) = &patch.return_address {
                out.push(d(
                    "Return address",
                    format!("{}, {}, {}", a.recipient_name, a.city, a.country_or_region),
                ));
            }
            if let Some(r) = &patch.return_shipping {
                out.push(d("Return carrier", r.carrier_name.clone()));
            }
            if let Some(list_) = &patch.drive_list {
                let ids: Vec<String> = list_.iter().map(|s| s.drive_id.clone()).collect();
                out.push(d("Drives", list(&ids)));
            }
            if let Some(l) = patch.log_level {
                out.push(d("Log level", l.as_str().into()));
            }
            out
        }
        EventKind::CancellationRequested { completed, reason } => {
            let mut out = vec![d(
                "Effect",
                if *completed {
                    "ended at once".into()
                } else {
                    "drives return uncopied".into()
                },
            )];
            if let Some(reason) = reason {
                out.push(d("Cancelled by", "operations".into()));
                out.push(d("Reason", reason.clone()));
            }
            out
        }
        EventKind::Deleted { reason } => vec![d("Reason", reason.describe().into())],
        EventKind::PackageReceived {
            found,
            missing,
            extra,
        } => vec![
            d("Found", list(found)),
            d("Missing", list(missing)),
            d("Extra", list(extra)),
        ],
        EventKind::ProgressReported {
            percent,
            bytes_succeeded,
            copy_status,
            ..
        } => vec![
            d("Percent", format!("{percent}%")),
            d("Bytes copied", bytes_succeeded.to_string()),
            d("Copy status", copy_status.clone()),
        ],
        EventKind::DriveFinished {
            outcome,
            incomplete_blob_list_uri,
            ..
        } => {
            let (result, logs) = match outcome {
                DriveOutcome::Completed { logs } => ("Completed".to_string(), logs),
                DriveOutcome::MoreInfo { severity, logs } => {
                    (format!("CompletedMoreInfo ({})", severity.as_str()), logs)
                }
            };
            let mut out = vec![d("Outcome", result)];
            for (label, uri) in [
                ("Error log", &logs.error_log_uri),
                ("Verbose log", &logs.verbose_log_uri),
                ("Manifest", &logs.manifest_uri),
            ] {
                if let Some(uri) = uri.as_ref().filter(|u| !u.is_empty()) {
                    out.push(d(label, uri.clone()));
                }
            }
            if let Some(uri) = incomplete_blob_list_uri {
                out.push(d("Blobs not exported", uri.clone()));
            }
            out
        }
        EventKind::PackagingStarted { automatic } => vec![d(
            "How",
            if *automatic {
                "automatically, last drive finished".into()
            } else {
                "by an operator".into()
            },
        )],
        EventKind::ShippedBack { package, closed } => vec![
            d("Carrier", package.carrier_name.clone()),
            d("Tracking number", package.tracking_number.clone()),
            d("Drive count", package.drive_count.to_string()),
            d("Ship date", package.ship_date.clone()),
            d(
                "Result",
                if *closed { "Closed" } else { "Completed" }.to_string(),
            ),
        ],
        EventKind::JobFaulted { reason } | EventKind::DriveFaulted { reason, .. } => {
            vec![d("Reason", reason.clone())]
        }
        EventKind::JobResolved {
            to,
            resolution,
            timer_shift_seconds,
            received,
        } => {
            let mut out = vec![
                d("Resolved to", to.as_str().into()),
                d("Resolution", resolution.clone()),
            ];
            if *timer_shift_seconds > 0 {
                out.push(d(
                    "Deadline moved by",
                    lifecycle::Span::seconds(*timer_shift_seconds).to_string(),
                ));
            }
            if !received.is_empty() {
                out.push(d("Late drives received", list(received)));
            }
            out
        }
        EventKind::DriveResolved { to, resolution, .. } => vec![
            d("Resolved to", to.label().into()),
            d("Resolution", resolution.clone()),
        ],
        EventKind::ReturnAddressCorrected { address } => vec![d(
            "Return address",
            format!(
                "{}, {}, {} {}, {}",
                address.recipient_name,
                address.street_address1,
                address.postal_code,
                address.city,
                address.country_or_region
            ),
        )],
        EventKind::ShippingWaitExtended {
            days,
            abandon_deadline,
        } => vec![
            d("Extended by", format!("{days} day(s)")),
            d("Closes on", iso(*abandon_deadline)),
        ],
        EventKind::UnmatchedIntakeNoted {
            intake_id,
            drive_ids,
        } => vec![d("Intake", intake_id.clone()), d("Drives", list(drive_ids))],
        EventKind::NoteAdded { text } => vec![d("Note", text.clone())],
        EventKind::ShippingOverdue {
            never_received,
            abandon_deadline,
        } => vec![
            d("Never received", list(never_received)),
            d("Closes on", iso(*abandon_deadline)),
        ],
        EventKind::LaterPackageReceived { found, extra } => {
            vec![d("Found", list(found)), d("Extra", list(extra))]
        }
        EventKind::ReturnAddressReported {
            reason,
            destroy_deadline,
        } => vec![
            d("Reason", reason.clone()),
            d("Destroyed on", iso(*destroy_deadline)),
        ],
        EventKind::ReturnProblemReported { description } => {
            vec![d("Customer's report", description.clone())]
        }
        EventKind::ReturnProblemResolved { note } => vec![d("Resolution", note.clone())],
        EventKind::MarkedShipping
        | EventKind::DriveArrived { .. }
        | EventKind::DriveArrivalHeld { .. }
        | EventKind::CopyStarted { .. }
        | EventKind::ShipmentAbandoned
        | EventKind::DrivesDestroyed => Vec::new(),
    }
}

/// An unmatched intake with what it needs now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeView {
    pub id: i64,
    pub job_id: Option<i64>,
    pub intake: UnmatchedIntake,
    pub attention: Option<AttentionItem>,
    /// Its history: when, who, what.
    pub history: Vec<(Timestamp, String, String)>,
}

/// One line for an intake event.
pub fn intake_event_describe(kind: &IntakeEventKind) -> String {
    match kind {
        IntakeEventKind::Recorded { intake, .. } => format!(
            "Recorded: {} drive(s) via {} {}",
            intake.drive_ids.len(),
            intake.carrier_name,
            intake.tracking_number
        ),
        IntakeEventKind::ReturnDeadlinePassed => "Return deadline passed: return the drives".into(),
        IntakeEventKind::DestructionDeadlinePassed => {
            "Destruction deadline passed: destroy the drives".into()
        }
        IntakeEventKind::Resolved { outcome, note } => {
            if note.is_empty() {
                format!("Resolved: {}", outcome.as_str())
            } else {
                format!("Resolved: {} ({note})", outcome.as_str())
            }
        }
    }
}

/// Everything the staff job page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffJobView {
    pub id: i64,
    pub subscription_id: String,
    pub resource_group: String,
    pub customer: Option<String>,
    /// BitLocker keys removed.
    pub job: Job,
    pub timeline: Vec<TimelineEntry>,
    pub intakes: Vec<IntakeView>,
    pub attention: Vec<AttentionItem>,
    /// The job lifecycle with the path the timeline took.
    pub diagram: Diagram,
    pub settings: Settings,
    pub now: Timestamp,
}

/// The state changes among `entries`, oldest first.
pub fn history_of(entries: &[TimelineEntry]) -> Vec<StateStep> {
    entries
        .iter()
        .filter(|e| e.state_before.is_none_or(|b| b != e.state_after))
        .map(|e| StateStep {
            from: e.state_before,
            to: e.state_after,
            at: e.at,
        })
        .collect()
}

/// One entry of the attention queue: a job's situation or an unmatched intake's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub job_id: Option<i64>,
    pub job_name: Option<String>,
    pub customer: Option<String>,
    pub intake_id: Option<i64>,
    pub item: AttentionItem,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionQueue {
    pub entries: Vec<QueueEntry>,
    pub now: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeList {
    pub open: Vec<IntakeView>,
    pub resolved: Vec<IntakeView>,
    pub now: Timestamp,
}

/// The server's clock as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStatus {
    pub now: Timestamp,
    /// Only a server started with `--dev-clock`.
    pub adjustable: bool,
}

/// What moving the development clock did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockMoved {
    pub now: Timestamp,
    pub jobs_changed: usize,
    pub intakes_changed: usize,
}

/// One CSV cell. A cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading apostrophe, so it is shown as text and never run: the actor column holds
/// names customers chose, and notes and reasons are free text (OWASP "CSV injection").
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The timeline as CSV: one line per event, a header first.
pub fn timeline_csv(entries: &[TimelineEntry]) -> String {
    let mut out = String::from(
        "seq,at,recorded_at,actor_type,actor,event,description,state_before,state_after,drive_id,details\r\n",
    );
    for e in entries {
        let details: Vec<String> = e.details.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let fields = [
            e.seq.to_string(),
            e.at.to_rfc3339(),
            e.recorded_at.to_rfc3339(),
            e.actor_kind.as_str().to_string(),
            e.actor.clone(),
            e.kind.clone(),
            e.what.clone(),
            e.state_before
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            e.state_after.as_str().to_string(),
            e.drive_id.clone().unwrap_or_default(),
            details.join("; "),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_text() {
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("+1+1"), "'+1+1");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\t=1"), "'\t=1");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        // Only a leading character matters; ordinary values are unchanged.
        assert_eq!(csv_field("Anne-Marie"), "Anne-Marie");
        assert_eq!(csv_field("a=b"), "a=b");
        assert_eq!(csv_field(""), "");
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let entry = TimelineEntry {
            seq: 1,
            at,
            recorded_at: at,
            actor_kind: ActorKind::Customer,
            actor: "=cmd|' /C calc'!A0".into(),
            kind: "created".into(),
            what: "Job created".into(),
            state_before: None,
            state_after: JobState::Creating,
            drive_id: None,
            details: vec![("Note".into(), "-1".into())],
        };
        let csv = timeline_csv(&[entry]);
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.contains(",customer,'=cmd|' /C calc'!A0,created,"),
            "{line}"
        );
        // Every cell of the line, split on its commas, is harmless.
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} in {line}");
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let entry = TimelineEntry {
            seq: 1,
            at,
            recorded_at: at,
            actor_kind: ActorKind::Staff,
            actor: "Sam Staff".into(),
            kind: "noteAdded".into(),
            what: "Note: called, no answer".into(),
            state_before: Some(JobState::Shipping),
            state_after: JobState::Shipping,
            drive_id: None,
            details: vec![("Note".into(), "called, no answer".into())],
        };
        let csv = timeline_csv(&[entry]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("1,2026-11-01T09:00:00+00:00,"));
        assert!(lines[1]
            .contains("staff,Sam Staff,noteAdded,\"Note: called, no answer\",Shipping,Shipping,,"));
    }
}
