//! Server settings the rules depend on: the cancellation window and the timer durations (reference §4, §5).

use crate::state::JobState;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use std::fmt;

/// In which states a customer may still cancel (reference §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CancellationWindow {
    /// `Creating`, `Shipping`, `Received`, `Transferring` (the default, matching the seed).
    #[default]
    BeforePackaging,
    /// `Creating`, `Shipping`.
    CreatingOrShipping,
    /// `Creating` only.
    CreatingOnly,
}

impl CancellationWindow {
    pub const ALL: [CancellationWindow; 3] = [
        CancellationWindow::BeforePackaging,
        CancellationWindow::CreatingOrShipping,
        CancellationWindow::CreatingOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CancellationWindow::BeforePackaging => "before-packaging",
            CancellationWindow::CreatingOrShipping => "creating-or-shipping",
            CancellationWindow::CreatingOnly => "creating-only",
        }
    }

    pub fn parse(s: &str) -> Option<CancellationWindow> {
        Self::ALL.into_iter().find(|w| w.as_str() == s.trim())
    }

    pub fn cancellable_states(self) -> &'static [JobState] {
        match self {
            CancellationWindow::BeforePackaging => &[
                JobState::Creating,
                JobState::Shipping,
                JobState::Received,
                JobState::Transferring,
            ],
            CancellationWindow::CreatingOrShipping => &[JobState::Creating, JobState::Shipping],
            CancellationWindow::CreatingOnly => &[JobState::Creating],
        }
    }

    pub fn allows(self, state: JobState) -> bool {
        self.cancellable_states().contains(&state)
    }

    /// "before Packaging", for messages such as "Cancelling is possible only before Packaging".
    pub fn describe(self) -> &'static str {
        match self {
            CancellationWindow::BeforePackaging => "before the job reaches Packaging",
            CancellationWindow::CreatingOrShipping => "while the job is Creating or Shipping",
            CancellationWindow::CreatingOnly => "while the job is Creating",
        }
    }
}

impl fmt::Display for CancellationWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A duration written as `14d`, `36h`, `90m` or `45s` in configuration files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: i64,
}

impl Span {
    pub const fn days(days: i64) -> Span {
        Span {
            seconds: days * 86_400,
        }
    }

    pub const fn seconds(seconds: i64) -> Span {
        Span { seconds }
    }

    pub fn as_seconds(self) -> i64 {
        self.seconds
    }

    pub fn delta(self) -> TimeDelta {
        TimeDelta::seconds(self.seconds)
    }

    pub fn parse(text: &str) -> Result<Span, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("'{text}' needs a unit: d, h, m or s (e.g. 14d)"))?;
        let (number, unit) = text.split_at(split);
        let n: i64 = number
            .parse()
            .map_err(|_| format!("'{text}' must start with a whole number (e.g. 14d)"))?;
        let factor = match unit.trim() {
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            "s" => 1,
            other => {
                return Err(format!(
                    "unknown unit '{other}' in '{text}': use d, h, m or s"
                ))
            }
        };
        n.checked_mul(factor)
            .filter(|s| *s > 0)
            .map(Span::seconds)
            .ok_or_else(|| format!("'{text}' must be a positive duration"))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        if s % 86_400 == 0 {
            write!(f, "{}d", s / 86_400)
        } else if s % 3_600 == 0 {
            write!(f, "{}h", s / 3_600)
        } else if s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Span, D::Error> {
        let text = String::deserialize(deserializer)?;
        Span::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The durations of reference §5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct TimerSettings {
    /// A job left in `Creating` is deleted this long after its creation or last update.
    pub creating_expiry: Span,
    /// No drive received this long after `Shipping`: drives become `NeverReceived`, staff and customer alerted.
    pub shipping_overdue: Span,
    /// No answer this long after the overdue notice: the job is `Closed`.
    pub abandon_after_notice: Span,
    /// `Completed` and `Closed` jobs are deleted this long after reaching that state.
    pub retention: Span,
    /// Unmatched intake: drives are returned if the customer is not reached within this.
    pub unmatched_return: Span,
    /// Unmatched intake: drives neither claimed nor returned are securely destroyed after this.
    pub unmatched_destroy: Span,
    /// Return address reported wrong: the drives are securely destroyed this long after the report unless the
    /// address is corrected.
    pub wrong_return_address: Span,
}

impl Default for TimerSettings {
    fn default() -> TimerSettings {
        TimerSettings {
            creating_expiry: Span::days(14),
            shipping_overdue: Span::days(14),
            abandon_after_notice: Span::days(30),
            retention: Span::days(90),
            unmatched_return: Span::days(14),
            unmatched_destroy: Span::days(90),
            wrong_return_address: Span::days(90),
        }
    }
}

/// How many extra drives (unlisted drives that arrived with a job's packages) one job may hold by default.
pub const DEFAULT_MAX_EXTRA_DRIVES: u32 = 40;

/// The largest `max_extra_drives` a deployment may configure: every count derived from it (a return package's
/// drives, an intake form's rows) stays small.
pub const MAX_EXTRA_DRIVES_CEILING: u32 = 1000;

/// Everything `decide` needs besides the job, the command and the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Settings {
    pub cancellation_window: CancellationWindow,
    pub timers: TimerSettings,
    /// Extra drives per job, over all its packages: every count the ship-back checks stays bounded.
    pub max_extra_drives: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            cancellation_window: CancellationWindow::default(),
            timers: TimerSettings::default(),
            max_extra_drives: DEFAULT_MAX_EXTRA_DRIVES,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_windows_allow_exactly_the_documented_states() {
        use JobState::*;
        let allowed = |w: CancellationWindow| -> Vec<JobState> {
            JobState::ALL.into_iter().filter(|s| w.allows(*s)).collect()
        };
        assert_eq!(
            allowed(CancellationWindow::BeforePackaging),
            vec![Creating, Shipping, Received, Transferring]
        );
        assert_eq!(
            allowed(CancellationWindow::CreatingOrShipping),
            vec![Creating, Shipping]
        );
        assert_eq!(allowed(CancellationWindow::CreatingOnly), vec![Creating]);
        assert_eq!(
            CancellationWindow::default(),
            CancellationWindow::BeforePackaging
        );
        for w in CancellationWindow::ALL {
            assert_eq!(CancellationWindow::parse(w.as_str()), Some(w));
        }
        assert_eq!(CancellationWindow::parse("never"), None);
    }

    #[test]
    fn spans_parse_and_print() {
        assert_eq!(Span::parse("14d"), Ok(Span::days(14)));
        assert_eq!(Span::parse("36h").unwrap().as_seconds(), 36 * 3600);
        assert_eq!(Span::parse("90m").unwrap().to_string(), "90m");
        assert_eq!(Span::parse(" 45s ").unwrap().to_string(), "45s");
        assert_eq!(Span::days(30).to_string(), "30d");
        assert!(Span::parse("14").unwrap_err().contains("needs a unit"));
        assert!(Span::parse("14w").unwrap_err().contains("unknown unit"));
        assert!(Span::parse("0d").unwrap_err().contains("positive"));
        assert!(Span::parse("d").is_err());
    }

    #[test]
    fn default_timers_match_the_reference() {
        let t = TimerSettings::default();
        assert_eq!(t.creating_expiry, Span::days(14));
        assert_eq!(t.shipping_overdue, Span::days(14));
        assert_eq!(t.abandon_after_notice, Span::days(30));
        assert_eq!(t.retention, Span::days(90));
        assert_eq!(t.unmatched_return, Span::days(14));
        assert_eq!(t.unmatched_destroy, Span::days(90));
        assert_eq!(t.wrong_return_address, Span::days(90));
        assert_eq!(Settings::default().max_extra_drives, 40);
    }
}
