//! One job, for its customer (and for staff reading it): lifecycle diagrams, actions, shipping details, drives.
//! The page follows the job live: any change, by anyone, re-reads it.

mod actions;
mod drives;
pub mod ship;
mod shipping;

use crate::app::components::diagram::{DiagramFigure, DrivePicker, NextSteps};
use crate::app::components::drafts::{after_redraw, focused, FormDrafts};
use crate::app::components::notices::JobNotices;
use crate::app::components::post_form::FormAction;
use crate::app::components::status::{JobStateBadge, Progress};
use crate::app::components::time::When;
use crate::app::pages::not_found::NotFound;
use crate::app::resource::resource;
use crate::error::AppError;
use crate::job_page::JobPageView;
use actions::{ActionsCard, CancelJob, DeleteJob, MarkShipped, ReportReturnProblem};
use drives::DrivesCard;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use lifecycle::JobState;
use shipping::{
    ReturnPackageCard, ShippingCard, UpdateDeliveryPackage, UpdateReturnAddress,
    UpdateReturnShipping,
};

pub use actions::mark_shipped;

/// The job page's data: the job as its customer (or staff) may see it, with every rule already decided.
/// `drive` is the drive the drive diagram shows on its own (`?drive=`).
#[server(endpoint = "get_job")]
pub async fn get_job(id: i64, drive: Option<String>) -> Result<JobPageView, AppError> {
    use crate::server::auth::require_user;
    use crate::server::commands::visible_job;
    use crate::server::job_page::{job_page, JobPageSource};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let stored = visible_job(&app, &identity, id).await?;
    // The paths of this snapshot's version: computed once per version, shared by every reader of it.
    let paths = app.store.paths(id, stored.job.version).await?;
    let history: Vec<crate::model::StateStep> = paths
        .0
        .iter()
        .map(|s| crate::model::StateStep {
            from: s.from,
            to: s.to,
            at: s.at,
        })
        .collect();
    crate::server::page_cache::note_version(stored.job.version);
    Ok(job_page(&JobPageSource {
        id: stored.id,
        subscription_id: &stored.subscription_id,
        resource_group: &stored.resource_group,
        job: &stored.job,
        history: &history,
        drive_history: &paths.1,
        chosen_drive: drive.as_deref(),
        settings: app.settings(),
        now: app.clock.now(),
    }))
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
    pub report_problem: FormAction<ReportReturnProblem>,
    pub ship: FormAction<ship::ShipPackage>,
    /// Whether the guided *Mark as shipped* dialog is open (it survives the page's live redraws).
    pub ship_open: RwSignal<bool>,
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
            report_problem: FormAction::new(),
            ship: FormAction::new(),
            ship_open: RwSignal::new(false),
        }
    }

    fn versions(&self) -> usize {
        self.mark.version().get()
            + self.cancel.version().get()
            + self.delete.version().get()
            + self.delivery.version().get()
            + self.address.version().get()
            + self.shipping.version().get()
            + self.report_problem.version().get()
            + self.ship.version().get()
    }

    /// Whether one of the page's own actions awaits its answer (the page re-reads after it anyway).
    fn any_pending(&self) -> bool {
        self.mark.is_pending()
            || self.cancel.is_pending()
            || self.delete.is_pending()
            || self.delivery.is_pending()
            || self.address.is_pending()
            || self.shipping.is_pending()
            || self.report_problem.is_pending()
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
    // The clicking tab reads its own change once: the live event for it arrives while the action awaits its
    // answer (the server announces before answering), and the answer's re-read covers it.
    let live = crate::app::live::use_live_job(id.get_untracked(), shown.into(), move || {
        actions.any_pending()
    });
    let selected_drive = Memo::new(move |_| query.read().get("drive"));
    let detail = resource(
        move || {
            (
                id.get(),
                selected_drive.get(),
                actions.versions(),
                live.get(),
            )
        },
        |(id, drive, ..)| async move {
            match id {
                Some(id) => get_job(id, drive).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let show_keys = Signal::derive(move || query.read().get("keys").as_deref() == Some("show"));
    // Created here, not in the redrawn view: the keys are read once per "show keys", not once per live update.
    let keys = drives::keys_resource(id, show_keys);
    let drafts = FormDrafts::new();
    provide_context(drafts);
    // A form's drafts are done with once it saved; the redraw that follows shows the stored values.
    let ship_value = actions.ship.value();
    Effect::new(move |_| {
        if matches!(ship_value.get(), Some(Ok(()))) {
            drafts.clear("ship[");
            actions.ship_open.set(false);
        }
    });
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
                        shown.set(Some(detail.version));
                        view! { <JobView detail actions show_keys keys drafts/> }.into_any()
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
    detail: JobPageView,
    actions: JobActions,
    show_keys: Signal<bool>,
    keys: drives::KeysResource,
    drafts: FormDrafts,
) -> impl IntoView {
    let JobPageView {
        id,
        subscription_id,
        resource_group,
        name,
        state,
        cancel_requested,
        percent_complete: percent,
        notices,
        diagram,
        next_steps,
        actions: permissions,
        ship,
        mut drives,
        shipping,
        properties: p,
        ..
    } = detail;
    // The cards in the order that matters now: before shipping, what to send where; while the drives are at
    // the data center, their progress; once shipped back, the return package with its tracking link first.
    let mut shipping = shipping;
    let return_package = shipping.return_package.take();
    let lifecycle_card = view! {
        <section class="card" aria-labelledby="lifecycle-heading" data-card="lifecycle">
            <h2 id="lifecycle-heading">"Job lifecycle"</h2>
            <p class="hint">{lifecycle::wording::job_meaning(state, lifecycle::wording::Reader::Customer)}</p>
            <DiagramFigure diagram of="job"/>
            <NextSteps steps=next_steps/>
        </section>
    }
    .into_any();
    let actions_card =
        view! { <ActionsCard id view=permissions ship_form=ship actions/> }.into_any();
    // Taken out, not copied: the drives card has no use for the diagram's markup.
    let drive_diagram = drives.diagram.take().map(|diagram| view! {
        <section class="card" aria-labelledby="drive-lifecycle-heading" data-card="drive-lifecycle">
            <h2 id="drive-lifecycle-heading">"Drive lifecycle"</h2>
            <DrivePicker job_id=id drives=drives.rows.iter().map(|d| d.drive_id.clone()).collect() chosen=drives.chosen.clone()/>
            <DiagramFigure diagram of="drive"/>
        </section>
    });
    let drives_card =
        view! { {drive_diagram}<DrivesCard id view=drives show_keys keys/> }.into_any();
    let shipping_card = view! { <ShippingCard id view=shipping actions drafts/> }.into_any();
    let return_card =
        return_package.map(|package| view! { <ReturnPackageCard package/> }.into_any());
    let ordered: Vec<AnyView> = match state {
        JobState::Creating => vec![shipping_card, lifecycle_card, actions_card, drives_card],
        JobState::Completed | JobState::Closed => {
            let mut cards: Vec<AnyView> = return_card.into_iter().collect();
            cards.extend([lifecycle_card, actions_card, drives_card, shipping_card]);
            cards
        }
        _ => {
            let mut cards = vec![lifecycle_card, drives_card];
            cards.extend(return_card);
            cards.extend([actions_card, shipping_card]);
            cards
        }
    };
    view! {
        <Title text=name.clone()/>
        <div class="page-head">
            <div>
                <p class="eyebrow">{format!("{subscription_id} / {resource_group}")}</p>
                <h1 data-testid="job-name">{name}</h1>
            </div>
            <div class="head-side">
                <JobStateBadge state cancelled=cancel_requested/>
                <span class="head-progress"><Progress percent label="Job progress"/></span>
            </div>
        </div>

        <JobNotices notices/>

        {ordered}

        <section class="card" aria-labelledby="props-heading">
            <h2 id="props-heading">"Properties"</h2>
            <dl class="props">
                <dt>"Type"</dt>
                <dd>{p.job_type}</dd>
                <dt>"Location"</dt>
                <dd>{p.location}</dd>
                <dt>"Storage account"</dt>
                <dd class="mono">{p.storage_account_id}</dd>
                <dt>"Created"</dt>
                <dd><When moment=p.created/></dd>
                <dt>"Last change"</dt>
                <dd><When moment=p.updated/></dd>
                <dt>"Log level"</dt>
                <dd>{p.log_level}</dd>
                <dt>"Diagnostics path"</dt>
                <dd class="mono">{if p.diagnostics_path.is_empty() { "—".to_string() } else { p.diagnostics_path }}</dd>
                <dt>"Backup drive manifest"</dt>
                <dd>{if p.backup_drive_manifest { "Yes" } else { "No" }}</dd>
                <dt>"Encryption"</dt>
                <dd data-testid="encryption">
                    {p.encryption}
                    {p.customer_key_url.map(|url| view! { <br/><span class="mono">{url}</span> })}
                </dd>
                <dt>"Tags"</dt>
                <dd data-testid="tags">
                    {if p.tags.is_empty() {
                        view! { "—" }.into_any()
                    } else {
                        view! {
                            <ul class="tags">
                                {p.tags.into_iter().map(|(k, v)| view! { <li class="chip mono">{format!("{k}: {v}")}</li> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </dd>
                {p.fault_reason.map(|r| view! {
                    <dt>"Fault"</dt>
                    <dd data-testid="fault-reason">{r}</dd>
                })}
                {p.export.map(|e| view! {
                    <dt>"Export"</dt>
                    <dd class="mono">{e}</dd>
                })}
            </dl>
        </section>
    }
}
