//! `/staff/jobs/:id`: one job for support staff: what needs attention, the next timer, every data-center
//! operation (as the lifecycle allows it now), the drives, unmatched intakes, notes, the lifecycle diagram and
//! the whole timeline (filterable by job or drive events, exportable as CSV and JSON).

use super::intakes::{RecordIntakeForm, StaffRecordIntake};
use super::ops::{unscoped_drive_errors, DriveOperations, JobOperations, Ops, StaffAddNote};
use super::{error_of, ConsoleNav, OpMessage, OpTextArea};
use crate::app::components::diagram::DiagramFigure;
use crate::app::components::status::{
    human_bytes, DriveLogLinks, DriveStateBadge, JobStateBadge, Progress,
};
use crate::app::components::time::{iso_minutes, relative, Time};
use crate::app::pages::not_found::NotFound;
use crate::app::resource::resource;
use crate::console::{actor_kind_label, StaffJobView, TimelineEntry};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use lifecycle::{next_timer, Timestamp};

#[server(endpoint = "staff_job")]
pub async fn staff_job(id: i64) -> Result<StaffJobView, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    crate::server::console::job_view(&app, id).await
}

/// Which events the timeline shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventFilter {
    All,
    Job,
    Drive,
}

impl EventFilter {
    fn parse(s: Option<&str>) -> EventFilter {
        match s {
            Some("job") => EventFilter::Job,
            Some("drive") => EventFilter::Drive,
            _ => EventFilter::All,
        }
    }

    fn keeps(self, e: &TimelineEntry) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Job => !e.is_drive_event(),
            EventFilter::Drive => e.is_drive_event(),
        }
    }
}

#[component]
pub fn StaffJobPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let filter = Memo::new(move |_| EventFilter::parse(query.read().get("events").as_deref()));
    let ops = Ops::new();
    let note = ops.add_note;
    let record = ServerAction::<StaffRecordIntake>::new();
    // The version of the job on screen: the stream opening on the same version needs no re-read (which would
    // redraw the page under a click), and the tab making a change reads it once, after its own answer.
    let shown = RwSignal::new(None::<u64>);
    let live = crate::app::live::use_live_job(
        params
            .read_untracked()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok()),
        shown.into(),
        move || ops.any_pending() || record.pending().get_untracked(),
    );
    // A saved note leaves the box empty for the next one.
    Effect::new(move |_| {
        if matches!(note.value().get(), Some(Ok(()))) {
            crate::app::components::drafts::clear_text_area("note-text");
        }
    });
    let view_data = resource(
        move || (id(), ops.version(), record.version().get(), live.get()),
        |(id, ..)| async move {
            match id {
                Some(id) => staff_job(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <ConsoleNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading job…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => {
                        shown.set(Some(data.job.version));
                        view! { <StaffJobBody data ops note record filter/> }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn timer_line(data: &StaffJobView) -> Option<(Timestamp, &'static str)> {
    next_timer(&data.job, &data.settings).map(|(at, kind)| (at, kind.describe()))
}

#[component]
fn StaffJobBody(
    data: StaffJobView,
    ops: Ops,
    note: ServerAction<StaffAddNote>,
    record: ServerAction<StaffRecordIntake>,
    filter: Memo<EventFilter>,
) -> impl IntoView {
    let id = data.id;
    let now = data.now;
    let settings = data.settings;
    let job = data.job.clone();
    let deleted = job.deleted;
    let timer = timer_line(&data);
    let note_error = error_of(note);
    let drive_errors = unscoped_drive_errors(
        ops,
        data.job.drives.iter().map(|d| d.drive_id.clone()).collect(),
    );
    let customer_href = data
        .customer
        .as_ref()
        .map(|c| format!("/staff?q={}", crate::app::query::urlencode(c)));
    let record_intake = lifecycle::actions::record_unmatched_intake(&job);
    let StaffJobView {
        subscription_id,
        resource_group,
        customer,
        timeline,
        intakes,
        attention,
        diagram,
        ..
    } = data;
    let total = timeline.len();
    view! {
        <Title text=format!("{} · console", job.name)/>
        <div class="page-head">
            <div>
                <p class="eyebrow">
                    {customer.clone().map(|c| view! { <a href=customer_href.clone().unwrap_or_default() data-testid="job-customer">{c}</a> " · " })}
                    {format!("{subscription_id} / {resource_group}")}
                </p>
                <h1 data-testid="job-name">{job.name.clone()}</h1>
            </div>
            <div class="badges">
                <JobStateBadge state=job.state cancelled=job.cancel_requested/>
                {deleted.map(|r| view! { <span class="badge state-closed" data-testid="deleted-badge">{format!("Deleted: {}", r.describe())}</span> })}
            </div>
        </div>

        {(!attention.is_empty()).then(|| view! {
            <section class="card attention" aria-labelledby="attention-heading" data-testid="job-attention">
                <h2 id="attention-heading">"Needs attention"</h2>
                <ul class="attention-list">
                    {attention.into_iter().map(|i| view! {
                        <li data-kind=i.kind.as_str()>
                            <strong>{i.kind.label()}</strong>": "{i.summary}
                            <p class="next-step">{i.next_step}</p>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}

        <section class="card" aria-labelledby="summary-heading">
            <h2 id="summary-heading">"Summary"</h2>
            <dl class="props">
                <dt>"Type"</dt><dd>{job.job_type.as_str()}</dd>
                <dt>"Location"</dt><dd>{job.location.display_name.clone()}</dd>
                <dt>"Progress"</dt><dd><Progress percent=job.percent_complete() label="Job progress"/></dd>
                <dt>"Delivery package"</dt>
                <dd>{job.delivery_package.as_ref().map(|p| format!("{} {}", p.carrier_name, p.tracking_number)).unwrap_or_else(|| "Not given".into())}</dd>
                <dt>"Return address"</dt>
                <dd data-testid="return-address">{job.return_address.as_ref().map(|a| format!("{}, {}, {} {}, {}", a.recipient_name, a.street_address1, a.postal_code, a.city, a.country_or_region)).unwrap_or_else(|| "None".into())}</dd>
                <dt>"Return package"</dt>
                <dd>{job.return_package.as_ref().map(|p| format!("{} {} ({} drives, {})", p.carrier_name, p.tracking_number, p.drive_count, p.ship_date)).unwrap_or_else(|| "Not shipped back".into())}</dd>
                <dt>"Next timer"</dt>
                <dd data-testid="next-timer">
                    {match timer {
                        Some((at, what)) => view! { <Time at now/>" — "{what} }.into_any(),
                        None => "None: people are acting on the job".into_any(),
                    }}
                </dd>
            </dl>
        </section>

        {deleted.is_none().then(|| view! {
            <section class="card" aria-labelledby="ops-heading">
                <h2 id="ops-heading">"Operations"</h2>
                <JobOperations id job=job.clone() now settings ops/>
            </section>
        })}

        <section class="card" aria-labelledby="drives-heading">
            <h2 id="drives-heading">"Drives"</h2>
            <OpMessage error=drive_errors/>
            {if job.drives.is_empty() {
                view! { <p class="empty-hint">"No drives yet: an export job's drives are recorded at package intake."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table data-testid="staff-drives">
                            <thead>
                                <tr>
                                    <th scope="col">"Drive"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Progress"</th>
                                    <th scope="col">"Copy status and logs"</th>
                                    <th scope="col">"Operations"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {job.drives.iter().map(|d| {
                                    let label = format!("Progress of drive {}", d.drive_id);
                                    let drive = d.clone();
                                    let j = job.clone();
                                    view! {
                                        <tr data-testid="staff-drive" data-drive=d.drive_id.clone()>
                                            <td class="mono">{d.drive_id.clone()}</td>
                                            <td>
                                                <span data-testid="drive-state" data-state=d.state.as_str()><DriveStateBadge state=d.state/></span>
                                                {d.fault_reason.clone().map(|r| view! { <p class="hint">{r}</p> })}
                                                {d.severity.map(|s| view! { <p class="hint">{format!("Severity: {}", s.as_str())}</p> })}
                                            </td>
                                            <td class="progress-cell"><Progress percent=d.percent_complete label/></td>
                                            <td>
                                                <span>{d.copy_status.clone().unwrap_or_else(|| "—".into())}</span>
                                                {format!(" · {} copied · ", human_bytes(d.bytes_succeeded))}
                                                <DriveLogLinks logs=d.logs.clone()/>
                                            </td>
                                            <td>
                                                {deleted.is_none().then(|| view! { <DriveOperations id job=j drive ops/> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {(!job.extra_drives.is_empty()).then(|| view! {
                <h3>"Extra drives"</h3>
                <ul data-testid="extra-drives">
                    {job.extra_drives.iter().map(|e| view! {
                        <li data-extra=e.serial.clone()>
                            <span class="mono nowrap">{e.serial.clone()}</span>
                            {if e.returned { " — returned" } else { " — waiting to be returned with the job" }}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>

        <section class="card" aria-labelledby="intakes-heading">
            <h2 id="intakes-heading">"Unmatched intakes"</h2>
            {if intakes.is_empty() {
                view! { <p class="empty-hint">"No package arrived for this job while it was not Shipping."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="job-intakes">
                        {intakes.into_iter().map(|i| view! {
                            <li>
                                <a href=format!("/staff/intakes#intake-{}", i.id)>{format!("Intake #{}", i.id)}</a>
                                {format!(": {} drive(s) via {} {}, {}", i.intake.details.drive_ids.len(), i.intake.details.carrier_name, i.intake.details.tracking_number, i.intake.status.as_str())}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {if record_intake.allowed {
                view! {
                    <details class="op" data-testid="op-record-intake">
                        <summary>"Record an unmatched intake for this job"</summary>
                        <RecordIntakeForm action=record job_id=Some(id) job_name=Some(job.name.clone())/>
                    </details>
                }.into_any()
            } else {
                view! { <p class="hint" data-testid="record-intake-reason">{record_intake.reason.clone()}</p> }.into_any()
            }}
        </section>

        <section class="card" aria-labelledby="note-heading">
            <h2 id="note-heading">"Add a note"</h2>
            <OpMessage error=note_error/>
            <ActionForm action=note attr:class="stack narrow">
                <input type="hidden" name="id" value=id/>
                <OpTextArea id="note-text" name="text" label="Note" hint="Staff notes are events on the timeline" required=true error=note_error/>
                <button type="submit" class="button secondary">"Add note"</button>
            </ActionForm>
        </section>

        <section class="card" aria-labelledby="lifecycle-heading">
            <h2 id="lifecycle-heading">"Lifecycle"</h2>
            <DiagramFigure diagram of="job"/>
        </section>

        <section class="card" aria-labelledby="timeline-heading">
            <div class="card-head">
                <h2 id="timeline-heading">"Timeline"</h2>
                <p class="exports">
                    "Export: "
                    <a href=format!("/staff/jobs/{id}/timeline.csv") rel="external" download data-testid="export-csv">"CSV"</a>
                    " · "
                    <a href=format!("/staff/jobs/{id}/timeline.json") rel="external" download data-testid="export-json">"JSON"</a>
                </p>
            </div>
            <nav class="segmented" aria-label="Which events">
                {[(EventFilter::All, "All events", format!("/staff/jobs/{id}")), (EventFilter::Job, "Job events", format!("/staff/jobs/{id}?events=job")), (EventFilter::Drive, "Drive events", format!("/staff/jobs/{id}?events=drive"))]
                    .into_iter()
                    .map(|(f, label, href)| view! {
                        <a href=href aria-current=move || (filter.get() == f).then_some("page")>{label}</a>
                    })
                    .collect_view()}
            </nav>
            {move || {
                let f = filter.get();
                let shown: Vec<TimelineEntry> = timeline.iter().filter(|e| f.keeps(e)).cloned().collect();
                view! {
                    <p class="hint">{format!("{} of {total} event(s)", shown.len())}</p>
                    <Timeline entries=shown now/>
                }
            }}
            <crate::app::pages::account_notifications::JobNotifications id now/>
        </section>
    }
}

#[component]
fn Timeline(entries: Vec<TimelineEntry>, now: Timestamp) -> impl IntoView {
    view! {
        <ol class="timeline" data-testid="timeline">
            {entries.into_iter().map(|e| {
                let states = match e.state_before {
                    Some(b) if b != e.state_after => format!("{b} → {}", e.state_after),
                    Some(_) => e.state_after.as_str().to_string(),
                    None => format!("→ {}", e.state_after),
                };
                view! {
                    <li class="timeline-entry" data-testid="timeline-entry" data-kind=e.kind.clone() data-actor=e.actor_kind.as_str() data-drive=e.drive_id.clone()>
                        <div class="when">
                            <time datetime=e.at.to_rfc3339() title=format!("Recorded {}", iso_minutes(e.recorded_at))>{iso_minutes(e.at)}</time>
                            <span class="relative">{relative(e.at, now)}</span>
                        </div>
                        <div class="who" data-testid="event-actor">
                            <span class="actor-kind">{actor_kind_label(e.actor_kind)}</span>
                            " "
                            <span class="actor-name">{e.actor.clone()}</span>
                        </div>
                        <div class="what">
                            <p data-testid="event-what">{e.what.clone()}</p>
                            <p class="states" data-testid="event-states">{states}</p>
                            {(!e.details.is_empty()).then(|| view! {
                                <dl class="details">
                                    {e.details.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                                </dl>
                            })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
