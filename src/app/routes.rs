//! Pages whose WebAssembly loads on demand. The main module holds the layout and the job page (the page
//! customers and live updates spend their time on, and the heaviest: lazy, it would load more in total, see
//! BENCHMARKS.md); a release build with `cargo leptos build --release --split` moves each group below, with
//! the code only it uses, into `.wasm` chunks that the browser fetches when one of its pages is shown (the
//! server-rendered page preloads them):
//!
//! - the support console, all five pages in one group (customers never open it);
//! - the jobs list; the new-job form; the account page; the API guide; sign-in and sign-up (one group).
//!
//! Few groups, because every combination of groups that shares code becomes a chunk of its own.
//!
//! The chunks exist only when the WebAssembly was split: a `#[lazy]` function compiled without the splitter
//! calls an import nothing provides. So the browser code is lazy only in split builds (`cfg(wasm_split)`, set
//! by build.rs when cargo-leptos links with `--emit-relocs`, which is what `--split` does) and calls the page
//! directly otherwise (debug builds). The server always renders the lazy form: there it is the same page plus
//! a note of the chunks it needs, which becomes `<link rel="preload">` tags when the site has a split
//! manifest (`target/site/pkg/__wasm_split_manifest.json`).

use super::pages::{account, api_docs, auth, jobs, new_job, staff};
use leptos::prelude::*;
use leptos_router::LazyRoute;

/// The console's pages (one chunk).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsolePage {
    Jobs,
    Job,
    Attention,
    Intakes,
    Clock,
}

/// Sign-in and sign-up (one chunk).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthPage {
    SignIn,
    SignUp,
    ForgotPassword,
    ResetPassword,
    VerifyEmail,
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn console_chunk(page: ConsolePage) -> AnyView {
    match page {
        ConsolePage::Jobs => staff::jobs::StaffJobsPage().into_any(),
        ConsolePage::Job => staff::job::StaffJobPage().into_any(),
        ConsolePage::Attention => staff::attention::AttentionPage().into_any(),
        ConsolePage::Intakes => staff::intakes::IntakesPage().into_any(),
        ConsolePage::Clock => staff::clock::ClockPage().into_any(),
    }
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn auth_chunk(page: AuthPage) -> AnyView {
    match page {
        AuthPage::SignIn => auth::SignInPage().into_any(),
        AuthPage::SignUp => auth::SignUpPage().into_any(),
        AuthPage::ForgotPassword => auth::ForgotPasswordPage().into_any(),
        AuthPage::ResetPassword => auth::ResetPasswordPage().into_any(),
        AuthPage::VerifyEmail => auth::VerifyEmailPage().into_any(),
    }
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn jobs_chunk() -> AnyView {
    jobs::JobsPage().into_any()
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn new_job_chunk() -> AnyView {
    new_job::NewJobPage().into_any()
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn account_chunk() -> AnyView {
    account::AccountPage().into_any()
}

#[cfg_attr(any(feature = "ssr", wasm_split), leptos::lazy)]
async fn api_docs_chunk() -> AnyView {
    api_docs::ApiDocsPage().into_any()
}

/// `on_demand!(Route => chunk(arguments), __preload_chunk)`: a route type for `Lazy::<Route>::new()` whose
/// view is what the chunk function returns. `#[lazy]` defines `__preload_<chunk>`, which fetches the chunk,
/// and the router awaits the route's `preload` before it shows or hydrates the route: the view is then ready
/// at once when hydration reaches it (a view still loading would be hydrated as an empty placeholder and then
/// drawn again beside the server's HTML).
macro_rules! on_demand {
    ($(#[$doc:meta])* $route:ident => $chunk:ident($($arg:expr)?), $preload:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn preload() {
                #[cfg(wasm_split)]
                $preload().await;
            }

            async fn view(_route: Self) -> AnyView {
                $chunk($($arg)?).await
            }
        }
    };
}

on_demand!(
    /// `/account`: password and API tokens.
    AccountRoute => account_chunk(), __preload_account_chunk
);
on_demand!(
    /// `/api-docs`: the REST API guide.
    ApiDocsRoute => api_docs_chunk(), __preload_api_docs_chunk
);
on_demand!(
    /// `/sign-in`.
    SignInRoute => auth_chunk(AuthPage::SignIn), __preload_auth_chunk
);
on_demand!(
    /// `/sign-up`.
    SignUpRoute => auth_chunk(AuthPage::SignUp), __preload_auth_chunk
);
on_demand!(
    /// `/forgot-password`.
    ForgotPasswordRoute => auth_chunk(AuthPage::ForgotPassword), __preload_auth_chunk
);
on_demand!(
    /// `/reset-password?token=…` (the emailed link).
    ResetPasswordRoute => auth_chunk(AuthPage::ResetPassword), __preload_auth_chunk
);
on_demand!(
    /// `/verify-email?token=…` (the emailed link).
    VerifyEmailRoute => auth_chunk(AuthPage::VerifyEmail), __preload_auth_chunk
);
on_demand!(
    /// `/` and `/jobs`: the customer's jobs.
    JobsRoute => jobs_chunk(), __preload_jobs_chunk
);
on_demand!(
    /// `/jobs/new`: the new-job form.
    NewJobRoute => new_job_chunk(), __preload_new_job_chunk
);
on_demand!(
    /// `/staff`: the console's job search.
    StaffJobsRoute => console_chunk(ConsolePage::Jobs), __preload_console_chunk
);
on_demand!(
    /// `/staff/jobs/:id`: one job's timeline and operations.
    StaffJobRoute => console_chunk(ConsolePage::Job), __preload_console_chunk
);
on_demand!(
    /// `/staff/attention`: the attention queue.
    AttentionRoute => console_chunk(ConsolePage::Attention), __preload_console_chunk
);
on_demand!(
    /// `/staff/intakes`: unmatched intakes.
    IntakesRoute => console_chunk(ConsolePage::Intakes), __preload_console_chunk
);
on_demand!(
    /// `/staff/clock`: the development clock.
    ClockRoute => console_chunk(ConsolePage::Clock), __preload_console_chunk
);
