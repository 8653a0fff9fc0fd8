//! The HTTP router: pages and server functions (Leptos), the plain routes of `routes.rs` (health, live events,
//! the REST API, exports), static files, and the layers every request passes through.

use super::state::AppState;
use super::{api, auth, routes};
use crate::app::{shell, App};
use axum::http::StatusCode;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower::ServiceExt;
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
    let portal = routes::mount(Router::new())
        .leptos_routes(&state, routes, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || provide_context(fallback_state.clone()), shell
        ))
        // Innermost first: kept job pages (for callers identified and let through), the server-function
        // status fix, the staff audit (of calls the guard let through), then access, then identity, then
        // headers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::page_cache::serve,
        ))
        .layer(axum::middleware::from_fn(auth::middleware::error_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::staff_audit::record,
        ))
        .layer(axum::middleware::from_fn(auth::middleware::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::identify,
        ))
        // Outside identification, so that API answers to a refused token carry request ids too.
        .layer(axum::middleware::from_fn(api::request_ids))
        .layer(axum::middleware::from_fn(
            auth::middleware::security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.request_timeout.as_seconds().max(1) as u64),
        ))
        .with_state(state);
    // ARM paths are matched case-insensitively; a layer of the router would run after routing, too late to
    // respell the path, so the whole router is wrapped.
    Router::new().fallback_service(portal.map_request(api::canonicalize::<axum::body::Body>))
}
