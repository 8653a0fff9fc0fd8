//! The ARM error envelope: `{"error": {"code", "message", "target", "details": [{"code", "target", "message"}]}}`.
//! The SDK turns 401, 404 and 409 into typed exceptions and reads `error.code` / `error.target`, so every
//! failure of the API answers this shape. The code `MissingSubscriptionRegistration` is never used: the SDK
//! reacts to it by trying to register the provider.

use crate::error::AppError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use lifecycle::Rejection;
use serde::Serialize;
use utoipa::ToSchema;

/// One more problem of the same request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// The offending field (`properties.returnAddress.email`), query parameter (`$filter`) or path part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub details: Vec<ErrorDetail>,
}

/// Every error of the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// An API failure: its status and its envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// A server failure's own words: for the log, never for the client (see [`InternalDetail`]). Boxed to
    /// keep every `Result<_, ApiError>` small.
    detail: Option<Box<str>>,
}

/// What went wrong inside a 500, carried on the response to the request-id layer, which logs it with both
/// request ids and answers the client a generic message carrying the server's request id instead. Internal
/// error text (database messages, file paths) never reaches the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InternalDetail(pub String);

const INTERNAL_MESSAGE: &str = "Something went wrong on our side; please try again";

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: message.into(),
                target: None,
                details: Vec::new(),
            },
            detail: None,
        }
    }

    pub fn with_target(mut self, target: impl Into<String>) -> ApiError {
        self.body.target = Some(target.into());
        self
    }

    /// 400 about one field, query parameter or path part.
    pub fn bad_request(code: &str, target: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message).with_target(target)
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication is required: send an API token as 'Authorization: Bearer <token>' (create one on the Account page)",
        )
    }

    /// Staff tokens read every subscription but change nothing (see the API's README section).
    pub fn staff_read_only() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "Staff accounts have read-only access to the API; data-center actions are made in the support console",
        )
    }

    pub fn job_not_found(resource_group: &str, job: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The Resource 'Microsoft.ImportExport/jobs/{job}' under resource group '{resource_group}' was not found."),
        )
    }

    pub fn subscription_not_found(subscription: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{subscription}' could not be found."),
        )
    }

    /// A lifecycle refusal: its kind gives the status and code, its fields (mapped to API paths by `target`)
    /// the target and details.
    pub fn from_rejection(r: &Rejection, target: impl Fn(&str) -> String) -> ApiError {
        let status = StatusCode::from_u16(r.kind.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let code = r.kind.code();
        ApiError {
            status,
            body: ErrorBody {
                code: code.to_string(),
                message: r.message.clone(),
                target: r.field.as_deref().map(&target),
                details: r
                    .details
                    .iter()
                    .map(|d| ErrorDetail {
                        code: code.to_string(),
                        target: Some(target(&d.field)),
                        message: d.message.clone(),
                    })
                    .collect(),
            },
            detail: None,
        }
    }

    /// Any error of the shared command path, for the job `job` of `resource_group`.
    pub fn from_app(
        e: AppError,
        resource_group: &str,
        job: &str,
        target: impl Fn(&str) -> String,
    ) -> ApiError {
        match e {
            AppError::Rejected(r) | AppError::Form { rejection: r, .. } => {
                if r.kind == lifecycle::RejectionKind::NotFound && r.field.is_none() {
                    ApiError::job_not_found(resource_group, job)
                } else {
                    ApiError::from_rejection(&r, target)
                }
            }
            AppError::NotFound => ApiError::job_not_found(resource_group, job),
            AppError::Unauthenticated => ApiError::unauthenticated(),
            AppError::Forbidden | AppError::CustomerOnly => ApiError::staff_read_only(),
            AppError::SessionRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                "AuthorizationFailed",
                AppError::SessionRequired.to_string(),
            ),
            AppError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServerBusy",
                AppError::Busy.to_string(),
            ),
            AppError::Internal(m) => ApiError::internal(m),
            AppError::ServerFn(e) => ApiError::internal(e.to_string()),
        }
    }

    /// A server failure. `detail` is logged (with the request ids, by the request-id layer), not answered.
    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError {
            detail: Some(detail.into().into_boxed_str()),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                format!("{INTERNAL_MESSAGE}."),
            )
        }
    }

    /// The client's side of a server failure: a generic message and the id to quote when reporting it.
    pub fn internal_for_request(request_id: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            format!("{INTERNAL_MESSAGE}. If it persists, report request id {request_id}."),
        )
    }

    /// A body that is not the JSON the operation expects: the JSON path of the problem is the target.
    pub fn from_json(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.to_string();
        let code = if inner.is_syntax() || inner.is_eof() {
            "InvalidJson"
        } else {
            "InvalidRequestContent"
        };
        let mut error = ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("The request body is invalid: {message}"),
        );
        error.body.target = json_target(&path, &message);
        error
    }
}

/// The field a serde error is about: its path, plus the missing field's name serde only gives in the message.
fn json_target(path: &str, message: &str) -> Option<String> {
    let base = if path == "." || path == "?" { "" } else { path };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (base, missing) {
        ("", None) => None,
        ("", Some(field)) => Some(field.to_string()),
        (base, Some(field)) => Some(format!("{base}.{field}")),
        (base, None) => Some(base.to_string()),
    }
}

impl From<crate::server::store::StoreError> for ApiError {
    fn from(e: crate::server::store::StoreError) -> ApiError {
        ApiError::internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            serde_json::to_string(&ErrorResponse { error: self.body }).unwrap_or_else(|_| {
                r#"{"error":{"code":"InternalServerError","message":"","details":[]}}"#.into()
            });
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(detail) = self.detail {
            response
                .extensions_mut()
                .insert(InternalDetail(detail.into_string()));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_name_the_field() {
        assert_eq!(
            json_target("properties", "missing field `jobType` at line 1 column 2"),
            Some("properties.jobType".into())
        );
        assert_eq!(
            json_target(".", "missing field `location`"),
            Some("location".into())
        );
        assert_eq!(
            json_target(
                "properties.driveList[0].driveId",
                "invalid type: integer `1`, expected a string"
            ),
            Some("properties.driveList[0].driveId".into())
        );
        assert_eq!(json_target(".", "expected value at line 1 column 1"), None);
    }

    #[test]
    fn a_server_failure_keeps_its_detail_off_the_wire() {
        let response = ApiError::internal("database error: disk I/O error at /var/lib/portal.db")
            .into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.extensions().get::<InternalDetail>(),
            Some(&InternalDetail(
                "database error: disk I/O error at /var/lib/portal.db".into()
            ))
        );
        let e = ApiError::internal_for_request("req-42");
        assert!(e.body.message.contains("req-42"), "{}", e.body.message);
        assert_eq!(e.body.code, "InternalServerError");
    }

    #[test]
    fn rejections_keep_their_status_and_name_api_paths() {
        let r = Rejection::invalid("returnAddress.email", "Email must be an address");
        let e = ApiError::from_rejection(&r, lifecycle::api::update_target);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            e.body.target.as_deref(),
            Some("properties.returnAddress.email")
        );
        assert_eq!(
            e.body.details[0].target.as_deref(),
            Some("properties.returnAddress.email")
        );
        let r = Rejection::not_allowed_field("cancelRequested", "too late");
        let e = ApiError::from_rejection(&r, lifecycle::api::update_target);
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert_eq!(e.body.code, "Conflict");
    }
}
