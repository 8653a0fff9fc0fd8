//! Serialised documents of live jobs (the REST API's JSON of a job), kept in memory by the job's name and
//! version, so that reading an unchanged job neither queries nor serialises it again.
//!
//! How they stay current:
//! - Every job change goes through this store (`execute`, `put_job`), which forgets the job's documents
//!   right after its transaction commits, before the change is announced or answered; a read that raced with
//!   a change keeps nothing (the shard's generation moved while it read).
//! - SQLite has one server process per database, so those are all the changes there are (the `portal admin`
//!   commands change no jobs; `admin bench-sweep` and `generate-data` are for benchmark databases with the
//!   server stopped). Every read is served from memory until the job changes.
//! - On PostgreSQL other instances change jobs too (their announcements arrive later, by NOTIFY), so a cached
//!   document is only served after one indexed read of the job's version (`SELECT version … WHERE id`) says it
//!   is still the current one, and the job is still live: cheaper than reading and serialising the whole
//!   job, and exactly as current as reading it.

use super::jobs::StoredJob;
use axum::body::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::RwLock;

/// Documents kept at most, and their bytes at most: a full cache is emptied (they are made again as read).
/// A job's document is 1–3 KiB, so the byte bound is the one that usually applies (it keeps the server's
/// memory within the benchmark's budget with a million jobs).
const MAX_DOCUMENTS: usize = 50_000;
const MAX_BYTES: usize = 24 * 1024 * 1024;

/// How many recent changes are remembered, to tell whether a read overlapped a change of its own job.
const RECENT: usize = 1_024;

/// How a live job is named in the API: its subscription (as stored), its resource group (ASCII-lowercased:
/// the lookup compares lower() of both sides) and its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct JobName {
    subscription_id: String,
    resource_group: String,
    name: String,
}

impl JobName {
    /// `None` for a resource group the database may case-fold differently (non-ASCII): such reads are not
    /// cached, so that two spellings the database tells apart never share a document.
    pub(crate) fn new(subscription_id: &str, resource_group: &str, name: &str) -> Option<JobName> {
        resource_group.is_ascii().then(|| JobName {
            subscription_id: subscription_id.to_string(),
            resource_group: resource_group.to_ascii_lowercase(),
            name: name.to_string(),
        })
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Document {
    pub job_id: i64,
    pub version: u64,
    pub body: Bytes,
}

#[derive(Default)]
struct Inner {
    /// Counts changes.
    seq: u64,
    /// The last changes: (seq, job id).
    recent: VecDeque<(u64, i64)>,
    by_name: HashMap<JobName, Document>,
    /// The bytes of the bodies in `by_name`.
    bytes: usize,
    /// The names each job's document is kept under (one, unless read in several spellings).
    names: HashMap<i64, Vec<JobName>>,
}

/// A read's permission to keep what it read: how many changes there had been when it began.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    seq: u64,
}

#[derive(Default)]
pub(crate) struct JobDocuments {
    inner: RwLock<Inner>,
}

impl JobDocuments {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The document kept under `name`, if any.
    pub(crate) fn get(&self, name: &JobName) -> Option<Document> {
        self.read().by_name.get(name).cloned()
    }

    /// Taken before reading a job from the database.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket {
            seq: self.read().seq,
        }
    }

    /// Keeps `document`, read under `ticket`, unless its job changed since the ticket was taken (or too
    /// many jobs changed meanwhile to tell).
    pub(crate) fn keep(&self, ticket: Ticket, name: JobName, document: Document) {
        let mut inner = self.write();
        if inner.seq != ticket.seq {
            let remembered = inner
                .recent
                .front()
                .is_some_and(|(oldest, _)| *oldest <= ticket.seq + 1);
            let overlapped = inner
                .recent
                .iter()
                .any(|(seq, job)| *seq > ticket.seq && *job == document.job_id);
            if !remembered || overlapped {
                return;
            }
        }
        if inner.by_name.len() >= MAX_DOCUMENTS || inner.bytes + document.body.len() > MAX_BYTES {
            inner.by_name.clear();
            inner.names.clear();
            inner.bytes = 0;
        }
        let names = inner.names.entry(document.job_id).or_default();
        if !names.contains(&name) {
            names.push(name.clone());
        }
        inner.bytes += document.body.len();
        let job_id = document.job_id;
        if let Some(replaced) = inner.by_name.insert(name.clone(), document) {
            inner.bytes -= replaced.body.len();
            // The name now belongs to another job (deleted and made again).
            if replaced.job_id != job_id {
                if let Some(names) = inner.names.get_mut(&replaced.job_id) {
                    names.retain(|n| *n != name);
                }
            }
        }
    }

    /// Job `job_id` changed (committed): its documents are gone, and reads that began before cannot keep
    /// theirs.
    pub(crate) fn changed(&self, job_id: i64) {
        let mut inner = self.write();
        inner.seq += 1;
        let seq = inner.seq;
        inner.recent.push_back((seq, job_id));
        if inner.recent.len() > RECENT {
            inner.recent.pop_front();
        }
        if let Some(names) = inner.names.remove(&job_id) {
            for name in names {
                if let Some(gone) = inner.by_name.remove(&name) {
                    inner.bytes -= gone.body.len();
                }
            }
        }
    }

    /// Forgets the document under `name` (the database says it is stale).
    pub(crate) fn forget(&self, name: &JobName) {
        let mut inner = self.write();
        if let Some(document) = inner.by_name.remove(name) {
            inner.bytes -= document.body.len();
            if let Some(names) = inner.names.get_mut(&document.job_id) {
                names.retain(|n| n != name);
                if names.is_empty() {
                    inner.names.remove(&document.job_id);
                }
            }
        }
    }
}

/// The document of `stored` with its serialised `body`.
pub(crate) fn document(stored: &StoredJob, body: Vec<u8>) -> Document {
    Document {
        job_id: stored.id,
        version: stored.job.version,
        body: Bytes::from(body),
    }
}
