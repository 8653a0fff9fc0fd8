//! Request ids, as ARM clients expect them: the client's `x-ms-client-request-id` is echoed, the server's own
//! id is answered as `x-ms-request-id`, and both go to the log with the outcome, so a client's report can be
//! matched with the server's log line.
//!
//! This layer wraps the whole router (outside authentication), so even a refused token gets both headers.

use crate::server::auth::policy::{access, Access};
use crate::server::auth::tokens::new_guid;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

const CLIENT_ID: &str = "x-ms-client-request-id";
const SERVER_ID: &str = "x-ms-request-id";

pub async fn request_ids(req: Request, next: Next) -> Response {
    if access(req.uri().path()) != Access::Api {
        return next.run(req).await;
    }
    // Echoed only when it is a sane header value of bounded size.
    let client_id = req
        .headers()
        .get(CLIENT_ID)
        .filter(|v| v.len() <= 256 && v.to_str().is_ok())
        .cloned();
    let request_id = new_guid();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let mut response = next.run(req).await;
    let client = client_id
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info!(
        target: "portal::api",
        request_id = %request_id,
        client_request_id = %client,
        %method,
        %path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "API request"
    );
    let unauthorized = response.status() == StatusCode::UNAUTHORIZED;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(SERVER_ID, v);
    }
    if let Some(v) = client_id {
        headers.insert(CLIENT_ID, v);
    }
    if unauthorized && !headers.contains_key(header::WWW_AUTHENTICATE) {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}
