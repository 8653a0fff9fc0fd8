//! `/staff/attention`: what needs a person now, most urgent kind first: faulted jobs and drives, overdue
//! shipments, unmatched intakes and their deadlines, jobs at the data center without a valid return address,
//! extra drives to return, jobs about to expire in Creating. Each entry says what to do next and links to it.
//! The rules are `lifecycle::attention`; the store reads only rows whose indexed `attention_from` has passed.

use super::ConsoleNav;
use crate::app::components::time::{iso_minutes, relative};
use crate::app::resource::resource;
use crate::console::AttentionQueue;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[server(endpoint = "staff_attention")]
pub async fn staff_attention() -> Result<AttentionQueue, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    crate::server::console::attention_queue(&app).await
}

#[component]
pub fn AttentionPage() -> impl IntoView {
    let live = crate::app::live::use_live_updates(None);
    let queue = resource(move || live.get(), |_| staff_attention());
    view! {
        <Title text="Attention queue"/>
        <div class="page-head"><h1>"Attention queue"</h1></div>
        <ConsoleNav/>
        <Transition fallback=|| view! { <p class="loading">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(q) => view! { <QueueTable queue=q/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn QueueTable(queue: AttentionQueue) -> impl IntoView {
    let now = queue.now;
    if queue.entries.is_empty() {
        return view! {
            <section class="empty-state" data-testid="attention-empty">
                <h2>"Nothing needs attention"</h2>
                <p>"No faulted job or drive, overdue package, unmatched intake or expiring job right now."</p>
            </section>
        }
        .into_any();
    }
    let count = queue.entries.len();
    view! {
        <p class="hint">{format!("{count} item(s)")}</p>
        <div class="table-wrap">
            <table data-testid="attention-table">
                <thead>
                    <tr>
                        <th scope="col">"What"</th>
                        <th scope="col">"Job"</th>
                        <th scope="col">"Situation"</th>
                        <th scope="col">"Next step"</th>
                        <th scope="col"><span class="visually-hidden">"Open"</span></th>
                        <th scope="col">"Since"</th>
                        <th scope="col">"Deadline"</th>
                    </tr>
                </thead>
                <tbody>
                    {queue
                        .entries
                        .into_iter()
                        .map(|e| {
                            let item = e.item;
                            let link = match (e.intake_id, e.job_id) {
                                (Some(i), _) => Some(format!("/staff/intakes#intake-{i}")),
                                (None, Some(j)) => Some(format!("/staff/jobs/{j}")),
                                (None, None) => None,
                            };
                            let name = e.job_name.clone().unwrap_or_else(|| "—".into());
                            let name_for_open = match &e.job_name {
                                Some(job) => format!("{} — {job}", item.kind.label()),
                                None => item.kind.label().to_string(),
                            };
                            let job_link = e.job_id.map(|j| format!("/staff/jobs/{j}"));
                            view! {
                                <tr data-testid="attention-row" data-kind=item.kind.as_str() data-job=e.job_name.clone().unwrap_or_default()>
                                    <td><span class=format!("badge attention-{}", item.kind.as_str())>{item.kind.label()}</span></td>
                                    <td>
                                        {match job_link {
                                            Some(href) => view! { <A href=href>{name}</A> }.into_any(),
                                            None => name.into_any(),
                                        }}
                                        {e.customer.map(|c| view! { <p class="hint">{c}</p> })}
                                    </td>
                                    <td>{item.summary}</td>
                                    <td data-testid="next-step">{item.next_step}</td>
                                    <td>
                                        {link.map(|href| view! {
                                            <a href=href class="button small secondary" data-testid="attention-open"
                                                aria-label=format!("Open: {name_for_open}")>"Open"</a>
                                        })}
                                    </td>
                                    <td><time datetime=item.since.to_rfc3339() title=iso_minutes(item.since)>{relative(item.since, now)}</time></td>
                                    <td>
                                        {item.deadline.map(|d| view! { <time datetime=d.to_rfc3339() title=iso_minutes(d)>{format!("{} ({})", iso_minutes(d), relative(d, now))}</time> })}
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
}
