//! The server's clock. Everything that needs "now" asks it, so tests and demos can move time forward.

use lifecycle::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Wall-clock time plus an offset that only a server started with `--dev-clock` may change; in tests, a
/// fixed time that moves only when told to.
#[derive(Clone, Debug)]
pub struct Clock {
    /// The offset added to wall-clock time or, for a fixed clock, the time itself (Unix milliseconds).
    offset_ms: Arc<AtomicI64>,
    adjustable: bool,
    fixed: bool,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            offset_ms: Arc::new(AtomicI64::new(0)),
            adjustable: false,
            fixed: false,
        }
    }

    /// A test clock that stands still at `at` (to the millisecond, as the store keeps times) until it is moved
    /// with [`Clock::advance`] or [`Clock::set`]; clones share the time, so a second app over the same
    /// database can see the same instant.
    #[cfg(test)]
    pub fn fixed(at: Timestamp) -> Clock {
        Clock {
            offset_ms: Arc::new(AtomicI64::new(at.timestamp_millis())),
            adjustable: true,
            fixed: true,
        }
    }

    /// Sets a fixed clock to `at`, forward or back (a test may try the instant before a deadline again).
    #[cfg(test)]
    pub fn set(&self, at: Timestamp) {
        assert!(self.fixed, "only a fixed test clock is set");
        self.offset_ms
            .store(at.timestamp_millis(), Ordering::Relaxed);
    }

    /// A clock staff can move forward from the console (development and tests only).
    pub fn development() -> Clock {
        Clock {
            adjustable: true,
            ..Clock::system()
        }
    }

    /// A development clock already moved forward by `offset` (what the database recorded before a restart).
    pub fn development_from(offset: chrono::TimeDelta) -> Clock {
        let clock = Clock::development();
        clock
            .offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
        clock
    }

    /// The server's clock: the wall clock, or with `--dev-clock` a development clock that goes on from where
    /// it was moved to before the server (re)started.
    pub async fn for_server(
        dev_clock: bool,
        store: &super::store::Store,
    ) -> Result<Clock, super::store::StoreError> {
        if !dev_clock {
            return Ok(Clock::system());
        }
        let offset = store.dev_clock_offset().await?;
        if offset > chrono::TimeDelta::zero() {
            tracing::info!(
                hours = offset.num_hours(),
                "development clock resumed where it was moved to"
            );
        }
        Ok(Clock::development_from(offset))
    }

    pub fn now(&self) -> Timestamp {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        if self.fixed {
            return chrono::DateTime::from_timestamp_millis(offset).unwrap_or_default();
        }
        chrono::Utc::now() + chrono::TimeDelta::milliseconds(offset)
    }

    pub fn is_adjustable(&self) -> bool {
        self.adjustable
    }

    /// Moves time forward; refused unless the clock is a development clock.
    pub fn advance(&self, by: chrono::TimeDelta) -> Result<Timestamp, &'static str> {
        if !self.adjustable {
            return Err("the clock can be moved only on a server started with --dev-clock");
        }
        if by <= chrono::TimeDelta::zero() {
            return Err("time only moves forward");
        }
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
        Ok(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_development_clock_moves() {
        let c = Clock::system();
        assert!(c.advance(chrono::TimeDelta::days(1)).is_err());
        let d = Clock::development();
        let before = d.now();
        let after = d.advance(chrono::TimeDelta::days(15)).unwrap();
        assert!(after - before >= chrono::TimeDelta::days(15));
        assert!(d.advance(chrono::TimeDelta::zero()).is_err());
        let resumed = Clock::development_from(chrono::TimeDelta::days(3));
        let ahead = resumed.now() - chrono::Utc::now();
        assert!(
            ahead > chrono::TimeDelta::days(3) - chrono::TimeDelta::minutes(1)
                && ahead <= chrono::TimeDelta::days(3),
            "{ahead}"
        );
        assert!(resumed.is_adjustable());
    }

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        use chrono::TimeZone;
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let c = Clock::fixed(t0);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now(), t0);
        let shared = c.clone();
        c.advance(chrono::TimeDelta::milliseconds(1)).unwrap();
        assert_eq!(shared.now(), t0 + chrono::TimeDelta::milliseconds(1));
        c.set(t0);
        assert_eq!(shared.now(), t0);
        assert!(c.is_adjustable());
    }
}
