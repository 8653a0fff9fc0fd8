//! Who is asking: sessions (browsers) and API tokens (programs), roles, tenancy, CSRF, limits and headers.
//! Every request passes `middleware::identify` and `middleware::guard`; server functions and API handlers
//! check again with `require_user` / `require_staff` and `Identity::can_access`.

pub mod client_addr;
pub mod limits;
pub mod middleware;
pub mod passwords;
pub mod policy;
pub mod sessions;
pub mod staff_audit;
pub mod tokens;

use crate::error::AppError;
use crate::model::{Actor, ActorKind, Role, UserInfo};

/// How the request proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A browser session; `id_hash` identifies the session row.
    Session { id_hash: String },
    /// An API token.
    Token { token_id: i64, name: String },
}

/// The authenticated caller of this request (a request extension).
#[derive(Clone, Debug)]
pub struct Identity {
    pub account_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub subscriptions: Vec<String>,
    pub via: Via,
}

impl Identity {
    /// The caller behind a resolved credential.
    pub fn of(principal: &crate::server::store::Principal, via: Via) -> Identity {
        Identity {
            account_id: principal.account_id,
            email: principal.email.clone(),
            display_name: principal.display_name.clone(),
            role: principal.role,
            subscriptions: principal.subscriptions.clone(),
            via,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }

    /// Staff see every subscription; a customer only their own.
    pub fn can_access(&self, subscription_id: &str) -> bool {
        self.is_staff()
            || self
                .subscriptions
                .iter()
                .any(|s| s.eq_ignore_ascii_case(subscription_id))
    }

    /// How this caller appears in job timelines. A staff member's token acts as that staff member (their
    /// automation of console operations); a customer's token is an API client of the customer.
    pub fn actor(&self) -> Actor {
        match &self.via {
            Via::Token { name, .. } => Actor {
                kind: match self.role {
                    Role::Customer => ActorKind::Api,
                    Role::Staff => ActorKind::Staff,
                },
                account_id: Some(self.account_id),
                label: format!("{} (API token \u{201c}{name}\u{201d})", self.display_name),
            },
            Via::Session { .. } => Actor {
                kind: match self.role {
                    Role::Customer => ActorKind::Customer,
                    Role::Staff => ActorKind::Staff,
                },
                account_id: Some(self.account_id),
                label: self.display_name.clone(),
            },
        }
    }

    pub fn info(&self) -> UserInfo {
        UserInfo {
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role,
            subscriptions: self.subscriptions.clone(),
        }
    }
}

/// The client's address, as seen by this server (a request extension). Kept as an address and written out
/// only where it is recorded (most requests never need it as text).
#[derive(Clone, Copy, Debug, Default)]
pub struct RemoteAddr {
    pub ip: Option<std::net::IpAddr>,
    /// The connection came from a trusted proxy, so its `X-Forwarded-*` headers speak for the client.
    pub via_trusted_proxy: bool,
}

impl RemoteAddr {
    pub fn text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }

    /// The scheme the client of this request used (see `client_addr::client_scheme`).
    pub fn scheme_of(parts: &axum::http::request::Parts) -> &'static str {
        let via_trusted_proxy = parts
            .extensions
            .get::<RemoteAddr>()
            .is_some_and(|r| r.via_trusted_proxy);
        client_addr::client_scheme(&parts.headers, via_trusted_proxy)
    }
}

/// The caller of the current server function or render, if signed in.
pub fn current() -> Option<Identity> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Identity>().cloned())
}

pub fn remote_addr() -> Option<String> {
    leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<RemoteAddr>()
            .and_then(RemoteAddr::text)
    })
}

/// Whether the current server-function call is a plain HTML form post (JavaScript off), answered with a
/// redirect back to the form rather than a status.
pub fn is_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    })
}

/// Sends the caller of the current server function to `path` (a redirect for a plain form post, the server
/// function client's redirect header otherwise). Unlike `leptos_axum::redirect`, a target that is not a valid
/// header value is never a panic: the caller goes to the jobs page instead.
pub fn redirect(path: &str) {
    let target = if axum::http::HeaderValue::from_str(path).is_ok() {
        path
    } else {
        tracing::warn!(target = ?path, "refused redirect target");
        "/jobs"
    };
    leptos_axum::redirect(target);
}

/// Tells a program (not a plain form post, which is redirected back to its form) how long to wait:
/// `Retry-After` in whole seconds.
pub fn retry_after(seconds: i64) {
    if is_form_post() {
        return;
    }
    if let (Some(response), Ok(v)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(&seconds.max(1).to_string()),
    ) {
        response.insert_header(axum::http::header::RETRY_AFTER, v);
    }
}

/// The server is too busy hashing passwords: 503 with `Retry-After` for programs (the status comes from
/// `AppError::Busy`).
pub fn busy() -> AppError {
    retry_after(1);
    AppError::Busy
}

pub fn require_user() -> Result<Identity, AppError> {
    current().ok_or(AppError::Unauthenticated)
}

/// The caller, signed in with a browser session: managing the account itself (password, tokens) is not for
/// API tokens, so that a leaked token cannot mint more tokens or turn itself into a session.
pub fn require_session() -> Result<Identity, AppError> {
    let identity = require_user()?;
    match identity.via {
        Via::Session { .. } => Ok(identity),
        Via::Token { .. } => Err(AppError::SessionRequired),
    }
}

pub fn require_staff() -> Result<Identity, AppError> {
    let identity = require_user()?;
    if identity.is_staff() {
        Ok(identity)
    } else {
        Err(AppError::Forbidden)
    }
}
