//! The error every server function returns: a lifecycle rejection (with the field it concerns), a missing or
//! forbidden resource, or an internal failure. It crosses the wire as JSON, and without JavaScript it travels
//! back to the re-rendered page in the redirect URL.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use lifecycle::Rejection;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request was understood and refused: invalid input, or not allowed in the job's state.
    #[error("{}", .0.message)]
    Rejected(Rejection),
    #[error("Not found")]
    NotFound,
    #[error("Please sign in")]
    Unauthenticated,
    #[error("Something went wrong on our side; please try again. ({0})")]
    Internal(String),
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    /// The message for one form field, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Rejected(r) => r.message_for(field).map(str::to_string),
            _ => None,
        }
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
