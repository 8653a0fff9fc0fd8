//! The documentation's error tables, row by row, as an operator meets them: operations cancelling a job, a
//! return address reported wrong, destruction deadlines, problems with returned drives, and ARM's location
//! names. (Late drives and later shipments are in `rules.rs`, beside package intake.)
//!
//! Every job is driven by the `Run` harness, which checks the invariants, the replay and the graph after each
//! event.

#![allow(clippy::unwrap_used)]

mod support;

use lifecycle::actions::{customer_action, job_operations, JobOperation};
use lifecycle::attention::{attention, customer_notices, AttentionKind};
use lifecycle::decide::can_edit;
use lifecycle::decide::EditableField;
use lifecycle::intake::{decide_intake, IntakeCommand, IntakeOutcome, NewIntake, UnmatchedIntake};
use lifecycle::shipping::location_name;
use lifecycle::*;
use support::*;

use JobState::{Closed, Completed, Creating, Packaging, Received, Shipping, Transferring};
use RejectionKind::{InvalidInput, NotAllowedNow};

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

fn window(window: CancellationWindow) -> Settings {
    Settings {
        cancellation_window: window,
        ..Settings::default()
    }
}

// ---------------------------------------------------------------------------------------------------------
// Error table row 2: no package after shipping — "extend the wait or cancel"
// ---------------------------------------------------------------------------------------------------------

#[test]
fn operations_cancel_where_the_customer_could_with_the_same_effects_and_a_reason() {
    for w in CancellationWindow::ALL {
        for state in [Creating, Shipping, Received, Transferring, Packaging] {
            let mut run = run_in_with(state, window(w));
            let customer_could = decide(Some(&run.job), &cancel(), run.now, &run.settings).is_ok();
            let result = run.decide(&operator_cancel("The customer phoned support"));
            assert_eq!(result.is_ok(), customer_could, "{w} {state}");
            if customer_could {
                let events = run.ok(operator_cancel("  The customer phoned support "));
                assert_eq!(
                    events[0].kind,
                    EventKind::CancellationRequested {
                        completed: state == Creating,
                        reason: Some("The customer phoned support".into()),
                    }
                );
                assert!(run.job.cancel_requested);
                let line = events[0].kind.describe();
                assert!(
                    line.contains("by operations") && line.contains("phoned"),
                    "{line}"
                );
                let again = run.reject(operator_cancel("twice"));
                assert_rejection(&again, NotAllowedNow, Some("cancelRequested"));
            }
        }
    }
}

#[test]
fn operations_cancel_an_overdue_shipping_job_whatever_the_window() {
    let mut run = run_in_with(Shipping, window(CancellationWindow::CreatingOnly));
    let r = run.reject(operator_cancel("Package lost"));
    assert!(r.message.contains("overdue"), "{}", r.message);
    let op = |run: &Run| {
        job_operations(&run.job, &run.settings)
            .into_iter()
            .find(|a| a.action == JobOperation::CancelJob)
            .unwrap()
    };
    assert!(!op(&run).allowed);
    run.tick_at(run.job.shipping_since.unwrap() + days(14));
    assert!(run.job.is_overdue());
    assert!(op(&run).allowed);
    // The customer still cannot, under this window.
    assert_rejection(
        &run.reject(cancel()),
        NotAllowedNow,
        Some("cancelRequested"),
    );
    run.ok(operator_cancel("Customer asked by phone; package lost"));
    // A cancelled job whose package never arrives ends Completed at the abandonment deadline, not Closed.
    let deadline = run.job.abandon_deadline.unwrap();
    let events = run.tick_at(deadline);
    assert_eq!(kinds(&events), vec!["shipmentAbandoned"]);
    assert_eq!(run.job.state, Completed);
    assert!(run.job.cancel_requested);
    assert!(customer_notices(&run.job, run.now, &run.settings)
        .iter()
        .any(|n| n.key == "cancelled-shipment-ended"));
}

#[test]
fn an_operator_cancellation_needs_a_reason() {
    let run = run_in(Shipping);
    let r = run.reject(operator_cancel("   "));
    assert_rejection(&r, InvalidInput, Some("reason"));
}

#[test]
fn an_uncancelled_abandoned_shipment_still_ends_closed() {
    let mut run = run_in(Shipping);
    run.tick_at(run.job.shipping_since.unwrap() + days(44));
    assert_eq!(run.job.state, Closed);
}

// ---------------------------------------------------------------------------------------------------------
// Error table row 4: incorrect or missing return address
// ---------------------------------------------------------------------------------------------------------

#[test]
fn a_reported_return_address_holds_ship_back_and_asks_the_customer() {
    let mut run = run_in(Packaging);
    let events = run.ok(report_address("  Street and number do not exist "));
    assert_eq!(kinds(&events), vec!["returnAddressReported"]);
    let report = run.job.return_address_report.clone().unwrap();
    assert_eq!(report.reason, "Street and number do not exist");
    assert_eq!(report.destroy_deadline, run.now + days(90));
    // Ship-back is refused with the reason.
    let r = run.reject(ship_back(2));
    assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
    assert!(r.message.contains("Street and number"), "{}", r.message);
    // The attention queue lists it; the customer is asked for a corrected address.
    let items = attention(&run.job, run.now, &run.settings);
    assert!(items
        .iter()
        .any(|i| i.kind == AttentionKind::ReturnAddressReported
            && i.deadline == Some(report.destroy_deadline)));
    let notices = customer_notices(&run.job, run.now, &run.settings);
    assert!(notices
        .iter()
        .any(|n| n.key == "return-address-reported" && n.message.contains("Street and number")));
    // Only the return address form unlocks.
    assert!(customer_action(&run.job, CustomerAction::EditReturnAddress, &run.settings).allowed);
    for other in [
        EditableField::DeliveryPackage,
        EditableField::ReturnShipping,
        EditableField::DriveList,
        EditableField::Options,
        EditableField::Tags,
    ] {
        assert!(can_edit(&run.job, other).is_err(), "{other:?}");
    }
    // A second report while one is open is refused.
    assert_rejection(&run.reject(report_address("again")), NotAllowedNow, None);
    // The customer's correction clears it; ship-back goes ahead.
    run.ok(customer(CustomerCommand::SetReturnAddress(other_address())));
    assert!(run.job.return_address_report.is_none());
    assert_eq!(run.job.return_address, Some(other_address()));
    assert!(!customer_action(&run.job, CustomerAction::EditReturnAddress, &run.settings).allowed);
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
}

#[test]
fn a_staff_correction_clears_the_report_too() {
    let mut run = run_in(Transferring);
    run.ok(report_address("Postal code belongs to another city"));
    run.ok(correct_address(other_address()));
    assert!(run.job.return_address_report.is_none());
    assert!(!attention(&run.job, run.now, &run.settings)
        .iter()
        .any(|i| i.kind == AttentionKind::ReturnAddressReported));
}

#[test]
fn a_return_address_is_reported_only_while_transferring_or_packaging() {
    for state in [Creating, Shipping, Received, Completed, Closed] {
        let r = run_in(state).reject(report_address("Wrong"));
        assert_rejection(&r, NotAllowedNow, None);
    }
    let r = run_in(Packaging).reject(report_address(""));
    assert_rejection(&r, InvalidInput, Some("reason"));
}

#[test]
fn drives_of_an_uncorrected_address_are_destroyed_at_the_deadline_and_the_job_closes() {
    let settings = Settings {
        timers: TimerSettings {
            wrong_return_address: Span::days(30),
            ..TimerSettings::default()
        },
        ..Settings::default()
    };
    let mut run = run_in_with(Packaging, settings);
    run.ok(report_address("Recipient unknown at this address"));
    let deadline = run.now + days(30);
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((deadline, TimerKind::DrivesDestroyed))
    );
    assert_eq!(run.tick_at(deadline - secs(1)), vec![]);
    let events = run.tick_at(deadline);
    assert_eq!(kinds(&events), vec!["drivesDestroyed"]);
    assert_eq!(events[0].at, deadline);
    assert_eq!(run.job.state, Closed);
    assert_eq!(run.job.drives_destroyed_at, Some(deadline));
    assert_eq!(
        run.job.drives_to_return(),
        0,
        "the drives left the data center"
    );
    assert!(run.job.return_package.is_none());
    assert!(customer_notices(&run.job, run.now, &run.settings)
        .iter()
        .any(|n| n.key == "drives-destroyed"));
    // The address can no longer be corrected; the job now waits only for retention.
    assert!(!customer_action(&run.job, CustomerAction::EditReturnAddress, &run.settings).allowed);
    assert_eq!(
        next_timer(&run.job, &run.settings).map(|(_, k)| k),
        Some(TimerKind::Retention)
    );
}

#[test]
fn the_destruction_timer_stops_while_the_job_is_faulted() {
    let mut run = run_in(Packaging);
    run.ok(report_address("No such street"));
    let deadline = run
        .job
        .return_address_report
        .clone()
        .unwrap()
        .destroy_deadline;
    run.later(days(80)).ok(fault_job("Shelf audit"));
    assert_eq!(run.tick_at(deadline + days(5)), vec![]);
    run.later(days(1)).ok(resolve_job(None));
    // Ten days were left when it faulted.
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((run.now + days(10), TimerKind::DrivesDestroyed))
    );
}

// ---------------------------------------------------------------------------------------------------------
// Error table row 1: a package for a job not in Shipping — destroyed only after the destruction deadline
// ---------------------------------------------------------------------------------------------------------

#[test]
fn unmatched_intake_drives_are_destroyed_only_after_the_destruction_deadline() {
    let s = Settings::default();
    let new = NewIntake {
        job_name: None,
        carrier_name: "DHL".into(),
        tracking_number: "5555".into(),
        drive_ids: vec!["LOST-1".into()],
        notes: String::new(),
    };
    let recorded = decide_intake(None, &IntakeCommand::Record(new), t0(), &s).unwrap();
    let mut intake = UnmatchedIntake::replay(&recorded).unwrap();
    let destroy = IntakeCommand::Resolve {
        outcome: IntakeOutcome::Destroyed,
        note: "Shredded".into(),
    };
    for day in [0, 13, 14, 89] {
        let at = t0() + days(day);
        for e in decide_intake(Some(&intake), &IntakeCommand::Tick, at, &s).unwrap() {
            intake.apply(&e);
        }
        let r = decide_intake(Some(&intake), &destroy, at, &s).unwrap_err();
        assert_eq!(r.field.as_deref(), Some("outcome"), "day {day}");
        assert!(r.message.contains("destruction deadline"), "{}", r.message);
        assert!(!intake.outcomes().contains(&IntakeOutcome::Destroyed));
    }
    let at = t0() + days(90);
    for e in decide_intake(Some(&intake), &IntakeCommand::Tick, at, &s).unwrap() {
        intake.apply(&e);
    }
    assert!(decide_intake(Some(&intake), &destroy, at, &s).is_ok());
}

// ---------------------------------------------------------------------------------------------------------
// Error table row 3: export drives shipped back did not arrive, or arrived damaged
// ---------------------------------------------------------------------------------------------------------

#[test]
fn the_customer_reports_a_problem_with_returned_drives_until_staff_resolve_it() {
    let mut run = export_run_in(Completed);
    let notices = customer_notices(&run.job, run.now, &run.settings);
    let shipped = notices
        .iter()
        .find(|n| n.key == "drives-shipped-back")
        .unwrap();
    assert!(
        shipped.message.contains("987654321098"),
        "{}",
        shipped.message
    );
    assert!(customer_action(&run.job, CustomerAction::ReportReturnProblem, &run.settings).allowed);
    let r = run.reject(report_return_problem("  "));
    assert_rejection(&r, InvalidInput, Some("description"));
    run.ok(report_return_problem(
        "Two drives arrived with broken connectors",
    ));
    let problem = run.job.return_problem.clone().unwrap();
    assert_eq!(problem.reported_at, run.now);
    // In the queue, although the job is finished; retention waits.
    let items = attention(&run.job, run.now, &run.settings);
    assert!(items.iter().any(|i| i.kind == AttentionKind::ReturnProblem));
    assert_eq!(next_timer(&run.job, &run.settings), None);
    assert!(!customer_action(&run.job, CustomerAction::ReportReturnProblem, &run.settings).allowed);
    assert_rejection(
        &run.reject(report_return_problem("again")),
        NotAllowedNow,
        None,
    );
    let r = run.reject(resolve_return_problem(""));
    assert_rejection(&r, InvalidInput, Some("note"));
    run.ok(resolve_return_problem(
        "Carrier confirmed damage; claim filed",
    ));
    assert!(run.job.return_problem.is_none());
    assert!(attention(&run.job, run.now, &run.settings).is_empty());
    assert_eq!(
        next_timer(&run.job, &run.settings).map(|(_, k)| k),
        Some(TimerKind::Retention)
    );
}

#[test]
fn nothing_to_report_before_the_drives_are_shipped_back() {
    for state in [Creating, Shipping, Received, Transferring, Packaging] {
        let r = run_in(state).reject(report_return_problem("Where are my drives?"));
        assert_rejection(&r, NotAllowedNow, None);
    }
    // Cancelled before shipping: nothing was ever sent back.
    let mut run = run_in(Creating);
    run.ok(cancel());
    assert_rejection(
        &run.reject(report_return_problem("Where?")),
        NotAllowedNow,
        None,
    );
    let r = run_in(Completed).reject(resolve_return_problem("nothing open"));
    assert_rejection(&r, NotAllowedNow, None);
}

// ---------------------------------------------------------------------------------------------------------
// ARM location names
// ---------------------------------------------------------------------------------------------------------

#[test]
fn arm_location_display_names_are_accepted_in_any_case_and_spacing() {
    for sent in ["West US", "westus", "WESTUS", " west us ", "West\tUS"] {
        assert_eq!(location_name(sent), "westus", "{sent:?}");
    }
    assert_eq!(location_name("Australia East"), "australiaeast");
    for l in lifecycle::shipping::default_locations() {
        assert_eq!(location_name(&l.display_name), l.name, "{}", l.display_name);
    }
    assert_eq!(location_name("Mars Central"), "marscentral");
}

// ---------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------

#[test]
fn the_new_durations_and_limits_have_the_documented_defaults() {
    let s = Settings::default();
    assert_eq!(s.timers.wrong_return_address, Span::days(90));
    assert_eq!(s.max_extra_drives, 40);
    let parsed: Settings = serde_json::from_str(
        r#"{"max-extra-drives": 5, "timers": {"wrong-return-address": "30d"}}"#,
    )
    .unwrap();
    assert_eq!(parsed.max_extra_drives, 5);
    assert_eq!(parsed.timers.wrong_return_address, Span::days(30));
    assert_eq!(parsed.timers.retention, Span::days(90));
}

#[test]
fn received_jobs_have_no_destruction_timer() {
    assert_eq!(
        next_timer(&run_in(Received).job, &Settings::default()),
        None
    );
}

#[test]
fn a_refused_operation_names_the_form_that_fixes_it() {
    use lifecycle::actions::job_operation_fixed_by;
    let mut run = run_in(Packaging);
    // Nothing to fix while ship-back is possible.
    assert_eq!(
        job_operation_fixed_by(&run.job, &run.settings, JobOperation::ShipBack),
        None
    );
    // A reported address holds ship-back: correcting it is the fix.
    run.ok(report_address("No such street"));
    assert_eq!(
        job_operation_fixed_by(&run.job, &run.settings, JobOperation::ShipBack),
        Some(JobOperation::CorrectReturnAddress)
    );
    // A Faulted job refuses its operations until the fault is resolved.
    let mut faulted = run_in(Transferring);
    faulted.ok(fault_job("Copy station down"));
    assert_eq!(
        job_operation_fixed_by(&faulted.job, &faulted.settings, JobOperation::PackageJob),
        Some(JobOperation::ResolveJob)
    );
    assert_eq!(
        job_operation_fixed_by(&faulted.job, &faulted.settings, JobOperation::ResolveJob),
        None
    );
}
