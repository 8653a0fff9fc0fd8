//! Unmatched intakes: packages that arrived for a job that is not `Shipping`, or for no known job (reference §2,
//! §5). Each is its own small aggregate with two deadlines: return the drives if the customer is not reached,
//! and securely destroy them if neither works.

use crate::job::Timestamp;
use crate::rejection::{check, FieldError, Rejection};
use crate::settings::Settings;
use crate::validate;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntakeStatus {
    /// Operations are trying to reach the customer.
    AwaitingCustomer,
    /// The customer was not reached in time: return the drives.
    ReturnDue,
    /// Neither reached nor returned: the drives must be securely destroyed.
    DestructionDue,
    /// Closed: see the outcome.
    Resolved,
}

impl IntakeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeStatus::AwaitingCustomer => "Awaiting customer",
            IntakeStatus::ReturnDue => "Return due",
            IntakeStatus::DestructionDue => "Destruction due",
            IntakeStatus::Resolved => "Resolved",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntakeOutcome {
    /// The customer was reached; the package is processed once its job is `Shipping`.
    CustomerReached,
    /// The drives were shipped back.
    Returned,
    /// The drives were securely destroyed.
    Destroyed,
}

impl IntakeOutcome {
    pub const ALL: [IntakeOutcome; 3] = [
        IntakeOutcome::CustomerReached,
        IntakeOutcome::Returned,
        IntakeOutcome::Destroyed,
    ];

    /// The stable name forms and the store use (`CustomerReached`).
    pub fn key(self) -> &'static str {
        match self {
            IntakeOutcome::CustomerReached => "CustomerReached",
            IntakeOutcome::Returned => "Returned",
            IntakeOutcome::Destroyed => "Destroyed",
        }
    }

    pub fn parse(s: &str) -> Option<IntakeOutcome> {
        Self::ALL.into_iter().find(|o| o.key() == s.trim())
    }

    /// Whether recording this outcome cannot be undone (the drives are gone): the console asks for an explicit
    /// confirmation, and the server refuses it without one.
    pub fn needs_confirmation(self) -> bool {
        self == IntakeOutcome::Destroyed
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IntakeOutcome::CustomerReached => "Customer reached",
            IntakeOutcome::Returned => "Drives returned",
            IntakeOutcome::Destroyed => "Drives destroyed",
        }
    }
}

/// What the operator records when such a package arrives.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewIntake {
    /// The job named on the package, if any could be read.
    pub job_name: Option<String>,
    pub carrier_name: String,
    pub tracking_number: String,
    pub drive_ids: Vec<String>,
    pub notes: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmatchedIntake {
    pub details: NewIntake,
    pub received_at: Timestamp,
    pub return_deadline: Timestamp,
    pub destroy_deadline: Timestamp,
    pub status: IntakeStatus,
    pub outcome: Option<IntakeOutcome>,
    pub version: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntakeCommand {
    Record(NewIntake),
    Resolve {
        outcome: IntakeOutcome,
        note: String,
    },
    Tick,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeEvent {
    pub at: Timestamp,
    pub kind: IntakeEventKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum IntakeEventKind {
    Recorded {
        intake: NewIntake,
        return_deadline: Timestamp,
        destroy_deadline: Timestamp,
    },
    ReturnDeadlinePassed,
    DestructionDeadlinePassed,
    Resolved {
        outcome: IntakeOutcome,
        note: String,
    },
}

pub fn validate_new_intake(intake: &NewIntake) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(name) = intake.job_name.as_deref().filter(|n| !n.is_empty()) {
        if let Err(m) = validate::job_name(name) {
            errors.push(FieldError::new("jobName", m));
        }
    }
    if let Err(m) = validate::carrier_name(&intake.carrier_name) {
        errors.push(FieldError::new("carrierName", m));
    }
    if let Err(m) = validate::tracking_number(&intake.tracking_number) {
        errors.push(FieldError::new("trackingNumber", m));
    }
    if intake.drive_ids.is_empty() {
        errors.push(FieldError::new("driveIds", "List the drives that arrived"));
    }
    for (i, id) in intake.drive_ids.iter().enumerate() {
        if let Err(m) = validate::drive_id(id) {
            errors.push(FieldError::new(format!("driveIds[{i}]"), m));
        }
    }
    if let Err(m) = validate::optional_text(&intake.notes, validate::MAX_REASON, "Notes") {
        errors.push(FieldError::new("notes", m));
    }
    errors
}

/// The next deadline an open intake waits for.
pub fn next_intake_deadline(intake: &UnmatchedIntake) -> Option<Timestamp> {
    match intake.status {
        IntakeStatus::AwaitingCustomer => Some(intake.return_deadline),
        IntakeStatus::ReturnDue => Some(intake.destroy_deadline),
        IntakeStatus::DestructionDue | IntakeStatus::Resolved => None,
    }
}

pub fn decide_intake(
    intake: Option<&UnmatchedIntake>,
    command: &IntakeCommand,
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<IntakeEvent>, Rejection> {
    let at_now = |kind| vec![IntakeEvent { at: now, kind }];
    match (intake, command) {
        (None, IntakeCommand::Record(new)) => {
            check(validate_new_intake(new))?;
            Ok(at_now(IntakeEventKind::Recorded {
                intake: new.clone(),
                return_deadline: now + settings.timers.unmatched_return.delta(),
                destroy_deadline: now + settings.timers.unmatched_destroy.delta(),
            }))
        }
        (Some(_), IntakeCommand::Record(_)) => {
            Err(Rejection::already_exists("This intake is already recorded"))
        }
        (None, _) => Err(Rejection::not_found("The intake does not exist")),
        (Some(intake), IntakeCommand::Resolve { outcome, note }) => {
            intake.can_resolve(*outcome)?;
            validate::optional_text(note, validate::MAX_REASON, "Note")
                .map_err(|m| Rejection::invalid("note", m))?;
            Ok(at_now(IntakeEventKind::Resolved {
                outcome: *outcome,
                note: note.trim().to_string(),
            }))
        }
        (Some(intake), IntakeCommand::Tick) => {
            let mut work = intake.clone();
            let mut events = Vec::new();
            while let Some(due) = next_intake_deadline(&work).filter(|due| *due <= now) {
                let kind = match work.status {
                    IntakeStatus::AwaitingCustomer => IntakeEventKind::ReturnDeadlinePassed,
                    _ => IntakeEventKind::DestructionDeadlinePassed,
                };
                let event = IntakeEvent { at: due, kind };
                work.apply(&event);
                events.push(event);
            }
            Ok(events)
        }
    }
}

impl UnmatchedIntake {
    /// Whether the intake may be resolved with `outcome` now. Drives are destroyed only once the destruction
    /// deadline has passed (error table row 1: "if neither works"); before it, the customer is reached or the
    /// drives are returned.
    pub fn can_resolve(&self, outcome: IntakeOutcome) -> Result<(), Rejection> {
        match (self.status, outcome) {
            (IntakeStatus::Resolved, _) => {
                Err(Rejection::not_allowed("The intake is already resolved"))
            }
            (IntakeStatus::DestructionDue, IntakeOutcome::CustomerReached) => {
                Err(Rejection::invalid(
                    "outcome",
                    "The destruction deadline has passed: the drives must be returned or destroyed",
                ))
            }
            (IntakeStatus::AwaitingCustomer | IntakeStatus::ReturnDue, IntakeOutcome::Destroyed) => {
                Err(Rejection::invalid(
                    "outcome",
                    format!(
                        "Drives may be destroyed only after the destruction deadline, {}: until then reach the customer or return the drives",
                        crate::dates::utc_minutes(self.destroy_deadline)
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The outcomes the intake may be resolved with now (none once resolved), for the resolve form.
    pub fn outcomes(&self) -> Vec<IntakeOutcome> {
        IntakeOutcome::ALL
            .into_iter()
            .filter(|o| self.can_resolve(*o).is_ok())
            .collect()
    }

    pub fn apply(&mut self, event: &IntakeEvent) {
        match &event.kind {
            IntakeEventKind::Recorded {
                intake,
                return_deadline,
                destroy_deadline,
            } => {
                *self = UnmatchedIntake {
                    details: intake.clone(),
                    received_at: event.at,
                    return_deadline: *return_deadline,
                    destroy_deadline: *destroy_deadline,
                    status: IntakeStatus::AwaitingCustomer,
                    outcome: None,
                    version: 0,
                }
            }
            IntakeEventKind::ReturnDeadlinePassed => self.status = IntakeStatus::ReturnDue,
            IntakeEventKind::DestructionDeadlinePassed => {
                self.status = IntakeStatus::DestructionDue
            }
            IntakeEventKind::Resolved { outcome, .. } => {
                self.status = IntakeStatus::Resolved;
                self.outcome = Some(*outcome);
            }
        }
        self.version += 1;
    }

    /// Replays an intake's history; `None` unless it starts with `Recorded`.
    pub fn replay<'a>(
        events: impl IntoIterator<Item = &'a IntakeEvent>,
    ) -> Option<UnmatchedIntake> {
        let mut events = events.into_iter();
        let first = events.next()?;
        if !matches!(first.kind, IntakeEventKind::Recorded { .. }) {
            return None;
        }
        let mut intake = UnmatchedIntake {
            details: NewIntake::default(),
            received_at: first.at,
            return_deadline: first.at,
            destroy_deadline: first.at,
            status: IntakeStatus::AwaitingCustomer,
            outcome: None,
            version: 0,
        };
        intake.apply(first);
        for event in events {
            intake.apply(event);
        }
        Some(intake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};

    fn t0() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
    }

    fn new_intake() -> NewIntake {
        NewIntake {
            job_name: Some("lost-job".into()),
            carrier_name: "FedEx".into(),
            tracking_number: "7777".into(),
            drive_ids: vec!["WD1".into()],
            notes: String::new(),
        }
    }

    fn recorded() -> UnmatchedIntake {
        let s = Settings::default();
        let events = decide_intake(None, &IntakeCommand::Record(new_intake()), t0(), &s).unwrap();
        UnmatchedIntake::replay(&events).unwrap()
    }

    /// Decides `cmd` at `at` (it must be accepted) and applies its events.
    fn accept(intake: &mut UnmatchedIntake, cmd: &IntakeCommand, at: Timestamp) {
        for e in decide_intake(Some(intake), cmd, at, &Settings::default()).unwrap() {
            intake.apply(&e);
        }
    }

    /// A timer tick `days` after the intake was recorded.
    fn tick(intake: &mut UnmatchedIntake, days: i64) {
        accept(intake, &IntakeCommand::Tick, t0() + TimeDelta::days(days));
    }

    #[test]
    fn recording_sets_both_deadlines_from_settings() {
        let intake = recorded();
        assert_eq!(intake.status, IntakeStatus::AwaitingCustomer);
        assert_eq!(intake.return_deadline, t0() + TimeDelta::days(14));
        assert_eq!(intake.destroy_deadline, t0() + TimeDelta::days(90));
        assert_eq!(
            next_intake_deadline(&intake),
            Some(t0() + TimeDelta::days(14))
        );
    }

    #[test]
    fn recording_validates_every_field() {
        let s = Settings::default();
        let bad = NewIntake {
            job_name: Some("Bad Name".into()),
            carrier_name: "".into(),
            tracking_number: "".into(),
            drive_ids: vec![],
            notes: String::new(),
        };
        let r = decide_intake(None, &IntakeCommand::Record(bad), t0(), &s).unwrap_err();
        let fields: Vec<_> = r.details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["jobName", "carrierName", "trackingNumber", "driveIds"]
        );
        let twice = decide_intake(
            Some(&recorded()),
            &IntakeCommand::Record(new_intake()),
            t0(),
            &s,
        );
        assert!(twice.is_err());
    }

    #[test]
    fn deadlines_fire_once_each_in_order() {
        let s = Settings::default();
        let mut intake = recorded();
        let early = decide_intake(
            Some(&intake),
            &IntakeCommand::Tick,
            t0() + TimeDelta::days(13),
            &s,
        )
        .unwrap();
        assert!(early.is_empty());
        let late = decide_intake(
            Some(&intake),
            &IntakeCommand::Tick,
            t0() + TimeDelta::days(100),
            &s,
        )
        .unwrap();
        assert_eq!(late.len(), 2);
        assert_eq!(late[0].kind, IntakeEventKind::ReturnDeadlinePassed);
        assert_eq!(late[0].at, t0() + TimeDelta::days(14));
        assert_eq!(late[1].kind, IntakeEventKind::DestructionDeadlinePassed);
        for e in &late {
            intake.apply(e);
        }
        assert_eq!(intake.status, IntakeStatus::DestructionDue);
        let again = decide_intake(
            Some(&intake),
            &IntakeCommand::Tick,
            t0() + TimeDelta::days(200),
            &s,
        )
        .unwrap();
        assert!(again.is_empty());
    }

    #[test]
    fn resolution_closes_the_intake_and_stops_its_timers() {
        let s = Settings::default();
        let mut intake = recorded();
        let cmd = IntakeCommand::Resolve {
            outcome: IntakeOutcome::CustomerReached,
            note: "Customer will mark the job shipped".into(),
        };
        accept(&mut intake, &cmd, t0());
        assert_eq!(intake.status, IntakeStatus::Resolved);
        assert_eq!(next_intake_deadline(&intake), None);
        assert!(decide_intake(Some(&intake), &cmd, t0(), &s).is_err());
    }

    #[test]
    fn the_outcomes_offered_are_exactly_those_resolve_accepts() {
        let s = Settings::default();
        let mut intake = recorded();
        let before_destruction = vec![IntakeOutcome::CustomerReached, IntakeOutcome::Returned];
        assert_eq!(intake.outcomes(), before_destruction);
        tick(&mut intake, 15);
        assert_eq!(intake.status, IntakeStatus::ReturnDue);
        assert_eq!(intake.outcomes(), before_destruction);
        tick(&mut intake, 91);
        assert_eq!(
            intake.outcomes(),
            vec![IntakeOutcome::Returned, IntakeOutcome::Destroyed]
        );
        for outcome in IntakeOutcome::ALL {
            let resolve = IntakeCommand::Resolve {
                outcome,
                note: String::new(),
            };
            assert_eq!(
                decide_intake(Some(&intake), &resolve, t0(), &s).is_ok(),
                intake.outcomes().contains(&outcome),
                "{outcome:?}"
            );
            assert_eq!(IntakeOutcome::parse(outcome.key()), Some(outcome));
        }
        accept(
            &mut intake,
            &IntakeCommand::Resolve {
                outcome: IntakeOutcome::Destroyed,
                note: String::new(),
            },
            t0(),
        );
        assert!(intake.outcomes().is_empty());
        assert_eq!(IntakeOutcome::parse("Lost"), None);
    }

    #[test]
    fn after_the_destruction_deadline_the_customer_can_no_longer_claim_the_drives() {
        let s = Settings::default();
        let mut intake = recorded();
        tick(&mut intake, 91);
        let claim = IntakeCommand::Resolve {
            outcome: IntakeOutcome::CustomerReached,
            note: String::new(),
        };
        assert_eq!(
            decide_intake(Some(&intake), &claim, t0(), &s)
                .unwrap_err()
                .field
                .as_deref(),
            Some("outcome")
        );
        let destroy = IntakeCommand::Resolve {
            outcome: IntakeOutcome::Destroyed,
            note: "Shredded, certificate 42".into(),
        };
        assert!(decide_intake(Some(&intake), &destroy, t0(), &s).is_ok());
        assert!(decide_intake(None, &destroy, t0(), &s).is_err());
    }
}
