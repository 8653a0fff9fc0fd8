//! Sign in, sign up, sign out. These forms are plain HTML posts with or without JavaScript: signing in or out
//! changes the whole page (header, navigation), so a full page load is what the user expects.

use crate::account_rules;
use crate::app::components::form::{Field, FormError, FormMessage};
use crate::error::AppError;
use crate::model::UserInfo;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where to go after signing in: a local path only, so the parameter cannot send users to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/api/") =>
        {
            n.to_string()
        }
        _ => "/jobs".to_string(),
    }
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserInfo>, AppError> {
    Ok(crate::server::auth::current().map(|i| i.info()))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::auth::{is_form_post, limits, passwords, remote_addr, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let email_key = account_rules::normalize_email(&email);
    let address = remote_addr();
    let now = app.clock.now();
    let echo = [("email", email.as_str())];
    if email_key.is_empty() || password.is_empty() {
        return Err(AppError::form(
            Rejection::invalid("email", "Enter your email and password"),
            &echo,
        ));
    }
    let attempt = match app
        .sign_in_limiter
        .attempt(&app.store, &email_key, address.as_deref(), now)
        .await?
    {
        Ok(attempt) => attempt,
        Err(wait) => {
            // A program gets 429 and Retry-After; the sign-in form (a plain form post, with or without
            // JavaScript) keeps its redirect back to the form, which shows the same message.
            if !is_form_post() {
                let response = expect_context::<leptos_axum::ResponseOptions>();
                response.set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
                if let Ok(v) = axum::http::HeaderValue::from_str(&wait.num_seconds().to_string()) {
                    response.insert_header(axum::http::header::RETRY_AFTER, v);
                }
            }
            return Err(AppError::form(
                Rejection::not_allowed_field("email", limits::wait_message(wait)),
                &echo,
            ));
        }
    };
    let account = app.store.account_by_email(&email_key).await?;
    let ok = match &account {
        Some(a) => passwords::verify(password, a.password_hash.clone()).await,
        None => {
            passwords::verify_nobody(password).await;
            false
        }
    };
    // A failure keeps the place it took in the counts.
    let Some(account) = account.filter(|_| ok) else {
        let _ = app
            .store
            .audit(
                now,
                None,
                &email_key,
                "sign-in-failed",
                "wrong email or password",
                address.as_deref(),
            )
            .await;
        return Err(AppError::form(
            Rejection::invalid("password", "The email or password is wrong"),
            &echo,
        ));
    };
    app.sign_in_limiter.succeeded(&app.store, attempt).await?;
    // A fresh session id at every sign-in (no fixation); the previous session of this browser ends.
    if let Some(identity) = crate::server::auth::current() {
        if let crate::server::auth::Via::Session { id_hash } = identity.via {
            app.store.delete_session(&id_hash).await?;
        }
    }
    let cookie = sessions::start(&app, account.id).await?;
    let _ = app
        .store
        .audit(
            now,
            Some(account.id),
            &account.display_name,
            "sign-in",
            "",
            address.as_deref(),
        )
        .await;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, v);
    }
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    display_name: String,
    email: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use crate::model::Role;
    use crate::server::accounts::{create_account, AccountError};
    use crate::server::auth::{remote_addr, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let echo = [
        ("display_name", display_name.as_str()),
        ("email", email.as_str()),
    ];
    if password != password_confirm {
        return Err(AppError::form(
            Rejection::invalid("password_confirm", "The two passwords differ"),
            &echo,
        ));
    }
    let now = app.clock.now();
    let account = match create_account(
        &app.store,
        Role::Customer,
        &display_name,
        &email,
        &password,
        None,
        now,
    )
    .await
    {
        Ok((account, _)) => account,
        Err(AccountError::Invalid(r)) => return Err(AppError::form(r, &echo)),
        Err(AccountError::EmailTaken) => {
            return Err(AppError::form(
                Rejection::invalid(
                    "email",
                    "An account with this email already exists; sign in instead",
                ),
                &echo,
            ))
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    let address = remote_addr();
    let _ = app
        .store
        .audit(
            now,
            Some(account.id),
            &account.display_name,
            "sign-up",
            "",
            address.as_deref(),
        )
        .await;
    let cookie = sessions::start(&app, account.id).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
        response.append_header(axum::http::header::SET_COOKIE, v);
    }
    leptos_axum::redirect("/jobs");
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::auth::{sessions, Via};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    if let Some(identity) = crate::server::auth::current() {
        if let Via::Session { id_hash } = &identity.via {
            app.store.delete_session(id_hash).await?;
        }
        let _ = app
            .store
            .audit(
                app.clock.now(),
                Some(identity.account_id),
                &identity.display_name,
                "sign-out",
                "",
                None,
            )
            .await;
    }
    let response = expect_context::<leptos_axum::ResponseOptions>();
    if let Ok(v) = axum::http::HeaderValue::from_str(&sessions::clear_cookie(&app)) {
        response.append_header(axum::http::header::SET_COOKIE, v);
    }
    leptos_axum::redirect("/sign-in");
    Ok(())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next");
    let action = ServerAction::<SignIn>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Sign in"/>
        <section class="auth-card card" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">"Sign in"</h1>
            <p class="hint">"Use the account you manage your import and export jobs with."</p>
            <FormMessage error/>
            <form method="post" action=SignIn::url() class="stack" data-testid="sign-in-form">
                <input type="hidden" name="next" value=next/>
                <Field name="email" label="Email" kind="email" autocomplete="username" required=true error echo=true/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error/>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
            <p class="hint">"New here? " <a href="/sign-up">"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let password_hint = format!("At least {} characters.", account_rules::PASSWORD_MIN);
    view! {
        <Title text="Create an account"/>
        <section class="auth-card card" aria-labelledby="sign-up-heading">
            <h1 id="sign-up-heading">"Create an account"</h1>
            <p class="hint">"Customer accounts get their own subscription for import and export jobs."</p>
            <FormMessage error/>
            <form method="post" action=SignUp::url() class="stack" data-testid="sign-up-form">
                <Field name="display_name" label="Your name" autocomplete="name" required=true error echo=true check=account_rules::display_name/>
                <Field name="email" label="Email" kind="email" autocomplete="email" required=true error echo=true check=account_rules::email/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password" required=true error hint=password_hint check=account_rules::password/>
                <Field name="password_confirm" label="Repeat the password" kind="password" autocomplete="new-password" required=true error/>
                <button type="submit" class="button primary">"Create account"</button>
            </form>
            <p class="hint">"Already have an account? " <a href="/sign-in">"Sign in"</a></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/jobs/3")), "/jobs/3");
        assert_eq!(safe_next(Some("//evil.example/")), "/jobs");
        assert_eq!(safe_next(Some("https://evil.example/")), "/jobs");
        assert_eq!(safe_next(Some("/\\evil.example")), "/jobs");
        assert_eq!(safe_next(Some("/api/sign_out")), "/jobs");
        assert_eq!(safe_next(None), "/jobs");
    }
}
