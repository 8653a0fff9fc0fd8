//! Who is asking: sessions (browsers) and API tokens (programs), roles, tenancy, CSRF, limits and headers.
//! Every request passes `middleware::identify` and `middleware::guard`; server functions and API handlers
//! check again with `require_user` / `require_staff` and `Identity::can_access`.

pub mod limits;
pub mod middleware;
pub mod passwords;
pub mod policy;
pub mod sessions;
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

    /// How this caller appears in job timelines.
    pub fn actor(&self) -> Actor {
        match &self.via {
            Via::Token { name, .. } => Actor {
                kind: ActorKind::Api,
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

/// The client's address, as seen by this server (a request extension).
#[derive(Clone, Debug, Default)]
pub struct RemoteAddr(pub Option<String>);

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
            .and_then(|a| a.0.clone())
    })
}

pub fn require_user() -> Result<Identity, AppError> {
    current().ok_or(AppError::Unauthenticated)
}

pub fn require_staff() -> Result<Identity, AppError> {
    let identity = require_user()?;
    if identity.is_staff() {
        Ok(identity)
    } else {
        Err(AppError::Forbidden)
    }
}
