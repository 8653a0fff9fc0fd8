//! The one path every job change takes, from the portal, the console and the REST API alike: tenancy check,
//! role check, the lifecycle's decision in one transaction (whose reaction, live pages and notifications, is
//! `server::changes`'s). (Staff actions are audited where they enter, by
//! `auth::staff_audit`, for every console operation alike.)

use super::auth::Identity;
use super::state::AppState;
use super::store::StoredJob;
use crate::error::AppError;
use lifecycle::{Command, Event, NewJob};

/// The job, if this caller may see it. Another customer's job is "not found", never "forbidden".
pub async fn visible_job(
    app: &AppState,
    identity: &Identity,
    job_id: i64,
) -> Result<StoredJob, AppError> {
    match app.store.job(job_id).await? {
        Some(job) if identity.can_access(&job.subscription_id) => Ok(job),
        _ => Err(AppError::NotFound),
    }
}

/// Runs `commands` on the job as `identity`, all or nothing. Roles are checked first (they need no job);
/// tenancy where the job is read, in the command's transaction.
pub async fn run(
    app: &AppState,
    identity: &Identity,
    job_id: i64,
    commands: &[Command],
) -> Result<(StoredJob, Vec<Event>), AppError> {
    // Operator commands are the data center's; customer commands are the customer's own (staff correct a
    // customer's details through operator commands such as CorrectReturnAddress).
    let operator = commands.iter().any(|c| matches!(c, Command::Operator(_)));
    let customer = commands.iter().any(|c| matches!(c, Command::Customer(_)));
    if operator && !identity.is_staff() {
        return Err(AppError::Forbidden);
    }
    if customer && identity.is_staff() {
        return Err(AppError::CustomerOnly);
    }
    let now = app.clock.now();
    // The job is read once, in the command's transaction; another customer's job is "not found" there.
    let visible = |subscription: &str| identity.can_access(subscription);
    let (stored, events) = app
        .store
        .execute_visible(
            job_id,
            &visible,
            commands,
            &identity.actor(),
            now,
            app.settings(),
        )
        .await?;
    Ok((stored, events))
}

/// Creates a job in one of the caller's own subscriptions, or replaces it while it is `Creating` (the API's
/// PUT). Returns the job and whether it is new. Staff create no jobs: they act as the data center.
pub async fn create(
    app: &AppState,
    identity: &Identity,
    subscription_id: &str,
    resource_group: &str,
    new: NewJob,
) -> Result<(StoredJob, bool), AppError> {
    if identity.is_staff() {
        return Err(AppError::CustomerOnly);
    }
    require_verified_email(app, identity).await?;
    let Some(subscription) = identity
        .subscriptions
        .iter()
        .find(|s| s.eq_ignore_ascii_case(subscription_id))
    else {
        return Err(AppError::NotFound);
    };
    let now = app.clock.now();
    let (stored, created) = app
        .store
        .put_job(
            subscription,
            resource_group,
            new,
            &identity.actor(),
            now,
            app.settings(),
        )
        .await?;
    Ok((stored, created))
}

/// Creating jobs and API tokens needs a verified email address (the address notices about them go to).
pub async fn require_verified_email(app: &AppState, identity: &Identity) -> Result<(), AppError> {
    if app.store.email_verified(identity.account_id).await? {
        return Ok(());
    }
    Err(AppError::Rejected(lifecycle::Rejection::not_allowed(
        "Verify your email address first: follow the link we emailed you, or ask for a new one on your Account page",
    )))
}
