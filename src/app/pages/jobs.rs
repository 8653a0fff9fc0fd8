//! The jobs list: newest first, filtered by state, paginated with a cursor.

use crate::app::components::status::{JobStateBadge, Progress};
use crate::app::components::time::{iso_minutes, relative};
use crate::error::AppError;
use crate::model::JobListPage;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use lifecycle::JobState;

pub const PAGE_SIZE: u32 = 25;

#[server(endpoint = "list_jobs")]
pub async fn list_jobs(
    state: Option<String>,
    cursor: Option<String>,
) -> Result<JobListPage, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    use crate::server::store::{Cursor, JobFilter, JobScope};
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let scope = if identity.is_staff() {
        JobScope::All
    } else {
        JobScope::Subscriptions(identity.subscriptions.clone())
    };
    let state = match state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            AppError::Rejected(lifecycle::Rejection::invalid(
                "state",
                format!("Unknown state '{s}'"),
            ))
        })?),
        None => None,
    };
    let cursor = cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .and_then(Cursor::decode);
    let filter = JobFilter {
        state,
        job_type: None,
    };
    let mut page = app
        .store
        .list_jobs(&scope, &filter, cursor, PAGE_SIZE)
        .await?;
    page.now = app.clock.now();
    Ok(page)
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let state_filter = move || query.read().get("state").filter(|s| !s.is_empty());
    let cursor = move || query.read().get("cursor");
    let live = crate::app::live::use_live_updates(None);
    let page = Resource::new(move || (state_filter(), cursor(), live.get()), |(s, c, _)| list_jobs(s, c));

    view! {
        <Title text="Jobs"/>
        <div class="page-head">
            <h1>"Jobs"</h1>
        </div>
        <Form method="get" action="/jobs" attr:class="filters" attr:aria-label="Filter jobs">
            <label for="state-filter">"State"</label>
            <select id="state-filter" name="state">
                <option value="" selected=move || state_filter().is_none()>"All states"</option>
                {JobState::ALL
                    .into_iter()
                    .map(|s| {
                        view! {
                            <option value=s.as_str() selected=move || state_filter().as_deref() == Some(s.as_str())>
                                {s.as_str()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <button type="submit" class="button secondary">"Apply"</button>
        </Form>
        <Transition fallback=|| view! { <p class="loading">"Loading jobs…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <JobTable page state=state_filter()/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobTable(page: JobListPage, state: Option<String>) -> impl IntoView {
    if page.jobs.is_empty() {
        let message = match &state {
            Some(s) => format!("No job is {s} right now. Choose another state, or all states."),
            None => "No jobs yet. A job tells the data center which drives you are shipping and where to send them back; once one is created it appears here.".to_string(),
        };
        return view! {
            <section class="empty-state" data-testid="jobs-empty">
                <h2>"Nothing to show"</h2>
                <p>{message}</p>
            </section>
        }
        .into_any();
    }
    let now = page.now;
    let next = page.next_cursor.map(|c| match &state {
        Some(s) => format!("/jobs?state={s}&cursor={c}"),
        None => format!("/jobs?cursor={c}"),
    });
    view! {
        <div class="table-wrap">
            <table class="jobs" data-testid="jobs-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Location"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Progress"</th>
                        <th scope="col">"Last change"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .jobs
                        .into_iter()
                        .map(|j| {
                            let href = format!("/jobs/{}", j.id);
                            let label = format!("Progress of {}", j.name);
                            let name = j.name.clone();
                            view! {
                                <tr data-testid="job-row" data-job=name>
                                    <td><A href=href>{j.name}</A></td>
                                    <td>{j.job_type.as_str()}</td>
                                    <td>{j.location.clone()}</td>
                                    <td><JobStateBadge state=j.state cancelled=j.cancel_requested/></td>
                                    <td class="progress-cell"><Progress percent=j.percent_complete label/></td>
                                    <td>
                                        <time datetime=j.updated_at.to_rfc3339() title=iso_minutes(j.updated_at)>
                                            {relative(j.updated_at, now)}
                                        </time>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {next.map(|href| view! { <nav class="pager" aria-label="Pages"><A href=href>"Next page →"</A></nav> })}
    }
    .into_any()
}
