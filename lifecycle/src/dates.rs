//! Times as the portal writes them for people: `2026-11-24 10:00 UTC`, `2026-11-24`, `11-24 10:00`.
//!
//! Written from chrono's field accessors rather than with `format("%Y-…")`: the browser shows these too, and
//! chrono's strftime engine (its format-string parser and the writer of every specifier) was about 10 KB of
//! the WebAssembly every page loads, for three fixed patterns. The output is exactly what those patterns
//! give (the tests compare the two).

use crate::Timestamp;
use chrono::{Datelike, Timelike};
use std::fmt;

/// `%Y`: four digits, zero-padded; a year outside 0–9999 gets its sign and at least four digits.
struct Year(i32);

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if (0..10_000).contains(&self.0) {
            write!(f, "{:04}", self.0)
        } else {
            write!(f, "{:+05}", self.0)
        }
    }
}

/// `%Y-%m-%d %H:%M UTC`.
pub fn utc_minutes(t: Timestamp) -> String {
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        Year(t.year()),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `%Y-%m-%d`.
pub fn date(t: Timestamp) -> String {
    format!("{}-{:02}-{:02}", Year(t.year()), t.month(), t.day())
}

/// `%m-%d %H:%M`.
pub fn month_day_minutes(t: Timestamp) -> String {
    format!(
        "{:02}-{:02} {:02}:{:02}",
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn same_text_as_the_strftime_patterns() {
        let times = [
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 59).unwrap(),
            Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(205, 6, 7, 8, 9, 10).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-44, 3, 15, 12, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(12_345, 7, 8, 9, 10, 11).unwrap(),
            Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap()
                + chrono::TimeDelta::milliseconds(999),
        ];
        for t in times {
            assert_eq!(utc_minutes(t), t.format("%Y-%m-%d %H:%M UTC").to_string());
            assert_eq!(date(t), t.format("%Y-%m-%d").to_string());
            assert_eq!(month_day_minutes(t), t.format("%m-%d %H:%M").to_string());
        }
    }
}
