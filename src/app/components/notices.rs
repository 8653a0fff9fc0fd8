//! What the timers did, or are about to do, to a customer's job: "package overdue", "closes on …", "will
//! expire on …", "will be removed on …". The wording and the rules are `lifecycle::attention::customer_notices`;
//! this only draws them. The customer job page includes it as
//! `<JobNotices job=detail.job.clone() settings=detail.settings now=detail.now/>`; it re-renders with the
//! page's live updates, so a timer event shows up without a reload.

use crate::app::components::time::Time;
use leptos::prelude::*;
use lifecycle::attention::customer_notices;
use lifecycle::{Job, Settings, Timestamp};

/// The timer notices of `job` at `now`; renders nothing when there is none.
#[component]
pub fn JobNotices(job: Job, settings: Settings, now: Timestamp) -> impl IntoView {
    let notices = customer_notices(&job, now, &settings);
    (!notices.is_empty()).then(|| {
        view! {
            <section class="notices" aria-label="Notices" data-testid="job-notices">
                {notices
                    .into_iter()
                    .map(|n| {
                        let role = if n.level == lifecycle::attention::NoticeLevel::Problem { "alert" } else { "status" };
                        view! {
                            <div class=format!("notice notice-{}", n.level.as_str()) role=role data-testid="job-notice" data-notice=n.key>
                                <p class="notice-title">{n.title}</p>
                                <p>{n.message}</p>
                                {n.at.map(|at| view! { <p class="hint"><Time at now/></p> })}
                            </div>
                        }
                    })
                    .collect_view()}
            </section>
        }
    })
}
