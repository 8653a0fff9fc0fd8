//! The signed-in person's account: password, subscriptions, API tokens, notifications and webhooks.

use crate::account_rules;
use crate::app::components::form::{Field, FormError, FormMessage};
use crate::app::components::time::Time;
use crate::app::resource::resource;
use crate::error::AppError;
use crate::model::{TokenInfo, UserInfo};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use lifecycle::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountData {
    pub user: UserInfo,
    pub tokens: Vec<TokenInfo>,
    /// A token created by a plain form post, shown once on the page that follows.
    pub new_token: Option<String>,
    pub now: Timestamp,
}

#[server(endpoint = "account_overview")]
pub async fn account_overview() -> Result<AccountData, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    // Only the page that follows a plain form post creating a token has one (opened from the flash by
    // `server::flash`, for this session only).
    let new_token = crate::server::flash::FreshToken::of(CreateToken::PATH);
    Ok(AccountData {
        tokens: app.store.tokens_of(identity.account_id).await?,
        user: identity.info(),
        new_token,
        now: app.clock.now(),
    })
}

/// What a password change did besides changing the password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    /// API tokens revoked with it (when asked to).
    pub tokens_revoked: u64,
}

impl PasswordChanged {
    pub fn message(&self) -> String {
        match self.tokens_revoked {
            0 => "Password changed. Other sessions were signed out.".to_string(),
            1 => "Password changed. Other sessions were signed out and 1 API token was revoked."
                .to_string(),
            n => format!(
                "Password changed. Other sessions were signed out and {n} API tokens were revoked."
            ),
        }
    }
}

/// Changes the password; every other session ends, and with `revoke_tokens` ("on", the form's default) every
/// API token of the account is revoked too (a password may be changed because it leaked, and tokens may have
/// been made with it).
#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
    revoke_tokens: Option<String>,
) -> Result<PasswordChanged, AppError> {
    use crate::server::accounts::{reset_password, AccountError};
    use crate::server::auth::{busy, is_form_post, passwords, require_session, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let account = app
        .store
        .account(identity.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let right = {
        let _turn = app.hashing.enter().await.map_err(|_| busy())?;
        passwords::verify(current, account.password_hash).await
    };
    if !right {
        return Err(AppError::Rejected(Rejection::invalid(
            "current",
            "The current password is wrong",
        )));
    }
    if new != confirm {
        return Err(AppError::Rejected(Rejection::invalid(
            "confirm",
            "The two new passwords differ",
        )));
    }
    let now = app.clock.now();
    match reset_password(&app.store, &app.hashing, account.id, &new, now).await {
        Ok(()) => {}
        Err(AccountError::Invalid(r)) => {
            return Err(AppError::Rejected(Rejection::invalid("new", r.message)));
        }
        Err(AccountError::Busy) => return Err(busy()),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    }
    let tokens_revoked = if revoke_tokens.is_some_and(|v| !v.is_empty() && v != "off") {
        app.store.revoke_all_tokens(account.id, now).await?
    } else {
        0
    };
    let done = PasswordChanged { tokens_revoked };
    let _ = app
        .store
        .audit(
            now,
            Some(account.id),
            &account.display_name,
            "password-changed",
            &format!("all sessions ended; {tokens_revoked} API token(s) revoked"),
            None,
        )
        .await;
    // Every session ended with the change; this browser continues in a fresh one.
    let (cookie, session) = sessions::start_with_id(&app, account.id).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, v);
    }
    // Without JavaScript the answer is a redirect back to the page: the page that follows says what was done.
    if is_form_post() {
        if let Ok(flash) = crate::server::flash::keep(
            &app,
            Some(session),
            crate::app::flash::FlashKind::Notice,
            ChangePassword::PATH,
            &done.message(),
        )
        .await
        {
            if let Ok(v) = axum::http::HeaderValue::from_str(&flash) {
                response.append_header(axum::http::header::SET_COOKIE, v);
            }
        }
    }
    Ok(done)
}

#[server(endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<String, AppError> {
    use crate::server::accounts::{self, AccountError};
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    crate::server::commands::require_verified_email(&app, &identity)
        .await
        .map_err(|e| match e {
            AppError::Rejected(r) => AppError::form(
                lifecycle::Rejection::not_allowed_field("name", r.message),
                &[("name", name.as_str())],
            ),
            other => other,
        })?;
    let now = app.clock.now();
    let token = match accounts::create_token(&app.store, identity.account_id, &name, now).await {
        Ok(t) => t,
        Err(AccountError::Invalid(r)) => return Err(AppError::form(r, &[("name", name.as_str())])),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    let _ = app
        .store
        .audit(
            now,
            Some(identity.account_id),
            &identity.display_name,
            "token-created",
            &format!("token \u{201c}{}\u{201d}", name.trim()),
            None,
        )
        .await;
    // Without JavaScript the reply is a redirect, so the page that follows shows the token once.
    crate::server::flash::keep_for_next_page(&app, &identity, CreateToken::PATH, &token).await?;
    Ok(token)
}

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), AppError> {
    use crate::server::auth::require_session;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let now = app.clock.now();
    if !app.store.revoke_token(identity.account_id, id, now).await? {
        return Err(AppError::NotFound);
    }
    let _ = app
        .store
        .audit(
            now,
            Some(identity.account_id),
            &identity.display_name,
            "token-revoked",
            &format!("token #{id}"),
            None,
        )
        .await;
    Ok(())
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let overview = resource(
        move || (create.version().get(), revoke.version().get()),
        |_| account_overview(),
    );
    let change_error: FormError =
        Signal::derive(move || change.value().get().and_then(|r| r.err()));
    let create_error: FormError =
        Signal::derive(move || create.value().get().and_then(|r| r.err()));
    // What the change did: the action's answer, or (without JavaScript) the notice the server kept for this
    // page.
    let kept_notice = crate::app::flash::notice_for(ChangePassword::PATH);
    let changed = move || match change.value().get() {
        Some(Ok(done)) => Some(done.message()),
        Some(Err(_)) => None,
        None => kept_notice.clone(),
    };
    let password_hint = format!(
        "At least {} characters. Signs you out everywhere else.",
        account_rules::PASSWORD_MIN
    );
    view! {
        <Title text="Account"/>
        <div class="page-head"><h1>"Account"</h1></div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => {
                        let fresh = create
                            .value()
                            .get_untracked()
                            .and_then(|r| r.ok())
                            .or(o.new_token.clone());
                        view! {
                            <section class="card" aria-labelledby="who-heading">
                                <h2 id="who-heading">"You"</h2>
                                <dl class="props">
                                    <dt>"Name"</dt><dd data-testid="account-name">{o.user.display_name.clone()}</dd>
                                    <dt>"Email"</dt><dd>{o.user.email.clone()}</dd>
                                    <dt>"Role"</dt><dd>{o.user.role.as_str()}</dd>
                                    <dt>"Subscriptions"</dt>
                                    <dd class="mono" data-testid="subscriptions">{o.user.subscriptions.join(", ")}</dd>
                                </dl>
                            </section>
                            <TokensCard tokens=o.tokens now=o.now fresh create revoke error=create_error/>
                        }
                        .into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <crate::app::pages::account_notifications::NotificationsCards/>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <FormMessage error=change_error/>
            {move || changed().map(|message| view! { <p class="success" role="status" data-testid="password-changed">{message}</p> })}
            <ActionForm action=change attr:class="stack narrow">
                <Field name="current" label="Current password" kind="password" autocomplete="current-password" required=true error=change_error/>
                <Field name="new" label="New password" kind="password" autocomplete="new-password" required=true error=change_error hint=password_hint check=account_rules::password/>
                <Field name="confirm" label="Repeat the new password" kind="password" autocomplete="new-password" required=true error=change_error/>
                <div class="field checkbox">
                    <input type="checkbox" id="field-revoke-tokens" name="revoke_tokens" value="on" checked=true/>
                    <label for="field-revoke-tokens">"Also revoke all my API tokens (programs using them must get new ones)"</label>
                </div>
                <button type="submit" class="button primary">"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn TokensCard(
    tokens: Vec<TokenInfo>,
    now: Timestamp,
    fresh: Option<String>,
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
    error: FormError,
) -> impl IntoView {
    let live = tokens.iter().filter(|t| t.revoked_at.is_none()).count();
    view! {
        <section class="card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"API tokens"</h2>
            <p class="hint">
                "Programs (the Azure SDK, scripts) use a token as "
                <code>"Authorization: Bearer …"</code>
                ". A token acts on your subscriptions only; it is shown once, so copy it when you create it. "
                <a href="/api-docs">"How to use the API"</a>
            </p>
            {fresh.map(|token| view! {
                <div class="notice" role="status">
                    <p>"Your new token (shown only now):"</p>
                    <code class="token" data-testid="new-token">{token}</code>
                </div>
            })}
            <FormMessage error/>
            <ActionForm action=create attr:class="inline-action">
                <Field name="name" label="Token name" required=true error echo=true check=account_rules::token_name/>
                <button type="submit" class="button primary">"Create token"</button>
            </ActionForm>
            {if tokens.is_empty() {
                view! { <p class="empty-hint">"No tokens yet. Create one for each program, so you can revoke them one by one."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">{format!("{live} active token(s).")}</p>
                    <div class="table-wrap">
                        <table data-testid="tokens-table">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Token"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th></tr></thead>
                            <tbody>
                                {tokens.into_iter().map(|t| {
                                    let name = t.name.clone();
                                    view! {
                                        <tr data-testid="token-row" data-token=t.name.clone()>
                                            <td>{t.name.clone()}</td>
                                            <td class="mono">{format!("{}…", t.prefix)}</td>
                                            <td><Time at=t.created_at now/></td>
                                            <td>{match t.last_used_at { Some(at) => view! { <Time at now/> }.into_any(), None => "Never".into_any() }}</td>
                                            <td>
                                                {match t.revoked_at {
                                                    Some(_) => view! { <span class="badge state-closed">"Revoked"</span> }.into_any(),
                                                    None => view! {
                                                        <ActionForm action=revoke attr:class="inline-action">
                                                            <input type="hidden" name="id" value=t.id/>
                                                            <button type="submit" class="button danger small" aria-label=format!("Revoke token {name}")>"Revoke"</button>
                                                        </ActionForm>
                                                    }.into_any(),
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
