//! Validation of every input, one function per field, shared by the browser (as the user types) and the server.
//!
//! Single-value checks return `Err(message)`; composite checks return every problem as a [`FieldError`] whose
//! `field` is the API's JSON path, so forms and the REST API point at the same field.

use crate::rejection::FieldError;
use crate::shipping::{
    known_carrier, DeliveryPackage, DriveSpec, ExportSpec, Location, ReturnAddress, ReturnPackage,
    ReturnShipping, KNOWN_CARRIERS,
};
use std::collections::{BTreeMap, HashSet};

pub const MAX_DRIVES: usize = 10;
pub const JOB_NAME_MIN: usize = 3;
pub const JOB_NAME_MAX: usize = 64;
pub const MAX_EXPORT_ENTRIES: usize = 1000;
pub const MAX_TAGS: usize = 50;
pub const MAX_REASON: usize = 1000;

type Check = Result<(), String>;

fn length(value: &str, min: usize, max: usize, what: &str) -> Check {
    let n = value.chars().count();
    if n < min {
        if min == 1 {
            Err(format!("{what} is required"))
        } else {
            Err(format!("{what} must be at least {min} characters"))
        }
    } else if n > max {
        Err(format!("{what} must be at most {max} characters"))
    } else {
        Ok(())
    }
}

fn printable(value: &str, what: &str) -> Check {
    if value.chars().any(char::is_control) {
        Err(format!("{what} must not contain control characters"))
    } else {
        Ok(())
    }
}

/// Required free text such as a name or a street: trimmed non-empty, bounded, no control characters.
pub fn text(value: &str, max: usize, what: &str) -> Check {
    length(value.trim(), 1, max, what)?;
    printable(value, what)
}

/// Optional free text: empty is fine.
pub fn optional_text(value: &str, max: usize, what: &str) -> Check {
    if value.trim().is_empty() {
        return Ok(());
    }
    text(value, max, what)
}

/// Job names: lowercase letters, digits and hyphens, starting with a letter, 3 to 64 characters.
pub fn job_name(name: &str) -> Check {
    if name.is_empty() {
        return Err("Job name is required".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("Job name must not contain spaces".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("Job name must start with a lowercase letter".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "Job name may contain only lowercase letters, digits and hyphens (found '{bad}')"
        ));
    }
    length(name, JOB_NAME_MIN, JOB_NAME_MAX, "Job name")
}

/// Drive ids are serial numbers: letters, digits, `-`, `_`, `.`, no spaces, up to 64 characters.
pub fn drive_id(id: &str) -> Check {
    if id.is_empty() {
        return Err("Drive ID is required".into());
    }
    if id.chars().any(char::is_whitespace) {
        return Err("Drive ID must not contain spaces".into());
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("Drive ID may contain only letters, digits, '-', '_' and '.'".into());
    }
    length(id, 1, 64, "Drive ID")
}

/// A BitLocker recovery password: 48 digits in eight hyphen-separated groups of six, each group a multiple of
/// 11 below 720896 (the format BitLocker itself checks).
pub fn bitlocker_key(key: &str) -> Check {
    const FORMAT: &str = "BitLocker key must be 48 digits in 8 groups of 6 separated by hyphens";
    let key = key.trim();
    if key.is_empty() {
        return Err("BitLocker key is required".into());
    }
    let groups: Vec<&str> = key.split('-').collect();
    if groups.len() != 8
        || groups
            .iter()
            .any(|g| g.len() != 6 || !g.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(FORMAT.into());
    }
    for (i, group) in groups.iter().enumerate() {
        let value: u32 = group.parse().map_err(|_| FORMAT.to_string())?;
        if !value.is_multiple_of(11) || value >= 720_896 {
            return Err(format!(
                "BitLocker key group {} ({group}) is not valid: each group is a multiple of 11 below 720896",
                i + 1
            ));
        }
    }
    Ok(())
}

pub fn manifest_file(path: &str) -> Check {
    text(path, 260, "Manifest file")?;
    if !path.trim().to_ascii_lowercase().ends_with(".xml") {
        return Err("Manifest file must be the path of an .xml file on the drive".into());
    }
    Ok(())
}

fn hex(value: &str, min: usize, max: usize, what: &str) -> Check {
    if !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("{what} must be hexadecimal (0-9, A-F)"));
    }
    if value.len() < min || value.len() > max {
        return Err(if min == max {
            format!("{what} must be {min} hexadecimal characters")
        } else {
            format!("{what} must be {min} to {max} hexadecimal characters")
        });
    }
    Ok(())
}

/// The MD5 of the drive manifest, as the WAImportExport tool prints it.
pub fn manifest_hash(value: &str) -> Check {
    if value.trim().is_empty() {
        return Err("Manifest hash is required".into());
    }
    hex(value.trim(), 32, 32, "Manifest hash")
}

/// Optional; when given, a hexadecimal hash.
pub fn drive_header_hash(value: &str) -> Check {
    if value.trim().is_empty() {
        return Ok(());
    }
    hex(value.trim(), 32, 128, "Drive header hash")
}

/// One listed drive, with paths relative to the drive (`driveId`, `bitLockerKey`, …).
pub fn drive_spec(drive: &DriveSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut push = |field: &str, r: Check| {
        if let Err(message) = r {
            errors.push(FieldError::new(field, message));
        }
    };
    push("driveId", drive_id(&drive.drive_id));
    push("bitLockerKey", bitlocker_key(&drive.bit_locker_key));
    push("manifestFile", manifest_file(&drive.manifest_file));
    push("manifestHash", manifest_hash(&drive.manifest_hash));
    push(
        "driveHeaderHash",
        drive_header_hash(&drive.drive_header_hash),
    );
    errors
}

/// Why a form offers no further drive rows once it has `MAX_DRIVES` of them.
pub fn drive_limit_reached() -> String {
    format!("A job can have at most {MAX_DRIVES} drives; put the others in a second job")
}

/// Why a job with `n` drives (more than `MAX_DRIVES`) is refused.
pub fn too_many_drives(n: usize) -> String {
    format!("A job can have at most {MAX_DRIVES} drives (got {n})")
}

/// Why an export with `n` blob paths and prefixes (more than `MAX_EXPORT_ENTRIES`) is refused.
pub fn too_many_export_entries(n: usize) -> String {
    format!("At most {MAX_EXPORT_ENTRIES} blob paths and prefixes (got {n})")
}

/// An import job's drive list: 1 to 10 drives with distinct ids (paths under `driveList`).
pub fn drive_list(drives: &[DriveSpec]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if drives.is_empty() {
        errors.push(FieldError::new(
            "driveList",
            "An import job needs at least one drive",
        ));
    }
    if drives.len() > MAX_DRIVES {
        errors.push(FieldError::new("driveList", too_many_drives(drives.len())));
    }
    let mut seen = HashSet::new();
    for (i, drive) in drives.iter().enumerate() {
        let prefix = format!("driveList[{i}]");
        errors.extend(drive_spec(drive).into_iter().map(|e| e.under(&prefix)));
        if !drive.drive_id.is_empty() && !seen.insert(drive.drive_id.to_ascii_uppercase()) {
            errors.push(FieldError::new(
                format!("{prefix}.driveId"),
                format!("Drive {} is listed twice", drive.drive_id),
            ));
        }
    }
    errors
}

fn container_name(name: &str) -> Check {
    if name == "$root" {
        return Ok(());
    }
    let ok = (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a container name (3-63 lowercase letters, digits and single hyphens, or $root)"
        ))
    }
}

/// `/container/path/to/blob`: a leading slash, a container name, a blob name.
pub fn blob_path(path: &str) -> Check {
    blob_path_like(path, false)
}

/// `/container/` or `/container/prefix`.
pub fn blob_path_prefix(path: &str) -> Check {
    blob_path_like(path, true)
}

fn blob_path_like(path: &str, prefix: bool) -> Check {
    let what = if prefix {
        "Blob path prefix"
    } else {
        "Blob path"
    };
    text(path, 1024, what)?;
    let Some(rest) = path.strip_prefix('/') else {
        return Err(format!(
            "{what} must start with '/' followed by the container name"
        ));
    };
    let (container, blob) = match rest.split_once('/') {
        Some((c, b)) => (c, b),
        None if prefix => (rest, ""),
        None => (rest, ""),
    };
    container_name(container)?;
    if !prefix && blob.is_empty() {
        return Err("Blob path must name a blob after the container (/container/blob)".into());
    }
    if path.contains("//") {
        return Err(format!("{what} must not contain empty segments ('//')"));
    }
    Ok(())
}

/// The path of a blob that lists the blobs to export: starts with the container name (or `$root`), no leading
/// slash.
pub fn blob_list_blob_path(path: &str) -> Check {
    text(path, 1024, "Blob list blob path")?;
    if path.starts_with('/') {
        return Err(
            "Blob list blob path starts with the container name, without a leading '/'".into(),
        );
    }
    let Some((container, blob)) = path.split_once('/') else {
        return Err("Blob list blob path must be container/blob".into());
    };
    container_name(container)?;
    if blob.is_empty() {
        return Err("Blob list blob path must name a blob after the container".into());
    }
    Ok(())
}

/// An export block: blob paths and/or prefixes, or a blob-list blob (paths under `export`).
pub fn export_spec(export: &ExportSpec) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let entries = export.blob_paths.len() + export.blob_path_prefixes.len();
    if entries == 0
        && export
            .blob_list_blob_path
            .as_deref()
            .unwrap_or("")
            .is_empty()
    {
        errors.push(FieldError::new(
            "export",
            "An export job needs blob paths, blob path prefixes or a blob list blob path",
        ));
    }
    if entries > MAX_EXPORT_ENTRIES {
        errors.push(FieldError::new(
            "export.blobList",
            too_many_export_entries(entries),
        ));
    }
    for (i, p) in export.blob_paths.iter().enumerate() {
        if let Err(m) = blob_path(p) {
            errors.push(FieldError::new(format!("export.blobList.blobPath[{i}]"), m));
        }
    }
    for (i, p) in export.blob_path_prefixes.iter().enumerate() {
        if let Err(m) = blob_path_prefix(p) {
            errors.push(FieldError::new(
                format!("export.blobList.blobPathPrefix[{i}]"),
                m,
            ));
        }
    }
    if let Some(p) = export
        .blob_list_blob_path
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        if let Err(m) = blob_list_blob_path(p) {
            errors.push(FieldError::new("export.blobListBlobPath", m));
        }
    }
    errors
}

fn guid(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A subscription id is a GUID.
pub fn subscription_id(value: &str) -> Check {
    if guid(value) {
        Ok(())
    } else {
        Err("Subscription id must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)".into())
    }
}

/// Azure resource group names: 1-90 letters, digits, `-`, `_`, `.`, `(`, `)`, not ending with a period.
pub fn resource_group(name: &str) -> Check {
    length(name, 1, 90, "Resource group name")?;
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
    {
        return Err(
            "Resource group name may contain letters, digits, '-', '_', '.', '(' and ')'".into(),
        );
    }
    if name.ends_with('.') {
        return Err("Resource group name must not end with a period".into());
    }
    Ok(())
}

/// `/subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}`.
pub fn storage_account_id(id: &str) -> Check {
    const SHAPE: &str = "Storage account id must look like /subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{account}";
    let id = id.trim();
    if id.is_empty() {
        return Err("Storage account id is required".into());
    }
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() != 9 || !parts[0].is_empty() {
        return Err(SHAPE.into());
    }
    let fixed = [
        (1, "subscriptions"),
        (3, "resourceGroups"),
        (5, "providers"),
        (6, "Microsoft.Storage"),
        (7, "storageAccounts"),
    ];
    if fixed
        .iter()
        .any(|(i, word)| !parts[*i].eq_ignore_ascii_case(word))
    {
        return Err(SHAPE.into());
    }
    subscription_id(parts[2])
        .map_err(|_| "Storage account id: the subscription must be a GUID".to_string())?;
    resource_group(parts[4]).map_err(|m| format!("Storage account id: {m}"))?;
    let account = parts[8];
    if !(3..=24).contains(&account.len())
        || !account
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err("Storage account name must be 3-24 lowercase letters and digits".into());
    }
    Ok(())
}

/// A storage account's own name, as a form asks for it apart from its subscription and resource group.
pub fn storage_account_name(name: &str) -> Check {
    let name = name.trim();
    if name.is_empty() {
        return Err("Storage account name is required".into());
    }
    if !(3..=24).contains(&name.len())
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err("Storage account name must be 3-24 lowercase letters and digits".into());
    }
    Ok(())
}

/// The ARM id of a storage account from its parts (checked as a whole by `storage_account_id`).
pub fn compose_storage_account_id(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
        subscription.trim(),
        resource_group.trim(),
        name.trim()
    )
}

pub fn email(value: &str) -> Check {
    let value = value.trim();
    if value.is_empty() {
        return Err("Email is required".into());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err("Email must be an address like name@example.com".into());
    };
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.len() <= 254;
    if ok {
        Ok(())
    } else {
        Err("Email must be an address like name@example.com".into())
    }
}

pub fn phone(value: &str) -> Check {
    let value = value.trim();
    if value.is_empty() {
        return Err("Phone is required".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'))
    {
        return Err("Phone may contain digits, spaces and + - ( ) . only".into());
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return Err("Phone must have 7 to 15 digits".into());
    }
    Ok(())
}

pub fn postal_code(value: &str) -> Check {
    text(value, 20, "Postal code")?;
    if !value
        .trim()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return Err("Postal code may contain letters, digits, spaces and hyphens".into());
    }
    Ok(())
}

/// Every required field of a return address (paths relative to the address).
pub fn return_address(a: &ReturnAddress) -> Vec<FieldError> {
    let checks = [
        (
            "recipientName",
            text(&a.recipient_name, 100, "Recipient name"),
        ),
        (
            "streetAddress1",
            text(&a.street_address1, 100, "Street address"),
        ),
        (
            "streetAddress2",
            optional_text(
                a.street_address2.as_deref().unwrap_or(""),
                100,
                "Street address line 2",
            ),
        ),
        ("city", text(&a.city, 60, "City")),
        (
            "stateOrProvince",
            optional_text(
                a.state_or_province.as_deref().unwrap_or(""),
                60,
                "State or province",
            ),
        ),
        ("postalCode", postal_code(&a.postal_code)),
        (
            "countryOrRegion",
            text(&a.country_or_region, 60, "Country or region"),
        ),
        ("phone", phone(&a.phone)),
        ("email", email(&a.email)),
    ];
    checks
        .into_iter()
        .filter_map(|(field, r)| r.err().map(|m| FieldError::new(field, m)))
        .collect()
}

/// A carrier the portal knows, by name.
pub fn carrier_name(value: &str) -> Check {
    if value.trim().is_empty() {
        return Err("Carrier is required".into());
    }
    known_carrier(value).map(|_| ()).ok_or_else(|| {
        format!(
            "Unknown carrier '{}'; use one of: {}",
            value.trim(),
            KNOWN_CARRIERS.join(", ")
        )
    })
}

pub fn carrier_account_number(value: &str) -> Check {
    let value = value.trim();
    if value.is_empty() {
        return Err("Carrier account number is required".into());
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("Carrier account number may contain letters, digits and hyphens".into());
    }
    length(value, 1, 32, "Carrier account number")
}

pub fn return_shipping(r: &ReturnShipping) -> Vec<FieldError> {
    [
        ("carrierName", carrier_name(&r.carrier_name)),
        (
            "carrierAccountNumber",
            carrier_account_number(&r.carrier_account_number),
        ),
    ]
    .into_iter()
    .filter_map(|(field, r)| r.err().map(|m| FieldError::new(field, m)))
    .collect()
}

/// Tracking numbers: letters, digits and hyphens (a `-1`, `-2` suffix marks jobs sharing one shipment).
pub fn tracking_number(value: &str) -> Check {
    let value = value.trim();
    if value.is_empty() {
        return Err("Tracking number is required".into());
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("Tracking number may contain letters, digits and hyphens".into());
    }
    if !value.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err("Tracking number must contain letters or digits".into());
    }
    length(value, 1, 64, "Tracking number")
}

/// `YYYY-MM-DD`, or an RFC 3339 date-time.
pub fn ship_date(value: &str) -> Check {
    let value = value.trim();
    let ok = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(value).is_ok();
    if ok {
        Ok(())
    } else {
        Err("Ship date must be a date like 2026-11-25".into())
    }
}

pub fn drive_count(count: u32) -> Check {
    if (1..=MAX_DRIVES as u32).contains(&count) {
        Ok(())
    } else {
        Err(format!("Drive count must be between 1 and {MAX_DRIVES}"))
    }
}

/// How many days ahead of the server's clock (UTC) a delivery package's ship date may be (reference §3): a
/// package is reported shipped when it ships, give or take the time zones and a weekend's preparation.
pub const SHIP_DATE_MAX_DAYS_AHEAD: i64 = 2;

/// The calendar day (UTC) of a ship date written as `YYYY-MM-DD` or as an RFC 3339 date-time.
pub fn ship_day(value: &str) -> Option<chrono::NaiveDate> {
    let value = value.trim();
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(value)
                .ok()
                .map(|d| d.with_timezone(&chrono::Utc).date_naive())
        })
}

/// A ship date the data center can believe: a valid date at most [`SHIP_DATE_MAX_DAYS_AHEAD`] days after
/// `now`'s day (UTC).
pub fn ship_date_plausible(value: &str, now: crate::job::Timestamp) -> Check {
    ship_date(value)?;
    let latest = now.date_naive() + chrono::TimeDelta::days(SHIP_DATE_MAX_DAYS_AHEAD);
    match ship_day(value) {
        Some(day) if day > latest => Err(format!(
            "Ship date can be at most {SHIP_DATE_MAX_DAYS_AHEAD} days ahead: {latest} at the latest (UTC)"
        )),
        _ => Ok(()),
    }
}

/// The drive count of an import job's delivery package: between 1 and the drives listed on the job. A first
/// package may knowingly hold only some of them; the rest come in a later shipment.
pub fn delivery_drive_count(count: u32, listed: usize) -> Check {
    let listed = listed.max(1);
    if count >= 1 && count as usize <= listed {
        return Ok(());
    }
    let drives = if listed == 1 { "drive" } else { "drives" };
    Err(format!(
        "Drive count must be between 1 and {listed}: the job lists {listed} {drives} (a first package may hold only some of them)"
    ))
}

/// What a delivery package claims, checked against the job (`listed`: the drives of an import job; `None` for
/// an export job, whose drives are counted at intake) and the clock: the plausibility rules of reference §3,
/// on top of [`delivery_package`]'s format checks. Fields are the package's own (`driveCount`, `shipDate`).
pub fn delivery_plausibility(
    p: &DeliveryPackage,
    listed: Option<usize>,
    now: crate::job::Timestamp,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let (Some(count), Some(listed)) = (p.drive_count, listed) {
        if drive_count(count).is_ok() {
            if let Err(m) = delivery_drive_count(count, listed) {
                errors.push(FieldError::new("driveCount", m));
            }
        }
    }
    if let Some(date) = p.ship_date.as_deref().filter(|d| !d.trim().is_empty()) {
        if ship_date(date).is_ok() {
            if let Err(m) = ship_date_plausible(date, now) {
                errors.push(FieldError::new("shipDate", m));
            }
        }
    }
    errors
}

/// The package to the data center; the carrier must be one the job's location accepts.
pub fn delivery_package(p: &DeliveryPackage, location: &Location) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if p.carrier_name.trim().is_empty() {
        errors.push(FieldError::new("carrierName", "Carrier is required"));
    } else if location.accepts_carrier(&p.carrier_name).is_none() {
        errors.push(FieldError::new(
            "carrierName",
            format!(
                "{} does not accept {}; use {}",
                location.display_name,
                p.carrier_name.trim(),
                location.supported_carriers.join(" or ")
            ),
        ));
    }
    if let Err(m) = tracking_number(&p.tracking_number) {
        errors.push(FieldError::new("trackingNumber", m));
    }
    if let Some(Err(m)) = p.drive_count.map(drive_count) {
        errors.push(FieldError::new("driveCount", m));
    }
    if let Some(Err(m)) = p
        .ship_date
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(ship_date)
    {
        errors.push(FieldError::new("shipDate", m));
    }
    errors
}

/// The package the data center ships back: every field required.
pub fn return_package(p: &ReturnPackage) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(m) = carrier_name(&p.carrier_name) {
        errors.push(FieldError::new("carrierName", m));
    }
    if let Err(m) = tracking_number(&p.tracking_number) {
        errors.push(FieldError::new("trackingNumber", m));
    }
    // The exact number (every drive at the data center) is the lifecycle's check, which knows the job.
    if p.drive_count == 0 {
        errors.push(FieldError::new(
            "driveCount",
            "Drive count must be at least 1",
        ));
    }
    if let Err(m) = ship_date(&p.ship_date) {
        errors.push(FieldError::new("shipDate", m));
    }
    errors
}

/// Log URIs written by the data center: absolute http(s) URLs.
pub fn log_uri(value: &str) -> Check {
    http_uri(value, "Log URI")
}

/// The blob list of an export's blobs that were not exported (the API's `incompleteBlobListUri`): an absolute
/// http(s) URL, like the logs the data center writes next to it.
pub fn incomplete_blob_list_uri(value: &str) -> Check {
    http_uri(value, "Incomplete blob list URI")
}

fn http_uri(value: &str, what: &str) -> Check {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => {}
        _ => return Err(format!("{what} must be an absolute http(s) URL")),
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{what} must not contain spaces"));
    }
    length(value, 1, 2048, what)
}

/// Diagnostics path: the container that receives the logs (a container name).
pub fn diagnostics_path(value: &str) -> Check {
    if value.is_empty() {
        return Ok(());
    }
    container_name(value).map_err(|_| {
        "Diagnostics path must be a container name: 3-63 lowercase letters, digits and hyphens"
            .to_string()
    })
}

/// A reason for a fault or a resolution, or a staff note.
pub fn reason(value: &str) -> Check {
    text(value, MAX_REASON, "Reason")
}

pub fn tags(tags: &BTreeMap<String, String>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new("tags", format!("At most {MAX_TAGS} tags")));
    }
    for (k, v) in tags {
        if k.trim().is_empty()
            || k.chars().count() > 512
            || k.contains(['<', '>', '%', '&', '\\', '?', '/'])
        {
            errors.push(FieldError::new(
                format!("tags.{k}"),
                "Tag names are 1-512 characters without < > % & \\ ? /",
            ));
        }
        if v.chars().count() > 256 {
            errors.push(FieldError::new(
                format!("tags.{k}"),
                "Tag values are at most 256 characters",
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const KEY: &str = "123453-234564-345675-456786-567897-678920-123442-000000";

    #[test]
    fn job_names_follow_the_documented_rule() {
        assert!(job_name("my-job-1").is_ok());
        assert!(job_name("abc").is_ok());
        assert!(job_name(&format!("a{}", "b".repeat(63))).is_ok());
        assert_eq!(job_name("").unwrap_err(), "Job name is required");
        assert!(job_name("ab").unwrap_err().contains("at least 3"));
        assert!(job_name(&format!("a{}", "b".repeat(64)))
            .unwrap_err()
            .contains("at most 64"));
        assert!(job_name("My-job")
            .unwrap_err()
            .contains("start with a lowercase letter"));
        assert!(job_name("1job")
            .unwrap_err()
            .contains("start with a lowercase letter"));
        assert!(job_name("my job").unwrap_err().contains("spaces"));
        assert!(job_name("my_job").unwrap_err().contains("found '_'"));
    }

    #[test]
    fn drive_ids_are_serials_without_spaces() {
        assert!(drive_id("9CA995BB").is_ok());
        assert!(drive_id("WD-WCC4E1_2.0").is_ok());
        assert!(drive_id("").is_err());
        assert!(drive_id("9CA 995").unwrap_err().contains("spaces"));
        assert!(drive_id("9CA/995").is_err());
        assert!(drive_id(&"A".repeat(65)).is_err());
    }

    #[test]
    fn bitlocker_keys_need_eight_groups_of_multiples_of_eleven() {
        assert!(bitlocker_key(KEY).is_ok());
        assert!(bitlocker_key("").unwrap_err().contains("required"));
        assert!(bitlocker_key("123453-234564")
            .unwrap_err()
            .contains("8 groups"));
        assert!(bitlocker_key("12345a-234564-345675-456786-567897-678920-123442-000000").is_err());
        // 123454 is not a multiple of 11.
        let err =
            bitlocker_key("123454-234564-345675-456786-567897-678920-123442-000000").unwrap_err();
        assert!(err.contains("group 1"), "{err}");
        // 720896 and above are out of range even when divisible by 11.
        assert!(bitlocker_key("720907-234564-345675-456786-567897-678920-123442-000000").is_err());
    }

    #[test]
    fn manifest_fields() {
        assert!(manifest_file("\\DriveManifest.xml").is_ok());
        assert!(manifest_file("manifest.txt").is_err());
        assert!(manifest_file("").is_err());
        assert!(manifest_hash("109B21108597EF36D5785F08303F3638").is_ok());
        assert!(manifest_hash("109B2110").unwrap_err().contains("32"));
        assert!(manifest_hash("").unwrap_err().contains("required"));
        assert!(manifest_hash("Z09B21108597EF36D5785F08303F3638")
            .unwrap_err()
            .contains("hexadecimal"));
        assert!(drive_header_hash("").is_ok());
        assert!(drive_header_hash("abc").is_err());
        assert!(drive_header_hash(&"A".repeat(64)).is_ok());
    }

    fn spec(id: &str) -> DriveSpec {
        DriveSpec {
            drive_id: id.into(),
            bit_locker_key: KEY.into(),
            manifest_file: "\\DriveManifest.xml".into(),
            manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
            drive_header_hash: String::new(),
        }
    }

    #[test]
    fn drive_lists_hold_one_to_ten_distinct_drives() {
        assert!(drive_list(&[spec("A1")]).is_empty());
        assert_eq!(drive_list(&[])[0].field, "driveList");
        let eleven: Vec<_> = (0..11).map(|i| spec(&format!("D{i}"))).collect();
        assert!(drive_list(&eleven)[0].message.contains("at most 10"));
        assert!(drive_limit_reached().contains("at most 10 drives"));
        let dup = drive_list(&[spec("A1"), spec("a1")]);
        assert_eq!(dup[0].field, "driveList[1].driveId");
        let mut bad = spec("B2");
        bad.bit_locker_key = "nope".into();
        assert_eq!(
            drive_list(&[spec("A1"), bad])[0].field,
            "driveList[1].bitLockerKey"
        );
    }

    #[test]
    fn export_paths() {
        assert!(blob_path("/pictures/animals/kangaroo.jpg").is_ok());
        assert!(blob_path("/$root/file.txt").is_ok());
        assert!(blob_path("pictures/kangaroo.jpg")
            .unwrap_err()
            .contains("start with '/'"));
        assert!(blob_path("/pictures/").unwrap_err().contains("name a blob"));
        assert!(blob_path("/Pictures/x")
            .unwrap_err()
            .contains("container name"));
        assert!(blob_path_prefix("/pictures/").is_ok());
        assert!(blob_path_prefix("/pictures").is_ok());
        assert!(blob_path_prefix("/pictures/ani").is_ok());
        assert!(blob_path_prefix("/pi").is_err());
        assert!(blob_list_blob_path("exportlist/blobs.xml").is_ok());
        assert!(blob_list_blob_path("$root/blobs.xml").is_ok());
        assert!(blob_list_blob_path("/exportlist/blobs.xml").is_err());
        assert!(blob_list_blob_path("exportlist").is_err());

        let empty = export_spec(&ExportSpec::default());
        assert_eq!(empty[0].field, "export");
        let spec = ExportSpec {
            blob_paths: vec!["/okay/blob".into(), "bad".into()],
            blob_path_prefixes: vec!["/x".into()],
            blob_list_blob_path: None,
        };
        let errors = export_spec(&spec);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "export.blobList.blobPath[1]",
                "export.blobList.blobPathPrefix[0]"
            ]
        );
        assert!(export_spec(&ExportSpec {
            blob_list_blob_path: Some("list/all.xml".into()),
            ..Default::default()
        })
        .is_empty());
    }

    #[test]
    fn storage_account_ids() {
        let good = "/subscriptions/8a0b0e2c-6f0a-4f0e-9c1a-1d2e3f4a5b6c/resourceGroups/rg-1/providers/Microsoft.Storage/storageAccounts/acct01";
        assert!(storage_account_id(good).is_ok());
        assert!(storage_account_id(&good.to_lowercase()).is_ok());
        assert!(storage_account_id("").unwrap_err().contains("required"));
        assert!(storage_account_id("acct01")
            .unwrap_err()
            .contains("look like"));
        assert!(storage_account_id(&good.replace("8a0b0e2c", "zzzz"))
            .unwrap_err()
            .contains("GUID"));
        assert!(storage_account_id(&good.replace("acct01", "Acct01"))
            .unwrap_err()
            .contains("lowercase"));
        assert!(
            storage_account_id(&good.replace("Microsoft.Storage", "Microsoft.Compute")).is_err()
        );
        assert!(subscription_id("8a0b0e2c-6f0a-4f0e-9c1a-1d2e3f4a5b6c").is_ok());
        assert!(resource_group("rg.").is_err());
        assert!(resource_group("my rg").is_err());
    }

    pub fn address() -> ReturnAddress {
        ReturnAddress {
            recipient_name: "Ada Lovelace".into(),
            street_address1: "1 Analytical Way".into(),
            street_address2: None,
            city: "Redmond".into(),
            state_or_province: Some("WA".into()),
            postal_code: "98052".into(),
            country_or_region: "USA".into(),
            phone: "+1 425 555 0100".into(),
            email: "ada@example.com".into(),
        }
    }

    #[test]
    fn return_addresses_need_every_required_field() {
        assert!(return_address(&address()).is_empty());
        let empty = return_address(&ReturnAddress::default());
        let fields: Vec<_> = empty.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "recipientName",
                "streetAddress1",
                "city",
                "postalCode",
                "countryOrRegion",
                "phone",
                "email"
            ]
        );
        let mut a = address();
        a.email = "ada.example.com".into();
        a.phone = "call me".into();
        let fields: Vec<_> = return_address(&a).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["phone", "email"]);
        assert!(phone("123").unwrap_err().contains("7 to 15"));
        assert!(email("a@b").is_err());
        assert!(email("a b@c.com").is_err());
        assert!(postal_code("98052-1234").is_ok());
        assert!(postal_code("98#52").is_err());
    }

    #[test]
    fn return_shipping_needs_a_known_carrier_and_an_account() {
        let ok = ReturnShipping {
            carrier_name: "fedex".into(),
            carrier_account_number: "123456789".into(),
        };
        assert!(return_shipping(&ok).is_empty());
        let bad = return_shipping(&ReturnShipping {
            carrier_name: "Pigeon".into(),
            carrier_account_number: "".into(),
        });
        assert_eq!(bad.len(), 2);
        assert!(bad[0].message.contains("Unknown carrier 'Pigeon'"));
        assert_eq!(bad[1].field, "carrierAccountNumber");
    }

    #[test]
    fn delivery_packages_use_a_carrier_of_the_location() {
        let westus = crate::shipping::default_locations().remove(0);
        let mut p = DeliveryPackage {
            carrier_name: "FedEx".into(),
            tracking_number: "123456789012-1".into(),
            drive_count: Some(2),
            ship_date: Some("2026-11-25".into()),
        };
        assert!(delivery_package(&p, &westus).is_empty());
        p.carrier_name = "UPS".into();
        let errors = delivery_package(&p, &westus);
        assert_eq!(errors[0].field, "carrierName");
        assert!(errors[0]
            .message
            .contains("West US does not accept UPS; use FedEx"));
        p.carrier_name = "FedEx".into();
        p.tracking_number = "12 34".into();
        p.drive_count = Some(11);
        p.ship_date = Some("25/11/2026".into());
        let fields: Vec<_> = delivery_package(&p, &westus)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["trackingNumber", "driveCount", "shipDate"]);
        assert!(ship_date("2026-11-25T10:00:00Z").is_ok());
        assert!(ship_date("2026-02-30").is_err());
    }

    #[test]
    fn return_packages_need_every_field() {
        let ok = ReturnPackage {
            carrier_name: "UPS".into(),
            tracking_number: "1Z999".into(),
            drive_count: 2,
            ship_date: "2026-12-01".into(),
        };
        assert!(return_package(&ok).is_empty());
        assert_eq!(return_package(&ReturnPackage::default()).len(), 4);
    }

    #[test]
    fn other_fields() {
        assert!(log_uri("https://acct.blob.core.windows.net/logs/err.log").is_ok());
        assert!(log_uri("ftp://x").is_err());
        assert!(log_uri("https://").is_err());
        assert!(log_uri("https://a b").is_err());
        assert!(incomplete_blob_list_uri(
            "https://acct.blob.core.windows.net/waimportexport/not-exported.xml"
        )
        .is_ok());
        let e = incomplete_blob_list_uri("not-exported.xml").unwrap_err();
        assert!(e.starts_with("Incomplete blob list URI"), "{e}");
        assert!(incomplete_blob_list_uri("https://").is_err());
        assert!(incomplete_blob_list_uri(&format!("https://a/{}", "x".repeat(2048))).is_err());
        assert!(diagnostics_path("waimportexport").is_ok());
        assert!(diagnostics_path("").is_ok());
        assert!(diagnostics_path("Logs").is_err());
        assert!(reason("").is_err());
        assert!(reason("Drive damaged in transit").is_ok());
        assert!(reason(&"x".repeat(MAX_REASON + 1)).is_err());
        assert!(text("a\u{7}b", 10, "Name").unwrap_err().contains("control"));
        let mut t = BTreeMap::new();
        t.insert("env".to_string(), "prod".to_string());
        assert!(tags(&t).is_empty());
        t.insert("a/b".to_string(), "x".to_string());
        assert_eq!(tags(&t)[0].field, "tags.a/b");
        assert!(carrier_account_number("ab cd").is_err());
        assert!(tracking_number("--").is_err());
        assert!(drive_count(0).is_err());
    }
}
