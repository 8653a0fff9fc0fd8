//! What a valid job looks like: which drive states each job state admits, and the other facts that must hold.
//! The rules use `state_fits` to decide where a faulted job or drive may be resolved to; tests use
//! `violations` to check that no command sequence ever produces an invalid job.

use crate::job::Job;
use crate::state::{DriveState, JobState, JobType};
use crate::validate::MAX_DRIVES;
use std::collections::HashSet;

/// Whether the job's drives (counted by their effective state) fit the job being in `state`.
pub fn state_fits(job: &Job, state: JobState) -> Result<(), String> {
    use DriveState as D;
    let state = match state {
        JobState::Faulted => match job.faulted_from {
            Some(from) => from,
            None => return Err("a Faulted job must remember the state it left".into()),
        },
        other => other,
    };
    // A cancelled job that ended without its package arriving (cancelled while Creating, or abandoned).
    let cancelled_unshipped =
        job.cancel_requested && job.return_package.is_none() && state == JobState::Completed;
    let destroyed = job.drives_destroyed_at.is_some();
    let allowed: &[DriveState] = match state {
        JobState::Creating => &[D::Specified],
        JobState::Shipping => &[D::Specified, D::NeverReceived],
        JobState::Received => &[D::Received, D::NeverReceived],
        // Destroyed wherever they were at the data center.
        JobState::Closed if destroyed => &[
            D::Received,
            D::NeverReceived,
            D::Transferring,
            D::Completed,
            D::CompletedMoreInfo,
        ],
        JobState::Transferring => &[
            D::Received,
            D::NeverReceived,
            D::Transferring,
            D::Completed,
            D::CompletedMoreInfo,
        ],
        JobState::Packaging if job.cancel_requested => &[
            D::Received,
            D::NeverReceived,
            D::Completed,
            D::CompletedMoreInfo,
        ],
        JobState::Packaging => &[D::NeverReceived, D::Completed, D::CompletedMoreInfo],
        JobState::Completed if cancelled_unshipped => &[D::Specified, D::NeverReceived],
        // Drives never received are no error for a cancelled job: it ends Completed without them.
        JobState::Completed if job.cancel_requested => &[D::ShippedBack, D::NeverReceived],
        JobState::Completed => &[D::ShippedBack],
        JobState::Closed => &[D::ShippedBack, D::NeverReceived],
        JobState::Faulted => unreachable!("resolved above"),
    };
    if let Some(drive) = job
        .drives
        .iter()
        .find(|d| !allowed.contains(&d.effective_state()))
    {
        return Err(format!(
            "drive {} is {}, which a {} job cannot have",
            drive.drive_id,
            drive.effective_state(),
            state
        ));
    }
    if job.job_type == JobType::Export
        && matches!(state, JobState::Creating | JobState::Shipping)
        && !job.drives.is_empty()
    {
        return Err(format!("an export job has no drives while {state}"));
    }
    if matches!(
        state,
        JobState::Received | JobState::Transferring | JobState::Packaging
    ) && job.drives_to_return() == 0
    {
        return Err(format!(
            "a {state} job must hold a drive at the data center: its package was taken in"
        ));
    }
    // A late drive can send a job back to Transferring before any copy started: it waits to be copied.
    if state == JobState::Transferring
        && !job.drives.iter().any(|d| {
            matches!(
                d.effective_state(),
                D::Received | D::Transferring | D::Completed | D::CompletedMoreInfo
            )
        })
    {
        return Err("a Transferring job must have a drive copied or waiting to be copied".into());
    }
    if matches!(state, JobState::Creating | JobState::Shipping) && !job.extra_drives.is_empty() {
        return Err(format!("a {state} job cannot hold extra drives"));
    }
    if state == JobState::Closed
        && job.cancel_requested
        && job.return_package.is_none()
        && !destroyed
    {
        return Err(
            "a cancelled job whose package never arrived ends Completed, not Closed".into(),
        );
    }
    if state.is_terminal() && !cancelled_unshipped && !destroyed {
        if job.extra_drives.iter().any(|e| !e.returned) {
            return Err(format!(
                "a {state} job cannot keep extra drives at the data center"
            ));
        }
        let shipped_back = job.drives.iter().any(|d| d.state == D::ShippedBack);
        if (state == JobState::Completed || shipped_back) && job.return_package.is_none() {
            return Err(format!(
                "a {state} job with drives shipped back needs a return package"
            ));
        }
    }
    Ok(())
}

/// Every way the job breaks the model; empty for a valid job.
pub fn violations(job: &Job) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = state_fits(job, job.state) {
        out.push(e);
    }
    if (job.state == JobState::Faulted) != job.faulted_from.is_some() {
        out.push("faulted_from must be set exactly when the job is Faulted".into());
    }
    if job.faulted_from == Some(JobState::Faulted) {
        out.push("a job cannot fault from Faulted".into());
    }
    if job.drives.len() > MAX_DRIVES {
        out.push(format!(
            "{} drives exceed the limit of {MAX_DRIVES}",
            job.drives.len()
        ));
    }
    let mut ids = HashSet::new();
    for drive in &job.drives {
        if !ids.insert(drive.drive_id.to_ascii_uppercase()) {
            out.push(format!("drive {} appears twice", drive.drive_id));
        }
        if (drive.state == DriveState::Faulted) != drive.faulted_from.is_some() {
            out.push(format!(
                "drive {}: faulted_from must be set exactly when Faulted",
                drive.drive_id
            ));
        }
        if drive.percent_complete > 100 {
            out.push(format!("drive {}: percent above 100", drive.drive_id));
        }
        if drive.effective_state().is_finished() && drive.percent_complete != 100 {
            out.push(format!(
                "drive {}: finished but not at 100%",
                drive.drive_id
            ));
        }
        if drive.effective_state() == DriveState::CompletedMoreInfo && drive.severity.is_none() {
            out.push(format!(
                "drive {}: CompletedMoreInfo without a severity",
                drive.drive_id
            ));
        }
    }
    let effective = job.effective_state();
    if effective == JobState::Shipping && job.shipping_since.is_none() {
        out.push("a Shipping job must know when it started shipping".into());
    }
    if effective.is_terminal() != job.finished_at.is_some() {
        out.push("finished_at must be set exactly when the job is Completed or Closed".into());
    }
    if job.return_package.is_some() && !effective.is_terminal() {
        out.push("only a finished job has a return package".into());
    }
    let shipped = job.shipping_since.is_some();
    if shipped && (job.delivery_package.is_none() || job.return_address.is_none()) {
        out.push("a shipped job must have a delivery package and a return address".into());
    }
    if effective != JobState::Creating
        && !shipped
        && !(job.cancel_requested && effective == JobState::Completed)
    {
        out.push(format!("a {effective} job must have been shipped"));
    }
    if job.drives_destroyed_at.is_some() && job.state != JobState::Closed {
        out.push("only a Closed job has had its drives destroyed".into());
    }
    if job.return_address_report.is_some()
        && !matches!(effective, JobState::Transferring | JobState::Packaging)
        && job.drives_destroyed_at.is_none()
    {
        out.push(format!(
            "a return address is reported wrong only while the drives are at the data center, not {effective}"
        ));
    }
    if job.return_problem.is_some() && job.return_package.is_none() {
        out.push("a problem with returned drives needs drives shipped back".into());
    }
    if !job.pending_arrivals.is_empty() && job.state != JobState::Faulted {
        out.push("late drives wait for a resolution only while the job is Faulted".into());
    }
    for id in &job.pending_arrivals {
        if job
            .drive(id)
            .is_none_or(|d| d.effective_state() != DriveState::NeverReceived)
        {
            out.push(format!("late drive {id} must be a drive never received"));
        }
    }
    if job.abandon_deadline.is_some() && job.overdue_notice_at.is_none() {
        out.push("an abandonment deadline needs an overdue notice".into());
    }
    if job.incomplete_blob_list_uri.is_some()
        && (job.job_type != JobType::Export || !job.drives.iter().any(|d| d.severity.is_some()))
    {
        out.push(
            "only an export job with a drive finished with more info has an incomplete blob list"
                .into(),
        );
    }
    out
}
