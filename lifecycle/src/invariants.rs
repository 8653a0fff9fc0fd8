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
    let cancelled_while_creating =
        job.cancel_requested && job.shipping_since.is_none() && state == JobState::Completed;
    let allowed: &[DriveState] = match state {
        JobState::Creating => &[D::Specified],
        JobState::Shipping => &[D::Specified, D::NeverReceived],
        JobState::Received => &[D::Received, D::NeverReceived],
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
        JobState::Completed if cancelled_while_creating => &[D::Specified],
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
    if state == JobState::Transferring
        && !job.drives.iter().any(|d| {
            matches!(
                d.effective_state(),
                D::Transferring | D::Completed | D::CompletedMoreInfo
            )
        })
    {
        return Err("a Transferring job must have a drive whose copy started".into());
    }
    if matches!(state, JobState::Creating | JobState::Shipping) && !job.extra_drives.is_empty() {
        return Err(format!("a {state} job cannot hold extra drives"));
    }
    if state.is_terminal() && !cancelled_while_creating {
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
