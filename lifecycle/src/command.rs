//! Typed commands of the three kinds of actor: customers, data-center operators and the timer.

use crate::job::{DriveLogs, JobPatch, NewJob};
use crate::shipping::{DeliveryPackage, ReturnAddress, ReturnPackage, ReturnShipping};
use crate::state::{DriveState, JobState, Severity};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Customer(CustomerCommand),
    Operator(OperatorCommand),
    /// Fire every timer rule whose deadline is at or before the `now` given to `decide`.
    Tick,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerCommand {
    /// Create a job, or replace it while it is still `Creating`.
    Create(Box<NewJob>),
    UpdateProperties(JobPatch),
    SetDeliveryPackage(DeliveryPackage),
    SetReturnAddress(ReturnAddress),
    SetReturnShipping(ReturnShipping),
    /// Report the package as shipped (`state=Shipping`).
    MarkShipping,
    RequestCancellation,
    Delete,
    /// The drives shipped back did not arrive, or arrived damaged (a portal action; ARM has no such operation).
    ReportReturnProblem {
        description: String,
    },
}

/// How a drive's copy ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DriveOutcome {
    /// All data copied with no errors.
    Completed { logs: DriveLogs },
    /// Finished with errors, warnings or information (`CompletedMoreInfo`); error and verbose logs required.
    MoreInfo { severity: Severity, logs: DriveLogs },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperatorCommand {
    /// A package arrived. For a `Shipping` job, import: `found` are listed drive ids (the others become
    /// `NeverReceived`); export: `found` become the job's drives. For a job already at the data center (a later
    /// shipment): `found` are drives still `NeverReceived`. `extra` are serials of unlisted drives in the
    /// package.
    PackageIntake {
        found: Vec<String>,
        extra: Vec<String>,
    },
    /// A drive marked `NeverReceived` turned up later (on its own, or in another job's package).
    DriveArrived {
        drive_id: String,
    },
    StartCopy {
        drive_id: String,
    },
    ReportProgress {
        drive_id: String,
        percent: u8,
        bytes_succeeded: u64,
        copy_status: String,
    },
    FinishDrive {
        drive_id: String,
        outcome: DriveOutcome,
        /// Export only, with a "more info" outcome: where the data center wrote the list of blobs it could not
        /// export (e.g. the drives were too small). Stored on the job and reported as `incompleteBlobListUri`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incomplete_blob_list_uri: Option<String>,
    },
    /// Move the job to `Packaging` when nothing is left to copy (or the job was cancelled).
    PackageJob,
    ShipBack {
        package: ReturnPackage,
    },
    FaultJob {
        reason: String,
    },
    /// Leave `Faulted`: to the remembered state when `to` is `None`.
    ResolveJob {
        to: Option<JobState>,
        resolution: String,
    },
    FaultDrive {
        drive_id: String,
        reason: String,
    },
    ResolveDrive {
        drive_id: String,
        to: Option<DriveState>,
        resolution: String,
    },
    /// Replace a missing or wrong return address after contacting the customer.
    CorrectReturnAddress(ReturnAddress),
    /// Give the customer more time after the shipping-overdue notice.
    ExtendShippingWait {
        days: u32,
    },
    /// A package for this job arrived while the job was not `Shipping`; the intake is recorded separately.
    NoteUnmatchedIntake {
        intake_id: String,
        drive_ids: Vec<String>,
    },
    /// A staff note on the job's timeline.
    AddNote {
        text: String,
    },
    /// Operations cancel the job (after the customer asked them to, or an overdue package): the same effects as
    /// a customer's cancellation.
    CancelJob {
        reason: String,
    },
    /// The return address is wrong or missing: ship-back waits for a corrected one.
    ReportReturnAddress {
        reason: String,
    },
    /// The customer's report about the returned drives was dealt with.
    ResolveReturnProblem {
        note: String,
    },
}

impl CustomerCommand {
    /// Short name for logs and the timeline.
    pub fn name(&self) -> &'static str {
        match self {
            CustomerCommand::Create(_) => "create",
            CustomerCommand::UpdateProperties(_) => "update properties",
            CustomerCommand::SetDeliveryPackage(_) => "set delivery package",
            CustomerCommand::SetReturnAddress(_) => "set return address",
            CustomerCommand::SetReturnShipping(_) => "set return shipping",
            CustomerCommand::MarkShipping => "mark as shipped",
            CustomerCommand::RequestCancellation => "request cancellation",
            CustomerCommand::Delete => "delete",
            CustomerCommand::ReportReturnProblem { .. } => {
                "report a problem with the returned drives"
            }
        }
    }
}

impl OperatorCommand {
    pub fn name(&self) -> &'static str {
        match self {
            OperatorCommand::PackageIntake { .. } => "package intake",
            OperatorCommand::DriveArrived { .. } => "late drive arrival",
            OperatorCommand::StartCopy { .. } => "start copy",
            OperatorCommand::ReportProgress { .. } => "report progress",
            OperatorCommand::FinishDrive { .. } => "finish drive",
            OperatorCommand::PackageJob => "package job",
            OperatorCommand::ShipBack { .. } => "ship back",
            OperatorCommand::FaultJob { .. } => "fault job",
            OperatorCommand::ResolveJob { .. } => "resolve job",
            OperatorCommand::FaultDrive { .. } => "fault drive",
            OperatorCommand::ResolveDrive { .. } => "resolve drive",
            OperatorCommand::CorrectReturnAddress(_) => "correct return address",
            OperatorCommand::ExtendShippingWait { .. } => "extend shipping wait",
            OperatorCommand::NoteUnmatchedIntake { .. } => "record unmatched intake",
            OperatorCommand::AddNote { .. } => "add note",
            OperatorCommand::CancelJob { .. } => "cancel job",
            OperatorCommand::ReportReturnAddress { .. } => "report return address",
            OperatorCommand::ResolveReturnProblem { .. } => "resolve returned-drives problem",
        }
    }
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Customer(c) => c.name(),
            Command::Operator(c) => c.name(),
            Command::Tick => "timer",
        }
    }
}
