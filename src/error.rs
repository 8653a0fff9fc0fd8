//! The error every server function returns: a lifecycle rejection (with the field it concerns), a missing or
//! forbidden resource, or an internal failure. It crosses the wire as JSON, and without JavaScript it travels
//! back to the re-rendered page in the redirect URL.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use lifecycle::Rejection;
use serde::{Deserialize, Serialize};

/// The most field problems a refused form reports: every field of the largest form (ten drives of five fields,
/// an address, the basics) fits many times over.
pub const MAX_FIELD_ERRORS: usize = 200;
/// The most values a refused form echoes back, and the longest of them (characters): the export form's blob
/// path lists are the longest text anyone types.
pub const MAX_ECHOED_VALUES: usize = 200;
pub const MAX_ECHO_CHARS: usize = 128 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request was understood and refused: invalid input, or not allowed in the job's state. Shown in the
    /// page's language (fields by their labels); the REST API answers the rejection itself, with ARM's `target`.
    #[error("{}", lifecycle::labels::page_message(.0))]
    Rejected(Rejection),
    /// A form was refused; `values` echoes what was typed (never passwords or keys) so a page rendered after a
    /// plain form post can show it again.
    #[error("{}", lifecycle::labels::page_message(.rejection))]
    Form {
        rejection: Rejection,
        values: Vec<(String, String)>,
    },
    #[error("Not found")]
    NotFound,
    #[error("Please sign in")]
    Unauthenticated,
    #[error("This is for support staff only")]
    Forbidden,
    /// Staff asked for a customer's own action (create, ship, cancel, change details): the data center acts
    /// through the console's operations instead.
    #[error(
        "Only the job's customer can do this; support staff act through the console's operations"
    )]
    CustomerOnly,
    /// Account management (password, API tokens) needs a signed-in browser, not an API token.
    #[error("Sign in to the portal to manage your account; API tokens cannot change passwords or tokens")]
    SessionRequired,
    /// Too many requests are checking passwords right now; nothing was done (503, `Retry-After`).
    #[error("The server is busy; please try again in a few seconds")]
    Busy,
    #[error("Something went wrong on our side; please try again. ({0})")]
    Internal(String),
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The HTTP status a JSON caller gets for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Rejected(r) | AppError::Form { rejection: r, .. } => r.kind.http_status(),
            AppError::NotFound => 404,
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::CustomerOnly | AppError::SessionRequired => 403,
            AppError::Busy => 503,
            AppError::Internal(_) => 500,
            AppError::ServerFn(ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_))
            | AppError::ServerFn(ServerFnErrorErr::Deserialization(_)) => 400,
            AppError::ServerFn(_) => 500,
        }
    }

    /// The message for one form field, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.rejection()
            .and_then(|r| r.message_for(field))
            .map(str::to_string)
    }

    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            AppError::Rejected(r) | AppError::Form { rejection: r, .. } => Some(r),
            _ => None,
        }
    }

    /// What the user typed into `field`, echoed back by a refused form.
    pub fn typed(&self, field: &str) -> Option<String> {
        match self {
            AppError::Form { values, .. } => values
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// A refused form: the rejection and what was typed.
    pub fn form(rejection: Rejection, values: &[(&str, &str)]) -> AppError {
        AppError::form_values(
            rejection,
            values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// A refused form, bounded: the refusal keeps at most `MAX_FIELD_ERRORS` field problems and the echo at
    /// most `MAX_ECHOED_VALUES` values of at most `MAX_ECHO_CHARS` characters each, however large the post
    /// was. (The page re-renders all of it; a crafted post must not decide how much.)
    pub fn form_values(mut rejection: Rejection, mut values: Vec<(String, String)>) -> AppError {
        rejection.details.truncate(MAX_FIELD_ERRORS);
        values.truncate(MAX_ECHOED_VALUES);
        for (_, v) in &mut values {
            if let Some((cut, _)) = v.char_indices().nth(MAX_ECHO_CHARS) {
                v.truncate(cut);
            }
        }
        AppError::Form { rejection, values }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

impl From<ServerFnErrorErr> for AppError {
    fn from(e: ServerFnErrorErr) -> Self {
        AppError::ServerFn(e)
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        AppError::Rejected(r)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::store::StoreError> for AppError {
    fn from(e: crate::server::store::StoreError) -> Self {
        use crate::server::store::StoreError;
        match e {
            StoreError::Rejected(r) => AppError::Rejected(r),
            StoreError::NotFound => AppError::NotFound,
            StoreError::Busy => AppError::Internal("the job was busy; please try again".into()),
            other => {
                tracing::error!(error = %other, "store failure");
                AppError::Internal("storage failure".into())
            }
        }
    }
}
