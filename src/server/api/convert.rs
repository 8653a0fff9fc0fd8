//! Between the ARM JSON shapes and the lifecycle's types: a stored job as a JobResponse, a PUT body as a
//! `NewJob`, a PATCH body as an `UpdateRequest`.

use super::models::*;
use crate::server::store::StoredJob;
use chrono::SecondsFormat;
use lifecycle::api::UpdateRequest;
use lifecycle::{Drive, DriveState, Job, JobPatch, JobType, LogLevel, Timestamp};

pub const JOB_TYPE: &str = "Microsoft.ImportExport/jobs";
pub const LOCATION_TYPE: &str = "Microsoft.ImportExport/locations";
/// ARM's default container for an Import/Export job's logs.
pub const DEFAULT_DIAGNOSTICS_PATH: &str = "waimportexport";

fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn job_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!("/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.ImportExport/jobs/{name}")
}

// ------------------------------------------------------------------------------------------------------
// Out: lifecycle → ARM
// ------------------------------------------------------------------------------------------------------

impl From<&lifecycle::ReturnAddress> for ReturnAddress {
    fn from(a: &lifecycle::ReturnAddress) -> ReturnAddress {
        ReturnAddress {
            recipient_name: a.recipient_name.clone(),
            street_address1: a.street_address1.clone(),
            street_address2: a.street_address2.clone(),
            city: a.city.clone(),
            state_or_province: a.state_or_province.clone(),
            postal_code: a.postal_code.clone(),
            country_or_region: a.country_or_region.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
        }
    }
}

impl From<&lifecycle::ReturnShipping> for ReturnShipping {
    fn from(r: &lifecycle::ReturnShipping) -> ReturnShipping {
        ReturnShipping {
            carrier_name: r.carrier_name.clone(),
            carrier_account_number: r.carrier_account_number.clone(),
        }
    }
}

impl From<&lifecycle::DeliveryPackage> for DeliveryPackageInformation {
    fn from(p: &lifecycle::DeliveryPackage) -> DeliveryPackageInformation {
        DeliveryPackageInformation {
            carrier_name: p.carrier_name.clone(),
            tracking_number: p.tracking_number.clone(),
            drive_count: p.drive_count,
            ship_date: p.ship_date.clone(),
        }
    }
}

impl From<&lifecycle::ExportSpec> for Export {
    fn from(e: &lifecycle::ExportSpec) -> Export {
        let has_list = !(e.blob_paths.is_empty() && e.blob_path_prefixes.is_empty());
        Export {
            blob_list: has_list.then(|| BlobList {
                blob_path: e.blob_paths.clone(),
                blob_path_prefix: e.blob_path_prefixes.clone(),
            }),
            blob_list_blob_path: e.blob_list_blob_path.clone(),
        }
    }
}

impl From<&lifecycle::EncryptionKey> for EncryptionKeyDetails {
    fn from(k: &lifecycle::EncryptionKey) -> EncryptionKeyDetails {
        EncryptionKeyDetails {
            kek_type: match k.kek_type {
                lifecycle::KekType::MicrosoftManaged => KekTypeName::MicrosoftManaged,
                lifecycle::KekType::CustomerManaged => KekTypeName::CustomerManaged,
            },
            kek_url: k.kek_url.clone(),
            kek_vault_resource_id: k.kek_vault_resource_id.clone(),
        }
    }
}

fn shipping_information(l: &lifecycle::Location) -> ShippingInformation {
    ShippingInformation {
        recipient_name: l.recipient_name.clone(),
        street_address1: l.street_address1.clone(),
        street_address2: l.street_address2.clone(),
        city: l.city.clone(),
        state_or_province: l.state_or_province.clone(),
        postal_code: l.postal_code.clone(),
        country_or_region: l.country_or_region.clone(),
        phone: l.phone.clone(),
        additional_information: l.additional_shipping_information.clone(),
    }
}

/// A drive as reported: never its BitLocker key; its copy status only once copying has started.
fn drive_status(d: &Drive) -> DriveStatus {
    let copying_started = !matches!(
        d.effective_state(),
        DriveState::Specified | DriveState::Received | DriveState::NeverReceived
    );
    DriveStatus {
        drive_id: d.drive_id.clone(),
        manifest_file: d.manifest_file.clone(),
        manifest_hash: d.manifest_hash.clone(),
        drive_header_hash: d.drive_header_hash.clone(),
        state: d.state.as_str().to_string(),
        copy_status: d.copy_status.clone().filter(|_| copying_started),
        percent_complete: d.percent_complete,
        verbose_log_uri: d.logs.verbose_log_uri.clone(),
        error_log_uri: d.logs.error_log_uri.clone(),
        manifest_uri: d.logs.manifest_uri.clone(),
        bytes_succeeded: d.bytes_succeeded,
    }
}

fn job_details(job: &Job) -> JobDetails {
    JobDetails {
        storage_account_id: job.storage_account_id.clone(),
        job_type: match job.job_type {
            JobType::Import => JobTypeName::Import,
            JobType::Export => JobTypeName::Export,
        },
        return_address: job.return_address.as_ref().map(Into::into),
        return_shipping: job.return_shipping.as_ref().map(Into::into),
        shipping_information: shipping_information(&job.location),
        delivery_package: job.delivery_package.as_ref().map(Into::into),
        // Set only by the ship-back event, i.e. once the drives are on their way back.
        return_package: job.return_package.as_ref().map(|p| PackageInformation {
            carrier_name: p.carrier_name.clone(),
            tracking_number: p.tracking_number.clone(),
            drive_count: p.drive_count,
            ship_date: p.ship_date.clone(),
        }),
        diagnostics_path: job.diagnostics_path.clone(),
        log_level: match job.log_level {
            LogLevel::Error => LogLevelName::Error,
            LogLevel::Verbose => LogLevelName::Verbose,
        },
        backup_drive_manifest: job.backup_drive_manifest,
        state: job.state.as_str().to_string(),
        cancel_requested: job.cancel_requested,
        percent_complete: job.percent_complete(),
        incomplete_blob_list_uri: job
            .incomplete_blob_list_uri
            .clone()
            .filter(|_| job.job_type == JobType::Export),
        drive_list: job.drives.iter().map(drive_status).collect(),
        export: job.export.as_ref().map(Into::into),
        provisioning_state: "Succeeded".into(),
        encryption_key: (&job.encryption_key).into(),
    }
}

pub fn job_response(stored: &StoredJob) -> JobResponse {
    let job = &stored.job;
    let system = &stored.system;
    JobResponse {
        id: job_id(&stored.subscription_id, &stored.resource_group, &job.name),
        name: job.name.clone(),
        kind: JOB_TYPE.into(),
        location: job.location.name.clone(),
        tags: job.tags.clone(),
        identity: IdentityDetails {
            kind: "None".into(),
        },
        system_data: SystemData {
            created_by: system.created_by.clone(),
            created_by_type: system.created_by_type.clone(),
            created_at: time(system.created_at),
            last_modified_by: system.last_modified_by.clone(),
            last_modified_by_type: system.last_modified_by_type.clone(),
            last_modified_at: time(system.last_modified_at),
        },
        properties: job_details(job),
    }
}

pub fn location(l: &lifecycle::Location) -> Location {
    Location {
        id: format!("/providers/Microsoft.ImportExport/locations/{}", l.name),
        name: l.name.clone(),
        kind: LOCATION_TYPE.into(),
        properties: LocationProperties {
            recipient_name: l.recipient_name.clone(),
            street_address1: l.street_address1.clone(),
            street_address2: l.street_address2.clone(),
            city: l.city.clone(),
            state_or_province: l.state_or_province.clone(),
            postal_code: l.postal_code.clone(),
            country_or_region: l.country_or_region.clone(),
            phone: l.phone.clone(),
            additional_shipping_information: l.additional_shipping_information.clone(),
            supported_carriers: l.supported_carriers.clone(),
            alternate_locations: l.alternate_locations.clone(),
        },
    }
}

// ------------------------------------------------------------------------------------------------------
// In: ARM → lifecycle
// ------------------------------------------------------------------------------------------------------

impl From<ReturnAddress> for lifecycle::ReturnAddress {
    fn from(a: ReturnAddress) -> lifecycle::ReturnAddress {
        let optional = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        lifecycle::ReturnAddress {
            recipient_name: a.recipient_name,
            street_address1: a.street_address1,
            street_address2: optional(a.street_address2),
            city: a.city,
            state_or_province: optional(a.state_or_province),
            postal_code: a.postal_code,
            country_or_region: a.country_or_region,
            phone: a.phone,
            email: a.email,
        }
    }
}

impl From<ReturnShipping> for lifecycle::ReturnShipping {
    fn from(r: ReturnShipping) -> lifecycle::ReturnShipping {
        lifecycle::ReturnShipping {
            carrier_name: r.carrier_name,
            carrier_account_number: r.carrier_account_number,
        }
    }
}

impl From<DeliveryPackageInformation> for lifecycle::DeliveryPackage {
    fn from(p: DeliveryPackageInformation) -> lifecycle::DeliveryPackage {
        lifecycle::DeliveryPackage {
            carrier_name: p.carrier_name,
            tracking_number: p.tracking_number,
            drive_count: p.drive_count,
            ship_date: p.ship_date,
        }
    }
}

impl From<DriveInput> for lifecycle::DriveSpec {
    fn from(d: DriveInput) -> lifecycle::DriveSpec {
        lifecycle::DriveSpec {
            drive_id: d.drive_id,
            bit_locker_key: d.bit_locker_key,
            manifest_file: d.manifest_file,
            manifest_hash: d.manifest_hash,
            drive_header_hash: d.drive_header_hash.unwrap_or_default(),
        }
    }
}

impl From<Export> for lifecycle::ExportSpec {
    fn from(e: Export) -> lifecycle::ExportSpec {
        let list = e.blob_list.unwrap_or_default();
        lifecycle::ExportSpec {
            blob_paths: list.blob_path,
            blob_path_prefixes: list.blob_path_prefix,
            blob_list_blob_path: e.blob_list_blob_path.filter(|p| !p.is_empty()),
        }
    }
}

impl From<EncryptionKeyDetails> for lifecycle::EncryptionKey {
    fn from(k: EncryptionKeyDetails) -> lifecycle::EncryptionKey {
        lifecycle::EncryptionKey {
            kek_type: match k.kek_type {
                KekTypeName::MicrosoftManaged => lifecycle::KekType::MicrosoftManaged,
                KekTypeName::CustomerManaged => lifecycle::KekType::CustomerManaged,
            },
            kek_url: k.kek_url,
            kek_vault_resource_id: k.kek_vault_resource_id,
        }
    }
}

fn log_level(l: LogLevelName) -> LogLevel {
    match l {
        LogLevelName::Error => LogLevel::Error,
        LogLevelName::Verbose => LogLevel::Verbose,
    }
}

/// A PUT body as the lifecycle's new job. The echoes the SDK sends (`state`, drive states,
/// `cancelRequested: false`) are checked by `lifecycle::api::check_create_echoes` before this.
pub fn new_job(
    name: &str,
    location: lifecycle::Location,
    body: PutJobParameters,
) -> lifecycle::NewJob {
    let p = body.properties;
    lifecycle::NewJob {
        name: name.to_string(),
        job_type: match p.job_type {
            JobTypeName::Import => JobType::Import,
            JobTypeName::Export => JobType::Export,
        },
        location,
        storage_account_id: p.storage_account_id,
        drives: p
            .drive_list
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        export: p.export.map(Into::into),
        return_address: p.return_address.map(Into::into),
        return_shipping: p.return_shipping.map(Into::into),
        delivery_package: p.delivery_package.map(Into::into),
        diagnostics_path: p
            .diagnostics_path
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DIAGNOSTICS_PATH.into()),
        log_level: p.log_level.map(log_level).unwrap_or_default(),
        backup_drive_manifest: p.backup_drive_manifest.unwrap_or(false),
        tags: body.tags.unwrap_or_default(),
        encryption_key: p.encryption_key.map(Into::into).unwrap_or_default(),
    }
}

/// A PATCH body as the lifecycle's update request, before its lenient reading.
pub fn update_request(body: UpdateJobParameters) -> UpdateRequest {
    let p = body.properties.unwrap_or_default();
    UpdateRequest {
        state: p.state,
        cancel_requested: p.cancel_requested,
        patch: JobPatch {
            return_address: p.return_address.map(Into::into),
            return_shipping: p.return_shipping.map(Into::into),
            delivery_package: p.delivery_package.map(Into::into),
            log_level: p.log_level.map(log_level),
            backup_drive_manifest: p.backup_drive_manifest,
            drive_list: p
                .drive_list
                .map(|list| list.into_iter().map(Into::into).collect()),
            tags: body.tags,
        },
    }
}
