//! The query string of an API request, and the `api-version` every operation requires.

use super::errors::ApiError;
use super::models::ApiVersion;
use axum::http::Uri;
use utoipa::IntoParams;

/// The query's name/value pairs, decoded. Names match case-insensitively, the first occurrence wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Percent-decoded as forms are (`+` is a space); bytes that are not UTF-8 become U+FFFD, so any query
    /// string can be read. Decoded directly rather than through axum's `Query`: it runs for every request.
    pub fn from_uri(uri: &Uri) -> QueryParams {
        let pairs = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        QueryParams(pairs)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn params(uri: &str) -> QueryParams {
        QueryParams::from_uri(&uri.parse().expect("uri"))
    }

    #[test]
    fn values_are_decoded_and_names_match_in_any_case_first_one_winning() {
        let q = params("/x?api-version=2021-01-01&%24filter=state%20eq%20%27Shipping%27&$top=2&API-VERSION=1999&q=a+b");
        assert_eq!(q.get("api-version"), Some("2021-01-01"));
        assert_eq!(q.get("Api-Version"), Some("2021-01-01"));
        assert_eq!(q.get("$filter"), Some("state eq 'Shipping'"));
        assert_eq!(q.get("$top"), Some("2"));
        assert_eq!(q.get("q"), Some("a b"));
        assert_eq!(q.get("$skiptoken"), None);
    }

    #[test]
    fn any_query_string_can_be_read() {
        assert_eq!(params("/x"), QueryParams::default());
        assert_eq!(params("/x?").get("api-version"), None);
        // A stray percent stays as it is; bytes that are not UTF-8 become the replacement character.
        assert_eq!(params("/x?a=100%&b=%ff").get("a"), Some("100%"));
        assert_eq!(params("/x?a=100%&b=%ff").get("b"), Some("\u{fffd}"));
        assert_eq!(params("/x?flag").get("flag"), Some(""));
    }
}
