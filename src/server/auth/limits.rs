//! Sign-in attempt limits, per account and per client address: after too many failures in a window, further
//! attempts are refused without checking the password, with a message saying when to try again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct SignInLimiter {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
    window: Duration,
    per_account: usize,
    per_address: usize,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(Duration::from_secs(15 * 60), 5, 20)
    }
}

impl SignInLimiter {
    pub fn new(window: Duration, per_account: usize, per_address: usize) -> SignInLimiter {
        SignInLimiter {
            failures: Arc::new(Mutex::new(HashMap::new())),
            window,
            per_account,
            per_address,
        }
    }

    fn keys(email: &str, address: Option<&str>) -> [Option<String>; 2] {
        [
            Some(format!("account:{email}")),
            address.map(|a| format!("address:{a}")),
        ]
    }

    /// `Err(wait)` when this account or address has failed too often recently.
    pub fn check(&self, email: &str, address: Option<&str>, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        for (key, limit) in Self::keys(email, address)
            .into_iter()
            .zip([self.per_account, self.per_address])
        {
            let Some(key) = key else { continue };
            if let Some(list) = map.get_mut(&key) {
                while list
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    list.pop_front();
                }
                if list.len() >= limit {
                    let oldest = *list.front().unwrap_or(&now);
                    let w = self.window.saturating_sub(now.duration_since(oldest));
                    wait = Some(wait.map_or(w, |x: Duration| x.max(w)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, email: &str, address: Option<&str>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in Self::keys(email, address).into_iter().flatten() {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("account:{email}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_lock_after_five_failures_until_the_window_passes() {
        let l = SignInLimiter::new(Duration::from_secs(900), 5, 20);
        let t = Instant::now();
        for _ in 0..5 {
            assert!(l.check("a@x.com", Some("1.1.1.1"), t).is_ok());
            l.record_failure("a@x.com", Some("1.1.1.1"), t);
        }
        let wait = l.check("a@x.com", Some("2.2.2.2"), t).unwrap_err();
        assert!(wait > Duration::from_secs(800));
        assert!(
            l.check("b@x.com", Some("2.2.2.2"), t).is_ok(),
            "other accounts unaffected"
        );
        assert!(l
            .check("a@x.com", None, t + Duration::from_secs(901))
            .is_ok());
    }

    #[test]
    fn addresses_lock_after_twenty_failures_across_accounts() {
        let l = SignInLimiter::new(Duration::from_secs(900), 5, 20);
        let t = Instant::now();
        for i in 0..20 {
            l.record_failure(&format!("user{i}@x.com"), Some("9.9.9.9"), t);
        }
        assert!(l.check("fresh@x.com", Some("9.9.9.9"), t).is_err());
        assert!(l.check("fresh@x.com", Some("8.8.8.8"), t).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let l = SignInLimiter::new(Duration::from_secs(900), 2, 20);
        let t = Instant::now();
        l.record_failure("a@x.com", None, t);
        l.record_failure("a@x.com", None, t);
        assert!(l.check("a@x.com", None, t).is_err());
        l.record_success("a@x.com");
        assert!(l.check("a@x.com", None, t).is_ok());
    }
}
