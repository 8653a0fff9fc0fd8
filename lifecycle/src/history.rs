//! What a job's history says about its path: every state change of the job and of each drive, with its time.
//! The diagrams draw these paths.

use crate::event::Event;
use crate::job::{Job, Timestamp};
use crate::state::{DriveState, JobState};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStep {
    pub from: Option<JobState>,
    pub to: JobState,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveStep {
    pub drive_id: String,
    pub from: Option<DriveState>,
    pub to: DriveState,
    pub at: Timestamp,
}

/// The job's and the drives' state changes, in order, from the job's whole history.
pub fn paths<'a>(events: impl IntoIterator<Item = &'a Event>) -> (Vec<JobStep>, Vec<DriveStep>) {
    let mut job: Option<Job> = None;
    let mut job_steps = Vec::new();
    let mut drive_steps = Vec::new();
    for event in events {
        let before = job.clone();
        match job.as_mut() {
            Some(j) => j.apply(event),
            None => job = crate::event::replay(std::iter::once(event)),
        }
        let Some(after) = &job else { continue };
        let was = before.as_ref().map(|b| b.state);
        if was != Some(after.state) {
            job_steps.push(JobStep {
                from: was,
                to: after.state,
                at: event.at,
            });
        }
        for drive in &after.drives {
            let previous = before
                .as_ref()
                .and_then(|b| b.drive(&drive.drive_id))
                .map(|d| d.state);
            if previous != Some(drive.state) {
                drive_steps.push(DriveStep {
                    drive_id: drive.drive_id.clone(),
                    from: previous,
                    to: drive.state,
                    at: event.at,
                });
            }
        }
    }
    (job_steps, drive_steps)
}
