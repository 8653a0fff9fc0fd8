//! The HTTP router: pages and server functions (Leptos), the plain routes of `routes.rs` (health, live events,
//! the REST API, exports), static files, and the layers every request passes through.

use super::state::AppState;
use super::{api, auth, routes};
use crate::app::{shell, App};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The app's page routes, generated once per process. Generating them renders the app with resource loading
/// suppressed through a process-wide flag, so a render running meanwhile could wait forever (leptos issue
/// #4773); once, before any request, is safe.
pub fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn build(state: AppState) -> Router {
    let routes = route_list();
    let leptos_options = state.leptos_options.clone();
    let fallback_state = state.clone();
    // `leptos_routes` also mounts the server functions and provides `AppState` to them and to every render.
    let portal: Router = routes::mount(Router::new())
        .leptos_routes(&state, routes, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_state.clone()), shell
        ))
        .with_state(state.clone());
    // The layers wrap the router once, rather than each route (`Router::layer`): per request that is one
    // clone of the router's handle instead of one of every inner layer with its state.
    let timeout = Duration::from_secs(state.config.request_timeout.as_seconds().max(1) as u64);
    let max_body = state.config.max_body_bytes;
    // ARM paths are matched case-insensitively; a layer of the router would run after routing, too late to
    // respell the path, so the path is respelled first.
    let layered = ServiceBuilder::new()
        .map_request(api::canonicalize::<axum::body::Body>)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // The timeout answers with an empty body of the inner response's type: axum's.
        .map_response(into_axum_response)
        .layer(RequestBodyLimitLayer::new(max_body))
        .map_request(into_axum_request)
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn_with_state(state, portal_layers))
        .service(portal);
    Router::new().fallback_service(layered)
}

fn into_axum_request<B>(request: Request<B>) -> Request
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    request.map(axum::body::Body::new)
}

fn into_axum_response<B>(response: axum::http::Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    response.map(axum::body::Body::new)
}

/// The portal's own layers, outermost first: security headers; request ids (outside identification, so
/// that API answers to a refused token carry request ids too); identity; access; the staff audit (of calls
/// the guard let through); the server-function status fix; kept job pages (for callers identified and let
/// through). One middleware calling the next directly: no boxed service per layer and request.
async fn portal_layers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let app = &app;
    auth::middleware::security_headers(req, async |req| {
        api::request_ids(req, async |req| {
            auth::middleware::identify(app, req, async |req| {
                auth::middleware::guard(req, async |req| {
                    auth::staff_audit::record(app, req, async |req| {
                        auth::middleware::error_status(req, async |req| {
                            super::page_cache::serve(app, req, async |req| next.run(req).await)
                                .await
                        })
                        .await
                    })
                    .await
                })
                .await
            })
            .await
        })
        .await
    })
    .await
}
