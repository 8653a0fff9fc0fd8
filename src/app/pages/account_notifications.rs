//! The Account page's notification parts: email verification, which emails to get, webhook endpoints and
//! their recent deliveries, and the emails sent lately.

use crate::app::components::form::{Field, FormError, FormMessage};
use crate::app::components::time::Time;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
#[cfg(feature = "ssr")]
use lifecycle::notify::Topic;
use lifecycle::Timestamp;
use serde::{Deserialize, Serialize};

/// One preference as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicChoice {
    pub key: String,
    pub label: String,
    pub on: bool,
}

/// One delivery as the Account page (and the staff timeline) lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryInfo {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub topic: String,
    pub status: String,
    pub attempts: i64,
    pub last_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub last_at: Option<Timestamp>,
    /// Each attempt, oldest first (the staff timeline lists them; elsewhere empty).
    #[serde(default)]
    pub attempt_log: Vec<AttemptInfo>,
}

/// One attempt to deliver a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptInfo {
    pub at: Timestamp,
    pub ok: bool,
    pub code: Option<i64>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookInfo {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub disabled: bool,
    pub created_at: Timestamp,
    pub deliveries: Vec<DeliveryInfo>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsOverview {
    pub verified: bool,
    /// Staff choose the attention queue and have no webhooks.
    pub staff: bool,
    pub topics: Vec<TopicChoice>,
    pub webhooks: Vec<WebhookInfo>,
    pub emails: Vec<DeliveryInfo>,
    /// After a plain form post (no JavaScript) that added an endpoint or rotated its secret: the secret, shown
    /// once on the page the redirect leads to.
    #[serde(default)]
    pub fresh_secret: Option<String>,
    pub now: Timestamp,
}

/// A new endpoint: its id and signing secret (shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWebhook {
    pub id: i64,
    pub secret: String,
}

/// The topics a person chooses from: a customer's about their jobs, staff's the attention queue.
#[cfg(feature = "ssr")]
fn topics_for(staff: bool) -> impl Iterator<Item = Topic> {
    Topic::ALL
        .into_iter()
        .filter(move |t| (*t == Topic::AttentionQueue) == staff)
}

#[cfg(feature = "ssr")]
pub(crate) fn delivery_info(d: crate::server::store::Delivery) -> DeliveryInfo {
    DeliveryInfo {
        id: d.id,
        channel: d.channel,
        recipient: d.recipient,
        topic: d.topic,
        status: d.status,
        attempts: d.attempts,
        last_code: d.last_code,
        last_error: d.last_error,
        created_at: d.created_at,
        last_at: d.last_at,
        attempt_log: Vec::new(),
    }
}

/// Recent deliveries listed per endpoint, and emails listed.
#[cfg(feature = "ssr")]
const RECENT: i64 = 10;

#[server(endpoint = "notification_settings")]
pub async fn notification_settings() -> Result<NotificationsOverview, AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let prefs = app.store.preferences(identity.account_id).await?;
    let mut webhooks = Vec::new();
    for w in app.store.webhooks_of(identity.account_id).await? {
        webhooks.push(WebhookInfo {
            id: w.id,
            url: w.url,
            events: w.events,
            disabled: w.disabled_at.is_some(),
            created_at: w.created_at,
            deliveries: app
                .store
                .deliveries_of_webhook(w.id, RECENT)
                .await?
                .into_iter()
                .map(delivery_info)
                .collect(),
        });
    }
    Ok(NotificationsOverview {
        verified: app.store.email_verified(identity.account_id).await?,
        staff: identity.is_staff(),
        topics: topics_for(identity.is_staff())
            .map(|t| TopicChoice {
                key: t.as_str().to_string(),
                label: t.label().to_string(),
                on: prefs.wants(t),
            })
            .collect(),
        webhooks,
        emails: app
            .store
            .emails_to(identity.account_id, RECENT)
            .await?
            .into_iter()
            .map(delivery_info)
            .collect(),
        fresh_secret: crate::server::flash::FreshToken::of(CreateWebhook::PATH)
            .or_else(|| crate::server::flash::FreshToken::of(RotateWebhookSecret::PATH)),
        now: app.clock.now(),
    })
}

/// Sends a new verification link (limited per account and per client address).
#[server(endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::server::auth::{remote_addr, require_session};
    use crate::server::notifications::accounts::{limited, send_verification};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    if app.store.email_verified(identity.account_id).await? {
        return Ok(());
    }
    let now = app.clock.now();
    let mut keys = vec![format!("verify:account:{}", identity.account_id)];
    if let Some(address) = remote_addr() {
        keys.push(format!("verify:address:{address}"));
    }
    if let Err(wait) = limited(&app, &keys, now).await? {
        crate::server::auth::retry_after(wait.num_seconds());
        return Err(AppError::Rejected(lifecycle::Rejection::not_allowed(
            format!(
                "A link was sent several times already; try again in {} minute(s)",
                (wait.num_seconds() + 59) / 60
            ),
        )));
    }
    let account = app
        .store
        .account(identity.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    send_verification(&app, &account, now).await?;
    Ok(())
}

/// Saves which emails the person gets: each topic is on when its box was ticked.
#[server(endpoint = "set_notification_preferences")]
pub async fn set_notification_preferences(
    state_changes: Option<String>,
    drives: Option<String>,
    deadlines: Option<String>,
    return_address: Option<String>,
    shipped_back: Option<String>,
    unmatched_intake: Option<String>,
    cancellation: Option<String>,
    attention_queue: Option<String>,
) -> Result<(), AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    use crate::server::store::notifications::Preferences;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let ticked = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty() && v != "off");
    let mut prefs = Preferences::default();
    for (topic, value) in [
        (Topic::StateChanges, &state_changes),
        (Topic::Drives, &drives),
        (Topic::Deadlines, &deadlines),
        (Topic::ReturnAddress, &return_address),
        (Topic::ShippedBack, &shipped_back),
        (Topic::UnmatchedIntake, &unmatched_intake),
        (Topic::Cancellation, &cancellation),
        (Topic::AttentionQueue, &attention_queue),
    ] {
        // Only the choices the page offered this person: the others keep their defaults.
        if topics_for(identity.is_staff()).any(|t| t == topic) {
            prefs.0.insert(topic.as_str().to_string(), ticked(value));
        }
    }
    app.store
        .set_preferences(identity.account_id, &prefs)
        .await?;
    if crate::server::auth::is_form_post() {
        crate::server::auth::redirect("/account#notifications");
    }
    Ok(())
}

/// Registers a webhook endpoint for `events` (comma- or space-separated event types; empty: all). The
/// answer's secret is shown once.
#[server(endpoint = "create_webhook")]
pub async fn create_webhook(url: String, events: Option<String>) -> Result<NewWebhook, AppError> {
    use crate::server::auth::require_session;
    use crate::server::notifications::webhooks::{check_url, new_secret};
    use crate::server::state::AppState;
    use lifecycle::notify::WEBHOOK_TYPES;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let echo = [
        ("url", url.as_str()),
        ("events", events.as_deref().unwrap_or("")),
    ];
    if identity.is_staff() {
        return Err(AppError::CustomerOnly);
    }
    crate::server::commands::require_verified_email(&app, &identity).await?;
    let allow_private = app.config.notifications.webhook_allow_private;
    let checked = check_url(&url, allow_private)
        .map_err(|m| AppError::form(Rejection::invalid("url", format!("The URL {m}")), &echo))?;
    // A name is looked up now as well (deliveries check the address they connect to again): one that leads
    // only to loopback or private addresses is refused here rather than failing for a day.
    crate::server::notifications::webhooks::check_resolves(&checked, allow_private)
        .await
        .map_err(|m| AppError::form(Rejection::invalid("url", format!("The URL {m}")), &echo))?;
    let mut chosen = Vec::new();
    for word in events
        .as_deref()
        .unwrap_or("")
        .split([',', ' '])
        .filter(|w| !w.is_empty())
        .take(WEBHOOK_TYPES.len() + 1)
    {
        let name = word.trim_start_matches("Microsoft.ImportExport.");
        match WEBHOOK_TYPES.iter().find(|t| **t == name) {
            Some(t) if !chosen.iter().any(|c: &String| c == t) => chosen.push(t.to_string()),
            Some(_) => {}
            None => {
                return Err(AppError::form(
                    Rejection::invalid(
                        "events",
                        format!(
                            "'{}' is not an event type; use {}",
                            word.chars().take(60).collect::<String>(),
                            WEBHOOK_TYPES.join(", ")
                        ),
                    ),
                    &echo,
                ))
            }
        }
    }
    let secret = new_secret();
    let now = app.clock.now();
    let Some(id) = app
        .store
        .create_webhook(identity.account_id, checked.as_str(), &chosen, &secret, now)
        .await?
    else {
        return Err(AppError::form(
            Rejection::not_allowed_field(
                "url",
                format!(
                    "You have {} endpoints already, the most an account may have; delete one first",
                    crate::server::store::notifications::MAX_WEBHOOKS
                ),
            ),
            &echo,
        ));
    };
    let _ = app
        .store
        .audit(
            now,
            Some(identity.account_id),
            &identity.display_name,
            "webhook-created",
            checked.as_str(),
            None,
        )
        .await;
    crate::server::flash::keep_for_next_page(&app, &identity, CreateWebhook::PATH, &secret).await?;
    Ok(NewWebhook { id, secret })
}

/// The endpoint `id` if it is the caller's.
#[cfg(feature = "ssr")]
async fn own_webhook(
    app: &crate::server::state::AppState,
    identity: &crate::server::auth::Identity,
    id: i64,
) -> Result<crate::server::store::Webhook, AppError> {
    match app.store.webhook(id).await? {
        Some(w) if w.account_id == identity.account_id => Ok(w),
        _ => Err(AppError::NotFound),
    }
}

#[server(endpoint = "delete_webhook")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    if !app.store.delete_webhook(identity.account_id, id).await? {
        return Err(AppError::NotFound);
    }
    let _ = app
        .store
        .audit(
            app.clock.now(),
            Some(identity.account_id),
            &identity.display_name,
            "webhook-deleted",
            &format!("endpoint #{id}"),
            None,
        )
        .await;
    Ok(())
}

/// Re-enables an endpoint disabled after a day of failures.
#[server(endpoint = "enable_webhook")]
pub async fn enable_webhook(id: i64) -> Result<(), AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    own_webhook(&app, &identity, id).await?;
    app.store.set_webhook_disabled(id, None).await?;
    Ok(())
}

/// A new secret for the endpoint; the old one keeps signing beside it for a day.
#[server(endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: i64) -> Result<String, AppError> {
    use crate::server::auth::require_session;
    use crate::server::notifications::webhooks::{new_secret, ROTATION_OVERLAP};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    own_webhook(&app, &identity, id).await?;
    let secret = new_secret();
    app.store
        .rotate_webhook_secret(id, &secret, app.clock.now() + ROTATION_OVERLAP)
        .await?;
    crate::server::flash::keep_for_next_page(&app, &identity, RotateWebhookSecret::PATH, &secret)
        .await?;
    Ok(secret)
}

/// Queues a test event to the endpoint (limited per account and per client address).
#[server(endpoint = "send_test_webhook")]
pub async fn send_test_webhook(id: i64) -> Result<(), AppError> {
    use crate::server::auth::{remote_addr, require_session};
    use crate::server::notifications::accounts::limited;
    use crate::server::state::AppState;
    use crate::server::store::notifications::NewDelivery;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let endpoint = own_webhook(&app, &identity, id).await?;
    let now = app.clock.now();
    let mut keys = vec![format!("test-webhook:account:{}", identity.account_id)];
    if let Some(address) = remote_addr() {
        keys.push(format!("test-webhook:address:{address}"));
    }
    if let Err(wait) = limited(&app, &keys, now).await? {
        crate::server::auth::retry_after(wait.num_seconds());
        return Err(AppError::Rejected(lifecycle::Rejection::not_allowed(
            format!(
                "Too many test events; try again in {} minute(s)",
                (wait.num_seconds() + 59) / 60
            ),
        )));
    }
    let message_id = format!(
        "msg_test_{}_{}",
        id,
        &crate::server::auth::tokens::random_secret()[..16]
    );
    let event = serde_json::json!({
        "specversion": "1.0",
        "id": message_id,
        "source": "/providers/Microsoft.ImportExport",
        "type": "Microsoft.ImportExport.Test",
        "time": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "datacontenttype": "application/json",
        "data": { "message": "A test event from the Import/Export portal" },
    });
    app.store
        .queue_delivery(
            NewDelivery {
                message_id,
                channel: "webhook",
                account_id: Some(identity.account_id),
                webhook_id: Some(id),
                recipient: &endpoint.url,
                job_id: None,
                topic: "test",
                payload: event.to_string(),
                due: now,
                open_until: None,
            },
            now,
        )
        .await?;
    Ok(())
}

/// An endpoint's recent deliveries, newest first.
#[server(endpoint = "webhook_deliveries")]
pub async fn webhook_deliveries(id: i64) -> Result<Vec<DeliveryInfo>, AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    own_webhook(&app, &identity, id).await?;
    Ok(app
        .store
        .deliveries_of_webhook(id, 50)
        .await?
        .into_iter()
        .map(delivery_info)
        .collect())
}

/// Staff: every notification of a job, newest first (read from the delivery log: deliveries are not job
/// events).
#[server(endpoint = "staff_job_notifications")]
pub async fn staff_job_notifications(id: i64) -> Result<Vec<DeliveryInfo>, AppError> {
    use crate::server::auth::require_staff;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    require_staff()?;
    let mut deliveries: Vec<DeliveryInfo> = app
        .store
        .deliveries_of_job(id, 100)
        .await?
        .into_iter()
        .map(delivery_info)
        .collect();
    // Every attempt of these deliveries, in one query.
    let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    for attempt in app.store.attempts_of(&ids).await? {
        if let Some(d) = deliveries.iter_mut().find(|d| d.id == attempt.delivery_id) {
            d.attempt_log.push(AttemptInfo {
                at: attempt.at,
                ok: attempt.ok,
                code: attempt.code,
                error: attempt.error,
            });
        }
    }
    Ok(deliveries)
}

/// A job's notifications on the staff timeline, collapsed.
#[component]
pub fn JobNotifications(id: i64, now: Timestamp) -> impl IntoView {
    let log = crate::app::resource::resource(move || id, staff_job_notifications);
    view! {
        <details class="notifications" data-testid="job-notifications">
            <summary>"Notifications sent about this job"</summary>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match log.await {
                        Ok(deliveries) => view! { <DeliveryTable deliveries now empty="No notifications about this job."/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </details>
    }
}

/// What a delivery's outcome reads as.
pub fn outcome_text(d: &DeliveryInfo) -> String {
    let code = d.last_code.map(|c| format!(" ({c})")).unwrap_or_default();
    match d.status.as_str() {
        "delivered" => format!("Delivered{code}"),
        "failed" => format!("Failed after {} attempt(s){code}", d.attempts),
        _ if d.attempts == 0 => "Waiting".to_string(),
        _ => format!("Retrying: {} attempt(s) failed{code}", d.attempts),
    }
}

#[component]
pub fn NotificationsCards() -> impl IntoView {
    let resend = ServerAction::<ResendVerification>::new();
    let save = ServerAction::<SetNotificationPreferences>::new();
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let test = ServerAction::<SendTestWebhook>::new();
    let enable = ServerAction::<EnableWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let settings = crate::app::resource::resource(
        move || {
            (
                save.version().get(),
                create.version().get(),
                delete.version().get(),
                test.version().get(),
                enable.version().get(),
                rotate.version().get(),
            )
        },
        |_| notification_settings(),
    );
    let create_error: FormError =
        Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let resend_error: FormError =
        Signal::derive(move || resend.value().get().and_then(|r| r.err()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => {
                        let now = s.now;
                        let secret = create.value().get_untracked().and_then(|r| r.ok()).map(|n| n.secret)
                            .or_else(|| rotate.value().get_untracked().and_then(|r| r.ok()))
                            .or(s.fresh_secret.clone());
                        view! {
                            <section class="card" id="notifications" aria-labelledby="notifications-heading">
                                <h2 id="notifications-heading">"Email notifications"</h2>
                                {if s.verified {
                                    view! { <p class="hint" data-testid="email-verified-status">"Your email address is verified."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="notice" role="status" data-testid="email-unverified">
                                            <p>"Your email address is not verified yet: follow the link we emailed you to create jobs and API tokens."</p>
                                            <FormMessage error=resend_error/>
                                            {move || matches!(resend.value().get(), Some(Ok(()))).then(|| view! { <p class="success" role="status">"A new link is on its way."</p> })}
                                            <ActionForm action=resend attr:class="inline-action">
                                                <button type="submit" class="button small">"Send a new link"</button>
                                            </ActionForm>
                                        </div>
                                    }.into_any()
                                }}
                                <ActionForm action=save attr:class="stack">
                                    <fieldset>
                                        <legend>"Email me when"</legend>
                                        {s.topics.into_iter().map(|t| {
                                            let id = format!("topic-{}", t.key);
                                            let name = field_of(&t.key);
                                            view! {
                                                <div class="field checkbox">
                                                    <input type="checkbox" id=id.clone() name=name value="on" checked=t.on/>
                                                    <label for=id>{t.label}</label>
                                                </div>
                                            }
                                        }).collect_view()}
                                    </fieldset>
                                    <p class="hint">"Changes to one job within a minute arrive as one email. Warnings before anything that cannot be undone come with the deadlines and unmatched-package choices above: keep those on to hear of them in time."</p>
                                    <button type="submit" class="button primary">"Save email choices"</button>
                                    {move || matches!(save.value().get(), Some(Ok(()))).then(|| view! { <p class="success" role="status" data-testid="preferences-saved">"Saved."</p> })}
                                </ActionForm>
                                <h3>"Recent emails"</h3>
                                <DeliveryTable deliveries=s.emails now empty="No emails sent yet."/>
                            </section>
                            {(!s.staff).then(|| view! {
                            <section class="card" id="webhooks" aria-labelledby="webhooks-heading">
                                <h2 id="webhooks-heading">"Webhooks"</h2>
                                <p class="hint">
                                    "Programs can receive an event for every change to your jobs: CloudEvents 1.0 JSON, signed per the Standard Webhooks specification. "
                                    "Event types: " <code>"JobCreated, JobStateChanged, DriveStateChanged, JobCancelled, JobNeedsAttention"</code> "."
                                </p>
                                {secret.map(|secret| view! {
                                    <div class="notice" role="status">
                                        <p>"The endpoint's signing secret (shown only now):"</p>
                                        <code class="token" data-testid="webhook-secret">{secret}</code>
                                    </div>
                                })}
                                <FormMessage error=create_error/>
                                <ActionForm action=create attr:class="stack narrow">
                                    <Field name="url" label="Endpoint URL (https://…)" kind="url" required=true error=create_error echo=true/>
                                    <Field name="events" label="Event types (comma-separated; empty for all)" error=create_error echo=true/>
                                    <button type="submit" class="button primary">"Add endpoint"</button>
                                </ActionForm>
                                {if s.webhooks.is_empty() {
                                    view! { <p class="empty-hint">"No endpoints yet. Add one to have your programs hear about changes as they happen."</p> }.into_any()
                                } else {
                                    s.webhooks.into_iter().map(|w| {
                                        let test_label = format!("Send a test event to {}", w.url);
                                        let delete_label = format!("Delete endpoint {}", w.url);
                                        view! {
                                            <article class="webhook" data-testid="webhook" data-url=w.url.clone()>
                                                <h3 class="mono">{w.url.clone()}</h3>
                                                <p class="hint">
                                                    {if w.events.is_empty() { "All event types".to_string() } else { w.events.join(", ") }}
                                                    " · added " <Time at=w.created_at now/>
                                                    {w.disabled.then(|| view! { " · " <span class="badge state-failed">"Disabled after a day of failures"</span> })}
                                                </p>
                                                <div class="actions">
                                                    {w.disabled.then(|| view! {
                                                        <ActionForm action=enable attr:class="inline-action">
                                                            <input type="hidden" name="id" value=w.id/>
                                                            <button type="submit" class="button small">"Re-enable"</button>
                                                        </ActionForm>
                                                    })}
                                                    <ActionForm action=test attr:class="inline-action">
                                                        <input type="hidden" name="id" value=w.id/>
                                                        <button type="submit" class="button small" aria-label=test_label>"Send test event"</button>
                                                    </ActionForm>
                                                    <ActionForm action=rotate attr:class="inline-action">
                                                        <input type="hidden" name="id" value=w.id/>
                                                        <button type="submit" class="button small">"Rotate secret"</button>
                                                    </ActionForm>
                                                    <ActionForm action=delete attr:class="inline-action">
                                                        <input type="hidden" name="id" value=w.id/>
                                                        <button type="submit" class="button danger small" aria-label=delete_label>"Delete"</button>
                                                    </ActionForm>
                                                </div>
                                                <DeliveryTable deliveries=w.deliveries now empty="No deliveries yet."/>
                                            </article>
                                        }
                                    }).collect_view().into_any()
                                }}
                            </section>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form field of a topic (`stateChanges` → `state_changes`).
fn field_of(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[component]
pub fn DeliveryTable(
    deliveries: Vec<DeliveryInfo>,
    now: Timestamp,
    empty: &'static str,
) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="empty-hint">{empty}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table data-testid="deliveries">
                <thead><tr><th scope="col">"What"</th><th scope="col">"To"</th><th scope="col">"Queued"</th><th scope="col">"Outcome"</th><th scope="col">"Attempts"</th><th scope="col">"Last attempt"</th></tr></thead>
                <tbody>
                    {deliveries.into_iter().map(|d| {
                        let outcome = outcome_text(&d);
                        let log = d.attempt_log.clone();
                        view! {
                            <tr data-testid="delivery" data-status=d.status.clone()>
                                <td>{d.topic.clone()}</td>
                                <td class="mono">{d.recipient.clone()}</td>
                                <td><Time at=d.created_at now/></td>
                                <td title=d.last_error.clone().unwrap_or_default()>{outcome}</td>
                                <td data-testid="delivery-attempts">
                                    {d.attempts}
                                    {(!log.is_empty()).then(|| view! {
                                        <ol class="attempts" data-testid="attempt-log">
                                            {log.into_iter().map(|a| {
                                                let result = match (a.ok, a.code, a.error) {
                                                    (true, Some(c), _) => format!("delivered ({c})"),
                                                    (true, None, _) => "delivered".to_string(),
                                                    (false, code, error) => format!(
                                                        "failed{}{}",
                                                        code.map(|c| format!(" ({c})")).unwrap_or_default(),
                                                        error.map(|e| format!(": {e}")).unwrap_or_default()
                                                    ),
                                                };
                                                view! { <li data-testid="attempt"><Time at=a.at now/>" — "{result}</li> }
                                            }).collect_view()}
                                        </ol>
                                    })}
                                </td>
                                <td>{match d.last_at { Some(at) => view! { <Time at now/> }.into_any(), None => "—".into_any() }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_become_form_fields() {
        assert_eq!(field_of("stateChanges"), "state_changes");
        assert_eq!(field_of("drives"), "drives");
        assert_eq!(field_of("unmatchedIntake"), "unmatched_intake");
    }
}
