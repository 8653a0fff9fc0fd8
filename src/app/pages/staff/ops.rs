//! The data center's operations on a job and its drives: one `staff_…` server function per operation, each
//! decided by the lifecycle (`commands::run`), and the forms that call them. A form is shown when the lifecycle
//! allows the operation now; otherwise the operation is listed, disabled, with the lifecycle's reason.

use super::{error_of, OpInput, OpMessage, OpSelect, OpTextArea};
use crate::app::components::form::FormError;
use crate::error::AppError;
use leptos::prelude::*;
use lifecycle::actions::{drive_operations, job_operations, DriveOperation, JobOperation};
use lifecycle::decide::{drive_resolution_targets, job_resolution_targets};
use lifecycle::shipping::KNOWN_CARRIERS;
use lifecycle::{Drive, Job, JobType, Settings, Timestamp};
use std::collections::BTreeSet;

/// Drive serials typed in one box: separated by commas, semicolons, spaces or new lines.
pub fn split_ids(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The most drive serials one package form takes: a job's drives (the lifecycle's `MAX_DRIVES`) and the most
/// undeclared extras any configuration allows. A typed list is read whole only within it; the job's own
/// extras limit (a setting) is the lifecycle's to apply.
pub const MAX_PACKAGE_DRIVES: usize =
    lifecycle::validate::MAX_DRIVES + lifecycle::settings::MAX_EXTRA_DRIVES_CEILING as usize;

/// Why a list of `n` serials is refused, if it is longer than a package holds.
pub fn too_many_drives(n: usize) -> Option<String> {
    (n > MAX_PACKAGE_DRIVES).then(|| {
        format!(
            "A package holds at most {MAX_PACKAGE_DRIVES} drives here (got {n}); record the others separately"
        )
    })
}

#[cfg(feature = "ssr")]
use crate::server::console::{invalid, operate, require_confirmation};
#[cfg(feature = "ssr")]
use lifecycle::{Command, OperatorCommand};

#[cfg(feature = "ssr")]
fn op(c: OperatorCommand) -> [Command; 1] {
    [Command::Operator(c)]
}

#[server(endpoint = "staff_package_intake")]
pub async fn staff_package_intake(
    id: i64,
    #[server(default)] found: Vec<String>,
    found_text: Option<String>,
    extra: Option<String>,
) -> Result<(), AppError> {
    let found_text = found_text.unwrap_or_default();
    let extra = extra.unwrap_or_default();
    let mut found = found;
    found.extend(split_ids(&found_text));
    let extra_ids = split_ids(&extra);
    let echo = [
        ("found_text", found_text.as_str()),
        ("extra", extra.as_str()),
    ];
    if let Some(m) = too_many_drives(found.len() + extra_ids.len()) {
        return Err(invalid("found_text", &m, &echo));
    }
    operate(
        id,
        &op(OperatorCommand::PackageIntake {
            found,
            extra: extra_ids,
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_drive_arrived")]
pub async fn staff_drive_arrived(id: i64, drive_id: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::DriveArrived {
            drive_id: drive_id.clone(),
        }),
        &[("drive_id", &drive_id)],
    )
    .await
}

#[server(endpoint = "staff_start_copy")]
pub async fn staff_start_copy(id: i64, drive_id: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::StartCopy {
            drive_id: drive_id.clone(),
        }),
        &[("drive_id", &drive_id)],
    )
    .await
}

#[server(endpoint = "staff_report_progress")]
pub async fn staff_report_progress(
    id: i64,
    drive_id: String,
    percent: String,
    bytes_succeeded: String,
    copy_status: String,
) -> Result<(), AppError> {
    let echo = [
        ("drive_id", drive_id.as_str()),
        ("percent", percent.as_str()),
        ("bytes_succeeded", bytes_succeeded.as_str()),
        ("copy_status", copy_status.as_str()),
    ];
    let Ok(p) = percent.trim().parse::<u8>() else {
        return Err(invalid(
            "percent",
            "Percent must be a whole number from 0 to 100",
            &echo,
        ));
    };
    let bytes = lifecycle::units::parse_bytes(&bytes_succeeded)
        .map_err(|m| invalid("bytes_succeeded", &m, &echo))?;
    operate(
        id,
        &op(OperatorCommand::ReportProgress {
            drive_id: drive_id.clone(),
            percent: p,
            bytes_succeeded: bytes,
            copy_status: copy_status.clone(),
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_finish_drive")]
pub async fn staff_finish_drive(
    id: i64,
    drive_id: String,
    outcome: String,
    error_log_uri: Option<String>,
    verbose_log_uri: Option<String>,
    manifest_uri: Option<String>,
    incomplete_blob_list_uri: Option<String>,
) -> Result<(), AppError> {
    use lifecycle::{DriveLogs, DriveOutcome, Severity};
    let uri = |u: &Option<String>| {
        u.as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string)
    };
    let logs = DriveLogs {
        error_log_uri: uri(&error_log_uri),
        verbose_log_uri: uri(&verbose_log_uri),
        manifest_uri: uri(&manifest_uri),
    };
    let e = error_log_uri.unwrap_or_default();
    let v = verbose_log_uri.unwrap_or_default();
    let m = manifest_uri.unwrap_or_default();
    let incomplete = uri(&incomplete_blob_list_uri);
    let b = incomplete_blob_list_uri.unwrap_or_default();
    let echo = [
        ("drive_id", drive_id.as_str()),
        ("outcome", outcome.as_str()),
        ("error_log_uri", e.as_str()),
        ("verbose_log_uri", v.as_str()),
        ("manifest_uri", m.as_str()),
        ("incomplete_blob_list_uri", b.as_str()),
    ];
    let outcome = match outcome.as_str() {
        "Completed" => DriveOutcome::Completed { logs },
        other => match Severity::parse(other) {
            Some(severity) => DriveOutcome::MoreInfo { severity, logs },
            None => {
                return Err(invalid(
                    "outcome",
                    "Choose Completed, or Completed with more info and its severity",
                    &echo,
                ))
            }
        },
    };
    operate(
        id,
        &op(OperatorCommand::FinishDrive {
            drive_id: drive_id.clone(),
            outcome,
            incomplete_blob_list_uri: incomplete,
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_package_job")]
pub async fn staff_package_job(id: i64) -> Result<(), AppError> {
    operate(id, &op(OperatorCommand::PackageJob), &[]).await
}

#[server(endpoint = "staff_ship_back")]
pub async fn staff_ship_back(
    id: i64,
    carrier_name: String,
    tracking_number: String,
    drive_count: String,
    ship_date: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    let echo = [
        ("carrier_name", carrier_name.as_str()),
        ("tracking_number", tracking_number.as_str()),
        ("drive_count", drive_count.as_str()),
        ("ship_date", ship_date.as_str()),
    ];
    require_confirmation(confirm.as_deref(), "ship the drives back", &echo)?;
    let Ok(count) = drive_count.trim().parse::<u32>() else {
        return Err(invalid(
            "drive_count",
            "Drive count must be a whole number",
            &echo,
        ));
    };
    operate(
        id,
        &op(OperatorCommand::ShipBack {
            package: lifecycle::ReturnPackage {
                carrier_name: carrier_name.clone(),
                tracking_number: tracking_number.clone(),
                drive_count: count,
                ship_date: ship_date.clone(),
            },
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_fault_job")]
pub async fn staff_fault_job(id: i64, reason: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::FaultJob {
            reason: reason.clone(),
        }),
        &[("reason", &reason)],
    )
    .await
}

#[server(endpoint = "staff_resolve_job")]
pub async fn staff_resolve_job(id: i64, to: String, resolution: String) -> Result<(), AppError> {
    let echo = [("to", to.as_str()), ("resolution", resolution.as_str())];
    let target = match to.trim() {
        "" => None,
        s => Some(
            lifecycle::JobState::parse(s)
                .ok_or_else(|| invalid("to", &format!("Unknown state '{s}'"), &echo))?,
        ),
    };
    operate(
        id,
        &op(OperatorCommand::ResolveJob {
            to: target,
            resolution: resolution.clone(),
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_fault_drive")]
pub async fn staff_fault_drive(id: i64, drive_id: String, reason: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::FaultDrive {
            drive_id: drive_id.clone(),
            reason: reason.clone(),
        }),
        &[("drive_id", &drive_id), ("reason", &reason)],
    )
    .await
}

#[server(endpoint = "staff_resolve_drive")]
pub async fn staff_resolve_drive(
    id: i64,
    drive_id: String,
    to: String,
    resolution: String,
) -> Result<(), AppError> {
    let echo = [
        ("drive_id", drive_id.as_str()),
        ("to", to.as_str()),
        ("resolution", resolution.as_str()),
    ];
    let target = match to.trim() {
        "" => None,
        s => Some(
            lifecycle::DriveState::parse(s)
                .ok_or_else(|| invalid("to", &format!("Unknown drive state '{s}'"), &echo))?,
        ),
    };
    operate(
        id,
        &op(OperatorCommand::ResolveDrive {
            drive_id: drive_id.clone(),
            to: target,
            resolution: resolution.clone(),
        }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_correct_return_address")]
pub async fn staff_correct_return_address(
    id: i64,
    recipient_name: String,
    street_address1: String,
    street_address2: Option<String>,
    city: String,
    state_or_province: Option<String>,
    postal_code: String,
    country_or_region: String,
    phone: String,
    email: String,
) -> Result<(), AppError> {
    let optional = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let address = lifecycle::ReturnAddress {
        recipient_name: recipient_name.trim().into(),
        street_address1: street_address1.trim().into(),
        street_address2: optional(&street_address2),
        city: city.trim().into(),
        state_or_province: optional(&state_or_province),
        postal_code: postal_code.trim().into(),
        country_or_region: country_or_region.trim().into(),
        phone: phone.trim().into(),
        email: email.trim().into(),
    };
    let s2 = street_address2.unwrap_or_default();
    let sp = state_or_province.unwrap_or_default();
    operate(
        id,
        &op(OperatorCommand::CorrectReturnAddress(address)),
        &[
            ("recipient_name", &recipient_name),
            ("street_address1", &street_address1),
            ("street_address2", &s2),
            ("city", &city),
            ("state_or_province", &sp),
            ("postal_code", &postal_code),
            ("country_or_region", &country_or_region),
            ("phone", &phone),
            ("email", &email),
        ],
    )
    .await
}

#[server(endpoint = "staff_extend_shipping_wait")]
pub async fn staff_extend_shipping_wait(id: i64, days: String) -> Result<(), AppError> {
    let echo = [("days", days.as_str())];
    let Ok(n) = days.trim().parse::<u32>() else {
        return Err(invalid(
            "days",
            "Days must be a whole number from 1 to 365",
            &echo,
        ));
    };
    operate(
        id,
        &op(OperatorCommand::ExtendShippingWait { days: n }),
        &echo,
    )
    .await
}

#[server(endpoint = "staff_add_note")]
pub async fn staff_add_note(id: i64, text: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::AddNote { text: text.clone() }),
        &[("text", &text)],
    )
    .await
}

#[server(endpoint = "staff_cancel_job")]
pub async fn staff_cancel_job(
    id: i64,
    reason: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    require_confirmation(confirm.as_deref(), "cancel the job", &[("reason", &reason)])?;
    operate(
        id,
        &op(OperatorCommand::CancelJob {
            reason: reason.clone(),
        }),
        &[("reason", &reason)],
    )
    .await
}

#[server(endpoint = "staff_report_return_address")]
pub async fn staff_report_return_address(
    id: i64,
    reason: String,
    confirm: Option<String>,
) -> Result<(), AppError> {
    require_confirmation(
        confirm.as_deref(),
        "report the return address as wrong",
        &[("reason", &reason)],
    )?;
    operate(
        id,
        &op(OperatorCommand::ReportReturnAddress {
            reason: reason.clone(),
        }),
        &[("reason", &reason)],
    )
    .await
}

#[server(endpoint = "staff_resolve_return_problem")]
pub async fn staff_resolve_return_problem(id: i64, note: String) -> Result<(), AppError> {
    operate(
        id,
        &op(OperatorCommand::ResolveReturnProblem { note: note.clone() }),
        &[("note", &note)],
    )
    .await
}

/// Every operation's action, created once per page (so a plain form post's error comes back to its form).
#[derive(Clone, Copy)]
pub struct Ops {
    pub package_intake: ServerAction<StaffPackageIntake>,
    pub drive_arrived: ServerAction<StaffDriveArrived>,
    pub start_copy: ServerAction<StaffStartCopy>,
    pub report_progress: ServerAction<StaffReportProgress>,
    pub finish_drive: ServerAction<StaffFinishDrive>,
    pub package_job: ServerAction<StaffPackageJob>,
    pub ship_back: ServerAction<StaffShipBack>,
    pub fault_job: ServerAction<StaffFaultJob>,
    pub resolve_job: ServerAction<StaffResolveJob>,
    pub fault_drive: ServerAction<StaffFaultDrive>,
    pub resolve_drive: ServerAction<StaffResolveDrive>,
    pub correct_return_address: ServerAction<StaffCorrectReturnAddress>,
    pub extend_shipping_wait: ServerAction<StaffExtendShippingWait>,
    pub add_note: ServerAction<StaffAddNote>,
    pub cancel_job: ServerAction<StaffCancelJob>,
    pub report_return_address: ServerAction<StaffReportReturnAddress>,
    pub resolve_return_problem: ServerAction<StaffResolveReturnProblem>,
    /// The operation forms the user has opened: they stay open when the page re-renders after a change.
    pub open: RwSignal<BTreeSet<String>>,
}

impl Ops {
    pub fn new() -> Ops {
        Ops {
            package_intake: ServerAction::new(),
            drive_arrived: ServerAction::new(),
            start_copy: ServerAction::new(),
            report_progress: ServerAction::new(),
            finish_drive: ServerAction::new(),
            package_job: ServerAction::new(),
            ship_back: ServerAction::new(),
            fault_job: ServerAction::new(),
            resolve_job: ServerAction::new(),
            fault_drive: ServerAction::new(),
            resolve_drive: ServerAction::new(),
            correct_return_address: ServerAction::new(),
            extend_shipping_wait: ServerAction::new(),
            add_note: ServerAction::new(),
            cancel_job: ServerAction::new(),
            report_return_address: ServerAction::new(),
            resolve_return_problem: ServerAction::new(),
            open: RwSignal::new(BTreeSet::new()),
        }
    }

    /// Changes whenever any operation completes (the page re-reads the job).
    /// Whether one of the operations awaits its answer (the page re-reads after it anyway).
    pub fn any_pending(&self) -> bool {
        [
            self.package_intake.pending(),
            self.drive_arrived.pending(),
            self.start_copy.pending(),
            self.report_progress.pending(),
            self.finish_drive.pending(),
            self.package_job.pending(),
            self.ship_back.pending(),
            self.fault_job.pending(),
            self.resolve_job.pending(),
            self.fault_drive.pending(),
            self.resolve_drive.pending(),
            self.correct_return_address.pending(),
            self.extend_shipping_wait.pending(),
            self.add_note.pending(),
            self.cancel_job.pending(),
            self.report_return_address.pending(),
            self.resolve_return_problem.pending(),
        ]
        .iter()
        .any(|p| p.get_untracked())
    }

    pub fn version(&self) -> usize {
        [
            self.package_intake.version().get(),
            self.drive_arrived.version().get(),
            self.start_copy.version().get(),
            self.report_progress.version().get(),
            self.finish_drive.version().get(),
            self.package_job.version().get(),
            self.ship_back.version().get(),
            self.fault_job.version().get(),
            self.resolve_job.version().get(),
            self.fault_drive.version().get(),
            self.resolve_drive.version().get(),
            self.correct_return_address.version().get(),
            self.extend_shipping_wait.version().get(),
            self.add_note.version().get(),
            self.cancel_job.version().get(),
            self.report_return_address.version().get(),
            self.resolve_return_problem.version().get(),
        ]
        .iter()
        .sum()
    }
}

impl Default for Ops {
    fn default() -> Ops {
        Ops::new()
    }
}

/// Whether the form `key` is open: the user opened it, or its last submission was refused.
fn is_open(ops: Ops, key: String, error: FormError) -> impl Fn() -> bool + Send + Sync + 'static {
    move || error.get().is_some() || ops.open.with(|s| s.contains(&key))
}

/// Remembers the user opening or closing the form `key`.
fn on_toggle(ops: Ops, key: String) -> impl FnMut(leptos::ev::Event) + 'static {
    move |ev| {
        let open = event_target::<leptos::web_sys::HtmlDetailsElement>(&ev).open();
        ops.open.update(|s| {
            if open {
                s.insert(key.clone());
            } else {
                s.remove(&key);
            }
        });
    }
}

pub fn job_operation_key(op: JobOperation) -> &'static str {
    match op {
        JobOperation::PackageIntake => "package-intake",
        JobOperation::PackageJob => "package-job",
        JobOperation::ShipBack => "ship-back",
        JobOperation::FaultJob => "fault-job",
        JobOperation::ResolveJob => "resolve-job",
        JobOperation::CorrectReturnAddress => "correct-return-address",
        JobOperation::ExtendShippingWait => "extend-shipping-wait",
        JobOperation::CancelJob => "cancel-job",
        JobOperation::ReportReturnAddress => "report-return-address",
        JobOperation::ResolveReturnProblem => "resolve-return-problem",
    }
}

pub fn job_operation_label(op: JobOperation) -> &'static str {
    match op {
        JobOperation::PackageIntake => "Package intake",
        JobOperation::PackageJob => "Move to packaging",
        JobOperation::ShipBack => "Ship back",
        JobOperation::FaultJob => "Fault the job",
        JobOperation::ResolveJob => "Resolve the job",
        JobOperation::CorrectReturnAddress => "Correct the return address",
        JobOperation::ExtendShippingWait => "Extend the shipping wait",
        JobOperation::CancelJob => "Cancel the job",
        JobOperation::ReportReturnAddress => "Report the return address wrong",
        JobOperation::ResolveReturnProblem => "Resolve the returned-drives problem",
    }
}

pub fn drive_operation_key(op: DriveOperation) -> &'static str {
    match op {
        DriveOperation::ReceiveLate => "receive-late",
        DriveOperation::StartCopy => "start-copy",
        DriveOperation::ReportProgress => "report-progress",
        DriveOperation::Finish => "finish",
        DriveOperation::Fault => "fault-drive",
        DriveOperation::Resolve => "resolve-drive",
    }
}

pub fn drive_operation_label(op: DriveOperation) -> &'static str {
    match op {
        DriveOperation::ReceiveLate => "Arrived late",
        DriveOperation::StartCopy => "Start copy",
        DriveOperation::ReportProgress => "Report progress",
        DriveOperation::Finish => "Finish",
        DriveOperation::Fault => "Fault the drive",
        DriveOperation::Resolve => "Resolve the drive",
    }
}

fn carriers() -> Vec<(String, String)> {
    KNOWN_CARRIERS
        .iter()
        .map(|c| (c.to_string(), c.to_string()))
        .collect()
}

/// The operations on the whole job.
#[component]
pub fn JobOperations(
    id: i64,
    job: Job,
    now: Timestamp,
    settings: Settings,
    ops: Ops,
) -> impl IntoView {
    let availability = job_operations(&job, &settings);
    view! {
        <ul class="ops" data-testid="job-operations">
            {availability
                .into_iter()
                .map(|a| {
                    let key = job_operation_key(a.action);
                    let label = job_operation_label(a.action);
                    if !a.allowed {
                        let reason = a.reason.clone().unwrap_or_default();
                        // A refusal from a form shown before the job changed still says why.
                        let error = job_error(a.action, ops);
                        // The reason links to the form that fixes it, when this job has one: the browser opens
                        // the closed section the link leads into; with JavaScript the page opens it too, so it
                        // stays open across live redraws.
                        let reason = match lifecycle::actions::job_operation_fixed_by(&job, &settings, a.action) {
                            Some(fixer) => {
                                let fixer_key = job_operation_key(fixer);
                                let open_key = format!("job-{fixer_key}");
                                view! {
                                    <a class="hint" data-testid="op-reason" href=format!("#form-{fixer_key}")
                                        on:click=move |_| ops.open.update(|s| { s.insert(open_key.clone()); })>
                                        {reason}
                                    </a>
                                }
                                .into_any()
                            }
                            None => view! { <span class="hint" data-testid="op-reason">{reason}</span> }.into_any(),
                        };
                        return view! {
                            <li class="op unavailable" data-testid=format!("op-{key}") data-allowed="false">
                                <button type="button" class="button secondary small" disabled=true>{label}</button>
                                {reason}
                                <OpMessage error/>
                            </li>
                        }
                        .into_any();
                    }
                    let form = job_form(a.action, id, &job, now, &settings, ops);
                    let error = job_error(a.action, ops);
                    view! {
                        <li class="op" data-testid=format!("op-{key}") data-allowed="true">
                            <details open=is_open(ops, format!("job-{key}"), error) on:toggle=on_toggle(ops, format!("job-{key}"))>
                                <summary>{label}</summary>
                                <div id=format!("form-{key}")>
                                    <OpMessage error/>
                                    {form}
                                </div>
                            </details>
                        </li>
                    }
                    .into_any()
                })
                .collect_view()}
        </ul>
    }
}

fn job_error(op: JobOperation, ops: Ops) -> FormError {
    match op {
        JobOperation::PackageIntake => error_of(ops.package_intake),
        JobOperation::PackageJob => error_of(ops.package_job),
        JobOperation::ShipBack => error_of(ops.ship_back),
        JobOperation::FaultJob => error_of(ops.fault_job),
        JobOperation::ResolveJob => error_of(ops.resolve_job),
        JobOperation::CorrectReturnAddress => error_of(ops.correct_return_address),
        JobOperation::ExtendShippingWait => error_of(ops.extend_shipping_wait),
        JobOperation::CancelJob => error_of(ops.cancel_job),
        JobOperation::ReportReturnAddress => error_of(ops.report_return_address),
        JobOperation::ResolveReturnProblem => error_of(ops.resolve_return_problem),
    }
}

fn job_form(
    op: JobOperation,
    id: i64,
    job: &Job,
    now: Timestamp,
    settings: &Settings,
    ops: Ops,
) -> AnyView {
    let error = job_error(op, ops);
    match op {
        JobOperation::PackageIntake => {
            let listed = job.job_type == JobType::Import;
            let drives: Vec<String> = job.drives.iter().map(|d| d.drive_id.clone()).collect();
            view! {
                <ActionForm action=ops.package_intake attr:class="stack">
                    <input type="hidden" name="id" value=id/>
                    {if listed {
                        view! {
                            <fieldset class="field">
                                <legend>"Drives found in the package"</legend>
                                {drives
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, d)| {
                                        let input_id = format!("intake-found-{i}");
                                        view! {
                                            <div class="checkbox">
                                                <input type="checkbox" id=input_id.clone() name="found[]" value=d.clone() checked=true/>
                                                <label for=input_id>{d}</label>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                                <p class="hint">"Untick a drive that is not in the package: it is recorded as never received."</p>
                                <p class="field-error" data-field-error="found" role="status">{move || error.get().and_then(|e| e.field_message("found"))}</p>
                            </fieldset>
                        }
                        .into_any()
                    } else {
                        view! {
                            <OpInput id="intake-found-text" name="found_text" label="Drives in the package" hint="Serial numbers of the drives to copy to, separated by commas" required=true error/>
                        }
                        .into_any()
                    }}
                    <OpInput id="intake-extra" name="extra" label="Extra drives (not on the drive list)" hint="Serial numbers, separated by commas; they are returned with the job" error/>
                    <button type="submit" class="button primary">"Record package intake"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::PackageJob => view! {
            <ActionForm action=ops.package_job attr:class="inline-action">
                <input type="hidden" name="id" value=id/>
                <p class="hint">"Nothing is left to copy: the drives go to packaging."</p>
                <button type="submit" class="button primary">"Move to packaging"</button>
            </ActionForm>
        }
        .into_any(),
        JobOperation::ShipBack => {
            // The customer's own return shipping: their carrier, billed to their account.
            let customer_shipping = job.return_shipping.clone();
            let carrier = customer_shipping
                .as_ref()
                .and_then(|r| lifecycle::shipping::known_carrier(&r.carrier_name))
                .map(str::to_string)
                .unwrap_or_else(|| "FedEx".into());
            let count = job.drives_to_return().to_string();
            let today = lifecycle::dates::date(now);
            view! {
                <ActionForm action=ops.ship_back attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <OpSelect id="ship-back-carrier" name="carrier_name" label="Carrier" options=carriers() selected=carrier error/>
                    {match customer_shipping {
                        Some(r) => view! {
                            <p class="hint" data-testid="ship-back-account">
                                "The customer's return shipping: " {r.carrier_name} ", account number "
                                <strong class="mono">{r.carrier_account_number}</strong>
                                " (bill the return to this account)"
                            </p>
                        }.into_any(),
                        None => view! { <p class="hint" data-testid="ship-back-account">"The customer gave no return shipping account."</p> }.into_any(),
                    }}
                    <OpInput id="ship-back-tracking" name="tracking_number" label="Tracking number" required=true error/>
                    <OpInput id="ship-back-count" name="drive_count" label="Drive count" kind="number" value=count hint="Every drive that arrived, extra drives included" required=true error/>
                    <OpInput id="ship-back-date" name="ship_date" label="Ship date" kind="date" value=today required=true error/>
                    <ConfirmIrreversible id="ship-back-confirm" what="ship the drives back" error/>
                    <button type="submit" class="button primary">"Ship back"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::FaultJob => view! {
            <ActionForm action=ops.fault_job attr:class="stack narrow">
                <input type="hidden" name="id" value=id/>
                <OpTextArea id="fault-job-reason" name="reason" label="Reason" hint="Shown to the customer" required=true error/>
                <button type="submit" class="button danger">"Fault the job"</button>
            </ActionForm>
        }
        .into_any(),
        JobOperation::ResolveJob => {
            let targets: Vec<(String, String)> = job_resolution_targets(job)
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let label = if i == 0 {
                        format!("{s} (where it faulted)")
                    } else {
                        s.as_str().to_string()
                    };
                    (s.as_str().to_string(), label)
                })
                .collect();
            view! {
                <ActionForm action=ops.resolve_job attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <OpSelect id="resolve-job-to" name="to" label="Resolve to" options=targets error/>
                    <OpTextArea id="resolve-job-resolution" name="resolution" label="Resolution" required=true error/>
                    <button type="submit" class="button primary">"Resolve the job"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::CorrectReturnAddress => {
            let a = job.return_address.clone().unwrap_or_default();
            view! {
                <ActionForm action=ops.correct_return_address attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <OpInput id="address-recipient" name="recipient_name" label="Recipient name" value=a.recipient_name required=true error/>
                    <OpInput id="address-street1" name="street_address1" label="Street address" value=a.street_address1 required=true error/>
                    <OpInput id="address-street2" name="street_address2" label="Street address line 2" value=a.street_address2.unwrap_or_default() error/>
                    <OpInput id="address-city" name="city" label="City" value=a.city required=true error/>
                    <OpInput id="address-state" name="state_or_province" label="State or province" value=a.state_or_province.unwrap_or_default() error/>
                    <OpInput id="address-postal" name="postal_code" label="Postal code" value=a.postal_code required=true error/>
                    <OpInput id="address-country" name="country_or_region" label="Country or region" value=a.country_or_region required=true error/>
                    <OpInput id="address-phone" name="phone" label="Phone" value=a.phone required=true error/>
                    <OpInput id="address-email" name="email" label="Email" kind="email" value=a.email required=true error/>
                    <button type="submit" class="button primary">"Correct the return address"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::ExtendShippingWait => view! {
            <ActionForm action=ops.extend_shipping_wait attr:class="inline-action">
                <input type="hidden" name="id" value=id/>
                <OpInput id="extend-days" name="days" label="Extend by (days)" kind="number" value="14" required=true error/>
                <button type="submit" class="button primary">"Extend the wait"</button>
            </ActionForm>
        }
        .into_any(),
        JobOperation::CancelJob => {
            let effect = lifecycle::decide::cancellation_effect(job);
            view! {
                <ActionForm action=ops.cancel_job attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <p class="hint" data-testid="cancel-effect">{effect}</p>
                    <OpTextArea id="cancel-job-reason" name="reason" label="Reason" hint="On the timeline, e.g. the customer asked by phone or never answered about the overdue package" required=true error/>
                    <ConfirmIrreversible id="cancel-job-confirm" what="cancel the job" error/>
                    <button type="submit" class="button danger">"Cancel the job"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::ReportReturnAddress => {
            let period = settings.timers.wrong_return_address;
            view! {
                <ActionForm action=ops.report_return_address attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <p class="hint">{format!(
                        "Ship-back waits for a corrected address; the customer is asked for one on their job page. If none arrives within {period}, the drives are securely destroyed and the job is closed."
                    )}</p>
                    <OpTextArea id="report-address-reason" name="reason" label="What is wrong with the address" hint="Shown to the customer" required=true error/>
                    <ConfirmIrreversible id="report-address-confirm" what="report the return address as wrong" error/>
                    <button type="submit" class="button danger">"Report the return address"</button>
                </ActionForm>
            }
            .into_any()
        }
        JobOperation::ResolveReturnProblem => {
            let report = job
                .return_problem
                .as_ref()
                .map(|p| p.description.clone())
                .unwrap_or_default();
            view! {
                <ActionForm action=ops.resolve_return_problem attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <p class="hint">"The customer wrote: "<q data-testid="return-problem-report">{report}</q></p>
                    <OpTextArea id="resolve-return-problem-note" name="note" label="What was done" hint="On the timeline and shown to the customer" required=true error/>
                    <button type="submit" class="button primary">"Resolve the report"</button>
                </ActionForm>
            }
            .into_any()
        }
    }
}

/// The box an irreversible operation needs ticked (`JobOperation::needs_confirmation`); the server checks it too.
#[component]
fn ConfirmIrreversible(
    #[prop(into)] id: String,
    what: &'static str,
    error: FormError,
) -> impl IntoView {
    view! {
        <div class="field checkbox confirm">
            <input type="checkbox" id=id.clone() name="confirm" value="yes" required=true/>
            <label for=id>{format!("Yes, {what}: this cannot be undone")}</label>
        </div>
        <p class="field-error" data-field-error="confirm" role="status">{move || error.get().and_then(|e| e.field_message("confirm"))}</p>
    }
}

/// Bytes copied, with units (`500 GB`, `1.5 TiB`): the value the server will save is shown as it is typed
/// (`lifecycle::units`, the same parser the server uses).
#[component]
fn BytesInput(
    #[prop(into)] id: String,
    #[prop(into)] value: String,
    error: FormError,
) -> impl IntoView {
    let typed = error
        .get_untracked()
        .and_then(|e| e.typed("bytes_succeeded"));
    let (text, set_text) = signal(typed.unwrap_or(value));
    let preview_id = format!("{id}-parsed");
    let preview = move || {
        match lifecycle::units::parse_bytes(&text.get()) {
        Ok(bytes) => view! { <span data-testid="bytes-parsed">{format!("Saved as {}", lifecycle::units::describe_bytes(bytes))}</span> }.into_any(),
        Err(m) => view! { <span class="field-error" data-testid="bytes-parse-error">{m}</span> }.into_any(),
    }
    };
    let message = move || error.get().and_then(|e| e.field_message("bytes_succeeded"));
    view! {
        <div class="field" class:has-error=move || message().is_some()>
            <label for=id.clone()>"Bytes copied"<span class="required" aria-hidden="true">" *"</span></label>
            <input id=id.clone() name="bytes_succeeded" type="text" inputmode="decimal" autocomplete="off" required=true
                value=text.get_untracked() aria-describedby=preview_id.clone()
                on:input=move |ev| set_text.set(event_target_value(&ev))/>
            <p class="hint" id=preview_id aria-live="polite">
                "A number of bytes, or with a unit: 500 GB, 1.5 TiB ("<code>"."</code>" is the decimal separator). "
                {preview}
            </p>
            <p class="field-error" data-field-error="bytes_succeeded" role="status">{message}</p>
        </div>
    }
}

/// A drive's DOM-safe key.
fn drive_key(drive_id: &str) -> String {
    drive_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The drive's share of an operation's error: only when the refused form was this drive's.
fn scoped(error: FormError, drive_id: String) -> FormError {
    Signal::derive(move || {
        error.get().filter(|e| {
            e.typed("drive_id")
                .is_some_and(|d| d.eq_ignore_ascii_case(&drive_id))
        })
    })
}

fn drive_error(op: DriveOperation, ops: Ops, drive_id: &str) -> FormError {
    let error = match op {
        DriveOperation::ReceiveLate => error_of(ops.drive_arrived),
        DriveOperation::StartCopy => error_of(ops.start_copy),
        DriveOperation::ReportProgress => error_of(ops.report_progress),
        DriveOperation::Finish => error_of(ops.finish_drive),
        DriveOperation::Fault => error_of(ops.fault_drive),
        DriveOperation::Resolve => error_of(ops.resolve_drive),
    };
    scoped(error, drive_id.to_string())
}

/// The operations on one drive: the allowed ones as forms, the others listed with the reason.
#[component]
pub fn DriveOperations(id: i64, job: Job, drive: Drive, ops: Ops) -> impl IntoView {
    let availability = drive_operations(&job, &drive);
    let (allowed, blocked): (Vec<_>, Vec<_>) = availability.into_iter().partition(|a| a.allowed);
    let key = drive_key(&drive.drive_id);
    let forms = allowed
        .into_iter()
        .map(|a| {
            let op_key = drive_operation_key(a.action);
            let error = drive_error(a.action, ops, &drive.drive_id);
            let form = drive_form(a.action, id, &job, &drive, &key, ops, error);
            let form_key = format!("drive-{key}-{op_key}");
            if a.action == DriveOperation::StartCopy {
                // Nothing to fill in and nothing irreversible: one click.
                return view! {
                    <div class="op op-direct" data-testid=format!("op-{op_key}") data-allowed="true">
                        <OpMessage error/>
                        {form}
                    </div>
                }
                .into_any();
            }
            view! {
                <details class="op" data-testid=format!("op-{op_key}") data-allowed="true" open=is_open(ops, form_key.clone(), error) on:toggle=on_toggle(ops, form_key)>
                    <summary>{drive_operation_label(a.action)}</summary>
                    <OpMessage error/>
                    {form}
                </details>
            }
            .into_any()
        })
        .collect_view();
    let blocked_count = blocked.len();
    let blocked_errors = blocked
        .iter()
        .map(|a| view! { <OpMessage error=drive_error(a.action, ops, &drive.drive_id)/> })
        .collect_view();
    view! {
        <div class="drive-ops">
            {blocked_errors}
            {forms}
            {(blocked_count > 0).then(|| view! {
                <details class="unavailable">
                    <summary>{format!("Not available now ({blocked_count})")}</summary>
                    <ul>
                        {blocked
                            .into_iter()
                            .map(|a| view! {
                                <li data-testid=format!("op-{}", drive_operation_key(a.action)) data-allowed="false">
                                    <strong>{drive_operation_label(a.action)}</strong>
                                    ": "
                                    <span data-testid="op-reason">{a.reason.unwrap_or_default()}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                </details>
            })}
        </div>
    }
}

fn drive_form(
    op: DriveOperation,
    id: i64,
    job: &Job,
    drive: &Drive,
    key: &str,
    ops: Ops,
    error: FormError,
) -> AnyView {
    let drive_id = drive.drive_id.clone();
    let prefix = format!("{key}-{}", drive_operation_key(op));
    let fid = move |name: &str| format!("{prefix}-{name}");
    let id_bytes = fid("bytes");
    let id_error_log = fid("error-log");
    let id_incomplete = fid("incomplete-blob-list");
    let id_manifest = fid("manifest");
    let id_outcome = fid("outcome");
    let id_percent = fid("percent");
    let id_reason = fid("reason");
    let id_resolution = fid("resolution");
    let id_status = fid("status");
    let id_to = fid("to");
    let id_verbose_log = fid("verbose-log");
    match op {
        DriveOperation::ReceiveLate => view! {
            <ActionForm action=ops.drive_arrived attr:class="inline-action">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="drive_id" value=drive_id/>
                <button type="submit" class="button primary small">"Record the late arrival"</button>
            </ActionForm>
        }
        .into_any(),
        DriveOperation::StartCopy => view! {
            <ActionForm action=ops.start_copy attr:class="inline-action">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="drive_id" value=drive_id/>
                <button type="submit" class="button primary small">"Start copy"</button>
            </ActionForm>
        }
        .into_any(),
        DriveOperation::ReportProgress => {
            let percent = drive.percent_complete.to_string();
            let bytes = drive.bytes_succeeded.to_string();
            let status = drive
                .copy_status
                .as_deref()
                .and_then(|s| lifecycle::decide::progress_copy_status(s).ok())
                .unwrap_or("InProgress")
                .to_string();
            let copy_statuses: Vec<(String, String)> = lifecycle::decide::PROGRESS_COPY_STATUSES
                .iter()
                .map(|(value, label)| (value.to_string(), label.to_string()))
                .collect();
            view! {
                <ActionForm action=ops.report_progress attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="drive_id" value=drive_id/>
                    <OpInput id=id_percent.clone() name="percent" label="Percent" kind="number" value=percent required=true error/>
                    <BytesInput id=id_bytes.clone() value=bytes error/>
                    <OpSelect id=id_status.clone() name="copy_status" label="Copy status" options=copy_statuses selected=status error/>
                    <button type="submit" class="button primary small">"Report progress"</button>
                </ActionForm>
            }
            .into_any()
        }
        DriveOperation::Finish => {
            let is_export = job.job_type == JobType::Export;
            let outcomes = vec![
                ("Completed".to_string(), "Completed".to_string()),
                ("Error".to_string(), "Completed, more info: errors".to_string()),
                ("Warning".to_string(), "Completed, more info: warnings".to_string()),
                ("Info".to_string(), "Completed, more info: information".to_string()),
            ];
            view! {
                <ActionForm action=ops.finish_drive attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="drive_id" value=drive_id/>
                    <OpSelect id=id_outcome.clone() name="outcome" label="Outcome" options=outcomes error/>
                    <OpInput id=id_error_log.clone() name="error_log_uri" label="Error log URI" kind="url" hint="Required for Completed, more info" error/>
                    <OpInput id=id_verbose_log.clone() name="verbose_log_uri" label="Verbose log URI" kind="url" hint="Required for Completed, more info" error/>
                    <OpInput id=id_manifest.clone() name="manifest_uri" label="Manifest URI" kind="url" error/>
                    {is_export.then(|| view! {
                        <OpInput id=id_incomplete.clone() name="incomplete_blob_list_uri" label="Incomplete blob list URI" kind="url" hint="Export, Completed with more info: the blob list of the blobs not exported" error/>
                    })}
                    <button type="submit" class="button primary small">"Finish the drive"</button>
                </ActionForm>
            }
            .into_any()
        }
        DriveOperation::Fault => view! {
            <ActionForm action=ops.fault_drive attr:class="stack narrow">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="drive_id" value=drive_id/>
                <OpTextArea id=id_reason.clone() name="reason" label="Reason" required=true error/>
                <button type="submit" class="button danger small">"Fault the drive"</button>
            </ActionForm>
        }
        .into_any(),
        DriveOperation::Resolve => {
            let targets: Vec<(String, String)> = drive_resolution_targets(job, drive)
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let label = if i == 0 {
                        format!("{} (where it faulted)", s.label())
                    } else {
                        s.label().to_string()
                    };
                    (s.as_str().to_string(), label)
                })
                .collect();
            view! {
                <ActionForm action=ops.resolve_drive attr:class="stack narrow">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="drive_id" value=drive_id/>
                    <OpSelect id=id_to.clone() name="to" label="Resolve to" options=targets error/>
                    <OpTextArea id=id_resolution.clone() name="resolution" label="Resolution" required=true error/>
                    <button type="submit" class="button primary small">"Resolve the drive"</button>
                </ActionForm>
            }
            .into_any()
        }
    }
}

/// Errors of drive operations that belong to none of `drives` (e.g. an unknown drive).
pub fn unscoped_drive_errors(ops: Ops, drives: Vec<String>) -> FormError {
    let all = [
        error_of(ops.drive_arrived),
        error_of(ops.start_copy),
        error_of(ops.report_progress),
        error_of(ops.finish_drive),
        error_of(ops.fault_drive),
        error_of(ops.resolve_drive),
    ];
    Signal::derive(move || {
        all.iter().filter_map(|e| e.get()).find(|e| {
            e.typed("drive_id")
                .is_none_or(|d| !drives.iter().any(|x| x.eq_ignore_ascii_case(&d)))
        })
    })
}
