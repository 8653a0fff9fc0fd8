//! Why a command was refused: typed, human-readable, and naming the field it concerns.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of refusal, which the HTTP layers map to a status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectionKind {
    /// The input itself is wrong (a field is missing or malformed): 400.
    InvalidInput,
    /// The input is fine but the job's state does not allow it now: 409.
    NotAllowedNow,
    /// The job (or drive, or intake) does not exist: 404.
    NotFound,
    /// A job with that name already exists and cannot be replaced: 409.
    AlreadyExists,
}

impl RejectionKind {
    pub fn http_status(self) -> u16 {
        match self {
            RejectionKind::InvalidInput => 400,
            RejectionKind::NotAllowedNow | RejectionKind::AlreadyExists => 409,
            RejectionKind::NotFound => 404,
        }
    }

    /// The ARM error code for this kind.
    pub fn code(self) -> &'static str {
        match self {
            RejectionKind::InvalidInput => "InvalidInput",
            RejectionKind::NotAllowedNow => "Conflict",
            RejectionKind::NotFound => "ResourceNotFound",
            RejectionKind::AlreadyExists => "Conflict",
        }
    }
}

/// One problem with one field, e.g. `returnAddress.email`: "must be an email address".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// JSON path of the field in the API's camelCase names (`driveList[1].bitLockerKey`).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, its field placed under `prefix` (`email` → `returnAddress.email`).
    pub fn under(mut self, prefix: &str) -> FieldError {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// A refused command. Nothing changed; `message` says why in words a customer understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub kind: RejectionKind,
    pub message: String,
    /// The field the refusal is about, if any.
    pub field: Option<String>,
    /// Every field problem found, when there are several (forms show them all at once).
    pub details: Vec<FieldError>,
}

impl Rejection {
    pub fn not_allowed(message: impl Into<String>) -> Rejection {
        Rejection {
            kind: RejectionKind::NotAllowedNow,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    pub fn not_allowed_field(field: &str, message: impl Into<String>) -> Rejection {
        Rejection {
            field: Some(field.to_string()),
            ..Rejection::not_allowed(message)
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Rejection {
        let message = message.into();
        Rejection {
            kind: RejectionKind::InvalidInput,
            details: vec![FieldError::new(field, message.clone())],
            message,
            field: Some(field.to_string()),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Rejection {
        Rejection {
            kind: RejectionKind::NotFound,
            message: message.into(),
            field: None,
            details: Vec::new(),
        }
    }

    pub fn already_exists(message: impl Into<String>) -> Rejection {
        Rejection {
            kind: RejectionKind::AlreadyExists,
            message: message.into(),
            field: Some("name".into()),
            details: Vec::new(),
        }
    }

    /// Several field errors at once; the first one is the headline.
    pub fn from_field_errors(errors: Vec<FieldError>) -> Option<Rejection> {
        let first = errors.first()?.clone();
        let message = if errors.len() == 1 {
            format!("{}: {}", first.field, first.message)
        } else {
            format!(
                "{} fields are invalid; first, {}: {}",
                errors.len(),
                first.field,
                first.message
            )
        };
        Some(Rejection {
            kind: RejectionKind::InvalidInput,
            message,
            field: Some(first.field),
            details: errors,
        })
    }

    /// The message for one field, if this rejection names it.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|d| d.field == field)
            .map(|d| d.message.as_str())
            .or_else(|| (self.field.as_deref() == Some(field)).then_some(self.message.as_str()))
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rejection {}

/// Turns a list of field errors into `Err` when it is not empty.
pub fn check(errors: Vec<FieldError>) -> Result<(), Rejection> {
    match Rejection::from_field_errors(errors) {
        Some(rejection) => Err(rejection),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_arm_status_codes() {
        assert_eq!(RejectionKind::InvalidInput.http_status(), 400);
        assert_eq!(RejectionKind::NotAllowedNow.http_status(), 409);
        assert_eq!(RejectionKind::AlreadyExists.http_status(), 409);
        assert_eq!(RejectionKind::NotFound.http_status(), 404);
    }

    #[test]
    fn field_errors_nest_under_their_parent() {
        assert_eq!(
            FieldError::new("email", "x").under("returnAddress").field,
            "returnAddress.email"
        );
        assert_eq!(
            FieldError::new("[2]", "x").under("driveList").field,
            "driveList[2]"
        );
        assert_eq!(FieldError::new("", "x").under("name").field, "name");
    }

    #[test]
    fn several_field_errors_make_one_rejection_that_names_each() {
        let r = Rejection::from_field_errors(vec![
            FieldError::new("name", "too short"),
            FieldError::new("location", "unknown"),
        ])
        .unwrap();
        assert_eq!(r.kind, RejectionKind::InvalidInput);
        assert_eq!(r.field.as_deref(), Some("name"));
        assert_eq!(r.message_for("location"), Some("unknown"));
        assert_eq!(r.message_for("storageAccountId"), None);
        assert!(r.message.starts_with("2 fields are invalid"));
        assert!(check(vec![]).is_ok());
    }
}
