//! Field paths in the page's language. Refusals name fields by the API's JSON path
//! (`properties.driveList[1].bitLockerKey`), which the REST API answers as ARM's `target`; people read the label
//! of the field they typed into instead ("Drive 2 — BitLocker key"). One mapping, used by every portal form.

use crate::rejection::{FieldError, Rejection};

/// The label of the field at an API path (camelCase, as refusals name it) or a form key (snake_case).
///
/// Nested fields read from the outside in, joined by an em dash: `driveList[1].bitLockerKey` is
/// "Drive 2 — BitLocker key", `returnAddress.postalCode` "Return address — Postal code". A path this table does
/// not know reads as words (`fooBar` → "Foo bar"), never as the path.
pub fn field_label(path: &str) -> String {
    let path = path.strip_prefix("properties.").unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let mut i = 0;
    while i < segments.len() {
        let (name, index) = split_index(segments[i]);
        let rest = &segments[i + 1..];
        match (name, index) {
            ("driveList" | "drives" | "driveIds" | "drive_ids", Some(n)) => {
                parts.push(format!("Drive {}", n + 1));
            }
            ("export", None) if rest.first().map(|s| split_index(s).0) == Some("blobList") => {
                // `export.blobList.blobPath[3]` → "Blob paths — line 4".
                let (leaf, line) = rest.get(1).map(|s| split_index(s)).unwrap_or(("", None));
                parts.push(leaf_label(if leaf.is_empty() { "blobList" } else { leaf }));
                if let Some(n) = line {
                    parts.push(format!("line {}", n + 1));
                }
                break;
            }
            ("export", None) if !rest.is_empty() => {}
            (name, index) => {
                parts.push(leaf_label(name));
                if let Some(n) = index {
                    parts.push(format!("item {}", n + 1));
                }
            }
        }
        i += 1;
    }
    if parts.is_empty() {
        return "This form".into();
    }
    parts.join(" — ")
}

/// `driveList[1]` → (`driveList`, Some(1)); `email` → (`email`, None).
fn split_index(segment: &str) -> (&str, Option<usize>) {
    match segment.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (segment, None),
    }
}

fn leaf_label(name: &str) -> String {
    let known = match name {
        "name" | "jobName" | "job_name" => "Job name",
        "jobType" | "job_type" => "Job type",
        "location" => "Location",
        "subscription" | "subscriptionId" => "Subscription",
        "resourceGroup" | "resource_group" => "Resource group",
        "storageAccountId" | "storage_account_id" => "Storage account",
        "storageAccountName" | "storage_account_name" => "Storage account name",
        "storage_subscription" => "Storage subscription",
        "storage_resource_group" => "Storage resource group",
        "driveList" | "drives" => "Drives",
        "driveId" | "drive_id" => "Drive ID (serial)",
        "driveIds" | "drive_ids" => "Drives",
        "bitLockerKey" | "bit_locker_key" => "BitLocker key",
        "manifestFile" | "manifest_file" => "Manifest file",
        "manifestHash" | "manifest_hash" => "Manifest hash",
        "driveHeaderHash" | "drive_header_hash" => "Drive header hash",
        "returnAddress" | "return_address" => "Return address",
        "returnShipping" | "return_shipping" => "Return shipping",
        "deliveryPackage" | "delivery_package" => "Delivery package",
        "returnPackage" | "return_package" => "Return package",
        "recipientName" | "recipient_name" => "Recipient name",
        "streetAddress1" | "street_address1" => "Street address",
        "streetAddress2" | "street_address2" => "Street address line 2",
        "city" => "City",
        "stateOrProvince" | "state_or_province" => "State or province",
        "postalCode" | "postal_code" => "Postal code",
        "countryOrRegion" | "country_or_region" => "Country or region",
        "phone" => "Phone",
        "email" => "Email",
        "carrierName" | "carrier_name" => "Carrier",
        "carrierAccountNumber" | "carrier_account_number" => "Carrier account number",
        "trackingNumber" | "tracking_number" => "Tracking number",
        "driveCount" | "drive_count" => "Number of drives",
        "shipDate" | "ship_date" => "Ship date",
        "logLevel" | "log_level" => "Log level",
        "backupDriveManifest" | "backup_drive_manifest" => "Backup drive manifest",
        "diagnosticsPath" | "diagnostics_path" => "Diagnostics path",
        "blobList" | "blob_list" => "Blob paths",
        "blobPath" | "blob_path" => "Blob paths",
        "blobPathPrefix" | "blob_path_prefix" => "Blob path prefixes",
        "blobListBlobPath" | "blob_list_blob_path" => "Blob list blob path",
        "tags" => "Tags",
        "cancelRequested" | "cancel_requested" => "Cancellation",
        "copyStatus" | "copy_status" => "Copy status",
        "bytesSucceeded" | "bytes_succeeded" => "Bytes copied",
        "percentComplete" | "percent_complete" => "Percent complete",
        "reason" => "Reason",
        "notes" | "note" => "Notes",
        "password" => "Password",
        "password_confirm" => "Confirm password",
        _ => return words(name),
    };
    known.to_string()
}

/// `someFieldName` or `some_field_name` → "Some field name".
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' || c == '-' {
            out.push(' ');
        } else if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// One field problem as a person reads it: "Drive 2 — BitLocker key: must be …". A message that starts by
/// naming its own field ("BitLocker key must be …") does not name it twice.
pub fn labelled(error: &FieldError) -> String {
    let label = field_label(&error.field);
    let message = error.message.trim();
    // A top-level field whose message already names it ("Job name must not contain spaces", "The email or
    // password is wrong") reads best as it is.
    if !label.contains(" — ") && message.to_lowercase().contains(&label.to_lowercase()) {
        return message.to_string();
    }
    let leaf = label.rsplit(" — ").next().unwrap_or(&label);
    let leaf = leaf.split(" (").next().unwrap_or(leaf);
    let rest = message
        .get(..leaf.len())
        .filter(|head| head.eq_ignore_ascii_case(leaf))
        .and_then(|_| message.get(leaf.len()..))
        .map(str::trim_start)
        .filter(|rest| {
            ["must ", "is ", "may ", "cannot "]
                .iter()
                .any(|v| rest.starts_with(v))
        });
    match rest {
        Some("is required") => format!("{label}: required"),
        Some(rest) => format!("{label}: {rest}"),
        None => format!("{label}: {message}"),
    }
}

/// A refusal's headline in the page's language: the labelled problem when there is one, how many when there
/// are several; the refusal's own message when it names no field problem.
pub fn page_message(rejection: &Rejection) -> String {
    match rejection.details.as_slice() {
        [] => rejection.message.clone(),
        [only] => labelled(only),
        [first, ..] => format!(
            "{} fields need correcting; first, {}",
            rejection.details.len(),
            labelled(first)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_read_as_their_labels() {
        assert_eq!(
            field_label("properties.driveList[1].bitLockerKey"),
            "Drive 2 — BitLocker key"
        );
        assert_eq!(
            field_label("driveList[0].driveId"),
            "Drive 1 — Drive ID (serial)"
        );
        assert_eq!(
            field_label("properties.returnAddress.postalCode"),
            "Return address — Postal code"
        );
        assert_eq!(
            field_label("returnShipping.carrierAccountNumber"),
            "Return shipping — Carrier account number"
        );
        assert_eq!(
            field_label("deliveryPackage.driveCount"),
            "Delivery package — Number of drives"
        );
        assert_eq!(
            field_label("properties.export.blobList.blobPath[3]"),
            "Blob paths — line 4"
        );
        assert_eq!(
            field_label("properties.export.blobListBlobPath"),
            "Blob list blob path"
        );
        assert_eq!(field_label("resource_group"), "Resource group");
        assert_eq!(field_label("driveIds[2]"), "Drive 3");
    }

    #[test]
    fn unknown_fields_read_as_words_never_as_paths() {
        assert_eq!(field_label("someNewField"), "Some new field");
        assert_eq!(field_label("odd_key"), "Odd key");
        for path in [
            "properties.driveList[1].bitLockerKey",
            "properties.export.blobList.blobPath[0]",
            "whatever.deeplyNested[4].thing",
        ] {
            let label = field_label(path);
            assert!(
                !label.contains('.') && !label.contains('[') && !label.contains("properties"),
                "{path} → {label}"
            );
        }
    }

    #[test]
    fn a_message_naming_its_field_does_not_name_it_twice() {
        let e = FieldError::new(
            "properties.driveList[1].bitLockerKey",
            crate::validate::bitlocker_key("123").unwrap_err(),
        );
        assert_eq!(
            labelled(&e),
            "Drive 2 — BitLocker key: must be 48 digits in 8 groups of 6 separated by hyphens"
        );
        let e = FieldError::new("driveList[0].bitLockerKey", "BitLocker key is required");
        assert_eq!(labelled(&e), "Drive 1 — BitLocker key: required");
        // A message that names a top-level field already is kept as it is, never "Storage account: id must …".
        let e = FieldError::new(
            "properties.storageAccountId",
            "Storage account id must look like /subscriptions/…",
        );
        assert_eq!(
            labelled(&e),
            "Storage account id must look like /subscriptions/…"
        );
        let e = FieldError::new("password", "The email or password is wrong");
        assert_eq!(labelled(&e), "The email or password is wrong");
        let e = FieldError::new("name", "too short");
        assert_eq!(labelled(&e), "Job name: too short");
        let e = FieldError::new(
            "returnAddress.email",
            "Enter an email address like a@b.example",
        );
        assert_eq!(
            labelled(&e),
            "Return address — Email: Enter an email address like a@b.example"
        );
    }

    #[test]
    fn headlines_name_the_label_and_count_the_problems() {
        let one = Rejection::from_field_errors(vec![FieldError::new(
            "properties.driveList[1].bitLockerKey",
            "must be 8 groups of 6 digits",
        )])
        .unwrap();
        // The API's message keeps the path (ARM's `target` is built from it); the page's reads the label.
        assert!(one.message.contains("driveList[1]"));
        assert_eq!(
            page_message(&one),
            "Drive 2 — BitLocker key: must be 8 groups of 6 digits"
        );
        let two = Rejection::from_field_errors(vec![
            FieldError::new("name", "too short"),
            FieldError::new("properties.returnAddress.email", "not an email"),
        ])
        .unwrap();
        assert_eq!(
            page_message(&two),
            "2 fields need correcting; first, Job name: too short"
        );
        let plain = Rejection::not_allowed("The job has shipped");
        assert_eq!(page_message(&plain), "The job has shipped");
    }
}
