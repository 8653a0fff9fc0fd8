//! The server's clock. Everything that needs "now" asks it, so tests and demos can move time forward.

use lifecycle::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Wall-clock time plus an offset that only a server started with `--dev-clock` may change.
#[derive(Clone, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    adjustable: bool,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            offset_ms: Arc::new(AtomicI64::new(0)),
            adjustable: false,
        }
    }

    /// A clock staff can move forward from the console (development and tests only).
    pub fn development() -> Clock {
        Clock {
            adjustable: true,
            ..Clock::system()
        }
    }

    pub fn now(&self) -> Timestamp {
        chrono::Utc::now() + chrono::TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed))
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
    }
}
