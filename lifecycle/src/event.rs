//! Events: the immutable facts a job's history is made of, and `apply`, which folds them into a snapshot.

use crate::command::DriveOutcome;
use crate::job::{
    DeletionReason, Drive, ExtraDrive, Job, JobPatch, NewJob, ReturnAddressReport, ReturnProblem,
    Timestamp,
};
use crate::shipping::{ReturnAddress, ReturnPackage};
use crate::state::{DriveState, JobState, JobType};
use serde::{Deserialize, Serialize};

/// One thing that happened to a job, at a business time `at` (for timer events: the deadline that fired).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: Timestamp,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EventKind {
    Created {
        job: Box<NewJob>,
    },
    Replaced {
        job: Box<NewJob>,
    },
    PropertiesUpdated {
        patch: JobPatch,
    },
    MarkedShipping,
    /// `completed`: the job was still `Creating` and ended at once. `reason`: an operator cancelled it, and why
    /// (a customer's own request has none).
    CancellationRequested {
        completed: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Deleted {
        reason: DeletionReason,
    },
    PackageReceived {
        found: Vec<String>,
        missing: Vec<String>,
        extra: Vec<String>,
    },
    /// A drive marked `NeverReceived` turned up: it is `Received` (a `Packaging` job that is not cancelled goes
    /// back to `Transferring` to copy it).
    DriveArrived {
        drive_id: String,
    },
    /// A drive marked `NeverReceived` turned up while the job was `Faulted`: recorded now, received when the
    /// job is resolved (`JobResolved::received`).
    DriveArrivalHeld {
        drive_id: String,
    },
    /// A second or later package for a job already at the data center: `found` drives (all `NeverReceived`)
    /// are `Received`, `extra` are recorded.
    LaterPackageReceived {
        found: Vec<String>,
        extra: Vec<String>,
    },
    CopyStarted {
        drive_id: String,
    },
    ProgressReported {
        drive_id: String,
        percent: u8,
        bytes_succeeded: u64,
        copy_status: String,
    },
    DriveFinished {
        drive_id: String,
        outcome: DriveOutcome,
        /// Export: the list of the blobs that were not exported, when some were not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incomplete_blob_list_uri: Option<String>,
    },
    PackagingStarted {
        automatic: bool,
    },
    ShippedBack {
        package: ReturnPackage,
        closed: bool,
    },
    JobFaulted {
        reason: String,
    },
    JobResolved {
        to: JobState,
        resolution: String,
        /// How far the deadline of the job's timer moves: timers do not run while a job is `Faulted`, and on
        /// resolution the job gets back the time it had left (at least a day).
        #[serde(default, skip_serializing_if = "is_zero")]
        timer_shift_seconds: i64,
        /// Drives that arrived while the job was `Faulted`, received now (as a late arrival would be).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        received: Vec<String>,
    },
    DriveFaulted {
        drive_id: String,
        reason: String,
    },
    DriveResolved {
        drive_id: String,
        to: DriveState,
        resolution: String,
    },
    ReturnAddressCorrected {
        address: ReturnAddress,
    },
    ShippingWaitExtended {
        days: u32,
        abandon_deadline: Timestamp,
    },
    UnmatchedIntakeNoted {
        intake_id: String,
        drive_ids: Vec<String>,
    },
    NoteAdded {
        text: String,
    },
    /// Timer: no drive arrived in time; listed drives become `NeverReceived`.
    ShippingOverdue {
        never_received: Vec<String>,
        abandon_deadline: Timestamp,
    },
    /// Timer: no answer after the overdue notice; the job is `Closed` (a cancelled job `Completed`).
    ShipmentAbandoned,
    /// Operators found the return address wrong or missing: ship-back waits for a corrected one until
    /// `destroy_deadline`.
    ReturnAddressReported {
        reason: String,
        destroy_deadline: Timestamp,
    },
    /// Timer: the return address was never corrected; the drives were securely destroyed and the job is
    /// `Closed`.
    DrivesDestroyed,
    /// The customer reports that the drives shipped back did not arrive or arrived damaged.
    ReturnProblemReported {
        description: String,
    },
    /// Staff dealt with the customer's report about the returned drives.
    ReturnProblemResolved {
        note: String,
    },
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl EventKind {
    /// Short name, stable across versions: stored in the event log's `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::Replaced { .. } => "replaced",
            EventKind::PropertiesUpdated { .. } => "propertiesUpdated",
            EventKind::MarkedShipping => "markedShipping",
            EventKind::CancellationRequested { .. } => "cancellationRequested",
            EventKind::Deleted { .. } => "deleted",
            EventKind::PackageReceived { .. } => "packageReceived",
            EventKind::DriveArrived { .. } => "driveArrived",
            EventKind::DriveArrivalHeld { .. } => "driveArrivalHeld",
            EventKind::LaterPackageReceived { .. } => "laterPackageReceived",
            EventKind::CopyStarted { .. } => "copyStarted",
            EventKind::ProgressReported { .. } => "progressReported",
            EventKind::DriveFinished { .. } => "driveFinished",
            EventKind::PackagingStarted { .. } => "packagingStarted",
            EventKind::ShippedBack { .. } => "shippedBack",
            EventKind::JobFaulted { .. } => "jobFaulted",
            EventKind::JobResolved { .. } => "jobResolved",
            EventKind::DriveFaulted { .. } => "driveFaulted",
            EventKind::DriveResolved { .. } => "driveResolved",
            EventKind::ReturnAddressCorrected { .. } => "returnAddressCorrected",
            EventKind::ShippingWaitExtended { .. } => "shippingWaitExtended",
            EventKind::UnmatchedIntakeNoted { .. } => "unmatchedIntakeNoted",
            EventKind::NoteAdded { .. } => "noteAdded",
            EventKind::ShippingOverdue { .. } => "shippingOverdue",
            EventKind::ShipmentAbandoned => "shipmentAbandoned",
            EventKind::ReturnAddressReported { .. } => "returnAddressReported",
            EventKind::DrivesDestroyed => "drivesDestroyed",
            EventKind::ReturnProblemReported { .. } => "returnProblemReported",
            EventKind::ReturnProblemResolved { .. } => "returnProblemResolved",
        }
    }

    /// Whether this event, applied to a job in `state_before`, restarts the `Creating` expiry: any accepted
    /// update while `Creating` does (reference §8), one event per request.
    pub fn renews_expiry(&self, state_before: Option<JobState>) -> bool {
        matches!(self, EventKind::PropertiesUpdated { .. })
            && state_before == Some(JobState::Creating)
    }

    /// The drive this event is about, for the timeline's job/drive filter.
    pub fn drive_id(&self) -> Option<&str> {
        match self {
            EventKind::DriveArrived { drive_id }
            | EventKind::DriveArrivalHeld { drive_id }
            | EventKind::CopyStarted { drive_id }
            | EventKind::ProgressReported { drive_id, .. }
            | EventKind::DriveFinished { drive_id, .. }
            | EventKind::DriveFaulted { drive_id, .. }
            | EventKind::DriveResolved { drive_id, .. } => Some(drive_id),
            _ => None,
        }
    }

    /// One line for the timeline and notifications.
    pub fn describe(&self) -> String {
        match self {
            EventKind::Created { job } => format!(
                "{} job created at {} with {} drive(s)",
                job.job_type,
                job.location.display_name,
                job.drives.len()
            ),
            EventKind::Replaced { job } => format!("Job replaced ({} drive(s))", job.drives.len()),
            EventKind::PropertiesUpdated { patch } => {
                let mut fields = Vec::new();
                if patch.return_address.is_some() {
                    fields.push("return address");
                }
                if patch.return_shipping.is_some() {
                    fields.push("return shipping");
                }
                if patch.delivery_package.is_some() {
                    fields.push("delivery package");
                }
                if patch.log_level.is_some() {
                    fields.push("log level");
                }
                if patch.backup_drive_manifest.is_some() {
                    fields.push("backup drive manifest");
                }
                if patch.drive_list.is_some() {
                    fields.push("drive list");
                }
                if patch.tags.is_some() {
                    fields.push("tags");
                }
                let mut line = if fields.is_empty() {
                    "Update received that changes no field".to_string()
                } else {
                    format!("Updated {}", fields.join(", "))
                };
                if let Some(p) = &patch.delivery_package {
                    line.push_str(&format!(" (tracking number {} via {})", p.tracking_number, p.carrier_name));
                }
                line
            }
            EventKind::MarkedShipping => "Package marked as shipped".into(),
            EventKind::CancellationRequested { completed, reason } => {
                let mut line = match (completed, reason) {
                    (true, None) => "Cancelled before shipping; the job is complete".to_string(),
                    (true, Some(_)) => {
                        "Cancelled by operations before shipping; the job is complete".to_string()
                    }
                    (false, None) => {
                        "Cancellation requested; drives will be returned without copying".to_string()
                    }
                    (false, Some(_)) => {
                        "Cancelled by operations; drives will be returned without copying".to_string()
                    }
                };
                if let Some(reason) = reason {
                    line.push_str(&format!(": {reason}"));
                }
                line
            }
            EventKind::Deleted { reason } => format!("Job {}", reason.describe()),
            EventKind::PackageReceived { found, missing, extra } => {
                let mut line = format!("Package received: {} drive(s) found", found.len());
                if !found.is_empty() {
                    line.push_str(&format!(" ({})", found.join(", ")));
                }
                if !missing.is_empty() {
                    line.push_str(&format!(", missing {}", missing.join(", ")));
                }
                if !extra.is_empty() {
                    line.push_str(&format!(", extra {}", extra.join(", ")));
                }
                line
            }
            EventKind::DriveArrived { drive_id } => format!("Drive {drive_id} arrived late"),
            EventKind::DriveArrivalHeld { drive_id } => format!(
                "Drive {drive_id} arrived late while the job is Faulted; it is received when the job is resolved"
            ),
            EventKind::LaterPackageReceived { found, extra } => {
                let mut line = format!("Later package received: {} drive(s) found", found.len());
                if !found.is_empty() {
                    line.push_str(&format!(" ({})", found.join(", ")));
                }
                if !extra.is_empty() {
                    line.push_str(&format!(", extra {}", extra.join(", ")));
                }
                line
            }
            EventKind::CopyStarted { drive_id } => format!("Drive {drive_id}: copy started"),
            EventKind::ProgressReported {
                drive_id,
                percent,
                bytes_succeeded,
                copy_status,
            } => format!("Drive {drive_id}: {percent}% ({bytes_succeeded} bytes), {copy_status}"),
            EventKind::DriveFinished {
                drive_id,
                outcome,
                incomplete_blob_list_uri,
            } => {
                let mut line = match outcome {
                    DriveOutcome::Completed { .. } => format!("Drive {drive_id}: copy completed"),
                    DriveOutcome::MoreInfo { severity, .. } => format!(
                        "Drive {drive_id}: copy completed with {}",
                        severity.as_str().to_lowercase()
                    ),
                };
                if incomplete_blob_list_uri.is_some() {
                    line.push_str("; some blobs were not exported (see the incomplete blob list)");
                }
                line
            }
            EventKind::PackagingStarted { automatic: true } => "All drives finished; packaging".into(),
            EventKind::PackagingStarted { automatic: false } => "Job moved to packaging".into(),
            EventKind::ShippedBack { package, closed } => format!(
                "Shipped back via {} ({}), {} drive(s); job {}",
                package.carrier_name,
                package.tracking_number,
                package.drive_count,
                if *closed { "closed with errors" } else { "completed" }
            ),
            EventKind::JobFaulted { reason } => format!("Job faulted: {reason}"),
            EventKind::JobResolved {
                to,
                resolution,
                timer_shift_seconds,
                received,
            } => {
                let mut line = format!("Job resolved to {to}: {resolution}");
                if !received.is_empty() {
                    line.push_str(&format!(
                        "; drive(s) {} that arrived meanwhile received",
                        received.join(", ")
                    ));
                }
                if *timer_shift_seconds > 0 {
                    line.push_str(&format!(
                        "; its deadline moves {} later (timers stop while Faulted)",
                        crate::settings::Span::seconds(*timer_shift_seconds)
                    ));
                }
                line
            }
            EventKind::DriveFaulted { drive_id, reason } => format!("Drive {drive_id} faulted: {reason}"),
            EventKind::DriveResolved {
                drive_id,
                to,
                resolution,
            } => format!("Drive {drive_id} resolved to {}: {resolution}", to.label()),
            EventKind::ReturnAddressCorrected { address } => {
                format!("Return address corrected ({}, {})", address.recipient_name, address.city)
            }
            EventKind::ShippingWaitExtended {
                days,
                abandon_deadline,
            } => format!(
                "Shipping wait extended by {days} day(s), until {}",
                crate::dates::date(*abandon_deadline)
            ),
            EventKind::UnmatchedIntakeNoted { intake_id, drive_ids } => format!(
                "A package for this job arrived while it was not Shipping (intake {intake_id}, {} drive(s))",
                drive_ids.len()
            ),
            EventKind::NoteAdded { text } => format!("Note: {text}"),
            EventKind::ShippingOverdue {
                never_received,
                abandon_deadline,
            } => format!(
                "Package overdue: nothing received; {} drive(s) marked never received; the job closes on {} unless the package arrives",
                never_received.len(),
                crate::dates::date(*abandon_deadline)
            ),
            EventKind::ShipmentAbandoned => {
                "Shipment abandoned: the package never arrived; the job ends".into()
            }
            EventKind::ReturnAddressReported {
                reason,
                destroy_deadline,
            } => format!(
                "Return address reported wrong: {reason}. Ship-back waits for a corrected address; the drives are destroyed on {} otherwise",
                crate::dates::date(*destroy_deadline)
            ),
            EventKind::DrivesDestroyed => {
                "The return address was never corrected: the drives were securely destroyed; the job is closed"
                    .into()
            }
            EventKind::ReturnProblemReported { description } => {
                format!("The customer reports a problem with the returned drives: {description}")
            }
            EventKind::ReturnProblemResolved { note } => {
                format!("Returned-drives problem resolved: {note}")
            }
        }
    }
}

impl Job {
    /// The job a `Created` event starts.
    pub fn created(new: &NewJob, at: Timestamp) -> Job {
        Job {
            name: new.name.clone(),
            job_type: new.job_type,
            location: new.location.clone(),
            storage_account_id: new.storage_account_id.clone(),
            state: JobState::Creating,
            faulted_from: None,
            fault_reason: None,
            cancel_requested: false,
            return_address: new.return_address.clone(),
            return_shipping: new.return_shipping.clone(),
            delivery_package: new.delivery_package.clone(),
            return_package: None,
            diagnostics_path: new.diagnostics_path.clone(),
            log_level: new.log_level,
            backup_drive_manifest: new.backup_drive_manifest,
            drives: new.drives.iter().map(|d| Drive::from_spec(d, at)).collect(),
            extra_drives: Vec::new(),
            export: new.export.clone(),
            tags: new.tags.clone(),
            encryption_key: new.encryption_key.clone(),
            incomplete_blob_list_uri: None,
            had_fault: false,
            pending_arrivals: Vec::new(),
            return_address_report: None,
            drives_destroyed_at: None,
            return_problem: None,
            created_at: at,
            updated_at: at,
            state_changed_at: at,
            expiry_base: at,
            shipping_since: None,
            overdue_notice_at: None,
            abandon_deadline: None,
            finished_at: None,
            deleted: None,
            version: 1,
        }
    }

    fn set_state(&mut self, state: JobState, at: Timestamp) {
        if self.state != state {
            self.state = state;
            self.state_changed_at = at;
        }
        if state.is_terminal() {
            self.finished_at = Some(at);
        }
    }

    fn with_drive(&mut self, drive_id: &str, at: Timestamp, change: impl FnOnce(&mut Drive)) {
        if let Some(drive) = self.drive_mut(drive_id) {
            let before = drive.state;
            change(drive);
            if drive.state != before {
                drive.state_changed_at = at;
            }
        }
    }

    /// A drive that never arrived turned up: it is `Received`, and copied.
    fn receive_late(&mut self, drive_id: &str, at: Timestamp) {
        self.pending_arrivals
            .retain(|id| !id.eq_ignore_ascii_case(drive_id));
        self.with_drive(drive_id, at, |d| d.state = DriveState::Received);
        self.reopen_for_copy(at);
    }

    /// A drive that arrived late is copied: a `Packaging` job that is not cancelled goes back to `Transferring`.
    fn reopen_for_copy(&mut self, at: Timestamp) {
        if self.state == JobState::Packaging && !self.cancel_requested {
            self.set_state(JobState::Transferring, at);
        }
    }

    /// Moves the deadline of the timer the job's (just resolved) state runs by `shift`.
    fn shift_timer(&mut self, shift: chrono::TimeDelta) {
        if shift.is_zero() {
            return;
        }
        match self.state {
            JobState::Creating => self.expiry_base += shift,
            JobState::Shipping => match self.abandon_deadline.as_mut() {
                Some(deadline) => *deadline += shift,
                None => {
                    if let Some(since) = self.shipping_since.as_mut() {
                        *since += shift;
                    }
                }
            },
            _ => {
                if let Some(report) = self.return_address_report.as_mut() {
                    report.destroy_deadline += shift;
                }
            }
        }
    }

    /// Folds one event into the snapshot. Total: an event that does not fit changes nothing but the version.
    pub fn apply(&mut self, event: &Event) {
        let at = event.at;
        match &event.kind {
            EventKind::Created { job } => {
                *self = Job::created(job, at);
                return;
            }
            EventKind::Replaced { job } => {
                let created_at = self.created_at;
                let version = self.version;
                *self = Job::created(job, at);
                self.created_at = created_at;
                self.version = version;
            }
            EventKind::PropertiesUpdated { patch } => {
                if let Some(v) = &patch.return_address {
                    self.return_address = Some(v.clone());
                    self.return_address_report = None;
                }
                if let Some(v) = &patch.return_shipping {
                    self.return_shipping = Some(v.clone());
                }
                if let Some(v) = &patch.delivery_package {
                    self.delivery_package = Some(v.clone());
                }
                if let Some(v) = patch.log_level {
                    self.log_level = v;
                }
                if let Some(v) = patch.backup_drive_manifest {
                    self.backup_drive_manifest = v;
                }
                if let Some(list) = &patch.drive_list {
                    self.drives = list.iter().map(|d| Drive::from_spec(d, at)).collect();
                }
                if let Some(tags) = &patch.tags {
                    self.tags = tags.clone();
                }
                if self.state == JobState::Creating {
                    self.expiry_base = at;
                }
            }
            EventKind::MarkedShipping => {
                self.set_state(JobState::Shipping, at);
                self.shipping_since = Some(at);
            }
            EventKind::CancellationRequested { completed, .. } => {
                self.cancel_requested = true;
                if *completed {
                    self.set_state(JobState::Completed, at);
                }
            }
            EventKind::Deleted { reason } => self.deleted = Some(*reason),
            EventKind::PackageReceived {
                found,
                missing,
                extra,
            } => {
                match self.job_type {
                    JobType::Import => {
                        for id in found {
                            self.with_drive(id, at, |d| d.state = DriveState::Received);
                        }
                        for id in missing {
                            self.with_drive(id, at, |d| d.state = DriveState::NeverReceived);
                        }
                    }
                    JobType::Export => {
                        self.drives = found
                            .iter()
                            .map(|id| Drive::arrived_for_export(id, at))
                            .collect();
                    }
                }
                self.extra_drives
                    .extend(extra.iter().map(|serial| ExtraDrive {
                        serial: serial.clone(),
                        received_at: at,
                        returned: false,
                    }));
                self.set_state(JobState::Received, at);
            }
            EventKind::DriveArrived { drive_id } => self.receive_late(drive_id, at),
            EventKind::DriveArrivalHeld { drive_id } => {
                self.pending_arrivals.push(drive_id.clone())
            }
            EventKind::LaterPackageReceived { found, extra } => {
                for id in found {
                    self.with_drive(id, at, |d| d.state = DriveState::Received);
                }
                self.extra_drives
                    .extend(extra.iter().map(|serial| ExtraDrive {
                        serial: serial.clone(),
                        received_at: at,
                        returned: false,
                    }));
                if !found.is_empty() {
                    self.reopen_for_copy(at);
                }
            }
            EventKind::CopyStarted { drive_id } => {
                self.with_drive(drive_id, at, |d| {
                    d.state = DriveState::Transferring;
                    d.copy_status = Some("InProgress".into());
                });
                if self.state == JobState::Received {
                    self.set_state(JobState::Transferring, at);
                }
            }
            EventKind::ProgressReported {
                drive_id,
                percent,
                bytes_succeeded,
                copy_status,
            } => self.with_drive(drive_id, at, |d| {
                d.percent_complete = *percent;
                d.bytes_succeeded = *bytes_succeeded;
                d.copy_status = Some(copy_status.clone());
            }),
            EventKind::DriveFinished {
                drive_id,
                outcome,
                incomplete_blob_list_uri,
            } => {
                // A later drive finishing without a list does not mean the earlier blobs were exported.
                if let Some(uri) = incomplete_blob_list_uri {
                    self.incomplete_blob_list_uri = Some(uri.clone());
                }
                self.with_drive(drive_id, at, |d| {
                    d.percent_complete = 100;
                    match outcome {
                        DriveOutcome::Completed { logs } => {
                            d.state = DriveState::Completed;
                            d.logs = logs.clone();
                            d.copy_status = Some("Completed".into());
                        }
                        DriveOutcome::MoreInfo { severity, logs } => {
                            d.state = DriveState::CompletedMoreInfo;
                            d.severity = Some(*severity);
                            d.logs = logs.clone();
                            d.copy_status = Some(format!("CompletedWith{}", severity.as_str()));
                        }
                    }
                })
            }
            EventKind::PackagingStarted { .. } => self.set_state(JobState::Packaging, at),
            EventKind::ShippedBack { package, closed } => {
                for drive in &mut self.drives {
                    if drive.state.is_at_data_center() {
                        drive.state = DriveState::ShippedBack;
                        drive.state_changed_at = at;
                    }
                }
                for extra in &mut self.extra_drives {
                    extra.returned = true;
                }
                self.return_package = Some(package.clone());
                self.set_state(
                    if *closed {
                        JobState::Closed
                    } else {
                        JobState::Completed
                    },
                    at,
                );
            }
            EventKind::JobFaulted { reason } => {
                // Only a fault after a package arrived is an error during processing.
                if self.package_arrived() {
                    self.had_fault = true;
                }
                if self.state != JobState::Faulted {
                    self.faulted_from = Some(self.state);
                }
                self.fault_reason = Some(reason.clone());
                self.set_state(JobState::Faulted, at);
            }
            EventKind::JobResolved {
                to,
                timer_shift_seconds,
                received,
                ..
            } => {
                self.faulted_from = None;
                self.fault_reason = None;
                self.set_state(*to, at);
                self.shift_timer(chrono::TimeDelta::seconds(*timer_shift_seconds));
                for drive_id in received {
                    self.receive_late(drive_id, at);
                }
            }
            EventKind::DriveFaulted { drive_id, reason } => {
                self.had_fault = true;
                self.with_drive(drive_id, at, |d| {
                    if d.state != DriveState::Faulted {
                        d.faulted_from = Some(d.state);
                    }
                    d.fault_reason = Some(reason.clone());
                    d.state = DriveState::Faulted;
                });
            }
            EventKind::DriveResolved { drive_id, to, .. } => self.with_drive(drive_id, at, |d| {
                d.state = *to;
                d.faulted_from = None;
                d.fault_reason = None;
                if to.is_finished() {
                    d.percent_complete = 100;
                }
            }),
            EventKind::ReturnAddressCorrected { address } => {
                self.return_address = Some(address.clone());
                self.return_address_report = None;
            }
            EventKind::ShippingWaitExtended {
                abandon_deadline, ..
            } => self.abandon_deadline = Some(*abandon_deadline),
            EventKind::UnmatchedIntakeNoted { .. } | EventKind::NoteAdded { .. } => {}
            EventKind::ShippingOverdue {
                never_received,
                abandon_deadline,
            } => {
                for id in never_received {
                    self.with_drive(id, at, |d| d.state = DriveState::NeverReceived);
                }
                self.overdue_notice_at = Some(at);
                self.abandon_deadline = Some(*abandon_deadline);
            }
            // Nothing was lost that a cancelled job's customer still wanted: it ends Completed.
            EventKind::ShipmentAbandoned => self.set_state(
                if self.cancel_requested {
                    JobState::Completed
                } else {
                    JobState::Closed
                },
                at,
            ),
            EventKind::ReturnAddressReported {
                reason,
                destroy_deadline,
            } => {
                self.return_address_report = Some(ReturnAddressReport {
                    reason: reason.clone(),
                    reported_at: at,
                    destroy_deadline: *destroy_deadline,
                })
            }
            EventKind::DrivesDestroyed => {
                self.drives_destroyed_at = Some(at);
                self.set_state(JobState::Closed, at);
            }
            EventKind::ReturnProblemReported { description } => {
                self.return_problem = Some(ReturnProblem {
                    description: description.clone(),
                    reported_at: at,
                })
            }
            EventKind::ReturnProblemResolved { .. } => self.return_problem = None,
        }
        self.updated_at = at;
        self.version += 1;
    }
}

/// Replays a job's whole history. `None` when the history does not start with `Created`.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Option<Job> {
    let mut events = events.into_iter();
    let first = events.next()?;
    let EventKind::Created { job } = &first.kind else {
        return None;
    };
    let mut snapshot = Job::created(job, first.at);
    for event in events {
        snapshot.apply(event);
    }
    Some(snapshot)
}
