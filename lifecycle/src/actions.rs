//! Queries the UI asks before drawing buttons and forms: what may be done now and, if not, why.
//! Every answer comes from the same guard `decide` uses, so a button is enabled exactly when the server would
//! accept the request.

use crate::decide::{
    can_cancel, can_correct_return_address, can_delete, can_edit, can_extend_shipping_wait,
    can_fault_drive, can_fault_job, can_mark_shipping, can_note_unmatched_intake,
    can_operator_cancel, can_package, can_receive_late, can_report_progress,
    can_report_return_address, can_report_return_problem, can_resolve_return_problem,
    can_ship_back, can_start_copy, can_take_intake, drive_resolution_targets,
    job_resolution_targets, require_not_faulted, EditableField,
};
use crate::job::{Drive, Job};
use crate::rejection::Rejection;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerAction {
    EditDeliveryPackage,
    EditReturnAddress,
    EditReturnShipping,
    EditDriveList,
    EditOptions,
    MarkShipping,
    Cancel,
    Delete,
    /// Report that the drives shipped back did not arrive or arrived damaged.
    ReportReturnProblem,
}

impl CustomerAction {
    pub const ALL: [CustomerAction; 9] = [
        CustomerAction::EditDeliveryPackage,
        CustomerAction::EditReturnAddress,
        CustomerAction::EditReturnShipping,
        CustomerAction::EditDriveList,
        CustomerAction::EditOptions,
        CustomerAction::MarkShipping,
        CustomerAction::Cancel,
        CustomerAction::Delete,
        CustomerAction::ReportReturnProblem,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CustomerAction::EditDeliveryPackage => "Edit delivery package",
            CustomerAction::EditReturnAddress => "Edit return address",
            CustomerAction::EditReturnShipping => "Edit return shipping",
            CustomerAction::EditDriveList => "Edit drives",
            CustomerAction::EditOptions => "Edit options",
            CustomerAction::MarkShipping => "Mark as shipped",
            CustomerAction::Cancel => "Cancel job",
            CustomerAction::Delete => "Delete job",
            CustomerAction::ReportReturnProblem => "Report a problem with the returned drives",
        }
    }
}

impl CustomerAction {
    /// What the action does and when it is possible, said before the customer tries it (the cancel and
    /// delete sections of the job page). `None` for actions that explain themselves.
    pub fn explanation(self, settings: &Settings) -> Option<String> {
        match self {
            CustomerAction::Cancel => Some(format!(
                "Cancelling is possible {}.",
                settings.cancellation_window.describe()
            )),
            CustomerAction::Delete => Some(format!(
                "Deleting removes the job from your lists and the API; possible only while it is {}.",
                crate::decide::deletable_states()
            )),
            _ => None,
        }
    }
}

/// Whether an action is possible now; `reason` says why not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability<A> {
    pub action: A,
    pub allowed: bool,
    pub reason: Option<String>,
}

impl<A> Availability<A> {
    fn from(action: A, result: Result<(), Rejection>) -> Availability<A> {
        Availability {
            action,
            allowed: result.is_ok(),
            reason: result.err().map(|r| r.message),
        }
    }
}

/// One customer action's availability.
pub fn customer_action(
    job: &Job,
    action: CustomerAction,
    settings: &Settings,
) -> Availability<CustomerAction> {
    let result = if job.is_deleted() {
        Err(Rejection::not_found("The job has been deleted"))
    } else {
        match action {
            CustomerAction::EditDeliveryPackage => can_edit(job, EditableField::DeliveryPackage),
            CustomerAction::EditReturnAddress => can_edit(job, EditableField::ReturnAddress),
            CustomerAction::EditReturnShipping => can_edit(job, EditableField::ReturnShipping),
            CustomerAction::EditDriveList => match job.job_type {
                crate::state::JobType::Export => Err(Rejection::not_allowed(
                    "An export job lists no drives: the data center records them at intake",
                )),
                crate::state::JobType::Import => can_edit(job, EditableField::DriveList),
            },
            CustomerAction::EditOptions => can_edit(job, EditableField::Options),
            CustomerAction::MarkShipping => can_mark_shipping(job),
            CustomerAction::Cancel => can_cancel(job, settings),
            CustomerAction::Delete => can_delete(job),
            CustomerAction::ReportReturnProblem => can_report_return_problem(job),
        }
    };
    Availability::from(action, result)
}

/// Every customer action's availability, in display order.
pub fn customer_actions(job: &Job, settings: &Settings) -> Vec<Availability<CustomerAction>> {
    CustomerAction::ALL
        .into_iter()
        .map(|a| customer_action(job, a, settings))
        .collect()
}

/// Data-center operations on the whole job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobOperation {
    PackageIntake,
    PackageJob,
    ShipBack,
    FaultJob,
    ResolveJob,
    CorrectReturnAddress,
    ExtendShippingWait,
    CancelJob,
    ReportReturnAddress,
    ResolveReturnProblem,
}

impl JobOperation {
    pub const ALL: [JobOperation; 10] = [
        JobOperation::PackageIntake,
        JobOperation::PackageJob,
        JobOperation::ShipBack,
        JobOperation::FaultJob,
        JobOperation::ResolveJob,
        JobOperation::CorrectReturnAddress,
        JobOperation::ExtendShippingWait,
        JobOperation::CancelJob,
        JobOperation::ReportReturnAddress,
        JobOperation::ResolveReturnProblem,
    ];

    /// The operations that cannot be undone — the drives leave, the job ends its copy, the customer is told their
    /// address is wrong with a destruction deadline — ask for an explicit confirmation (server-checked). Every
    /// other operation is one click: asking everywhere teaches people to confirm without reading.
    pub fn needs_confirmation(self) -> bool {
        matches!(
            self,
            JobOperation::ShipBack | JobOperation::CancelJob | JobOperation::ReportReturnAddress
        )
    }
}

/// The job is still there (not deleted) and not `Faulted`: data-center work may go on.
fn active(job: &Job) -> Result<(), Rejection> {
    exists(job)?;
    require_not_faulted(job)
}

fn exists(job: &Job) -> Result<(), Rejection> {
    if job.is_deleted() {
        Err(Rejection::not_found("The job has been deleted"))
    } else {
        Ok(())
    }
}

pub fn job_operations(job: &Job, settings: &Settings) -> Vec<Availability<JobOperation>> {
    JobOperation::ALL
        .into_iter()
        .map(|op| {
            let active = || active(job);
            let result = match op {
                JobOperation::PackageIntake => active().and_then(|_| can_take_intake(job)),
                JobOperation::PackageJob => active().and_then(|_| can_package(job)),
                JobOperation::ShipBack => active().and_then(|_| can_ship_back(job)),
                JobOperation::FaultJob => exists(job).and_then(|_| can_fault_job(job)),
                JobOperation::ResolveJob => exists(job).and_then(|_| {
                    if job_resolution_targets(job).is_empty() {
                        Err(Rejection::not_allowed("Only a Faulted job can be resolved"))
                    } else {
                        Ok(())
                    }
                }),
                JobOperation::CorrectReturnAddress => {
                    active().and_then(|_| can_correct_return_address(job))
                }
                JobOperation::ExtendShippingWait => {
                    active().and_then(|_| can_extend_shipping_wait(job))
                }
                JobOperation::CancelJob => {
                    active().and_then(|_| can_operator_cancel(job, settings))
                }
                JobOperation::ReportReturnAddress => {
                    active().and_then(|_| can_report_return_address(job))
                }
                JobOperation::ResolveReturnProblem => {
                    active().and_then(|_| can_resolve_return_problem(job))
                }
            };
            Availability::from(op, result)
        })
        .collect()
}

/// The operation whose form fixes why `op` is refused now, for the console to link the reason to it: ship-back
/// without a usable return address is fixed by correcting it; anything a `Faulted` job refuses is fixed by
/// resolving the fault first. `None` when `op` is available, or when no form of this job fixes it.
pub fn job_operation_fixed_by(
    job: &Job,
    settings: &Settings,
    op: JobOperation,
) -> Option<JobOperation> {
    let operations = job_operations(job, settings);
    let allowed = |o: JobOperation| operations.iter().any(|a| a.action == o && a.allowed);
    if allowed(op) {
        return None;
    }
    let fixer = match op {
        JobOperation::ResolveJob => return None,
        _ if job.state == crate::state::JobState::Faulted => JobOperation::ResolveJob,
        JobOperation::ShipBack
            if !crate::attention::has_valid_return_address(job)
                || job.return_address_report.is_some() =>
        {
            JobOperation::CorrectReturnAddress
        }
        _ => return None,
    };
    allowed(fixer).then_some(fixer)
}

/// Data-center operations on one drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DriveOperation {
    ReceiveLate,
    StartCopy,
    ReportProgress,
    Finish,
    Fault,
    Resolve,
}

impl DriveOperation {
    pub const ALL: [DriveOperation; 6] = [
        DriveOperation::ReceiveLate,
        DriveOperation::StartCopy,
        DriveOperation::ReportProgress,
        DriveOperation::Finish,
        DriveOperation::Fault,
        DriveOperation::Resolve,
    ];
}

pub fn drive_operations(job: &Job, drive: &Drive) -> Vec<Availability<DriveOperation>> {
    let id = drive.drive_id.as_str();
    DriveOperation::ALL
        .into_iter()
        .map(|op| {
            let active = || active(job);
            let result = match op {
                // A late drive is recorded even while the job is Faulted (received on resolution).
                DriveOperation::ReceiveLate => exists(job).and_then(|_| can_receive_late(job, id)),
                DriveOperation::StartCopy => active().and_then(|_| can_start_copy(job, id)),
                DriveOperation::ReportProgress | DriveOperation::Finish => {
                    active().and_then(|_| can_report_progress(job, id))
                }
                DriveOperation::Fault => active().and_then(|_| can_fault_drive(job, id)),
                // A faulted job is resolved first; only then its drives.
                DriveOperation::Resolve => active().and_then(|_| {
                    if drive_resolution_targets(job, drive).is_empty() {
                        Err(Rejection::not_allowed(format!("Drive {id} is not Faulted")))
                    } else {
                        Ok(())
                    }
                }),
            };
            Availability::from(op, result)
        })
        .collect()
}

/// Whether a package that arrived for this job can be recorded as an unmatched intake linked to it (the job's
/// page offers the form only then; otherwise `reason` says what to do instead).
pub fn record_unmatched_intake(job: &Job) -> Availability<()> {
    Availability::from((), exists(job).and_then(|_| can_note_unmatched_intake(job)))
}
