//! The account emails: verification of a new address, password reset, "you already have an account". Links
//! are single use and expire; only their SHA-256 is stored. Requests that send one are limited per client
//! address and per account (the sign-in limits' buckets), and answer the same whether the address has an
//! account or not.

use super::email::Written;
use super::public_url;
use crate::server::accounts::AccountError;
use crate::server::auth::tokens::{random_secret, sha256_hex};
use crate::server::state::AppState;
use crate::server::store::notifications::NewDelivery;
use crate::server::store::{Account, Bucket, StoreResult};
use chrono::TimeDelta;
use lifecycle::Timestamp;

/// A verification link works this long.
pub const VERIFY_FOR: TimeDelta = TimeDelta::hours(24);
/// A reset link works this long.
pub const RESET_FOR: TimeDelta = TimeDelta::hours(1);
/// Account emails (and test webhooks) one client address, or one account, may ask for per window.
pub const PER_WINDOW: i64 = 5;
pub const WINDOW: TimeDelta = TimeDelta::hours(1);

/// Takes a place in every one of `keys`' buckets, or says how long to wait.
pub async fn limited(
    app: &AppState,
    keys: &[String],
    now: Timestamp,
) -> StoreResult<Result<(), TimeDelta>> {
    let buckets: Vec<Bucket<'_>> = keys
        .iter()
        .map(|key| Bucket {
            key,
            limit: PER_WINDOW,
            window: WINDOW,
            backoff: None,
        })
        .collect();
    Ok(match app.store.take_attempt(&buckets, now).await? {
        None => Ok(()),
        Some(until) => Err((until - now).max(TimeDelta::seconds(1))),
    })
}

async fn queue(
    app: &AppState,
    account: &Account,
    topic: &str,
    written: Written,
    now: Timestamp,
) -> StoreResult<()> {
    app.store
        .queue_delivery(
            NewDelivery {
                message_id: format!("{topic}-{}-{}", account.id, &random_secret()[..16]),
                channel: "email",
                account_id: Some(account.id),
                webhook_id: None,
                recipient: &account.email,
                job_id: None,
                topic,
                payload: serde_json::to_string(&written)?,
                due: now,
                open_until: None,
            },
            now,
        )
        .await
}

/// Emails a new verification link to the account's address.
pub async fn send_verification(
    app: &AppState,
    account: &Account,
    now: Timestamp,
) -> StoreResult<()> {
    let token = random_secret();
    app.store
        .create_account_link(
            account.id,
            "verify",
            &sha256_hex(&token),
            now,
            now + VERIFY_FOR,
        )
        .await?;
    let base = public_url(app);
    let written = Written {
        subject: "Verify your email for the Import/Export portal".into(),
        text: format!(
            "Hello {},\n\nFollow this link within 24 hours to verify your email address, so that you can create \
             jobs and API tokens:\n{base}/verify-email?token={token}\n\nIf you did not sign up, ignore this email.\n",
            account.display_name
        ),
    };
    queue(app, account, "verify", written, now).await
}

/// Tells the owner of an address that someone signed up with it again.
pub async fn send_already_registered(
    app: &AppState,
    account: &Account,
    now: Timestamp,
) -> StoreResult<()> {
    let base = public_url(app);
    let written = Written {
        subject: "You already have an Import/Export portal account".into(),
        text: format!(
            "Someone (perhaps you) tried to sign up with this address, which already has an account.\n\n\
             Sign in: {base}/sign-in\nForgot your password? {base}/forgot-password\n"
        ),
    };
    queue(app, account, "already", written, now).await
}

/// Emails a reset link if `email` has an account; either way nothing tells the caller which.
pub async fn request_reset(app: &AppState, email: &str, now: Timestamp) -> StoreResult<()> {
    let email = crate::account_rules::normalize_email(email);
    let Some(account) = app.store.account_by_email(&email).await? else {
        return Ok(());
    };
    let token = random_secret();
    app.store
        .create_account_link(
            account.id,
            "reset",
            &sha256_hex(&token),
            now,
            now + RESET_FOR,
        )
        .await?;
    let base = public_url(app);
    let written = Written {
        subject: "Reset your Import/Export portal password".into(),
        text: format!(
            "Hello {},\n\nFollow this link within an hour to choose a new password:\n\
             {base}/reset-password?token={token}\n\nEvery session is signed out when you do. If you did not ask \
             for this, ignore this email: your password stays as it is.\n",
            account.display_name
        ),
    };
    queue(app, &account, "reset", written, now).await
}

/// Verifies the address of the link's account; `None`: the link is unknown, used or expired.
pub async fn verify(app: &AppState, token: &str, now: Timestamp) -> StoreResult<Option<i64>> {
    app.store
        .use_account_link("verify", &sha256_hex(token.trim()), now)
        .await
}

/// Sets a new password through a reset link (every session ends; API tokens too unless `keep_tokens`).
/// `Ok(None)`: the link is unknown, used or expired.
pub async fn reset(
    app: &AppState,
    token: &str,
    password: &str,
    keep_tokens: bool,
    now: Timestamp,
) -> Result<Option<i64>, AccountError> {
    crate::account_rules::password(password)
        .map_err(|m| AccountError::Invalid(lifecycle::Rejection::invalid("password", m)))?;
    let link = sha256_hex(token.trim());
    if app
        .store
        .account_link_owner("reset", &link, now)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    // Hashed before the link is used (in a turn of the bounded queue): a busy server leaves it usable.
    let password_hash = crate::server::accounts::hash_in_turn(&app.hashing, password).await?;
    let Some(account_id) = app.store.use_account_link("reset", &link, now).await? else {
        return Ok(None);
    };
    app.store
        .set_password(account_id, &password_hash, now)
        .await?;
    if !keep_tokens {
        app.store.revoke_all_tokens(account_id, now).await?;
    }
    Ok(Some(account_id))
}
