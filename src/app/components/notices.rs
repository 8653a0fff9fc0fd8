//! What the timers did, or are about to do, to a customer's job: "package overdue", "closes on …", "will
//! expire on …", "will be removed on …". The wording and the rules are `lifecycle::attention::customer_notices`,
//! asked on the server (`server::job_page`); this only draws them. They re-render with the job page's live
//! updates, so a timer event shows up without a reload.

use crate::app::components::time::When;
use crate::job_page::NoticeView;
use leptos::prelude::*;

/// The timer notices of a job; renders nothing when there is none.
#[component]
pub fn JobNotices(notices: Vec<NoticeView>) -> impl IntoView {
    // The retention removal is routine housekeeping, not news: a small line after the real notices.
    let (minor, notices): (Vec<NoticeView>, Vec<NoticeView>) =
        notices.into_iter().partition(|n| n.key == "retention");
    (!(notices.is_empty() && minor.is_empty())).then(|| {
        view! {
            <section class="notices" aria-label="Notices" data-testid="job-notices">
                {notices
                    .into_iter()
                    .map(|n| {
                        let role = if n.urgent { "alert" } else { "status" };
                        view! {
                            <div class=format!("notice notice-{}", n.level) role=role data-testid="job-notice" data-notice=n.key>
                                <p class="notice-title">{n.title}</p>
                                <p>{n.message}</p>
                                {n.at.map(|moment| view! { <p class="hint"><When moment/></p> })}
                            </div>
                        }
                    })
                    .collect_view()}
                {minor
                    .into_iter()
                    .map(|n| view! {
                        <p class="hint notice-line" data-testid="job-notice" data-notice=n.key>
                            {n.title}": "{n.message}
                        </p>
                    })
                    .collect_view()}
            </section>
        }
    })
}
