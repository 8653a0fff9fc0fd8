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
    use crate::server::auth::{busy, limits, remote_addr, retry_after};
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
            // The same answer as for a new address (nobody learns which addresses have accounts); the owner is
            // told by email, at most a few times per window so that sign-ups cannot flood their inbox.
            let email = account_rules::normalize_email(&email);
            if let Some(owner) = app.store.account_by_email(&email).await? {
                let key = [format!("already-registered:{}", owner.id)];
                if crate::server::notifications::accounts::limited(&app, &key, now)
                    .await?
                    .is_ok()
                {
                    crate::server::notifications::accounts::send_already_registered(
                        &app, &owner, now,
                    )
                    .await?;
                }
                let _ = app
                    .store
                    .audit(
                        now,
                        Some(owner.id),
                        &owner.display_name,
                        "sign-up",
                        "address already registered; told by email",
                        address.as_deref(),
                    )
                    .await;
            }
            crate::server::auth::redirect(SIGN_UP_SENT);
            return Ok(());
        }
        Err(AccountError::Busy) => {
            app.sign_in_limiter
                .withdraw_sign_up(&app.store, place)
                .await?;
            return Err(busy());
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    // The address is unverified until its owner follows the link: until then no jobs or API tokens.
    app.store.mark_unverified(account.id).await?;
    crate::server::notifications::accounts::send_verification(&app, &account, now).await?;
    let _ = app
        .store
        .audit(
            now,
            Some(account.id),
            &account.display_name,
            "sign-up",
            "verification link emailed",
            address.as_deref(),
        )
        .await;
    // Not signed in here: an address that already has an account must get this very answer.
    crate::server::auth::redirect(SIGN_UP_SENT);
    Ok(())
}

/// Where every accepted sign-up lands, new address or not: "check your email".
pub const SIGN_UP_SENT: &str = "/sign-up?sent=1";

/// Answers a refused request with 429 (hydrated calls; a plain post is redirected) and its Retry-After.
#[cfg(feature = "ssr")]
fn too_many(wait: chrono::TimeDelta, field: &str, echo: &[(&str, &str)]) -> AppError {
    if !crate::server::auth::is_form_post() {
        let response = expect_context::<leptos_axum::ResponseOptions>();
        response.set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
    }
    crate::server::auth::retry_after(wait.num_seconds());
    let minutes = (wait.num_seconds() + 59) / 60;
    AppError::form(
        lifecycle::Rejection::not_allowed_field(
            field,
            format!("Too many requests for this address; try again in {minutes} minute(s)."),
        ),
        echo,
    )
}

/// *Forgot password*: emails a single-use reset link if the address has an account. The answer is the same
/// either way (nobody learns which addresses have accounts); limited per client address and per address asked
/// for.
#[server(endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::server::auth::remote_addr;
    use crate::server::notifications::accounts::{limited, request_reset};
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let echo = [("email", email.as_str())];
    account_rules::email(&email)
        .map_err(|m| AppError::form(lifecycle::Rejection::invalid("email", m), &echo))?;
    let now = app.clock.now();
    let normalized = account_rules::normalize_email(&email);
    let mut keys = vec![format!("reset:email:{normalized}")];
    if let Some(address) = remote_addr() {
        keys.push(format!("reset:address:{address}"));
    }
    if let Err(wait) = limited(&app, &keys, now).await? {
        return Err(too_many(wait, "email", &echo));
    }
    request_reset(&app, &normalized, now).await?;
    crate::server::auth::redirect("/forgot-password?sent=1");
    Ok(())
}

/// Sets a new password through an emailed reset link: every session ends, and API tokens are revoked unless
/// the person unticks it.
#[server(endpoint = "reset_password_with_link")]
pub async fn reset_password_with_link(
    token: String,
    password: String,
    password_confirm: String,
    revoke_tokens: Option<String>,
) -> Result<(), AppError> {
    use crate::server::accounts::AccountError;
    use crate::server::auth::busy;
    use crate::server::notifications::accounts::reset;
    use crate::server::state::AppState;
    use lifecycle::Rejection;
    let app = expect_context::<AppState>();
    if password != password_confirm {
        return Err(AppError::form(
            Rejection::invalid("password_confirm", "The two passwords differ"),
            &[],
        ));
    }
    let now = app.clock.now();
    let keep_tokens = !revoke_tokens.is_some_and(|v| !v.is_empty() && v != "off");
    match reset(&app, &token, &password, keep_tokens, now).await {
        Ok(Some(account_id)) => {
            let _ = app
                .store
                .audit(
                    now,
                    Some(account_id),
                    "",
                    "password-reset",
                    if keep_tokens {
                        "all sessions ended"
                    } else {
                        "all sessions ended; API tokens revoked"
                    },
                    crate::server::auth::remote_addr().as_deref(),
                )
                .await;
            crate::server::auth::redirect("/sign-in?reset=1");
            Ok(())
        }
        Ok(None) => Err(AppError::form(
            Rejection::not_allowed_field(
                "token",
                "This reset link is unknown, already used or expired; ask for a new one",
            ),
            &[],
        )),
        Err(AccountError::Invalid(r)) => Err(AppError::form(r, &[])),
        Err(AccountError::Busy) => Err(busy()),
        Err(e) => Err(AppError::Internal(e.to_string())),
    }
}

/// Verifies an email address through its emailed link (a button on the link's page, so that a mail scanner
/// fetching the link does not use it).
#[server(endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let now = app.clock.now();
    match crate::server::notifications::accounts::verify(&app, &token, now).await? {
        Some(account_id) => {
            let _ = app
                .store
                .audit(now, Some(account_id), "", "email-verified", "", None)
                .await;
            crate::server::auth::redirect("/verify-email?done=1");
            Ok(())
        }
        None => Err(AppError::form(
            lifecycle::Rejection::not_allowed_field(
                "token",
                "This verification link is unknown, already used or expired; ask for a new one on your account page",
            ),
            &[],
        )),
    }
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
            {move || query.read().get("reset").is_some().then(|| view! {
                <p class="success" role="status" data-testid="password-was-reset">"Your password was changed. Sign in with the new one."</p>
            })}
            <p class="hint">"Use the account you manage your import and export jobs with."</p>
            <FormMessage error/>
            <form method="post" action=SignIn::url() class="stack" data-testid="sign-in-form">
                <input type="hidden" name="next" value=next/>
                <Field name="email" label="Email" kind="email" autocomplete="username" required=true error echo=true/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error/>
                <button type="submit" class="button primary">"Sign in"</button>
            </form>
            <p class="hint"><a href="/forgot-password">"Forgot your password?"</a></p>
            <p class="hint">"New here? " <a href="/sign-up">"Create an account"</a></p>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let action = ServerAction::<ForgotPassword>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Forgot password"/>
        <section class="auth-card card" aria-labelledby="forgot-heading">
            <h1 id="forgot-heading">"Forgot your password?"</h1>
            {move || sent().then(|| view! {
                <p class="success" role="status" data-testid="reset-sent">
                    "If an account uses that address, we emailed it a link to choose a new password. The link works for an hour, once."
                </p>
            })}
            <p class="hint">"Enter the email address of your account; we email you a link to choose a new password."</p>
            <FormMessage error/>
            <form method="post" action=ForgotPassword::url() class="stack" data-testid="forgot-form">
                <Field name="email" label="Email" kind="email" autocomplete="username" required=true error echo=true/>
                <button type="submit" class="button primary">"Email me a reset link"</button>
            </form>
            <p class="hint"><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let action = ServerAction::<ResetPasswordWithLink>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let password_hint = format!("At least {} characters.", account_rules::PASSWORD_MIN);
    view! {
        <Title text="Choose a new password"/>
        <section class="auth-card card" aria-labelledby="reset-heading">
            <h1 id="reset-heading">"Choose a new password"</h1>
            <FormMessage error/>
            <form method="post" action=ResetPasswordWithLink::url() class="stack" data-testid="reset-form">
                <input type="hidden" name="token" value=token/>
                <Field name="password" label="New password" kind="password" autocomplete="new-password" required=true error hint=password_hint check=account_rules::password/>
                <Field name="password_confirm" label="Repeat the new password" kind="password" autocomplete="new-password" required=true error/>
                <div class="field checkbox">
                    <input type="checkbox" id="field-reset-revoke" name="revoke_tokens" value="on" checked=true/>
                    <label for="field-reset-revoke">"Also revoke all my API tokens (programs using them must get new ones)"</label>
                </div>
                <button type="submit" class="button primary">"Set the new password"</button>
            </form>
            <p class="hint">"Every session of the account is signed out."</p>
        </section>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = move || query.read().get("done").is_some();
    let action = ServerAction::<VerifyEmail>::new();
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Verify your email"/>
        <section class="auth-card card" aria-labelledby="verify-heading">
            <h1 id="verify-heading">"Verify your email"</h1>
            <FormMessage error/>
            {move || if done() {
                view! {
                    <p class="success" role="status" data-testid="email-verified">
                        "Your email address is verified: you can create jobs and API tokens."
                    </p>
                    <p><a class="button primary" href="/jobs">"Go to my jobs"</a></p>
                }.into_any()
            } else {
                view! {
                    <form method="post" action=VerifyEmail::url() class="stack" data-testid="verify-form">
                        <input type="hidden" name="token" value=token/>
                        <button type="submit" class="button primary">"Verify my email address"</button>
                    </form>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let query = use_query_map();
    move || {
        if query.read().get("sent").is_some() {
            view! { <SignUpSent/> }.into_any()
        } else {
            view! { <SignUpForm/> }.into_any()
        }
    }
}

/// After a sign-up: the same page whether the address was new or already had an account.
#[component]
fn SignUpSent() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="auth-card card" aria-labelledby="sign-up-sent-heading" data-testid="sign-up-sent">
            <h1 id="sign-up-sent-heading">"Check your email"</h1>
            <p>"We sent a message to the address you gave. For a new account it holds a link to verify the address (valid for 24 hours); follow it, then sign in with your password. If the address already has an account, the message says how to sign in or reset the password."</p>
            <p>"Nothing arrived after a few minutes? Check the spam folder, or sign in and ask for a new link on your account page."</p>
            <p><a class="button primary" href="/sign-in">"Sign in"</a></p>
        </section>
    }
}

#[component]
fn SignUpForm() -> impl IntoView {
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
