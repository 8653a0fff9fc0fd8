//! Browser sessions: a random id in an `HttpOnly; SameSite=Lax` cookie (plus `Secure` over TLS), its SHA-256
//! in the database, an idle expiry that slides with use, a fresh id at every sign-in.
//!
//! Over TLS (`secure-cookies`) the cookie is `__Host-portal_session`: browsers accept that name only from this
//! very host, `Secure`, with `Path=/` and no `Domain`, so a neighbouring subdomain cannot plant a session of
//! its choosing. A request carrying two session cookies is refused rather than guessed at.

use super::tokens::{random_secret, sha256_hex};
use crate::server::state::AppState;
use crate::server::store::StoreResult;
use axum::http::HeaderMap;

/// The session cookie's name without TLS.
pub const COOKIE: &str = "portal_session";
/// Its name with `secure-cookies`.
pub const SECURE_COOKIE: &str = "__Host-portal_session";

/// The session cookie's name under this configuration.
pub fn cookie_name(app: &AppState) -> &'static str {
    if app.config.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// Starts a session for `account_id`; returns the `Set-Cookie` header value.
pub async fn start(app: &AppState, account_id: i64) -> StoreResult<String> {
    Ok(start_with_id(app, account_id).await?.0)
}

/// Starts a session for `account_id`; returns the `Set-Cookie` header value and the session's id hash (what
/// a one-time message for its next page is bound to).
pub async fn start_with_id(app: &AppState, account_id: i64) -> StoreResult<(String, String)> {
    let secret = random_secret();
    let now = app.clock.now();
    let expires = now + app.config.session_idle.delta();
    app.store
        .create_session(
            &sha256_hex(&secret),
            account_id,
            &random_secret(),
            now,
            expires,
        )
        .await?;
    Ok((set_cookie(app, &secret), sha256_hex(&secret)))
}

/// A session cookie (no `Max-Age`: the browser keeps it until closed; the server enforces the idle expiry).
pub fn set_cookie(app: &AppState, secret: &str) -> String {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(app)
    )
}

pub fn clear_cookie(app: &AppState) -> String {
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

/// The request carried more than one cookie of one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ambiguous;

/// The value of the cookie `name` in the request, if any (empty values count as none); `Ambiguous` when the
/// request carries it more than once (another site's cookie for a parent domain, or a path of its own,
/// would otherwise decide which session the request belongs to).
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Result<Option<String>, Ambiguous> {
    let mut found = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value.trim().to_string());
    let first = found.next();
    if found.next().is_some() {
        return Err(Ambiguous);
    }
    Ok(first.filter(|v| !v.is_empty()))
}

/// The session secret from the request's cookies, if any.
pub fn secret_from(headers: &HeaderMap, name: &str) -> Result<Option<String>, Ambiguous> {
    cookie_value(headers, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_static("theme=dark; portal_session=abc123; x=1"),
        );
        assert_eq!(secret_from(&h, COOKIE), Ok(Some("abc123".into())));
        assert_eq!(secret_from(&h, SECURE_COOKIE), Ok(None));
        let mut h = HeaderMap::new();
        h.append("cookie", HeaderValue::from_static("portal_session="));
        assert_eq!(secret_from(&h, COOKIE), Ok(None));
        assert_eq!(secret_from(&HeaderMap::new(), COOKIE), Ok(None));
    }

    #[test]
    fn two_session_cookies_are_ambiguous() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_static("__Host-portal_session=mine; __Host-portal_session=planted"),
        );
        assert_eq!(secret_from(&h, SECURE_COOKIE), Err(Ambiguous));
        let mut h = HeaderMap::new();
        h.append("cookie", HeaderValue::from_static("portal_session=a"));
        h.append("cookie", HeaderValue::from_static("portal_session=b"));
        assert_eq!(secret_from(&h, COOKIE), Err(Ambiguous));
    }
}
