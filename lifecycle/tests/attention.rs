//! The attention queue's classification and the customer's timer notices (`lifecycle::attention`).

#![allow(clippy::unwrap_used)]

mod support;

use lifecycle::attention::{
    attention, attention_from, customer_notices, intake_attention, AttentionKind, NoticeLevel,
    EXPIRY_WARNING,
};
use lifecycle::intake::{decide_intake, IntakeCommand, IntakeOutcome, NewIntake, UnmatchedIntake};
use lifecycle::*;
use support::*;

fn kinds(run: &Run) -> Vec<AttentionKind> {
    attention(&run.job, run.now, &run.settings)
        .into_iter()
        .map(|i| i.kind)
        .collect()
}

#[test]
fn a_job_on_the_happy_path_needs_nobody() {
    for state in [
        JobState::Shipping,
        JobState::Received,
        JobState::Transferring,
        JobState::Packaging,
        JobState::Completed,
    ] {
        let run = run_in(state);
        assert!(kinds(&run).is_empty(), "{state}: {:?}", kinds(&run));
        assert_eq!(attention_from(&run.job, &run.settings), None, "{state}");
    }
}

#[test]
fn a_creating_job_shows_up_only_shortly_before_it_expires() {
    let mut run = run_in(JobState::Creating);
    let expiry = run.job.expiry_base + run.settings.timers.creating_expiry.delta();
    assert!(kinds(&run).is_empty());
    assert_eq!(
        attention_from(&run.job, &run.settings),
        Some(expiry - EXPIRY_WARNING)
    );
    run.at(expiry - EXPIRY_WARNING);
    let items = attention(&run.job, run.now, &run.settings);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, AttentionKind::CreatingExpiresSoon);
    assert_eq!(items[0].deadline, Some(expiry));
    assert!(!items[0].next_step.is_empty());
}

#[test]
fn an_overdue_shipment_needs_attention_until_it_arrives() {
    let mut run = run_in(JobState::Shipping);
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(14));
    let items = attention(&run.job, run.now, &run.settings);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, AttentionKind::ShippingOverdue);
    assert_eq!(items[0].since, since + days(14));
    assert_eq!(items[0].deadline, run.job.abandon_deadline);
    assert!(items[0].next_step.contains("extend the wait"));
    // The package arrives after all: no package left to chase, only the drive it arrived without.
    run.later(days(1)).ok(intake(&[DRIVE_A], &[]));
    assert_eq!(kinds(&run), vec![AttentionKind::DriveMissing]);
}

#[test]
fn faulted_jobs_and_drives_are_listed_with_their_reasons() {
    let mut run = run_in(JobState::Transferring);
    run.later(secs(60)).ok(fault_drive(DRIVE_A));
    let items = attention(&run.job, run.now, &run.settings);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, AttentionKind::DriveFaulted);
    assert_eq!(items[0].drive_id.as_deref(), Some(DRIVE_A));
    assert!(items[0].summary.contains("Drive does not spin up"));
    run.later(secs(60)).ok(fault_job("Customer data mismatch"));
    assert_eq!(
        kinds(&run),
        vec![AttentionKind::JobFaulted, AttentionKind::DriveFaulted]
    );
    let job_item = &attention(&run.job, run.now, &run.settings)[0];
    assert!(job_item.summary.contains("Customer data mismatch"));
    assert!(job_item.summary.contains("Transferring"));
}

#[test]
fn a_job_at_the_data_center_without_a_valid_return_address_is_flagged() {
    let mut run = run_in(JobState::Transferring);
    // The customer's address was valid when given; a later rule change or bad data makes it invalid.
    run.job.return_address.as_mut().unwrap().email = "not-an-email".into();
    assert_eq!(kinds(&run), vec![AttentionKind::ReturnAddressMissing]);
    run.job.return_address = None;
    let items = attention(&run.job, run.now, &run.settings);
    assert!(items[0].summary.contains("no return address"));
    run.job.return_address = Some(return_address());
    assert!(kinds(&run).is_empty());
}

#[test]
fn extra_drives_wait_until_they_are_shipped_back() {
    let mut run = Run::new(with_shipping_info(import_job("job-extra")));
    run.later(days(1)).ok(mark_shipping());
    run.later(days(1))
        .ok(intake(&[DRIVE_A, DRIVE_B], &["EXTRA-01"]));
    let items = attention(&run.job, run.now, &run.settings);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].kind, AttentionKind::ExtraDrivesWaiting);
    assert!(items[0].summary.contains("EXTRA-01"));
    for d in [DRIVE_A, DRIVE_B] {
        run.later(secs(60)).ok(start(d));
        run.later(secs(60)).ok(finish(d));
    }
    assert_eq!(run.job.state, JobState::Packaging);
    assert_eq!(kinds(&run), vec![AttentionKind::ExtraDrivesWaiting]);
    run.later(secs(60)).ok(ship_back(3));
    assert!(kinds(&run).is_empty());
}

#[test]
fn attention_from_is_the_earliest_situation_and_matches_attention() {
    let mut run = run_in(JobState::Packaging);
    run.later(secs(30)).ok(fault_job("Damaged box"));
    let from = attention_from(&run.job, &run.settings).unwrap();
    assert!(attention(&run.job, from - secs(1), &run.settings).is_empty());
    assert!(!attention(&run.job, from, &run.settings).is_empty());
}

fn recorded_intake() -> UnmatchedIntake {
    let new = NewIntake {
        job_name: Some("lost-job".into()),
        carrier_name: "FedEx".into(),
        tracking_number: "7777".into(),
        drive_ids: vec!["WD1".into()],
        notes: String::new(),
    };
    let events = decide_intake(
        None,
        &IntakeCommand::Record(new),
        t0(),
        &Settings::default(),
    )
    .unwrap();
    UnmatchedIntake::replay(&events).unwrap()
}

#[test]
fn open_intakes_say_which_deadline_comes_next() {
    let s = Settings::default();
    let mut intake = recorded_intake();
    let item = intake_attention(&intake).unwrap();
    assert_eq!(item.kind, AttentionKind::UnmatchedIntake);
    assert_eq!(item.deadline, Some(t0() + days(14)));
    assert!(item.next_step.starts_with("Reach the customer"));
    for e in decide_intake(Some(&intake), &IntakeCommand::Tick, t0() + days(15), &s).unwrap() {
        intake.apply(&e);
    }
    let item = intake_attention(&intake).unwrap();
    assert_eq!(item.deadline, Some(t0() + days(90)));
    assert!(item.next_step.contains("return the drives"));
    let resolve = IntakeCommand::Resolve {
        outcome: IntakeOutcome::Returned,
        note: "Sent back via FedEx".into(),
    };
    for e in decide_intake(Some(&intake), &resolve, t0() + days(16), &s).unwrap() {
        intake.apply(&e);
    }
    assert_eq!(intake_attention(&intake), None);
}

#[test]
fn customers_are_told_about_the_overdue_package_and_its_deadline() {
    let mut run = run_in(JobState::Shipping);
    assert!(customer_notices(&run.job, run.now, &run.settings).is_empty());
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(14));
    let notices = customer_notices(&run.job, run.now, &run.settings);
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].key, "shipping-overdue");
    assert_eq!(notices[0].level, NoticeLevel::Problem);
    assert!(
        notices[0].message.contains(DRIVE_A),
        "{}",
        notices[0].message
    );
    assert!(notices[0]
        .message
        .contains(&(since + days(44)).format("%Y-%m-%d").to_string()));
    run.tick_at(since + days(44));
    assert_eq!(run.job.state, JobState::Closed);
    let keys: Vec<_> = customer_notices(&run.job, run.now, &run.settings)
        .into_iter()
        .map(|n| n.key)
        .collect();
    assert_eq!(keys, vec!["shipment-abandoned", "retention"]);
}

#[test]
fn creating_jobs_warn_before_they_expire() {
    let mut run = run_in(JobState::Creating);
    let notices = customer_notices(&run.job, run.now, &run.settings);
    assert_eq!(notices[0].key, "creating-expiry");
    assert_eq!(notices[0].level, NoticeLevel::Info);
    run.later(days(12));
    let notices = customer_notices(&run.job, run.now, &run.settings);
    assert_eq!(notices[0].level, NoticeLevel::Warning);
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in AttentionKind::ALL {
        assert_eq!(AttentionKind::parse(kind.as_str()), Some(kind));
        assert!(!kind.label().is_empty());
    }
}

#[test]
fn an_expired_creating_job_leaves_the_customer_a_removal_notice_for_thirty_days() {
    use lifecycle::attention::{removal_notice, removal_notice_until, REMOVAL_NOTICE_PERIOD};
    let mut run = run_in(JobState::Creating);
    assert_eq!(removal_notice_until(&run.job), None, "a live job");
    // An update on day 3 restarts the period; the job expires 14 days after it.
    run.later(days(3)).ok(update(JobPatch {
        log_level: Some(LogLevel::Verbose),
        ..Default::default()
    }));
    let deadline = run.now + days(14);
    run.tick_at(deadline + secs(3600));
    assert_eq!(run.job.deleted, Some(DeletionReason::CreatingExpired));
    assert_eq!(
        removal_notice_until(&run.job),
        Some(deadline + REMOVAL_NOTICE_PERIOD)
    );
    let notice = removal_notice(&run.job, run.now).expect("a notice");
    assert_eq!(notice.key, "creating-expired");
    assert_eq!(notice.at, Some(deadline), "dated at the deletion event");
    assert!(notice.title.contains("job-one"), "{}", notice.title);
    assert!(notice.message.contains("14d"), "{}", notice.message);
    assert!(
        notice
            .message
            .contains(&deadline.format("%Y-%m-%d").to_string()),
        "{}",
        notice.message
    );
    // The period that applied to this job, whatever the settings say now.
    assert!(removal_notice(&run.job, deadline + REMOVAL_NOTICE_PERIOD - secs(1)).is_some());
    assert!(removal_notice(&run.job, deadline + REMOVAL_NOTICE_PERIOD).is_none());
}

#[test]
fn jobs_the_customer_deleted_or_that_passed_retention_leave_no_removal_notice() {
    use lifecycle::attention::{removal_notice, removal_notice_until};
    let mut mine = run_in(JobState::Creating);
    mine.later(secs(60)).ok(delete());
    assert_eq!(removal_notice_until(&mine.job), None);
    assert!(removal_notice(&mine.job, mine.now).is_none());
    let mut old = run_in(JobState::Completed);
    let finished = old.job.finished_at.unwrap();
    old.tick_at(finished + days(91));
    assert_eq!(old.job.deleted, Some(DeletionReason::RetentionExpired));
    assert_eq!(removal_notice_until(&old.job), None);
}

fn notice_keys(run: &Run) -> Vec<&'static str> {
    customer_notices(&run.job, run.now, &run.settings)
        .into_iter()
        .map(|n| n.key)
        .collect()
}

#[test]
fn a_drive_missing_at_intake_is_raised_until_it_arrives() {
    let mut run = run_in(JobState::Shipping);
    run.later(days(1)).ok(intake(&[DRIVE_A], &[]));
    assert_eq!(run.job.state, JobState::Received);
    // The queue: one entry for the missing drive.
    let items = attention(&run.job, run.now, &run.settings);
    let missing: Vec<_> = items
        .iter()
        .filter(|i| i.kind == AttentionKind::DriveMissing)
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].drive_id.as_deref(), Some(DRIVE_B));
    // The customer: a problem notice naming the drive and what happens now.
    let notices = customer_notices(&run.job, run.now, &run.settings);
    let notice = notices.iter().find(|n| n.key == "drive-missing").unwrap();
    assert_eq!(notice.level, NoticeLevel::Problem);
    assert!(notice.title.contains(DRIVE_B));
    assert!(notice.message.contains("goes on with the other drives"));
    assert!(notice.message.contains("still accepted"));
    assert!(notice.message.contains("Closed"));
    assert!(lifecycle::attention::has_problem(&run.job, &run.settings));
    // The drive arrives: both are gone.
    run.later(days(1))
        .ok(operator(OperatorCommand::DriveArrived {
            drive_id: DRIVE_B.into(),
        }));
    assert!(!kinds(&run).contains(&AttentionKind::DriveMissing));
    assert!(!notice_keys(&run).contains(&"drive-missing"));
}

#[test]
fn a_drive_missing_leaves_the_queue_once_the_job_is_packaged() {
    let mut run = run_in(JobState::Shipping);
    run.later(days(1)).ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    assert!(kinds(&run).contains(&AttentionKind::DriveMissing));
    run.ok(finish(DRIVE_A));
    assert_eq!(run.job.state, JobState::Packaging);
    assert!(!kinds(&run).contains(&AttentionKind::DriveMissing));
    // The customer still reads why the job will end Closed.
    assert!(notice_keys(&run).contains(&"drive-missing"));
}

#[test]
fn a_copy_error_is_raised_for_staff_and_the_customer() {
    let mut run = run_in(JobState::Shipping);
    run.later(days(1)).ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish_more(DRIVE_A, Severity::Error));
    assert!(kinds(&run).contains(&AttentionKind::DriveCopyError));
    assert!(notice_keys(&run).contains(&"drive-copy-error"));
    // A warning is not an error.
    let mut other = run_in(JobState::Shipping);
    other.later(days(1)).ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    other.ok(start(DRIVE_A));
    other.ok(finish_more(DRIVE_A, Severity::Warning));
    assert!(!kinds(&other).contains(&AttentionKind::DriveCopyError));
    assert!(!lifecycle::attention::has_problem(
        &other.job,
        &other.settings
    ));
}

#[test]
fn the_problem_flag_is_a_function_of_the_job_alone() {
    // The store keeps `has_problem` as a column written with each snapshot: it must not change with the clock.
    let mut missing = run_in(JobState::Shipping);
    missing.later(days(1)).ok(intake(&[DRIVE_A], &[]));
    let creating = run_in(JobState::Creating);
    let happy = run_in(JobState::Transferring);
    for (run, expected) in [(&missing, true), (&creating, false), (&happy, false)] {
        assert_eq!(
            lifecycle::attention::has_problem(&run.job, &run.settings),
            expected
        );
        for later in [days(0), days(13), days(400)] {
            let problem = customer_notices(&run.job, run.now + later, &run.settings)
                .iter()
                .any(|n| n.level == NoticeLevel::Problem);
            assert_eq!(problem, expected, "{:?} at +{later}", run.job.state);
        }
    }
}

#[test]
fn a_finished_job_is_warned_of_its_removal_shortly_before_it() {
    use lifecycle::notify::{advance_warnings, WARNING_AHEAD};
    let mut run = run_in(JobState::Completed);
    let removal = run.job.finished_at.unwrap() + run.settings.timers.retention.delta();
    let keys = |run: &Run| -> Vec<&'static str> {
        advance_warnings(&run.job, run.now, &run.settings)
            .into_iter()
            .map(|n| n.key)
            .collect()
    };
    assert!(!keys(&run).contains(&"retention"), "not weeks ahead");
    run.at(removal - WARNING_AHEAD);
    let warnings = advance_warnings(&run.job, run.now, &run.settings);
    let retention = warnings.iter().find(|n| n.key == "retention").unwrap();
    assert_eq!(retention.at, Some(removal), "the warning carries its date");
    run.at(removal);
    assert!(!keys(&run).contains(&"retention"), "not once it is due");
}

#[test]
fn an_unmatched_intake_tells_its_dates_and_warns_before_destruction() {
    use lifecycle::notify::{intake_destruction_warning, intake_notice, WARNING_AHEAD};
    let settings = Settings::default();
    let new = NewIntake {
        job_name: Some("my-job".into()),
        carrier_name: "DHL".into(),
        tracking_number: "TRK-77".into(),
        drive_ids: vec!["EXTRA-1".into()],
        notes: String::new(),
    };
    let events = decide_intake(None, &IntakeCommand::Record(new), t0(), &settings).unwrap();
    let intake = UnmatchedIntake::replay(&events).unwrap();
    let told = intake_notice(&intake);
    assert!(
        told.contains("EXTRA-1") && told.contains("TRK-77"),
        "{told}"
    );
    assert!(
        told.contains(&lifecycle::dates::utc_minutes(intake.destroy_deadline)),
        "{told}"
    );
    assert!(intake_destruction_warning(&intake, t0()).is_none());
    let soon = intake.destroy_deadline - WARNING_AHEAD;
    let warning = intake_destruction_warning(&intake, soon).unwrap();
    assert_eq!(warning.at, Some(intake.destroy_deadline));
    assert!(intake_destruction_warning(&intake, intake.destroy_deadline).is_none());
    let mut closed = intake.clone();
    closed.status = lifecycle::intake::IntakeStatus::Resolved;
    assert!(intake_destruction_warning(&closed, soon).is_none());
}

#[test]
fn a_change_that_raises_a_queue_entry_is_told_and_one_that_does_not_is_not() {
    use lifecycle::notify::raised_attention;
    // Package intake with a listed drive missing: a new entry, raised by that change.
    let mut run = run_in(JobState::Shipping);
    let drives: Vec<String> = run.job.drives.iter().map(|d| d.drive_id.clone()).collect();
    let at = run.now + secs(60);
    run.at(at);
    run.ok(intake(&[drives[0].as_str()], &[]));
    assert!(raised_attention(&run.job, at, run.now, &run.settings));
    // A later change (a note, progress) while the entry stays: nothing new.
    let later = run.now + secs(60);
    run.at(later);
    run.ok(start(&drives[0]));
    assert!(!raised_attention(&run.job, later, run.now, &run.settings));
    // A job on the happy path has nothing to raise.
    let calm = run_in(JobState::Transferring);
    assert!(!raised_attention(
        &calm.job,
        calm.now,
        calm.now,
        &calm.settings
    ));
}
