//! Lifecycle diagrams as the pages show them: the server drew each one (`server::diagram`, from the lifecycle
//! crate's graphs) and the page places its two layouts and its text alternative; the drive picker; what can
//! happen next.

use crate::job_page::NextStepView;
use crate::model::Diagram;
use leptos::prelude::*;

/// A diagram in both layouts (CSS shows the wide one on desktops, the compact one on phones) with its text
/// alternative. `of` (`job`, `drive`) names the text's parts: `{of}-diagram-text` (the title) and `{of}-path`
/// (the steps, when the diagram shows a path).
#[component]
pub fn DiagramFigure(diagram: Diagram, of: &'static str) -> impl IntoView {
    let Diagram {
        layouts,
        title,
        steps,
        current,
    } = diagram;
    view! {
        <figure class="diagram-figure">
            {layouts
                .into_iter()
                .map(|(variant, markup)| view! { <div class=format!("diagram-box {variant}") inner_html=markup></div> })
                .collect_view()}
            <figcaption>
                <Legend of current/>
                <details>
                    <summary>"Diagram as text"</summary>
                    <p data-testid=format!("{of}-diagram-text")>{title}</p>
                    {(!steps.is_empty()).then(|| view! {
                        <ol class="path-list" data-testid=format!("{of}-path")>
                            {steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                        </ol>
                    })}
                </details>
            </figcaption>
        </figure>
    }
}

/// What the drawing's marks mean, each shown with a swatch drawn with the drawing's own classes (so the same
/// colours and dashes, light and dark).
#[component]
fn Legend(of: &'static str, current: Option<String>) -> impl IntoView {
    let state = current.map(|c| format!("node current state-{c}"));
    let line = |class: &'static str, testid: &'static str, text: &'static str| {
        view! {
            <li data-testid=testid>
                <svg class="diagram swatch" viewBox="0 0 36 16" aria-hidden="true" focusable="false">
                    <path class=format!("edge {class}") d="M2,8 H34"></path>
                </svg>
                {text}
            </li>
        }
    };
    view! {
        <ul class="diagram-legend" aria-label="Legend" data-testid=format!("{of}-legend")>
            {state.map(|class| view! {
                <li data-testid="legend-current">
                    <svg class="diagram swatch" viewBox="0 0 36 16" aria-hidden="true" focusable="false">
                        <g class=class><rect x="1" y="1" width="34" height="14" rx="4"></rect></g>
                    </svg>
                    "Current state"
                </li>
            })}
            {line("normal taken", "legend-taken", "Path taken")}
            {line("normal", "legend-normal", "Usual path")}
            {line("cancel", "legend-cancel", "Cancel path (no data copy)")}
            {line("error", "legend-error", "Error path")}
            {line("fault", "legend-fault", "Fault (from any active state)")}
            {line("normal conditional", "legend-conditional", "Only in a particular situation (hover the line to see when)")}
        </ul>
    }
}

/// The links that choose which drive the drive diagram shows: all drives, or one (`?drive=ID`).
#[component]
pub fn DrivePicker(job_id: i64, drives: Vec<String>, chosen: Option<String>) -> impl IntoView {
    view! {
        <nav class="drive-picker" aria-label="Choose a drive">
            <a href=format!("/jobs/{job_id}") class=if chosen.is_none() { "chip active" } else { "chip" }
                aria-current=chosen.is_none().then_some("page")>"All drives"</a>
            {drives.into_iter().map(|id| {
                let picked = chosen.as_deref() == Some(id.as_str());
                let class = if picked { "chip active" } else { "chip" };
                let href = format!("/jobs/{job_id}?drive={id}");
                view! { <a href=href class=class aria-current=picked.then_some("page") data-testid="pick-drive">{id}</a> }
            }).collect_view()}
        </nav>
    }
}

/// What can happen next from the job's state, who makes it happen and, for the customer's own steps, why not
/// yet (`lifecycle::next_steps` decides which transitions count).
#[component]
pub fn NextSteps(steps: Vec<NextStepView>) -> impl IntoView {
    view! {
        <div class="next-steps" data-testid="next-steps">
            <h3>"What happens next"</h3>
            {if steps.is_empty() {
                view! { <p class="hint">"Nothing: this job has reached the end of its life."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {steps.into_iter().map(|s| view! {
                            <li data-testid="next-step" data-to=s.to.as_str() data-trigger=s.trigger>
                                {format!("{} → {}", s.label, s.to)}
                                <span class="hint" data-testid="next-step-by">{format!(" — {}", s.by)}</span>
                                {s.not_yet.map(|r| view! { <span class="hint">{format!(" (not yet: {r})")}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}
