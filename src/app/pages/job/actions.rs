//! The customer's decisive actions: mark as shipped, cancel, delete. Each is enabled exactly when the lifecycle
//! would accept it, and says why not otherwise (`server::job_page` asks it).

use super::ship::{open_ship_dialog, ShipForm};
use super::JobActions;
use crate::app::components::form::{FormError, FormMessage, TextAreaField};
use crate::app::components::post_form::PostForm;
use crate::error::AppError;
use crate::job_page::{ActionsView, ShipFormView};
use leptos::prelude::*;

/// Runs one customer command on the job as the signed-in customer. The order of the checks is the order of
/// the answers: signed in (401), the job visible (404), a customer (403), then the input (`build`, 400) and
/// the lifecycle's decision.
#[cfg(feature = "ssr")]
pub(super) async fn customer_command_with(
    id: i64,
    build: impl FnOnce() -> Result<lifecycle::CustomerCommand, AppError>,
) -> Result<(), AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    if identity.is_staff() {
        return Err(AppError::CustomerOnly);
    }
    // The job is read once, in the command's transaction. Only a refused form reads it here, so that another
    // customer's job is "not found" before anything about the form is said.
    let command = match build() {
        Ok(command) => command,
        Err(e) => {
            crate::server::commands::visible_job(&app, &identity, id).await?;
            return Err(e);
        }
    };
    crate::server::commands::run(
        &app,
        &identity,
        id,
        &[lifecycle::Command::Customer(command)],
    )
    .await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub(super) async fn customer_command(
    id: i64,
    command: lifecycle::CustomerCommand,
) -> Result<(), AppError> {
    customer_command_with(id, || Ok(command)).await
}

/// Reports the package as shipped (`Creating` → `Shipping`). Works as a hydrated call and as a plain form post.
#[server(endpoint = "mark_shipped")]
pub async fn mark_shipped(id: i64) -> Result<(), AppError> {
    customer_command(id, lifecycle::CustomerCommand::MarkShipping).await
}

/// Without this box ticked, nothing is cancelled or deleted: the confirmation works without JavaScript.
#[cfg(feature = "ssr")]
fn confirmed(confirm: Option<String>, what: &str) -> Result<(), AppError> {
    if confirm.as_deref() == Some("yes") {
        Ok(())
    } else {
        Err(AppError::Rejected(lifecycle::Rejection::invalid(
            "confirm",
            format!("Tick the box to confirm that you want to {what}"),
        )))
    }
}

#[server(endpoint = "cancel_job")]
pub async fn cancel_job(id: i64, confirm: Option<String>) -> Result<(), AppError> {
    customer_command_with(id, || {
        confirmed(confirm, "cancel the job")?;
        Ok(lifecycle::CustomerCommand::RequestCancellation)
    })
    .await
}

/// The drives shipped back did not arrive, or arrived damaged: support follows it up (a portal action; ARM has
/// no such operation).
#[server(endpoint = "report_return_problem")]
pub async fn report_return_problem(id: i64, description: String) -> Result<(), AppError> {
    let echo = [("description", description.as_str())];
    customer_command(
        id,
        lifecycle::CustomerCommand::ReportReturnProblem {
            description: description.clone(),
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Rejected(r) => AppError::form(r, &echo),
        other => other,
    })
}

#[server(endpoint = "delete_job")]
pub async fn delete_job(id: i64, confirm: Option<String>) -> Result<(), AppError> {
    customer_command_with(id, || {
        confirmed(confirm, "delete the job")?;
        Ok(lifecycle::CustomerCommand::Delete)
    })
    .await?;
    leptos_axum::redirect("/jobs");
    Ok(())
}

fn error_of<T: Clone + Send + Sync + 'static>(
    value: Option<Result<T, AppError>>,
) -> Option<AppError> {
    value.and_then(|r| r.err())
}

#[component]
pub fn ActionsCard(
    id: i64,
    view: ActionsView,
    ship_form: ShipFormView,
    actions: JobActions,
) -> impl IntoView {
    let ActionsView {
        mark_shipped: ship,
        cancel,
        delete,
        cancel_effect: effect,
        cancel_rule,
        delete_rule,
        report_problem,
        return_problem,
    } = view;
    let mark = actions.mark;
    let cancel_action = actions.cancel;
    let delete_action = actions.delete;
    let report_action = actions.report_problem;
    let report_error: FormError = Signal::derive(move || error_of(report_action.value().get()));
    let ship_href = format!("/jobs/{id}/ship");
    let ship_open = actions.ship_open;
    // With JavaScript the guided form opens as a dialog; without, the link leads to its page.
    let open_dialog = move |ev: leptos::ev::MouseEvent| {
        if open_ship_dialog() {
            ev.prevent_default();
            ship_open.set(true);
        }
    };
    // A live redraw re-creates the dialog: open it again if the customer had it open.
    Effect::new(move |_| {
        if ship_open.get() {
            open_ship_dialog();
        }
    });
    view! {
        <section class="card" aria-labelledby="actions-heading">
            <h2 id="actions-heading">"Actions"</h2>
            <div class="action-row">
                {if ship_form.open.allowed {
                    view! {
                        <a href=ship_href.clone() class="button primary" data-testid="mark-shipped" on:click=open_dialog
                            aria-describedby=ship.reason.as_ref().map(|_| "mark-shipped-reason")>
                            "Mark as shipped"
                        </a>
                        // The reason links to the form that fixes it: the same guided form.
                        {ship.reason.clone().map(|r| view! {
                            <p class="hint" id="mark-shipped-reason" data-testid="mark-shipped-reason">
                                <a href=ship_href.clone() on:click=open_dialog>{r}</a>
                            </p>
                        })}
                        <dialog id="ship-dialog" class="dialog" aria-labelledby="ship-dialog-heading" data-testid="ship-dialog"
                            on:close=move |_| ship_open.set(false)>
                            <ShipForm id view=ship_form action=actions.ship heading_id="ship-dialog-heading"/>
                            <form method="dialog" class="dialog-close">
                                <button type="submit" class="button" data-testid="ship-dialog-close">"Close"</button>
                            </form>
                        </dialog>
                    }.into_any()
                } else {
                    view! {
                        <PostForm action=mark attr:class="inline-action">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="button primary" data-testid="mark-shipped" disabled=!ship.allowed
                                aria-describedby=ship.reason.as_ref().map(|_| "mark-shipped-reason")>
                                "Mark as shipped"
                            </button>
                            {ship.reason.clone().map(|r| view! { <p class="hint" id="mark-shipped-reason" data-testid="mark-shipped-reason">{r}</p> })}
                        </PostForm>
                    }.into_any()
                }}
                {move || error_of(mark.value().get()).map(|e| view! { <p class="error" role="alert" data-testid="action-error">{e.to_string()}</p> })}
            </div>

            // Collapsed until the customer opens it (or a refused cancel needs its message seen).
            <details class="action-row danger-zone" data-testid="cancel-section" open=move || error_of(cancel_action.value().get()).is_some()>
                <summary>"Cancel the job"</summary>
                <p class="hint">{cancel_rule}</p>
                {if cancel.allowed {
                    view! {
                        <p data-testid="cancel-effect">{effect}</p>
                        <PostForm action=cancel_action attr:class="stack">
                            <input type="hidden" name="id" value=id/>
                            <div class="field checkbox">
                                <input type="checkbox" id="confirm-cancel" name="confirm" value="yes" required=true/>
                                <label for="confirm-cancel">"Yes, cancel this job"</label>
                            </div>
                            <div><button type="submit" class="button danger" data-testid="cancel-job">"Cancel job"</button></div>
                        </PostForm>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="button danger" data-testid="cancel-job" disabled=true aria-describedby="cancel-reason">"Cancel job"</button>
                        <p class="hint" id="cancel-reason" data-testid="cancel-reason">{cancel.reason.clone()}</p>
                    }.into_any()
                }}
                {move || error_of(cancel_action.value().get()).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            </details>

            <details class="action-row danger-zone" data-testid="delete-section">
                <summary>"Delete the job"</summary>
                <p class="hint">{delete_rule}</p>
                {if delete.allowed {
                    view! {
                        <PostForm action=delete_action attr:class="stack">
                            <input type="hidden" name="id" value=id/>
                            <div class="field checkbox">
                                <input type="checkbox" id="confirm-delete" name="confirm" value="yes" required=true/>
                                <label for="confirm-delete">"Yes, delete this job"</label>
                            </div>
                            <div><button type="submit" class="button danger" data-testid="delete-job">"Delete job"</button></div>
                        </PostForm>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="button danger" data-testid="delete-job" disabled=true aria-describedby="delete-reason">"Delete job"</button>
                        <p class="hint" id="delete-reason" data-testid="delete-reason">{delete.reason.clone()}</p>
                    }.into_any()
                }}
                {move || error_of(delete_action.value().get()).map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
            </details>

            {match return_problem {
                Some(report) => Some(view! {
                    <div class="action-row" data-testid="return-problem">
                        <h3>"Returned drives"</h3>
                        <p>"You reported: "<q>{report}</q>" Support will contact you."</p>
                    </div>
                }.into_any()),
                None => report_problem.allowed.then(|| view! {
                    <details class="action-row" data-testid="report-problem-section" open=move || report_error.get().is_some()>
                        <summary>"Report a problem with the returned drives"</summary>
                        <p class="hint">"If the drives did not arrive, or arrived damaged, tell us what happened: support follows it up with the carrier and contacts you."</p>
                        <PostForm action=report_action attr:class="stack">
                            <input type="hidden" name="id" value=id/>
                            <FormMessage error=report_error/>
                            <TextAreaField name="description" label="What happened" error=report_error error_prefix="description" echo=true/>
                            <div><button type="submit" class="button primary" data-testid="report-problem">"Report the problem"</button></div>
                        </PostForm>
                    </details>
                }.into_any()),
            }}
        </section>
    }
}
