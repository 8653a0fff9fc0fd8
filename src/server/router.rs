//! The HTTP router: pages and server functions (Leptos), the plain routes of `routes.rs` (health, live events,
//! the REST API, exports), static files, and the layers every request passes through.

use super::state::AppState;
use super::{api, auth, routes};
use crate::app::{shell, App};
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::{Duration, Instant};
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;

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
    // ARM paths are matched case-insensitively; a layer of the router would run after routing, too late to
    // respell the path, so the path is respelled first.
    let layered = ServiceBuilder::new()
        .map_request(api::canonicalize::<axum::body::Body>)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(state, portal_layers))
        .service(portal);
    Router::new().fallback_service(layered)
}

/// The portal's own layers, outermost first: server failures logged; bodies over the size limit refused;
/// security headers; request ids (outside identification, so that API answers to a refused token carry
/// request ids too); identity; one-time messages (`flash`: refused forms' errors out of URLs); access; the staff audit (of calls the guard let through); the server-function
/// status fix; kept job pages (for callers identified and let through). One middleware calling the next
/// directly: no boxed service per layer and request (tower-http's body limit and trace layers were replaced
/// by the first two for that reason: each boxed the body again).
async fn portal_layers(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let app = &app;
    let failure = FailureLog::of(&req);
    let req = match limit_body(req, app.config.max_body_bytes) {
        Ok(req) => req,
        Err(refused) => return refused.into_response(),
    };
    let response = auth::middleware::security_headers(req, async |req| {
        api::request_ids(req, async |req| {
            auth::middleware::identify(app, req, async |req| {
                super::flash::layer(app, req, async |req| {
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
    })
    .await;
    failure.check(&response);
    response
}

/// Bodies over `max` bytes are refused with 413 before anything reads them: at once when the request
/// announces its size, and when a reader reaches the limit otherwise (the readers answer 413 for
/// `LengthLimitError`). A request without a body (every GET) passes untouched.
fn limit_body(req: Request, max: usize) -> Result<Request, TooLarge> {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > max as u64) {
        return Err(TooLarge);
    }
    if req.body().is_end_stream() {
        return Ok(req);
    }
    Ok(req.map(|body| Body::new(http_body_util::Limited::new(body, max))))
}

/// A body announced larger than the limit.
struct TooLarge;

impl IntoResponse for TooLarge {
    fn into_response(self) -> Response {
        (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response()
    }
}

/// A line at ERROR for every answer with a server error (5xx), whatever produced it: the API's own log line
/// carries its detail, pages and server functions have only this one.
struct FailureLog {
    method: Method,
    uri: Uri,
    started: Instant,
}

impl FailureLog {
    fn of(req: &Request) -> FailureLog {
        FailureLog {
            method: req.method().clone(),
            uri: req.uri().clone(),
            started: Instant::now(),
        }
    }

    fn check(&self, response: &Response) {
        let status = response.status();
        if status.is_server_error() {
            tracing::error!(
                method = %self.method,
                path = ?self.uri.path(),
                status = status.as_u16(),
                ms = self.started.elapsed().as_millis() as u64,
                "request failed"
            );
        }
    }
}
