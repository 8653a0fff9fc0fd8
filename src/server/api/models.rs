//! The ARM JSON shapes of Microsoft.ImportExport (api-version 2021-01-01), as the SDK and the spec name them.
//! These types are both the wire format and the source of the OpenAPI document (`utoipa::ToSchema`).
//!
//! Request types are lenient where the contract allows: unknown fields are ignored, and the strings the
//! lifecycle validates (addresses, drive fields) default to empty so that a missing one is reported by the
//! lifecycle's own validation, with its message and the field's full path, instead of serde's.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub type Tags = BTreeMap<String, String>;

/// Defines a closed string enum that reads case-insensitively (ARM enums are case-insensitive) and writes
/// its canonical spelling.
macro_rules! name_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(try_from = "String")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<$name, String> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        format!("'{s}' is not one of {}", names.join(", "))
                    })
            }
        }
    };
}

name_enum!(
    /// The type of job.
    JobTypeName { Import, Export }
);
name_enum!(
    /// Whether error logging or verbose logging is enabled.
    LogLevelName { Error, Verbose }
);
name_enum!(
    /// Who manages the key that encrypts the BitLocker keys.
    KekTypeName { MicrosoftManaged, CustomerManaged }
);
/// The supported api-versions (the two have the same shape).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ApiVersion {
    #[serde(rename = "2021-01-01")]
    V2021_01_01,
    #[serde(rename = "2020-08-01")]
    V2020_08_01,
}

impl ApiVersion {
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V2021_01_01, ApiVersion::V2020_08_01];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2021_01_01 => "2021-01-01",
            ApiVersion::V2020_08_01 => "2020-08-01",
        }
    }

    pub fn parse(s: &str) -> Option<ApiVersion> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// "2021-01-01, 2020-08-01", for error messages.
    pub fn supported() -> String {
        ApiVersion::ALL.map(ApiVersion::as_str).join(", ")
    }
}

/// Where the drives go back to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReturnAddress {
    #[serde(default)]
    #[schema(required = true)]
    pub recipient_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub street_address1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address2: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub postal_code: String,
    #[serde(default)]
    #[schema(required = true)]
    pub country_or_region: String,
    #[serde(default)]
    #[schema(required = true)]
    pub phone: String,
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
}

/// The customer's carrier account for the return shipment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReturnShipping {
    #[serde(default)]
    #[schema(required = true)]
    pub carrier_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub carrier_account_number: String,
}

/// The package the customer ships to the data center.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPackageInformation {
    #[serde(default)]
    #[schema(required = true)]
    pub carrier_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub tracking_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_date: Option<String>,
}

/// The package the data center ships back (`returnPackage`): every field is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PackageInformation {
    pub carrier_name: String,
    pub tracking_number: String,
    pub drive_count: u32,
    pub ship_date: String,
}

/// The data center address the drives are shipped to (filled by the service from the job's location).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShippingInformation {
    pub recipient_name: String,
    pub street_address1: String,
    pub street_address2: String,
    pub city: String,
    pub state_or_province: String,
    pub postal_code: String,
    pub country_or_region: String,
    pub phone: String,
    pub additional_information: String,
}

/// The blobs an export job copies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlobList {
    #[serde(default)]
    pub blob_path: Vec<String>,
    #[serde(default)]
    pub blob_path_prefix: Vec<String>,
}

/// What an export job copies: a blob list and/or the path of a blob that lists the blobs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Export {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_list: Option<BlobList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_list_blob_path: Option<String>,
}

/// The key that encrypts the drives' BitLocker keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionKeyDetails {
    #[serde(default = "microsoft_managed")]
    pub kek_type: KekTypeName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kek_url: Option<String>,
    /// Spelled with a capital `ID`, as in the specification.
    #[serde(
        default,
        rename = "kekVaultResourceID",
        skip_serializing_if = "Option::is_none"
    )]
    pub kek_vault_resource_id: Option<String>,
}

fn microsoft_managed() -> KekTypeName {
    KekTypeName::MicrosoftManaged
}

/// A drive as a client lists it (create, or update while `Creating`). `state` is accepted for the SDK's sake:
/// it may only be `Specified`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriveInput {
    #[serde(default)]
    #[schema(required = true)]
    pub drive_id: String,
    /// Accepted here; never returned except by listBitLockerKeys.
    #[serde(default)]
    #[schema(required = true)]
    pub bit_locker_key: String,
    #[serde(default)]
    #[schema(required = true)]
    pub manifest_file: String,
    #[serde(default)]
    #[schema(required = true)]
    pub manifest_hash: String,
    #[serde(default)]
    pub drive_header_hash: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

/// A drive as the service reports it. Never carries the BitLocker key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriveStatus {
    pub drive_id: String,
    pub manifest_file: String,
    pub manifest_hash: String,
    pub drive_header_hash: String,
    /// Specified, Received, NeverReceived, Transferring, Completed, CompletedMoreInfo, ShippedBack (or
    /// Faulted); clients must tolerate other values.
    pub state: String,
    /// Only from Transferring on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_status: Option<String>,
    pub percent_complete: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbose_log_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_log_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_uri: Option<String>,
    pub bytes_succeeded: u64,
}

/// The properties of a job to create (PUT). Read-only properties a client echoes back are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PutJobDetails {
    /// `/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}`.
    pub storage_account_id: String,
    pub job_type: JobTypeName,
    #[serde(default)]
    pub return_address: Option<ReturnAddress>,
    #[serde(default)]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(default)]
    pub delivery_package: Option<DeliveryPackageInformation>,
    /// The container for the logs; default `waimportexport`.
    #[serde(default)]
    pub diagnostics_path: Option<String>,
    #[serde(default)]
    pub log_level: Option<LogLevelName>,
    #[serde(default)]
    pub backup_drive_manifest: Option<bool>,
    /// Only `Creating` (the SDK's default) or empty: a new job is always Creating.
    #[serde(default)]
    pub state: Option<String>,
    /// Only `false`: cancellation is requested by updating an existing job.
    #[serde(default)]
    pub cancel_requested: Option<bool>,
    /// Import: 1 to 10 drives. Export: none.
    #[serde(default)]
    pub drive_list: Option<Vec<DriveInput>>,
    /// Export jobs only.
    #[serde(default)]
    pub export: Option<Export>,
    #[serde(default)]
    pub encryption_key: Option<EncryptionKeyDetails>,
}

/// The body of Jobs_Create.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PutJobParameters {
    /// A location of Locations_List, e.g. `westus`.
    pub location: String,
    #[serde(default)]
    pub tags: Option<Tags>,
    pub properties: PutJobDetails,
}

/// The properties an update (PATCH) may change. SDK defaults mean "no change": `cancelRequested: false`,
/// `backupDriveManifest: false`, `state` empty, `Creating` or the current state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateJobProperties {
    /// `true` requests cancellation (granted in the states the server's cancellation window allows).
    #[serde(default)]
    pub cancel_requested: Option<bool>,
    /// `Shipping` reports the package as shipped (needs a delivery package and a return address).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub return_address: Option<ReturnAddress>,
    #[serde(default)]
    pub return_shipping: Option<ReturnShipping>,
    #[serde(default)]
    pub delivery_package: Option<DeliveryPackageInformation>,
    #[serde(default)]
    pub log_level: Option<LogLevelName>,
    /// `true` turns the backup on; `false` (the SDK's default) changes nothing.
    #[serde(default)]
    pub backup_drive_manifest: Option<bool>,
    /// Replaces the drive list (import jobs, while Creating).
    #[serde(default)]
    pub drive_list: Option<Vec<DriveInput>>,
}

/// The body of Jobs_Update.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateJobParameters {
    #[serde(default)]
    pub tags: Option<Tags>,
    #[serde(default)]
    pub properties: Option<UpdateJobProperties>,
}

/// A job's properties as the service reports them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobDetails {
    pub storage_account_id: String,
    pub job_type: JobTypeName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_address: Option<ReturnAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_shipping: Option<ReturnShipping>,
    pub shipping_information: ShippingInformation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_package: Option<DeliveryPackageInformation>,
    /// Only once the drives are shipped back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_package: Option<PackageInformation>,
    pub diagnostics_path: String,
    pub log_level: LogLevelName,
    pub backup_drive_manifest: bool,
    /// Creating, Shipping, Received, Transferring, Packaging, Completed, Closed or Faulted; clients must
    /// tolerate other values.
    pub state: String,
    pub cancel_requested: bool,
    pub percent_complete: u8,
    /// Export only: the blob list of the blobs that were not exported (e.g. the drives were too small), as
    /// the data center reported it when finishing a drive. Absent when every blob was exported, and for
    /// import jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incomplete_blob_list_uri: Option<String>,
    /// Import: the listed drives. Export: the drives found at intake (none before).
    pub drive_list: Vec<DriveStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
    /// Always `Succeeded`: every change is complete when the call returns.
    pub provisioning_state: String,
    pub encryption_key: EncryptionKeyDetails,
}

/// The managed identity of a job; the portal's jobs have none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct IdentityDetails {
    #[serde(rename = "type")]
    pub kind: String,
}

/// Who created and last changed the resource, and when (RFC 3339, UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemData {
    pub created_by: String,
    /// `User` (a person in the portal) or `Application` (an API token, the timer).
    pub created_by_type: String,
    pub created_at: String,
    pub last_modified_by: String,
    pub last_modified_by_type: String,
    pub last_modified_at: String,
}

/// A job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobResponse {
    /// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ImportExport/jobs/{name}`.
    pub id: String,
    pub name: String,
    /// `Microsoft.ImportExport/jobs`.
    #[serde(rename = "type")]
    pub kind: String,
    pub location: String,
    pub tags: Tags,
    pub identity: IdentityDetails,
    pub system_data: SystemData,
    pub properties: JobDetails,
}

/// A page of jobs; follow `nextLink` for the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListJobsResponse {
    pub value: Vec<JobResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DriveBitLockerKey {
    pub drive_id: String,
    pub bit_locker_key: String,
}

/// The BitLocker keys of a job's drives: the only place keys are ever returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct GetBitLockerKeysResponse {
    pub value: Vec<DriveBitLockerKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocationProperties {
    pub recipient_name: String,
    pub street_address1: String,
    pub street_address2: String,
    pub city: String,
    pub state_or_province: String,
    pub postal_code: String,
    pub country_or_region: String,
    pub phone: String,
    pub additional_shipping_information: String,
    pub supported_carriers: Vec<String>,
    pub alternate_locations: Vec<String>,
}

/// A data center that receives packages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Location {
    /// `/providers/Microsoft.ImportExport/locations/{name}`.
    pub id: String,
    pub name: String,
    /// `Microsoft.ImportExport/locations`.
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: LocationProperties,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LocationsResponse {
    pub value: Vec<Location>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct OperationDisplay {
    pub provider: String,
    pub resource: String,
    pub operation: String,
    pub description: String,
}

/// An operation the provider supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Operation {
    pub name: String,
    pub display: OperationDisplay,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ListOperationsResponse {
    pub value: Vec<Operation>,
}
