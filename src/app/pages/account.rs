//! The signed-in person's account: password, subscriptions and API tokens.

use crate::account_rules;
use crate::app::components::form::{Field, FormError, FormMessage};
use crate::app::components::time::Time;
use crate::app::resource::resource;
use crate::error::AppError;
use crate::model::{TokenInfo, UserInfo};
use leptos::prelude::*;
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
    use crate::server::auth::{require_user, Via};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let new_token = match &identity.via {
        Via::Session { id_hash } => app.store.take_flash(id_hash).await?,
        Via::Token { .. } => None,
    };
    Ok(AccountData {
        tokens: app.store.tokens_of(identity.account_id).await?,
        user: identity.info(),
        new_token,
        now: app.clock.now(),
    })
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current: String,
    new: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::accounts::{reset_password, AccountError};
    use crate::server::auth::{passwords, require_session, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
    let account = app
        .store
        .account(identity.account_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !passwords::verify(current, account.password_hash).await {
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
    match reset_password(&app.store, account.id, &new, now).await {
        Ok(()) => {}
        Err(AccountError::Invalid(r)) => {
            return Err(AppError::Rejected(Rejection::invalid("new", r.message)));
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    }
    let _ = app
        .store
        .audit(
            now,
            Some(account.id),
            &account.display_name,
            "password-changed",
            "all sessions ended",
            None,
        )
        .await;
    // Every session ended with the change; this browser continues in a fresh one.
    let cookie = sessions::start(&app, account.id).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, v);
    }
    Ok(())
}

#[server(endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<String, AppError> {
    use crate::server::accounts::{self, AccountError};
    use crate::server::auth::{is_form_post, require_session, Via};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_session()?;
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
    if is_form_post() {
        if let Via::Session { id_hash } = &identity.via {
            app.store.set_flash(id_hash, &token).await?;
        }
    }
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
    let changed = move || matches!(change.value().get(), Some(Ok(())));
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
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <FormMessage error=change_error/>
            {move || changed().then(|| view! { <p class="success" role="status" data-testid="password-changed">"Password changed. Other sessions were signed out."</p> })}
            <ActionForm action=change attr:class="stack narrow">
                <Field name="current" label="Current password" kind="password" autocomplete="current-password" required=true error=change_error/>
                <Field name="new" label="New password" kind="password" autocomplete="new-password" required=true error=change_error hint=password_hint check=account_rules::password/>
                <Field name="confirm" label="Repeat the new password" kind="password" autocomplete="new-password" required=true error=change_error/>
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
