//! The job's drives: state, copy status, progress and bytes, logs; BitLocker keys only on an explicit request;
//! extra drives that arrived unlisted.

use crate::app::components::status::{DriveLogLinks, DriveStateBadge, Progress};
use crate::app::resource::{resource, JsonBytes};
use crate::error::AppError;
use crate::job_page::DrivesView;
use leptos::prelude::*;

/// The BitLocker keys of a job's drives (the portal's listBitLockerKeys). Every reading is audited.
#[server(endpoint = "bitlocker_keys")]
pub async fn bitlocker_keys(id: i64) -> Result<Vec<(String, String)>, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let job = crate::server::commands::visible_job(&app, &identity, id).await?;
    let _ = app
        .store
        .audit(
            app.clock.now(),
            Some(identity.account_id),
            &identity.display_name,
            "bitlocker-keys-viewed",
            &format!("job {} (#{id})", job.job.name),
            None,
        )
        .await;
    Ok(job
        .job
        .drives
        .iter()
        .filter_map(|d| d.bit_locker_key.clone().map(|k| (d.drive_id.clone(), k)))
        .collect())
}

/// The keys shown after "Show BitLocker keys": `None` while hidden.
pub type KeysResource = Resource<Result<Option<Vec<(String, String)>>, AppError>, JsonBytes>;

/// The keys of the job `id` names, read once each time the customer asks to see them (and audited then), not
/// each time a live update redraws the drives: the page creates this once, outside the redrawn view.
pub fn keys_resource(id: Memo<Option<i64>>, show: Signal<bool>) -> KeysResource {
    resource(
        move || (id.get(), show.get()),
        |(id, show)| async move {
            match id {
                Some(id) if show => bitlocker_keys(id).await.map(Some),
                _ => Ok(None),
            }
        },
    )
}

#[component]
pub fn DrivesCard(
    id: i64,
    view: DrivesView,
    show_keys: Signal<bool>,
    keys: KeysResource,
) -> impl IntoView {
    let DrivesView {
        rows,
        extra,
        offers_keys: has_keys,
        ..
    } = view;
    view! {
        <section class="card" aria-labelledby="drives-heading">
            <h2 id="drives-heading">"Drives"</h2>
            {if rows.is_empty() {
                view! { <p class="empty-hint" data-testid="no-drives">"No drives yet. The data center records an export job's drives when your package arrives."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table data-testid="drives-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Drive"</th>
                                    <th scope="col">"State"</th>
                                    <th scope="col">"Copy status"</th>
                                    <th scope="col">"Progress"</th>
                                    <th scope="col">"Copied"</th>
                                    <th scope="col">"Logs"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|d| {
                                    let label = format!("Progress of drive {}", d.drive_id);
                                    view! {
                                        <tr data-testid="drive" data-drive=d.drive_id.clone()>
                                            <td class="mono">{d.drive_id.clone()}</td>
                                            <td>
                                                <DriveStateBadge state=d.state/>
                                                {d.fault_reason.map(|r| view! { <span class="hint">{format!(" {r}")}</span> })}
                                            </td>
                                            <td>{d.copy_status.unwrap_or_else(|| "—".into())}</td>
                                            <td class="progress-cell"><Progress percent=d.percent_complete label/></td>
                                            <td>{d.copied}</td>
                                            <td><DriveLogLinks logs=d.logs/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {(!extra.is_empty()).then(|| view! {
                <div class="notice" data-testid="extra-drives">
                    <p><strong>"Extra drives"</strong>" arrived without being listed on the job. They are not processed and go back with your package."</p>
                    <ul>{extra.into_iter().map(|e| view! {
                        <li class="mono nowrap">{format!("{}{}", e.serial, if e.returned { " (returned)" } else { "" })}</li>
                    }).collect_view()}</ul>
                </div>
            })}
            {has_keys.then(|| view! {
                <div class="keys">
                    {move || if show_keys.get() {
                        view! { <a href=format!("/jobs/{id}") data-testid="hide-keys">"Hide BitLocker keys"</a> }.into_any()
                    } else {
                        view! { <a href=format!("/jobs/{id}?keys=show") data-testid="show-keys">"Show BitLocker keys"</a> }.into_any()
                    }}
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match keys.await {
                                Ok(Some(list)) if list.is_empty() => view! { <p class="hint">"No keys yet."</p> }.into_any(),
                                Ok(Some(list)) => view! {
                                    <dl class="props keys-list" data-testid="keys">
                                        {list.into_iter().map(|(drive, key)| view! { <dt class="mono">{drive}</dt><dd class="mono token">{key}</dd> }).collect_view()}
                                    </dl>
                                }.into_any(),
                                Ok(None) => ().into_any(),
                                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            })}
        </section>
    }
}
