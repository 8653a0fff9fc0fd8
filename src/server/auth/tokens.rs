//! Random secrets: session ids and API tokens. Only their SHA-256 is stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes as hex.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API token: `iep_` and 64 hex characters. Returns the token and its display prefix.
pub fn new_api_token() -> (String, String) {
    let token = format!("iep_{}", random_secret());
    let prefix = token[..12].to_string();
    (token, prefix)
}

/// A random GUID (version 4), for new subscriptions and request ids: from the thread's CSPRNG (seeded from the
/// operating system), not a system call per id.
pub fn new_guid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_well_formed() {
        assert_ne!(random_secret(), random_secret());
        assert_eq!(random_secret().len(), 64);
        let (token, prefix) = new_api_token();
        assert!(token.starts_with("iep_") && token.len() == 68);
        assert!(token.starts_with(&prefix));
        assert_eq!(sha256_hex("abc").len(), 64);
        let guid = new_guid();
        assert_eq!(
            lifecycle::validate::subscription_id(&guid),
            Ok(()),
            "{guid}"
        );
        assert_ne!(new_guid(), guid);
    }
}
