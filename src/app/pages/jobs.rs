//! The jobs list: newest first, filtered by state and type, searched by name or tracking number, paginated
//! with a cursor, updated live.

use crate::app::components::status::{JobStateBadge, Progress};
use crate::app::components::time::{iso_minutes, relative};
use crate::app::query::{list_href, non_empty};
use crate::app::resource::resource;
use crate::error::AppError;
use crate::model::{JobListPage, RemovalNotice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use lifecycle::{JobState, JobType};

pub const PAGE_SIZE: u32 = 25;

/// The list's query: what the filter form and the pager put in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
    pub job_type: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The URL of this query with another cursor.
    fn href(&self, cursor: Option<&str>) -> String {
        list_href(
            "/jobs",
            &[
                ("state", &self.state),
                ("job_type", &self.job_type),
                ("q", &self.q),
            ],
            cursor,
        )
    }
}

#[server(endpoint = "list_jobs")]
pub async fn list_jobs(query: Option<ListQuery>) -> Result<JobListPage, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    use crate::server::store::{Cursor, JobFilter, JobScope};
    use lifecycle::Rejection;
    let query = query.unwrap_or_default();
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let scope = if identity.is_staff() {
        JobScope::All
    } else {
        JobScope::Subscriptions(identity.subscriptions.clone())
    };
    let state = match non_empty(query.state) {
        Some(s) => Some(JobState::parse(&s).ok_or_else(|| {
            AppError::Rejected(Rejection::invalid("state", format!("Unknown state '{s}'")))
        })?),
        None => None,
    };
    let job_type = match non_empty(query.job_type) {
        Some(t) => Some(JobType::parse(&t).ok_or_else(|| {
            AppError::Rejected(Rejection::invalid(
                "job_type",
                format!("Unknown job type '{t}'"),
            ))
        })?),
        None => None,
    };
    let cursor = non_empty(query.cursor).as_deref().and_then(Cursor::decode);
    let filter = JobFilter {
        state,
        job_type,
        search: non_empty(query.q),
    };
    let mut page = app
        .store
        .list_jobs(&scope, &filter, cursor, PAGE_SIZE)
        .await?;
    page.now = app.clock.now();
    Ok(page)
}

/// What the signed-in customer should be told about jobs the timers deleted (an expired `Creating` job simply
/// disappears from the list otherwise). Staff see every job's history in the console instead.
#[server(endpoint = "removal_notices")]
pub async fn removal_notices() -> Result<Vec<RemovalNotice>, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    use lifecycle::attention::removal_notice;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    if identity.is_staff() {
        return Ok(Vec::new());
    }
    let now = app.clock.now();
    let jobs = app
        .store
        .removal_notices(&identity.subscriptions, now, 20)
        .await?;
    Ok(jobs
        .into_iter()
        .filter_map(|stored| {
            let n = removal_notice(&stored.job, now)?;
            Some(RemovalNotice {
                job_id: stored.id,
                name: stored.job.name.clone(),
                key: n.key.to_string(),
                title: n.title,
                message: n.message,
                at: n.at.unwrap_or(stored.job.updated_at),
            })
        })
        .collect())
}

/// The notices of jobs deleted automatically; renders nothing when there is none.
#[component]
fn RemovalNotices(notices: Vec<RemovalNotice>) -> impl IntoView {
    (!notices.is_empty()).then(|| {
        view! {
            <section class="notices" aria-labelledby="removed-heading" data-testid="removal-notices">
                <h2 id="removed-heading" class="visually-hidden">"Jobs deleted automatically"</h2>
                {notices
                    .into_iter()
                    .map(|n| view! {
                        <div class="notice notice-warning" role="status" data-testid="removal-notice" data-notice=n.key data-job=n.name>
                            <p class="notice-title">{n.title}</p>
                            <p>{n.message}</p>
                            <p class="hint"><time datetime=n.at.to_rfc3339()>{iso_minutes(n.at)}</time></p>
                        </div>
                    })
                    .collect_view()}
            </section>
        }
    })
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Signal::derive(move || {
        let p = params.read();
        ListQuery {
            state: non_empty(p.get("state")),
            job_type: non_empty(p.get("job_type")),
            q: non_empty(p.get("q")),
            cursor: non_empty(p.get("cursor")),
        }
    });
    let live = crate::app::live::use_live_updates(None);
    let page = resource(
        move || (query.get(), live.get()),
        |(q, _)| list_jobs(Some(q)),
    );
    let removed = resource(move || live.get(), |_| removal_notices());
    let selected = move |field: fn(&ListQuery) -> &Option<String>, value: &'static str| {
        move || field(&query.read()).as_deref() == Some(value)
    };

    view! {
        <Title text="Jobs"/>
        <div class="page-head">
            <h1>"Jobs"</h1>
            <a class="button primary" href="/jobs/new" data-testid="new-job">"New job"</a>
        </div>
        <Form method="get" action="/jobs" attr:class="filters" attr:role="search" attr:aria-label="Filter jobs">
            <div class="field inline">
                <label for="search">"Search"</label>
                <input id="search" name="q" type="search" placeholder="Job name or tracking number" value=move || query.read().q.clone().unwrap_or_default()/>
            </div>
            <div class="field inline">
                <label for="state-filter">"State"</label>
                <select id="state-filter" name="state">
                    <option value="" selected=move || query.read().state.is_none()>"All states"</option>
                    {JobState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=selected(|q| &q.state, s.as_str())>{s.as_str()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field inline">
                <label for="type-filter">"Type"</label>
                <select id="type-filter" name="job_type">
                    <option value="" selected=move || query.read().job_type.is_none()>"All types"</option>
                    {JobType::ALL
                        .into_iter()
                        .map(|t| view! { <option value=t.as_str() selected=selected(|q| &q.job_type, t.as_str())>{t.as_str()}</option> })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="button secondary">"Apply"</button>
        </Form>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                removed.await.ok().map(|notices| view! { <RemovalNotices notices/> })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="loading">"Loading jobs…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <JobTable page query=query.get_untracked()/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The warning mark of a job with a problem the customer must know about (its notice is on the job page).
#[component]
pub fn ProblemMark() -> impl IntoView {
    view! {
        <span class="badge badge-problem" data-testid="problem-mark" title="A problem needs your attention: the job page says what and what happens now">
            <span aria-hidden="true">"⚠ "</span>"Problem"
        </span>
    }
}

#[component]
fn JobTable(page: JobListPage, query: ListQuery) -> impl IntoView {
    if page.jobs.is_empty() {
        let filtered = query.state.is_some()
            || query.job_type.is_some()
            || query.q.is_some()
            || query.cursor.is_some();
        let message = if filtered {
            match &query.state {
                Some(s) => format!(
                    "No job is {s} with these filters. Clear the filters to see all your jobs."
                ),
                None => "No job matches these filters. Clear the filters to see all your jobs."
                    .to_string(),
            }
        } else {
            "No jobs yet. A job tells the data center which drives you ship and where to send them back. Create your first job, ship your drives, and follow them here.".to_string()
        };
        return view! {
            <section class="empty-state" data-testid="jobs-empty">
                <h2>{if filtered { "Nothing matches" } else { "No jobs yet" }}</h2>
                <p>{message}</p>
                {(!filtered).then(|| view! { <p><a class="button primary" href="/jobs/new">"Create your first job"</a></p> })}
                {filtered.then(|| view! { <p><a href="/jobs">"Clear filters"</a></p> })}
            </section>
        }
        .into_any();
    }
    let now = page.now;
    let next = page.next_cursor.as_deref().map(|c| query.href(Some(c)));
    let first = query.cursor.is_some().then(|| query.href(None));
    view! {
        <div class="table-wrap">
            <table class="jobs" data-testid="jobs-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Resource group"</th>
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
                                    <td>
                                        <A href=href>{j.name}</A>
                                        {j.has_problem.then(|| view! { <ProblemMark/> })}
                                    </td>
                                    <td class="nowrap">{j.resource_group.clone()}</td>
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
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <a href=href>"← First page"</a> })}
            {next.map(|href| view! { <a href=href>"Next page →"</a> })}
        </nav>
    }
    .into_any()
}
