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

/// A drive's log links (error, verbose, manifest), or a dash when there are none yet.
#[component]
pub fn DriveLogLinks(logs: lifecycle::DriveLogs) -> impl IntoView {
    let links: Vec<(&'static str, String)> = [
        ("Error log", logs.error_log_uri),
        ("Verbose log", logs.verbose_log_uri),
        ("Manifest", logs.manifest_uri),
    ]
    .into_iter()
    .filter_map(|(name, uri)| uri.map(|u| (name, u)))
    .collect();
    if links.is_empty() {
        return view! { <span class="logs">"—"</span> }.into_any();
    }
    view! {
        <span class="logs">
            {links
                .into_iter()
                .map(|(name, u)| view! { <a href=u target="_blank" rel="noopener noreferrer">{name}</a> })
                .collect_view()}
        </span>
    }
    .into_any()
}

/// `1.5 TB`, `300 GB`: bytes copied, in the units people read.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_are_shown_in_readable_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 KB");
        assert_eq!(human_bytes(1_600_000_000_000), "1.6 TB");
    }
}
