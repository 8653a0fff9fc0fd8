//! The job snapshot and its drives: what replaying a job's events produces.

use crate::shipping::{
    DeliveryPackage, DriveSpec, EncryptionKey, ExportSpec, Location, ReturnAddress, ReturnPackage,
    ReturnShipping,
};
use crate::state::{DriveState, JobState, JobType, LogLevel, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type Timestamp = DateTime<Utc>;

/// Everything a customer gives when creating a job (the PUT body, or the new-job form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewJob {
    pub name: String,
    pub job_type: JobType,
    /// The data center, as it was looked up when the job was created.
    pub location: Location,
    pub storage_account_id: String,
    #[serde(default)]
    pub drives: Vec<DriveSpec>,
    #[serde(default)]
    pub export: Option<ExportSpec>,
    #[serde(default)]
    pub return_address: Option<ReturnAddress>,
    #[serde(default)]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(default)]
    pub delivery_package: Option<DeliveryPackage>,
    #[serde(default)]
    pub diagnostics_path: String,
    #[serde(default)]
    pub log_level: LogLevel,
    #[serde(default)]
    pub backup_drive_manifest: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub encryption_key: EncryptionKey,
}

/// The properties a customer may update; `None` means "leave as it is".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_package: Option<DeliveryPackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LogLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_drive_manifest: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_list: Option<Vec<DriveSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

impl JobPatch {
    pub fn is_empty(&self) -> bool {
        self == &JobPatch::default()
    }
}

/// Log locations written when a drive's copy finishes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveLogs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_log_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose_log_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_uri: Option<String>,
}

/// One drive of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drive {
    pub drive_id: String,
    /// Given by the customer for import drives; set by the data center for export drives.
    pub bit_locker_key: Option<String>,
    pub manifest_file: String,
    pub manifest_hash: String,
    pub drive_header_hash: String,
    pub state: DriveState,
    /// The state a `Faulted` drive left, to return to on resolution.
    pub faulted_from: Option<DriveState>,
    pub fault_reason: Option<String>,
    pub copy_status: Option<String>,
    pub percent_complete: u8,
    pub bytes_succeeded: u64,
    pub logs: DriveLogs,
    /// Set for `CompletedMoreInfo`.
    pub severity: Option<Severity>,
    pub state_changed_at: Timestamp,
}

impl Drive {
    pub(crate) fn from_spec(spec: &DriveSpec, at: Timestamp) -> Drive {
        Drive {
            drive_id: spec.drive_id.clone(),
            bit_locker_key: Some(spec.bit_locker_key.clone()),
            manifest_file: spec.manifest_file.clone(),
            manifest_hash: spec.manifest_hash.clone(),
            drive_header_hash: spec.drive_header_hash.clone(),
            state: DriveState::Specified,
            faulted_from: None,
            fault_reason: None,
            copy_status: None,
            percent_complete: 0,
            bytes_succeeded: 0,
            logs: DriveLogs::default(),
            severity: None,
            state_changed_at: at,
        }
    }

    /// A drive of an export job, which first appears at intake.
    pub(crate) fn arrived_for_export(drive_id: &str, at: Timestamp) -> Drive {
        Drive {
            drive_id: drive_id.to_string(),
            bit_locker_key: None,
            manifest_file: String::new(),
            manifest_hash: String::new(),
            drive_header_hash: String::new(),
            state: DriveState::Received,
            ..Drive::from_spec(&DriveSpec::default(), at)
        }
    }

    /// The state that counts for the rules: a faulted drive counts as where it faulted from.
    pub fn effective_state(&self) -> DriveState {
        match self.state {
            DriveState::Faulted => self.faulted_from.unwrap_or(DriveState::Faulted),
            other => other,
        }
    }
}

/// A drive that arrived without being listed on the job: kept, not processed, returned with the package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtraDrive {
    pub serial: String,
    pub received_at: Timestamp,
    pub returned: bool,
}

/// Operators found the return address wrong or missing while the job was at the data center (reference §8,
/// "report return address"): ship-back waits for a corrected address, and the drives are destroyed at
/// `destroy_deadline` if none comes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnAddressReport {
    pub reason: String,
    pub reported_at: Timestamp,
    pub destroy_deadline: Timestamp,
}

/// The customer's report that the drives shipped back did not arrive or arrived damaged; open until staff
/// resolve it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnProblem {
    pub description: String,
    pub reported_at: Timestamp,
}

/// Why a job disappeared from the customer's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeletionReason {
    /// The customer deleted it.
    Customer,
    /// It stayed in `Creating` past the expiry.
    CreatingExpired,
    /// It ended long enough ago to pass the retention period.
    RetentionExpired,
}

impl DeletionReason {
    pub fn describe(self) -> &'static str {
        match self {
            DeletionReason::Customer => "deleted by the customer",
            DeletionReason::CreatingExpired => "expired while Creating",
            DeletionReason::RetentionExpired => "removed after the retention period",
        }
    }
}

/// A job snapshot: always equal to the replay of the job's events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub name: String,
    pub job_type: JobType,
    pub location: Location,
    pub storage_account_id: String,
    pub state: JobState,
    /// The state a `Faulted` job left, to return to on resolution.
    pub faulted_from: Option<JobState>,
    pub fault_reason: Option<String>,
    pub cancel_requested: bool,
    pub return_address: Option<ReturnAddress>,
    pub return_shipping: Option<ReturnShipping>,
    pub delivery_package: Option<DeliveryPackage>,
    pub return_package: Option<ReturnPackage>,
    pub diagnostics_path: String,
    pub log_level: LogLevel,
    pub backup_drive_manifest: bool,
    pub drives: Vec<Drive>,
    pub extra_drives: Vec<ExtraDrive>,
    pub export: Option<ExportSpec>,
    pub tags: BTreeMap<String, String>,
    pub encryption_key: EncryptionKey,
    /// Export: where the list of blobs that were not exported is, once the data center reported one.
    /// (Default and skipped when absent, so snapshots written before the field existed still read.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_blob_list_uri: Option<String>,
    /// A fault was raised after a package arrived (an error during processing): shipping back ends the job
    /// `Closed`. A fault raised and resolved while `Creating` or `Shipping` does not count.
    pub had_fault: bool,
    /// Drives that turned up while the job was `Faulted`: recorded, and moved to `Received` on resolution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_arrivals: Vec<String>,
    /// The return address was reported wrong or missing and not corrected yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_address_report: Option<ReturnAddressReport>,
    /// When the drives were securely destroyed because the return address was never corrected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drives_destroyed_at: Option<Timestamp>,
    /// An open report that the returned drives did not arrive or arrived damaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_problem: Option<ReturnProblem>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub state_changed_at: Timestamp,
    /// Start of the `Creating` expiry: creation or the last customer update while `Creating`, later by the time
    /// the job spent `Faulted` (timers do not run then).
    pub expiry_base: Timestamp,
    /// Start of the shipping wait: when the job entered `Shipping`, later by the time it spent `Faulted`.
    pub shipping_since: Option<Timestamp>,
    /// When the shipping-overdue notice went out.
    pub overdue_notice_at: Option<Timestamp>,
    /// After the overdue notice: when the job is closed as abandoned.
    pub abandon_deadline: Option<Timestamp>,
    /// When the job reached `Completed` or `Closed`.
    pub finished_at: Option<Timestamp>,
    pub deleted: Option<DeletionReason>,
    /// Number of events applied; the optimistic-concurrency version of the snapshot.
    pub version: u64,
}

impl Job {
    pub fn drive(&self, drive_id: &str) -> Option<&Drive> {
        self.drives
            .iter()
            .find(|d| d.drive_id.eq_ignore_ascii_case(drive_id))
    }

    pub(crate) fn drive_mut(&mut self, drive_id: &str) -> Option<&mut Drive> {
        self.drives
            .iter_mut()
            .find(|d| d.drive_id.eq_ignore_ascii_case(drive_id))
    }

    /// The state that counts for the rules: a faulted job counts as where it faulted from.
    pub fn effective_state(&self) -> JobState {
        match self.state {
            JobState::Faulted => self.faulted_from.unwrap_or(JobState::Faulted),
            other => other,
        }
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some()
    }

    /// Job progress: the mean of the drives' progress, drives never received counting as not copied.
    pub fn percent_complete(&self) -> u8 {
        if self.drives.is_empty() {
            return 0;
        }
        let total: u32 = self
            .drives
            .iter()
            .map(|d| u32::from(d.percent_complete))
            .sum();
        (total / self.drives.len() as u32) as u8
    }

    /// Drives that count as "left to copy" for the move to `Packaging`.
    pub(crate) fn drives_in(&self, state: DriveState) -> impl Iterator<Item = &Drive> {
        self.drives
            .iter()
            .filter(move |d| d.effective_state() == state)
    }

    /// The drives (listed and extra) that go back in the return package: every drive at the data center.
    pub fn drives_to_return(&self) -> usize {
        if self.drives_destroyed_at.is_some() {
            return 0;
        }
        let listed = self
            .drives
            .iter()
            .filter(|d| d.effective_state().is_at_data_center())
            .count();
        let extras = self.extra_drives.iter().filter(|e| !e.returned).count();
        listed + extras
    }

    /// Whether the job's drives have BitLocker keys to show: an import job's drives carry the keys the customer
    /// gave; an export job's drives get theirs at the data center, so only once they have arrived.
    pub fn offers_bitlocker_keys(&self) -> bool {
        match self.job_type {
            JobType::Import => true,
            JobType::Export => self.drives.iter().any(|d| d.state != DriveState::Specified),
        }
    }

    /// Errors during processing make a shipped-back job end `Closed` (reference §8, ship back): a fault raised
    /// after a package arrived, a drive still `NeverReceived` (unless the job was cancelled: drives never
    /// received are then not a loss), or a copy that finished with errors.
    pub fn ends_with_errors(&self) -> bool {
        self.had_fault
            || self.drives.iter().any(|d| {
                (d.state == DriveState::NeverReceived && !self.cancel_requested)
                    || (d.state == DriveState::CompletedMoreInfo
                        && d.severity == Some(Severity::Error))
            })
    }

    /// The overdue notice went out and the package has still not arrived.
    pub fn is_overdue(&self) -> bool {
        self.state == JobState::Shipping && self.overdue_notice_at.is_some()
    }

    /// Whether a package has arrived for this job (its state, or the state it faulted from, is one the data
    /// center reaches by intake).
    pub fn package_arrived(&self) -> bool {
        matches!(
            self.effective_state(),
            JobState::Received | JobState::Transferring | JobState::Packaging
        ) || self.return_package.is_some()
    }
}
