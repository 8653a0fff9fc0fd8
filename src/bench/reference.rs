//! The reference every throughput budget is measured against (`portal-bench reference`, never the portal
//! server): a bare axum handler that returns bytes from memory.
//!
//! - `PUT /__bench/reference/{name}` stores the request body (and its `Content-Type`) under `name`;
//! - `GET /__bench/reference/{name}` returns exactly those bytes.
//!
//! The routes are served by the benchmark binary on a loopback port (`--addr-file` says which), never by the
//! portal: what they store would otherwise be served from the portal's origin without its
//! Content-Security-Policy, to anyone. Without any of the portal's layers (no identification, access checks,
//! timeout or security headers) they measure what axum, hyper and tokio alone cost, built from the same
//! crates and profile as the server.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

type Blobs = Arc<RwLock<HashMap<String, (HeaderValue, Bytes)>>>;

pub fn router() -> Router {
    Router::new()
        .route("/__bench/reference/{name}", get(reference).put(store))
        .with_state(Blobs::default())
}

async fn reference(State(blobs): State<Blobs>, Path(name): Path<String>) -> Response {
    let found = blobs.read().ok().and_then(|b| b.get(&name).cloned());
    match found {
        Some((content_type, bytes)) => {
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn store(
    State(blobs): State<Blobs>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    match blobs.write() {
        Ok(mut b) => {
            b.insert(name, (content_type, body));
            StatusCode::NO_CONTENT
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
