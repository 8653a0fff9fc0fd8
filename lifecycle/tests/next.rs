//! "What happens next" (`lifecycle::next_steps`): which transitions count from each state, who triggers them,
//! and whether they could happen now; plus the wording the job page shows before cancel and delete.

#![allow(clippy::unwrap_used)]

mod support;

use lifecycle::graph::Trigger;
use lifecycle::*;
use support::*;

/// (target, trigger, allowed now) of each step.
fn steps(run: &Run) -> Vec<(JobState, Trigger, bool)> {
    next_steps(&run.job, &run.settings)
        .into_iter()
        .map(|s| (s.to, s.trigger, s.allowed_now))
        .collect()
}

#[test]
fn a_creating_job_can_be_shipped_or_cancelled_by_the_customer() {
    let run = run_in(JobState::Creating);
    assert_eq!(
        steps(&run),
        vec![
            (JobState::Shipping, Trigger::Customer, true),
            (JobState::Completed, Trigger::Customer, true),
        ]
    );
    let labels: Vec<String> = next_steps(&run.job, &run.settings)
        .into_iter()
        .map(|s| s.label)
        .collect();
    assert_eq!(labels, vec!["Mark as shipped", "Cancelled before shipping"]);
}

#[test]
fn marking_shipped_is_not_possible_yet_without_a_package_and_says_why() {
    let run = Run::new(import_job("bare"));
    let mark = next_steps(&run.job, &run.settings)
        .into_iter()
        .find(|s| s.to == JobState::Shipping)
        .unwrap();
    assert!(!mark.allowed_now);
    assert_eq!(
        mark.reason.as_deref(),
        Some("Mark as shipped needs a delivery package tracking number, a return address and return shipping (carrier and carrier account number)")
    );
}

#[test]
fn a_shipping_job_waits_for_intake_or_its_deadline_and_never_lists_a_fault() {
    let run = run_in(JobState::Shipping);
    assert_eq!(
        steps(&run),
        vec![
            (JobState::Received, Trigger::Operator, true),
            (JobState::Closed, Trigger::Timer, false),
        ]
    );
    let timer = &next_steps(&run.job, &run.settings)[1];
    assert!(timer.reason.as_deref().unwrap().contains("deadline"));
}

#[test]
fn a_cancelled_job_takes_the_cancel_path_instead_of_the_copy() {
    let mut run = run_in(JobState::Received);
    assert_eq!(
        steps(&run),
        vec![(JobState::Transferring, Trigger::Operator, true)]
    );
    run.ok(cancel());
    assert_eq!(
        steps(&run),
        vec![(JobState::Packaging, Trigger::Operator, true)]
    );
    // Where the graph has no cancel path, a cancelled job goes on normally.
    let mut shipping = run_in(JobState::Shipping);
    shipping.ok(cancel());
    assert_eq!(
        steps(&shipping)[0],
        (JobState::Received, Trigger::Operator, true)
    );
}

#[test]
fn packaging_happens_by_itself_and_says_what_it_waits_for() {
    let run = run_in(JobState::Transferring);
    let next = next_steps(&run.job, &run.settings);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].to, JobState::Packaging);
    assert_eq!(next[0].trigger, Trigger::Automatic);
    assert!(!next[0].allowed_now);
    assert!(
        next[0].reason.as_deref().unwrap().contains("still copying"),
        "{:?}",
        next[0].reason
    );
}

#[test]
fn shipping_back_lists_only_the_end_this_job_will_reach() {
    let run = run_in(JobState::Packaging);
    assert_eq!(
        steps(&run),
        vec![(JobState::Completed, Trigger::Operator, true)]
    );
    // A copy error makes shipping back end Closed.
    let mut run = run_in(JobState::Transferring);
    run.ok(start(DRIVE_B));
    run.ok(finish(DRIVE_A));
    run.ok(finish_more(DRIVE_B, Severity::Error));
    assert_eq!(run.job.state, JobState::Packaging);
    assert_eq!(
        steps(&run),
        vec![(JobState::Closed, Trigger::Operator, true)]
    );
}

#[test]
fn a_faulted_job_is_resolved_by_the_data_center_first_back_where_it_was() {
    let run = run_in(JobState::Faulted);
    let next = next_steps(&run.job, &run.settings);
    assert!(!next.is_empty());
    assert_eq!(next[0].to, JobState::Transferring);
    assert!(next
        .iter()
        .all(|s| s.trigger == Trigger::Operator && s.allowed_now));
    assert!(next.iter().all(|s| s.to != JobState::Faulted));
}

#[test]
fn finished_and_deleted_jobs_have_nothing_next() {
    for state in [JobState::Completed, JobState::Closed] {
        assert!(steps(&run_in(state)).is_empty(), "{state}");
    }
    let mut run = run_in(JobState::Creating);
    run.ok(delete());
    assert!(steps(&run).is_empty());
}

#[test]
fn the_cancel_and_delete_explanations_come_from_the_rules() {
    let settings = Settings::default();
    let delete = CustomerAction::Delete.explanation(&settings).unwrap();
    assert!(
        delete.ends_with("possible only while it is Creating or Completed."),
        "{delete}"
    );
    let cancel = CustomerAction::Cancel.explanation(&settings).unwrap();
    assert_eq!(
        cancel,
        format!(
            "Cancelling is possible {}.",
            settings.cancellation_window.describe()
        )
    );
    assert_eq!(CustomerAction::MarkShipping.explanation(&settings), None);
    // The refusal names the same states.
    let run = run_in(JobState::Shipping);
    let refusal = customer_action(&run.job, CustomerAction::Delete, &settings);
    assert!(refusal
        .reason
        .unwrap()
        .contains(&lifecycle::decide::deletable_states()));
}

#[test]
fn bitlocker_keys_are_offered_for_import_jobs_and_for_export_drives_that_arrived() {
    assert!(job_in(JobState::Creating).offers_bitlocker_keys());
    assert!(!export_run_in(JobState::Shipping)
        .job
        .offers_bitlocker_keys());
    assert!(export_run_in(JobState::Received)
        .job
        .offers_bitlocker_keys());
}

#[test]
fn only_a_customer_managed_key_has_a_url_to_show() {
    let mut key = EncryptionKey {
        kek_type: KekType::MicrosoftManaged,
        kek_url: Some("https://vault.example/keys/k".into()),
        kek_vault_resource_id: None,
    };
    assert_eq!(key.customer_key_url(), None);
    key.kek_type = KekType::CustomerManaged;
    assert_eq!(key.customer_key_url(), Some("https://vault.example/keys/k"));
    assert_eq!(key.kek_type.as_str(), "CustomerManaged");
}

#[test]
fn moving_to_packaging_by_hand_is_listed_only_when_the_operator_can_do_it() {
    // None of the listed drives arrived (only a stray one): nothing to copy, so the operator moves the job on
    // (the error path).
    let mut run = run_in(JobState::Shipping);
    run.ok(intake(&[], &["STRAY-1"]));
    assert_eq!(run.job.state, JobState::Received);
    let next = next_steps(&run.job, &run.settings);
    let by_hand: Vec<&NextStep> = next
        .iter()
        .filter(|s| s.to == JobState::Packaging)
        .collect();
    assert_eq!(by_hand.len(), 1, "{next:?}");
    assert_eq!(by_hand[0].label, "No drive arrived");
    assert!(by_hand[0].allowed_now);
    // A job whose drives arrived copies them first: no packaging step yet.
    let received = run_in(JobState::Received);
    assert!(next_steps(&received.job, &received.settings)
        .iter()
        .all(|s| s.to != JobState::Packaging));
}

#[test]
fn a_cancelled_shipping_job_shows_the_return_path_not_the_copy() {
    let mut run = run_in(JobState::Shipping);
    run.ok(cancel());
    let next = next_steps(&run.job, &run.settings);
    let arrival = next.iter().find(|s| s.to == JobState::Received).unwrap();
    assert!(
        arrival.label.contains("nothing is copied"),
        "{}",
        arrival.label
    );
    assert!(arrival.label.contains("returned"), "{}", arrival.label);
    // The timer's end is the cancelled one (Completed), not the abandonment (Closed).
    assert!(next.iter().any(|s| s.to == JobState::Completed));
    assert!(!next.iter().any(|s| s.to == JobState::Closed));
    // Not cancelled: the ordinary wording.
    let plain = run_in(JobState::Shipping);
    let arrival = next_steps(&plain.job, &plain.settings)
        .into_iter()
        .find(|s| s.to == JobState::Received)
        .unwrap();
    assert!(!arrival.label.contains("returned"));
}

#[test]
fn a_cancel_is_confirmed_with_what_happens_from_each_state() {
    use lifecycle::attention::customer_notices;
    use lifecycle::decide::cancelled_outlook;
    for (state, words) in [
        (JobState::Shipping, "returned uncopied"),
        (JobState::Received, "Nothing will be copied"),
        (JobState::Transferring, "a drive already copying may finish"),
    ] {
        let mut run = run_in(state);
        assert_eq!(cancelled_outlook(&run.job), None, "{state}: not cancelled");
        run.ok(cancel());
        let outlook = cancelled_outlook(&run.job).unwrap();
        assert!(outlook.contains(words), "{state}: {outlook}");
        let notices = customer_notices(&run.job, run.now, &run.settings);
        let notice = notices.iter().find(|n| n.key == "cancelled").unwrap();
        assert_eq!(notice.message, outlook);
        assert!(notice.title.contains("Cancellation requested"));
    }
    // Creating ends at once: the notice says it is over.
    let mut creating = run_in(JobState::Creating);
    creating.ok(cancel());
    assert_eq!(creating.job.state, JobState::Completed);
    let notices = customer_notices(&creating.job, creating.now, &creating.settings);
    let notice = notices.iter().find(|n| n.key == "cancelled").unwrap();
    assert!(notice.message.contains("Completed (cancelled)"));
    assert!(!lifecycle::attention::has_problem(
        &creating.job,
        &creating.settings
    ));
}
