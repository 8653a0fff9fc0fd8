//! The REST API's lenient reading of updates and creates (lifecycle.md §3, "API leniency"), checked both as
//! the commands it produces and as what `decide_all` then does with them.

#![allow(clippy::unwrap_used)]

mod support;

use lifecycle::api::{check_create_echoes, update_commands, update_target, UpdateRequest};
use lifecycle::*;
use support::*;

use JobState::{Creating, Packaging, Received, Shipping};

/// Interprets `request` on the run's job and decides the commands as one, all or nothing.
fn apply_update(run: &mut Run, request: &UpdateRequest) -> Result<Vec<Event>, Rejection> {
    let commands: Vec<Command> = update_commands(&run.job, request)?
        .into_iter()
        .map(Command::Customer)
        .collect();
    let events = decide_all(Some(&run.job), &commands, run.now, &run.settings)?;
    run.apply(&events, "api update");
    Ok(events)
}

fn state(s: &str) -> UpdateRequest {
    UpdateRequest {
        state: Some(s.into()),
        ..UpdateRequest::default()
    }
}

/// What the SDK's `UpdateJobParameters()` serialises when the caller sets nothing.
fn sdk_defaults() -> UpdateRequest {
    UpdateRequest {
        state: None,
        cancel_requested: Some(false),
        patch: JobPatch {
            backup_drive_manifest: Some(false),
            ..JobPatch::default()
        },
    }
}

/// The one command an update that changes nothing means while `Creating`: renew the expiry.
fn renewal() -> Vec<CustomerCommand> {
    vec![CustomerCommand::UpdateProperties(JobPatch::default())]
}

#[test]
fn the_sdk_defaults_of_a_patch_change_no_field_not_even_a_backup_flag_set_at_creation() {
    let mut new = import_job("backed-up");
    new.backup_drive_manifest = true;
    let mut run = Run::new(new);
    run.later(days(5));
    assert_eq!(
        update_commands(&run.job, &sdk_defaults()).unwrap(),
        renewal()
    );
    let events = apply_update(&mut run, &sdk_defaults()).unwrap();
    // "Any update" restarts the Creating expiry (reference §8), recorded once.
    assert_eq!(events.len(), 1);
    assert_eq!(run.job.expiry_base, run.now);
    assert!(run.job.backup_drive_manifest);
    assert!(!run.job.cancel_requested);
    assert_eq!(run.job.state, Creating);
    // Past Creating, the same PATCH is no change at all.
    let mut run = run_in(Shipping);
    assert_eq!(update_commands(&run.job, &sdk_defaults()).unwrap(), vec![]);
    assert!(apply_update(&mut run, &sdk_defaults()).unwrap().is_empty());
}

#[test]
fn a_patch_that_ships_or_cancels_renews_nothing_besides() {
    let mut run = run_in(Creating);
    let events = apply_update(&mut run, &state("Shipping")).unwrap();
    assert_eq!(events.len(), 1, "only markedShipping: {events:?}");
    let mut run = run_in(Creating);
    let cancel = UpdateRequest {
        cancel_requested: Some(true),
        ..UpdateRequest::default()
    };
    let events = apply_update(&mut run, &cancel).unwrap();
    assert_eq!(events.len(), 1, "only cancellationRequested: {events:?}");
}

#[test]
fn backup_drive_manifest_true_is_applied() {
    let mut run = Run::new(import_job("backup-on"));
    let request = UpdateRequest {
        patch: JobPatch {
            backup_drive_manifest: Some(true),
            ..JobPatch::default()
        },
        ..sdk_defaults()
    };
    apply_update(&mut run, &request).unwrap();
    assert!(run.job.backup_drive_manifest);
}

#[test]
fn empty_creating_and_current_states_mean_no_change() {
    // In Creating: no field changes, only the expiry's renewal.
    let creating = job_in(Creating);
    for s in ["", "  ", "Creating", "creating"] {
        assert_eq!(
            update_commands(&creating, &state(s)).unwrap(),
            renewal(),
            "{s:?}"
        );
    }
    // In Shipping: the current state and Creating (the SDK's create default) are both "no change".
    let shipping = job_in(Shipping);
    for s in ["", "Creating", "Shipping", "SHIPPING"] {
        assert_eq!(
            update_commands(&shipping, &state(s)).unwrap(),
            vec![],
            "{s:?}"
        );
    }
    // A job the data center moved on: echoing its state back is no change either.
    let received = job_in(Received);
    assert_eq!(
        update_commands(&received, &state("Received")).unwrap(),
        vec![]
    );
}

#[test]
fn shipping_marks_the_package_shipped() {
    let mut run = run_in(Creating);
    assert_eq!(
        update_commands(&run.job, &state("shipping")).unwrap(),
        vec![CustomerCommand::MarkShipping]
    );
    apply_update(&mut run, &state("Shipping")).unwrap();
    assert_eq!(run.job.state, Shipping);
}

#[test]
fn properties_sent_with_state_shipping_count_for_marking_it_shipped() {
    let mut run = Run::new(import_job("one-request"));
    let request = UpdateRequest {
        state: Some("Shipping".into()),
        cancel_requested: Some(false),
        patch: JobPatch {
            return_address: Some(return_address()),
            return_shipping: Some(return_shipping()),
            delivery_package: Some(delivery_package()),
            backup_drive_manifest: Some(false),
            ..JobPatch::default()
        },
    };
    let commands = update_commands(&run.job, &request).unwrap();
    assert_eq!(commands.len(), 2);
    assert!(
        matches!(commands[0], CustomerCommand::UpdateProperties(ref p) if p.backup_drive_manifest.is_none())
    );
    assert_eq!(commands[1], CustomerCommand::MarkShipping);
    apply_update(&mut run, &request).unwrap();
    assert_eq!(run.job.state, Shipping);
    assert_eq!(run.job.delivery_package, Some(delivery_package()));
}

#[test]
fn shipping_without_a_delivery_package_is_refused_and_changes_nothing() {
    let mut run = Run::new(import_job("not-ready"));
    let request = UpdateRequest {
        state: Some("Shipping".into()),
        patch: JobPatch {
            return_address: Some(return_address()),
            ..JobPatch::default()
        },
        ..UpdateRequest::default()
    };
    let before = run.job.clone();
    let r = apply_update(&mut run, &request).unwrap_err();
    assert_rejection(&r, RejectionKind::NotAllowedNow, Some("deliveryPackage"));
    assert_eq!(
        update_target(r.field.as_deref().unwrap()),
        "properties.deliveryPackage"
    );
    // All or nothing: the return address of the same request was not kept.
    assert_eq!(run.job, before);
}

#[test]
fn any_other_state_is_refused_naming_properties_state() {
    let creating = job_in(Creating);
    for s in ["Received", "Completed", "Deleted", "Cancelled"] {
        let r = update_commands(&creating, &state(s)).unwrap_err();
        assert_rejection(&r, RejectionKind::InvalidInput, Some("properties.state"));
        assert!(r.message.contains(s), "{}", r.message);
    }
    let shipping = job_in(Shipping);
    let r = update_commands(&shipping, &state("Transferring")).unwrap_err();
    assert_rejection(&r, RejectionKind::InvalidInput, Some("properties.state"));
}

#[test]
fn cancel_requested_true_requests_cancellation_under_the_window() {
    let mut run = run_in(Shipping);
    let request = UpdateRequest {
        cancel_requested: Some(true),
        ..sdk_defaults()
    };
    assert_eq!(
        update_commands(&run.job, &request).unwrap(),
        vec![CustomerCommand::RequestCancellation]
    );
    apply_update(&mut run, &request).unwrap();
    assert!(run.job.cancel_requested);
    assert_eq!(run.job.state, Shipping);
    // Asking again is refused: it was already requested.
    let r = apply_update(&mut run, &request).unwrap_err();
    assert_rejection(&r, RejectionKind::NotAllowedNow, Some("cancelRequested"));

    let mut packaging = run_in(Packaging);
    let r = apply_update(&mut packaging, &request).unwrap_err();
    assert_rejection(&r, RejectionKind::NotAllowedNow, Some("cancelRequested"));
    assert_eq!(
        update_target("cancelRequested"),
        "properties.cancelRequested"
    );
}

#[test]
fn cancel_requested_false_never_withdraws_a_request() {
    let mut run = run_in(Shipping);
    run.ok(cancel());
    let events = apply_update(&mut run, &sdk_defaults()).unwrap();
    assert!(events.is_empty());
    assert!(run.job.cancel_requested);
}

#[test]
fn create_ignores_the_sdk_echoes_and_refuses_other_states() {
    assert!(check_create_echoes(None, None, &[]).is_ok());
    assert!(check_create_echoes(
        Some("Creating"),
        Some(false),
        &[Some("Specified"), None, Some("")]
    )
    .is_ok());
    assert!(check_create_echoes(Some(""), None, &[Some("specified")]).is_ok());

    let r = check_create_echoes(
        Some("Shipping"),
        Some(true),
        &[Some("Specified"), Some("Received")],
    )
    .unwrap_err();
    assert_eq!(r.kind, RejectionKind::InvalidInput);
    let fields: Vec<&str> = r.details.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "properties.state",
            "properties.cancelRequested",
            "properties.driveList[1].state"
        ]
    );
    assert_eq!(r.field.as_deref(), Some("properties.state"));
}

#[test]
fn update_targets_nest_job_properties_under_properties() {
    assert_eq!(
        update_target("returnAddress.email"),
        "properties.returnAddress.email"
    );
    assert_eq!(
        update_target("driveList[1].bitLockerKey"),
        "properties.driveList[1].bitLockerKey"
    );
    assert_eq!(update_target("tags.a/b"), "tags.a/b");
    assert_eq!(update_target("tags"), "tags");
    assert_eq!(update_target("name"), "name");
    assert_eq!(update_target("properties.state"), "properties.state");
    assert_eq!(update_target(""), "");
}

#[test]
fn invalid_properties_of_a_patch_name_their_api_path() {
    let mut run = Run::new(import_job("bad-address"));
    let mut address = return_address();
    address.email = "not-an-email".into();
    let request = UpdateRequest {
        patch: JobPatch {
            return_address: Some(address),
            ..JobPatch::default()
        },
        ..sdk_defaults()
    };
    let r = apply_update(&mut run, &request).unwrap_err();
    assert_rejection(&r, RejectionKind::InvalidInput, Some("returnAddress.email"));
    assert_eq!(
        update_target(&r.details[0].field),
        "properties.returnAddress.email"
    );
}
