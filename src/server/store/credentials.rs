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
//! - Knowing the epoch without a query: on SQLite in WAL mode the WAL-index header (the first 48 bytes of the
//!   `-shm` file, <https://www.sqlite.org/walformat.html>) changes with every commit of every connection of
//!   every process (`iChange`, `mxFrame`, the salts and checksums). While it equals the header read just
//!   before the epoch was last read, nothing at all has been committed since, so the epoch is unchanged: a
//!   read of the mapped header, no query. After any commit (a job change, a recorded token use) the epoch is
//!   read again once, on a connection of the cache's own, which also keeps the `-shm` file in place (SQLite
//!   deletes it when its last connection closes). On PostgreSQL, and on SQLite without a WAL index, the epoch is read on
//!   every request: one primary-key read instead of the token, account and subscriptions reads.
//! - A lookup that raced with an emptying of the cache is not kept (the cache's generation changed).
//! - A session's idle expiry is enforced from the cached expiry time; extending a session (at most once a
//!   minute) updates the cached copy, and a token's recorded use updates its copy.

use super::{StoreResult, Timestamp};
use crate::model::Role;
use sqlx::{AnyConnection, AnyPool};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The size of the WAL-index header (one of its two copies).
const HEADER: usize = 48;

/// `iVersion` of the WAL-index format this reads (every SQLite since 3.7.0).
const WAL_INDEX_VERSION: u32 = 3_007_000;

const EPOCH: &str = "SELECT epoch FROM credentials_epoch WHERE id = 1";

#[derive(Default)]
struct Inner {
    /// Bumped whenever the cache is emptied; a lookup keeps its result only under the generation it began in.
    generation: u64,
    /// The credentials epoch the entries belong to (`None`: not read yet).
    epoch: Option<i64>,
    /// The WAL-index header read just before `epoch` was.
    header: Option<[u8; HEADER]>,
    tokens: HashMap<String, Arc<TokenIdentity>>,
    sessions: HashMap<String, Arc<SessionIdentity>>,
}

/// How the cache learns whether the epoch may have changed.
enum Gate {
    /// SQLite in WAL mode: the WAL-index header, and a connection of our own to read the epoch on.
    WalIndex {
        shm: WalIndex,
        connection: tokio::sync::Mutex<AnyConnection>,
        /// Set when the connection failed: from then on the epoch is read on every request.
        broken: AtomicBool,
    },
    /// Read the epoch on every request.
    EveryRequest,
}

/// Permission to use the cache for one request: what was current when it was checked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    generation: u64,
}

pub(crate) struct CredentialCache {
    inner: RwLock<Inner>,
    gate: Gate,
}

/// The `-shm` file mapped into this process, as SQLite maps it: reading the header is then a memory read, not
/// a system call (the `pread` it replaced was about a twentieth of an API request's CPU).
struct WalIndex {
    map: memmap2::Mmap,
}

impl WalIndex {
    #[allow(unsafe_code)]
    fn map(shm: &std::fs::File) -> Option<WalIndex> {
        if shm.metadata().ok()?.len() < HEADER as u64 {
            return None;
        }
        // SAFETY: the mapping is read-only and read only through atomics (`header`), because SQLite's
        // connections (in this and other processes) write the same memory meanwhile. The file is never
        // shortened while it is mapped: SQLite truncates a `-shm` file only when a process opens it with no
        // other connection anywhere holding it, and the cache's own connection holds it for as long as the
        // cache (and this mapping) lives.
        let map = unsafe { memmap2::MmapOptions::new().len(HEADER).map(shm) }.ok()?;
        Some(WalIndex { map })
    }

    /// The header's first copy, as it is now. A read that overlaps a commit's update of the header can see
    /// part of the new bytes (then it differs from the last header and the epoch is read), or none of them
    /// (then it is the header from before that commit, as a read a moment earlier would have been).
    #[allow(unsafe_code)]
    fn header(&self) -> [u8; HEADER] {
        use std::sync::atomic::AtomicU32;
        // SAFETY: the mapping is page-aligned and at least HEADER bytes long (checked in `map`), so it holds
        // HEADER / 4 aligned u32 words; they are only ever read here, atomically.
        let words = unsafe {
            std::slice::from_raw_parts(self.map.as_ptr().cast::<AtomicU32>(), HEADER / 4)
        };
        let mut header = [0u8; HEADER];
        for (bytes, word) in header.chunks_exact_mut(4).zip(words) {
            bytes.copy_from_slice(&word.load(Ordering::Acquire).to_ne_bytes());
        }
        header
    }
}

/// Whether `header` is an initialised WAL-index header of the format described above.
fn understood(header: &[u8; HEADER]) -> bool {
    let version = u32::from_ne_bytes([header[0], header[1], header[2], header[3]]);
    version == WAL_INDEX_VERSION && header[12] == 1
}

impl CredentialCache {
    /// A cache that reads the epoch on every request (PostgreSQL; SQLite without a WAL index).
    pub(crate) fn every_request() -> CredentialCache {
        CredentialCache {
            inner: RwLock::default(),
            gate: Gate::EveryRequest,
        }
    }

    /// A cache gated by the WAL index of the SQLite database at `path`, with `connection` (taken out of the
    /// pool) to read the epoch on; reads the epoch on every request when the WAL index is not there or not of
    /// the known format.
    pub(crate) async fn sqlite(path: &str, mut connection: AnyConnection) -> CredentialCache {
        // A read first, so that this connection has the WAL index open (and keeps the file while it lives).
        if sqlx::query_scalar::<_, i64>(EPOCH)
            .fetch_one(&mut connection)
            .await
            .is_err()
        {
            return CredentialCache::every_request();
        }
        let shm = match std::fs::File::open(format!("{path}-shm"))
            .ok()
            .and_then(|file| WalIndex::map(&file))
        {
            Some(index) if understood(&index.header()) => index,
            _ => {
                tracing::info!(
                    "no SQLite WAL index to watch: credentials are checked on every request"
                );
                return CredentialCache::every_request();
            }
        };
        CredentialCache {
            inner: RwLock::default(),
            gate: Gate::WalIndex {
                shm,
                connection: tokio::sync::Mutex::new(connection),
                broken: AtomicBool::new(false),
            },
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
        if let Gate::WalIndex {
            shm,
            connection,
            broken,
        } = &self.gate
        {
            if !broken.load(Ordering::Relaxed) {
                if let Some(ticket) = self.watched(shm, connection).await {
                    return Ok(ticket);
                }
                broken.store(true, Ordering::Relaxed);
                tracing::warn!("the credentials cache cannot watch the WAL index any more; checking every request");
            }
        }
        let epoch: i64 = sqlx::query_scalar(EPOCH).fetch_one(pool).await?;
        Ok(self.at_epoch(epoch, None))
    }

    /// The ticket through the WAL index; `None` when the index or the connection failed.
    async fn watched(
        &self,
        shm: &WalIndex,
        connection: &tokio::sync::Mutex<AnyConnection>,
    ) -> Option<Option<Ticket>> {
        let header = shm.header();
        if let Some(ticket) = self.unchanged_since(&header) {
            return Some(Some(ticket));
        }
        // One request reads the epoch; the others waiting here find the header checked meanwhile.
        let mut connection = connection.lock().await;
        let header = shm.header();
        if let Some(ticket) = self.unchanged_since(&header) {
            return Some(Some(ticket));
        }
        match sqlx::query_scalar::<_, i64>(EPOCH)
            .fetch_one(&mut *connection)
            .await
        {
            Ok(epoch) => Some(self.at_epoch(epoch, Some(header))),
            Err(e) => {
                tracing::warn!(error = %e, "the credentials cache's connection failed");
                None
            }
        }
    }

    fn unchanged_since(&self, header: &[u8; HEADER]) -> Option<Ticket> {
        let inner = self.read();
        (inner.header.as_ref() == Some(header)).then_some(Ticket {
            generation: inner.generation,
        })
    }

    /// Moves the cache to `epoch` (read after `header`), emptying it when the epoch is newer.
    fn at_epoch(&self, epoch: i64, header: Option<[u8; HEADER]>) -> Option<Ticket> {
        {
            let inner = self.read();
            if inner.epoch == Some(epoch) && (header.is_none() || inner.header == header) {
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
        if header.is_some() {
            inner.header = header;
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

    /// Whether the epoch is known without a query while nothing is committed (for tests).
    #[cfg(test)]
    pub(crate) fn watches_wal_index(&self) -> bool {
        matches!(&self.gate, Gate::WalIndex { broken, .. } if !broken.load(Ordering::Relaxed))
    }
}
