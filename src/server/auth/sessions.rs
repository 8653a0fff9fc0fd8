//! Browser sessions: a random id in an `HttpOnly; SameSite=Lax` cookie (plus `Secure` over TLS), its SHA-256
//! in the database, an idle expiry that slides with use, a fresh id at every sign-in.

use super::tokens::{random_secret, sha256_hex};
use crate::server::state::AppState;
use crate::server::store::StoreResult;
use axum::http::HeaderMap;

pub const COOKIE: &str = "portal_session";

/// Starts a session for `account_id`; returns the `Set-Cookie` header value.
pub async fn start(app: &AppState, account_id: i64) -> StoreResult<String> {
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
    Ok(set_cookie(app, &secret))
}

/// A session cookie (no `Max-Age`: the browser keeps it until closed; the server enforces the idle expiry).
pub fn set_cookie(app: &AppState, secret: &str) -> String {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

pub fn clear_cookie(app: &AppState) -> String {
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session secret from the request's cookies, if any.
pub fn secret_from(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty())
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
        assert_eq!(secret_from(&h).as_deref(), Some("abc123"));
        let mut h = HeaderMap::new();
        h.append("cookie", HeaderValue::from_static("portal_session="));
        assert_eq!(secret_from(&h), None);
        assert_eq!(secret_from(&HeaderMap::new()), None);
    }
}
