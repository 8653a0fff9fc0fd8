//! Dates in ISO 8601 with a relative hint ("3 days ago"). The reference "now" comes with the page's data, so
//! the server and the browser render the same text.

use leptos::prelude::*;
use lifecycle::Timestamp;

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

/// A `<time>` element: ISO date-time with the relative hint beside it.
#[component]
pub fn Time(at: Timestamp, now: Timestamp) -> impl IntoView {
    view! {
        <time datetime=at.to_rfc3339() title=at.to_rfc3339()>
            {iso_minutes(at)}
            <span class="relative">{format!(" · {}", relative(at, now))}</span>
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
