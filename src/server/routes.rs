//! Every plain axum route (all that is not a Leptos page or server function), declared once with its method,
//! path and the access it needs. The router mounts exactly this table and the authorization matrix test walks
//! it, so a route cannot be added without its row in the matrix; the test also checks each declared access
//! against `auth::policy`, which the guard enforces.

use super::auth::policy::Access;
use super::state::AppState;
use super::{api, console, live};
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;

pub struct PlainRoute {
    pub method: Method,
    /// axum's syntax: `{name}` for a path parameter.
    pub path: String,
    pub access: Access,
    handler: MethodRouter<AppState>,
}

impl PlainRoute {
    pub fn new<H, T>(method: Method, path: impl Into<String>, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // Routes are declared in code and built once at start-up: a method axum cannot route is a programming
        // error that the first test run shows, not a request's failure.
        #[allow(clippy::expect_used)]
        let filter = MethodFilter::try_from(method.clone()).expect("a method axum can route");
        PlainRoute {
            method,
            path: path.into(),
            access,
            handler: axum::routing::on(filter, handler),
        }
    }

    pub fn get<H, T>(path: impl Into<String>, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        PlainRoute::new(Method::GET, path, access, handler)
    }
}

/// `/healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The table: health, the live event stream, the new-job form's plain posts to its own page (the page's GET
/// is a Leptos route; axum merges the two methods of one path), the REST API (and its OpenAPI document), the
/// console's exports.
pub fn plain_routes() -> Vec<PlainRoute> {
    let mut routes = vec![
        PlainRoute::get("/healthz", Access::Public, healthz),
        PlainRoute::get("/pkg/{*path}", Access::Public, super::static_files::pkg),
        PlainRoute::get("/favicon.svg", Access::Public, super::static_files::favicon),
        PlainRoute::get("/events", Access::SignedIn, live::events),
        PlainRoute::new(
            Method::POST,
            crate::app::pages::new_job::NEW_JOB_PATH,
            Access::SignedIn,
            super::new_job_post::post,
        ),
    ];
    routes.extend(api::routes());
    routes.extend(console::routes());
    routes
}

/// Mounts every route of the table (two methods on one path merge into one axum route).
pub fn mount(router: Router<AppState>) -> Router<AppState> {
    plain_routes().into_iter().fold(router, |router, route| {
        router.route(&route.path, route.handler)
    })
}
