//! Dates in ISO 8601 with a relative hint ("3 days ago"). The reference "now" comes with the page's data, so
//! the server and the browser render the same text.

use leptos::prelude::*;
use lifecycle::Timestamp;
use serde::{Deserialize, Serialize};

/// `2026-11-24 10:00 UTC`.
pub fn iso_minutes(t: Timestamp) -> String {
    lifecycle::dates::utc_minutes(t)
}

/// "just now", "5 minutes ago", "in 3 days".
pub fn relative(t: Timestamp, now: Timestamp) -> String {
    let secs = (now - t).num_seconds();
    let (amount, future) = if secs >= 0 {
        (secs, false)
    } else {
        (-secs, true)
    };
    if amount < 45 {
        return "just now".into();
    }
    let (n, unit) = match amount {
        a if a < 3_600 => ((a + 30) / 60, "minute"),
        a if a < 86_400 => ((a + 1_800) / 3_600, "hour"),
        a if a < 86_400 * 45 => ((a + 43_200) / 86_400, "day"),
        a if a < 86_400 * 365 => ((a + 86_400 * 15) / (86_400 * 30), "month"),
        a => (a / (86_400 * 365), "year"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// A time ready to show: the exact RFC 3339 value, ISO 8601 to the minute, and the relative hint from the
/// page's "now". Pages whose data the server prepares receive these instead of timestamps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub exact: String,
    pub minutes: String,
    pub relative: String,
}

impl Moment {
    pub fn new(at: Timestamp, now: Timestamp) -> Moment {
        Moment {
            exact: at.to_rfc3339(),
            minutes: iso_minutes(at),
            relative: relative(at, now),
        }
    }
}

/// A `<time>` element: ISO date-time with the relative hint beside it.
#[component]
pub fn Time(at: Timestamp, now: Timestamp) -> impl IntoView {
    view! { <When moment=Moment::new(at, now)/> }
}

/// The `<time>` element of a prepared `Moment`.
#[component]
pub fn When(moment: Moment) -> impl IntoView {
    let Moment {
        exact,
        minutes,
        relative,
    } = moment;
    view! {
        <time datetime=exact.clone() title=exact>
            {minutes}
            <span class="relative">{format!(" · {relative}")}</span>
        </time>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};

    #[test]
    fn relative_hints() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - TimeDelta::minutes(1), now), "1 minute ago");
        assert_eq!(relative(now - TimeDelta::minutes(5), now), "5 minutes ago");
        assert_eq!(relative(now - TimeDelta::hours(3), now), "3 hours ago");
        assert_eq!(relative(now - TimeDelta::days(3), now), "3 days ago");
        assert_eq!(relative(now + TimeDelta::days(14), now), "in 14 days");
        assert_eq!(relative(now - TimeDelta::days(90), now), "3 months ago");
        assert_eq!(iso_minutes(now), "2026-11-25 12:00 UTC");
    }
}
