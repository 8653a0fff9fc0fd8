//! Request ids, as ARM clients expect them: the client's `x-ms-client-request-id` is echoed, the server's own
//! id is answered as `x-ms-request-id`, and both go to the log with the outcome, so a client's report can be
//! matched with the server's log line (`access_log`).
//!
//! This layer wraps the whole router (outside authentication), so even a refused token gets both headers. It
//! also gives unknown API paths (the portal's HTML 404 page) and wrong methods (axum's empty 405) the ARM error
//! envelope: a catch-all route under `/subscriptions/` would conflict with the API's own routes.

use super::access_log::ApiRequest;
use super::errors::{ApiError, InternalDetail};
use crate::server::auth::policy::{access, Access};
use crate::server::auth::tokens::new_guid;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Instant;

const CLIENT_ID: &str = "x-ms-client-request-id";
const SERVER_ID: &str = "x-ms-request-id";

pub async fn request_ids(req: Request, next: impl AsyncFnOnce(Request) -> Response) -> Response {
    if access(req.uri().path()) != Access::Api {
        return next(req).await;
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
    let mut response = arm_envelope(next(req).await, &path);
    let client = client_id.as_ref().and_then(|v| v.to_str().ok());
    if let Some(InternalDetail(detail)) = response.extensions_mut().remove::<InternalDetail>() {
        tracing::error!(
            target: "portal::api",
            request_id = %request_id,
            client_request_id = ?client.unwrap_or("-"),
            %method,
            path = ?path,
            %detail,
            "API request failed"
        );
        response = ApiError::internal_for_request(&request_id).into_response();
    }
    ApiRequest {
        request_id: &request_id,
        client_request_id: client,
        method: &method,
        path: &path,
        status: response.status().as_u16(),
        ms: started.elapsed().as_millis() as u64,
    }
    .log();
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

/// A 404 or 405 that is not already JSON becomes an ARM error (keeping `Allow`).
fn arm_envelope(response: Response, path: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let error = match status {
        _ if is_json => return response,
        StatusCode::NOT_FOUND => {
            ApiError::new(status, "NotFound", format!("No API operation at {path}"))
        }
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "MethodNotAllowed",
            format!("The operation at {path} does not support this method"),
        ),
        _ => return response,
    };
    // A fresh response (the HTML page's headers do not apply), keeping what tells the client where to go.
    let mut fresh = error.into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        fresh.headers_mut().insert(header::ALLOW, allow.clone());
    }
    fresh
}
