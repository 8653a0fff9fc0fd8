//! `/staff`: every customer's jobs, newest first; search by job name, tracking number, drive serial or customer
//! email; filter by state, type, location and "needs attention"; keyset pages; updated live.

use super::ConsoleNav;
use crate::app::components::status::{JobStateBadge, Progress};
use crate::app::components::time::{iso_minutes, relative};
use crate::app::query::{list_href, non_empty};
use crate::app::resource::resource;
use crate::console::StaffJobList;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use lifecycle::JobState;

pub const PAGE_SIZE: u32 = 25;

/// The list's query, as the filter form and the pager put it in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StaffQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub job_type: Option<String>,
    pub location: Option<String>,
    /// "1" keeps only the jobs that need attention now.
    pub attention: Option<String>,
    pub cursor: Option<String>,
}

impl StaffQuery {
    fn href(&self, cursor: Option<&str>) -> String {
        list_href(
            "/staff",
            &[
                ("q", &self.q),
                ("state", &self.state),
                ("job_type", &self.job_type),
                ("location", &self.location),
                ("attention", &self.attention),
            ],
            cursor,
        )
    }

    fn is_filtered(&self) -> bool {
        self.q.is_some()
            || self.state.is_some()
            || self.job_type.is_some()
            || self.location.is_some()
            || self.attention.is_some()
    }
}

#[server(endpoint = "staff_list_jobs")]
pub async fn staff_list_jobs(
    #[server(default)] query: StaffQuery,
) -> Result<StaffJobList, AppError> {
    use crate::console::StaffJobRow;
    use crate::server::auth::require_staff;
    use crate::server::state::AppState;
    use crate::server::store::{Cursor, StaffJobFilter};
    use lifecycle::{JobType, Rejection};
    let app = expect_context::<AppState>();
    require_staff()?;
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
    let locations: Vec<(String, String)> = app
        .store
        .locations()
        .await?
        .into_iter()
        .map(|l| (l.name, l.display_name))
        .collect();
    let location = non_empty(query.location);
    if let Some(l) = &location {
        if !locations.iter().any(|(name, _)| name == l) {
            return Err(AppError::Rejected(Rejection::invalid(
                "location",
                format!("Unknown location '{l}'"),
            )));
        }
    }
    let filter = StaffJobFilter {
        state,
        job_type,
        location,
        search: non_empty(query.q),
        needs_attention: non_empty(query.attention).is_some_and(|a| a != "0"),
    };
    let cursor = non_empty(query.cursor).as_deref().and_then(Cursor::decode);
    let now = app.clock.now();
    let (rows, next_cursor) = app
        .store
        .staff_jobs(&filter, cursor, PAGE_SIZE, now)
        .await?;
    Ok(StaffJobList {
        rows: rows
            .into_iter()
            .map(|r| StaffJobRow {
                job: r.job,
                customer: r.customer,
                needs_attention: r.needs_attention,
            })
            .collect(),
        next_cursor,
        locations,
        now,
    })
}

#[component]
pub fn StaffJobsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.read();
        StaffQuery {
            q: non_empty(p.get("q")),
            state: non_empty(p.get("state")),
            job_type: non_empty(p.get("job_type")),
            location: non_empty(p.get("location")),
            attention: non_empty(p.get("attention")),
            cursor: non_empty(p.get("cursor")),
        }
    });
    let live = crate::app::live::use_live_updates(None);
    let page = resource(
        move || (query.get(), live.get()),
        |(q, _)| staff_list_jobs(q),
    );
    view! {
        <Title text="Support console"/>
        <div class="page-head"><h1>"Support console"</h1></div>
        <ConsoleNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading jobs…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(list) => view! { <StaffJobTable list query=query.get_untracked()/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StaffJobTable(list: StaffJobList, query: StaffQuery) -> impl IntoView {
    let now = list.now;
    let next = list.next_cursor.as_deref().map(|c| query.href(Some(c)));
    let first = query.cursor.is_some().then(|| query.href(None));
    let filtered = query.is_filtered();
    let is = |v: &Option<String>, s: &str| v.as_deref() == Some(s);
    let rows = list.rows;
    view! {
        <Form method="get" action="/staff" attr:class="filters" attr:role="search" attr:aria-label="Filter jobs">
            <div class="field inline">
                <label for="staff-search">"Search"</label>
                <input id="staff-search" name="q" type="search" placeholder="Job name, tracking number, drive, customer email" value=query.q.clone().unwrap_or_default()/>
            </div>
            <div class="field inline">
                <label for="staff-state">"State"</label>
                <select id="staff-state" name="state">
                    <option value="" selected=query.state.is_none()>"All states"</option>
                    {JobState::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=is(&query.state, s.as_str())>{s.as_str()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field inline">
                <label for="staff-type">"Type"</label>
                <select id="staff-type" name="job_type">
                    <option value="" selected=query.job_type.is_none()>"All types"</option>
                    <option value="Import" selected=is(&query.job_type, "Import")>"Import"</option>
                    <option value="Export" selected=is(&query.job_type, "Export")>"Export"</option>
                </select>
            </div>
            <div class="field inline">
                <label for="staff-location">"Location"</label>
                <select id="staff-location" name="location">
                    <option value="" selected=query.location.is_none()>"All locations"</option>
                    {list
                        .locations
                        .iter()
                        .map(|(name, display)| view! { <option value=name.clone() selected=is(&query.location, name)>{display.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="field inline checkbox">
                <input id="staff-attention" name="attention" type="checkbox" value="1" checked=query.attention.is_some()/>
                <label for="staff-attention">"Needs attention"</label>
            </div>
            <button type="submit" class="button secondary">"Apply"</button>
            {filtered.then(|| view! { <a href="/staff">"Clear filters"</a> })}
        </Form>
        {if rows.is_empty() {
            view! {
                <section class="empty-state" data-testid="staff-jobs-empty">
                    <h2>"Nothing matches"</h2>
                    <p>{if filtered { "No job matches these filters." } else { "No jobs yet." }}</p>
                </section>
            }
            .into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="jobs" data-testid="staff-jobs-table">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Customer"</th>
                                <th scope="col">"Resource group"</th>
                                <th scope="col">"Type"</th>
                                <th scope="col">"Location"</th>
                                <th scope="col">"State"</th>
                                <th scope="col">"Progress"</th>
                                <th scope="col">"Last change"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|r| {
                                    let j = r.job;
                                    let href = format!("/staff/jobs/{}", j.id);
                                    let label = format!("Progress of {}", j.name);
                                    let name = j.name.clone();
                                    view! {
                                        <tr data-testid="staff-job-row" data-job=name>
                                            <td>
                                                <A href=href>{j.name}</A>
                                                {r.needs_attention.then(|| view! { <span class="badge badge-attention" data-testid="needs-attention">"Needs attention"</span> })}
                                                {j.has_problem.then(|| view! { <crate::app::pages::jobs::ProblemMark/> })}
                                            </td>
                                            <td>{r.customer.unwrap_or_else(|| "—".into())}</td>
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
            }
            .into_any()
        }}
        <nav class="pager" aria-label="Pages">
            {first.map(|href| view! { <a href=href>"← First page"</a> })}
            {next.map(|href| view! { <a href=href>"Next page →"</a> })}
        </nav>
    }
}
