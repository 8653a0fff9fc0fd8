//! What the customer's job page shows, as the server decided it: every rule (which actions are open and why
//! not, what happens next, the timer notices, the diagrams) was asked of the lifecycle crate on the server
//! (`server::job_page`), and the page receives the answers as plain data. Why not the whole `lifecycle::Job`:
//! the page would then carry the job's deserializers, its rules and the diagram drawing in the WebAssembly
//! main module, which is what every customer downloads first (BENCHMARKS.md, budget 5).

use crate::app::components::time::Moment;
use crate::app::forms::AddressForm;
use crate::model::Diagram;
use lifecycle::{DeliveryPackage, DriveLogs, DriveState, JobState, ReturnShipping};
use serde::{Deserialize, Serialize};

/// Everything the customer job page shows. BitLocker keys are never part of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPageView {
    pub id: i64,
    /// The job's version: a live update announcing this version needs no re-read.
    pub version: u64,
    pub subscription_id: String,
    pub resource_group: String,
    pub name: String,
    pub state: JobState,
    pub cancel_requested: bool,
    pub percent_complete: u8,
    pub notices: Vec<NoticeView>,
    pub diagram: Diagram,
    pub next_steps: Vec<NextStepView>,
    pub actions: ActionsView,
    /// The guided *Mark as shipped* form (a dialog, or `/jobs/{id}/ship` without JavaScript).
    pub ship: ShipFormView,
    pub drives: DrivesView,
    pub shipping: ShippingView,
    pub properties: PropertiesView,
}

/// Whether a customer action is open now, and why not when it is not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub allowed: bool,
    pub reason: Option<String>,
}

/// A timer notice: what the timers did, or are about to do, to the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    /// Stable key (`creating-expiry`).
    pub key: String,
    /// `info`, `warning` or `problem`: the notice's colour.
    pub level: String,
    /// A problem is announced at once (`role="alert"`); the others politely.
    pub urgent: bool,
    pub title: String,
    pub message: String,
    pub at: Option<Moment>,
}

/// One transition the job can take from where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextStepView {
    pub to: JobState,
    pub label: String,
    /// `customer`, `operator`, `timer`, `automatic`.
    pub trigger: String,
    /// Who makes it happen, in the customer's words ("by you").
    pub by: String,
    /// For the customer's own steps: why not yet.
    pub not_yet: Option<String>,
}

/// The decisive actions: mark as shipped, cancel, delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionsView {
    pub mark_shipped: Permission,
    pub cancel: Permission,
    pub delete: Permission,
    /// What cancelling would do now.
    pub cancel_effect: String,
    /// When cancelling and deleting are possible at all.
    pub cancel_rule: String,
    pub delete_rule: String,
    /// Reporting that the drives shipped back did not arrive or arrived damaged.
    pub report_problem: Permission,
    /// The customer's open report about the returned drives, if any.
    pub return_problem: Option<String>,
}

/// Something *Mark as shipped* still needs: the API path of what is missing and what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedView {
    pub field: String,
    pub message: String,
}

/// What the guided *Mark as shipped* form asks for: everything still missing, at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipFormView {
    /// Whether the form can be used at all (the job is `Creating`), and why not.
    pub open: Permission,
    /// Everything still missing (empty: the form only confirms the package).
    pub needs: Vec<NeedView>,
    pub delivery: DeliveryPackage,
    /// The carriers the data center accepts.
    pub carriers: Vec<String>,
    /// The sections the form carries because the job lacks them.
    pub ask_address: bool,
    pub ask_return_shipping: bool,
    /// An import job's listed drives: the package's drive count is at most this.
    pub max_drives: Option<u32>,
    /// The latest ship date the server accepts today (`YYYY-MM-DD`, UTC).
    pub latest_ship_date: String,
}

/// One drive's row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriveRow {
    pub drive_id: String,
    pub state: DriveState,
    pub fault_reason: Option<String>,
    pub copy_status: Option<String>,
    pub percent_complete: u8,
    /// Bytes copied, in words ("1.5 GB").
    pub copied: String,
    pub logs: DriveLogs,
}

/// A drive that arrived without being listed on the job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraDriveRow {
    pub serial: String,
    pub returned: bool,
}

/// The drives card and the drive lifecycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrivesView {
    pub rows: Vec<DriveRow>,
    pub extra: Vec<ExtraDriveRow>,
    /// The drive the diagram shows on its own (`?drive=`), when it is one of the job's drives.
    pub chosen: Option<String>,
    /// `None` while the job has no drives.
    pub diagram: Option<Diagram>,
    /// Whether the drives have BitLocker keys to show yet.
    pub offers_keys: bool,
}

/// A carrier and tracking number, with the carrier's tracking page when the portal knows the carrier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingView {
    pub carrier: String,
    pub number: String,
    pub url: Option<String>,
}

/// The return package, once the drives are on their way back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPackageView {
    pub tracking: TrackingView,
    pub drive_count: u32,
    pub ship_date: String,
}

/// Where the package goes and where the drives come back: the data center's address and the three forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingView {
    /// The data center's address, one line each.
    pub ship_to: Vec<String>,
    pub shipping_information: String,
    /// The carriers the data center accepts, for the delivery package's carrier.
    pub carriers: Vec<String>,
    pub return_package: Option<ReturnPackageView>,
    pub delivery_current: Option<TrackingView>,
    pub delivery: DeliveryPackage,
    pub delivery_lock: Permission,
    pub address: AddressForm,
    pub address_lock: Permission,
    pub return_shipping: ReturnShipping,
    pub return_shipping_lock: Permission,
}

/// The properties card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertiesView {
    pub job_type: String,
    /// "West US (westus)".
    pub location: String,
    pub storage_account_id: String,
    pub created: Moment,
    pub updated: Moment,
    pub log_level: String,
    pub diagnostics_path: String,
    pub backup_drive_manifest: bool,
    pub encryption: String,
    pub customer_key_url: Option<String>,
    pub tags: Vec<(String, String)>,
    pub fault_reason: Option<String>,
    /// What an export job exports: blob paths and prefixes, and the blob list when there is one.
    pub export: Option<String>,
}
