//! The layers every request passes: who is asking (`identify`), may they (`guard`), the right status for
//! server-function errors (`error_status`), and security headers (`security_headers`).

use super::client_addr::client_address;
use super::policy::{access, Access};
use super::sessions::{clear_cookie, cookie_name, secret_from, Ambiguous};
use super::tokens::sha256_hex;
use super::{Identity, Via};
use crate::error::AppError;
use crate::server::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use std::net::SocketAddr;

/// Writes of `last_seen_at` / `last_used_at` at most this often per session or token.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Strict same-origin check for state-changing browser requests (CSRF protection that works with and without
/// JavaScript): `Sec-Fetch-Site` must say same-origin, or `Origin` must equal this server.
fn same_origin(headers: &HeaderMap, has_session: bool) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err("cross-site request refused"),
        };
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
        return if !host.is_empty() && origin_host.eq_ignore_ascii_case(host) {
            Ok(())
        } else {
            Err("cross-origin request refused")
        };
    }
    // Browsers send Origin with every POST; a request with neither header and a session cookie is not from
    // this site's pages.
    if has_session {
        Err("request without Origin refused")
    } else {
        Ok(())
    }
}

fn json_error(status: StatusCode, error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_else(|_| "\"Internal\"".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The ARM error envelope, for the REST API's authentication failures.
fn arm_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message, "details": [] } });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub async fn identify(
    app: &AppState,
    mut req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let remote = client_address(peer, req.headers(), &app.config.trusted_proxies);
    let now = app.clock.now();
    let token = bearer(req.headers());
    let secret = match token {
        None => match secret_from(req.headers(), cookie_name(app)) {
            Ok(secret) => secret,
            // Two session cookies: one was planted (a parent domain's, or one with a path of its own), and
            // choosing either could put the browser in a session of someone else's choosing.
            Err(Ambiguous) => {
                tracing::warn!(path = ?req.uri().path(), "two session cookies refused");
                let mut refused = (
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "This request carries two session cookies. Clear this site's cookies and sign in again.",
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&clear_cookie(app)) {
                    refused.headers_mut().append(header::SET_COOKIE, v);
                }
                return refused;
            }
        },
        Some(_) => None,
    };
    let mut identity: Option<Identity> = None;
    let mut stale_cookie = false;

    if let Some(token) = &token {
        let hash = sha256_hex(token);
        match app.store.token_identity(&hash).await {
            Ok(Some(found)) => {
                if found.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
                    if let Err(e) = app.store.record_token_use(&hash, found.token_id, now).await {
                        tracing::warn!(error = %e, "cannot record token use");
                    }
                }
                identity = Some(Identity::of(
                    &found.principal,
                    Via::Token {
                        token_id: found.token_id,
                        name: found.name.clone(),
                    },
                ));
            }
            Ok(None) => {
                return arm_error(
                    StatusCode::UNAUTHORIZED,
                    "AuthenticationFailed",
                    "The bearer token is unknown or has been revoked",
                )
            }
            Err(e) => return internal(e),
        }
    } else if let Some(secret) = &secret {
        let id_hash = sha256_hex(secret);
        match app.store.session_identity(&id_hash, now).await {
            Ok(Some(found)) => {
                if now - found.last_seen_at >= TOUCH_EVERY {
                    let expires = now + app.config.session_idle.delta();
                    if let Err(e) = app.store.extend_session(&id_hash, now, expires).await {
                        tracing::warn!(error = %e, "cannot extend session");
                    }
                }
                identity = Some(Identity::of(&found.principal, Via::Session { id_hash }));
            }
            Ok(None) => stale_cookie = true,
            Err(e) => return internal(e),
        }
    }

    if is_unsafe(req.method()) && token.is_none() {
        if let Err(reason) = same_origin(req.headers(), secret.is_some()) {
            tracing::warn!(path = ?req.uri().path(), reason, "CSRF check failed");
            return (StatusCode::FORBIDDEN, reason).into_response();
        }
    }
    req.extensions_mut().insert(remote);
    if let Some(identity) = identity {
        req.extensions_mut().insert(identity);
    }
    let mut response = next(req).await;
    if stale_cookie {
        if let Ok(v) = HeaderValue::from_str(&clear_cookie(app)) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "authentication lookup failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}

fn wants_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// Enforces the access table: anonymous visitors are sent to sign in; customers never reach staff routes.
pub async fn guard(req: Request, next: impl AsyncFnOnce(Request) -> Response) -> Response {
    let needed = access(req.uri().path());
    let identity = req.extensions().get::<Identity>();
    let allowed = match needed {
        Access::Public | Access::Api => true,
        Access::SignedIn => identity.is_some(),
        Access::Staff => identity.is_some_and(Identity::is_staff),
    };
    if allowed {
        return next(req).await;
    }
    // A page, or a page's own form posted without JavaScript (it asks for HTML): a person is answered with a
    // page (sign in first, or "staff only"); programs and server functions get a status with a JSON error.
    let is_page = !req.uri().path().starts_with("/api/")
        && (matches!(*req.method(), Method::GET | Method::HEAD) || wants_html(&req));
    match identity {
        None if is_page => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next = urlencode(target);
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/sign-in?next={next}"))],
            )
                .into_response()
        }
        None => json_error(StatusCode::UNAUTHORIZED, &AppError::Unauthenticated),
        Some(_) if is_page && wants_html(&req) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            FORBIDDEN_PAGE,
        )
            .into_response(),
        Some(_) => json_error(StatusCode::FORBIDDEN, &AppError::Forbidden),
    }
}

const FORBIDDEN_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Staff only · Import/Export portal</title><link rel="stylesheet" href="/pkg/portal.css"></head><body><main id="main" class="content"><section class="empty-state" data-testid="forbidden"><h1>Staff only</h1><p>This part of the portal is for support staff. Your jobs are on the jobs page.</p><p><a href="/jobs">Back to your jobs</a></p></section></main></body></html>"#;

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Server functions answer every error with 500; JSON callers get the status the error means instead
/// (400, 401, 403, 404, 409). Redirects of plain form posts are left alone.
pub async fn error_status(req: Request, next: impl AsyncFnOnce(Request) -> Response) -> Response {
    let is_server_fn = req.uri().path().starts_with("/api/");
    let response = next(req).await;
    if !is_server_fn
        || response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers every response carries. HTML pages set their own Content-Security-Policy with the render's nonce
/// (see `app::shell`); everything else gets a policy that allows nothing. Nothing the portal answers may be
/// kept by a browser or a proxy (`Cache-Control: no-store`): pages show BitLocker keys and new API tokens,
/// and a page kept on disk or in the back/forward history would outlive its session. Only the static files
/// set a caching policy of their own, which stays. Names are the `http` crate's parsed constants: a name given
/// as text is parsed again on every lookup and insert, and this runs for every request.
pub async fn security_headers(
    req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
        HeaderName::from_static("cross-origin-opener-policy");
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (CROSS_ORIGIN_OPENER_POLICY, "same-origin"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ),
        (header::CACHE_CONTROL, "no-store"),
    ];
    let mut response = next(req).await;
    let h = response.headers_mut();
    h.reserve(defaults.len());
    for (name, value) in defaults {
        if let header::Entry::Vacant(slot) = h.entry(name) {
            slot.insert(HeaderValue::from_static(value));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), true).is_ok());
        assert!(same_origin(&headers(&[("sec-fetch-site", "cross-site")]), true).is_err());
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-site")]), false).is_err());
        assert!(same_origin(
            &headers(&[("origin", "http://portal:3000"), ("host", "portal:3000")]),
            true
        )
        .is_ok());
        assert!(same_origin(
            &headers(&[("origin", "http://evil.example"), ("host", "portal:3000")]),
            true
        )
        .is_err());
        assert!(same_origin(
            &headers(&[("origin", "null"), ("host", "portal:3000")]),
            true
        )
        .is_err());
        assert!(same_origin(&headers(&[]), true).is_err());
        assert!(same_origin(&headers(&[]), false).is_ok());
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer abc")])).as_deref(),
            Some("abc")
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "bearer  abc ")])).as_deref(),
            Some("abc")
        );
        assert_eq!(bearer(&headers(&[("authorization", "Basic abc")])), None);
    }

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(urlencode("/jobs/3?x=a b&y"), "/jobs/3%3Fx%3Da%20b%26y");
    }
}
