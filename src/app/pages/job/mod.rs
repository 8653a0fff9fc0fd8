//! One job, for its customer (and for staff reading it): lifecycle diagrams, actions, shipping details, drives.
//! The page follows the job live: any change, by anyone, re-reads it.

mod actions;
mod drives;
mod shipping;

use crate::app::components::diagram::{DriveDiagram, JobDiagram, NextSteps};
use crate::app::components::drafts::{after_redraw, focused, FormDrafts};
use crate::app::components::notices::JobNotices;
use crate::app::components::post_form::FormAction;
use crate::app::components::status::{JobStateBadge, Progress};
use crate::app::components::time::Time;
use crate::app::pages::not_found::NotFound;
use crate::app::resource::resource;
use crate::error::AppError;
use crate::model::JobDetail;
use actions::{ActionsCard, CancelJob, DeleteJob, MarkShipped};
use drives::DrivesCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use shipping::{ShippingCard, UpdateDeliveryPackage, UpdateReturnAddress, UpdateReturnShipping};

pub use actions::mark_shipped;

#[server(endpoint = "get_job")]
pub async fn get_job(id: i64) -> Result<JobDetail, AppError> {
    use crate::server::auth::require_user;
    use crate::server::commands::visible_job;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let stored = visible_job(&app, &identity, id).await?;
    // The paths of this snapshot's version: computed once per version, shared by every reader of it.
    let paths = app.store.paths(id, stored.job.version).await?;
    let history = paths
        .0
        .iter()
        .map(|s| crate::model::StateStep {
            from: s.from,
            to: s.to,
            at: s.at,
        })
        .collect();
    let drive_history = paths.1.clone();
    crate::server::page_cache::note_version(stored.job.version);
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
        drive_history,
        settings: *app.settings(),
        now: app.clock.now(),
    })
}

/// Every action of the page; the job is re-read whenever one of them completes.
#[derive(Clone, Copy)]
pub struct JobActions {
    pub mark: FormAction<MarkShipped>,
    pub cancel: FormAction<CancelJob>,
    pub delete: FormAction<DeleteJob>,
    pub delivery: FormAction<UpdateDeliveryPackage>,
    pub address: FormAction<UpdateReturnAddress>,
    pub shipping: FormAction<UpdateReturnShipping>,
}

impl JobActions {
    fn new() -> JobActions {
        JobActions {
            mark: FormAction::new(),
            cancel: FormAction::new(),
            delete: FormAction::new(),
            delivery: FormAction::new(),
            address: FormAction::new(),
            shipping: FormAction::new(),
        }
    }

    fn versions(&self) -> usize {
        self.mark.version().get()
            + self.cancel.version().get()
            + self.delete.version().get()
            + self.delivery.version().get()
            + self.address.version().get()
            + self.shipping.version().get()
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    // A memo, so that the router announcing the same id again does not re-read (and re-draw) the job.
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    let actions = JobActions::new();
    // The version of the job on screen: a live stream opening on the same version needs no re-read.
    let shown = RwSignal::new(None::<u64>);
    let live = crate::app::live::use_live_job(id.get_untracked(), shown.into());
    let detail = resource(
        move || (id.get(), actions.versions(), live.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_job(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let selected_drive = Signal::derive(move || query.read().get("drive"));
    let show_keys = Signal::derive(move || query.read().get("keys").as_deref() == Some("show"));
    // Created here, not in the redrawn view: the keys are read once per "show keys", not once per live update.
    let keys = drives::keys_resource(id, show_keys);
    let drafts = FormDrafts::new();
    provide_context(drafts);
    // A form's drafts are done with once it saved; the redraw that follows shows the stored values.
    for (action_value, prefix) in [
        (actions.delivery.value(), "pkg["),
        (actions.address.value(), "address["),
        (actions.shipping.value(), "shipping["),
    ] {
        Effect::new(move |_| {
            if matches!(action_value.get(), Some(Ok(()))) {
                drafts.clear(prefix);
            }
        });
    }
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading job…"</p> }>
            {move || Suspend::new(async move {
                let result = detail.await;
                // The old view is still on screen: note the focused input, to focus it again after the redraw.
                let focus = focused();
                let view = match result {
                    Ok(detail) => {
                        shown.set(Some(detail.job.version));
                        view! { <JobView detail actions selected_drive show_keys keys drafts/> }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                };
                after_redraw(focus);
                view
            })}
        </Transition>
    }
}

#[component]
fn JobView(
    detail: JobDetail,
    actions: JobActions,
    selected_drive: Signal<Option<String>>,
    show_keys: Signal<bool>,
    keys: drives::KeysResource,
    drafts: FormDrafts,
) -> impl IntoView {
    let job = detail.job.clone();
    let now = detail.now;
    let percent = job.percent_complete();
    view! {
        <Title text=job.name.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{} / {}", detail.subscription_id, detail.resource_group)}</p>
                <h1 data-testid="job-name">{job.name.clone()}</h1>
            </div>
            <div class="head-side">
                <JobStateBadge state=job.state cancelled=job.cancel_requested/>
                <span class="head-progress"><Progress percent label="Job progress"/></span>
            </div>
        </div>

        <JobNotices job=detail.job.clone() settings=detail.settings now=detail.now/>

        <section class="card" aria-labelledby="lifecycle-heading">
            <h2 id="lifecycle-heading">"Job lifecycle"</h2>
            <p class="hint">{job.state.meaning()}</p>
            <JobDiagram state=job.state faulted_from=job.faulted_from cancelled=job.cancel_requested history=detail.history.clone()/>
            <NextSteps job=job.clone() settings=detail.settings/>
        </section>

        <ActionsCard detail=detail.clone() actions/>

        {(!job.drives.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="drive-lifecycle-heading">
                <h2 id="drive-lifecycle-heading">"Drive lifecycle"</h2>
                <DriveDiagram job=job.clone() job_id=detail.id selected=selected_drive history=detail.drive_history.clone()/>
            </section>
        })}

        <DrivesCard detail=detail.clone() show_keys keys/>

        <ShippingCard detail=detail.clone() actions drafts/>

        <section class="card" aria-labelledby="props-heading">
            <h2 id="props-heading">"Properties"</h2>
            <dl class="props">
                <dt>"Type"</dt>
                <dd>{job.job_type.as_str()}</dd>
                <dt>"Location"</dt>
                <dd>{format!("{} ({})", job.location.display_name, job.location.name)}</dd>
                <dt>"Storage account"</dt>
                <dd class="mono">{job.storage_account_id.clone()}</dd>
                <dt>"Created"</dt>
                <dd><Time at=job.created_at now/></dd>
                <dt>"Last change"</dt>
                <dd><Time at=job.updated_at now/></dd>
                <dt>"Log level"</dt>
                <dd>{job.log_level.as_str()}</dd>
                <dt>"Diagnostics path"</dt>
                <dd class="mono">{if job.diagnostics_path.is_empty() { "—".to_string() } else { job.diagnostics_path.clone() }}</dd>
                <dt>"Backup drive manifest"</dt>
                <dd>{if job.backup_drive_manifest { "Yes" } else { "No" }}</dd>
                <dt>"Encryption"</dt>
                <dd data-testid="encryption">
                    {job.encryption_key.kek_type.label()}
                    {job.encryption_key.customer_key_url().map(|url| view! { <br/><span class="mono">{url.to_string()}</span> })}
                </dd>
                <dt>"Tags"</dt>
                <dd data-testid="tags">
                    {if job.tags.is_empty() {
                        view! { "—" }.into_any()
                    } else {
                        view! {
                            <ul class="tags">
                                {job.tags.iter().map(|(k, v)| view! { <li class="chip mono">{format!("{k}: {v}")}</li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </dd>
                {job.fault_reason.clone().map(|r| view! {
                    <dt>"Fault"</dt>
                    <dd data-testid="fault-reason">{r}</dd>
                })}
                {job.export.clone().map(|e| view! {
                    <dt>"Export"</dt>
                    <dd class="mono">
                        {e.blob_paths.iter().chain(e.blob_path_prefixes.iter()).cloned().collect::<Vec<_>>().join(", ")}
                        {e.blob_list_blob_path.clone().map(|p| format!(" (blob list: {p})"))}
                    </dd>
                })}
            </dl>
        </section>
    }
}
