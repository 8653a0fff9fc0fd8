//! What every API handler starts from: the authenticated caller, the api-version, the query and the base URL
//! (for `nextLink`); path parts and JSON bodies that fail in the ARM error format rather than axum's.

use super::errors::ApiError;
use super::models::ApiVersion;
use super::query::{ApiVersionQuery, QueryParams};
use crate::server::auth::{Identity, RemoteAddr};
use crate::server::state::AppState;
use crate::server::store::StoredJob;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// An authenticated API request with a supported api-version. Authentication is checked first, so an
/// anonymous caller learns nothing else about the request.
#[derive(Clone, Debug)]
pub struct Api {
    pub identity: Identity,
    pub version: ApiVersion,
    pub query: QueryParams,
    /// Where the client reached this server, for `nextLink`: kept as the request's parts (shared buffers, no
    /// copy) and written out only by the lists that link a next page.
    link: LinkBase,
}

#[derive(Clone, Debug)]
struct LinkBase {
    uri: axum::http::Uri,
    host: Option<axum::http::HeaderValue>,
    scheme: &'static str,
}

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Api, ApiError> {
        // Taken, not copied: the handler is the request's last reader (the layers outside read it before).
        let identity = parts
            .extensions
            .remove::<Identity>()
            .ok_or_else(ApiError::unauthenticated)?;
        let query = QueryParams::from_uri(&parts.uri);
        let version = ApiVersionQuery::from_params(&query)?.api_version;
        Ok(Api {
            identity,
            version,
            query,
            link: LinkBase {
                uri: parts.uri.clone(),
                host: parts.headers.get(header::HOST).cloned(),
                scheme: RemoteAddr::scheme_of(parts),
            },
        })
    }
}

impl Api {
    /// `http://host:port`, as the client reached this server.
    pub fn base_url(&self, state: &AppState) -> String {
        crate::server::auth::client_addr::base_url(
            self.link.scheme,
            self.link.host.as_ref(),
            &self.link.uri,
            state.config.leptos.site_addr,
        )
    }

    /// The request's path, for `nextLink`.
    pub fn path(&self) -> &str {
        self.link.uri.path()
    }

    /// The subscription's canonical spelling if the caller may read it: a customer's own, any for staff.
    /// Another customer's subscription does not exist as far as this caller can tell (404).
    pub fn readable_subscription(&self, subscription: &str) -> Result<String, ApiError> {
        if let Some(own) = self
            .identity
            .subscriptions
            .iter()
            .find(|s| s.eq_ignore_ascii_case(subscription))
        {
            return Ok(own.clone());
        }
        if self.identity.is_staff() {
            return Ok(subscription.to_ascii_lowercase());
        }
        Err(ApiError::subscription_not_found(subscription))
    }

    /// Writes are the customers' own: staff tokens are read-only (403), other subscriptions are 404.
    pub fn writable_subscription(&self, subscription: &str) -> Result<String, ApiError> {
        if self.identity.is_staff() {
            return Err(ApiError::staff_read_only());
        }
        self.readable_subscription(subscription)
    }

    /// The live job the caller may read, or 404.
    pub async fn job(
        &self,
        app: &AppState,
        subscription: &str,
        resource_group: &str,
        name: &str,
    ) -> Result<StoredJob, ApiError> {
        let subscription = self.readable_subscription(subscription)?;
        app.store
            .job_by_name(&subscription, resource_group, name)
            .await?
            .ok_or_else(|| ApiError::job_not_found(resource_group, name))
    }
}

/// Path parameters whose rejection (bad percent-encoding) answers in the ARM format.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| ApiPath(t))
            .map_err(|e| ApiError::bad_request("InvalidPath", "path", e.body_text()))
    }
}

/// A request body, read whole. It is parsed as JSON by [`RawBody::json`] only after the caller's right to the
/// resource is checked, so that another tenant's resource answers 404 whatever the body.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<RawBody, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| ApiError::new(e.status(), "InvalidRequestContent", e.body_text()))
    }
}

impl RawBody {
    /// The body as `T`; errors name the JSON path of the offending field in `target`. Unknown fields are
    /// ignored.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.0.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "InvalidRequestContent",
                "body",
                "The request body is empty; this operation needs a JSON object",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.0);
        let value = serde_path_to_error::deserialize(&mut de).map_err(ApiError::from_json)?;
        de.end().map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidJson",
                format!("The request body is invalid: {e}"),
            )
        })?;
        Ok(value)
    }
}
