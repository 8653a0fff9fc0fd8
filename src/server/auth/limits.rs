//! Sign-in and sign-up attempt limits, counted in the database (`sign_in_limits`) so that every instance on one
//! database shares them.
//!
//! Sign-in: an attempt takes its place in three counts before the slow password check, atomically with the
//! limit checks, so parallel attempts cannot slip past a limit:
//! - the account from this client address (`pair:`): a few failures per window, then that pair waits for the
//!   window's end. Per pair, so that failures from one place never lock the owner out elsewhere;
//! - the client address (`address:`), whatever the account: bounds one address guessing across accounts;
//! - the account from anywhere (`account:`): no lock, but past a number of failures each further attempt
//!   waits for the one before (1 s, 2 s, 4 s, … up to a maximum), which bounds guessing from many
//!   addresses while the owner waits seconds at most.
//!
//! A successful sign-in clears the account's counts and gives the address its place back. A window begins at
//! the first failure; the timer loop prunes windows that have ended.
//!
//! Sign-up: each client address may create a few accounts per window (`sign-up:`); attempts refused for
//! their input before any work is done do not count.

use crate::server::config::Limits;
use crate::server::store::{Backoff, Bucket, Store, StoreResult};
use chrono::TimeDelta;
use lifecycle::Timestamp;

#[derive(Clone, Debug)]
pub struct SignInLimiter {
    pub window: TimeDelta,
    pub per_account_address: i64,
    pub per_address: i64,
    pub account_backoff: Backoff,
    pub sign_up_window: TimeDelta,
    pub sign_ups_per_address: i64,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter::new(&Limits::default())
    }
}

/// The places one sign-in attempt holds; give them back with `succeeded` if the password was right, or with
/// `withdrawn` if it was never checked.
#[derive(Debug)]
pub struct Attempt {
    pair: String,
    account: String,
    address: Option<String>,
}

/// The place one sign-up holds; give it back with `withdraw_sign_up` if no account was attempted.
#[derive(Debug)]
pub struct SignUp {
    bucket: Option<String>,
}

impl SignInLimiter {
    pub fn new(limits: &Limits) -> SignInLimiter {
        SignInLimiter {
            window: limits.sign_in_window.delta(),
            per_account_address: limits.sign_in_per_account_address,
            per_address: limits.sign_in_per_address,
            account_backoff: Backoff {
                after: limits.sign_in_account_backoff_after,
                max: limits.sign_in_account_backoff_max.delta(),
            },
            sign_up_window: limits.sign_up_window.delta(),
            sign_ups_per_address: limits.sign_ups_per_address,
        }
    }

    /// Takes a place for this attempt, or `Err(wait)` when the account from this address, the address, or
    /// the account's backoff says to wait.
    pub async fn attempt(
        &self,
        store: &Store,
        email: &str,
        address: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Result<Attempt, TimeDelta>> {
        let attempt = Attempt {
            pair: format!("pair:{email}|{}", address.unwrap_or("-")),
            account: format!("account:{email}"),
            address: address.map(|a| format!("address:{a}")),
        };
        let mut buckets = vec![
            Bucket {
                key: &attempt.pair,
                limit: self.per_account_address,
                window: self.window,
                backoff: None,
            },
            Bucket {
                key: &attempt.account,
                limit: i64::MAX,
                window: self.window,
                backoff: Some(self.account_backoff),
            },
        ];
        if let Some(a) = &attempt.address {
            buckets.push(Bucket {
                key: a,
                limit: self.per_address,
                window: self.window,
                backoff: None,
            });
        }
        Ok(match store.take_attempt(&buckets, now).await? {
            None => Ok(attempt),
            Some(until) => Err(whole_seconds(until - now)),
        })
    }

    /// The password was right: the account's failures are forgotten and the address's place given back.
    pub async fn succeeded(&self, store: &Store, attempt: Attempt) -> StoreResult<()> {
        store.clear_attempts(&attempt.pair).await?;
        store.clear_attempts(&attempt.account).await?;
        if let Some(address) = &attempt.address {
            store.return_attempt(address).await?;
        }
        Ok(())
    }

    /// The password was never checked (the server was too busy): every place is given back.
    pub async fn withdrawn(&self, store: &Store, attempt: Attempt) -> StoreResult<()> {
        store.return_attempt(&attempt.pair).await?;
        store.return_attempt(&attempt.account).await?;
        if let Some(address) = &attempt.address {
            store.return_attempt(address).await?;
        }
        Ok(())
    }

    /// Takes a place for one sign-up from `address`, or `Err(wait)` when the address has made its accounts
    /// for this window. A caller without a known address (no connection peer: tests, embedded use) is not
    /// counted.
    pub async fn sign_up(
        &self,
        store: &Store,
        address: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Result<SignUp, TimeDelta>> {
        let Some(address) = address else {
            return Ok(Ok(SignUp { bucket: None }));
        };
        let bucket = format!("sign-up:{address}");
        let taken = store
            .take_attempt(
                &[Bucket {
                    key: &bucket,
                    limit: self.sign_ups_per_address,
                    window: self.sign_up_window,
                    backoff: None,
                }],
                now,
            )
            .await?;
        Ok(match taken {
            None => Ok(SignUp {
                bucket: Some(bucket),
            }),
            Some(until) => Err(whole_seconds(until - now)),
        })
    }

    /// No account was attempted after all (the server was too busy to hash the password).
    pub async fn withdraw_sign_up(&self, store: &Store, sign_up: SignUp) -> StoreResult<()> {
        match &sign_up.bucket {
            Some(bucket) => store.return_attempt(bucket).await,
            None => Ok(()),
        }
    }

    /// Deletes counts whose window has ended.
    pub async fn prune(&self, store: &Store, now: Timestamp) -> StoreResult<u64> {
        store
            .prune_attempts(self.window.max(self.sign_up_window), now)
            .await
    }
}

/// A wait in whole seconds, rounded up, at least one (what `Retry-After` says).
fn whole_seconds(wait: TimeDelta) -> TimeDelta {
    TimeDelta::seconds(((wait.num_milliseconds() + 999) / 1000).max(1))
}

/// "N minute(s)" for waits of a minute or more (rounded up), "N second(s)" below.
fn wait_text(wait: TimeDelta) -> String {
    let seconds = wait.num_seconds().max(1) as u64;
    if seconds < 60 {
        format!("{seconds} second(s)")
    } else {
        format!("{} minute(s)", seconds.div_ceil(60))
    }
}

/// What the sign-in form says while attempts wait.
pub fn wait_message(wait: TimeDelta) -> String {
    format!(
        "Too many failed sign-ins. Try again in {}.",
        wait_text(wait)
    )
}

/// What the sign-up form says when the address has made its accounts for now.
pub fn sign_up_wait_message(wait: TimeDelta) -> String {
    format!(
        "Too many accounts were created from your network. Try again in {}.",
        wait_text(wait)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_support::temp_store;

    fn at(minutes: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time")
            + TimeDelta::minutes(minutes)
    }

    fn seconds_after(minutes: i64, seconds: i64) -> Timestamp {
        at(minutes) + TimeDelta::seconds(seconds)
    }

    #[tokio::test]
    async fn an_account_locks_after_five_failures_from_one_address_only() {
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
            .attempt(&store, "a@x.com", Some("1.1.1.1"), at(1))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(wait, TimeDelta::minutes(14));
        assert_eq!(
            wait_message(wait),
            "Too many failed sign-ins. Try again in 14 minute(s)."
        );
        assert!(
            l.attempt(&store, "a@x.com", Some("2.2.2.2"), at(1))
                .await
                .unwrap()
                .is_ok(),
            "the owner elsewhere is not locked out"
        );
        assert!(
            l.attempt(&store, "b@x.com", Some("1.1.1.1"), at(1))
                .await
                .unwrap()
                .is_ok(),
            "other accounts unaffected; the refused attempt counted nowhere"
        );
        assert!(l
            .attempt(&store, "a@x.com", Some("1.1.1.1"), at(15))
            .await
            .unwrap()
            .is_ok());
    }

    #[tokio::test]
    async fn failures_from_many_addresses_slow_the_account_down_without_locking_it() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        // Ten failures from ten addresses pass freely; from then on each attempt waits for the one before. (A
        // fresh address for each attempt let through, so that the pair and address limits stay out of the way.)
        for i in 0..10 {
            assert!(l
                .attempt(&store, "a@x.com", Some(&format!("10.0.0.{i}")), at(0))
                .await
                .unwrap()
                .is_ok());
        }
        assert!(l
            .attempt(&store, "a@x.com", Some("10.0.1.1"), at(0))
            .await
            .unwrap()
            .is_ok());
        let wait = l
            .attempt(&store, "a@x.com", Some("10.0.1.2"), at(0))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(wait, TimeDelta::seconds(1));
        assert_eq!(
            wait_message(wait),
            "Too many failed sign-ins. Try again in 1 second(s)."
        );
        let mut t = 1;
        for expected in [2, 4, 8, 16, 32, 60, 60] {
            assert!(l
                .attempt(
                    &store,
                    "a@x.com",
                    Some(&format!("10.0.2.{t}")),
                    seconds_after(0, t)
                )
                .await
                .unwrap()
                .is_ok());
            let wait = l
                .attempt(&store, "a@x.com", Some("10.0.1.4"), seconds_after(0, t))
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(wait, TimeDelta::seconds(expected), "after {t} s");
            t += expected;
            if expected == 60 {
                break;
            }
        }
        // The owner's right password at the next opening clears the backoff.
        let owner = l
            .attempt(&store, "a@x.com", Some("192.0.2.1"), seconds_after(0, t))
            .await
            .unwrap()
            .unwrap();
        l.succeeded(&store, owner).await.unwrap();
        assert!(l
            .attempt(&store, "a@x.com", Some("10.9.9.9"), seconds_after(0, t))
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
            per_account_address: 2,
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
    async fn sign_ups_are_counted_per_address_for_their_window() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        for _ in 0..5 {
            assert!(l
                .sign_up(&store, Some("7.7.7.7"), at(0))
                .await
                .unwrap()
                .is_ok());
        }
        let wait = l
            .sign_up(&store, Some("7.7.7.7"), at(1))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(wait, TimeDelta::minutes(59));
        assert!(l
            .sign_up(&store, Some("7.7.7.8"), at(1))
            .await
            .unwrap()
            .is_ok());
        assert!(l
            .sign_up(&store, Some("7.7.7.7"), at(60))
            .await
            .unwrap()
            .is_ok());
    }

    #[tokio::test]
    async fn ended_windows_are_pruned() {
        let (store, _dir) = temp_store().await;
        let l = SignInLimiter::default();
        l.attempt(&store, "a@x.com", Some("1.1.1.1"), at(0))
            .await
            .unwrap()
            .unwrap();
        l.attempt(&store, "b@x.com", None, at(50))
            .await
            .unwrap()
            .unwrap();
        // pair, account and address; then pair and account.
        assert_eq!(store.sign_in_bucket_count().await.unwrap(), 5);
        assert_eq!(l.prune(&store, at(61)).await.unwrap(), 3);
        assert_eq!(store.sign_in_bucket_count().await.unwrap(), 2);
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
