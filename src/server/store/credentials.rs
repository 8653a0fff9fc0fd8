//! Resolved credentials kept in memory: an API token or a browser session with its account and the account's
//! subscriptions, so that identifying a request costs no database round trip, while every change of
//! credentials (a revoked token, a sign-out, a password change or reset ending sessions, an account's details
//! or subscriptions) takes effect on the very next request, whoever made it: this server, `portal admin` in
//! another process, or another instance on the same PostgreSQL database.
//!
//! How it stays exactly as current as the database:
//! - Only live credentials are cached; an unknown token or session is looked up every time, so a new one
//!   works at once.
//! - Every write that can end or change a credential bumps `credentials_epoch.epoch` in its own transaction,
//!   through triggers (migration 0006), whichever process writes. The cache belongs to one epoch; a newer
//!   epoch empties it before anything is served from it.
//! - The epoch is read on every request (one primary-key read on a pooled connection, instead of the token,
//!   account and subscriptions reads), on SQLite and PostgreSQL alike: it relies only on what both document
//!   about a committed write being visible to the next read. (An earlier version watched SQLite's WAL-index
//!   header in the `-shm` file to skip even that read; the file's format is SQLite's private business, so it
//!   went, with the `unsafe` mapping it needed.)
//! - A lookup that raced with an emptying of the cache is not kept (the cache's generation changed).
//! - A session's idle expiry is enforced from the cached expiry time; extending a session (at most once a
//!   minute) updates the cached copy, and a token's recorded use updates its copy.

use super::{StoreResult, Timestamp};
use crate::model::Role;
use sqlx::AnyPool;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The account behind a credential, as requests need it (no password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub account_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub subscriptions: Vec<String>,
}

/// A live API token with its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenIdentity {
    pub principal: Principal,
    pub token_id: i64,
    pub name: String,
    pub last_used_at: Option<Timestamp>,
}

/// A live browser session with its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionIdentity {
    pub principal: Principal,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// More live credentials than this of one kind empties that kind (they are looked up again as used). An entry
/// is a few hundred bytes, so each kind stays within about 10 MiB.
const MAX_ENTRIES: usize = 20_000;

const EPOCH: &str = "SELECT epoch FROM credentials_epoch WHERE id = 1";

#[derive(Default)]
struct Inner {
    /// Bumped whenever the cache is emptied; a lookup keeps its result only under the generation it began in.
    generation: u64,
    /// The credentials epoch the entries belong to (`None`: not read yet).
    epoch: Option<i64>,
    tokens: HashMap<String, Arc<TokenIdentity>>,
    sessions: HashMap<String, Arc<SessionIdentity>>,
}

/// Permission to use the cache for one request: what was current when it was checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    generation: u64,
}

pub(crate) struct CredentialCache {
    inner: RwLock<Inner>,
}

impl CredentialCache {
    pub(crate) fn new() -> CredentialCache {
        CredentialCache {
            inner: RwLock::default(),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the cache may serve this request: `None` when this request's view of the database is older
    /// than the cache's (another request read a newer epoch meanwhile), so it must read the database itself.
    pub(crate) async fn ticket(&self, pool: &AnyPool) -> StoreResult<Option<Ticket>> {
        let epoch: i64 = sqlx::query_scalar(EPOCH).fetch_one(pool).await?;
        Ok(self.at_epoch(epoch))
    }

    /// Moves the cache to `epoch`, emptying it when the epoch is newer.
    fn at_epoch(&self, epoch: i64) -> Option<Ticket> {
        {
            let inner = self.read();
            if inner.epoch == Some(epoch) {
                return Some(Ticket {
                    generation: inner.generation,
                });
            }
        }
        let mut inner = self.write();
        match inner.epoch {
            // Epochs only grow: an older one means this request read before another that is already in.
            Some(current) if epoch < current => return None,
            Some(current) if epoch == current => {}
            _ => {
                inner.tokens.clear();
                inner.sessions.clear();
                inner.generation += 1;
                inner.epoch = Some(epoch);
            }
        }
        Some(Ticket {
            generation: inner.generation,
        })
    }

    pub(crate) fn token(&self, hash: &str) -> Option<Arc<TokenIdentity>> {
        self.read().tokens.get(hash).cloned()
    }

    /// A live session, unless its cached expiry has passed (then the database decides, and ends it).
    pub(crate) fn session(&self, hash: &str, now: Timestamp) -> Option<Arc<SessionIdentity>> {
        self.read()
            .sessions
            .get(hash)
            .filter(|s| s.expires_at > now)
            .cloned()
    }

    pub(crate) fn keep_token(&self, ticket: Ticket, hash: &str, token: TokenIdentity) {
        let mut inner = self.write();
        if inner.generation != ticket.generation {
            return;
        }
        if inner.tokens.len() >= MAX_ENTRIES {
            inner.tokens.clear();
        }
        inner.tokens.insert(hash.to_string(), Arc::new(token));
    }

    pub(crate) fn keep_session(&self, ticket: Ticket, hash: &str, session: SessionIdentity) {
        let mut inner = self.write();
        if inner.generation != ticket.generation {
            return;
        }
        if inner.sessions.len() >= MAX_ENTRIES {
            inner.sessions.clear();
        }
        inner.sessions.insert(hash.to_string(), Arc::new(session));
    }

    /// A token's use was recorded: its cached copy says so (only if it is still cached).
    pub(crate) fn token_used(&self, hash: &str, at: Timestamp) {
        if let Some(token) = self.write().tokens.get_mut(hash) {
            Arc::make_mut(token).last_used_at = Some(at);
        }
    }

    /// A session was extended: its cached copy says so (only if it is still cached).
    pub(crate) fn session_extended(&self, hash: &str, seen: Timestamp, expires: Timestamp) {
        if let Some(session) = self.write().sessions.get_mut(hash) {
            let session = Arc::make_mut(session);
            session.last_seen_at = seen;
            session.expires_at = expires;
        }
    }
}
