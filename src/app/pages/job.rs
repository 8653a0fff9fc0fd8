//! One job: its properties, drives, lifecycle diagram and the customer's actions.

use crate::app::components::diagram::JobDiagram;
use crate::app::components::status::{DriveStateBadge, JobStateBadge, Progress};
use crate::app::components::time::Time;
use crate::app::pages::not_found::NotFound;
use crate::error::AppError;
use crate::model::JobDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use lifecycle::{customer_action, CustomerAction};

#[server(endpoint = "get_job")]
pub async fn get_job(id: i64) -> Result<JobDetail, AppError> {
    use crate::server::auth::require_user;
    use crate::server::commands::visible_job;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let stored = visible_job(&app, &identity, id).await?;
    let history = app.store.state_history(id).await?;
    let mut job = stored.job;
    // Keys leave the server only through the explicit "show keys" action.
    for drive in &mut job.drives {
        drive.bit_locker_key = None;
    }
    Ok(JobDetail {
        id: stored.id,
        subscription_id: stored.subscription_id,
        resource_group: stored.resource_group,
        job,
        history,
        settings: *app.settings(),
        now: app.clock.now(),
    })
}

/// Reports the package as shipped (`Creating` → `Shipping`). Works as a hydrated call and as a plain form post.
#[server(endpoint = "mark_shipped")]
pub async fn mark_shipped(id: i64) -> Result<(), AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    use lifecycle::{Command, CustomerCommand};
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    crate::server::commands::run(
        &app,
        &identity,
        id,
        &[Command::Customer(CustomerCommand::MarkShipping)],
    )
    .await?;
    Ok(())
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let mark = ServerAction::<MarkShipped>::new();
    let live = crate::app::live::use_live_updates(id());
    let detail = Resource::new(
        move || (id(), mark.version().get(), live.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_job(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading job…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <JobView detail mark/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobView(detail: JobDetail, mark: ServerAction<MarkShipped>) -> impl IntoView {
    let JobDetail {
        id,
        subscription_id,
        resource_group,
        job,
        history,
        settings,
        now,
    } = detail;
    let ship = customer_action(&job, CustomerAction::MarkShipping, &settings);
    let location = job.location.clone();
    let percent = job.percent_complete();
    view! {
        <Title text=job.name.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} / {}", subscription_id, resource_group)}</p>
                <h1 data-testid="job-name">{job.name.clone()}</h1>
            </div>
            <JobStateBadge state=job.state cancelled=job.cancel_requested/>
        </div>

        <section class="card" aria-labelledby="lifecycle-heading">
            <h2 id="lifecycle-heading">"Lifecycle"</h2>
            <JobDiagram state=job.state cancelled=job.cancel_requested history/>
        </section>

        <section class="card" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Actions"</h2>
            <ActionForm action=mark attr:class="inline-action">
                <input type="hidden" name="id" value=id/>
                <button
                    type="submit"
                    class="button primary"
                    data-testid="mark-shipped"
                    disabled=!ship.allowed
                    aria-describedby=ship.reason.as_ref().map(|_| "mark-shipped-reason")
                >
                    "Mark as shipped"
                </button>
                {ship.reason.clone().map(|r| view! { <p class="hint" id="mark-shipped-reason" data-testid="mark-shipped-reason">{r}</p> })}
            </ActionForm>
            {move || {
                mark.value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| view! { <p class="error" role="alert" data-testid="action-error">{e.to_string()}</p> })
            }}
        </section>

        <section class="card" aria-labelledby="props-heading">
            <h2 id="props-heading">"Properties"</h2>
            <dl class="props">
                <dt>"Type"</dt>
                <dd>{job.job_type.as_str()}</dd>
                <dt>"Location"</dt>
                <dd>{location.display_name.clone()}</dd>
                <dt>"Storage account"</dt>
                <dd class="mono">{job.storage_account_id.clone()}</dd>
                <dt>"Progress"</dt>
                <dd><Progress percent label="Job progress"/></dd>
                <dt>"Created"</dt>
                <dd><Time at=job.created_at now/></dd>
                <dt>"Last change"</dt>
                <dd><Time at=job.updated_at now/></dd>
                <dt>"Delivery package"</dt>
                <dd>
                    {match job.delivery_package.clone() {
                        Some(p) => format!("{} {}", p.carrier_name, p.tracking_number),
                        None => "Not given yet".to_string(),
                    }}
                </dd>
                <dt>"Return address"</dt>
                <dd>
                    {match job.return_address.clone() {
                        Some(a) => format!("{}, {}, {}", a.recipient_name, a.city, a.country_or_region),
                        None => "Not given yet".to_string(),
                    }}
                </dd>
            </dl>
        </section>

        <section class="card" aria-labelledby="ship-to-heading">
            <h2 id="ship-to-heading">"Ship your drives to"</h2>
            <address class="address">
                {location.recipient_name.clone()}<br/>
                {location.street_address1.clone()}<br/>
                {format!("{} {} {}", location.city, location.state_or_province, location.postal_code)}<br/>
                {location.country_or_region.clone()}<br/>
                {location.phone.clone()}
            </address>
            <p class="hint">{format!("Carriers accepted: {}", location.supported_carriers.join(", "))}</p>
        </section>

        <section class="card" aria-labelledby="drives-heading">
            <h2 id="drives-heading">"Drives"</h2>
            {if job.drives.is_empty() {
                view! { <p class="empty-hint">"No drives yet. Export jobs get their drives when the package is received."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table data-testid="drives-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Drive"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Progress"</th>
                                    <th scope="col">"Copy status"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {job.drives
                                    .iter()
                                    .map(|d| {
                                        let label = format!("Progress of drive {}", d.drive_id);
                                        view! {
                                            <tr>
                                                <td class="mono">{d.drive_id.clone()}</td>
                                                <td><DriveStateBadge state=d.state/></td>
                                                <td class="progress-cell"><Progress percent=d.percent_complete label/></td>
                                                <td>{d.copy_status.clone().unwrap_or_else(|| "—".into())}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
