//! The audit entry of every staff operation, written in one place for all `staff_…` server functions (and so
//! for every new one too): who (the staff member, with the token's name when a token called), which operation
//! with which fields, and whether it was done or refused. Reads of the console are not entries.

use super::{Identity, RemoteAddr};
use crate::server::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The staff server functions that only read; every other `staff_…` function is audited.
pub const READS: [&str; 5] = [
    "staff_list_jobs",
    "staff_job",
    "staff_attention",
    "staff_intakes",
    "staff_clock",
];

pub const ACTION: &str = "staff-action";

/// Longest recorded field value and whole detail, in characters.
const VALUE_MAX: usize = 120;
const DETAIL_MAX: usize = 600;

/// The operation a path names, if it is an audited staff operation.
pub fn audited_operation(path: &str) -> Option<&str> {
    path.strip_prefix("/api/")
        .filter(|f| f.starts_with("staff_") && !READS.contains(f))
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// The call's fields as `name=value`, empty ones left out (a form or a JSON body).
fn fields(content_type: &str, body: &[u8]) -> String {
    if content_type.starts_with("application/json") {
        return clip(&String::from_utf8_lossy(body), DETAIL_MAX);
    }
    form_urlencoded::parse(body)
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", clip(v.trim(), VALUE_MAX)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Done or refused: a JSON caller reads the status; a plain form post is redirected back, with the error in
/// the URL when it was refused.
fn outcome(response: &Response) -> String {
    let status = response.status();
    let refused_form = status.is_redirection()
        && response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.contains("__err="));
    if refused_form {
        "refused".into()
    } else if status.is_client_error() || status.is_server_error() {
        format!("refused ({})", status.as_u16())
    } else {
        "done".into()
    }
}

/// Runs inside the access guard, so an audited call here is a staff member's.
pub async fn record(
    app: &AppState,
    req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let Some(operation) = audited_operation(req.uri().path()).map(str::to_string) else {
        return next(req).await;
    };
    let Some(identity) = req
        .extensions()
        .get::<Identity>()
        .filter(|i| i.is_staff())
        .cloned()
    else {
        return next(req).await;
    };
    let remote = req
        .extensions()
        .get::<RemoteAddr>()
        .and_then(RemoteAddr::text);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (parts, body) = req.into_parts();
    // The body limit layer outside has already bounded the size.
    let bytes: Bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            let too_large = std::iter::successors(std::error::Error::source(&e), |s| s.source())
                .any(|s| s.is::<http_body_util::LengthLimitError>());
            return if too_large {
                (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
            } else {
                (StatusCode::BAD_REQUEST, "unreadable request body").into_response()
            };
        }
    };
    let fields = fields(&content_type, &bytes);
    let response = next(Request::from_parts(parts, Body::from(bytes))).await;
    let called = if fields.is_empty() {
        operation
    } else {
        format!("{operation} {fields}")
    };
    let detail = clip(
        &format!("{called} \u{2192} {}", outcome(&response)),
        DETAIL_MAX,
    );
    if let Err(e) = app
        .store
        .audit(
            app.clock.now(),
            Some(identity.account_id),
            &identity.actor().label,
            ACTION,
            &detail,
            remote.as_deref(),
        )
        .await
    {
        tracing::warn!(error = %e, "cannot write the audit log");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_not_audited_and_everything_else_is() {
        assert_eq!(
            audited_operation("/api/staff_package_intake"),
            Some("staff_package_intake")
        );
        assert_eq!(
            audited_operation("/api/staff_run_timers"),
            Some("staff_run_timers")
        );
        assert_eq!(audited_operation("/api/staff_job"), None);
        assert_eq!(audited_operation("/api/mark_shipped"), None);
        assert_eq!(audited_operation("/staff/jobs/1"), None);
    }

    #[test]
    fn fields_are_recorded_short() {
        assert_eq!(
            fields(
                "application/x-www-form-urlencoded",
                b"id=3&found%5B%5D=WD-1&extra=&note=a+b"
            ),
            "id=3 found[]=WD-1 note=a b"
        );
        let long = format!("text={}", "x".repeat(500));
        assert_eq!(
            fields("application/x-www-form-urlencoded", long.as_bytes())
                .chars()
                .count(),
            "text=".len() + VALUE_MAX + 1
        );
        assert_eq!(fields("application/json", br#"{"id":3}"#), r#"{"id":3}"#);
    }
}
