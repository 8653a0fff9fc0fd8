use leptos::prelude::*;
use leptos_meta::Title;

/// 404: for unknown paths and for jobs that do not exist or belong to someone else.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="empty-state" data-testid="not-found">
            <h1>"Not found"</h1>
            <p>"There is nothing here. The job may have been deleted, or the link may be mistyped."</p>
            <p><a href="/jobs">"Back to your jobs"</a></p>
        </section>
    }
}
