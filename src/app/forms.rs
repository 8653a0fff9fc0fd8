//! What the customer's forms post, and how it becomes lifecycle input. Compiled for both sides: the browser
//! checks fields with the same lifecycle validators as the server, and the server converts the same structs.
//! Input names are nested (`job[drives][0][drive_id]`), which server functions decode with serde_qs.

use lifecycle::{
    DeliveryPackage, DriveSpec, ExportSpec, FieldError, JobType, Location, LogLevel, NewJob,
    ReturnAddress, ReturnShipping,
};
use serde::{Deserialize, Serialize};

/// The manifest file a new drive row starts with (where the WAImportExport tool writes it).
pub const DEFAULT_MANIFEST_FILE: &str = "\\DriveManifest.xml";

fn text(s: &str) -> String {
    s.trim().to_string()
}

fn optional(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressForm {
    pub recipient_name: String,
    pub street_address1: String,
    pub street_address2: String,
    pub city: String,
    pub state_or_province: String,
    pub postal_code: String,
    pub country_or_region: String,
    pub phone: String,
    pub email: String,
}

impl AddressForm {
    pub fn is_blank(&self) -> bool {
        self == &AddressForm::default()
            || [
                &self.recipient_name,
                &self.street_address1,
                &self.street_address2,
                &self.city,
                &self.state_or_province,
                &self.postal_code,
                &self.country_or_region,
                &self.phone,
                &self.email,
            ]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    pub fn to_address(&self) -> ReturnAddress {
        ReturnAddress {
            recipient_name: text(&self.recipient_name),
            street_address1: text(&self.street_address1),
            street_address2: optional(&self.street_address2),
            city: text(&self.city),
            state_or_province: optional(&self.state_or_province),
            postal_code: text(&self.postal_code),
            country_or_region: text(&self.country_or_region),
            phone: text(&self.phone),
            email: text(&self.email),
        }
    }

    pub fn from_address(a: &ReturnAddress) -> AddressForm {
        AddressForm {
            recipient_name: a.recipient_name.clone(),
            street_address1: a.street_address1.clone(),
            street_address2: a.street_address2.clone().unwrap_or_default(),
            city: a.city.clone(),
            state_or_province: a.state_or_province.clone().unwrap_or_default(),
            postal_code: a.postal_code.clone(),
            country_or_region: a.country_or_region.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
        }
    }

    /// What to echo after a refused plain form post.
    pub fn echo(&self, prefix: &str) -> Vec<(String, String)> {
        [
            ("recipient_name", &self.recipient_name),
            ("street_address1", &self.street_address1),
            ("street_address2", &self.street_address2),
            ("city", &self.city),
            ("state_or_province", &self.state_or_province),
            ("postal_code", &self.postal_code),
            ("country_or_region", &self.country_or_region),
            ("phone", &self.phone),
            ("email", &self.email),
        ]
        .into_iter()
        .map(|(k, v)| (format!("{prefix}[{k}]"), v.clone()))
        .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnShippingForm {
    pub carrier_name: String,
    pub carrier_account_number: String,
}

impl ReturnShippingForm {
    pub fn is_blank(&self) -> bool {
        self.carrier_name.trim().is_empty() && self.carrier_account_number.trim().is_empty()
    }

    pub fn to_shipping(&self) -> ReturnShipping {
        ReturnShipping {
            carrier_name: text(&self.carrier_name),
            carrier_account_number: text(&self.carrier_account_number),
        }
    }

    /// What to echo after a refused plain form post: the chosen carrier too.
    pub fn echo(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            (format!("{prefix}[carrier_name]"), self.carrier_name.clone()),
            (
                format!("{prefix}[carrier_account_number]"),
                self.carrier_account_number.clone(),
            ),
        ]
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryForm {
    pub carrier_name: String,
    pub tracking_number: String,
    pub drive_count: String,
    pub ship_date: String,
}

impl DeliveryForm {
    /// The package, or the problem with the drive count (the lifecycle checks the rest).
    pub fn to_package(&self) -> Result<DeliveryPackage, FieldError> {
        let drive_count = match self.drive_count.trim() {
            "" => None,
            n => Some(n.parse::<u32>().map_err(|_| {
                FieldError::new(
                    "deliveryPackage.driveCount",
                    "Drive count must be a whole number",
                )
            })?),
        };
        Ok(DeliveryPackage {
            carrier_name: text(&self.carrier_name),
            tracking_number: text(&self.tracking_number),
            drive_count,
            ship_date: optional(&self.ship_date),
        })
    }

    pub fn echo(&self) -> Vec<(String, String)> {
        vec![
            ("pkg[carrier_name]".into(), self.carrier_name.clone()),
            ("pkg[tracking_number]".into(), self.tracking_number.clone()),
            ("pkg[drive_count]".into(), self.drive_count.clone()),
            ("pkg[ship_date]".into(), self.ship_date.clone()),
        ]
    }
}

/// The guided *Mark as shipped* form (`ship[...]`): the delivery package, and the return address and return
/// shipping only when the job lacks them (the form carries those sections only then).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShipForm {
    pub pkg: DeliveryForm,
    pub address: Option<AddressForm>,
    pub shipping: Option<ReturnShippingForm>,
}

impl ShipForm {
    /// What was typed, under the form's own names (`ship[pkg][tracking_number]`).
    pub fn echo(&self) -> Vec<(String, String)> {
        let mut values: Vec<(String, String)> = self
            .pkg
            .echo()
            .into_iter()
            .map(|(k, v)| (format!("ship[{}", k.replacen('[', "][", 1)), v))
            .collect();
        if let Some(a) = &self.address {
            values.extend(a.echo("ship[address]"));
        }
        if let Some(r) = &self.shipping {
            values.extend(r.echo("ship[shipping]"));
        }
        values
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriveForm {
    pub drive_id: String,
    pub bit_locker_key: String,
    pub manifest_file: String,
    pub manifest_hash: String,
    pub drive_header_hash: String,
}

impl DriveForm {
    /// A new row: empty but for the usual manifest file.
    pub fn new_row() -> DriveForm {
        DriveForm {
            manifest_file: DEFAULT_MANIFEST_FILE.to_string(),
            ..DriveForm::default()
        }
    }

    /// Nothing typed: the manifest file still as the row started doesn't count as input.
    fn is_blank(&self) -> bool {
        let manifest = self.manifest_file.trim();
        [
            &self.drive_id,
            &self.bit_locker_key,
            &self.manifest_hash,
            &self.drive_header_hash,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
            && (manifest.is_empty() || manifest == DEFAULT_MANIFEST_FILE)
    }
}

/// What a plain (JavaScript-off) post of the new-job form asks for besides creating the job: the form's
/// secondary submit buttons post it back to the page, which re-renders it with everything typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormIntent {
    Create,
    AddDrive,
    RemoveDrive,
    /// Show the address and carriers of the data center now chosen.
    ShowAddress,
}

impl FormIntent {
    pub const CREATE: &'static str = "create";
    pub const ADD_DRIVE: &'static str = "add_drive";
    pub const REMOVE_DRIVE: &'static str = "remove_drive";
    pub const SHOW_ADDRESS: &'static str = "show_address";

    /// A missing or unknown value is a create: that is what the form's main button (and Enter) does.
    pub fn parse(s: Option<&str>) -> FormIntent {
        match s.map(str::trim) {
            Some(Self::ADD_DRIVE) => FormIntent::AddDrive,
            Some(Self::REMOVE_DRIVE) => FormIntent::RemoveDrive,
            Some(Self::SHOW_ADDRESS) => FormIntent::ShowAddress,
            _ => FormIntent::Create,
        }
    }
}

/// The new-job form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobForm {
    pub job_type: String,
    pub name: String,
    pub location: String,
    pub subscription: String,
    pub resource_group: String,
    pub storage_account_id: String,
    /// The storage account by its parts, composed into its id when no whole id is pasted.
    pub storage_subscription: String,
    pub storage_resource_group: String,
    pub storage_account_name: String,
    pub drives: Vec<DriveForm>,
    /// One blob path per line.
    pub blob_paths: String,
    /// One prefix per line.
    pub blob_path_prefixes: String,
    pub blob_list_blob_path: String,
    pub address: AddressForm,
    pub shipping: ReturnShippingForm,
    pub diagnostics_path: String,
    pub log_level: String,
    /// A checkbox: present ("on") when ticked.
    pub backup_drive_manifest: Option<String>,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl JobForm {
    /// The storage account's id: a pasted whole id, or else the one its parts compose (left empty when no part
    /// is given, so that the lifecycle says the storage account is required).
    pub fn storage_account(&self) -> String {
        let pasted = text(&self.storage_account_id);
        if !self.storage_from_parts() {
            return pasted;
        }
        lifecycle::validate::compose_storage_account_id(
            &self.storage_subscription,
            &self.storage_resource_group,
            &self.storage_account_name,
        )
    }

    /// No whole id was pasted and at least one part was typed: the parts make the id.
    fn storage_from_parts(&self) -> bool {
        text(&self.storage_account_id).is_empty()
            && !(self.storage_resource_group.trim().is_empty()
                && self.storage_account_name.trim().is_empty())
    }

    /// Each storage-account part that is wrong, named by its own field, so that the customer is not told that
    /// an id they never typed is malformed. Empty when a whole id was pasted (that id is checked instead).
    pub fn storage_part_errors(&self) -> Vec<lifecycle::FieldError> {
        use lifecycle::{validate, FieldError};
        if !self.storage_from_parts() {
            return Vec::new();
        }
        let mut errors = Vec::new();
        if let Err(m) = validate::resource_group(self.storage_resource_group.trim()) {
            errors.push(FieldError::new("storage_resource_group", m));
        }
        if let Err(m) = validate::storage_account_name(&self.storage_account_name) {
            errors.push(FieldError::new("storage_account_name", m));
        }
        errors
    }

    pub fn job_type(&self) -> JobType {
        JobType::parse(&self.job_type).unwrap_or(JobType::Import)
    }

    /// The lifecycle's input for this form at `location`. Blank drive rows are skipped; drive rows keep their
    /// form index in error paths because the lifecycle numbers the drives it receives.
    pub fn to_new_job(&self, location: Location) -> NewJob {
        let job_type = self.job_type();
        NewJob {
            name: text(&self.name),
            job_type,
            location,
            storage_account_id: self.storage_account(),
            drives: match job_type {
                JobType::Import => self
                    .drives
                    .iter()
                    .filter(|d| !d.is_blank())
                    .map(|d| DriveSpec {
                        drive_id: text(&d.drive_id),
                        bit_locker_key: text(&d.bit_locker_key),
                        manifest_file: text(&d.manifest_file),
                        manifest_hash: text(&d.manifest_hash),
                        drive_header_hash: text(&d.drive_header_hash),
                    })
                    .collect(),
                JobType::Export => Vec::new(),
            },
            export: (job_type == JobType::Export).then(|| ExportSpec {
                blob_paths: lines(&self.blob_paths),
                blob_path_prefixes: lines(&self.blob_path_prefixes),
                blob_list_blob_path: optional(&self.blob_list_blob_path),
            }),
            return_address: (!self.address.is_blank()).then(|| self.address.to_address()),
            return_shipping: (!self.shipping.is_blank()).then(|| self.shipping.to_shipping()),
            delivery_package: None,
            diagnostics_path: text(&self.diagnostics_path),
            log_level: LogLevel::parse(&self.log_level).unwrap_or_default(),
            backup_drive_manifest: self.backup_drive_manifest.is_some(),
            tags: Default::default(),
            encryption_key: Default::default(),
        }
    }

    /// The form asks for more drives or export entries than a job may have: refused as a whole before the
    /// rows are converted and validated one by one (a crafted post could hold tens of thousands, and the work
    /// and the refusal's size would grow with them). Counted without copying anything.
    pub fn over_limits(&self) -> Option<FieldError> {
        use lifecycle::validate::{
            too_many_drives, too_many_export_entries, MAX_DRIVES, MAX_EXPORT_ENTRIES,
        };
        match self.job_type() {
            JobType::Import => {
                let drives = self.drives.iter().filter(|d| !d.is_blank()).count();
                (drives > MAX_DRIVES)
                    .then(|| FieldError::new("properties.driveList", too_many_drives(drives)))
            }
            JobType::Export => {
                let count = |text: &str| text.lines().filter(|l| !l.trim().is_empty()).count();
                let entries = count(&self.blob_paths) + count(&self.blob_path_prefixes);
                (entries > MAX_EXPORT_ENTRIES).then(|| {
                    FieldError::new(
                        "properties.export",
                        format!(
                            "{}; list them in a blob list blob instead",
                            too_many_export_entries(entries)
                        ),
                    )
                })
            }
        }
    }

    /// The index in `drives` of the n-th non-blank row (to map `driveList[n]` errors back to the row).
    pub fn row_of_drive(&self, n: usize) -> Option<usize> {
        self.drives
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.is_blank())
            .nth(n)
            .map(|(i, _)| i)
    }

    /// Adds or removes a drive row (within 1 to `MAX_DRIVES` rows).
    pub fn change_rows(&mut self, intent: FormIntent) {
        match intent {
            FormIntent::AddDrive if self.drives.len() < lifecycle::validate::MAX_DRIVES => {
                self.drives.push(DriveForm::new_row())
            }
            FormIntent::RemoveDrive if self.drives.len() > 1 => {
                self.drives.pop();
            }
            _ => {}
        }
        if self.drives.is_empty() {
            self.drives.push(DriveForm::new_row());
        }
        self.clamp_rows();
    }

    /// Drops drive rows beyond `MAX_DRIVES`: no page form has more, only a crafted post, and rendering them
    /// would let the post decide how much the server renders. (A create sees every row first, so such a post
    /// is refused with the lifecycle's own message.)
    pub fn clamp_rows(&mut self) {
        self.drives.truncate(lifecycle::validate::MAX_DRIVES);
    }

    /// Everything typed except secrets (BitLocker keys), for a refused plain form post (kept in the session's
    /// flash for the page that follows), the first `MAX_DRIVES` drive rows only.
    pub fn echo(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("job[job_type]".to_string(), self.job_type.clone()),
            ("job[name]".to_string(), self.name.clone()),
            ("job[location]".to_string(), self.location.clone()),
            ("job[subscription]".to_string(), self.subscription.clone()),
            ("job[log_level]".to_string(), self.log_level.clone()),
            (
                "job[backup_drive_manifest]".to_string(),
                self.backup_drive_manifest.clone().unwrap_or_default(),
            ),
            (
                "job[drive_rows]".to_string(),
                self.drives
                    .len()
                    .min(lifecycle::validate::MAX_DRIVES)
                    .to_string(),
            ),
            (
                "job[resource_group]".to_string(),
                self.resource_group.clone(),
            ),
            (
                "job[storage_account_id]".to_string(),
                self.storage_account_id.clone(),
            ),
            (
                "job[storage_subscription]".to_string(),
                self.storage_subscription.clone(),
            ),
            (
                "job[storage_resource_group]".to_string(),
                self.storage_resource_group.clone(),
            ),
            (
                "job[storage_account_name]".to_string(),
                self.storage_account_name.clone(),
            ),
            ("job[blob_paths]".to_string(), self.blob_paths.clone()),
            (
                "job[blob_path_prefixes]".to_string(),
                self.blob_path_prefixes.clone(),
            ),
            (
                "job[blob_list_blob_path]".to_string(),
                self.blob_list_blob_path.clone(),
            ),
            (
                "job[diagnostics_path]".to_string(),
                self.diagnostics_path.clone(),
            ),
        ];
        out.extend(self.shipping.echo("job[shipping]"));
        out.extend(self.address.echo("job[address]"));
        let rows = self.drives.iter().take(lifecycle::validate::MAX_DRIVES);
        for (i, d) in rows.enumerate() {
            out.push((format!("job[drives][{i}][drive_id]"), d.drive_id.clone()));
            out.push((
                format!("job[drives][{i}][manifest_file]"),
                d.manifest_file.clone(),
            ));
            out.push((
                format!("job[drives][{i}][manifest_hash]"),
                d.manifest_hash.clone(),
            ));
            out.push((
                format!("job[drives][{i}][drive_header_hash]"),
                d.drive_header_hash.clone(),
            ));
        }
        out.retain(|(_, v)| !v.is_empty());
        out
    }

    /// Everything typed, BitLocker keys included: for a form re-rendered in the answer to its own POST, where
    /// the keys go back in the response body only (never a URL).
    pub fn draft_values(&self) -> Vec<(String, String)> {
        let mut out = self.echo();
        out.extend(
            self.drives
                .iter()
                .take(lifecycle::validate::MAX_DRIVES)
                .enumerate()
                .filter(|(_, d)| !d.bit_locker_key.is_empty())
                .map(|(i, d)| {
                    (
                        format!("job[drives][{i}][bit_locker_key]"),
                        d.bit_locker_key.clone(),
                    )
                }),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_optional_sections_become_none() {
        let form = JobForm {
            job_type: "Import".into(),
            name: " my-job ".into(),
            drives: vec![
                DriveForm::default(),
                DriveForm {
                    drive_id: "D1".into(),
                    ..DriveForm::default()
                },
            ],
            ..JobForm::default()
        };
        let job = form.to_new_job(Location::default());
        assert_eq!(job.name, "my-job");
        assert_eq!(job.drives.len(), 1);
        assert_eq!(form.row_of_drive(0), Some(1));
        assert!(job.return_address.is_none());
        assert!(job.return_shipping.is_none());
        assert!(job.export.is_none());
        assert!(!job.backup_drive_manifest);
    }

    #[test]
    fn export_forms_read_one_path_per_line() {
        let form = JobForm {
            job_type: "export".into(),
            blob_paths: "/a/b\n\n  /c/d  \n".into(),
            backup_drive_manifest: Some("on".into()),
            log_level: "Verbose".into(),
            ..JobForm::default()
        };
        let job = form.to_new_job(Location::default());
        assert_eq!(job.job_type, JobType::Export);
        assert_eq!(job.export.unwrap().blob_paths, vec!["/a/b", "/c/d"]);
        assert!(job.drives.is_empty());
        assert!(job.backup_drive_manifest);
        assert_eq!(job.log_level, LogLevel::Verbose);
    }

    #[test]
    fn delivery_drive_counts_must_be_numbers_and_secrets_are_never_echoed() {
        let bad = DeliveryForm {
            drive_count: "two".into(),
            ..DeliveryForm::default()
        };
        assert_eq!(
            bad.to_package().unwrap_err().field,
            "deliveryPackage.driveCount"
        );
        let form = JobForm {
            drives: vec![DriveForm {
                drive_id: "D1".into(),
                bit_locker_key: "secret".into(),
                ..DriveForm::default()
            }],
            ..JobForm::default()
        };
        assert!(form.echo().iter().all(|(_, v)| v != "secret"));
    }

    #[test]
    fn echoes_carry_every_choice_and_only_drafts_carry_keys() {
        let form = JobForm {
            job_type: "Import".into(),
            location: "northeurope".into(),
            log_level: "Verbose".into(),
            backup_drive_manifest: Some("on".into()),
            shipping: ReturnShippingForm {
                carrier_name: "DHL".into(),
                carrier_account_number: String::new(),
            },
            drives: vec![
                DriveForm {
                    bit_locker_key: "secret".into(),
                    ..DriveForm::new_row()
                },
                DriveForm::new_row(),
            ],
            ..JobForm::default()
        };
        let echo = form.echo();
        let get = |k: &str| echo.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("job[location]"), Some("northeurope"));
        assert_eq!(get("job[log_level]"), Some("Verbose"));
        assert_eq!(get("job[backup_drive_manifest]"), Some("on"));
        assert_eq!(get("job[shipping][carrier_name]"), Some("DHL"));
        assert_eq!(get("job[drive_rows]"), Some("2"));
        assert_eq!(
            get("job[shipping][carrier_account_number]"),
            None,
            "blank values are left out"
        );
        assert!(form
            .draft_values()
            .contains(&("job[drives][0][bit_locker_key]".into(), "secret".into())));
    }

    #[test]
    fn rows_change_within_the_limit_and_untouched_rows_are_blank() {
        let mut form = JobForm::default();
        form.change_rows(FormIntent::RemoveDrive);
        assert_eq!(form.drives.len(), 1, "there is always a row");
        assert!(
            form.drives[0].is_blank(),
            "the default manifest file is not input"
        );
        for _ in 0..15 {
            form.change_rows(FormIntent::AddDrive);
        }
        assert_eq!(form.drives.len(), lifecycle::validate::MAX_DRIVES);
        form.change_rows(FormIntent::AddDrive);
        assert_eq!(form.drives.len(), lifecycle::validate::MAX_DRIVES);
        form.change_rows(FormIntent::RemoveDrive);
        assert_eq!(form.drives.len(), lifecycle::validate::MAX_DRIVES - 1);
        // A crafted post with thousands of rows renders (and echoes) at most the limit.
        let mut crafted = JobForm {
            drives: vec![DriveForm::new_row(); 50_000],
            ..JobForm::default()
        };
        let echo = crafted.echo();
        assert!(echo.contains(&("job[drive_rows]".into(), "10".into())));
        assert!(echo.iter().all(|(k, _)| !k.starts_with("job[drives][10]")));
        crafted.drives[0].drive_id = "D1".into();
        assert!(crafted.over_limits().is_none(), "blank rows do not count");
        for (i, d) in crafted.drives.iter_mut().take(11).enumerate() {
            d.drive_id = format!("D{i}");
        }
        assert_eq!(
            crafted.over_limits().map(|e| e.field),
            Some("properties.driveList".to_string())
        );
        crafted.change_rows(FormIntent::ShowAddress);
        assert_eq!(crafted.drives.len(), lifecycle::validate::MAX_DRIVES);
        let export = JobForm {
            job_type: "Export".into(),
            blob_paths: "/c/b\n".repeat(600),
            blob_path_prefixes: "/c/p/\n".repeat(401),
            ..JobForm::default()
        };
        assert!(export
            .over_limits()
            .is_some_and(|e| e.message.contains("(got 1001)")));
        assert_eq!(FormIntent::parse(Some("add_drive")), FormIntent::AddDrive);
        assert_eq!(FormIntent::parse(None), FormIntent::Create);
        assert_eq!(FormIntent::parse(Some("anything")), FormIntent::Create);
    }
}
