//! Account operations shared by the portal's server functions and the `portal admin` commands.

use super::auth::passwords::{self, HashGate};
use super::auth::tokens;
use super::store::{Account, Store, StoreError};
use crate::account_rules;
use crate::model::Role;
use lifecycle::{FieldError, Rejection, Timestamp};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(Rejection),
    #[error("an account with that email already exists")]
    EmailTaken,
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Too many passwords are being hashed right now; nothing was done.
    #[error("the server is busy; try again in a moment")]
    Busy,
}

/// The PHC hash of `password`, computed in a turn of `gate`.
pub(crate) async fn hash_in_turn(gate: &HashGate, password: &str) -> Result<String, AccountError> {
    let _turn = gate.enter().await.map_err(|_| AccountError::Busy)?;
    passwords::hash(password.to_string())
        .await
        .map_err(AccountError::Hashing)
}

/// Checks the fields of a new account; every problem at once.
pub fn validate_new_account(
    display_name: &str,
    email: &str,
    password: &str,
) -> Result<(), Rejection> {
    let mut errors = Vec::new();
    if let Err(m) = account_rules::display_name(display_name) {
        errors.push(FieldError::new("display_name", m));
    }
    if let Err(m) = account_rules::email(email) {
        errors.push(FieldError::new("email", m));
    }
    if let Err(m) = account_rules::password(password) {
        errors.push(FieldError::new("password", m));
    }
    lifecycle::rejection::check(errors)
}

/// Creates an account; a customer gets a new subscription. Returns the account and its subscription id. The
/// fields and the email's availability are checked before the (slow, memory-hungry) password hash.
pub async fn create_account(
    store: &Store,
    gate: &HashGate,
    role: Role,
    display_name: &str,
    email: &str,
    password: &str,
    subscription: Option<&str>,
    now: Timestamp,
) -> Result<(Account, Option<String>), AccountError> {
    validate_new_account(display_name, email, password).map_err(AccountError::Invalid)?;
    let email = account_rules::normalize_email(email);
    if store.account_by_email(&email).await?.is_some() {
        return Err(AccountError::EmailTaken);
    }
    let hash = hash_in_turn(gate, password).await?;
    let subscription = match role {
        Role::Customer => Some(
            subscription
                .map(str::to_string)
                .unwrap_or_else(tokens::new_guid),
        ),
        Role::Staff => None,
    };
    // The email was free a moment ago; the unique index decides a race.
    let account = store
        .create_account(
            &email,
            display_name.trim(),
            role,
            &hash,
            subscription.as_deref(),
            now,
        )
        .await?
        .ok_or(AccountError::EmailTaken)?;
    Ok((account, subscription))
}

/// Sets a new password and ends every session of the account.
pub async fn reset_password(
    store: &Store,
    gate: &HashGate,
    account_id: i64,
    password: &str,
    now: Timestamp,
) -> Result<(), AccountError> {
    account_rules::password(password)
        .map_err(|m| AccountError::Invalid(Rejection::invalid("password", m)))?;
    let hash = hash_in_turn(gate, password).await?;
    store.set_password(account_id, &hash, now).await?;
    Ok(())
}

/// Creates an API token for the account; returns the token, shown once.
pub async fn create_token(
    store: &Store,
    account_id: i64,
    name: &str,
    now: Timestamp,
) -> Result<String, AccountError> {
    account_rules::token_name(name)
        .map_err(|m| AccountError::Invalid(Rejection::invalid("name", m)))?;
    let (token, prefix) = tokens::new_api_token();
    store
        .create_token(
            account_id,
            name.trim(),
            &tokens::sha256_hex(&token),
            &prefix,
            now,
        )
        .await?;
    Ok(token)
}
