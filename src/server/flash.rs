//! One-time messages for a browser's next page, kept on the server (`flashes`): nothing typed into a form
//! travels in a URL, the browser's history or a `Referer`, and a page shows only messages this server made for
//! this browser and this session.
//!
//! - A form posted without JavaScript and refused: the server function answers with a redirect back to the
//!   form's page carrying the error in `__path` / `__err` (Leptos's way). This layer takes both out of the
//!   `Location`, keeps them here bound to the caller's session, and gives the browser a `portal_flash`
//!   cookie with the message's random key. The page that follows takes the message (once, within
//!   `LIFETIME`) and shows it (`app::flash`).
//! - A page requested with `__err` or `__path` in its own URL (a crafted link) is redirected to the same URL
//!   without them: such an error was not made by this server for this browser, and is never shown.
//! - Notices of forms that succeeded, and a new API token made by a plain form post, travel the same way. The
//!   token is kept encrypted with a one-time pad that only the browser's cookie holds, so the database never
//!   holds it readable, and it is gone after the one page that shows it.

use super::auth::sessions::{cookie_value, Ambiguous};
use super::auth::tokens::{random_secret, sha256_hex};
use super::auth::{policy, Identity, Via};
use super::state::AppState;
use super::store::StoredFlash;
use crate::app::flash::{FlashKind, PageFlash};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;

/// The flash cookie's name without TLS, and with `secure-cookies` (`__Host-`: this host only).
pub const COOKIE: &str = "portal_flash";
pub const SECURE_COOKIE: &str = "__Host-portal_flash";

/// How long a message waits for its page.
pub const LIFETIME: TimeDelta = TimeDelta::minutes(5);

const TOKEN: &str = "token";

/// A secret shown once on the page this request renders (a request extension, read by the Account page): a new
/// API token, or a webhook endpoint's signing secret; `form` is the server function that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreshToken {
    pub form: String,
    pub value: String,
}

impl FreshToken {
    /// The secret this request carries, if the form `path` made it.
    pub fn of(path: &str) -> Option<String> {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<FreshToken>().cloned())
            .filter(|t| t.form == path)
            .map(|t| t.value)
    }
}

/// After a plain form post (no JavaScript) that made a secret shown only once, keeps it for the page the
/// redirect leads to: sealed with a pad that only this browser's cookie holds, for a few minutes at most.
pub async fn keep_for_next_page(
    app: &AppState,
    identity: &super::auth::Identity,
    form: &str,
    secret: &str,
) -> Result<(), super::store::StoreError> {
    if !super::auth::is_form_post() {
        return Ok(());
    }
    if let super::auth::Via::Session { id_hash } = &identity.via {
        let cookie = keep_token(app, id_hash.clone(), form, secret).await?;
        if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
            leptos::prelude::expect_context::<leptos_axum::ResponseOptions>()
                .append_header(axum::http::header::SET_COOKIE, v);
        }
    }
    Ok(())
}

fn cookie_name(app: &AppState) -> &'static str {
    if app.config.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

fn set_cookie(app: &AppState, value: &str) -> String {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(app),
        LIFETIME.num_seconds()
    )
}

fn clear_cookie(app: &AppState) -> String {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(app)
    )
}

fn session_of(identity: Option<&Identity>) -> Option<String> {
    match identity.map(|i| &i.via) {
        Some(Via::Session { id_hash }) => Some(id_hash.clone()),
        _ => None,
    }
}

/// Keeps a message for the next page of the browser whose session is `session_hash`; returns the cookie
/// (`Set-Cookie` value) that leads to it.
pub async fn keep(
    app: &AppState,
    session_hash: Option<String>,
    kind: FlashKind,
    form: &str,
    text: &str,
) -> Result<String, super::store::StoreError> {
    let key = random_secret();
    store(app, &key, session_hash, kind.as_str(), form, text).await?;
    Ok(set_cookie(app, &key))
}

/// Keeps a new API token for the next page of this session, encrypted: the stored text is the token XOR a
/// random pad of its length, and the pad is only in the cookie. Returns the cookie.
pub async fn keep_token(
    app: &AppState,
    session_hash: String,
    form: &str,
    token: &str,
) -> Result<String, super::store::StoreError> {
    use rand::RngCore;
    let mut pad = vec![0u8; token.len()];
    rand::rngs::OsRng.fill_bytes(&mut pad);
    let sealed: Vec<u8> = token.bytes().zip(&pad).map(|(t, p)| t ^ p).collect();
    let key = random_secret();
    store(
        app,
        &key,
        Some(session_hash),
        TOKEN,
        form,
        &hex::encode(sealed),
    )
    .await?;
    Ok(set_cookie(app, &format!("{key}.{}", hex::encode(pad))))
}

async fn store(
    app: &AppState,
    key: &str,
    session_hash: Option<String>,
    kind: &str,
    form: &str,
    payload: &str,
) -> Result<(), super::store::StoreError> {
    let flash = StoredFlash {
        session_hash,
        kind: kind.to_string(),
        form: form.to_string(),
        payload: payload.to_string(),
        expires_at: app.clock.now() + LIFETIME,
    };
    app.store.put_flash(&sha256_hex(key), &flash).await
}

/// Whether a request is a page a browser navigates to (where messages are shown and URL echoes refused).
fn is_page(req: &Request) -> bool {
    let path = req.uri().path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && policy::access(path) != policy::Access::Api
        && !matches!(
            path,
            "/events" | "/healthz" | "/favicon.svg" | "/openapi.json"
        )
}

/// Whether a request is a server function called by a plain HTML form (JavaScript off).
fn is_form_post(req: &Request) -> bool {
    req.method() == Method::POST
        && req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// A query without the error parameters of a form redirect: the remaining pairs as they were written, and
/// the decoded `__path` and `__err` if present.
struct Split {
    rest: Vec<String>,
    path: Option<String>,
    err: Option<String>,
}

fn split_query(query: &str) -> Split {
    let mut split = Split {
        rest: Vec::new(),
        path: None,
        err: None,
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let decoded: Vec<(String, String)> = form_urlencoded::parse(pair.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        match decoded.first().map(|(k, v)| (k.as_str(), v)) {
            Some(("__path", v)) => split.path = Some(v.clone()),
            Some(("__err", v)) => split.err = Some(v.clone()),
            _ => split.rest.push(pair.to_string()),
        }
    }
    split
}

/// `target` (a URL or a path) with `rest` as its query (none when empty).
fn with_query(target: &str, rest: &[String]) -> String {
    let base = target.split(['?', '#']).next().unwrap_or(target);
    if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    }
}

/// The layer (inside identification, outside the access guard and the staff audit, which reads the refusal
/// from the `Location` it sees).
pub async fn layer(
    app: &AppState,
    mut req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    if is_form_post(&req) {
        let session = session_of(req.extensions().get::<Identity>());
        let mut response = next(req).await;
        move_echo_out_of_url(app, session, &mut response).await;
        return response;
    }
    if !is_page(&req) {
        return next(req).await;
    }
    if let Some(query) = req.uri().query() {
        let split = split_query(query);
        if split.path.is_some() || split.err.is_some() {
            let target = with_query(req.uri().path(), &split.rest);
            return (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
        }
    }
    let cookie = match cookie_value(req.headers(), cookie_name(app)) {
        Ok(None) => return next(req).await,
        Ok(Some(value)) => Some(value),
        Err(Ambiguous) => None,
    };
    if let Some(value) = cookie {
        let session = session_of(req.extensions().get::<Identity>());
        match take(app, &value, session.as_deref()).await {
            Ok(Taken::Page(flash)) => {
                req.extensions_mut().insert(flash);
            }
            Ok(Taken::Token(token)) => {
                req.extensions_mut().insert(token);
            }
            Ok(Taken::Nothing) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read a flash message"),
        }
    }
    let mut response = next(req).await;
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(app)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

enum Taken {
    Page(PageFlash),
    Token(FreshToken),
    Nothing,
}

/// Takes the message the cookie `value` leads to, if it was made for this session.
async fn take(
    app: &AppState,
    value: &str,
    session: Option<&str>,
) -> Result<Taken, super::store::StoreError> {
    let (key, pad) = match value.split_once('.') {
        Some((key, pad)) => (key, Some(pad)),
        None => (value, None),
    };
    if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Taken::Nothing);
    }
    let Some(flash) = app
        .store
        .take_flash(&sha256_hex(key), app.clock.now())
        .await?
    else {
        return Ok(Taken::Nothing);
    };
    if flash.session_hash.as_deref() != session {
        return Ok(Taken::Nothing);
    }
    if flash.kind == TOKEN {
        let opened = pad
            .and_then(|pad| hex::decode(pad).ok())
            .zip(hex::decode(&flash.payload).ok())
            .filter(|(pad, sealed)| pad.len() == sealed.len())
            .map(|(pad, sealed)| sealed.iter().zip(&pad).map(|(s, p)| s ^ p).collect())
            .and_then(|bytes: Vec<u8>| String::from_utf8(bytes).ok());
        return Ok(match opened {
            Some(token) if token.bytes().all(|b| b.is_ascii_graphic()) => {
                Taken::Token(FreshToken {
                    form: flash.form,
                    value: token,
                })
            }
            _ => Taken::Nothing,
        });
    }
    Ok(match FlashKind::parse(&flash.kind) {
        Some(kind) => Taken::Page(PageFlash {
            kind,
            form: flash.form,
            text: flash.payload,
        }),
        None => Taken::Nothing,
    })
}

/// A refused plain form post is redirected with its error in the URL: the error moves into a flash.
async fn move_echo_out_of_url(app: &AppState, session: Option<String>, response: &mut Response) {
    if !response.status().is_redirection() {
        return;
    }
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return;
    };
    let Some((_, query)) = location.split_once('?') else {
        return;
    };
    let split = split_query(query.split('#').next().unwrap_or(query));
    if split.path.is_none() && split.err.is_none() {
        return;
    }
    let target = with_query(&location, &split.rest);
    match HeaderValue::from_str(&target) {
        Ok(v) => {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            response.headers_mut().remove(header::LOCATION);
        }
    }
    let (Some(form), Some(err)) = (split.path, split.err) else {
        return;
    };
    match keep(app, session, FlashKind::Echo, &form, &err).await {
        Ok(cookie) => {
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        // The page comes back without its message; nothing typed leaks into the URL either way.
        Err(e) => tracing::warn!(error = %e, "cannot keep a form's error for its page"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_parameters_are_taken_out_and_the_rest_kept() {
        let s = split_query("a=1&__path=%2Fapi%2Fsign_in&q=x%20y&__err=eyJh");
        assert_eq!(s.rest, ["a=1", "q=x%20y"]);
        assert_eq!(s.path.as_deref(), Some("/api/sign_in"));
        assert_eq!(s.err.as_deref(), Some("eyJh"));
        assert_eq!(
            with_query("http://h/jobs/3?a=1", &s.rest),
            "http://h/jobs/3?a=1&q=x%20y"
        );
        assert_eq!(with_query("/jobs/3?__err=x", &[]), "/jobs/3");
        let s = split_query("drive=D1");
        assert!(s.path.is_none() && s.err.is_none());
    }
}
