//! `/staff/intakes`: packages that arrived for a job that is not `Shipping`, or for no known job. Record one
//! (linked to its job when the job can be found, with an `UnmatchedIntakeNoted` event on that job), see each
//! one's deadlines and history, and resolve it.

#[cfg(feature = "ssr")]
use super::ops::split_ids;
use super::{error_of, ConsoleNav, OpInput, OpMessage, OpSelect, OpTextArea};
use crate::app::components::time::Time;
use crate::app::resource::resource;
use crate::console::{IntakeList, IntakeView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
#[cfg(feature = "ssr")]
use lifecycle::intake::IntakeOutcome;
use lifecycle::shipping::KNOWN_CARRIERS;
use lifecycle::Timestamp;

#[server(endpoint = "staff_intakes")]
pub async fn staff_intakes() -> Result<IntakeList, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::intake_view;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    let mut open = Vec::new();
    for i in app.store.open_intakes(200).await? {
        open.push(intake_view(&app, i).await?);
    }
    let mut resolved = Vec::new();
    for i in app.store.resolved_intakes(50).await? {
        resolved.push(intake_view(&app, i).await?);
    }
    Ok(IntakeList {
        open,
        resolved,
        now: app.clock.now(),
    })
}

/// Records an unmatched intake. With `job_id` (or a job name that names exactly one live job) the intake is
/// linked to the job and the job's timeline gets an `UnmatchedIntakeNoted` event, in the same transaction; a
/// job the lifecycle refuses it for (`Shipping`: its package is a package intake) gets neither.
#[server(endpoint = "staff_record_intake")]
pub async fn staff_record_intake(
    job_id: Option<i64>,
    job_name: Option<String>,
    carrier_name: String,
    tracking_number: String,
    drive_ids: String,
    notes: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::for_form;
    use crate::server::state::AppState;
    use crate::server::store::StoreError;
    use lifecycle::intake::{validate_new_intake, NewIntake};
    use lifecycle::rejection::check;
    let app = expect_context::<AppState>();
    let identity = require_staff()?;
    let typed_name = job_name.clone().unwrap_or_default();
    let notes = notes.unwrap_or_default();
    let echo = [
        ("job_name", typed_name.as_str()),
        ("carrier_name", carrier_name.as_str()),
        ("tracking_number", tracking_number.as_str()),
        ("drive_ids", drive_ids.as_str()),
        ("notes", notes.as_str()),
    ];
    let refuse = |r: lifecycle::Rejection| AppError::form(for_form(r), &echo);
    let drive_ids_typed = split_ids(&drive_ids);
    if let Some(m) = super::ops::too_many_drives(drive_ids_typed.len()) {
        return Err(AppError::form(
            lifecycle::Rejection::invalid("drive_ids", m),
            &echo,
        ));
    }
    // The job the package names, if it can be found.
    let job = match job_id {
        Some(id) => Some(app.store.job(id).await?.ok_or(AppError::NotFound)?),
        None => match typed_name.trim() {
            "" => None,
            name => {
                let ids = app.store.live_job_ids_by_name(name).await?;
                match ids.as_slice() {
                    [one] => app.store.job(*one).await?,
                    _ => None,
                }
            }
        },
    };
    let new = NewIntake {
        job_name: job
            .as_ref()
            .map(|j| j.job.name.clone())
            .or_else(|| Some(typed_name.trim().to_string()).filter(|n| !n.is_empty())),
        carrier_name: lifecycle::shipping::known_carrier(&carrier_name)
            .unwrap_or(carrier_name.trim())
            .to_string(),
        tracking_number: tracking_number.trim().to_string(),
        drive_ids: drive_ids_typed,
        notes: notes.trim().to_string(),
    };
    check(validate_new_intake(&new)).map_err(refuse)?;
    let (stored, _) = app
        .store
        .record_intake(
            job.as_ref().map(|j| j.id),
            &new,
            &identity.actor(),
            app.clock.now(),
            app.settings(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Rejected(r) => refuse(r),
            other => other.into(),
        })?;
    Ok(stored.id)
}

#[server(endpoint = "staff_resolve_intake")]
pub async fn staff_resolve_intake(
    intake_id: i64,
    outcome: String,
    note: Option<String>,
    confirm: Option<String>,
) -> Result<(), AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::for_form;
    use crate::server::state::AppState;
    use crate::server::store::StoreError;
    use lifecycle::intake::IntakeCommand;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let identity = require_staff()?;
    let note = note.unwrap_or_default();
    let id_text = intake_id.to_string();
    let echo = [
        ("intake_id", id_text.as_str()),
        ("outcome", outcome.as_str()),
        ("note", note.as_str()),
    ];
    let Some(outcome) = IntakeOutcome::parse(&outcome) else {
        return Err(AppError::form(
            Rejection::invalid(
                "outcome",
                "Choose what happened: customer reached, returned or destroyed",
            ),
            &echo,
        ));
    };
    if outcome.needs_confirmation() {
        crate::server::console::require_confirmation(
            confirm.as_deref(),
            "record the drives as destroyed",
            &echo,
        )?;
    }
    let result = app
        .store
        .execute_intake(
            intake_id,
            &IntakeCommand::Resolve {
                outcome,
                note: note.clone(),
            },
            &identity.actor(),
            app.clock.now(),
            app.settings(),
        )
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(StoreError::Rejected(r)) => Err(AppError::form(for_form(r), &echo)),
        Err(e) => Err(e.into()),
    }
}

/// The form that records an unmatched intake; on a job page, `job_id` links it to that job.
#[component]
pub fn RecordIntakeForm(
    action: ServerAction<StaffRecordIntake>,
    job_id: Option<i64>,
    job_name: Option<String>,
) -> impl IntoView {
    let error = error_of(action);
    let carriers: Vec<(String, String)> = KNOWN_CARRIERS
        .iter()
        .map(|c| (c.to_string(), c.to_string()))
        .collect();
    view! {
        <OpMessage error/>
        <ActionForm action attr:class="stack narrow" attr:data-testid="record-intake-form">
            {match job_id {
                Some(id) => view! {
                    <input type="hidden" name="job_id" value=id/>
                    <p class="hint">{format!("For job {}", job_name.clone().unwrap_or_default())}</p>
                }.into_any(),
                None => view! {
                    <OpInput id="intake-job-name" name="job_name" label="Job name on the package" hint="Leave empty if the package names no job; a name that matches exactly one job links the intake to it" error/>
                }.into_any(),
            }}
            <OpSelect id="intake-carrier" name="carrier_name" label="Carrier" options=carriers error/>
            <OpInput id="intake-tracking" name="tracking_number" label="Tracking number" required=true error/>
            <OpInput id="intake-drives" name="drive_ids" label="Drives in the package" hint="Serial numbers, separated by commas" required=true error/>
            <OpTextArea id="intake-notes" name="notes" label="Notes" error/>
            <button type="submit" class="button primary">"Record unmatched intake"</button>
        </ActionForm>
    }
}

#[component]
pub fn IntakesPage() -> impl IntoView {
    let record = ServerAction::<StaffRecordIntake>::new();
    let resolve = ServerAction::<StaffResolveIntake>::new();
    // Staff streams also carry intake changes: a deadline the sweep fired shows up without a reload.
    let live = crate::app::live::use_live_updates(None);
    let list = resource(
        move || (record.version().get(), resolve.version().get(), live.get()),
        |_| staff_intakes(),
    );
    view! {
        <Title text="Unmatched intakes"/>
        <div class="page-head"><h1>"Unmatched intakes"</h1></div>
        <ConsoleNav/>
        <section class="card" aria-labelledby="record-heading">
            <h2 id="record-heading">"Record a package that matches no Shipping job"</h2>
            <RecordIntakeForm action=record job_id=None job_name=None/>
        </section>
        <Transition fallback=|| view! { <p class="loading">"Loading intakes…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <IntakeTables list resolve/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn IntakeTables(list: IntakeList, resolve: ServerAction<StaffResolveIntake>) -> impl IntoView {
    let now = list.now;
    view! {
        <section class="card" aria-labelledby="open-heading">
            <h2 id="open-heading">"Open"</h2>
            {if list.open.is_empty() {
                view! { <p class="empty-hint" data-testid="no-open-intakes">"No open intake."</p> }.into_any()
            } else {
                view! {
                    <ul class="intakes" data-testid="open-intakes">
                        {list.open.into_iter().map(|i| view! { <IntakeCard intake=i now resolve=Some(resolve)/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="resolved-heading">
            <h2 id="resolved-heading">"Recently resolved"</h2>
            {if list.resolved.is_empty() {
                view! { <p class="empty-hint">"None yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="intakes" data-testid="resolved-intakes">
                        {list.resolved.into_iter().map(|i| view! { <IntakeCard intake=i now resolve=None/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn IntakeCard(
    intake: IntakeView,
    now: Timestamp,
    resolve: Option<ServerAction<StaffResolveIntake>>,
) -> impl IntoView {
    let IntakeView {
        id,
        job_id,
        intake,
        attention,
        history,
    } = intake;
    let d = intake.details.clone();
    // What the lifecycle accepts now (no "customer reached" once the destruction deadline has passed).
    let outcomes: Vec<(String, String)> = intake
        .outcomes()
        .into_iter()
        .map(|o| (o.key().to_string(), o.as_str().to_string()))
        .collect();
    let resolve = resolve.filter(|_| !outcomes.is_empty());
    let tracking = d.tracking_number.clone();
    view! {
        <li class="intake" id=format!("intake-{id}") data-testid="intake" data-tracking=tracking data-status=format!("{:?}", intake.status)>
            <h3>
                {format!("Intake #{id}: {} {}", d.carrier_name, d.tracking_number)}
                " "
                <span class="badge">{intake.status.as_str()}</span>
            </h3>
            <dl class="props">
                <dt>"Job"</dt>
                <dd>
                    {match (job_id, d.job_name.clone()) {
                        (Some(j), name) => view! { <a href=format!("/staff/jobs/{j}")>{name.unwrap_or_else(|| format!("#{j}"))}</a> }.into_any(),
                        (None, Some(name)) => format!("{name} (no live job found)").into_any(),
                        (None, None) => "None named".into_any(),
                    }}
                </dd>
                <dt>"Drives"</dt><dd class="mono">{d.drive_ids.join(", ")}</dd>
                <dt>"Received"</dt><dd><Time at=intake.received_at now/></dd>
                <dt>"Return by"</dt><dd><Time at=intake.return_deadline now/></dd>
                <dt>"Destroy on"</dt><dd><Time at=intake.destroy_deadline now/></dd>
                {(!d.notes.is_empty()).then(|| view! { <dt>"Notes"</dt><dd>{d.notes.clone()}</dd> })}
                {intake.outcome.map(|o| view! { <dt>"Outcome"</dt><dd>{o.as_str()}</dd> })}
            </dl>
            {attention.map(|a| view! { <p class="next-step" data-testid="intake-next-step">{a.next_step}</p> })}
            <details>
                <summary>"History"</summary>
                <ol>
                    {history.into_iter().map(|(at, who, what)| view! { <li><Time at now/>" · "{who}" · "{what}</li> }).collect_view()}
                </ol>
            </details>
            {resolve.map(|action| {
                let error = error_of(action);
                let mine = Signal::derive(move || {
                    error.get().filter(|e| e.typed("intake_id").as_deref() == Some(id.to_string().as_str()))
                });
                view! {
                    <details class="op" open=move || mine.get().is_some()>
                        <summary>"Resolve"</summary>
                        <OpMessage error=mine/>
                        <ActionForm action attr:class="stack narrow">
                            <input type="hidden" name="intake_id" value=id/>
                            <OpSelect id=format!("intake-{id}-outcome") name="outcome" label="What happened" options=outcomes.clone() error=mine/>
                            <OpTextArea id=format!("intake-{id}-note") name="note" label="Note" error=mine/>
                            // Only "Destroyed" cannot be undone; the server asks for this box then, and only then.
                            <div class="field checkbox confirm">
                                <input type="checkbox" id=format!("intake-{id}-confirm") name="confirm" value="yes"/>
                                <label for=format!("intake-{id}-confirm")>"If destroyed: yes, the drives were destroyed: this cannot be undone"</label>
                            </div>
                            <p class="field-error" data-field-error="confirm" role="status">{move || mine.get().and_then(|e| e.field_message("confirm"))}</p>
                            <button type="submit" class="button primary small">"Resolve intake"</button>
                        </ActionForm>
                    </details>
                }
            })}
        </li>
    }
}
