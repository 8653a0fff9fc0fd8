//! The paths a job took (its own state changes and each drive's), as the diagrams draw them, by job version.
//! Computing them replays the job's whole event log, yet one version's history never changes (events are
//! append-only and the version counts them), so each (job, version) is computed once and kept in a bounded
//! memo: the job page, every live page re-reading after a change, and every other viewer of that version
//! share it. Nothing needs invalidating; a newer version is simply another key. Per store, so two databases
//! in one process (tests) never mix.

use super::{col, Store, StoreResult};
use lifecycle::history::{DriveStep, JobStep};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// The job's state changes and its drives' state changes, oldest first.
pub type Paths = Arc<(Vec<JobStep>, Vec<DriveStep>)>;

/// How many versions are kept: a few kilobytes each, for the jobs people are looking at.
const KEPT: usize = 2048;

#[derive(Default)]
pub(super) struct HistoryMemo {
    paths: HashMap<(i64, u64), Paths>,
    /// Insertion order, for dropping the oldest once full.
    order: VecDeque<(i64, u64)>,
}

impl HistoryMemo {
    fn get(&self, key: (i64, u64)) -> Option<Paths> {
        self.paths.get(&key).cloned()
    }

    fn insert(&mut self, key: (i64, u64), paths: Paths) {
        if self.paths.insert(key, paths).is_some() {
            return;
        }
        self.order.push_back(key);
        while self.order.len() > KEPT {
            if let Some(old) = self.order.pop_front() {
                self.paths.remove(&old);
            }
        }
    }
}

impl Store {
    /// The memo, even if a thread panicked while holding it: it only ever holds complete entries.
    fn history_memo(&self) -> std::sync::MutexGuard<'_, HistoryMemo> {
        self.history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The paths of job `job_id` as of `version`: from the events up to that version only, so a change
    /// committed after the caller read the snapshot never shows in the history of the snapshot's version.
    pub async fn paths(&self, job_id: i64, version: u64) -> StoreResult<Paths> {
        let key = (job_id, version);
        if let Some(found) = self.history_memo().get(key) {
            return Ok(found);
        }
        let rows =
            sqlx::query("SELECT body FROM events WHERE job_id = $1 AND seq <= $2 ORDER BY seq")
                .bind(job_id)
                .bind(version as i64)
                .fetch_all(&self.pool)
                .await?;
        let events = rows
            .iter()
            .map(|row| {
                Ok(serde_json::from_str::<lifecycle::Event>(&col::<String>(
                    row, "body",
                )?)?)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let paths: Paths = Arc::new(lifecycle::history::paths(&events));
        self.history_memo().insert(key, paths.clone());
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_keeps_the_newest_versions() {
        let mut memo = HistoryMemo::default();
        let empty: Paths = Arc::new((Vec::new(), Vec::new()));
        for v in 0..(KEPT as u64 + 10) {
            memo.insert((1, v), empty.clone());
        }
        assert_eq!(memo.paths.len(), KEPT);
        assert!(memo.get((1, 0)).is_none());
        assert!(memo.get((1, KEPT as u64 + 9)).is_some());
    }
}
