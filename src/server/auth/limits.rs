//! Sign-in attempt limits, per account and per client address: after too many failures in a window, further
//! attempts are refused without checking the password, with a message saying when to try again.
//!
//! The counts live in the database (`sign_in_limits`), so every instance on one database shares them. An
//! attempt takes its place in both counts before the slow password check, atomically with the limit check, so
//! parallel attempts cannot slip past the limit; a successful sign-in then gives its place back (and clears
//! the account's count). A window begins at the first failure and lasts `window`; the timer loop prunes
//! windows that have ended.

use crate::server::store::{Store, StoreResult};
use chrono::TimeDelta;
use lifecycle::Timestamp;

#[derive(Clone, Debug)]
pub struct SignInLimiter {
    pub window: TimeDelta,
    pub per_account: i64,
    pub per_address: i64,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            window: TimeDelta::minutes(15),
            per_account: 5,
            per_address: 20,
        }
    }
}

/// The places one attempt holds; give them back with `succeeded` if the password was right.
#[derive(Debug)]
pub struct Attempt {
    account: String,
    address: Option<String>,
}

impl SignInLimiter {
    /// Takes a place for this attempt, or `Err(wait)` when the account or the address has failed too often.
    pub async fn attempt(
        &self,
        store: &Store,
        email: &str,
        address: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Result<Attempt, TimeDelta>> {
        let attempt = Attempt {
            account: format!("account:{email}"),
            address: address.map(|a| format!("address:{a}")),
        };
        let mut buckets = vec![(attempt.account.as_str(), self.per_account)];
        if let Some(a) = &attempt.address {
            buckets.push((a.as_str(), self.per_address));
        }
        Ok(
            match store
                .take_sign_in_attempt(&buckets, self.window, now)
                .await?
            {
                None => Ok(attempt),
                Some(until) => Err(whole_seconds(until - now)),
            },
        )
    }

    /// The password was right: the account's failures are forgotten and the address's place given back.
    pub async fn succeeded(&self, store: &Store, attempt: Attempt) -> StoreResult<()> {
        store.clear_sign_in_bucket(&attempt.account).await?;
        if let Some(address) = &attempt.address {
            store.return_sign_in_attempt(address).await?;
        }
        Ok(())
    }

    /// Deletes counts whose window has ended.
    pub async fn prune(&self, store: &Store, now: Timestamp) -> StoreResult<u64> {
        store.prune_sign_in_limits(self.window, now).await
    }
}

/// A wait in whole seconds, rounded up, at least one (what `Retry-After` says).
fn whole_seconds(wait: TimeDelta) -> TimeDelta {
    TimeDelta::seconds(((wait.num_milliseconds() + 999) / 1000).max(1))
}

/// "Try again in N minute(s)": whole minutes, rounded up.
pub fn wait_message(wait: TimeDelta) -> String {
    let minutes = (wait.num_seconds().max(1) as u64).div_ceil(60);
    format!("Too many failed sign-ins. Try again in {minutes} minute(s).")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_support::temp_store;

    fn at(minutes: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time")
            + TimeDelta::minutes(minutes)
    }

    #[tokio::test]
    async fn accounts_lock_after_five_failures_until_the_window_passes() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        for _ in 0..5 {
            assert!(l
                .attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
                .await
                .unwrap()
                .is_ok());
        }
        let wait = l
            .attempt(&store, "a@x.com", Some("2.2.2.2"), at(1))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(wait, TimeDelta::minutes(14));
        assert_eq!(
            wait_message(wait),
            "Too many failed sign-ins. Try again in 14 minute(s)."
        );
        assert!(
            l.attempt(&store, "b@x.com", Some("2.2.2.2"), at(1))
                .await
                .unwrap()
                .is_ok(),
            "other accounts unaffected; the refused attempt counted nowhere"
        );
        assert!(l
            .attempt(&store, "a@x.com", None, at(15))
            .await
            .unwrap()
            .is_ok());
    }

    #[tokio::test]
    async fn addresses_lock_after_twenty_failures_across_accounts() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        for i in 0..20 {
            assert!(l
                .attempt(&store, &format!("user{i}@x.com"), Some("9.9.9.9"), at(0))
                .await
                .unwrap()
                .is_ok());
        }
        assert!(l
            .attempt(&store, "fresh@x.com", Some("9.9.9.9"), at(0))
            .await
            .unwrap()
            .is_err());
        assert!(l
            .attempt(&store, "fresh@x.com", Some("8.8.8.8"), at(0))
            .await
            .unwrap()
            .is_ok());
    }

    #[tokio::test]
    async fn success_clears_the_account_and_gives_the_address_its_place_back() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter {
            per_account: 2,
            per_address: 2,
            ..SignInLimiter::default()
        };
        let _failed = l
            .attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap()
            .unwrap();
        let right = l
            .attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap()
            .unwrap();
        l.succeeded(&store, right).await.unwrap();
        // The account starts over; the address still holds its one failure, so one more attempt fits.
        let next = l
            .attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap();
        assert!(next.is_ok());
        assert!(l
            .attempt(&store, "b@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap()
            .is_err());
    }

    #[tokio::test]
    async fn ended_windows_are_pruned() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        l.attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap()
            .unwrap();
        l.attempt(&store, "b@x.com", None, at(10))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(store.sign_in_bucket_count().await.unwrap(), 3);
        assert_eq!(l.prune(&store, at(16)).await.unwrap(), 2);
        assert_eq!(store.sign_in_bucket_count().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn parallel_attempts_never_exceed_the_limit() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        let tries = (0..12).map(|_| {
            let (store, l) = (store.clone(), l.clone());
            tokio::spawn(async move {
                l.attempt(&store, "a@x.com", None, at(0))
                    .await
                    .unwrap()
                    .is_ok()
            })
        });
        let mut admitted = 0;
        for t in tries {
            admitted += usize::from(t.await.unwrap());
        }
        assert_eq!(admitted, 5);
    }
}
