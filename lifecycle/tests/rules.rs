//! One test per row of the tables of `lifecycle.md`, named for the behaviour it checks.
//!
//! Every job here is driven through `decide` + `Job::apply` by the `Run` harness, which also checks after each
//! event that the invariants hold, that the snapshot equals the replay of the history, and that every state
//! change is an edge of the job or drive graph.

#![allow(clippy::unwrap_used)]

mod support;

use lifecycle::actions::{drive_operations, job_operations, DriveOperation, JobOperation};
use lifecycle::decide::{can_ship_back, drive_resolution_targets, job_resolution_targets};
use lifecycle::graph::{drive_graph, job_graph};
use lifecycle::intake::{
    decide_intake, next_intake_deadline, IntakeCommand, IntakeEventKind, IntakeStatus, NewIntake,
    UnmatchedIntake,
};
use lifecycle::*;
use support::*;

use JobState::{Closed, Completed, Creating, Faulted, Packaging, Received, Shipping, Transferring};
use RejectionKind::{AlreadyExists, InvalidInput, NotAllowedNow, NotFound};

fn with_window(window: CancellationWindow) -> Settings {
    Settings {
        cancellation_window: window,
        ..Settings::default()
    }
}

fn states_seen(run: &Run) -> Vec<JobState> {
    let mut job = replay(&run.events[..1]).unwrap();
    let mut seen = vec![job.state];
    for e in &run.events[1..] {
        job.apply(e);
        if seen.last() != Some(&job.state) {
            seen.push(job.state);
        }
    }
    seen
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.name()).collect()
}

// =========================================================================================================
// §1 Job states
// =========================================================================================================

#[test]
fn creating_is_where_a_new_job_starts_with_its_import_drives_specified() {
    let run = Run::new(import_job("new-job"));
    assert_eq!(run.job.state, Creating);
    assert_eq!(run.job.created_at, t0());
    assert_eq!(run.job.drives.len(), 2);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::Specified));
    assert!(!run.job.cancel_requested);
    assert_eq!(run.job.version, 1);
}

#[test]
fn shipping_is_reached_when_the_customer_marks_the_package_shipped() {
    let mut run = run_in(Creating);
    run.later(days(1));
    let events = run.ok(mark_shipping());
    assert_eq!(kinds(&events), vec!["markedShipping"]);
    assert_eq!(run.job.state, Shipping);
    assert_eq!(run.job.shipping_since, Some(run.now));
    assert_eq!(run.job.state_changed_at, run.now);
}

#[test]
fn shipping_accepts_delivery_package_and_return_address_set_in_earlier_requests() {
    let mut run = Run::new(import_job("two-steps"));
    run.later(days(1))
        .ok(customer(CustomerCommand::SetDeliveryPackage(
            delivery_package(),
        )));
    run.later(days(1)).ok(customer(
        CustomerCommand::SetReturnAddress(return_address()),
    ));
    run.ok(customer(CustomerCommand::SetReturnShipping(
        return_shipping(),
    )));
    run.ok(mark_shipping());
    assert_eq!(run.job.state, Shipping);
}

#[test]
fn shipping_accepts_delivery_package_and_return_address_given_in_the_same_request() {
    let run = Run::new(import_job("one-request"));
    // One request = the update and the state change decided together, all or nothing.
    let request = [
        update(JobPatch {
            delivery_package: Some(delivery_package()),
            return_address: Some(return_address()),
            return_shipping: Some(return_shipping()),
            ..JobPatch::default()
        }),
        mark_shipping(),
    ];
    let events = decide_all(Some(&run.job), &request, run.now, &run.settings).unwrap();
    let mut job = run.job.clone();
    for e in &events {
        job.apply(e);
    }
    assert_eq!(job.state, Shipping);

    // Without the return address the whole request is refused, the update included.
    let partial = [
        customer(CustomerCommand::SetDeliveryPackage(delivery_package())),
        mark_shipping(),
    ];
    let r = decide_all(Some(&run.job), &partial, run.now, &run.settings).unwrap_err();
    assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
}

#[test]
fn received_is_reached_when_package_intake_processes_the_drives() {
    let mut run = run_in(Shipping);
    run.later(days(2));
    let events = run.ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    assert_eq!(kinds(&events), vec!["packageReceived"]);
    assert_eq!(run.job.state, Received);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::Received));
}

#[test]
fn transferring_is_reached_when_the_first_drive_starts_copying() {
    let mut run = run_in(Received);
    run.later(secs(60)).ok(start(DRIVE_A));
    assert_eq!(run.job.state, Transferring);
    let entered = run.job.state_changed_at;
    run.later(days(1)).ok(start(DRIVE_B));
    assert_eq!(run.job.state, Transferring);
    assert_eq!(
        run.job.state_changed_at, entered,
        "only the first start moves the job"
    );
}

#[test]
fn packaging_is_reached_automatically_when_the_last_drive_finishes() {
    let mut run = run_in(Transferring);
    run.ok(start(DRIVE_B));
    let first = run.ok(finish(DRIVE_A));
    assert_eq!(kinds(&first), vec!["driveFinished"]);
    assert_eq!(run.job.state, Transferring);
    let last = run.ok(finish(DRIVE_B));
    assert_eq!(kinds(&last), vec!["driveFinished", "packagingStarted"]);
    assert_eq!(
        last[1].kind,
        EventKind::PackagingStarted { automatic: true }
    );
    assert_eq!(run.job.state, Packaging);
}

#[test]
fn completed_is_reached_by_shipping_back_without_errors() {
    let mut run = run_in(Packaging);
    let events = run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    assert_eq!(
        events[0].kind,
        EventKind::ShippedBack {
            package: return_package(2),
            closed: false
        }
    );
    assert_eq!(run.job.finished_at, Some(run.now));
    assert_eq!(run.job.return_package, Some(return_package(2)));
}

#[test]
fn closed_is_reached_by_shipping_back_after_errors() {
    let run = run_in(Closed);
    assert_eq!(run.job.state, Closed);
    assert!(matches!(
        run.last(),
        EventKind::ShippedBack { closed: true, .. }
    ));
}

#[test]
fn closed_is_reached_by_the_abandoned_shipment_timer() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    let events = run.tick_at(since + days(44));
    assert_eq!(kinds(&events), vec!["shippingOverdue", "shipmentAbandoned"]);
    assert_eq!(run.job.state, Closed);
}

#[test]
fn faulted_remembers_its_state_and_resolves_back_to_it_by_default() {
    let mut run = run_in(Transferring);
    run.ok(fault_job("Copy station failure"));
    assert_eq!(run.job.state, Faulted);
    assert_eq!(run.job.faulted_from, Some(Transferring));
    assert_eq!(
        run.job.fault_reason.as_deref(),
        Some("Copy station failure")
    );
    run.later(days(1)).ok(resolve_job(None));
    assert_eq!(run.job.state, Transferring);
    assert_eq!(run.job.faulted_from, None);
    assert_eq!(run.job.fault_reason, None);
}

#[test]
fn faulted_job_may_be_resolved_to_the_appropriate_next_state_chosen_by_the_operator() {
    let mut run = run_in(Transferring);
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(fault_job("Power cut during the copy"));
    // The copy of B turns out to have completed.
    run.ok(resolve_job(None));
    run.ok(fault_drive(DRIVE_B));
    run.ok(resolve_drive(DRIVE_B, Some(DriveState::Completed)));
    assert_eq!(
        run.job.state, Packaging,
        "resolving the last drive packages the job"
    );

    let mut run = run_in(Transferring);
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish(DRIVE_B));
    assert_eq!(run.job.state, Packaging);
    run.ok(fault_job("Label printer down"));
    assert_eq!(
        job_resolution_targets(&run.job),
        vec![Packaging],
        "Completed needs a return package, Closed needs every drive gone"
    );

    // A Received job whose drives were all missing may go on to Packaging.
    let mut run = run_in(Shipping);
    run.ok(intake(&[], &["STRAY-1"]));
    run.ok(fault_job("Customer unreachable"));
    // Not Transferring: no drive has started copying.
    assert_eq!(job_resolution_targets(&run.job), vec![Received, Packaging]);
    run.ok(resolve_job(Some(Packaging)));
    assert_eq!(run.job.state, Packaging);
}

#[test]
fn the_happy_path_visits_every_state_in_order() {
    let run = run_in(Completed);
    assert_eq!(
        states_seen(&run),
        vec![
            Creating,
            Shipping,
            Received,
            Transferring,
            Packaging,
            Completed
        ]
    );
    let run = run_in(Closed);
    assert_eq!(
        states_seen(&run),
        vec![
            Creating,
            Shipping,
            Received,
            Transferring,
            Packaging,
            Closed
        ]
    );
}

#[test]
fn completed_and_closed_are_terminal() {
    for state in [Completed, Closed] {
        let run = run_in(state);
        assert!(state.is_terminal());
        assert!(job_graph().successors(state).is_empty());
        let r = run.reject(fault_job("late"));
        assert_rejection(&r, NotAllowedNow, None);
        for command in [
            mark_shipping(),
            cancel(),
            intake(&[DRIVE_A], &[]),
            package_job(),
            ship_back(2),
            correct_address(other_address()),
            customer(CustomerCommand::SetReturnShipping(return_shipping())),
        ] {
            run.reject(command);
        }
        // Staff notes still go on the timeline, without changing the state.
        let mut run = run;
        run.ok(add_note("Customer called about the invoice"));
        assert_eq!(run.job.state, state);
    }
}

#[test]
fn job_states_are_plain_strings_and_unknown_values_are_tolerated() {
    for state in JobState::ALL {
        assert_eq!(JobState::parse(state.as_str()), Some(state));
        assert_eq!(serde_json_string(&state), format!("\"{}\"", state.as_str()));
    }
    assert_eq!(JobState::parse("Deleting"), None);
    assert_eq!(JobState::parse(""), None);
}

fn serde_json_string<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap()
}

#[test]
fn export_job_has_no_drive_list_and_needs_an_export_block() {
    let run = Run::new(export_job("export-job"));
    assert_eq!(run.job.job_type, JobType::Export);
    assert!(run.job.drives.is_empty());
    assert!(run.job.export.is_some());

    let mut with_drives = export_job("export-job");
    with_drives.drives = vec![drive_spec(DRIVE_A)];
    let r = decide(None, &create(with_drives), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.driveList"));

    let mut without_block = export_job("export-job");
    without_block.export = None;
    let r = decide(None, &create(without_block), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.export"));

    let mut empty_block = export_job("export-job");
    empty_block.export = Some(ExportSpec::default());
    let r = decide(None, &create(empty_block), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.export"));

    let mut blob_list = export_job("export-job");
    blob_list.export = Some(ExportSpec {
        blob_list_blob_path: Some("exportlist/blobs.xml".into()),
        ..ExportSpec::default()
    });
    assert!(decide(None, &create(blob_list), t0(), &Settings::default()).is_ok());

    let mut import_with_block = import_job("import-job");
    import_with_block.export = export_job("x").export;
    let r = decide(None, &create(import_with_block), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.export"));
}

#[test]
fn export_drives_appear_at_intake_in_the_received_state() {
    let mut run = export_run_in(Shipping);
    run.ok(intake(&[EXPORT_A, EXPORT_B], &[]));
    assert_eq!(run.drive_ids(), vec![EXPORT_A, EXPORT_B]);
    for id in [EXPORT_A, EXPORT_B] {
        assert_eq!(run.drive_state(id), DriveState::Received);
        assert_eq!(run.drive(id).bit_locker_key, None);
    }
    assert_eq!(run.job.state, Received);
}

#[test]
fn export_job_follows_the_same_path_to_completed() {
    let run = export_run_in(Completed);
    assert_eq!(
        states_seen(&run),
        vec![
            Creating,
            Shipping,
            Received,
            Transferring,
            Packaging,
            Completed
        ]
    );
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::ShippedBack));
}

// =========================================================================================================
// §2 Drive states
// =========================================================================================================

#[test]
fn specified_is_the_first_state_of_import_drives_and_a_job_has_at_most_ten() {
    let mut ten = import_job("ten-drives");
    ten.drives = (0..10).map(|i| drive_spec(&format!("DRIVE{i}"))).collect();
    let run = Run::new(ten);
    assert_eq!(run.job.drives.len(), 10);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::Specified && d.bit_locker_key.as_deref() == Some(KEY)));

    let mut eleven = import_job("eleven-drives");
    eleven.drives = (0..11).map(|i| drive_spec(&format!("DRIVE{i}"))).collect();
    let r = decide(None, &create(eleven), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.driveList"));
    assert!(r.message.contains("at most 10"), "{}", r.message);

    let mut none = import_job("no-drives");
    none.drives.clear();
    let r = decide(None, &create(none), t0(), &Settings::default()).unwrap_err();
    assert_rejection(&r, InvalidInput, Some("properties.driveList"));
}

#[test]
fn drives_need_valid_bitlocker_keys() {
    let mut new = import_job("bad-key");
    new.drives[1].bit_locker_key = "123454-234564-345675-456786-567897-678920-123442-000000".into();
    let r = decide(None, &create(new.clone()), t0(), &Settings::default()).unwrap_err();
    assert_rejection(
        &r,
        InvalidInput,
        Some("properties.driveList[1].bitLockerKey"),
    );
    new.drives[1].bit_locker_key = KEY2.into();
    assert!(decide(None, &create(new), t0(), &Settings::default()).is_ok());
}

#[test]
fn received_is_the_state_of_drives_processed_at_intake() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    assert_eq!(run.drive_state(DRIVE_A), DriveState::Received);
}

#[test]
fn never_received_marks_a_drive_missing_from_the_package() {
    let mut run = run_in(Shipping);
    let events = run.ok(intake(&[DRIVE_A], &[]));
    assert_eq!(
        events[0].kind,
        EventKind::PackageReceived {
            found: vec![DRIVE_A.into()],
            missing: vec![DRIVE_B.into()],
            extra: vec![],
        }
    );
    assert_eq!(run.drive_state(DRIVE_B), DriveState::NeverReceived);
}

#[test]
fn never_received_marks_drives_two_weeks_after_shipping_without_a_package() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(14));
    assert_eq!(run.drive_state(DRIVE_A), DriveState::NeverReceived);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::NeverReceived);
    assert_eq!(run.job.state, Shipping);
}

#[test]
fn never_received_drive_that_turns_up_later_is_moved_to_received() {
    // Missing from the package, arriving in a later shipment.
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.later(days(3));
    let events = run.ok(arrived(DRIVE_B));
    assert_eq!(
        events[0].kind,
        EventKind::DriveArrived {
            drive_id: DRIVE_B.into()
        }
    );
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert_eq!(run.drive(DRIVE_B).state_changed_at, run.now);

    // Marked never received by the overdue timer, then the package arrives after all.
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(20));
    run.ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    assert_eq!(run.job.state, Received);
    assert_eq!(run.drive_state(DRIVE_A), DriveState::Received);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
}

#[test]
fn transferring_is_the_state_of_a_drive_whose_copy_started() {
    let mut run = run_in(Received);
    run.ok(start(DRIVE_B));
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Transferring);
    assert_eq!(run.drive_state(DRIVE_A), DriveState::Received);
}

#[test]
fn completed_is_the_state_of_a_drive_copied_without_errors() {
    let mut run = run_in(Transferring);
    run.ok(finish(DRIVE_A));
    let a = run.drive(DRIVE_A);
    assert_eq!(a.state, DriveState::Completed);
    assert_eq!(a.percent_complete, 100);
    assert_eq!(a.severity, None);
}

#[test]
fn completed_more_info_records_the_severity_and_the_log_uris() {
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let mut run = run_in(Transferring);
        run.ok(finish_more(DRIVE_A, severity));
        let a = run.drive(DRIVE_A);
        assert_eq!(a.state, DriveState::CompletedMoreInfo);
        assert_eq!(a.severity, Some(severity));
        assert_eq!(a.logs.error_log_uri.as_deref(), Some(LOG));
        assert_eq!(a.logs.verbose_log_uri.as_deref(), Some(VERBOSE_LOG));
        assert_eq!(a.percent_complete, 100);
    }
}

#[test]
fn shipped_back_is_the_state_of_drives_returned_to_the_customer() {
    let run = run_in(Completed);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::ShippedBack && d.state_changed_at == run.now));
}

#[test]
fn faulted_drive_returns_to_the_state_it_left_when_resolved() {
    let mut run = run_in(Transferring);
    run.ok(fault_drive(DRIVE_A));
    let a = run.drive(DRIVE_A);
    assert_eq!(a.state, DriveState::Faulted);
    assert_eq!(a.faulted_from, Some(DriveState::Transferring));
    assert_eq!(a.fault_reason.as_deref(), Some("Drive does not spin up"));
    assert!(run.job.had_fault);
    run.ok(resolve_drive(DRIVE_A, None));
    let a = run.drive(DRIVE_A);
    assert_eq!(a.state, DriveState::Transferring);
    assert_eq!(a.faulted_from, None);
    assert_eq!(a.fault_reason, None);
}

#[test]
fn extra_drive_is_recorded_not_processed_and_returned_with_the_package() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A, DRIVE_B], &["STRAY-1"]));
    assert_eq!(run.job.extra_drives.len(), 1);
    assert_eq!(run.job.extra_drives[0].serial, "STRAY-1");
    assert_eq!(run.job.extra_drives[0].received_at, run.now);
    assert!(!run.job.extra_drives[0].returned);
    assert!(run.job.drive("STRAY-1").is_none(), "not on the drive list");
    assert_rejection(&run.reject(start("STRAY-1")), NotFound, Some("driveId"));

    run.ok(start(DRIVE_A));
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish(DRIVE_B));
    assert_eq!(run.job.drives_to_return(), 3);
    assert_rejection(&run.reject(ship_back(2)), InvalidInput, Some("driveCount"));
    run.ok(ship_back(3));
    assert!(run.job.extra_drives[0].returned);
    assert_eq!(run.job.state, Completed, "an extra drive is not an error");
}

#[test]
fn unmatched_intake_is_recorded_for_a_job_that_is_not_shipping() {
    let mut run = run_in(Creating);
    let r = run.reject(intake(&[DRIVE_A, DRIVE_B], &[]));
    assert_rejection(&r, NotAllowedNow, None);
    assert!(r.message.contains("unmatched intake"), "{}", r.message);

    let events = run.ok(note_unmatched("intake-42", &[DRIVE_A, DRIVE_B]));
    assert_eq!(
        events[0].kind,
        EventKind::UnmatchedIntakeNoted {
            intake_id: "intake-42".into(),
            drive_ids: vec![DRIVE_A.into(), DRIVE_B.into()],
        }
    );
    assert_eq!(run.job.state, Creating);
    // The package can be processed once the customer marks the job shipped.
    run.ok(mark_shipping());
    run.ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    assert_eq!(run.job.state, Received);
}

// =========================================================================================================
// §3 What the customer may change, and when
// =========================================================================================================

#[test]
fn create_is_accepted_when_the_name_is_unused() {
    let events = decide(
        None,
        &create(import_job("fresh-name")),
        t0(),
        &Settings::default(),
    )
    .unwrap();
    assert_eq!(kinds(&events), vec!["created"]);
    assert_eq!(events[0].at, t0());
}

#[test]
fn re_put_replaces_a_job_that_is_still_creating() {
    let mut run = Run::new(import_job("replace-me"));
    let mut again = with_shipping_info(import_job("replace-me"));
    again.drives = vec![drive_spec("NEWDRIVE1")];
    again.delivery_package = Some(DeliveryPackage {
        drive_count: Some(1),
        ..delivery_package()
    });
    run.later(days(3));
    let events = run.ok(create(again));
    assert_eq!(kinds(&events), vec!["replaced"]);
    assert_eq!(run.drive_ids(), vec!["NEWDRIVE1"]);
    assert_eq!(run.job.created_at, t0(), "the job keeps its creation time");
    assert_eq!(
        run.job.expiry_base, run.now,
        "replacing restarts the expiry"
    );
    assert!(run.job.return_address.is_some());
}

#[test]
fn re_put_is_refused_once_the_job_left_creating() {
    for state in [
        Shipping,
        Received,
        Transferring,
        Packaging,
        Completed,
        Closed,
        Faulted,
    ] {
        let run = run_in(state);
        let r = run.reject(create(with_shipping_info(import_job("job-one"))));
        assert_rejection(&r, AlreadyExists, Some("name"));
    }
}

#[test]
fn update_properties_is_allowed_while_creating_or_shipping() {
    for state in [Creating, Shipping] {
        let mut run = run_in(state);
        let mut tags = std::collections::BTreeMap::new();
        tags.insert("env".to_string(), "prod".to_string());
        let patch = JobPatch {
            return_address: Some(other_address()),
            return_shipping: Some(ReturnShipping {
                carrier_name: "ups".into(),
                carrier_account_number: "ACC-1".into(),
            }),
            delivery_package: Some(DeliveryPackage {
                tracking_number: "555-2".into(),
                carrier_name: "fedex".into(),
                ..delivery_package()
            }),
            log_level: Some(LogLevel::Verbose),
            backup_drive_manifest: Some(true),
            drive_list: None,
            tags: Some(tags.clone()),
        };
        run.later(days(1)).ok(update(patch));
        assert_eq!(run.job.return_address, Some(other_address()));
        assert_eq!(
            run.job.return_shipping.as_ref().unwrap().carrier_name,
            "UPS"
        );
        let p = run.job.delivery_package.as_ref().unwrap();
        assert_eq!(
            p.carrier_name, "FedEx",
            "stored with the location's spelling"
        );
        assert_eq!(p.tracking_number, "555-2");
        assert_eq!(run.job.log_level, LogLevel::Verbose);
        assert!(run.job.backup_drive_manifest);
        assert_eq!(run.job.tags, tags);
        assert_eq!(run.job.state, state);
    }
}

#[test]
fn update_properties_is_refused_from_received_on() {
    for state in [
        Received,
        Transferring,
        Packaging,
        Completed,
        Closed,
        Faulted,
    ] {
        let run = run_in(state);
        for (patch, field) in [
            (
                JobPatch {
                    return_address: Some(other_address()),
                    ..JobPatch::default()
                },
                "returnAddress",
            ),
            (
                JobPatch {
                    delivery_package: Some(delivery_package()),
                    ..JobPatch::default()
                },
                "deliveryPackage",
            ),
            (
                JobPatch {
                    log_level: Some(LogLevel::Verbose),
                    ..JobPatch::default()
                },
                "logLevel",
            ),
            (
                JobPatch {
                    backup_drive_manifest: Some(true),
                    ..JobPatch::default()
                },
                "logLevel",
            ),
            (
                JobPatch {
                    tags: Some(Default::default()),
                    ..JobPatch::default()
                },
                "tags",
            ),
        ] {
            let r = run.reject(update(patch));
            assert_rejection(&r, NotAllowedNow, Some(field));
        }
    }
}

#[test]
fn return_shipping_may_also_change_while_received_or_transferring_but_not_once_packaging() {
    for state in [Creating, Shipping, Received, Transferring] {
        let mut run = run_in(state);
        let other = ReturnShipping {
            carrier_name: "DHL".into(),
            carrier_account_number: "DHL-99".into(),
        };
        run.ok(customer(CustomerCommand::SetReturnShipping(other.clone())));
        assert_eq!(run.job.return_shipping, Some(other), "{state}");
    }
    for state in [Packaging, Completed, Closed, Faulted] {
        let run = run_in(state);
        let r = run.reject(customer(CustomerCommand::SetReturnShipping(
            return_shipping(),
        )));
        assert_rejection(&r, NotAllowedNow, Some("returnShipping"));
    }
}

#[test]
fn drive_list_may_change_only_while_creating() {
    let mut run = run_in(Creating);
    let patch = JobPatch {
        drive_list: Some(vec![
            drive_spec("NEW1"),
            drive_spec("NEW2"),
            drive_spec("NEW3"),
        ]),
        ..JobPatch::default()
    };
    run.ok(update(patch.clone()));
    assert_eq!(run.drive_ids(), vec!["NEW1", "NEW2", "NEW3"]);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::Specified));
    for state in [Shipping, Received, Transferring] {
        let r = run_in(state).reject(update(patch.clone()));
        assert_rejection(&r, NotAllowedNow, Some("driveList"));
    }
    let r = Run::new(export_job("export-job")).reject(update(patch));
    assert_rejection(&r, InvalidInput, Some("driveList"));
}

#[test]
fn an_update_while_creating_resets_the_expiry_but_not_while_shipping() {
    let mut run = run_in(Creating);
    run.later(days(5)).ok(update(JobPatch {
        log_level: Some(LogLevel::Verbose),
        ..JobPatch::default()
    }));
    assert_eq!(run.job.expiry_base, t0() + days(5));

    let mut run = run_in(Shipping);
    let base = run.job.expiry_base;
    run.later(days(1)).ok(update(JobPatch {
        log_level: Some(LogLevel::Verbose),
        ..JobPatch::default()
    }));
    assert_eq!(run.job.expiry_base, base);
}

#[test]
fn an_update_that_changes_nothing_still_restarts_the_creating_expiry() {
    // Reference §8: "in Creating any accepted update, even one that changes no field, restarts the expiry"
    // (an SDK PATCH that sends only its defaults).
    let mut run = run_in(Creating);
    run.later(days(10));
    let events = run.ok(update(JobPatch::default()));
    assert_eq!(
        kinds(&events),
        vec!["propertiesUpdated"],
        "one renewal per update"
    );
    assert_eq!(run.job.expiry_base, run.now);
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((run.now + days(14), TimerKind::CreatingExpiry))
    );
    // Past Creating there is no expiry to renew: an empty update records nothing.
    let run = run_in(Shipping);
    assert_eq!(run.decide(&update(JobPatch::default())).unwrap(), vec![]);
}

#[test]
fn mark_shipping_needs_a_delivery_package() {
    let mut new = with_shipping_info(import_job("no-package"));
    new.delivery_package = None;
    let run = Run::new(new);
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("deliveryPackage"));
}

#[test]
fn mark_shipping_needs_a_return_address() {
    let mut new = with_shipping_info(import_job("no-address"));
    new.return_address = None;
    let run = Run::new(new);
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
    assert_eq!(r.message, "Mark as shipped needs a return address");
}

#[test]
fn mark_shipping_needs_return_shipping() {
    let mut new = with_shipping_info(import_job("no-return-shipping"));
    new.return_shipping = None;
    let mut run = Run::new(new);
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("returnShipping"));
    assert_eq!(
        r.message,
        "Mark as shipped needs return shipping (carrier and carrier account number)"
    );
    run.ok(customer(CustomerCommand::SetReturnShipping(
        return_shipping(),
    )));
    run.ok(mark_shipping());
    assert_eq!(run.job.state, Shipping);
}

#[test]
fn mark_shipping_lists_everything_missing_at_once() {
    let run = Run::new(import_job("bare-three"));
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("deliveryPackage"));
    let fields: Vec<&str> = r.details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["deliveryPackage", "returnAddress", "returnShipping"]
    );
    assert_eq!(
        lifecycle::decide::mark_shipping_needs(&run.job),
        r.details,
        "the form asks for exactly what the refusal lists"
    );
    // The state comes first: a job already shipped is not asked for anything.
    assert!(lifecycle::decide::can_start_shipping(&run.job).is_ok());
    let shipped = job_in(Shipping);
    assert!(lifecycle::decide::can_start_shipping(&shipped).is_err());
}

#[test]
fn a_delivery_drive_count_is_between_one_and_the_listed_drives() {
    // Two drives listed: a first package may hold one of them, never three.
    let mut run = Run::new(with_shipping_info(import_job("counted")));
    for count in [1, 2] {
        run.ok(customer(CustomerCommand::SetDeliveryPackage(
            DeliveryPackage {
                drive_count: Some(count),
                ..delivery_package()
            },
        )));
    }
    let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            drive_count: Some(3),
            ..delivery_package()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("deliveryPackage.driveCount"));
    assert!(r.details[0].message.contains("between 1 and 2"), "{r:?}");
    // At creation, against the drives of the same request.
    let mut too_many = with_shipping_info(import_job("too-many"));
    too_many.drives.truncate(1);
    let r = decide(None, &create(too_many), t0(), &Settings::default()).unwrap_err();
    assert_rejection(
        &r,
        InvalidInput,
        Some("properties.deliveryPackage.driveCount"),
    );
    // A drive list shrunk after the package was given: Mark as shipped names the count.
    run.ok(update(JobPatch {
        drive_list: Some(vec![drive_spec(DRIVE_A)]),
        ..JobPatch::default()
    }));
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("deliveryPackage.driveCount"));
    // An export job's drives are counted at intake: only the general bound applies.
    let mut export = with_shipping_info(export_job("export-count"));
    export.delivery_package = Some(DeliveryPackage {
        drive_count: Some(5),
        ..delivery_package()
    });
    Run::new(export).ok(mark_shipping());
}

#[test]
fn a_ship_date_is_at_most_two_days_ahead_of_the_clock() {
    // t0 is 2026-11-01 09:00 UTC.
    let mut run = Run::new(with_shipping_info(import_job("dated")));
    for date in ["2026-10-20", "2026-11-03", "2026-11-03T23:00:00Z"] {
        run.ok(customer(CustomerCommand::SetDeliveryPackage(
            DeliveryPackage {
                ship_date: Some(date.into()),
                ..delivery_package()
            },
        )));
    }
    for date in ["2026-11-04", "2026-11-03T23:30:00-02:00", "2027-01-01"] {
        let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
            DeliveryPackage {
                ship_date: Some(date.into()),
                ..delivery_package()
            },
        )));
        assert_rejection(&r, InvalidInput, Some("deliveryPackage.shipDate"));
        assert!(r.details[0].message.contains("2026-11-03"), "{r:?}");
    }
    // The clock decides: the same date is fine a day later.
    run.later(days(1))
        .ok(customer(CustomerCommand::SetDeliveryPackage(
            DeliveryPackage {
                ship_date: Some("2026-11-04".into()),
                ..delivery_package()
            },
        )));
    // At creation too.
    let mut early = with_shipping_info(import_job("early"));
    early.delivery_package = Some(DeliveryPackage {
        ship_date: Some("2026-12-24".into()),
        ..delivery_package()
    });
    let r = decide(None, &create(early), t0(), &Settings::default()).unwrap_err();
    assert_rejection(
        &r,
        InvalidInput,
        Some("properties.deliveryPackage.shipDate"),
    );
}

#[test]
fn shipping_in_one_step_reports_every_problem_then_ships() {
    use lifecycle::decide::ship_in_one_step;
    let run = Run::new(import_job("one-step"));
    let bad = DeliveryPackage {
        carrier_name: "FedEx".into(),
        tracking_number: String::new(),
        drive_count: Some(3),
        ship_date: Some("2026-11-09".into()),
    };
    let r = ship_in_one_step(&run.job, &bad, None, None, run.now).unwrap_err();
    assert_eq!(r.kind, InvalidInput);
    let fields: Vec<&str> = r.details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "deliveryPackage.trackingNumber",
            "deliveryPackage.driveCount",
            "deliveryPackage.shipDate",
            "returnAddress",
            "returnShipping"
        ]
    );
    let mut address = return_address();
    address.email = "not-an-email".into();
    let r = ship_in_one_step(
        &run.job,
        &delivery_package(),
        Some(&address),
        Some(&return_shipping()),
        run.now,
    )
    .unwrap_err();
    assert_rejection(&r, InvalidInput, Some("returnAddress.email"));
    let commands = ship_in_one_step(
        &run.job,
        &delivery_package(),
        Some(&return_address()),
        Some(&return_shipping()),
        run.now,
    )
    .unwrap();
    assert_eq!(commands.len(), 4);
    let commands: Vec<Command> = commands.into_iter().map(Command::Customer).collect();
    let events = decide_all(Some(&run.job), &commands, run.now, &run.settings).unwrap();
    let mut job = run.job.clone();
    for e in &events {
        job.apply(e);
    }
    assert_eq!(job.state, Shipping);
    // What the job already has is not asked again.
    let ready = Run::new(with_shipping_info(import_job("has-all")));
    let commands =
        ship_in_one_step(&ready.job, &delivery_package(), None, None, ready.now).unwrap();
    assert_eq!(commands.len(), 2);
    // Not from Shipping.
    assert!(ship_in_one_step(&job_in(Shipping), &delivery_package(), None, None, run.now).is_err());
}

#[test]
fn mark_shipping_needs_a_drive_on_an_import_job() {
    let mut run = run_in(Creating);
    // The drive list validation makes an empty list impossible; the guard still stands on its own.
    run.job.drives.clear();
    let r = run.reject(mark_shipping());
    assert_rejection(&r, NotAllowedNow, Some("driveList"));
}

#[test]
fn mark_shipping_works_for_an_export_job_without_drives() {
    let run = export_run_in(Shipping);
    assert_eq!(run.job.state, Shipping);
    assert!(run.job.drives.is_empty());
}

#[test]
fn mark_shipping_is_refused_outside_creating() {
    for state in [
        Shipping,
        Received,
        Transferring,
        Packaging,
        Completed,
        Closed,
        Faulted,
    ] {
        let r = run_in(state).reject(mark_shipping());
        assert_rejection(&r, NotAllowedNow, None);
    }
}

#[test]
fn delete_is_allowed_while_creating_or_completed_and_keeps_the_history() {
    for state in [Creating, Completed] {
        let mut run = run_in(state);
        let before = run.events.len();
        let events = run.ok(delete());
        assert_eq!(
            events[0].kind,
            EventKind::Deleted {
                reason: DeletionReason::Customer
            }
        );
        assert!(run.job.is_deleted());
        assert_eq!(run.job.state, state, "deleting is not a state change");
        assert_eq!(
            run.events.len(),
            before + 1,
            "history is appended, not rewritten"
        );
        // Gone from the customer's view and the API.
        for command in [delete(), mark_shipping(), add_note("x"), fault_job("x")] {
            assert_rejection(&run.reject(command), NotFound, None);
        }
        assert!(customer_actions(&run.job, &run.settings)
            .iter()
            .all(|a| !a.allowed));
        assert_eq!(run.decide(&Command::Tick).unwrap(), vec![]);
    }
}

#[test]
fn delete_is_refused_in_every_other_state() {
    for state in [Shipping, Received, Transferring, Packaging, Closed, Faulted] {
        let r = run_in(state).reject(delete());
        assert_rejection(&r, NotAllowedNow, None);
    }
}

#[test]
fn a_deleted_jobs_name_can_be_used_again() {
    let mut run = run_in(Creating);
    run.ok(delete());
    run.later(days(1));
    let events = run.ok(create(import_job("job-one")));
    assert_eq!(kinds(&events), vec!["created"]);
    assert!(!run.job.is_deleted());
    assert_eq!(run.job.created_at, run.now);
}

#[test]
fn commands_on_a_job_that_does_not_exist_are_not_found() {
    let s = Settings::default();
    for command in [
        mark_shipping(),
        cancel(),
        delete(),
        intake(&[DRIVE_A], &[]),
        add_note("x"),
    ] {
        let r = decide(None, &command, t0(), &s).unwrap_err();
        assert_rejection(&r, NotFound, None);
    }
    assert_eq!(decide(None, &Command::Tick, t0(), &s).unwrap(), vec![]);
}

// ---------------------------------------------------------------------------------------------------------
// Required fields
// ---------------------------------------------------------------------------------------------------------

/// A field name and how to break that field.
type Breaks<T> = (&'static str, fn(&mut T));

#[test]
fn return_address_needs_name_street_city_postal_code_country_phone_and_email() {
    let run = run_in(Creating);
    let blank: [Breaks<ReturnAddress>; 7] = [
        ("recipientName", |a| a.recipient_name.clear()),
        ("streetAddress1", |a| a.street_address1.clear()),
        ("city", |a| a.city.clear()),
        ("postalCode", |a| a.postal_code.clear()),
        ("countryOrRegion", |a| a.country_or_region.clear()),
        ("phone", |a| a.phone.clear()),
        ("email", |a| a.email = "  ".into()),
    ];
    for (field, clear) in blank {
        let mut a = return_address();
        clear(&mut a);
        let r = run.reject(customer(CustomerCommand::SetReturnAddress(a)));
        assert_rejection(&r, InvalidInput, Some(&format!("returnAddress.{field}")));
    }
    // Street line 2 and state/province are optional.
    let mut run = run;
    let a = ReturnAddress {
        street_address2: None,
        state_or_province: None,
        ..return_address()
    };
    run.ok(customer(CustomerCommand::SetReturnAddress(a.clone())));
    assert_eq!(run.job.return_address, Some(a));
}

#[test]
fn return_shipping_needs_a_carrier_and_an_account_number() {
    let run = run_in(Creating);
    let r = run.reject(customer(CustomerCommand::SetReturnShipping(
        ReturnShipping {
            carrier_name: "".into(),
            ..return_shipping()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("returnShipping.carrierName"));
    let r = run.reject(customer(CustomerCommand::SetReturnShipping(
        ReturnShipping {
            carrier_account_number: " ".into(),
            ..return_shipping()
        },
    )));
    assert_rejection(
        &r,
        InvalidInput,
        Some("returnShipping.carrierAccountNumber"),
    );
}

#[test]
fn delivery_package_needs_a_carrier_and_a_tracking_number_only() {
    let mut run = run_in(Creating);
    let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            carrier_name: "".into(),
            ..delivery_package()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("deliveryPackage.carrierName"));
    let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            tracking_number: "".into(),
            ..delivery_package()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("deliveryPackage.trackingNumber"));
    let minimal = DeliveryPackage {
        carrier_name: "FedEx".into(),
        tracking_number: "1234".into(),
        drive_count: None,
        ship_date: None,
    };
    run.ok(customer(CustomerCommand::SetDeliveryPackage(
        minimal.clone(),
    )));
    assert_eq!(run.job.delivery_package, Some(minimal));
}

#[test]
fn tracking_numbers_may_carry_a_per_job_suffix() {
    let mut run = run_in(Creating);
    for number in ["123456789012-1", "123456789012-2", "1Z999AA10123456784"] {
        run.ok(customer(CustomerCommand::SetDeliveryPackage(
            DeliveryPackage {
                tracking_number: number.into(),
                ..delivery_package()
            },
        )));
        assert_eq!(
            run.job.delivery_package.as_ref().unwrap().tracking_number,
            number
        );
    }
    let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            tracking_number: "12 34".into(),
            ..delivery_package()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("deliveryPackage.trackingNumber"));
}

#[test]
fn delivery_carrier_must_be_one_the_location_supports() {
    let mut run = run_in(Creating);
    let r = run.reject(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            carrier_name: "UPS".into(),
            ..delivery_package()
        },
    )));
    assert_rejection(&r, InvalidInput, Some("deliveryPackage.carrierName"));
    assert!(
        r.message.contains("West US does not accept UPS; use FedEx"),
        "{}",
        r.message
    );
    run.ok(customer(CustomerCommand::SetDeliveryPackage(
        DeliveryPackage {
            carrier_name: " fedex ".into(),
            ..delivery_package()
        },
    )));
    assert_eq!(
        run.job.delivery_package.as_ref().unwrap().carrier_name,
        "FedEx"
    );
    // The same rule at creation.
    let mut new = import_job("ups-job");
    new.delivery_package = Some(DeliveryPackage {
        carrier_name: "UPS".into(),
        ..delivery_package()
    });
    let r = decide(None, &create(new), t0(), &Settings::default()).unwrap_err();
    assert_rejection(
        &r,
        InvalidInput,
        Some("properties.deliveryPackage.carrierName"),
    );
}

#[test]
fn return_package_always_has_carrier_tracking_number_drive_count_and_ship_date() {
    let run = run_in(Packaging);
    let broken: [Breaks<ReturnPackage>; 4] = [
        ("carrierName", |p| p.carrier_name.clear()),
        ("trackingNumber", |p| p.tracking_number.clear()),
        ("driveCount", |p| p.drive_count = 0),
        ("shipDate", |p| p.ship_date.clear()),
    ];
    for (field, clear) in broken {
        let mut package = return_package(2);
        clear(&mut package);
        let r = run.reject(operator(OperatorCommand::ShipBack { package }));
        assert_rejection(&r, InvalidInput, Some(field));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Job names
// ---------------------------------------------------------------------------------------------------------

#[test]
fn job_names_are_lowercase_letters_digits_and_hyphens_starting_with_a_letter() {
    for good in [
        "abc",
        "my-job-1",
        "a1-b2-c3",
        &format!("a{}", "b".repeat(63)),
    ] {
        assert!(
            decide(None, &create(import_job(good)), t0(), &Settings::default()).is_ok(),
            "{good}"
        );
    }
    for bad in [
        "",
        "ab",
        "My-job",
        "1job",
        "-job",
        "my job",
        "my_job",
        "jöb",
        &format!("a{}", "b".repeat(64)),
    ] {
        let r = decide(None, &create(import_job(bad)), t0(), &Settings::default()).unwrap_err();
        assert_rejection(&r, InvalidInput, Some("name"));
    }
}

// =========================================================================================================
// §4 Cancellation
// =========================================================================================================

/// The table of §4, written out independently of the crate.
fn cancellable(window: CancellationWindow) -> &'static [JobState] {
    match window {
        CancellationWindow::BeforePackaging => &[Creating, Shipping, Received, Transferring],
        CancellationWindow::CreatingOrShipping => &[Creating, Shipping],
        CancellationWindow::CreatingOnly => &[Creating],
    }
}

#[test]
fn the_default_cancellation_window_is_before_packaging() {
    assert_eq!(
        Settings::default().cancellation_window,
        CancellationWindow::BeforePackaging
    );
    assert_eq!(
        CancellationWindow::parse("creating-or-shipping"),
        Some(CancellationWindow::CreatingOrShipping)
    );
}

#[test]
fn before_packaging_window_accepts_creating_shipping_received_transferring_only() {
    check_window(CancellationWindow::BeforePackaging);
}

#[test]
fn creating_or_shipping_window_accepts_creating_and_shipping_only() {
    check_window(CancellationWindow::CreatingOrShipping);
}

#[test]
fn creating_only_window_accepts_creating_only() {
    check_window(CancellationWindow::CreatingOnly);
}

fn check_window(window: CancellationWindow) {
    for state in JobState::ALL {
        let mut run = run_in_with(state, with_window(window));
        let expected = cancellable(window).contains(&state);
        let button = customer_action(&run.job, CustomerAction::Cancel, &run.settings);
        assert_eq!(button.allowed, expected, "button: {window} {state}");
        if expected {
            let events = run.ok(cancel());
            assert_eq!(
                events[0].kind,
                EventKind::CancellationRequested {
                    completed: state == Creating,
                    reason: None
                },
                "{window} {state}"
            );
            assert!(run.job.cancel_requested);
            let r = run.reject(cancel());
            assert_rejection(&r, NotAllowedNow, Some("cancelRequested"));
            assert!(r.message.contains("already"), "{}", r.message);
        } else {
            let r = run.reject(cancel());
            assert_rejection(&r, NotAllowedNow, Some("cancelRequested"));
            assert!(r.message.contains(window.describe()), "{}", r.message);
        }
    }
}

#[test]
fn cancelling_while_creating_completes_the_job_at_once() {
    let mut run = run_in(Creating);
    run.later(days(1));
    let events = run.ok(cancel());
    assert_eq!(events.len(), 1);
    assert_eq!(run.job.state, Completed);
    assert!(run.job.cancel_requested);
    assert_eq!(run.job.finished_at, Some(run.now));
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::Specified));
    // Like any completed job it may be deleted, and it is removed after the retention period.
    assert!(run.decide(&delete()).is_ok());
    let events = run.tick_at(t0() + days(1) + days(90));
    assert_eq!(
        events[0].kind,
        EventKind::Deleted {
            reason: DeletionReason::RetentionExpired
        }
    );
}

#[test]
fn cancelling_while_shipping_skips_the_copy_and_returns_the_drives() {
    let mut run = run_in(Shipping);
    run.ok(cancel());
    assert_eq!(run.job.state, Shipping, "the state does not change");
    run.later(days(2)).ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    assert_eq!(run.job.state, Received);
    assert_rejection(&run.reject(start(DRIVE_A)), NotAllowedNow, None);
    let events = run.ok(package_job());
    assert_eq!(
        events[0].kind,
        EventKind::PackagingStarted { automatic: false }
    );
    assert_eq!(run.job.state, Packaging);
    assert_eq!(run.drive_state(DRIVE_A), DriveState::Received);
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::ShippedBack));
    assert_eq!(
        states_seen(&run),
        vec![Creating, Shipping, Received, Packaging, Completed]
    );
}

#[test]
fn cancelling_while_received_skips_the_copy_and_returns_the_drives() {
    let mut run = run_in(Received);
    run.ok(cancel());
    assert_eq!(run.job.state, Received);
    assert_rejection(&run.reject(start(DRIVE_B)), NotAllowedNow, None);
    run.ok(package_job());
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    assert_eq!(run.drive_state(DRIVE_A), DriveState::ShippedBack);
    assert_eq!(run.drive(DRIVE_A).percent_complete, 0, "never copied");
}

#[test]
fn cancelling_while_transferring_lets_a_started_copy_finish_and_skips_the_rest() {
    let mut run = run_in(Transferring);
    run.ok(cancel());
    assert_eq!(run.job.state, Transferring);
    // The drive not yet started is not copied.
    assert_rejection(&run.reject(start(DRIVE_B)), NotAllowedNow, None);
    // The drive already copying may go on and finish; the job then packages itself.
    run.ok(progress(DRIVE_A, 60, 600));
    let events = run.ok(finish(DRIVE_A));
    assert_eq!(kinds(&events), vec!["driveFinished", "packagingStarted"]);
    assert_eq!(run.job.state, Packaging);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::ShippedBack);
}

#[test]
fn cancelling_while_transferring_with_no_copy_running_lets_the_operator_package() {
    let mut run = run_in(Transferring);
    run.ok(finish(DRIVE_A));
    assert_rejection(&run.reject(package_job()), NotAllowedNow, None);
    run.ok(cancel());
    run.ok(package_job());
    assert_eq!(run.job.state, Packaging);
}

#[test]
fn a_cancelled_job_that_hit_errors_ends_closed() {
    // A drive missing from the package is no loss for a cancelled job (reference §8, ship back): the
    // customer no longer wanted it copied.
    let mut run = run_in(Shipping);
    run.ok(cancel());
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(package_job());
    run.ok(ship_back(1));
    assert_eq!(run.job.state, Completed);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::NeverReceived);

    // The same package for a job that was not cancelled: an error during processing.
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    run.ok(ship_back(1));
    assert_eq!(run.job.state, Closed);

    // A copy that finished with errors.
    let mut run = run_in(Transferring);
    run.ok(cancel());
    run.ok(finish_more(DRIVE_A, Severity::Error));
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Closed);

    // A fault along the way.
    let mut run = run_in(Received);
    run.ok(cancel());
    run.ok(fault_drive(DRIVE_A));
    run.ok(resolve_drive(DRIVE_A, None));
    run.ok(package_job());
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Closed);
}

#[test]
fn faulted_packaging_and_finished_jobs_are_not_cancellable_in_any_window() {
    for window in CancellationWindow::ALL {
        for state in [Faulted, Packaging, Completed, Closed] {
            let r = run_in_with(state, with_window(window)).reject(cancel());
            assert_rejection(&r, NotAllowedNow, Some("cancelRequested"));
        }
    }
}

// =========================================================================================================
// §5 Timers
// =========================================================================================================

#[test]
fn creating_expiry_deletes_the_job_14_days_after_creation() {
    let mut run = run_in(Creating);
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((t0() + days(14), TimerKind::CreatingExpiry))
    );
    assert_eq!(run.tick_at(t0() + days(14) - secs(1)), vec![]);
    assert!(!run.job.is_deleted());
    let events = run.tick_at(t0() + days(14));
    assert_eq!(
        events,
        vec![Event {
            at: t0() + days(14),
            kind: EventKind::Deleted {
                reason: DeletionReason::CreatingExpired
            }
        }]
    );
    assert!(run.job.is_deleted());
    assert_eq!(run.tick_at(t0() + days(100)), vec![], "fires exactly once");
    assert_eq!(next_timer(&run.job, &run.settings), None);
}

#[test]
fn creating_expiry_restarts_after_the_last_update() {
    let mut run = run_in(Creating);
    run.at(t0() + days(10)).ok(update(JobPatch {
        backup_drive_manifest: Some(true),
        ..JobPatch::default()
    }));
    assert_eq!(run.tick_at(t0() + days(14)), vec![]);
    assert_eq!(run.tick_at(t0() + days(24) - secs(1)), vec![]);
    let events = run.tick_at(t0() + days(30));
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].at,
        t0() + days(24),
        "the event carries its deadline"
    );
    assert!(run.job.is_deleted());
}

#[test]
fn creating_expiry_is_not_restarted_by_staff_notes() {
    let mut run = run_in(Creating);
    run.at(t0() + days(10)).ok(add_note("Called the customer"));
    assert_eq!(run.job.expiry_base, t0());
    assert_eq!(run.tick_at(t0() + days(14)).len(), 1);
}

#[test]
fn creating_expiry_uses_the_configured_duration() {
    let mut settings = Settings::default();
    settings.timers.creating_expiry = Span::days(2);
    let mut run = Run::with_settings(import_job("short-lived"), settings);
    assert_eq!(run.tick_at(t0() + days(2) - secs(1)), vec![]);
    assert_eq!(run.tick_at(t0() + days(2)).len(), 1);
}

#[test]
fn shipping_overdue_alerts_and_marks_drives_never_received_14_days_after_shipping() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((since + days(14), TimerKind::ShippingOverdue))
    );
    assert_eq!(run.tick_at(since + days(14) - secs(1)), vec![]);
    let events = run.tick_at(since + days(14));
    assert_eq!(
        events,
        vec![Event {
            at: since + days(14),
            kind: EventKind::ShippingOverdue {
                never_received: vec![DRIVE_A.into(), DRIVE_B.into()],
                abandon_deadline: since + days(44),
            }
        }]
    );
    assert_eq!(run.job.overdue_notice_at, Some(since + days(14)));
    assert_eq!(run.job.state, Shipping);
    assert_eq!(run.tick_at(since + days(20)), vec![], "fires exactly once");
}

#[test]
fn shipping_overdue_does_not_fire_once_the_package_arrived() {
    let mut run = run_in(Received);
    assert_eq!(next_timer(&run.job, &run.settings), None);
    assert_eq!(run.tick_at(t0() + days(60)), vec![]);
    assert_eq!(run.job.state, Received);
}

#[test]
fn abandoned_shipment_closes_the_job_30_days_after_the_overdue_notice() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(14));
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((since + days(44), TimerKind::ShipmentAbandoned))
    );
    assert_eq!(run.tick_at(since + days(44) - secs(1)), vec![]);
    let events = run.tick_at(since + days(44));
    assert_eq!(
        events,
        vec![Event {
            at: since + days(44),
            kind: EventKind::ShipmentAbandoned
        }]
    );
    assert_eq!(run.job.state, Closed);
    assert_eq!(run.job.finished_at, Some(since + days(44)));
}

#[test]
fn a_late_tick_fires_every_due_timer_once_in_deadline_order_at_its_deadline() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    let events = run.tick_at(since + days(200));
    assert_eq!(
        kinds(&events),
        vec!["shippingOverdue", "shipmentAbandoned", "deleted"]
    );
    let times: Vec<_> = events.iter().map(|e| e.at).collect();
    assert_eq!(
        times,
        vec![since + days(14), since + days(44), since + days(134)]
    );
    assert_eq!(run.job.state, Closed);
    assert!(run.job.is_deleted());
    assert_eq!(run.tick_at(since + days(300)), vec![]);

    // Overdue then abandoned in one tick, the retention not yet due.
    let mut run = run_in(Shipping);
    let events = run.tick_at(since + days(50));
    assert_eq!(kinds(&events), vec!["shippingOverdue", "shipmentAbandoned"]);
    assert!(!run.job.is_deleted());
}

#[test]
fn a_staff_extension_moves_the_abandonment_deadline() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.tick_at(since + days(14));
    run.at(since + days(20));
    let events = run.ok(extend_wait(10));
    assert_eq!(
        events[0].kind,
        EventKind::ShippingWaitExtended {
            days: 10,
            abandon_deadline: since + days(54)
        }
    );
    assert_eq!(run.tick_at(since + days(44)), vec![]);
    assert_eq!(run.tick_at(since + days(54) - secs(1)), vec![]);
    let events = run.tick_at(since + days(54));
    assert_eq!(events[0].at, since + days(54));
    assert_eq!(run.job.state, Closed);
}

#[test]
fn retention_deletes_completed_and_closed_jobs_90_days_after_they_finished() {
    for state in [Completed, Closed] {
        let mut run = run_in(state);
        let finished = run.job.finished_at.unwrap();
        assert_eq!(
            next_timer(&run.job, &run.settings),
            Some((finished + days(90), TimerKind::Retention))
        );
        assert_eq!(run.tick_at(finished + days(90) - secs(1)), vec![]);
        let events = run.tick_at(finished + days(91));
        assert_eq!(
            events,
            vec![Event {
                at: finished + days(90),
                kind: EventKind::Deleted {
                    reason: DeletionReason::RetentionExpired
                }
            }]
        );
        assert!(run.job.is_deleted());
        assert_eq!(run.job.state, state);
        assert_eq!(run.tick_at(finished + days(200)), vec![]);
    }
}

#[test]
fn no_timer_runs_while_the_job_is_at_the_data_center_or_faulted() {
    for state in [Received, Transferring, Packaging, Faulted] {
        let mut run = run_in(state);
        assert_eq!(next_timer(&run.job, &run.settings), None, "{state}");
        assert_eq!(run.tick_at(t0() + days(200)), vec![], "{state}");
    }
    // A job faulted while Creating does not expire either.
    let mut run = run_in(Creating);
    run.ok(fault_job("Suspicious order"));
    assert_eq!(run.tick_at(t0() + days(30)), vec![]);
}

#[test]
fn the_shipping_wait_stops_while_faulted_and_resumes_with_the_time_it_had_left() {
    // Reference §8: timers do not run while a job is Faulted; on resolution it gets back the time it had left.
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.at(since + days(1)).ok(fault_job("Customs hold"));
    assert_eq!(run.tick_at(since + days(20)), vec![]);
    run.ok(resolve_job(None));
    // 13 days were left when it faulted.
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((since + days(33), TimerKind::ShippingOverdue))
    );
    assert_eq!(run.tick_at(since + days(33) - secs(1)), vec![]);
    let events = run.tick_at(since + days(33));
    assert_eq!(kinds(&events), vec!["shippingOverdue"]);
    assert_eq!(events[0].at, since + days(33));

    // The abandonment wait pauses the same way.
    run.later(days(10)).ok(fault_job("Customs hold again"));
    let deadline = run.job.abandon_deadline.unwrap();
    let left = deadline - run.now;
    run.later(days(40)).ok(resolve_job(None));
    assert_eq!(run.job.abandon_deadline, Some(run.now + left));
}

#[test]
fn a_job_resolved_with_less_than_a_day_left_gets_a_day() {
    let mut run = run_in(Shipping);
    let since = run.job.shipping_since.unwrap();
    run.at(since + days(14) - secs(3600))
        .ok(fault_job("Customs hold"));
    run.at(since + days(20)).ok(resolve_job(None));
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((since + days(21), TimerKind::ShippingOverdue))
    );
}

#[test]
fn the_creating_expiry_stops_while_faulted_and_resumes_with_the_time_it_had_left() {
    let mut run = run_in(Creating);
    run.at(t0() + days(10)).ok(fault_job("Payment check"));
    assert_eq!(next_timer(&run.job, &run.settings), None);
    assert_eq!(run.tick_at(t0() + days(30)), vec![]);
    assert!(!run.job.is_deleted());
    let events = run.ok(resolve_job(Some(Creating)));
    let EventKind::JobResolved {
        timer_shift_seconds,
        ..
    } = &events[0].kind
    else {
        panic!("{events:?}")
    };
    assert_eq!(*timer_shift_seconds, days(20).num_seconds());
    assert!(events[0].kind.describe().contains("20d later"));
    assert_eq!(
        next_timer(&run.job, &run.settings),
        Some((t0() + days(34), TimerKind::CreatingExpiry))
    );
    assert_eq!(run.tick_at(t0() + days(34) - secs(1)), vec![]);
    assert_eq!(kinds(&run.tick_at(t0() + days(34))), vec!["deleted"]);
}

#[test]
fn unmatched_intake_drives_are_returned_after_14_days_and_destroyed_after_90() {
    let s = Settings::default();
    let new = NewIntake {
        job_name: Some("job-one".into()),
        carrier_name: "FedEx".into(),
        tracking_number: "7777".into(),
        drive_ids: vec![DRIVE_A.into()],
        notes: String::new(),
    };
    let recorded = decide_intake(None, &IntakeCommand::Record(new), t0(), &s).unwrap();
    let mut intake = UnmatchedIntake::replay(&recorded).unwrap();
    assert_eq!(intake.return_deadline, t0() + days(14));
    assert_eq!(intake.destroy_deadline, t0() + days(90));
    assert_eq!(next_intake_deadline(&intake), Some(t0() + days(14)));
    let tick = |intake: &UnmatchedIntake, t| {
        decide_intake(Some(intake), &IntakeCommand::Tick, t, &s).unwrap()
    };
    assert_eq!(tick(&intake, t0() + days(14) - secs(1)), vec![]);
    let events = tick(&intake, t0() + days(14));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, IntakeEventKind::ReturnDeadlinePassed);
    intake.apply(&events[0]);
    assert_eq!(intake.status, IntakeStatus::ReturnDue);
    assert_eq!(tick(&intake, t0() + days(90) - secs(1)), vec![]);
    let events = tick(&intake, t0() + days(95));
    assert_eq!(events[0].kind, IntakeEventKind::DestructionDeadlinePassed);
    assert_eq!(events[0].at, t0() + days(90));
    intake.apply(&events[0]);
    assert_eq!(intake.status, IntakeStatus::DestructionDue);
    assert_eq!(tick(&intake, t0() + days(300)), vec![]);
}

// =========================================================================================================
// §6 / §8 Operator commands
// =========================================================================================================

// --- package intake --------------------------------------------------------------------------------------

#[test]
fn package_intake_accepts_listed_drives_in_any_case() {
    let mut run = run_in(Shipping);
    let events = run.ok(intake(&["9ca995ba", " 9CA995BB "], &[]));
    assert_eq!(
        events[0].kind,
        EventKind::PackageReceived {
            found: vec![DRIVE_A.into(), DRIVE_B.into()],
            missing: vec![],
            extra: vec![],
        }
    );
}

#[test]
fn package_intake_refuses_unlisted_found_drives_listed_extras_duplicates_and_empty_packages() {
    let run = run_in(Shipping);
    let r = run.reject(intake(&[DRIVE_A, "UNLISTED"], &[]));
    assert_rejection(&r, InvalidInput, Some("found[1]"));
    let r = run.reject(intake(&[DRIVE_A], &[DRIVE_B]));
    assert_rejection(&r, InvalidInput, Some("extra[0]"));
    let r = run.reject(intake(&[DRIVE_A, "9ca995ba"], &[]));
    assert_rejection(&r, InvalidInput, Some("found[1]"));
    let r = run.reject(intake(&[DRIVE_A], &[DRIVE_A]));
    assert_rejection(&r, InvalidInput, Some("extra[0]"));
    let r = run.reject(intake(&[], &[]));
    assert_rejection(&r, InvalidInput, Some("found"));
    let r = run.reject(intake(&["bad id"], &[]));
    assert_rejection(&r, InvalidInput, Some("found[0]"));
}

#[test]
fn package_intake_of_only_extra_drives_marks_every_listed_drive_never_received() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[], &["STRAY-1"]));
    assert_eq!(run.job.state, Received);
    assert!(run
        .job
        .drives
        .iter()
        .all(|d| d.state == DriveState::NeverReceived));
}

#[test]
fn package_intake_of_an_export_job_makes_its_drive_list() {
    let mut run = export_run_in(Shipping);
    let events = run.ok(intake(&[EXPORT_A], &["STRAY-1"]));
    assert_eq!(
        events[0].kind,
        EventKind::PackageReceived {
            found: vec![EXPORT_A.into()],
            missing: vec![],
            extra: vec!["STRAY-1".into()],
        }
    );
    assert_eq!(run.drive_ids(), vec![EXPORT_A]);
    assert_eq!(run.job.extra_drives.len(), 1);
}

#[test]
fn package_intake_of_an_export_job_needs_one_to_ten_drives() {
    let run = export_run_in(Shipping);
    let r = run.reject(intake(&[], &["STRAY-1"]));
    assert_rejection(&r, InvalidInput, Some("found"));
    let eleven: Vec<String> = (0..11).map(|i| format!("EXP-{i}")).collect();
    let refs: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let r = run.reject(intake(&refs, &[]));
    assert_rejection(&r, InvalidInput, Some("found"));
    assert!(run.decide(&intake(&refs[..10], &[])).is_ok());
}

#[test]
fn package_intake_is_refused_for_a_job_neither_shipping_nor_at_the_data_center() {
    for state in [Creating, Completed, Closed, Faulted] {
        let r = run_in(state).reject(intake(&[DRIVE_A, DRIVE_B], &[]));
        assert_rejection(&r, NotAllowedNow, None);
    }
    // At the data center a package is a later shipment, whose listed drives must be ones never received.
    for state in [Received, Transferring, Packaging] {
        let r = run_in(state).reject(intake(&[DRIVE_A], &[]));
        assert_rejection(&r, InvalidInput, Some("found[0]"));
        assert!(r.message.contains("never received"), "{}", r.message);
    }
}

#[test]
fn a_later_shipment_brings_missing_drives_and_extras() {
    // Error table row 5 and drive table row 2: a second package for a job already Transferring.
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    assert_eq!(run.job.state, Transferring);
    let events = run.ok(intake(&[DRIVE_B], &["OTHERJOB-7"]));
    assert_eq!(kinds(&events), vec!["laterPackageReceived"]);
    assert_eq!(run.job.state, Transferring);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert_eq!(run.job.extra_drives.len(), 1);
    // The same extra cannot be recorded twice, nor a drive already here found again.
    let r = run.reject(intake(&[], &["OTHERJOB-7"]));
    assert_rejection(&r, InvalidInput, Some("extra[0]"));
    let r = run.reject(intake(&[DRIVE_B], &[]));
    assert_rejection(&r, InvalidInput, Some("found[0]"));
    // Unlisted drives of a later package of a Packaging job are extras; the job stays Packaging.
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish(DRIVE_B));
    assert_eq!(run.job.state, Packaging);
    run.ok(intake(&[], &["STRAY-2"]));
    assert_eq!(run.job.state, Packaging);
    run.ok(ship_back(4));
    assert_eq!(run.job.state, Completed);
}

#[test]
fn a_later_package_with_a_missing_drive_reopens_a_packaging_job() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    assert_eq!(run.job.state, Packaging);
    run.ok(intake(&[DRIVE_B], &[]));
    assert_eq!(run.job.state, Transferring);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
}

#[test]
fn an_export_job_takes_only_extras_in_a_later_package() {
    let mut run = export_run_in(Received);
    let r = run.reject(intake(&["EXP-0009"], &[]));
    assert_rejection(&r, InvalidInput, Some("found"));
    run.ok(intake(&[], &["EXP-0009"]));
    assert_eq!(run.job.extra_drives.len(), 1);
}

#[test]
fn extra_drives_per_job_are_capped_by_the_setting() {
    let settings = Settings {
        max_extra_drives: 3,
        ..Settings::default()
    };
    let mut run = run_in_with(Shipping, settings);
    let r = run.reject(intake(&[DRIVE_A, DRIVE_B], &["X1", "X2", "X3", "X4"]));
    assert_rejection(&r, InvalidInput, Some("extra"));
    assert!(r.message.contains("at most 3"), "{}", r.message);
    run.ok(intake(&[DRIVE_A], &["X1", "X2"]));
    let r = run.reject(intake(&[DRIVE_B], &["X3", "X4"]));
    assert!(r.message.contains("holds 2"), "{}", r.message);
    run.ok(intake(&[DRIVE_B], &["X3"]));
}

#[test]
fn ship_back_carries_every_drive_at_the_data_center_with_no_fixed_cap() {
    // Ten listed drives and eleven extras go back as 21 (the old fixed cap was 20).
    let ids: Vec<String> = (0..10).map(|i| format!("DRIVE-{i:02}")).collect();
    let mut new = with_shipping_info(import_job("ten-drives"));
    new.drives = ids.iter().map(|id| drive_spec(id)).collect();
    let mut run = Run::new(new);
    run.ok(mark_shipping());
    let extras: Vec<String> = (0..11).map(|i| format!("EXTRA-{i:02}")).collect();
    run.ok(operator(OperatorCommand::PackageIntake {
        found: ids.clone(),
        extra: extras,
    }));
    for id in &ids {
        run.ok(start(id));
        run.ok(finish(id));
    }
    assert_eq!(run.job.state, Packaging);
    let r = run.reject(ship_back(20));
    assert_rejection(&r, InvalidInput, Some("driveCount"));
    assert!(r.message.contains("must hold 21"), "{}", r.message);
    run.ok(ship_back(21));
    assert_eq!(run.job.state, Completed);
}

// --- late arrival ---------------------------------------------------------------------------------------

#[test]
fn late_drive_arrival_is_accepted_while_received_or_transferring() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    let mut received = run.clone();
    received.ok(arrived(DRIVE_B));
    assert_eq!(received.drive_state(DRIVE_B), DriveState::Received);

    run.ok(start(DRIVE_A));
    assert_eq!(run.job.state, Transferring);
    run.ok(arrived(DRIVE_B));
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert_eq!(run.job.state, Transferring);
}

#[test]
fn late_drive_arrival_is_refused_for_a_drive_that_is_not_never_received() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    let r = run.reject(arrived(DRIVE_A));
    assert_rejection(&r, NotAllowedNow, Some("driveId"));
    let r = run.reject(arrived("UNKNOWN1"));
    assert_rejection(&r, NotFound, Some("driveId"));
}

#[test]
fn a_late_drive_in_packaging_sends_the_job_back_to_transferring_to_be_copied() {
    // Packaging: the last drive finished while B was still missing (drive table, row 1).
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    assert_eq!(run.job.state, Packaging);
    run.ok(arrived(DRIVE_B));
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert_eq!(run.job.state, Transferring);
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_B));
    assert_eq!(run.job.state, Packaging);
    run.ok(ship_back(2));
    // Both drives arrived in the end: no error.
    assert_eq!(run.job.state, Completed);
}

#[test]
fn a_late_drive_of_a_cancelled_packaging_job_is_only_returned() {
    let mut run = run_in(Shipping);
    run.ok(cancel());
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(package_job());
    assert_eq!(run.job.state, Packaging);
    run.ok(arrived(DRIVE_B));
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert_eq!(run.job.state, Packaging);
    assert_rejection(&run.reject(start(DRIVE_B)), NotAllowedNow, None);
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::ShippedBack);
}

#[test]
fn a_late_drive_while_faulted_is_recorded_and_received_on_resolution() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    assert_eq!(run.job.state, Packaging);
    run.ok(fault_job("Shelf inventory"));
    let events = run.ok(arrived(DRIVE_B));
    assert_eq!(kinds(&events), vec!["driveArrivalHeld"]);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::NeverReceived);
    assert_eq!(run.job.pending_arrivals, vec![DRIVE_B.to_string()]);
    let again = run.reject(arrived(DRIVE_B));
    assert!(
        again.message.contains("already recorded"),
        "{}",
        again.message
    );
    assert!(
        lifecycle::attention::customer_notices(&run.job, run.now, &run.settings)
            .iter()
            .any(|n| n.key == "faulted" && n.message.contains(DRIVE_B))
    );
    let events = run.ok(resolve_job(None));
    assert!(events[0].kind.describe().contains(DRIVE_B));
    assert_eq!(run.drive_state(DRIVE_B), DriveState::Received);
    assert!(run.job.pending_arrivals.is_empty());
    // Resolved to Packaging, it goes on to copy the drive that arrived.
    assert_eq!(run.job.state, Transferring);
}

#[test]
fn late_drive_arrival_is_refused_before_intake_and_after_ship_back() {
    // Shipping, after the overdue notice: the drive comes with the package intake instead.
    let mut run = run_in(Shipping);
    run.tick_at(run.job.shipping_since.unwrap() + days(14));
    assert_rejection(&run.reject(arrived(DRIVE_B)), NotAllowedNow, None);
    // Shipped back without B: a drive that turns up now is an unmatched intake linked to the job.
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    run.ok(ship_back(1));
    assert_eq!(run.job.state, Closed);
    let r = run.reject(arrived(DRIVE_B));
    assert!(r.message.contains("unmatched intake"), "{}", r.message);
    run.ok(note_unmatched("intake-late", &[DRIVE_B]));
}

// --- start copy -----------------------------------------------------------------------------------------

#[test]
fn start_copy_is_refused_for_a_drive_that_is_not_received() {
    let mut run = run_in(Transferring);
    assert_rejection(&run.reject(start(DRIVE_A)), NotAllowedNow, Some("driveId"));
    run.ok(finish(DRIVE_A));
    assert_rejection(&run.reject(start(DRIVE_A)), NotAllowedNow, Some("driveId"));
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    assert_rejection(&run.reject(start(DRIVE_B)), NotAllowedNow, Some("driveId"));
}

#[test]
fn start_copy_is_refused_for_an_unknown_drive() {
    let r = run_in(Received).reject(start("NOSUCHDRIVE"));
    assert_rejection(&r, NotFound, Some("driveId"));
    assert!(r.message.contains("NOSUCHDRIVE"), "{}", r.message);
}

#[test]
fn start_copy_is_refused_unless_the_job_is_received_or_transferring() {
    for state in [Creating, Shipping, Packaging, Completed, Closed, Faulted] {
        let r = run_in(state).reject(start(DRIVE_B));
        assert_rejection(&r, NotAllowedNow, None);
    }
}

// --- progress -------------------------------------------------------------------------------------------

#[test]
fn progress_is_recorded_and_the_job_percent_is_the_mean_of_its_drives() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(progress(DRIVE_A, 50, 5_000));
    let a = run.drive(DRIVE_A);
    assert_eq!(
        (
            a.percent_complete,
            a.bytes_succeeded,
            a.copy_status.as_deref()
        ),
        (50, 5_000, Some("InProgress"))
    );
    assert_eq!(
        run.job.percent_complete(),
        25,
        "the never received drive counts as 0%"
    );
    run.ok(progress(DRIVE_A, 50, 5_000));
    run.ok(progress(DRIVE_A, 100, 10_000));
    assert_eq!(run.job.percent_complete(), 50);
}

#[test]
fn progress_is_refused_when_the_percent_goes_back_or_exceeds_100() {
    let mut run = run_in(Transferring);
    run.ok(progress(DRIVE_A, 40, 4_000));
    let r = run.reject(progress(DRIVE_A, 39, 4_000));
    assert_rejection(&r, InvalidInput, Some("percent"));
    let r = run.reject(progress(DRIVE_A, 101, 4_000));
    assert_rejection(&r, InvalidInput, Some("percent"));
}

#[test]
fn progress_is_refused_when_the_bytes_go_back() {
    let mut run = run_in(Transferring);
    run.ok(progress(DRIVE_A, 40, 4_000));
    let r = run.reject(progress(DRIVE_A, 41, 3_999));
    assert_rejection(&r, InvalidInput, Some("bytesSucceeded"));
}

#[test]
fn progress_needs_a_copy_status() {
    let run = run_in(Transferring);
    let r = run.reject(operator(OperatorCommand::ReportProgress {
        drive_id: DRIVE_A.into(),
        percent: 10,
        bytes_succeeded: 10,
        copy_status: " ".into(),
    }));
    assert_rejection(&r, InvalidInput, Some("copyStatus"));
}

#[test]
fn progress_copy_status_is_one_of_a_fixed_list() {
    let mut run = run_in(Transferring);
    let report = |status: &str| {
        operator(OperatorCommand::ReportProgress {
            drive_id: DRIVE_A.into(),
            percent: 10,
            bytes_succeeded: 10,
            copy_status: status.into(),
        })
    };
    let r = run.reject(report("Almost done"));
    assert_rejection(&r, InvalidInput, Some("copyStatus"));
    assert!(
        r.message.contains("InProgress, Paused, Verifying"),
        "{}",
        r.message
    );
    // A final status comes from finishing the drive, not from a progress report.
    assert_rejection(
        &run.reject(report("Completed")),
        InvalidInput,
        Some("copyStatus"),
    );
    // The list's values are accepted, spelled as the list spells them.
    run.ok(report(" paused "));
    assert_eq!(
        run.job.drive(DRIVE_A).unwrap().copy_status.as_deref(),
        Some("Paused")
    );
}

#[test]
fn only_irreversible_operations_ask_for_a_confirmation() {
    use lifecycle::actions::JobOperation;
    use lifecycle::intake::IntakeOutcome;
    let confirmed: Vec<JobOperation> = JobOperation::ALL
        .into_iter()
        .filter(|o| o.needs_confirmation())
        .collect();
    assert_eq!(
        confirmed,
        vec![
            JobOperation::ShipBack,
            JobOperation::CancelJob,
            JobOperation::ReportReturnAddress
        ]
    );
    let intake: Vec<IntakeOutcome> = IntakeOutcome::ALL
        .into_iter()
        .filter(|o| o.needs_confirmation())
        .collect();
    assert_eq!(intake, vec![IntakeOutcome::Destroyed]);
}

#[test]
fn progress_is_refused_for_a_drive_that_is_not_copying() {
    let run = run_in(Transferring);
    assert_rejection(
        &run.reject(progress(DRIVE_B, 10, 10)),
        NotAllowedNow,
        Some("driveId"),
    );
    assert_rejection(
        &run.reject(progress("NOPE", 10, 10)),
        NotFound,
        Some("driveId"),
    );
}

// --- finish ---------------------------------------------------------------------------------------------

#[test]
fn finishing_with_more_info_needs_the_error_and_verbose_logs() {
    let run = run_in(Transferring);
    let more = |logs: DriveLogs| {
        operator(OperatorCommand::FinishDrive {
            drive_id: DRIVE_A.into(),
            outcome: DriveOutcome::MoreInfo {
                severity: Severity::Warning,
                logs,
            },
            incomplete_blob_list_uri: None,
        })
    };
    let r = run.reject(more(DriveLogs {
        error_log_uri: None,
        ..logs()
    }));
    assert_rejection(&r, InvalidInput, Some("errorLogUri"));
    let r = run.reject(more(DriveLogs {
        verbose_log_uri: Some(String::new()),
        ..logs()
    }));
    assert_rejection(&r, InvalidInput, Some("verboseLogUri"));
    let r = run.reject(more(DriveLogs {
        error_log_uri: Some("ftp://logs/x".into()),
        ..logs()
    }));
    assert_rejection(&r, InvalidInput, Some("errorLogUri"));
    let r = run.reject(more(DriveLogs {
        manifest_uri: Some("not a uri".into()),
        ..logs()
    }));
    assert_rejection(&r, InvalidInput, Some("manifestUri"));
}

#[test]
fn finishing_is_refused_for_a_drive_that_is_not_copying() {
    let mut run = run_in(Transferring);
    assert_rejection(&run.reject(finish(DRIVE_B)), NotAllowedNow, Some("driveId"));
    run.ok(finish(DRIVE_A));
    assert_rejection(&run.reject(finish(DRIVE_A)), NotAllowedNow, Some("driveId"));
    assert_rejection(&run.reject(finish("NOPE")), NotFound, Some("driveId"));
}

const LEFT_OVER: &str = "https://acct.blob.core.windows.net/waimportexport/not-exported.xml";

fn finish_with_list(id: &str, severity: Option<Severity>, uri: &str) -> Command {
    operator(OperatorCommand::FinishDrive {
        drive_id: id.into(),
        outcome: match severity {
            Some(severity) => DriveOutcome::MoreInfo {
                severity,
                logs: logs(),
            },
            None => DriveOutcome::Completed {
                logs: DriveLogs::default(),
            },
        },
        incomplete_blob_list_uri: Some(uri.into()),
    })
}

#[test]
fn an_export_drive_finished_with_more_info_may_report_the_blobs_not_exported() {
    let mut run = export_run_in(Transferring);
    run.ok(start(EXPORT_B));
    assert_eq!(run.job.incomplete_blob_list_uri, None);
    run.ok(finish_with_list(
        EXPORT_A,
        Some(Severity::Warning),
        &format!("  {LEFT_OVER} "),
    ));
    assert_eq!(run.job.incomplete_blob_list_uri.as_deref(), Some(LEFT_OVER));
    match run.last() {
        EventKind::DriveFinished {
            incomplete_blob_list_uri,
            ..
        } => assert_eq!(incomplete_blob_list_uri.as_deref(), Some(LEFT_OVER)),
        other => panic!("expected DriveFinished, got {other:?}"),
    }
    assert!(run.last().describe().contains("not exported"));
    // The other drive finishing cleanly does not bring the unexported blobs back.
    run.ok(finish(EXPORT_B));
    assert_eq!(run.job.state, Packaging);
    run.ok(ship_back(2));
    assert_eq!(run.job.incomplete_blob_list_uri.as_deref(), Some(LEFT_OVER));
}

#[test]
fn an_export_drive_finished_without_a_list_leaves_the_job_without_one() {
    let mut run = export_run_in(Transferring);
    run.ok(start(EXPORT_B));
    // Empty means "none", as a form sends it.
    run.ok(finish_with_list(EXPORT_A, Some(Severity::Info), "  "));
    run.ok(finish(EXPORT_B));
    assert_eq!(run.job.state, Packaging);
    assert_eq!(run.job.incomplete_blob_list_uri, None);
}

#[test]
fn an_incomplete_blob_list_is_refused_for_imports_clean_completions_and_bad_uris() {
    let run = run_in(Transferring);
    let r = run.reject(finish_with_list(
        DRIVE_A,
        Some(Severity::Warning),
        LEFT_OVER,
    ));
    assert_rejection(&r, InvalidInput, Some("incompleteBlobListUri"));
    assert!(r.message.contains("export"), "{}", r.message);

    let run = export_run_in(Transferring);
    let r = run.reject(finish_with_list(EXPORT_A, None, LEFT_OVER));
    assert_rejection(&r, InvalidInput, Some("incompleteBlobListUri"));
    assert!(r.message.contains("more info"), "{}", r.message);
    for bad in [
        "not-exported.xml",
        "ftp://acct/x.xml",
        "https://acct/a b.xml",
    ] {
        let r = run.reject(finish_with_list(EXPORT_A, Some(Severity::Warning), bad));
        assert_rejection(&r, InvalidInput, Some("incompleteBlobListUri"));
        assert!(
            r.message.starts_with("Incomplete blob list URI"),
            "{}",
            r.message
        );
    }
}

#[test]
fn histories_and_snapshots_written_before_the_incomplete_blob_list_still_read() {
    let old_event =
        r#"{"type":"driveFinished","drive_id":"EXP-0001","outcome":{"Completed":{"logs":{}}}}"#;
    let kind: EventKind = serde_json::from_str(old_event).unwrap();
    assert!(matches!(
        kind,
        EventKind::DriveFinished {
            incomplete_blob_list_uri: None,
            ..
        }
    ));
    // A snapshot without the field is written without it, and reads back as "none".
    let job = export_run_in(Packaging).job;
    let json = serde_json::to_value(&job).unwrap();
    assert!(json.get("incompleteBlobListUri").is_none(), "{json}");
    let back: Job = serde_json::from_value(json).unwrap();
    assert_eq!(back, job);
}

#[test]
fn the_job_packages_itself_when_no_drive_is_left_received_or_transferring() {
    // A never received drive does not hold the job back.
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    let events = run.ok(finish(DRIVE_A));
    assert_eq!(
        events[1].kind,
        EventKind::PackagingStarted { automatic: true }
    );
    assert_eq!(run.job.state, Packaging);
    // A drive still waiting for its copy does.
    let mut run = run_in(Transferring);
    let events = run.ok(finish(DRIVE_A));
    assert_eq!(events.len(), 1);
    assert_eq!(run.job.state, Transferring);
}

// --- package job ----------------------------------------------------------------------------------------

#[test]
fn package_job_is_accepted_when_every_drive_is_never_received() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[], &["STRAY-1"]));
    run.ok(package_job());
    assert_eq!(run.job.state, Packaging);
    run.ok(ship_back(1));
    assert_eq!(run.job.state, Closed);
    assert!(run.job.extra_drives[0].returned);
}

#[test]
fn package_job_is_refused_while_a_drive_is_copying_or_waiting() {
    let mut run = run_in(Transferring);
    assert_rejection(&run.reject(package_job()), NotAllowedNow, None);
    run.ok(cancel());
    assert_rejection(&run.reject(package_job()), NotAllowedNow, None); // A is still copying, even for a cancelled job.
    let r = run_in(Received).reject(package_job());
    assert_rejection(&r, NotAllowedNow, None);
}

#[test]
fn package_job_is_refused_outside_received_and_transferring() {
    for state in [Creating, Shipping, Packaging, Completed, Closed, Faulted] {
        let r = run_in(state).reject(package_job());
        assert_rejection(&r, NotAllowedNow, None);
    }
}

// --- ship back ------------------------------------------------------------------------------------------

#[test]
fn ship_back_is_refused_when_the_drive_count_does_not_match() {
    let run = run_in(Packaging);
    for count in [1, 3] {
        let r = run.reject(ship_back(count));
        assert_rejection(&r, InvalidInput, Some("driveCount"));
    }
}

#[test]
fn ship_back_is_refused_without_a_return_address() {
    let mut job = job_in(Packaging);
    job.return_address = None;
    let r = can_ship_back(&job).unwrap_err();
    assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
    let r = decide(
        Some(&job),
        &ship_back(2),
        t0() + days(30),
        &Settings::default(),
    )
    .unwrap_err();
    assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
}

#[test]
fn ship_back_is_refused_outside_packaging() {
    for state in [
        Creating,
        Shipping,
        Received,
        Transferring,
        Completed,
        Closed,
        Faulted,
    ] {
        let r = run_in(state).reject(ship_back(2));
        assert_rejection(&r, NotAllowedNow, None);
    }
}

#[test]
fn ship_back_is_refused_while_a_drive_is_faulted() {
    let mut run = run_in(Packaging);
    run.ok(fault_drive(DRIVE_A));
    assert_rejection(&run.reject(ship_back(2)), NotAllowedNow, None);
    run.ok(resolve_drive(DRIVE_A, None));
    run.ok(ship_back(2));
}

#[test]
fn ship_back_closes_the_job_when_a_drive_was_never_received() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    run.ok(start(DRIVE_A));
    run.ok(finish(DRIVE_A));
    let events = run.ok(ship_back(1));
    assert!(matches!(
        events[0].kind,
        EventKind::ShippedBack { closed: true, .. }
    ));
    assert_eq!(run.job.state, Closed);
    assert_eq!(run.drive_state(DRIVE_A), DriveState::ShippedBack);
    assert_eq!(run.drive_state(DRIVE_B), DriveState::NeverReceived);
}

#[test]
fn ship_back_closes_the_job_after_a_copy_error_but_not_after_a_warning_or_info() {
    for (severity, end) in [
        (Severity::Error, Closed),
        (Severity::Warning, Completed),
        (Severity::Info, Completed),
    ] {
        let mut run = run_in(Transferring);
        run.ok(start(DRIVE_B));
        run.ok(finish(DRIVE_A));
        run.ok(finish_more(DRIVE_B, severity));
        run.ok(ship_back(2));
        assert_eq!(run.job.state, end, "{severity:?}");
    }
}

#[test]
fn ship_back_closes_the_job_after_any_fault_during_the_job() {
    // A drive fault, resolved.
    let mut run = run_in(Transferring);
    run.ok(fault_drive(DRIVE_A));
    run.ok(resolve_drive(DRIVE_A, None));
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish(DRIVE_B));
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Closed);
    // A job fault, resolved.
    let mut run = run_in(Creating);
    run.ok(fault_job("Suspicious order"));
    run.ok(resolve_job(None));
    run.ok(mark_shipping());
    run.ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    run.ok(fault_job("Intake scanner down"));
    run.ok(resolve_job(None));
    run.ok(start(DRIVE_A));
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish(DRIVE_B));
    run.ok(ship_back(2));
    assert!(run.job.had_fault);
    assert_eq!(run.job.state, Closed);
}

// --- fault / resolve a job ------------------------------------------------------------------------------

#[test]
fn fault_job_is_accepted_in_every_non_terminal_state() {
    for state in [Creating, Shipping, Received, Transferring, Packaging] {
        let mut run = run_in(state);
        run.ok(fault_job("Needs attention"));
        assert_eq!(run.job.state, Faulted);
        assert_eq!(run.job.faulted_from, Some(state));
        // Only a fault after the package arrived is an error during processing (reference §8).
        assert_eq!(
            run.job.had_fault,
            matches!(state, Received | Transferring | Packaging),
            "{state}"
        );
    }
}

#[test]
fn a_fault_before_the_package_arrived_does_not_close_a_clean_job() {
    let mut run = run_in(Shipping);
    run.ok(fault_job("Customs paperwork"));
    run.ok(resolve_job(None));
    run.ok(intake(&[DRIVE_A, DRIVE_B], &[]));
    for d in [DRIVE_A, DRIVE_B] {
        run.ok(start(d));
        run.ok(finish(d));
    }
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Completed);
    // After arrival, the same fault closes it.
    let mut run = run_in(Received);
    run.ok(fault_job("Shelf mix-up"));
    run.ok(resolve_job(None));
    for d in [DRIVE_A, DRIVE_B] {
        run.ok(start(d));
        run.ok(finish(d));
    }
    run.ok(ship_back(2));
    assert_eq!(run.job.state, Closed);
}

#[test]
fn fault_job_is_refused_when_finished_already_faulted_or_without_a_reason() {
    for state in [Completed, Closed, Faulted] {
        let r = run_in(state).reject(fault_job("again"));
        assert_rejection(&r, NotAllowedNow, None);
    }
    let r = run_in(Received).reject(fault_job("  "));
    assert_rejection(&r, InvalidInput, Some("reason"));
}

#[test]
fn a_faulted_job_stops_data_center_work_and_customer_changes_until_resolved() {
    let mut run = run_in(Faulted);
    for command in [
        start(DRIVE_B),
        progress(DRIVE_A, 10, 10),
        finish(DRIVE_A),
        package_job(),
        fault_drive(DRIVE_A),
        correct_address(other_address()),
    ] {
        assert_rejection(&run.reject(command), NotAllowedNow, None);
    }
    run.reject(customer(CustomerCommand::SetReturnShipping(
        return_shipping(),
    )));
    run.ok(add_note("Waiting for the customer"));
    run.ok(resolve_job(None));
    run.ok(start(DRIVE_B));
}

#[test]
fn resolve_job_is_refused_for_a_job_that_is_not_faulted() {
    let r = run_in(Transferring).reject(resolve_job(None));
    assert_rejection(&r, NotAllowedNow, None);
}

#[test]
fn resolve_job_is_refused_for_a_target_the_graph_does_not_reach() {
    let run = run_in(Faulted);
    for to in [Creating, Shipping, Received, Completed, Closed, Faulted] {
        let r = run.reject(resolve_job(Some(to)));
        assert_rejection(&r, InvalidInput, Some("to"));
    }
    let r = run.reject(operator(OperatorCommand::ResolveJob {
        to: None,
        resolution: "".into(),
    }));
    assert_rejection(&r, InvalidInput, Some("resolution"));
}

#[test]
fn resolve_job_cannot_skip_marking_shipped_or_the_package_intake() {
    // Creating → Shipping is the customer's step: the job would have no shipping date.
    let mut run = run_in(Creating);
    run.ok(fault_job("Suspicious order"));
    assert_eq!(job_resolution_targets(&run.job), vec![Creating]);
    assert_rejection(
        &run.reject(resolve_job(Some(Shipping))),
        InvalidInput,
        Some("to"),
    );

    // Shipping → Received is the intake's step: there would be nothing to ship back.
    let mut run = run_in(Shipping);
    run.tick_at(run.job.shipping_since.unwrap() + days(14));
    run.ok(fault_job("Carrier lost the package"));
    assert!(!job_resolution_targets(&run.job).contains(&Received));
    assert_rejection(
        &run.reject(resolve_job(Some(Received))),
        InvalidInput,
        Some("to"),
    );
    // Closing an abandoned shipment is a valid resolution.
    run.ok(resolve_job(Some(Closed)));
    assert_eq!(run.job.state, Closed);

    let mut run = export_run_in(Shipping);
    run.ok(fault_job("Carrier lost the package"));
    assert!(!job_resolution_targets(&run.job).contains(&Received));
}

// --- fault / resolve a drive ----------------------------------------------------------------------------

#[test]
fn fault_drive_is_accepted_for_a_drive_at_the_data_center() {
    let mut run = run_in(Transferring);
    run.ok(fault_drive(DRIVE_A)); // Transferring
    run.ok(fault_drive(DRIVE_B)); // Received
    assert_eq!(run.drive(DRIVE_B).faulted_from, Some(DriveState::Received));
    let mut run = run_in(Packaging);
    run.ok(fault_drive(DRIVE_A)); // Completed
    let mut run = run_in(Transferring);
    run.ok(finish_more(DRIVE_A, Severity::Info));
    run.ok(fault_drive(DRIVE_A)); // CompletedMoreInfo
    assert_eq!(
        run.drive(DRIVE_A).faulted_from,
        Some(DriveState::CompletedMoreInfo)
    );
}

#[test]
fn fault_drive_is_refused_for_missing_unknown_faulted_or_unreasoned_drives() {
    let mut run = run_in(Shipping);
    run.ok(intake(&[DRIVE_A], &[]));
    assert_rejection(
        &run.reject(fault_drive(DRIVE_B)),
        NotAllowedNow,
        Some("driveId"),
    );
    assert_rejection(&run.reject(fault_drive("NOPE")), NotFound, Some("driveId"));
    let r = run.reject(operator(OperatorCommand::FaultDrive {
        drive_id: DRIVE_A.into(),
        reason: "".into(),
    }));
    assert_rejection(&r, InvalidInput, Some("reason"));
    run.ok(fault_drive(DRIVE_A));
    assert_rejection(
        &run.reject(fault_drive(DRIVE_A)),
        NotAllowedNow,
        Some("driveId"),
    );
    // Drives not at the data center yet, or already gone.
    for state in [Creating, Shipping, Completed, Closed] {
        assert_rejection(
            &run_in(state).reject(fault_drive(DRIVE_A)),
            NotAllowedNow,
            None,
        );
    }
}

#[test]
fn resolve_drive_may_move_a_drive_one_step_on() {
    let mut run = run_in(Transferring);
    run.ok(progress(DRIVE_A, 90, 900));
    run.ok(fault_drive(DRIVE_A));
    let targets = drive_resolution_targets(&run.job, run.drive(DRIVE_A));
    assert_eq!(
        targets,
        vec![DriveState::Transferring, DriveState::Completed]
    );
    run.ok(resolve_drive(DRIVE_A, Some(DriveState::Completed)));
    assert_eq!(run.drive_state(DRIVE_A), DriveState::Completed);
    assert_eq!(run.drive(DRIVE_A).percent_complete, 100);
}

#[test]
fn resolve_drive_is_refused_for_an_invalid_target_a_healthy_drive_or_an_unknown_drive() {
    let mut run = run_in(Transferring);
    run.ok(fault_drive(DRIVE_A));
    for to in [
        DriveState::CompletedMoreInfo,
        DriveState::ShippedBack,
        DriveState::Specified,
        DriveState::NeverReceived,
        DriveState::Received,
        DriveState::Faulted,
    ] {
        let r = run.reject(resolve_drive(DRIVE_A, Some(to)));
        assert_rejection(&r, InvalidInput, Some("to"));
    }
    assert_rejection(
        &run.reject(resolve_drive(DRIVE_B, None)),
        NotAllowedNow,
        Some("driveId"),
    );
    assert_rejection(
        &run.reject(resolve_drive("NOPE", None)),
        NotFound,
        Some("driveId"),
    );
    let r = run.reject(operator(OperatorCommand::ResolveDrive {
        drive_id: DRIVE_A.into(),
        to: None,
        resolution: " ".into(),
    }));
    assert_rejection(&r, InvalidInput, Some("resolution"));
}

#[test]
fn resolve_drive_cannot_start_a_copy_the_customer_cancelled() {
    let mut run = run_in(Transferring);
    run.ok(cancel());
    run.ok(fault_drive(DRIVE_B));
    assert_eq!(
        drive_resolution_targets(&run.job, run.drive(DRIVE_B)),
        vec![DriveState::Received]
    );
    assert_rejection(
        &run.reject(resolve_drive(DRIVE_B, Some(DriveState::Transferring))),
        InvalidInput,
        Some("to"),
    );
}

#[test]
fn resolving_the_last_drive_packages_the_job() {
    let mut run = run_in(Transferring);
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_B));
    run.ok(fault_drive(DRIVE_A));
    let events = run.ok(resolve_drive(DRIVE_A, Some(DriveState::Completed)));
    assert_eq!(kinds(&events), vec!["driveResolved", "packagingStarted"]);
    assert_eq!(run.job.state, Packaging);
}

// --- return address -------------------------------------------------------------------------------------

#[test]
fn correct_return_address_is_accepted_while_received_transferring_or_packaging() {
    for state in [Received, Transferring, Packaging] {
        let mut run = run_in(state);
        let events = run.ok(correct_address(other_address()));
        assert_eq!(
            events[0].kind,
            EventKind::ReturnAddressCorrected {
                address: other_address()
            }
        );
        assert_eq!(run.job.return_address, Some(other_address()));
        // The customer cannot change it any more.
        let r = run.reject(customer(
            CustomerCommand::SetReturnAddress(return_address()),
        ));
        assert_rejection(&r, NotAllowedNow, Some("returnAddress"));
        assert!(r.message.contains("Contact support"), "{}", r.message);
    }
}

#[test]
fn correct_return_address_is_refused_in_other_states_and_for_an_invalid_address() {
    for state in [Creating, Shipping, Completed, Closed, Faulted] {
        let r = run_in(state).reject(correct_address(other_address()));
        assert_rejection(&r, NotAllowedNow, None);
    }
    let r = run_in(Received).reject(correct_address(ReturnAddress {
        email: "nobody".into(),
        ..other_address()
    }));
    assert_rejection(&r, InvalidInput, Some("returnAddress.email"));
}

// --- shipping wait --------------------------------------------------------------------------------------

#[test]
fn extend_shipping_wait_is_refused_before_the_overdue_notice_and_outside_shipping() {
    let r = run_in(Shipping).reject(extend_wait(10));
    assert_rejection(&r, NotAllowedNow, None);
    for state in [Creating, Received, Closed] {
        assert_rejection(&run_in(state).reject(extend_wait(10)), NotAllowedNow, None);
    }
    let mut run = run_in(Shipping);
    run.tick_at(run.job.shipping_since.unwrap() + days(14));
    for days in [0, 366] {
        assert_rejection(&run.reject(extend_wait(days)), InvalidInput, Some("days"));
    }
    run.ok(extend_wait(365));
}

// --- unmatched intake and notes -------------------------------------------------------------------------

#[test]
fn note_unmatched_intake_is_refused_for_a_shipping_job_or_bad_input() {
    let r = run_in(Shipping).reject(note_unmatched("intake-1", &[DRIVE_A]));
    assert_rejection(&r, NotAllowedNow, None);
    let run = run_in(Creating);
    assert_rejection(
        &run.reject(note_unmatched("", &[DRIVE_A])),
        InvalidInput,
        Some("intakeId"),
    );
    assert_rejection(
        &run.reject(note_unmatched("intake-1", &["bad id"])),
        InvalidInput,
        Some("driveIds[0]"),
    );
}

#[test]
fn note_unmatched_intake_goes_on_the_timeline_of_a_job_not_shipping_nor_at_the_data_center() {
    for state in [Creating, Completed, Closed] {
        let mut run = run_in(state);
        run.ok(note_unmatched("intake-9", &["OTHER1"]));
        assert_eq!(run.job.state, state);
    }
    // A package for a job at the data center is a later shipment: a package intake.
    for state in [Received, Transferring, Packaging] {
        let r = run_in(state).reject(note_unmatched("intake-9", &["OTHER1"]));
        assert_rejection(&r, NotAllowedNow, None);
        assert!(r.message.contains("later shipment"), "{}", r.message);
    }
}

#[test]
fn note_unmatched_intake_is_accepted_for_a_faulted_job_which_is_not_shipping() {
    // Reference §8: "a package whose job is not Shipping"; a Faulted job is not, and its fault does not stop
    // the data center from recording what arrived.
    let mut run = run_in(Faulted);
    let before = run.job.clone();
    run.ok(note_unmatched("intake-10", &["OTHER2"]));
    assert_eq!(run.job.state, Faulted);
    assert_eq!(run.job.faulted_from, before.faulted_from);
    assert_eq!(run.job.drives, before.drives);
}

#[test]
fn the_record_unmatched_intake_query_agrees_with_decide_in_every_state() {
    use lifecycle::actions::record_unmatched_intake;
    for state in JobState::ALL {
        let run = run_in(state);
        let offered = record_unmatched_intake(&run.job);
        let decided = decide(
            Some(&run.job),
            &note_unmatched("intake-1", &["OTHER3"]),
            run.now,
            &run.settings,
        );
        assert_eq!(offered.allowed, decided.is_ok(), "{state}");
        assert_eq!(
            offered.allowed,
            !lifecycle::decide::INTAKE_STATES.contains(&state),
            "{state}"
        );
        assert_eq!(
            offered.reason,
            decided.err().map(|r| r.message),
            "{state}: the same reason"
        );
    }
    let mut deleted = run_in(Creating);
    deleted.ok(delete());
    let offered = record_unmatched_intake(&deleted.job);
    assert!(!offered.allowed);
    assert!(offered.reason.unwrap().contains("deleted"));
}

#[test]
fn add_note_is_accepted_in_every_state_and_changes_nothing_but_the_timeline() {
    for state in JobState::ALL {
        let mut run = run_in(state);
        let before = run.job.clone();
        let events = run.ok(add_note("  Called the customer  "));
        assert_eq!(
            events[0].kind,
            EventKind::NoteAdded {
                text: "Called the customer".into()
            }
        );
        assert_eq!(run.job.state, before.state);
        assert_eq!(run.job.drives, before.drives);
        assert_rejection(&run.reject(add_note(" ")), InvalidInput, Some("text"));
    }
}

// =========================================================================================================
// UI queries
// =========================================================================================================

fn reason(job: &Job, action: CustomerAction) -> Option<String> {
    customer_action(job, action, &Settings::default()).reason
}

#[test]
fn customer_actions_explain_what_is_missing_to_mark_shipped() {
    let run = Run::new(import_job("bare-job"));
    assert_eq!(
        reason(&run.job, CustomerAction::MarkShipping).as_deref(),
        Some("Mark as shipped needs a delivery package tracking number, a return address and return shipping (carrier and carrier account number)")
    );
    let mut with_package = import_job("with-package");
    with_package.delivery_package = Some(delivery_package());
    let run = Run::new(with_package);
    assert_eq!(
        reason(&run.job, CustomerAction::MarkShipping).as_deref(),
        Some("Mark as shipped needs a return address and return shipping (carrier and carrier account number)")
    );
    let run = run_in(Creating);
    let actions = customer_actions(&run.job, &run.settings);
    assert_eq!(actions.len(), CustomerAction::ALL.len());
    // Everything but reporting a problem with returned drives, which have not been sent yet.
    assert!(actions
        .iter()
        .all(|a| (a.action == CustomerAction::ReportReturnProblem) != a.allowed));
}

#[test]
fn customer_actions_explain_why_an_action_is_closed() {
    let shipping = job_in(Shipping);
    assert!(reason(&shipping, CustomerAction::MarkShipping)
        .unwrap()
        .contains("already marked as shipped"));
    assert!(reason(&shipping, CustomerAction::EditDriveList)
        .unwrap()
        .contains("only while the job is Creating"));
    let packaging = job_in(Packaging);
    assert!(reason(&packaging, CustomerAction::Cancel)
        .unwrap()
        .contains("before the job reaches Packaging"));
    assert!(reason(&packaging, CustomerAction::EditReturnShipping)
        .unwrap()
        .contains("the job is Packaging"));
    assert!(
        reason(&job_in(Transferring), CustomerAction::EditReturnAddress)
            .unwrap()
            .contains("Contact support")
    );
    assert!(reason(&packaging, CustomerAction::Delete)
        .unwrap()
        .contains("only while Creating or Completed"));
    let export = Run::new(export_job("export-job")).job;
    assert!(reason(&export, CustomerAction::EditDriveList)
        .unwrap()
        .contains("export job lists no drives"));
}

/// Jobs in many situations, for the queries to be compared with `decide`.
fn sample_runs() -> Vec<Run> {
    let mut runs = Vec::new();
    for state in JobState::ALL {
        runs.push(run_in(state));
        runs.push(export_run_in(state));
    }
    for window in CancellationWindow::ALL {
        for state in [Shipping, Received] {
            runs.push(run_in_with(state, with_window(window)));
        }
    }
    runs.push(Run::new(import_job("bare-job")));
    let mut r = run_in(Shipping);
    r.ok(cancel());
    runs.push(r.clone());
    r.ok(intake(&[DRIVE_A], &["STRAY-1"]));
    runs.push(r.clone());
    let mut r = run_in(Shipping);
    r.ok(intake(&[DRIVE_A], &[]));
    runs.push(r.clone());
    r.ok(start(DRIVE_A));
    runs.push(r.clone());
    r.ok(progress(DRIVE_A, 30, 300));
    runs.push(r.clone());
    let mut r = run_in(Shipping);
    r.tick_at(r.job.shipping_since.unwrap() + days(14));
    runs.push(r.clone());
    r.ok(fault_job("Lost"));
    runs.push(r.clone());
    let mut r = run_in(Transferring);
    r.ok(fault_drive(DRIVE_A));
    runs.push(r.clone());
    r.ok(fault_job("Station down")); // a faulted drive in a faulted job
    runs.push(r.clone());
    let mut r = run_in(Transferring);
    r.ok(cancel());
    r.ok(fault_drive(DRIVE_B));
    runs.push(r.clone());
    let mut r = run_in(Packaging);
    r.ok(fault_drive(DRIVE_B));
    runs.push(r.clone());
    for state in [Creating, Completed] {
        let mut r = run_in(state);
        r.ok(delete());
        runs.push(r);
    }
    runs
}

#[test]
fn customer_and_operator_queries_allow_exactly_what_decide_accepts() {
    let mut allowed = 0;
    for run in sample_runs() {
        allowed += assert_queries_agree_with_decide(&run.job, &run.settings, run.now);
    }
    assert!(
        allowed > 50,
        "the sample exercises allowed operations too ({allowed})"
    );
}

#[test]
fn operator_queries_list_the_expected_operations_for_a_transferring_job() {
    let job = job_in(Transferring);
    let allowed: Vec<JobOperation> = job_operations(&job, &Settings::default())
        .into_iter()
        .filter(|a| a.allowed)
        .map(|a| a.action)
        .collect();
    assert_eq!(
        allowed,
        vec![
            // A later shipment can still arrive.
            JobOperation::PackageIntake,
            JobOperation::FaultJob,
            JobOperation::CorrectReturnAddress,
            JobOperation::CancelJob,
            JobOperation::ReportReturnAddress,
        ]
    );
    let ops = |id: &str| -> Vec<DriveOperation> {
        drive_operations(&job, job.drive(id).unwrap())
            .into_iter()
            .filter(|a| a.allowed)
            .map(|a| a.action)
            .collect()
    };
    assert_eq!(
        ops(DRIVE_A),
        vec![
            DriveOperation::ReportProgress,
            DriveOperation::Finish,
            DriveOperation::Fault
        ]
    );
    assert_eq!(
        ops(DRIVE_B),
        vec![DriveOperation::StartCopy, DriveOperation::Fault]
    );
}

// =========================================================================================================
// Graphs
// =========================================================================================================

#[test]
fn every_edge_of_the_graphs_is_taken_with_its_trigger() {
    // The harness checks every state change of these runs against the graphs (an edge with the trigger that
    // made it); here, every edge of the graphs, each way of making it included, is taken at least once, so
    // the graphs hold nothing the rules cannot do.
    let mut runs = sample_runs();
    let mut r = run_in(Shipping);
    r.tick_at(r.job.shipping_since.unwrap() + days(44));
    runs.push(r);
    let mut r = run_in(Creating);
    r.ok(cancel());
    runs.push(r);
    let mut r = run_in(Received);
    r.ok(cancel());
    r.ok(package_job());
    r.ok(ship_back(2));
    runs.push(r);
    let mut r = run_in(Shipping);
    r.ok(intake(&[DRIVE_A], &[]));
    r.ok(arrived(DRIVE_B));
    runs.push(r);
    // Nothing arrived: an uncancelled job is packaged from Received, by the data center.
    let mut r = run_in(Shipping);
    r.ok(intake(&[], &["STRAY-1"]));
    r.ok(package_job());
    runs.push(r);
    // Cancelled while one drive copies and one waits: the data center packages once the copy is done.
    let mut r = run_in(Transferring);
    r.ok(cancel());
    r.ok(finish(DRIVE_A));
    if r.job.state == Transferring {
        r.ok(package_job());
    }
    runs.push(r);
    let mut r = run_in(Transferring);
    r.ok(finish(DRIVE_A));
    r.ok(cancel());
    r.ok(package_job());
    runs.push(r);
    runs.push(run_in(Completed));
    runs.push(run_in(Closed));
    // Faults, and resolutions back to the state they left or one step on.
    for state in [Creating, Shipping, Received, Transferring, Packaging] {
        let mut r = run_in(state);
        r.ok(fault_job("Needs attention"));
        for to in job_resolution_targets(&r.job) {
            let mut resolved = r.clone();
            resolved.ok(resolve_job(Some(to)));
            runs.push(resolved);
        }
        runs.push(r);
    }
    // A shipment reported overdue and then faulted may be resolved to its end, Closed.
    let mut r = run_in(Shipping);
    r.tick_at(r.job.shipping_since.unwrap() + days(14));
    r.ok(fault_job("Lost"));
    r.ok(resolve_job(Some(Closed)));
    runs.push(r);
    let mut r = run_in(Transferring);
    r.ok(finish_more(DRIVE_A, Severity::Warning));
    r.ok(fault_drive(DRIVE_A));
    r.ok(fault_drive(DRIVE_B));
    for drive in [DRIVE_A, DRIVE_B] {
        for to in drive_resolution_targets(&r.job, r.drive(drive)) {
            let mut resolved = r.clone();
            resolved.ok(resolve_drive(drive, Some(to)));
            runs.push(resolved);
        }
    }
    runs.push(r);
    let mut r = run_in(Received);
    r.ok(fault_drive(DRIVE_A));
    r.ok(resolve_drive(DRIVE_A, Some(DriveState::Received)));
    r.ok(start(DRIVE_A));
    r.ok(finish(DRIVE_A));
    r.ok(fault_drive(DRIVE_A));
    r.ok(resolve_drive(DRIVE_A, None));
    runs.push(r);
    // Operations cancel a job before anything shipped.
    let mut r = run_in(Creating);
    r.ok(operator_cancel("The customer phoned to cancel"));
    runs.push(r);
    // A cancelled job whose package never arrives ends Completed at the abandonment deadline.
    let mut r = run_in(Shipping);
    r.ok(cancel());
    r.tick_at(r.job.shipping_since.unwrap() + days(44));
    assert_eq!(r.job.state, Completed);
    runs.push(r);
    // A late drive reopens a Packaging job.
    let mut r = run_in(Shipping);
    r.ok(intake(&[DRIVE_A], &[]));
    r.ok(start(DRIVE_A));
    r.ok(finish(DRIVE_A));
    r.ok(arrived(DRIVE_B));
    runs.push(r);
    // Drives destroyed after a wrong return address, from Transferring and from Packaging.
    for state in [Transferring, Packaging] {
        let mut r = run_in(state);
        r.ok(report_address("No such street"));
        r.later(days(90)).ok(Command::Tick);
        assert_eq!(r.job.state, Closed);
        runs.push(r);
    }
    let taken: std::collections::HashSet<Taken> =
        runs.iter().flat_map(|r| r.taken.iter().copied()).collect();
    for edge in job_graph().edges {
        assert!(
            taken.contains(&Taken::Job(edge.from, edge.to, edge.trigger)),
            "job edge {} -> {} ({}, by the {}) is never taken",
            edge.from,
            edge.to,
            edge.label,
            edge.trigger.as_str()
        );
    }
    for edge in drive_graph().edges {
        assert!(
            taken.contains(&Taken::Drive(edge.from, edge.to, edge.trigger)),
            "drive edge {} -> {} ({}, by the {}) is never taken",
            edge.from,
            edge.to,
            edge.label,
            edge.trigger.as_str()
        );
    }
}

#[test]
fn resolution_targets_are_the_remembered_state_or_one_graph_step_on() {
    for run in sample_runs() {
        if let Some(from) = run.job.faulted_from {
            let targets = job_resolution_targets(&run.job);
            assert_eq!(targets.first(), Some(&from));
            for t in &targets[1..] {
                assert!(job_graph().edge(from, *t).is_some(), "{from} -> {t}");
            }
        }
        for d in &run.job.drives {
            if let Some(from) = d.faulted_from {
                let targets = drive_resolution_targets(&run.job, d);
                for t in targets.iter().filter(|t| **t != from) {
                    assert!(drive_graph().edge(from, *t).is_some(), "{from} -> {t}");
                }
            }
        }
    }
}

#[test]
fn history_paths_list_every_state_change_of_the_job_and_each_drive() {
    let run = run_in(Transferring);
    let (job_steps, drive_steps) = lifecycle::history::paths(&run.events);
    let states: Vec<JobState> = job_steps.iter().map(|s| s.to).collect();
    assert_eq!(states, vec![Creating, Shipping, Received, Transferring]);
    assert_eq!(job_steps[0].from, None);
    assert_eq!(job_steps[1].from, Some(Creating));
    let first_drive = &run.job.drives[0].drive_id;
    let path: Vec<DriveState> = drive_steps
        .iter()
        .filter(|s| &s.drive_id == first_drive)
        .map(|s| s.to)
        .collect();
    assert_eq!(path.first(), Some(&DriveState::Specified));
    assert_eq!(path.last(), Some(&run.job.drives[0].state));
    for pair in path.windows(2) {
        assert_ne!(pair[0], pair[1], "only changes are steps");
    }
}

#[test]
fn a_storage_account_id_composed_from_its_parts_is_a_valid_arm_id() {
    use lifecycle::validate::{
        compose_storage_account_id, storage_account_id, storage_account_name,
    };
    let id = compose_storage_account_id(
        " 6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f",
        "rg-data ",
        " acct01",
    );
    assert_eq!(
        id,
        "/subscriptions/6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acct01"
    );
    assert!(storage_account_id(&id).is_ok());
    assert!(storage_account_name("acct01").is_ok());
    assert!(storage_account_name("").is_err());
    assert!(storage_account_name("Acct01").is_err());
    assert!(storage_account_name("ab").is_err());
    assert!(storage_account_id(&compose_storage_account_id("not-a-guid", "rg", "acct01")).is_err());
}
