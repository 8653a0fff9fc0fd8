//! Random secrets: session ids and API tokens. Only their SHA-256 is stored.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes as hex.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Every API request hashes its token (the credential cache is keyed by the hash), so the hex is written
/// straight into one string rather than through `hex`'s per-character iterator.
pub fn sha256_hex(secret: &str) -> String {
    let mut out = String::with_capacity(64);
    push_hex(&mut out, &Sha256::digest(secret.as_bytes()));
    out
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
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
    // One per API request (its request id): written in place, no intermediate hex string or formatting.
    let mut id = String::with_capacity(36);
    for (i, group) in [&b[0..4], &b[4..6], &b[6..8], &b[8..10], &b[10..16]]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            id.push('-');
        }
        push_hex(&mut id, group);
    }
    id
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
        // The FIPS 180-2 test vector: the stored hashes of existing tokens must not change.
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let guid = new_guid();
        assert_eq!(
            lifecycle::validate::subscription_id(&guid),
            Ok(()),
            "{guid}"
        );
        assert_ne!(new_guid(), guid);
        let dashes: Vec<usize> = guid.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, [8, 13, 18, 23], "{guid}");
        assert_eq!(&guid[14..15], "4", "version 4: {guid}");
        assert!(
            guid.bytes()
                .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{guid}"
        );
    }
}
