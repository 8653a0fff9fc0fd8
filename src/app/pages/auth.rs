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

/// The longest `next` kept (characters).
pub const NEXT_MAX: usize = 2048;

/// Where to go after signing in: a path of this site, written only with characters a URL carries as they are
/// (RFC 3986's unreserved and sub-delimiters, `:`, `@`, `/`, `?` and `%XX` escapes), so that it is a relative
/// reference with no scheme or host, and a valid `Location` value, in every browser: no whitespace or control
/// character (browsers drop tabs and newlines, turning `/<TAB>/evil.example` into `//evil.example`), no
/// backslash (read as `/`), no `//` at the start (another host). Anything else goes to the jobs page.
pub fn safe_next(next: Option<&str>) -> String {
    fn is_url_safe(s: &str) -> bool {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                    if !(hex(i + 1) && hex(i + 2)) {
                        return false;
                    }
                    i += 3;
                    continue;
                }
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => {}
                b'-' | b'.' | b'_' | b'~' => {}
                b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {}
                b':' | b'@' | b'/' | b'?' => {}
                _ => return false,
            }
            i += 1;
        }
        true
    }
    match next {
        Some(n)
            if n.len() <= NEXT_MAX
                && n.starts_with('/')
                && !n.starts_with("//")
                && is_url_safe(n)
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
    use crate::server::auth::{busy, is_form_post, limits, passwords, remote_addr, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    // Decided before anything else: whatever `next` says, the answer is a redirect to a path of this site.
    // Without a `next` of their own, staff land on the console (below) and customers on their jobs.
    let asked = next
        .as_deref()
        .map(str::trim)
        .is_some_and(|n| !n.is_empty() && safe_next(Some(n)) == n);
    let mut target = safe_next(next.as_deref());
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
            }
            crate::server::auth::retry_after(wait.num_seconds());
            return Err(AppError::form(
                Rejection::not_allowed_field("email", limits::wait_message(wait)),
                &echo,
            ));
        }
    };
    // A turn at hashing, or a quick 503: parallel sign-ins queue for the cores instead of piling up.
    let turn = match app.hashing.enter().await {
        Ok(turn) => turn,
        Err(_) => {
            app.sign_in_limiter.withdrawn(&app.store, attempt).await?;
            return Err(busy());
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
    drop(turn);
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
    if !asked && account.role == crate::model::Role::Staff {
        target = "/staff".to_string();
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
    crate::server::auth::redirect(&target);
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
    use crate::server::accounts::{create_account, validate_new_account, AccountError};
    use crate::server::auth::{busy, limits, remote_addr, retry_after, sessions};
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    let echo = [
        ("display_name", display_name.as_str()),
        ("email", email.as_str()),
    ];
    // Input checks first: they cost nothing and count against no limit.
    validate_new_account(&display_name, &email, &password).map_err(|r| AppError::form(r, &echo))?;
    if password != password_confirm {
        return Err(AppError::form(
            Rejection::invalid("password_confirm", "The two passwords differ"),
            &echo,
        ));
    }
    let now = app.clock.now();
    let address = remote_addr();
    let place = match app
        .sign_in_limiter
        .sign_up(&app.store, address.as_deref(), now)
        .await?
    {
        Ok(place) => place,
        Err(wait) => {
            if !crate::server::auth::is_form_post() {
                let response = expect_context::<leptos_axum::ResponseOptions>();
                response.set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
            }
            retry_after(wait.num_seconds());
            return Err(AppError::form(
                Rejection::not_allowed_field("email", limits::sign_up_wait_message(wait)),
                &echo,
            ));
        }
    };
    let account = match create_account(
        &app.store,
        &app.hashing,
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
        Err(AccountError::Busy) => {
            app.sign_in_limiter
                .withdraw_sign_up(&app.store, place)
                .await?;
            return Err(busy());
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
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
    crate::server::auth::redirect("/jobs");
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
    // Pages of the session the browser may still hold (a job page with its keys in the back/forward history
    // or the disk cache) go with it. Only the cache: other cookies, such as a language choice, stay.
    response.insert_header(
        axum::http::HeaderName::from_static("clear-site-data"),
        axum::http::HeaderValue::from_static("\"cache\""),
    );
    crate::server::auth::redirect("/sign-in");
    Ok(())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    // Only a `next` the server would follow goes back into the form; none at all lets the server choose the
    // account's home (the console for staff).
    let next = move || {
        query
            .read()
            .get("next")
            .map(|n| safe_next(Some(&n)))
            .filter(|n| n != "/jobs" || query.read().get("next").as_deref() == Some("/jobs"))
            .unwrap_or_default()
    };
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

    #[test]
    fn next_is_only_a_plain_path_of_this_site() {
        // What the review sent: browsers drop the tab and go to //evil.example.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/jobs");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/jobs");
        assert_eq!(safe_next(Some("/jobs\r\nSet-Cookie: x=1")), "/jobs");
        assert_eq!(safe_next(Some("/ /evil.example")), "/jobs");
        assert_eq!(safe_next(Some("/%zz")), "/jobs");
        assert_eq!(safe_next(Some("/jobs/é")), "/jobs");
        assert_eq!(safe_next(Some("/jobs#top")), "/jobs");
        assert_eq!(
            safe_next(Some(&format!("/{}", "a".repeat(NEXT_MAX)))),
            "/jobs"
        );
        assert_eq!(
            safe_next(Some("/jobs?state=Shipping&q=a%20b")),
            "/jobs?state=Shipping&q=a%20b"
        );
        assert_eq!(
            safe_next(Some("/staff/jobs/3?events=all")),
            "/staff/jobs/3?events=all"
        );
    }
}
