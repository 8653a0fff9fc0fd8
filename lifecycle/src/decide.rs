//! `decide`: given a job, a command, the time and the settings, the events the command produces, or why not.
//!
//! Each rule of reference §3, §4, §6 and §8 is one guard function here. `decide` calls them; the UI queries in
//! `actions` call the very same guards to enable buttons and explain why one is disabled.

use crate::command::{Command, CustomerCommand, DriveOutcome, OperatorCommand};
use crate::event::{Event, EventKind};
use crate::graph::{drive_graph, job_graph};
use crate::invariants::{state_fits, violations};
use crate::job::{Drive, Job, JobPatch, NewJob, Timestamp};
use crate::rejection::{check, FieldError, Rejection};
use crate::settings::Settings;
use crate::shipping::{
    known_carrier, DeliveryPackage, KekType, Location, ReturnPackage, ReturnShipping,
};
use crate::state::{DriveState, JobState, JobType};
use crate::timers::{due_events, next_timer};
use crate::validate;
use chrono::TimeDelta;

/// The outcome of `command` on `job` (`None`: no live job of that name) at `now`.
pub fn decide(
    job: Option<&Job>,
    command: &Command,
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<Event>, Rejection> {
    let job = job.filter(|j| !j.is_deleted());
    let kinds = match (job, command) {
        (None, Command::Customer(CustomerCommand::Create(new))) => create(None, new, now)?,
        (None, Command::Tick) => Vec::new(),
        (None, _) => return Err(Rejection::not_found("The job does not exist")),
        (Some(job), Command::Customer(c)) => customer(job, c, now, settings)?,
        (Some(job), Command::Operator(c)) => operator(job, c, now, settings)?,
        (Some(job), Command::Tick) => return Ok(due_events(job, now, settings)),
    };
    Ok(kinds
        .into_iter()
        .map(|kind| Event { at: now, kind })
        .collect())
}

/// Decides several commands as one: each sees the job as the previous ones left it; all or nothing.
pub fn decide_all(
    job: Option<&Job>,
    commands: &[Command],
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<Event>, Rejection> {
    let mut work = job.cloned();
    let mut events = Vec::new();
    for command in commands {
        let new = decide(work.as_ref(), command, now, settings)?;
        for event in &new {
            match work.as_mut() {
                Some(j) if !j.is_deleted() => j.apply(event),
                _ => {
                    if let EventKind::Created { job } = &event.kind {
                        work = Some(Job::created(job, event.at));
                    }
                }
            }
        }
        events.extend(new);
    }
    Ok(events)
}

// ---------------------------------------------------------------------------------------------------------
// Customer commands
// ---------------------------------------------------------------------------------------------------------

fn customer(
    job: &Job,
    command: &CustomerCommand,
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<EventKind>, Rejection> {
    match command {
        CustomerCommand::Create(new) => create(Some(job), new, now),
        CustomerCommand::UpdateProperties(patch) => update(job, patch, now),
        CustomerCommand::SetDeliveryPackage(p) => update(
            job,
            &JobPatch {
                delivery_package: Some(p.clone()),
                ..JobPatch::default()
            },
            now,
        ),
        CustomerCommand::SetReturnAddress(a) => update(
            job,
            &JobPatch {
                return_address: Some(a.clone()),
                ..JobPatch::default()
            },
            now,
        ),
        CustomerCommand::SetReturnShipping(r) => update(
            job,
            &JobPatch {
                return_shipping: Some(r.clone()),
                ..JobPatch::default()
            },
            now,
        ),
        CustomerCommand::MarkShipping => {
            can_mark_shipping(job)?;
            Ok(vec![EventKind::MarkedShipping])
        }
        CustomerCommand::RequestCancellation => {
            can_cancel(job, settings)?;
            Ok(vec![EventKind::CancellationRequested {
                completed: job.state == JobState::Creating,
                reason: None,
            }])
        }
        CustomerCommand::ReportReturnProblem { description } => {
            can_report_return_problem(job)?;
            validate::text(description, validate::MAX_REASON, "Description")
                .map_err(|m| Rejection::invalid("description", m))?;
            Ok(vec![EventKind::ReturnProblemReported {
                description: description.trim().to_string(),
            }])
        }
        CustomerCommand::Delete => {
            can_delete(job)?;
            Ok(vec![EventKind::Deleted {
                reason: crate::job::DeletionReason::Customer,
            }])
        }
    }
}

/// Every field problem of a new job (paths as in the API).
pub fn validate_new_job(new: &NewJob) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut single = |field: &str, r: Result<(), String>| {
        if let Err(m) = r {
            errors.push(FieldError::new(field, m));
        }
    };
    single("name", validate::job_name(&new.name));
    single(
        "properties.storageAccountId",
        validate::storage_account_id(&new.storage_account_id),
    );
    single(
        "properties.diagnosticsPath",
        validate::diagnostics_path(&new.diagnostics_path),
    );
    match new.job_type {
        JobType::Import => {
            errors.extend(
                validate::drive_list(&new.drives)
                    .into_iter()
                    .map(|e| e.under("properties")),
            );
            if new.export.is_some() {
                errors.push(FieldError::new(
                    "properties.export",
                    "An import job has no export block",
                ));
            }
        }
        JobType::Export => {
            if !new.drives.is_empty() {
                errors.push(FieldError::new(
                    "properties.driveList",
                    "An export job lists no drives: the data center records them at intake",
                ));
            }
            match &new.export {
                Some(export) => errors.extend(
                    validate::export_spec(export)
                        .into_iter()
                        .map(|e| e.under("properties")),
                ),
                None => errors.push(FieldError::new(
                    "properties.export",
                    "An export job needs blob paths, blob path prefixes or a blob list blob path",
                )),
            }
        }
    }
    if let Some(a) = &new.return_address {
        errors.extend(
            validate::return_address(a)
                .into_iter()
                .map(|e| e.under("properties.returnAddress")),
        );
    }
    if let Some(r) = &new.return_shipping {
        errors.extend(
            validate::return_shipping(r)
                .into_iter()
                .map(|e| e.under("properties.returnShipping")),
        );
    }
    if let Some(p) = &new.delivery_package {
        errors.extend(
            validate::delivery_package(p, &new.location)
                .into_iter()
                .map(|e| e.under("properties.deliveryPackage")),
        );
    }
    errors.extend(validate::tags(&new.tags));
    if new.encryption_key.kek_type == KekType::CustomerManaged {
        if new
            .encryption_key
            .kek_url
            .as_deref()
            .unwrap_or("")
            .is_empty()
        {
            errors.push(FieldError::new(
                "properties.encryptionKey.kekUrl",
                "A customer-managed key needs the key URL",
            ));
        }
        if new
            .encryption_key
            .kek_vault_resource_id
            .as_deref()
            .unwrap_or("")
            .is_empty()
        {
            errors.push(FieldError::new(
                "properties.encryptionKey.kekVaultResourceID",
                "A customer-managed key needs the key vault resource id",
            ));
        }
    }
    errors
}

fn canonical_delivery(p: &DeliveryPackage, location: &Location) -> DeliveryPackage {
    DeliveryPackage {
        carrier_name: location
            .accepts_carrier(&p.carrier_name)
            .unwrap_or(p.carrier_name.trim())
            .to_string(),
        tracking_number: p.tracking_number.trim().to_string(),
        drive_count: p.drive_count,
        ship_date: p
            .ship_date
            .as_ref()
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
    }
}

fn canonical_return_shipping(r: &ReturnShipping) -> ReturnShipping {
    ReturnShipping {
        carrier_name: known_carrier(&r.carrier_name)
            .unwrap_or(r.carrier_name.trim())
            .to_string(),
        carrier_account_number: r.carrier_account_number.trim().to_string(),
    }
}

/// Stored spellings are canonical: carriers as the portal names them, no stray spaces.
fn canonical_new_job(new: &NewJob) -> NewJob {
    let mut new = new.clone();
    new.delivery_package = new
        .delivery_package
        .as_ref()
        .map(|p| canonical_delivery(p, &new.location));
    new.return_shipping = new.return_shipping.as_ref().map(canonical_return_shipping);
    new
}

/// The plausibility of a delivery package given with a new job (reference §3): drive count within the listed
/// drives of an import job, ship date at most two days ahead. Paths as in the API.
pub fn new_job_plausibility(new: &NewJob, now: Timestamp) -> Vec<FieldError> {
    let listed = (new.job_type == JobType::Import).then_some(new.drives.len());
    new.delivery_package
        .as_ref()
        .map(|p| {
            validate::delivery_plausibility(p, listed, now)
                .into_iter()
                .map(|e| e.under("properties.deliveryPackage"))
                .collect()
        })
        .unwrap_or_default()
}

fn create(
    existing: Option<&Job>,
    new: &NewJob,
    now: Timestamp,
) -> Result<Vec<EventKind>, Rejection> {
    if let Some(job) = existing {
        if job.state != JobState::Creating {
            return Err(Rejection::already_exists(format!(
                "A job named {} already exists and is {}; it can be replaced only while Creating",
                job.name, job.state
            )));
        }
    }
    let mut errors = validate_new_job(new);
    errors.extend(new_job_plausibility(new, now));
    check(errors)?;
    let job = Box::new(canonical_new_job(new));
    Ok(vec![match existing {
        Some(_) => EventKind::Replaced { job },
        None => EventKind::Created { job },
    }])
}

/// A part of a job the customer can edit; each has its own window (reference §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EditableField {
    DeliveryPackage,
    ReturnAddress,
    ReturnShipping,
    DriveList,
    /// Log level and backup drive manifest.
    Options,
    Tags,
}

impl EditableField {
    pub fn api_name(self) -> &'static str {
        match self {
            EditableField::DeliveryPackage => "deliveryPackage",
            EditableField::ReturnAddress => "returnAddress",
            EditableField::ReturnShipping => "returnShipping",
            EditableField::DriveList => "driveList",
            EditableField::Options => "logLevel",
            EditableField::Tags => "tags",
        }
    }

    fn label(self) -> &'static str {
        match self {
            EditableField::DeliveryPackage => "The delivery package",
            EditableField::ReturnAddress => "The return address",
            EditableField::ReturnShipping => "Return shipping",
            EditableField::DriveList => "The drive list",
            EditableField::Options => "Job options",
            EditableField::Tags => "Tags",
        }
    }

    fn editable_in(self) -> &'static [JobState] {
        use JobState::*;
        match self {
            EditableField::ReturnShipping => &[Creating, Shipping, Received, Transferring],
            EditableField::DriveList => &[Creating],
            _ => &[Creating, Shipping],
        }
    }
}

/// Whether the customer may change `field` now. A return address reported wrong may be corrected whatever the
/// job's state, until the drives are destroyed: that is what operations are waiting for.
pub fn can_edit(job: &Job, field: EditableField) -> Result<(), Rejection> {
    if field == EditableField::ReturnAddress
        && job.return_address_report.is_some()
        && job.drives_destroyed_at.is_none()
    {
        return Ok(());
    }
    let states = field.editable_in();
    if states.contains(&job.state) {
        return Ok(());
    }
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let when = match names.as_slice() {
        [one] => format!("while the job is {one}"),
        [init @ .., last] => format!("while the job is {} or {last}", init.join(", ")),
        [] => String::new(),
    };
    let mut message = format!(
        "{} can be changed only {when}; the job is {}",
        field.label(),
        job.state
    );
    if field == EditableField::ReturnAddress
        && job.state != JobState::Faulted
        && !job.state.is_terminal()
    {
        message.push_str(". Contact support to correct it");
    }
    Err(Rejection::not_allowed_field(field.api_name(), message))
}

fn update(job: &Job, patch: &JobPatch, now: Timestamp) -> Result<Vec<EventKind>, Rejection> {
    if patch.is_empty() {
        // Any accepted update restarts the Creating expiry, even one that changes no field (reference §8: an
        // SDK's PATCH that sends only defaults still says "I am working on this job").
        return Ok(if job.state == JobState::Creating {
            vec![EventKind::PropertiesUpdated {
                patch: JobPatch::default(),
            }]
        } else {
            Vec::new()
        });
    }
    let touched = [
        (
            patch.delivery_package.is_some(),
            EditableField::DeliveryPackage,
        ),
        (patch.return_address.is_some(), EditableField::ReturnAddress),
        (
            patch.return_shipping.is_some(),
            EditableField::ReturnShipping,
        ),
        (patch.drive_list.is_some(), EditableField::DriveList),
        (
            patch.log_level.is_some() || patch.backup_drive_manifest.is_some(),
            EditableField::Options,
        ),
        (patch.tags.is_some(), EditableField::Tags),
    ];
    for (_, field) in touched.iter().filter(|(t, _)| *t) {
        can_edit(job, *field)?;
    }
    let mut errors = Vec::new();
    if let Some(a) = &patch.return_address {
        errors.extend(
            validate::return_address(a)
                .into_iter()
                .map(|e| e.under("returnAddress")),
        );
    }
    if let Some(r) = &patch.return_shipping {
        errors.extend(
            validate::return_shipping(r)
                .into_iter()
                .map(|e| e.under("returnShipping")),
        );
    }
    if let Some(p) = &patch.delivery_package {
        errors.extend(
            validate::delivery_package(p, &job.location)
                .into_iter()
                .chain(validate::delivery_plausibility(
                    p,
                    listed_drives(job, patch),
                    now,
                ))
                .map(|e| e.under("deliveryPackage")),
        );
    }
    if let Some(list) = &patch.drive_list {
        if job.job_type == JobType::Export {
            errors.push(FieldError::new(
                "driveList",
                "An export job lists no drives: the data center records them at intake",
            ));
        } else {
            errors.extend(validate::drive_list(list));
        }
    }
    if let Some(tags) = &patch.tags {
        errors.extend(validate::tags(tags));
    }
    check(errors)?;
    let mut patch = patch.clone();
    patch.delivery_package = patch
        .delivery_package
        .as_ref()
        .map(|p| canonical_delivery(p, &job.location));
    patch.return_shipping = patch
        .return_shipping
        .as_ref()
        .map(canonical_return_shipping);
    Ok(vec![EventKind::PropertiesUpdated { patch }])
}

/// The drives an import job's delivery package is counted against: the drive list this patch sets, else the
/// job's. `None` for an export job (its drives are counted at intake).
fn listed_drives(job: &Job, patch: &JobPatch) -> Option<usize> {
    (job.job_type == JobType::Import).then(|| {
        patch
            .drive_list
            .as_ref()
            .map_or(job.drives.len(), |list| list.len())
    })
}

/// Whether the job is where *Mark as shipped* can be asked for at all: `Creating`, with what only a new job
/// could fix (an import job's drives, an export job's blobs). What the customer can still fill in on the way
/// (the delivery package, the return address and return shipping) is [`mark_shipping_needs`].
pub fn can_start_shipping(job: &Job) -> Result<(), Rejection> {
    match job.state {
        JobState::Creating => {}
        JobState::Shipping => {
            return Err(Rejection::not_allowed(
                "The package is already marked as shipped",
            ))
        }
        other => {
            return Err(Rejection::not_allowed(format!(
                "Only a Creating job can be marked as shipped; the job is {other}"
            )))
        }
    }
    match job.job_type {
        JobType::Import if job.drives.is_empty() => Err(Rejection::not_allowed_field(
            "driveList",
            "Mark as shipped needs at least one drive on the job",
        )),
        JobType::Export if job.export.is_none() => Err(Rejection::not_allowed_field(
            "export",
            "Mark as shipped needs the blobs to export",
        )),
        _ => Ok(()),
    }
}

/// Everything *Mark as shipped* still needs, all at once (reference §8: a delivery package with carrier and
/// tracking number, a return address, return shipping with carrier and account number, and a plausible drive
/// count), so the customer is asked for all of it in one form rather than one refusal at a time. Each entry's
/// field is the API path of what is missing; its message says what is needed.
pub fn mark_shipping_needs(job: &Job) -> Vec<FieldError> {
    let mut needs = Vec::new();
    match &job.delivery_package {
        None => needs.push(FieldError::new(
            "deliveryPackage",
            "Mark as shipped needs a delivery package tracking number",
        )),
        Some(p) => {
            if p.carrier_name.trim().is_empty() {
                needs.push(FieldError::new(
                    "deliveryPackage.carrierName",
                    "Mark as shipped needs the delivery package's carrier",
                ));
            }
            if p.tracking_number.trim().is_empty() {
                needs.push(FieldError::new(
                    "deliveryPackage.trackingNumber",
                    "Mark as shipped needs a delivery package tracking number",
                ));
            }
            if let (JobType::Import, Some(count)) = (job.job_type, p.drive_count) {
                if let Err(m) = validate::delivery_drive_count(count, job.drives.len()) {
                    needs.push(FieldError::new("deliveryPackage.driveCount", m));
                }
            }
        }
    }
    if job.return_address.is_none() {
        needs.push(FieldError::new(
            "returnAddress",
            "Mark as shipped needs a return address",
        ));
    }
    if job.return_shipping.is_none() {
        needs.push(FieldError::new(
            "returnShipping",
            "Mark as shipped needs return shipping (carrier and carrier account number)",
        ));
    }
    needs
}

/// Whether the customer may mark the package as shipped now; otherwise everything that is missing, the first
/// one as the headline's field.
pub fn can_mark_shipping(job: &Job) -> Result<(), Rejection> {
    can_start_shipping(job)?;
    let needs = mark_shipping_needs(job);
    let Some(first) = needs.first() else {
        return Ok(());
    };
    let message = if needs.len() == 1 {
        first.message.clone()
    } else {
        let what: Vec<&str> = needs
            .iter()
            .map(|n| {
                n.message
                    .strip_prefix("Mark as shipped needs ")
                    .unwrap_or(&n.message)
            })
            .collect();
        let (last, init) = what.split_last().unwrap_or((&"", &[]));
        format!("Mark as shipped needs {} and {last}", init.join(", "))
    };
    Err(Rejection {
        field: Some(first.field.clone()),
        details: needs,
        ..Rejection::not_allowed(message)
    })
}

/// The guided *Mark as shipped* form in one step: the delivery package as the form gives it, the return
/// address and return shipping when the form carries them (it asks only for what the job lacks), then
/// `MarkShipping`. Every problem is reported at once, each at its field; the commands are then run together
/// (all or nothing), so `decide` checks each of them again.
pub fn ship_in_one_step(
    job: &Job,
    delivery: &DeliveryPackage,
    address: Option<&crate::shipping::ReturnAddress>,
    shipping: Option<&ReturnShipping>,
    now: Timestamp,
) -> Result<Vec<CustomerCommand>, Rejection> {
    can_start_shipping(job)?;
    let mut errors: Vec<FieldError> = validate::delivery_package(delivery, &job.location)
        .into_iter()
        .chain(validate::delivery_plausibility(
            delivery,
            (job.job_type == JobType::Import).then_some(job.drives.len()),
            now,
        ))
        .map(|e| e.under("deliveryPackage"))
        .collect();
    match address {
        Some(a) => errors.extend(
            validate::return_address(a)
                .into_iter()
                .map(|e| e.under("returnAddress")),
        ),
        None if job.return_address.is_none() => errors.push(FieldError::new(
            "returnAddress",
            "Mark as shipped needs a return address",
        )),
        None => {}
    }
    match shipping {
        Some(r) => errors.extend(
            validate::return_shipping(r)
                .into_iter()
                .map(|e| e.under("returnShipping")),
        ),
        None if job.return_shipping.is_none() => errors.push(FieldError::new(
            "returnShipping",
            "Mark as shipped needs return shipping (carrier and carrier account number)",
        )),
        None => {}
    }
    check(errors)?;
    let mut commands = vec![CustomerCommand::SetDeliveryPackage(delivery.clone())];
    commands.extend(address.cloned().map(CustomerCommand::SetReturnAddress));
    commands.extend(shipping.cloned().map(CustomerCommand::SetReturnShipping));
    commands.push(CustomerCommand::MarkShipping);
    Ok(commands)
}

/// Whether the customer may request cancellation now, under the configured window.
pub fn can_cancel(job: &Job, settings: &Settings) -> Result<(), Rejection> {
    if job.cancel_requested {
        return Err(Rejection::not_allowed_field(
            "cancelRequested",
            "Cancellation has already been requested",
        ));
    }
    let window = settings.cancellation_window;
    if window.allows(job.state) {
        return Ok(());
    }
    Err(Rejection::not_allowed_field(
        "cancelRequested",
        format!(
            "A job can be cancelled only {}; the job is {}",
            window.describe(),
            job.state
        ),
    ))
}

/// Whether operations may cancel the job now: where the customer could (under the configured window), and a
/// `Shipping` job whose package is overdue whatever the window (reference §8: "extend the wait or cancel").
pub fn can_operator_cancel(job: &Job, settings: &Settings) -> Result<(), Rejection> {
    if job.cancel_requested {
        return Err(Rejection::not_allowed_field(
            "cancelRequested",
            "The job is already cancelled",
        ));
    }
    let window = settings.cancellation_window;
    if window.allows(job.state) || job.is_overdue() {
        return Ok(());
    }
    Err(Rejection::not_allowed_field(
        "cancelRequested",
        format!(
            "Operations can cancel a job {}, or a Shipping job whose package is overdue; the job is {}",
            window.describe(),
            job.state
        ),
    ))
}

/// Whether the customer may report that the drives shipped back did not arrive or arrived damaged.
pub fn can_report_return_problem(job: &Job) -> Result<(), Rejection> {
    if job.return_package.is_none() {
        return Err(Rejection::not_allowed(
            "A problem with the returned drives can be reported once they have been shipped back",
        ));
    }
    if job.return_problem.is_some() {
        return Err(Rejection::not_allowed(
            "A problem with the returned drives is already reported; support will contact you",
        ));
    }
    Ok(())
}

/// Whether staff may mark the customer's report about the returned drives as dealt with.
pub fn can_resolve_return_problem(job: &Job) -> Result<(), Rejection> {
    if job.return_problem.is_none() {
        return Err(Rejection::not_allowed(
            "The customer has reported no problem with the returned drives",
        ));
    }
    Ok(())
}

/// What a granted cancellation would do now, in the customer's words (reference §4).
pub fn cancellation_effect(job: &Job) -> &'static str {
    match job.state {
        JobState::Creating => "Nothing has shipped yet: the job ends at once as Completed (cancelled).",
        JobState::Shipping | JobState::Received => {
            "The data center will not copy any drive: your drives are returned uncopied to the return address."
        }
        JobState::Transferring => {
            "Drives not yet started are not copied; a drive already copying may finish. All drives are then returned."
        }
        _ => "The job can no longer be cancelled.",
    }
}

/// The copy statuses a progress report may give (the value, and what the console's choice reads). The final
/// ones (`Completed`, `CompletedWith…`) come from finishing the drive, never from a progress report.
pub const PROGRESS_COPY_STATUSES: [(&str, &str); 3] = [
    ("InProgress", "In progress"),
    ("Paused", "Paused (waiting, e.g. for the storage account)"),
    ("Verifying", "Verifying the copied data"),
];

/// A progress report's copy status, one of [`PROGRESS_COPY_STATUSES`] (its case ignored).
pub fn progress_copy_status(text: &str) -> Result<&'static str, Rejection> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Rejection::invalid("copyStatus", "Copy status is required"));
    }
    PROGRESS_COPY_STATUSES
        .iter()
        .find(|(value, _)| value.eq_ignore_ascii_case(text))
        .map(|(value, _)| *value)
        .ok_or_else(|| {
            let known: Vec<&str> = PROGRESS_COPY_STATUSES.iter().map(|(v, _)| *v).collect();
            Rejection::invalid(
                "copyStatus",
                format!("Copy status must be one of {}", known.join(", ")),
            )
        })
}

/// What happens to a job whose cancellation was granted, from where it is now, in the customer's words
/// (reference §4): the confirmation the job page shows after a cancel. `None` for a job not cancelled.
pub fn cancelled_outlook(job: &Job) -> Option<&'static str> {
    if !job.cancel_requested {
        return None;
    }
    Some(match job.state {
        JobState::Creating | JobState::Shipping => {
            "Nothing will be copied. When your package arrives at the data center, the drives are returned uncopied to your return address; if it never arrives, the job ends as Completed (cancelled)."
        }
        JobState::Received => {
            "Nothing will be copied: the data center packs the drives that arrived and returns them to your return address."
        }
        JobState::Transferring => {
            "Drives not yet started are not copied; a drive already copying may finish. All drives are then returned to your return address."
        }
        JobState::Packaging => {
            "The drives are being packed and returned to your return address; the job then ends."
        }
        JobState::Faulted => {
            "The job needs attention at the data center first; once resolved, the drives are returned without copying anything more."
        }
        JobState::Completed if job.return_package.is_some() => {
            "The job was cancelled and your drives were shipped back: see the return package for its tracking number."
        }
        JobState::Completed => {
            "The job was cancelled before anything was copied and has ended as Completed (cancelled). You can delete it."
        }
        JobState::Closed => "The job was cancelled and has ended as Closed.",
    })
}

/// The states in which the customer may delete a job (reference §3).
pub const DELETABLE_IN: [JobState; 2] = [JobState::Creating, JobState::Completed];

/// "Creating or Completed": the deletable states, for messages.
pub fn deletable_states() -> String {
    DELETABLE_IN.map(JobState::as_str).join(" or ")
}

pub fn can_delete(job: &Job) -> Result<(), Rejection> {
    if DELETABLE_IN.contains(&job.state) {
        return Ok(());
    }
    Err(Rejection::not_allowed(format!(
        "A job can be deleted only while {}; the job is {}",
        deletable_states(),
        job.state
    )))
}

// ---------------------------------------------------------------------------------------------------------
// Operator commands
// ---------------------------------------------------------------------------------------------------------

fn operator(
    job: &Job,
    command: &OperatorCommand,
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<EventKind>, Rejection> {
    let faulted_ok = matches!(
        command,
        OperatorCommand::ResolveJob { .. }
            | OperatorCommand::AddNote { .. }
            | OperatorCommand::FaultJob { .. }
            // A late drive is recorded while the job is Faulted and received when it is resolved.
            | OperatorCommand::DriveArrived { .. }
            // A package can arrive whatever the job's trouble; recording it changes nothing but the timeline.
            | OperatorCommand::NoteUnmatchedIntake { .. }
    );
    if !faulted_ok {
        require_not_faulted(job)?;
    }
    match command {
        OperatorCommand::PackageIntake { found, extra } => {
            package_intake(job, found, extra, settings)
        }
        OperatorCommand::DriveArrived { drive_id } => {
            can_receive_late(job, drive_id)?;
            let drive_id = listed(job, drive_id)?.drive_id.clone();
            Ok(vec![if job.state == JobState::Faulted {
                EventKind::DriveArrivalHeld { drive_id }
            } else {
                EventKind::DriveArrived { drive_id }
            }])
        }
        OperatorCommand::StartCopy { drive_id } => {
            can_start_copy(job, drive_id)?;
            Ok(vec![EventKind::CopyStarted {
                drive_id: listed(job, drive_id)?.drive_id.clone(),
            }])
        }
        OperatorCommand::ReportProgress {
            drive_id,
            percent,
            bytes_succeeded,
            copy_status,
        } => {
            can_report_progress(job, drive_id)?;
            let drive = listed(job, drive_id)?;
            if *percent > 100 {
                return Err(Rejection::invalid(
                    "percent",
                    "Percent must be between 0 and 100",
                ));
            }
            if *percent < drive.percent_complete {
                return Err(Rejection::invalid(
                    "percent",
                    format!(
                        "Progress never goes back: drive {} is already at {}%",
                        drive.drive_id, drive.percent_complete
                    ),
                ));
            }
            if *bytes_succeeded < drive.bytes_succeeded {
                return Err(Rejection::invalid(
                    "bytesSucceeded",
                    format!(
                        "Bytes copied never go back: drive {} is already at {} bytes",
                        drive.drive_id, drive.bytes_succeeded
                    ),
                ));
            }
            let copy_status = progress_copy_status(copy_status)?;
            Ok(vec![EventKind::ProgressReported {
                drive_id: drive.drive_id.clone(),
                percent: *percent,
                bytes_succeeded: *bytes_succeeded,
                copy_status: copy_status.to_string(),
            }])
        }
        OperatorCommand::FinishDrive {
            drive_id,
            outcome,
            incomplete_blob_list_uri,
        } => finish_drive(job, drive_id, outcome, incomplete_blob_list_uri.as_deref()),
        OperatorCommand::PackageJob => {
            can_package(job)?;
            Ok(vec![EventKind::PackagingStarted { automatic: false }])
        }
        OperatorCommand::ShipBack { package } => ship_back(job, package),
        OperatorCommand::FaultJob { reason } => {
            can_fault_job(job)?;
            validate::reason(reason).map_err(|m| Rejection::invalid("reason", m))?;
            Ok(vec![EventKind::JobFaulted {
                reason: reason.trim().to_string(),
            }])
        }
        OperatorCommand::ResolveJob { to, resolution } => {
            resolve_job(job, *to, resolution, now, settings)
        }
        OperatorCommand::FaultDrive { drive_id, reason } => {
            can_fault_drive(job, drive_id)?;
            validate::reason(reason).map_err(|m| Rejection::invalid("reason", m))?;
            Ok(vec![EventKind::DriveFaulted {
                drive_id: listed(job, drive_id)?.drive_id.clone(),
                reason: reason.trim().to_string(),
            }])
        }
        OperatorCommand::ResolveDrive {
            drive_id,
            to,
            resolution,
        } => resolve_drive(job, drive_id, *to, resolution),
        OperatorCommand::CorrectReturnAddress(address) => {
            can_correct_return_address(job)?;
            check(
                validate::return_address(address)
                    .into_iter()
                    .map(|e| e.under("returnAddress"))
                    .collect(),
            )?;
            Ok(vec![EventKind::ReturnAddressCorrected {
                address: address.clone(),
            }])
        }
        OperatorCommand::ExtendShippingWait { days } => {
            can_extend_shipping_wait(job)?;
            if !(1..=365).contains(days) {
                return Err(Rejection::invalid("days", "Extend by 1 to 365 days"));
            }
            let from = job.abandon_deadline.unwrap_or(now).max(now);
            Ok(vec![EventKind::ShippingWaitExtended {
                days: *days,
                abandon_deadline: from + chrono::TimeDelta::days(i64::from(*days)),
            }])
        }
        OperatorCommand::NoteUnmatchedIntake {
            intake_id,
            drive_ids,
        } => {
            can_note_unmatched_intake(job)?;
            validate::text(intake_id, 64, "Intake id")
                .map_err(|m| Rejection::invalid("intakeId", m))?;
            check(drive_id_errors(drive_ids, "driveIds"))?;
            Ok(vec![EventKind::UnmatchedIntakeNoted {
                intake_id: intake_id.clone(),
                drive_ids: drive_ids.iter().map(|d| d.trim().to_string()).collect(),
            }])
        }
        OperatorCommand::AddNote { text } => {
            validate::text(text, validate::MAX_REASON, "Note")
                .map_err(|m| Rejection::invalid("text", m))?;
            Ok(vec![EventKind::NoteAdded {
                text: text.trim().to_string(),
            }])
        }
        OperatorCommand::CancelJob { reason } => {
            can_operator_cancel(job, settings)?;
            validate::reason(reason).map_err(|m| Rejection::invalid("reason", m))?;
            Ok(vec![EventKind::CancellationRequested {
                completed: job.state == JobState::Creating,
                reason: Some(reason.trim().to_string()),
            }])
        }
        OperatorCommand::ReportReturnAddress { reason } => {
            can_report_return_address(job)?;
            validate::reason(reason).map_err(|m| Rejection::invalid("reason", m))?;
            Ok(vec![EventKind::ReturnAddressReported {
                reason: reason.trim().to_string(),
                destroy_deadline: now + settings.timers.wrong_return_address.delta(),
            }])
        }
        OperatorCommand::ResolveReturnProblem { note } => {
            can_resolve_return_problem(job)?;
            validate::text(note, validate::MAX_REASON, "Note")
                .map_err(|m| Rejection::invalid("note", m))?;
            Ok(vec![EventKind::ReturnProblemResolved {
                note: note.trim().to_string(),
            }])
        }
    }
}

fn resolve_job(
    job: &Job,
    to: Option<JobState>,
    resolution: &str,
    now: Timestamp,
    settings: &Settings,
) -> Result<Vec<EventKind>, Rejection> {
    let targets = job_resolution_targets(job);
    if targets.is_empty() {
        return Err(Rejection::not_allowed("Only a Faulted job can be resolved"));
    }
    let to = to.unwrap_or(targets[0]);
    if !targets.contains(&to) {
        let names: Vec<&str> = targets.iter().map(|s| s.as_str()).collect();
        return Err(Rejection::invalid(
            "to",
            format!(
                "The job can be resolved to {} only, not {to}",
                names.join(" or ")
            ),
        ));
    }
    validate::reason(resolution).map_err(|m| Rejection::invalid("resolution", m))?;
    Ok(vec![EventKind::JobResolved {
        to,
        resolution: resolution.trim().to_string(),
        timer_shift_seconds: if Some(to) == job.faulted_from {
            timer_shift(job, now, settings).num_seconds()
        } else {
            0
        },
        // Drives that turned up while the job was Faulted are received now.
        received: job.pending_arrivals.clone(),
    }])
}

/// How far a faulted job's timer moves when it is resolved at `now` back to the state it faulted from: timers
/// do not run while a job is `Faulted`, so it gets back the time it had left when it faulted, at least a day.
fn timer_shift(job: &Job, now: Timestamp, settings: &Settings) -> TimeDelta {
    let Some(from) = job.faulted_from.filter(|_| job.state == JobState::Faulted) else {
        return TimeDelta::zero();
    };
    let mut resumed = job.clone();
    resumed.state = from;
    resumed.faulted_from = None;
    let Some((deadline, _)) = next_timer(&resumed, settings) else {
        return TimeDelta::zero();
    };
    let faulted_at = job.state_changed_at;
    let left = (deadline - faulted_at).max(MIN_TIME_LEFT_AFTER_FAULT);
    (now + left - deadline).max(TimeDelta::zero())
}

/// The least time a timer has left when its job is resolved out of `Faulted` (reference §8).
pub const MIN_TIME_LEFT_AFTER_FAULT: TimeDelta = TimeDelta::days(1);

/// Whether operations may report the job's return address wrong or missing now.
pub fn can_report_return_address(job: &Job) -> Result<(), Rejection> {
    require_job_state(
        job,
        &[JobState::Transferring, JobState::Packaging],
        "report the return address",
    )?;
    if job.return_address_report.is_some() {
        return Err(Rejection::not_allowed(
            "The return address is already reported; ship-back waits for a corrected one",
        ));
    }
    Ok(())
}

/// Data-center work on a job stops while it is `Faulted`, until an operator resolves it.
pub fn require_not_faulted(job: &Job) -> Result<(), Rejection> {
    if job.state == JobState::Faulted {
        Err(Rejection::not_allowed(format!(
            "The job is Faulted ({}); resolve it first",
            job.fault_reason.as_deref().unwrap_or("no reason given")
        )))
    } else {
        Ok(())
    }
}

/// Progress and the end of a copy can be reported only for a drive that is copying.
pub fn can_report_progress(job: &Job, drive_id: &str) -> Result<(), Rejection> {
    require_not_faulted(job)?;
    require_drive_state(
        listed(job, drive_id)?,
        DriveState::Transferring,
        "report on the copy",
    )
}

/// The drive a command addresses; an unknown one is `NotFound`, like an unknown job (the drive is the resource
/// the command is about, not a value inside it).
fn listed<'a>(job: &'a Job, drive_id: &str) -> Result<&'a Drive, Rejection> {
    job.drive(drive_id.trim()).ok_or_else(|| Rejection {
        field: Some("driveId".into()),
        ..Rejection::not_found(format!("The job has no drive {}", drive_id.trim()))
    })
}

fn require_drive_state(drive: &Drive, state: DriveState, action: &str) -> Result<(), Rejection> {
    if drive.state == state {
        Ok(())
    } else {
        Err(Rejection::not_allowed_field(
            "driveId",
            format!(
                "Cannot {action}: drive {} is {}, not {}",
                drive.drive_id,
                drive.state.label(),
                state.label()
            ),
        ))
    }
}

fn require_job_state(job: &Job, states: &[JobState], action: &str) -> Result<(), Rejection> {
    if states.contains(&job.state) {
        return Ok(());
    }
    let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    Err(Rejection::not_allowed(format!(
        "Cannot {action} while the job is {}; it must be {}",
        job.state,
        names.join(" or ")
    )))
}

fn drive_id_errors(ids: &[String], field: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if let Err(m) = validate::drive_id(id.trim()) {
            errors.push(FieldError::new(format!("{field}[{i}]"), m));
        } else if !seen.insert(id.trim().to_ascii_uppercase()) {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                format!("Drive {} is given twice", id.trim()),
            ));
        }
    }
    errors
}

/// The states in which a package for the job is taken in: its first package while `Shipping`, a later one
/// while its drives are at the data center (reference §8, package intake).
pub const INTAKE_STATES: [JobState; 4] = [
    JobState::Shipping,
    JobState::Received,
    JobState::Transferring,
    JobState::Packaging,
];

/// Whether a package that arrived for this job is recorded as an unmatched intake (noted on the job's
/// timeline): for every job whose package cannot be taken in (reference §8), `Faulted` included, and a job
/// whose drives were already shipped back (a drive that turns up then is linked to the job this way).
pub fn can_note_unmatched_intake(job: &Job) -> Result<(), Rejection> {
    if INTAKE_STATES.contains(&job.state) {
        Err(Rejection::not_allowed(format!(
            "The job is {}: record a package intake instead of an unmatched intake{}",
            job.state,
            if job.state == JobState::Shipping {
                ""
            } else {
                " (a later shipment for a job at the data center)"
            }
        )))
    } else {
        Ok(())
    }
}

/// Whether a package for this job can be taken in now (otherwise: record an unmatched intake).
pub fn can_take_intake(job: &Job) -> Result<(), Rejection> {
    if INTAKE_STATES.contains(&job.state) {
        Ok(())
    } else {
        Err(Rejection::not_allowed(format!(
            "Package intake needs the job to be Shipping, or at the data center for a later shipment; it is {}. Record an unmatched intake instead",
            job.state
        )))
    }
}

fn package_intake(
    job: &Job,
    found: &[String],
    extra: &[String],
    settings: &Settings,
) -> Result<Vec<EventKind>, Rejection> {
    can_take_intake(job)?;
    if found.is_empty() && extra.is_empty() {
        return Err(Rejection::invalid(
            "found",
            "A package intake needs at least one drive",
        ));
    }
    let mut errors = drive_id_errors(found, "found");
    errors.extend(drive_id_errors(extra, "extra"));
    for (i, id) in extra.iter().enumerate() {
        if found
            .iter()
            .any(|f| f.trim().eq_ignore_ascii_case(id.trim()))
        {
            errors.push(FieldError::new(
                format!("extra[{i}]"),
                format!("Drive {} is also ticked as found", id.trim()),
            ));
        }
    }
    check(errors)?;
    check_extras(job, extra, settings)?;
    if job.state != JobState::Shipping {
        return later_package_intake(job, found, extra);
    }
    let found_ids: Vec<String>;
    let mut missing = Vec::new();
    match job.job_type {
        JobType::Import => {
            let mut ids = Vec::new();
            for (i, id) in found.iter().enumerate() {
                match job.drive(id.trim()) {
                    Some(d) => ids.push(d.drive_id.clone()),
                    None => {
                        return Err(Rejection::invalid(
                            &format!("found[{i}]"),
                            format!(
                                "Drive {} is not on the job's drive list; add it as an extra drive",
                                id.trim()
                            ),
                        ))
                    }
                }
            }
            missing = job
                .drives
                .iter()
                .filter(|d| !ids.contains(&d.drive_id))
                .map(|d| d.drive_id.clone())
                .collect();
            found_ids = ids;
        }
        JobType::Export => {
            if found.is_empty() {
                return Err(Rejection::invalid(
                    "found",
                    "An export package needs at least one drive to copy to",
                ));
            }
            if found.len() > validate::MAX_DRIVES {
                return Err(Rejection::invalid(
                    "found",
                    format!(
                        "A job can have at most {} drives; record the others as extra drives",
                        validate::MAX_DRIVES
                    ),
                ));
            }
            found_ids = found.iter().map(|d| d.trim().to_string()).collect();
        }
    }
    Ok(vec![EventKind::PackageReceived {
        found: found_ids,
        missing,
        extra: extra.iter().map(|d| d.trim().to_string()).collect(),
    }])
}

/// The extra drives of a package fit the job: none listed, none recorded before, and at most
/// `settings.max_extra_drives` over all its packages.
fn check_extras(job: &Job, extra: &[String], settings: &Settings) -> Result<(), Rejection> {
    let mut errors = Vec::new();
    for (i, id) in extra.iter().enumerate() {
        let id = id.trim();
        if job.drive(id).is_some() {
            errors.push(FieldError::new(
                format!("extra[{i}]"),
                format!("Drive {id} is on the job's drive list; tick it as found"),
            ));
        } else if job
            .extra_drives
            .iter()
            .any(|e| e.serial.eq_ignore_ascii_case(id))
        {
            errors.push(FieldError::new(
                format!("extra[{i}]"),
                format!("Drive {id} is already recorded as an extra drive of this job"),
            ));
        }
    }
    check(errors)?;
    let held = job.extra_drives.len();
    let max = settings.max_extra_drives as usize;
    if held + extra.len() > max {
        return Err(Rejection::invalid(
            "extra",
            format!(
                "A job can hold at most {max} extra drives; it holds {held} and this package has {}",
                extra.len()
            ),
        ));
    }
    Ok(())
}

/// A second or later package for a job already at the data center: its listed drives must be ones still
/// `NeverReceived`; unlisted drives are extras (reference §8).
fn later_package_intake(
    job: &Job,
    found: &[String],
    extra: &[String],
) -> Result<Vec<EventKind>, Rejection> {
    if job.job_type == JobType::Export && !found.is_empty() {
        return Err(Rejection::invalid(
            "found",
            "An export job's drives were recorded when its first package arrived; record the drives of a later package as extra drives",
        ));
    }
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (i, id) in found.iter().enumerate() {
        match job.drive(id.trim()) {
            None => errors.push(FieldError::new(
                format!("found[{i}]"),
                format!(
                    "Drive {} is not on the job's drive list; add it as an extra drive",
                    id.trim()
                ),
            )),
            Some(d) if d.state != DriveState::NeverReceived => errors.push(FieldError::new(
                format!("found[{i}]"),
                format!(
                    "Drive {} is {}: only a drive never received can arrive in a later package",
                    d.drive_id,
                    d.state.label()
                ),
            )),
            Some(d) => ids.push(d.drive_id.clone()),
        }
    }
    check(errors)?;
    Ok(vec![EventKind::LaterPackageReceived {
        found: ids,
        extra: extra.iter().map(|d| d.trim().to_string()).collect(),
    }])
}

/// The states in which a drive that never arrived can still be received (its job's drives are at the data
/// center).
const LATE_ARRIVAL_STATES: [JobState; 3] = [
    JobState::Received,
    JobState::Transferring,
    JobState::Packaging,
];

/// Whether a drive marked `NeverReceived` that turned up can be received now (reference §8, late drive
/// arrival): while the job's drives are at the data center, and while it is `Faulted` from there (recorded,
/// received on resolution). After ship-back it is an unmatched intake linked to the job.
pub fn can_receive_late(job: &Job, drive_id: &str) -> Result<(), Rejection> {
    let faulted_at_data_center = job.state == JobState::Faulted
        && job
            .faulted_from
            .is_some_and(|from| LATE_ARRIVAL_STATES.contains(&from));
    if job.state.is_terminal() {
        return Err(Rejection::not_allowed(format!(
            "The job is {}: its drives were shipped back, so a drive that turns up now is recorded as an unmatched intake linked to the job",
            job.state
        )));
    }
    if !LATE_ARRIVAL_STATES.contains(&job.state) && !faulted_at_data_center {
        return Err(Rejection::not_allowed(format!(
            "Cannot receive a late drive while the job is {}; it must be Received, Transferring or Packaging{}",
            job.state,
            if job.state == JobState::Shipping {
                " (a Shipping job's drives arrive with its package intake)"
            } else {
                ""
            }
        )));
    }
    let drive = listed(job, drive_id)?;
    if job
        .pending_arrivals
        .iter()
        .any(|id| id.eq_ignore_ascii_case(&drive.drive_id))
    {
        return Err(Rejection::not_allowed_field(
            "driveId",
            format!(
                "Drive {}'s arrival is already recorded; it is received when the job is resolved",
                drive.drive_id
            ),
        ));
    }
    require_drive_state(drive, DriveState::NeverReceived, "receive it late")
}

pub fn can_start_copy(job: &Job, drive_id: &str) -> Result<(), Rejection> {
    require_job_state(
        job,
        &[JobState::Received, JobState::Transferring],
        "start a copy",
    )?;
    if job.cancel_requested {
        return Err(Rejection::not_allowed(
            "The customer cancelled the job: drives that have not started are returned uncopied",
        ));
    }
    require_drive_state(
        listed(job, drive_id)?,
        DriveState::Received,
        "start the copy",
    )
}

fn finish_drive(
    job: &Job,
    drive_id: &str,
    outcome: &DriveOutcome,
    incomplete_blob_list_uri: Option<&str>,
) -> Result<Vec<EventKind>, Rejection> {
    can_report_progress(job, drive_id)?;
    let drive = listed(job, drive_id)?;
    let incomplete_blob_list_uri = incomplete_blob_list(job, outcome, incomplete_blob_list_uri)?;
    let logs = match outcome {
        DriveOutcome::Completed { logs } => logs,
        DriveOutcome::MoreInfo { logs, .. } => {
            let mut missing = Vec::new();
            if logs.error_log_uri.as_deref().unwrap_or("").is_empty() {
                missing.push(FieldError::new(
                    "errorLogUri",
                    "Completed with more info needs the error log URI",
                ));
            }
            if logs.verbose_log_uri.as_deref().unwrap_or("").is_empty() {
                missing.push(FieldError::new(
                    "verboseLogUri",
                    "Completed with more info needs the verbose log URI",
                ));
            }
            check(missing)?;
            logs
        }
    };
    let uri_errors = [
        ("errorLogUri", &logs.error_log_uri),
        ("verboseLogUri", &logs.verbose_log_uri),
        ("manifestUri", &logs.manifest_uri),
    ]
    .into_iter()
    .filter_map(|(field, uri)| {
        let uri = uri.as_deref().filter(|u| !u.is_empty())?;
        validate::log_uri(uri)
            .err()
            .map(|m| FieldError::new(field, m))
    })
    .collect();
    check(uri_errors)?;
    let finished = EventKind::DriveFinished {
        drive_id: drive.drive_id.clone(),
        outcome: outcome.clone(),
        incomplete_blob_list_uri,
    };
    Ok(with_automatic_packaging(job, finished))
}

/// The blob list of blobs left unexported, given when an export drive finishes: only for export jobs, only with
/// a "more info" outcome (some blobs not exported is not a clean completion), and an absolute http(s) URL.
/// Empty means none.
fn incomplete_blob_list(
    job: &Job,
    outcome: &DriveOutcome,
    uri: Option<&str>,
) -> Result<Option<String>, Rejection> {
    const FIELD: &str = "incompleteBlobListUri";
    let Some(uri) = uri.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if job.job_type != JobType::Export {
        return Err(Rejection::invalid(
            FIELD,
            "Only an export job has an incomplete blob list: an import job exports nothing",
        ));
    }
    if matches!(outcome, DriveOutcome::Completed { .. }) {
        return Err(Rejection::invalid(
            FIELD,
            "Blobs left unexported mean the drive did not complete cleanly: finish it with more info",
        ));
    }
    validate::incomplete_blob_list_uri(uri).map_err(|m| Rejection::invalid(FIELD, m))?;
    Ok(Some(uri.to_string()))
}

/// Appends the automatic move to `Packaging` when `event` leaves nothing to copy.
fn with_automatic_packaging(job: &Job, event: EventKind) -> Vec<EventKind> {
    let mut after = job.clone();
    after.apply(&Event {
        at: job.updated_at,
        kind: event.clone(),
    });
    let mut out = vec![event];
    if after.state == JobState::Transferring && ready_for_packaging(&after).is_ok() {
        out.push(EventKind::PackagingStarted { automatic: true });
    }
    out
}

/// Nothing is left to copy: no drive copying, none faulted, and none waiting unless the job was cancelled.
fn ready_for_packaging(job: &Job) -> Result<(), Rejection> {
    if let Some(d) = job.drives.iter().find(|d| d.state == DriveState::Faulted) {
        return Err(Rejection::not_allowed(format!(
            "Drive {} is Faulted; resolve it first",
            d.drive_id
        )));
    }
    if let Some(d) = job.drives_in(DriveState::Transferring).next() {
        return Err(Rejection::not_allowed(format!(
            "Drive {} is still copying",
            d.drive_id
        )));
    }
    if !job.cancel_requested {
        if let Some(d) = job.drives_in(DriveState::Received).next() {
            return Err(Rejection::not_allowed(format!(
                "Drive {} has not been copied yet",
                d.drive_id
            )));
        }
    }
    Ok(())
}

pub fn can_package(job: &Job) -> Result<(), Rejection> {
    require_job_state(
        job,
        &[JobState::Received, JobState::Transferring],
        "package the job",
    )?;
    ready_for_packaging(job)
}

pub fn can_ship_back(job: &Job) -> Result<(), Rejection> {
    require_job_state(job, &[JobState::Packaging], "ship back")?;
    if let Some(d) = job.drives.iter().find(|d| d.state == DriveState::Faulted) {
        return Err(Rejection::not_allowed(format!(
            "Drive {} is Faulted; resolve it first",
            d.drive_id
        )));
    }
    if job.return_address.is_none() {
        return Err(Rejection::not_allowed_field(
            "returnAddress",
            "Ship back needs a return address: contact the customer and correct it",
        ));
    }
    if let Some(report) = &job.return_address_report {
        return Err(Rejection::not_allowed_field(
            "returnAddress",
            format!(
                "Ship back is on hold: the return address was reported wrong ({}). Wait for the customer's corrected address, or correct it after contacting them; otherwise the drives are destroyed on {}",
                report.reason,
                crate::dates::date(report.destroy_deadline)
            ),
        ));
    }
    Ok(())
}

fn ship_back(job: &Job, package: &ReturnPackage) -> Result<Vec<EventKind>, Rejection> {
    can_ship_back(job)?;
    check(validate::return_package(package))?;
    // Every drive at the data center goes back: the listed ones that arrived and every extra drive.
    let expected = job.drives_to_return();
    if package.drive_count as usize != expected {
        let extras = job.extra_drives.iter().filter(|e| !e.returned).count();
        return Err(Rejection::invalid(
            "driveCount",
            format!(
                "The return package must hold {expected} drive(s), not {}: {} of the job and {extras} extra",
                package.drive_count,
                expected - extras
            ),
        ));
    }
    let package = ReturnPackage {
        carrier_name: known_carrier(&package.carrier_name)
            .unwrap_or(&package.carrier_name)
            .to_string(),
        tracking_number: package.tracking_number.trim().to_string(),
        drive_count: package.drive_count,
        ship_date: package.ship_date.trim().to_string(),
    };
    Ok(vec![EventKind::ShippedBack {
        package,
        closed: job.ends_with_errors(),
    }])
}

pub fn can_fault_job(job: &Job) -> Result<(), Rejection> {
    if job.state == JobState::Faulted {
        return Err(Rejection::not_allowed("The job is already Faulted"));
    }
    if job.state.is_terminal() {
        return Err(Rejection::not_allowed(format!(
            "A {} job cannot fault",
            job.state
        )));
    }
    Ok(())
}

/// Where a faulted job may go: the state it left first, then the states the graph reaches from there in one
/// step, when the job would be valid there. A resolution cannot stand in for the step that leads to a state:
/// `Shipping` needs the customer to mark the package shipped, `Received` needs a package intake.
pub fn job_resolution_targets(job: &Job) -> Vec<JobState> {
    let Some(from) = job.faulted_from.filter(|_| job.state == JobState::Faulted) else {
        return Vec::new();
    };
    // Valid once resolved, the drives that turned up meanwhile received (as `resolve_job` does).
    let valid_in = |to: JobState| {
        let mut after = job.clone();
        after.apply(&Event {
            at: job.updated_at,
            kind: EventKind::JobResolved {
                to,
                resolution: String::new(),
                timer_shift_seconds: 0,
                received: job.pending_arrivals.clone(),
            },
        });
        violations(&after).is_empty()
    };
    let mut targets = vec![from];
    // One step on along an unconditional edge: a conditional one (a late drive, a destruction) happens only
    // by its own cause, never by a resolution.
    let graph = job_graph();
    let steps = graph
        .edges
        .iter()
        .filter(|e| e.from == from && e.condition.is_none())
        .map(|e| e.to);
    for next in steps {
        if next != JobState::Faulted && !targets.contains(&next) && valid_in(next) {
            targets.push(next);
        }
    }
    targets
}

pub fn can_fault_drive(job: &Job, drive_id: &str) -> Result<(), Rejection> {
    require_job_state(
        job,
        &[
            JobState::Received,
            JobState::Transferring,
            JobState::Packaging,
        ],
        "fault a drive",
    )?;
    let drive = listed(job, drive_id)?;
    if drive.state == DriveState::Faulted {
        return Err(Rejection::not_allowed_field(
            "driveId",
            format!("Drive {} is already Faulted", drive.drive_id),
        ));
    }
    if !drive.state.is_at_data_center() {
        return Err(Rejection::not_allowed_field(
            "driveId",
            format!(
                "Drive {} is {}: it is not at the data center",
                drive.drive_id,
                drive.state.label()
            ),
        ));
    }
    Ok(())
}

/// Where a faulted drive may go: the state it left, or one step on in the drive graph, as long as the job
/// still fits its state. `CompletedMoreInfo` (needs logs) and `ShippedBack` (needs the job shipped) are reached
/// through their own operations instead.
pub fn drive_resolution_targets(job: &Job, drive: &Drive) -> Vec<DriveState> {
    let Some(from) = drive
        .faulted_from
        .filter(|_| drive.state == DriveState::Faulted)
    else {
        return Vec::new();
    };
    let mut candidates = vec![from];
    candidates.extend(drive_graph().successors(from).into_iter().filter(|s| {
        !matches!(
            s,
            DriveState::Faulted | DriveState::CompletedMoreInfo | DriveState::ShippedBack
        ) && *s != from
            // A cancelled job copies no drive that had not started (reference §4).
            && !(*s == DriveState::Transferring && job.cancel_requested)
    }));
    candidates
        .into_iter()
        .filter(|to| {
            let mut after = job.clone();
            if let Some(d) = after.drive_mut(&drive.drive_id) {
                d.state = *to;
                d.faulted_from = None;
            }
            state_fits(&after, after.state).is_ok()
        })
        .collect()
}

fn resolve_drive(
    job: &Job,
    drive_id: &str,
    to: Option<DriveState>,
    resolution: &str,
) -> Result<Vec<EventKind>, Rejection> {
    let drive = listed(job, drive_id)?;
    let targets = drive_resolution_targets(job, drive);
    if targets.is_empty() {
        return Err(Rejection::not_allowed_field(
            "driveId",
            if drive.state == DriveState::Faulted {
                format!(
                    "Drive {} cannot be resolved while the job is {}",
                    drive.drive_id, job.state
                )
            } else {
                format!("Drive {} is not Faulted", drive.drive_id)
            },
        ));
    }
    let to = to.unwrap_or(targets[0]);
    if !targets.contains(&to) {
        let names: Vec<&str> = targets.iter().map(|s| s.as_str()).collect();
        return Err(Rejection::invalid(
            "to",
            format!(
                "Drive {} can be resolved to {} only, not {to}",
                drive.drive_id,
                names.join(" or ")
            ),
        ));
    }
    validate::reason(resolution).map_err(|m| Rejection::invalid("resolution", m))?;
    let resolved = EventKind::DriveResolved {
        drive_id: drive.drive_id.clone(),
        to,
        resolution: resolution.trim().to_string(),
    };
    Ok(with_automatic_packaging(job, resolved))
}

pub fn can_correct_return_address(job: &Job) -> Result<(), Rejection> {
    require_job_state(
        job,
        &[
            JobState::Received,
            JobState::Transferring,
            JobState::Packaging,
        ],
        "correct the return address",
    )
}

pub fn can_extend_shipping_wait(job: &Job) -> Result<(), Rejection> {
    require_job_state(job, &[JobState::Shipping], "extend the shipping wait")?;
    if job.overdue_notice_at.is_none() {
        return Err(Rejection::not_allowed(
            "The shipping wait can be extended only after the package was reported overdue",
        ));
    }
    Ok(())
}
