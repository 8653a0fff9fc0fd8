//! `/staff/clock`: the server's clock and, only on a server started with `--dev-clock`, the development tools:
//! move time forward (the timer sweep runs at once), run the sweep, and create test jobs for the demo customer.
//! Every server function here refuses on a normal server. Each call is audited by `auth::staff_audit`.

use super::{error_of, ConsoleNav, OpInput, OpMessage, OpSelect};
use crate::app::components::time::iso_minutes;
use crate::app::resource::resource;
use crate::console::{ClockMoved, ClockStatus};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[server(endpoint = "staff_clock")]
pub async fn staff_clock() -> Result<ClockStatus, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    Ok(ClockStatus {
        now: app.clock.now(),
        adjustable: app.clock.is_adjustable(),
    })
}

/// Moves the development clock forward by `days` and `hours`, then runs the timer sweep.
#[server(endpoint = "staff_advance_clock")]
pub async fn staff_advance_clock(days: String, hours: String) -> Result<ClockMoved, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::{invalid, require_dev_clock};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    require_dev_clock(&app)?;
    let echo = [("days", days.as_str()), ("hours", hours.as_str())];
    let parse = |v: &str| -> Option<i64> {
        match v.trim() {
            "" => Some(0),
            s => s.parse::<i64>().ok().filter(|n| (0..=3650).contains(n)),
        }
    };
    let Some(d) = parse(&days) else {
        return Err(invalid(
            "days",
            "Days must be a whole number from 0 to 3650",
            &echo,
        ));
    };
    let Some(h) = parse(&hours) else {
        return Err(invalid(
            "hours",
            "Hours must be a whole number from 0 to 3650",
            &echo,
        ));
    };
    let by = chrono::TimeDelta::days(d) + chrono::TimeDelta::hours(h);
    if by <= chrono::TimeDelta::zero() {
        return Err(invalid(
            "days",
            "Move the clock forward by at least one hour",
            &echo,
        ));
    }
    let now = app
        .clock
        .advance(by)
        .map_err(|m| invalid("days", m, &echo))?;
    // Kept for a restart; sessions age with the clock, so moving it forward signs nobody out.
    app.store.advance_dev_clock(by).await?;
    let swept = crate::server::timers::sweep(&app).await?;
    Ok(ClockMoved {
        now,
        jobs_changed: swept.jobs,
        intakes_changed: swept.intakes,
    })
}

/// Runs the timer sweep now (development clock only; the server sweeps by itself every few seconds).
#[server(endpoint = "staff_run_timers")]
pub async fn staff_run_timers() -> Result<ClockMoved, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::require_dev_clock;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    require_dev_clock(&app)?;
    let swept = crate::server::timers::sweep(&app).await?;
    Ok(ClockMoved {
        now: app.clock.now(),
        jobs_changed: swept.jobs,
        intakes_changed: swept.intakes,
    })
}

/// Creates a test job for the demo customer (development clock only) and opens its console page.
#[server(endpoint = "staff_dev_create_job")]
pub async fn staff_dev_create_job(scenario: String) -> Result<i64, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::console::{create_dev_job, require_dev_clock};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    require_dev_clock(&app)?;
    let (id, _name) = create_dev_job(&app, &scenario).await?;
    leptos_axum::redirect(&format!("/staff/jobs/{id}"));
    Ok(id)
}

#[component]
pub fn ClockPage() -> impl IntoView {
    let advance = ServerAction::<StaffAdvanceClock>::new();
    let run = ServerAction::<StaffRunTimers>::new();
    let create = ServerAction::<StaffDevCreateJob>::new();
    let status = resource(
        move || (advance.version().get(), run.version().get()),
        |_| staff_clock(),
    );
    view! {
        <Title text="Clock"/>
        <div class="page-head"><h1>"Clock"</h1></div>
        <ConsoleNav/>
        <Transition fallback=|| view! { <p class="loading">"Reading the clock…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => view! { <ClockTools status=s advance run create/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ClockTools(
    status: ClockStatus,
    advance: ServerAction<StaffAdvanceClock>,
    run: ServerAction<StaffRunTimers>,
    create: ServerAction<StaffDevCreateJob>,
) -> impl IntoView {
    let advance_error = error_of(advance);
    let run_error = error_of(run);
    let create_error = error_of(create);
    let moved = move || {
        advance
            .value()
            .get()
            .or_else(|| run.value().get())
            .and_then(|r| r.ok())
            .map(|m| {
                view! {
                    <p class="success" role="status" data-testid="clock-moved">
                        {format!("Timers ran at {}: {} job(s) and {} intake(s) changed.", iso_minutes(m.now), m.jobs_changed, m.intakes_changed)}
                    </p>
                }
            })
    };
    let scenarios = vec![
        (
            "shipping".to_string(),
            "Import job, Shipping (2 drives)".to_string(),
        ),
        (
            "ready".to_string(),
            "Import job, Creating, ready to ship".to_string(),
        ),
        (
            "shipping-cancelled".to_string(),
            "Import job, Shipping, cancellation requested".to_string(),
        ),
        (
            "export-shipping".to_string(),
            "Export job, Shipping".to_string(),
        ),
    ];
    view! {
        <section class="card" aria-labelledby="clock-heading">
            <h2 id="clock-heading">"Server time"</h2>
            <p class="clock-now" data-testid="clock-now" data-now=status.now.to_rfc3339()>{iso_minutes(status.now)}</p>
            {if status.adjustable {
                view! { <p class="hint" data-testid="clock-mode">"Development clock: staff can move time forward. Timers fire on the next sweep (at once from here)."</p> }.into_any()
            } else {
                view! { <p class="hint" data-testid="clock-mode">"System clock. The development tools need a server started with --dev-clock."</p> }.into_any()
            }}
        </section>
        {status.adjustable.then(|| view! {
            <section class="card" aria-labelledby="advance-heading">
                <h2 id="advance-heading">"Move time forward"</h2>
                {moved}
                <OpMessage error=advance_error/>
                <ActionForm action=advance attr:class="inline-action" attr:data-testid="advance-form">
                    <OpInput id="advance-days" name="days" label="Days" kind="number" value="1" error=advance_error/>
                    <OpInput id="advance-hours" name="hours" label="Hours" kind="number" value="0" error=advance_error/>
                    <button type="submit" class="button primary">"Move forward and run timers"</button>
                </ActionForm>
                <OpMessage error=run_error/>
                <ActionForm action=run attr:class="inline-action">
                    <button type="submit" class="button secondary">"Run timers now"</button>
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="testjob-heading">
                <h2 id="testjob-heading">"Create a test job"</h2>
                <p class="hint">"For demos and tests: a job of the demo customer, made by the customer's own commands now."</p>
                <OpMessage error=create_error/>
                <ActionForm action=create attr:class="inline-action" attr:data-testid="create-test-job">
                    <OpSelect id="test-job-scenario" name="scenario" label="Scenario" options=scenarios.clone() error=create_error/>
                    <button type="submit" class="button primary">"Create test job"</button>
                </ActionForm>
            </section>
        })}
    }
}
