//! The query string of an API request, and the `api-version` every operation requires.

use super::errors::ApiError;
use super::models::ApiVersion;
use axum::extract::Query;
use axum::http::Uri;
use utoipa::IntoParams;

/// The query's name/value pairs, decoded. Names match case-insensitively, the first occurrence wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    pub fn from_uri(uri: &Uri) -> Result<QueryParams, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|Query(pairs)| QueryParams(pairs))
            .map_err(|e| {
                ApiError::bad_request(
                    "InvalidQueryParameter",
                    "query",
                    format!("The query string cannot be read: {e}"),
                )
            })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Required by every operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiVersionQuery {
    /// The API version: 2021-01-01 (the SDK's) or 2020-08-01, which has the same shape.
    #[param(rename = "api-version", inline)]
    pub api_version: ApiVersion,
}

impl ApiVersionQuery {
    /// Missing or unsupported: 400, naming the supported versions.
    pub fn from_params(q: &QueryParams) -> Result<ApiVersionQuery, ApiError> {
        let supported = ApiVersion::supported();
        match q.get("api-version") {
            None => Err(ApiError::bad_request(
                "MissingApiVersionParameter",
                "api-version",
                format!("The api-version query parameter (?api-version=) is required for all requests. Supported versions: {supported}."),
            )),
            Some(v) => ApiVersion::parse(v)
                .map(|api_version| ApiVersionQuery { api_version })
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "InvalidApiVersionParameter",
                        "api-version",
                        format!("The api-version '{v}' is not supported. Supported versions: {supported}."),
                    )
                }),
        }
    }
}
