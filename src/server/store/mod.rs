//! Storage: sqlx over SQLite (default, a file) or PostgreSQL, through one portable code path (`sqlx::Any`,
//! `$N` placeholders, integer and text columns, Unix-millisecond times).

mod accounts;
#[cfg(test)]
mod cache_tests;
pub mod changes;
mod console;
mod credentials;
mod flashes;
mod history;
mod intakes;
mod job_documents;
mod jobs;
mod limits;
mod locations;
pub mod notifications;
mod projections;
#[cfg(test)]
mod tests;

pub use accounts::{Account, AuditEntry, SessionRecord, TokenRecord};
pub use changes::{ChangeRecord, Claim, Reactor};
pub use console::{StaffJobFilter, StaffRow};
pub use credentials::{Principal, SessionIdentity, TokenIdentity};
pub use flashes::StoredFlash;
pub use history::Paths;
pub use intakes::{StoredIntake, StoredIntakeEvent};
pub use jobs::{Cursor, DueRow, JobFilter, JobScope, StoredEvent, StoredJob, SystemData};
pub use limits::{Backoff, Bucket};
pub use notifications::{Delivery, Webhook};
pub use projections::{timer_fingerprint, Refreshed, ATTENTION_REV};

use lifecycle::{Rejection, Timestamp};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The history paths of job versions read recently (see `history`).
    history: std::sync::Arc<std::sync::Mutex<history::HistoryMemo>>,
    /// Live tokens and sessions, resolved (see `credentials.rs`).
    credentials: std::sync::Arc<credentials::CredentialCache>,
    /// The REST API's documents of live jobs (see `job_documents.rs`).
    documents: std::sync::Arc<job_documents::JobDocuments>,
    /// SQLite: whose turn it is to write. A transaction that reads and then writes (load the job, decide,
    /// append) upgrades its lock at the first write, and fails at once if another connection committed since
    /// its read — the busy timeout cannot help there — so under load racing writers would spin on retries.
    /// Taking turns in the process before `BEGIN` makes them queue instead. PostgreSQL locks rows and needs
    /// none.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Transactions run again because another writer won a race (an operational figure, and what the
    /// contention tests assert on).
    retries: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// What reacts to each committed change in this process (see `changes`).
    reactor: std::sync::Arc<std::sync::RwLock<Option<Reactor>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The lifecycle refused the command; nothing changed.
    #[error("{0}")]
    Rejected(Rejection),
    #[error("not found")]
    NotFound,
    /// Another command kept winning the race for this job.
    #[error("the job is busy; try again")]
    Busy,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl From<Rejection> for StoreError {
    fn from(r: Rejection) -> StoreError {
        StoreError::Rejected(r)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError::Corrupt(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

pub fn millis(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

pub fn from_millis(ms: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Errors worth retrying the whole transaction for: another writer got there first.
fn is_contention(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || matches!(
                    db.code().as_deref(),
                    Some("5" | "6" | "517" | "40001" | "40P01")
                )
                || db.message().contains("database is locked")
        }
        sqlx::Error::PoolTimedOut => true,
        _ => false,
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Corrupt(format!(
                "unsupported database URL '{}': use sqlite://… or postgres://…",
                crate::server::config::redacted_url(url)
            )));
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite(url)?.0,
            Backend::Postgres => url.to_string(),
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            options = options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    // The busy timeout first, so that nothing below fails at once while another connection
                    // writes; NORMAL is durable at every checkpoint and crash-safe in WAL mode.
                    conn.execute("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the writer. The mode is stored in the file, so it is set once here,
            // before any concurrent use, rather than by every new connection (which would need an exclusive
            // lock while others are busy).
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let writer = (backend == Backend::Sqlite).then(Default::default);
        let store = Store {
            pool,
            backend,
            writer,
            retries: Default::default(),
            reactor: Default::default(),
            history: Default::default(),
            credentials: std::sync::Arc::new(credentials::CredentialCache::new()),
            documents: Default::default(),
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS
                .run(&store.pool)
                .await
                .map_err(|e| StoreError::Database(e.into()))?,
            Backend::Postgres => POSTGRES_MIGRATIONS
                .run(&store.pool)
                .await
                .map_err(|e| StoreError::Database(e.into()))?,
        }
        store.seed_locations().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many transactions ran again after losing a race since the store was opened.
    pub fn retries(&self) -> u64 {
        self.retries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Before running a transaction again: counts it and backs off.
    pub(super) async fn retry(&self, attempt: u32) {
        self.retries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        jobs::back_off(attempt).await;
    }

    /// Waits for this process's turn to run a write transaction (SQLite; a no-op on PostgreSQL). Hold the
    /// guard until the transaction has committed or rolled back.
    pub(super) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.writer {
            Some(writer) => Some(writer.lock().await),
            None => None,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Cheap liveness probe for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Runs `work` while no other instance on this database runs work under the same `key`: on PostgreSQL a
    /// session advisory lock on a connection of its own (several instances may start at once); SQLite has
    /// one server process per file, so nothing to wait for.
    pub async fn exclusively<T, F>(&self, key: i64, work: F) -> StoreResult<T>
    where
        F: std::future::Future<Output = StoreResult<T>>,
    {
        if self.backend != Backend::Postgres {
            return work.await;
        }
        let mut conn = self.pool.acquire().await?;
        // A count, because the Any driver cannot decode pg_advisory_lock's `void`.
        sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_lock($1)) AS locked")
            .bind(key)
            .execute(&mut *conn)
            .await?;
        let out = work.await;
        let unlocked: Result<bool, _> = sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
            .bind(key)
            .fetch_one(&mut *conn)
            .await;
        if !matches!(unlocked, Ok(true)) {
            // Never hand the pool a connection that may still hold the lock: closing it releases the lock.
            drop(conn.detach());
        }
        out
    }
}

/// `sqlite://data/portal.db` → creates `data/` and asks SQLite to create the file. Returns the URL and the
/// file's path.
fn prepare_sqlite(url: &str) -> StoreResult<(String, String)> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Corrupt(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
    }
    let mut query = query.to_string();
    if !query.contains("mode=") {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("mode=rwc");
    }
    // Validate early so a typo gives a clear message rather than a pool timeout.
    sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{path}?{query}"))?;
    let memory = query.split('&').any(|p| p == "mode=memory");
    Ok((
        format!("sqlite://{path}?{query}"),
        if memory {
            String::new()
        } else {
            path.to_string()
        },
    ))
}

/// Reads a column, mapping decode errors to `Corrupt` with the column's name.
pub(crate) fn col<T>(row: &AnyRow, name: &str) -> StoreResult<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    row.try_get(name)
        .map_err(|e| StoreError::Corrupt(format!("column {name}: {e}")))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A fresh store: a SQLite file in a temporary directory (keep the directory alive as long as the store),
    /// or, when `PORTAL_TEST_DATABASE_URL` names a PostgreSQL server, a new database on it. The same tests run
    /// unchanged on both.
    pub async fn temp_store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = match std::env::var("PORTAL_TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => fresh_postgres_database(&admin).await,
            _ => format!("sqlite://{}/test.db", dir.path().display()),
        };
        let store = Store::open(&url).await.expect("open store");
        (store, dir)
    }

    /// The URL of a fresh SQLite file in `dir` or, under `PORTAL_TEST_DATABASE_URL`, of a new PostgreSQL
    /// database: for tests that open the same database more than once (a restart).
    pub async fn temp_url(dir: &tempfile::TempDir) -> String {
        match shared_postgres_url().await {
            Some(url) => url,
            None => format!("sqlite://{}/test.db", dir.path().display()),
        }
    }

    /// On PostgreSQL, the URL of a new empty database (for tests of several instances on one database).
    pub async fn shared_postgres_url() -> Option<String> {
        match std::env::var("PORTAL_TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => {
                Some(fresh_postgres_database(&admin).await)
            }
            _ => None,
        }
    }

    /// Runs one statement behind the store's back, for tests that need data the store would never write
    /// (a corrupt snapshot, to see how a server failure is answered).
    pub async fn execute(store: &Store, sql: &str, id: i64) -> u64 {
        sqlx::query(sql)
            .bind(id)
            .execute(&store.pool)
            .await
            .expect("test statement")
            .rows_affected()
    }

    /// Creates an empty database next to the one `admin_url` names and returns its URL.
    async fn fresh_postgres_database(admin_url: &str) -> String {
        sqlx::any::install_default_drivers();
        let name = format!(
            "portal_test_{}",
            &crate::server::auth::tokens::random_secret()[..16]
        );
        let admin = sqlx::AnyPool::connect(admin_url)
            .await
            .expect("connect to the test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .expect("create a test database");
        admin.close().await;
        let (base, query) = admin_url
            .split_once('?')
            .map_or((admin_url, None), |(b, q)| (b, Some(q)));
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        match query {
            Some(q) => format!("{server}/{name}?{q}"),
            None => format!("{server}/{name}"),
        }
    }
}
