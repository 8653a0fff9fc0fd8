//! State badges and progress bars: one colour per state, the same everywhere.

use leptos::prelude::*;
use lifecycle::{DriveState, JobState};

/// CSS class of a job or drive state: `state-transferring`, `state-completedmoreinfo`.
pub fn state_class(name: &str) -> String {
    format!("badge state-{}", name.to_ascii_lowercase())
}

#[component]
pub fn JobStateBadge(state: JobState, #[prop(optional)] cancelled: bool) -> impl IntoView {
    view! {
        <span class="badges">
            <span class=state_class(state.as_str()) data-testid="job-state" title=state.meaning()>{state.as_str()}</span>
            {cancelled.then(|| view! { <span class="badge badge-cancelled" data-testid="cancelled-badge">"Cancelled"</span> })}
        </span>
    }
}

#[component]
pub fn DriveStateBadge(state: DriveState) -> impl IntoView {
    view! { <span class=state_class(state.as_str()) title=state.meaning()>{state.label()}</span> }
}

/// A labelled progress bar.
#[component]
pub fn Progress(percent: u8, #[prop(into)] label: String) -> impl IntoView {
    let percent = percent.min(100);
    view! {
        <span class="progress" role="progressbar" aria-label=label aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
            <span class="progress-bar" style=format!("width: {percent}%")></span>
        </span>
        <span class="progress-text">{format!("{percent}%")}</span>
    }
}
