//! The application: the HTML shell, the layout and the routes.

pub mod components;
pub mod flash;
pub mod forms;
pub mod live;
pub mod pages;
pub mod query;
pub mod resource;
pub mod routes;

use components::layout::Layout;
use flash::FlashMeta;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};
use pages::{job::ship::ShipPage, job::JobPage, not_found::NotFound};
use routes::*;

/// The Content-Security-Policy of a page: scripts only from this site or with this render's nonce
/// (the hydration loader), WebAssembly allowed, inline style attributes only (progress bar widths).
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    {
        if let Ok(value) = axum::http::HeaderValue::from_str(&content_security_policy(&nonce)) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <FlashMeta/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Lets tests (and curious users) tell a hydrated page from plain server-rendered HTML.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/portal.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Import/Export portal".to_string() } else { format!("{text} · Import/Export portal") }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view={Lazy::<JobsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/jobs") view={Lazy::<JobsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/jobs/new") view={Lazy::<NewJobRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/jobs/:id") view=JobPage ssr=SsrMode::Async/>
                    <Route path=path!("/jobs/:id/ship") view=ShipPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/api-docs") view={Lazy::<ApiDocsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view={Lazy::<SignInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/sign-up") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/staff") view={Lazy::<StaffJobsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/staff/jobs/:id") view={Lazy::<StaffJobRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/staff/attention") view={Lazy::<AttentionRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/staff/intakes") view={Lazy::<IntakesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/staff/clock") view={Lazy::<ClockRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
