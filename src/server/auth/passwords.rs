//! Password hashing: Argon2id with the argon2 crate's defaults (m = 19456 KiB, t = 2, p = 1, version 0x13), the
//! OWASP-recommended minimum. Hashing is deliberately slow, so it runs on the blocking pool, and requests
//! take turns through a [`HashGate`]: a hash needs a core and 19 MiB for its whole run, so unbounded parallel
//! sign-ins would exhaust both.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Turns at password hashing for the requests that ask for one (sign-in, sign-up, password changes): at most
/// `concurrency` hashes at once, at most `queue` requests waiting for a turn; beyond that a request is refused
/// at once (`Busy`, answered 503 with `Retry-After`) instead of queueing without bound.
pub struct HashGate {
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    queue: usize,
}

/// The gate's queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy;

/// A turn at hashing, held until dropped.
pub struct Turn(#[allow(dead_code)] tokio::sync::OwnedSemaphorePermit);

impl HashGate {
    pub fn new(concurrency: usize, queue: usize) -> HashGate {
        HashGate {
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            waiting: Default::default(),
            queue,
        }
    }

    /// The gate the settings describe (`password-hash-concurrency`, `password-hash-queue`).
    pub fn for_limits(limits: &crate::server::config::Limits) -> HashGate {
        HashGate::new(limits.hash_concurrency(), limits.password_hash_queue)
    }

    /// A turn now, or after the requests queued before this one; `Busy` when the queue is full.
    pub async fn enter(&self) -> Result<Turn, Busy> {
        use std::sync::atomic::Ordering;
        if let Ok(turn) = self.turns.clone().try_acquire_owned() {
            return Ok(Turn(turn));
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        // Leaves the queue however the wait ends (a turn, or the request dropped while waiting).
        struct Queued<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Queued<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
            }
        }
        let _queued = Queued(&self.waiting);
        self.turns
            .clone()
            .acquire_owned()
            .await
            .map(Turn)
            .map_err(|_| Busy)
    }
}

impl Default for HashGate {
    /// One turn per core and a generous queue: for tools that hash outside any request (`portal admin`, demo
    /// data, tests).
    fn default() -> Self {
        HashGate::new(
            crate::server::config::Limits::default().hash_concurrency(),
            1024,
        )
    }
}

/// PHC string of `password` (salt and parameters included).
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub async fn verify(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the same time as a real check when the email is unknown, so response times do not reveal which
/// addresses have accounts.
pub async fn verify_nobody(password: String) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Ux9/ut5AONR0w3o7X/fXAbNsd7kr5wmxxsX3HyqDUQ";
    let _ = verify(password, DUMMY.to_string()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_bounds_hashes_at_once_and_requests_waiting() {
        let gate = std::sync::Arc::new(HashGate::new(1, 1));
        let first = gate.enter().await.expect("a free turn");
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.enter().await.is_ok() })
        };
        // Give the second request time to join the queue.
        while gate.waiting.load(std::sync::atomic::Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            gate.enter().await.err(),
            Some(Busy),
            "the queue holds one request"
        );
        drop(first);
        assert!(waiting.await.unwrap(), "the queued request gets its turn");
        assert!(gate.enter().await.is_ok(), "and the gate is free again");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verify() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "every hash has its own salt");
        assert!(verify("correct horse battery".into(), a.clone()).await);
        assert!(!verify("wrong horse battery".into(), a).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }
}
