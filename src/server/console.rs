//! Server side of the support console: reading a job's timeline, the attention queue and intakes; the timeline
//! exports (plain axum GET routes under `/staff/…`); running operator commands as a form; the development
//! tools (only with `--dev-clock`).

use super::auth::policy::Access;
use super::auth::Identity;
use super::commands;
use super::routes::PlainRoute;
use super::state::AppState;
use super::store::{StoredEvent, StoredIntake, StoredJob};
use crate::console::{
    event_details, history_of, intake_event_describe, AttentionQueue, IntakeView, QueueEntry,
    StaffJobView, TimelineEntry,
};
use crate::error::AppError;
use crate::model::{Actor, ActorKind};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use lifecycle::attention::{attention, intake_attention};
use lifecycle::{Command, FieldError, Rejection};

/// The console's plain HTTP routes (entries of the router's table; `/staff/…` is staff-only in the policy and
/// each handler checks again).
pub fn routes() -> Vec<PlainRoute> {
    vec![
        PlainRoute::get("/staff/jobs/{id}/timeline.csv", Access::Staff, export_csv),
        PlainRoute::get("/staff/jobs/{id}/timeline.json", Access::Staff, export_json),
    ]
}

/// A timeline entry from a stored event.
pub fn timeline_entry(e: &StoredEvent) -> TimelineEntry {
    TimelineEntry {
        seq: e.seq,
        at: e.event.at,
        recorded_at: e.recorded_at,
        actor_kind: e.actor.kind,
        actor: e.actor.label.clone(),
        kind: e.event.kind.name().to_string(),
        what: if e.event.kind.renews_expiry(e.state_before) {
            format!("{}; the Creating expiry restarts", e.event.kind.describe())
        } else {
            e.event.kind.describe()
        },
        state_before: e.state_before,
        state_after: e.state_after,
        drive_id: e.event.kind.drive_id().map(str::to_string),
        details: event_details(&e.event.kind),
    }
}

/// An intake with its history and what it needs now.
pub async fn intake_view(app: &AppState, stored: StoredIntake) -> Result<IntakeView, AppError> {
    let history = app
        .store
        .intake_events(stored.id)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.event.at,
                e.actor.label.clone(),
                intake_event_describe(&e.event.kind),
            )
        })
        .collect();
    Ok(IntakeView {
        id: stored.id,
        job_id: stored.job_id,
        attention: intake_attention(&stored.intake),
        intake: stored.intake,
        history,
    })
}

/// A job for staff, deleted or not.
pub async fn staff_job(app: &AppState, id: i64) -> Result<StoredJob, AppError> {
    app.store
        .job_including_deleted(id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Everything the staff job page shows.
pub async fn job_view(app: &AppState, id: i64) -> Result<StaffJobView, AppError> {
    let stored = staff_job(app, id).await?;
    let timeline: Vec<TimelineEntry> = app
        .store
        .events(id)
        .await?
        .iter()
        .map(timeline_entry)
        .collect();
    let customer = app
        .store
        .customer_emails(std::slice::from_ref(&stored.subscription_id))
        .await?
        .remove(&stored.subscription_id);
    let mut intakes = Vec::new();
    for i in app.store.intakes_of_job(id).await? {
        intakes.push(intake_view(app, i).await?);
    }
    let now = app.clock.now();
    let mut job = stored.job;
    for drive in &mut job.drives {
        drive.bit_locker_key = None;
    }
    Ok(StaffJobView {
        id: stored.id,
        subscription_id: stored.subscription_id,
        resource_group: stored.resource_group,
        customer,
        attention: attention(&job, now, app.settings()),
        diagram: crate::server::diagram::job_diagram(
            &job,
            &history_of(&timeline),
            lifecycle::wording::Reader::Staff,
        ),
        job,
        timeline,
        intakes,
        settings: *app.settings(),
        now,
    })
}

/// The attention queue: every job situation and open intake due now, most urgent kind first.
pub async fn attention_queue(app: &AppState) -> Result<AttentionQueue, AppError> {
    let now = app.clock.now();
    let jobs = app.store.attention_jobs(now, 500).await?;
    let subs: Vec<String> = jobs.iter().map(|j| j.subscription_id.clone()).collect();
    let emails = app.store.customer_emails(&subs).await?;
    let mut entries = Vec::new();
    for job in &jobs {
        for item in attention(&job.job, now, app.settings()) {
            entries.push(QueueEntry {
                job_id: Some(job.id),
                job_name: Some(job.job.name.clone()),
                customer: emails.get(&job.subscription_id).cloned(),
                intake_id: None,
                item,
            });
        }
    }
    for intake in app.store.open_intakes(500).await? {
        if let Some(item) = intake_attention(&intake.intake) {
            entries.push(QueueEntry {
                job_id: intake.job_id,
                job_name: intake.intake.details.job_name.clone(),
                customer: None,
                intake_id: Some(intake.id),
                item,
            });
        }
    }
    entries.sort_by(|a, b| {
        (a.item.kind, a.item.since, a.job_id, a.intake_id).cmp(&(
            b.item.kind,
            b.item.since,
            b.job_id,
            b.intake_id,
        ))
    });
    Ok(AttentionQueue { entries, now })
}

/// The name of a form field for a lifecycle field path: `returnAddress.postalCode` → `postal_code`,
/// `extra[1]` → `extra`, `driveCount` → `drive_count`.
pub fn form_field(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    let mut out = String::new();
    for c in last.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A lifecycle rejection with its fields named as the form's inputs.
pub fn for_form(mut r: Rejection) -> Rejection {
    r.field = r.field.as_deref().map(form_field);
    r.details = r
        .details
        .into_iter()
        .map(|d| FieldError::new(form_field(&d.field), d.message))
        .collect();
    r
}

/// Runs operator commands on a job as the signed-in staff member; a refusal comes back as a form error that
/// names the form's fields and echoes what was typed.
pub async fn operate(id: i64, commands: &[Command], echo: &[(&str, &str)]) -> Result<(), AppError> {
    let app = leptos::prelude::expect_context::<AppState>();
    let identity = super::auth::require_staff()?;
    run_as(&app, &identity, id, commands, echo).await
}

pub async fn run_as(
    app: &AppState,
    identity: &Identity,
    id: i64,
    commands: &[Command],
    echo: &[(&str, &str)],
) -> Result<(), AppError> {
    match commands::run(app, identity, id, commands).await {
        Ok(_) => Ok(()),
        Err(AppError::Rejected(r)) => Err(AppError::form(for_form(r), echo)),
        Err(e) => Err(e),
    }
}

/// An operation that cannot be undone (`JobOperation::needs_confirmation`, a destroyed intake) runs only with
/// its box ticked: checked here, after the caller is known to be staff, so the confirmation works without
/// JavaScript and cannot be skipped by a hand-made request.
pub fn require_confirmation(
    confirm: Option<&str>,
    what: &str,
    echo: &[(&str, &str)],
) -> Result<(), AppError> {
    super::auth::require_staff()?;
    if confirm == Some("yes") {
        Ok(())
    } else {
        Err(invalid(
            "confirm",
            &format!("Tick the box to confirm that you want to {what}: this cannot be undone"),
            echo,
        ))
    }
}

/// A form refusal for one field.
pub fn invalid(field: &str, message: &str, echo: &[(&str, &str)]) -> AppError {
    AppError::form(Rejection::invalid(field, message), echo)
}

// ---------------------------------------------------------------------------------------------------------
// Timeline exports
// ---------------------------------------------------------------------------------------------------------

async fn export_entries(
    app: &AppState,
    identity: Option<Extension<Identity>>,
    id: &str,
) -> Result<(StoredJob, Vec<TimelineEntry>), Response> {
    match identity {
        Some(Extension(i)) if i.is_staff() => {}
        Some(_) => return Err((StatusCode::FORBIDDEN, "staff only").into_response()),
        None => return Err((StatusCode::UNAUTHORIZED, "sign in first").into_response()),
    }
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let failed = |e: super::store::StoreError| {
        tracing::error!(error = %e, "timeline export failed");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    };
    let job = app
        .store
        .job_including_deleted(id)
        .await
        .map_err(failed)?
        .ok_or_else(not_found)?;
    let entries = app
        .store
        .events(id)
        .await
        .map_err(failed)?
        .iter()
        .map(timeline_entry)
        .collect();
    Ok((job, entries))
}

fn attachment(name: &str, ext: &str) -> String {
    format!("attachment; filename=\"{name}-timeline.{ext}\"")
}

async fn export_csv(
    State(app): State<AppState>,
    identity: Option<Extension<Identity>>,
    Path(id): Path<String>,
) -> Response {
    match export_entries(&app, identity, &id).await {
        Ok((job, entries)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    attachment(&job.job.name, "csv"),
                ),
            ],
            crate::console::timeline_csv(&entries),
        )
            .into_response(),
        Err(r) => r,
    }
}

async fn export_json(
    State(app): State<AppState>,
    identity: Option<Extension<Identity>>,
    Path(id): Path<String>,
) -> Response {
    match export_entries(&app, identity, &id).await {
        Ok((job, entries)) => {
            let body = serde_json::json!({
                "jobId": job.id,
                "name": job.job.name,
                "subscriptionId": job.subscription_id,
                "resourceGroup": job.resource_group,
                "state": job.job.state.as_str(),
                "deleted": job.job.is_deleted(),
                "events": entries,
            });
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/json; charset=utf-8".to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        attachment(&job.job.name, "json"),
                    ),
                ],
                body.to_string(),
            )
                .into_response()
        }
        Err(r) => r,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Development tools (only with --dev-clock)
// ---------------------------------------------------------------------------------------------------------

/// Refuses unless the server was started with `--dev-clock`.
pub fn require_dev_clock(app: &AppState) -> Result<(), AppError> {
    if app.clock.is_adjustable() {
        Ok(())
    } else {
        Err(AppError::Rejected(Rejection::not_allowed(
            "The development clock is off: start the server with --dev-clock to use the development tools",
        )))
    }
}

/// A test job for the demo customer, made by running the customer's real commands now. `scenario`:
/// `ready` (Creating, ready to ship), `shipping`, `shipping-cancelled` or `export-shipping`.
pub async fn create_dev_job(app: &AppState, scenario: &str) -> Result<(i64, String), AppError> {
    use super::demo;
    use lifecycle::{
        CustomerCommand, DeliveryPackage, DriveSpec, ExportSpec, JobType, NewJob, ReturnShipping,
    };
    let (export, ship, cancel) = match scenario {
        "ready" => (false, false, false),
        "shipping" => (false, true, false),
        "shipping-cancelled" => (false, true, true),
        "export-shipping" => (true, true, false),
        _ => {
            return Err(AppError::Rejected(Rejection::invalid(
                "scenario",
                "Choose a scenario: ready, shipping, shipping-cancelled or export-shipping",
            )))
        }
    };
    let customer = app
        .store
        .account_by_email(demo::CUSTOMER_EMAIL)
        .await?
        .ok_or_else(|| {
            AppError::Rejected(Rejection::not_allowed(
                "Test jobs belong to the demo customer: start the server with --demo",
            ))
        })?;
    let actor = Actor {
        kind: ActorKind::Customer,
        account_id: Some(customer.id),
        label: customer.display_name.clone(),
    };
    let now = app.clock.now();
    let stamp = format!("{:x}", now.timestamp_millis());
    let location = app
        .store
        .locations()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("no location".into()))?;
    let drives = if export {
        vec![]
    } else {
        ["A", "B"]
            .iter()
            .enumerate()
            .map(|(i, suffix)| DriveSpec {
                drive_id: format!("DEV-{}-{suffix}", stamp.to_uppercase()),
                bit_locker_key: demo::demo_bitlocker_key(
                    now.timestamp_millis() as u32 % 1000 + i as u32,
                ),
                manifest_file: "\\DriveManifest.xml".into(),
                manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
                drive_header_hash: String::new(),
            })
            .collect()
    };
    // Export jobs' drives are counted at intake: any plausible count; import jobs' is their drives.
    let drive_count = drives.len().max(1) as u32;
    let name = format!("dev-{scenario}-{stamp}");
    let new = NewJob {
        name: name.clone(),
        job_type: if export { JobType::Export } else { JobType::Import },
        storage_account_id: format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/demostore01",
            demo::DEMO_SUBSCRIPTION,
            demo::DEMO_RESOURCE_GROUP
        ),
        drives,
        export: export.then(|| ExportSpec {
            blob_paths: vec!["/photos/2026/holiday.jpg".into()],
            blob_path_prefixes: vec![],
            blob_list_blob_path: None,
        }),
        return_address: Some(demo::demo_address()),
        // Not the ship-back form's default carrier (FedEx): the form must show the customer's own.
        return_shipping: Some(ReturnShipping {
            carrier_name: "UPS".into(),
            carrier_account_number: "123456789".into(),
        }),
        delivery_package: Some(DeliveryPackage {
            carrier_name: location.supported_carriers[0].clone(),
            tracking_number: format!("DEV{}", stamp.to_uppercase()),
            drive_count: Some(drive_count),
            ship_date: None,
        }),
        location,
        diagnostics_path: "waimportexport".into(),
        log_level: Default::default(),
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: Default::default(),
    };
    let (job, _) = app
        .store
        .put_job(
            demo::DEMO_SUBSCRIPTION,
            demo::DEMO_RESOURCE_GROUP,
            new,
            &actor,
            now,
            app.settings(),
        )
        .await?;
    let mut steps = Vec::new();
    if ship {
        steps.push(Command::Customer(CustomerCommand::MarkShipping));
    }
    if cancel {
        steps.push(Command::Customer(CustomerCommand::RequestCancellation));
    }
    let job = if steps.is_empty() {
        job
    } else {
        app.store
            .execute(job.id, &steps, &actor, now, app.settings())
            .await?
            .0
    };
    Ok((job.id, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_paths_become_form_field_names() {
        assert_eq!(form_field("returnAddress.postalCode"), "postal_code");
        assert_eq!(form_field("extra[1]"), "extra");
        assert_eq!(form_field("driveCount"), "drive_count");
        assert_eq!(form_field("reason"), "reason");
        assert_eq!(form_field("errorLogUri"), "error_log_uri");
        let r = for_form(Rejection::invalid("found[0]", "not on the list"));
        assert_eq!(r.field.as_deref(), Some("found"));
        assert_eq!(r.message_for("found"), Some("not on the list"));
    }
}
