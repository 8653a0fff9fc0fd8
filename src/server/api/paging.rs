//! List queries: `$top` (page size, 1 to 100, default 100), `$filter` (`state eq 'X'` and/or
//! `jobType eq 'Y'`, joined by `and`), and `nextLink` paging over the store's keyset cursor.
//!
//! Why the whole position lives in `$skipToken`: the SDK follows `nextLink` but rebuilds its query (it re-quotes
//! every value and forces its own api-version), so the page size and filter travel inside one opaque token
//! made only of characters no client re-encodes.

use super::errors::ApiError;
use super::query::QueryParams;
use crate::server::store::{Cursor, JobFilter};
use lifecycle::{JobState, JobType};
use utoipa::IntoParams;

pub const MAX_TOP: u32 = 100;

/// The query of Jobs_ListBySubscription and Jobs_ListByResourceGroup (besides `api-version`).
#[derive(Clone, Debug, Default, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many jobs one page holds (1 to 100; default 100). Follow `nextLink` for more.
    #[param(rename = "$top", minimum = 1, maximum = 100)]
    pub top: Option<u32>,
    /// `state eq '<State>'` and/or `jobType eq '<Import|Export>'`, joined by `and`.
    #[param(rename = "$filter")]
    pub filter: Option<String>,
    /// Opaque: copied from a `nextLink`.
    #[param(rename = "$skipToken")]
    pub skip_token: Option<String>,
}

/// Where a list request starts and what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub top: u32,
    pub filter: JobFilter,
    pub after: Option<Cursor>,
}

impl ListQuery {
    /// Reads the list parameters of a request; `$top` must be a whole number.
    pub fn from_params(q: &QueryParams) -> Result<ListQuery, ApiError> {
        let top = match q.get("$top") {
            None => None,
            Some(raw) => Some(raw.trim().parse::<u32>().map_err(|_| bad_top(raw))?),
        };
        Ok(ListQuery {
            top,
            filter: q.get("$filter").map(str::to_string),
            skip_token: q.get("$skipToken").map(str::to_string),
        })
    }

    /// The page asked for. A `$skipToken` carries the page size and filter of the first request, and wins
    /// over `$top` and `$filter`.
    pub fn page(&self) -> Result<Page, ApiError> {
        if let Some(token) = &self.skip_token {
            return SkipToken::decode(token)
                .map(|t| Page {
                    top: t.top,
                    filter: t.filter,
                    after: Some(t.after),
                })
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "InvalidSkipToken",
                        "$skipToken",
                        "$skipToken is not one this server issued; copy nextLink exactly",
                    )
                });
        }
        let top = match self.top {
            None => MAX_TOP,
            Some(n) if (1..=MAX_TOP).contains(&n) => n,
            Some(n) => return Err(bad_top(&n.to_string())),
        };
        let filter = match &self.filter {
            None => JobFilter::default(),
            Some(text) => parse_filter(text)
                .map_err(|m| ApiError::bad_request("InvalidFilter", "$filter", m))?,
        };
        Ok(Page {
            top,
            filter,
            after: None,
        })
    }
}

fn bad_top(raw: &str) -> ApiError {
    ApiError::bad_request(
        "InvalidTop",
        "$top",
        format!("$top must be a whole number from 1 to {MAX_TOP}; got '{raw}'"),
    )
}

const FILTER_GRAMMAR: &str =
    "$filter supports state eq '<State>' and jobType eq '<Import|Export>', joined by 'and'";

/// `state eq 'Shipping' and jobType eq 'Import'`: keywords and values case-insensitive, each field once.
pub fn parse_filter(text: &str) -> Result<JobFilter, String> {
    let mut filter = JobFilter::default();
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(format!("$filter is empty; {FILTER_GRAMMAR}"));
    }
    loop {
        let (field, value, tail) =
            clause(rest).ok_or_else(|| format!("Cannot read '{rest}'; {FILTER_GRAMMAR}"))?;
        if field.eq_ignore_ascii_case("state") {
            let state = JobState::parse(value).ok_or_else(|| {
                let names: Vec<&str> = JobState::ALL.iter().map(|s| s.as_str()).collect();
                format!("'{value}' is not a job state ({})", names.join(", "))
            })?;
            if filter.state.replace(state).is_some() {
                return Err("$filter names state twice".into());
            }
        } else if field.eq_ignore_ascii_case("jobType") {
            let t = JobType::parse(value)
                .ok_or_else(|| format!("'{value}' is not a job type (Import, Export)"))?;
            if filter.job_type.replace(t).is_some() {
                return Err("$filter names jobType twice".into());
            }
        } else {
            return Err(format!("Cannot filter on '{field}'; {FILTER_GRAMMAR}"));
        }
        let tail = tail.trim_start();
        if tail.is_empty() {
            return Ok(filter);
        }
        rest = strip_keyword(tail, "and")
            .filter(|r| r.starts_with(char::is_whitespace))
            .ok_or_else(|| format!("Expected 'and' before '{tail}'; {FILTER_GRAMMAR}"))?
            .trim_start();
    }
}

/// One `field eq 'value'` clause: (field, value, what follows).
fn clause(text: &str) -> Option<(&str, &str, &str)> {
    let text = text.trim_start();
    let end = text.find(|c: char| !c.is_ascii_alphanumeric())?;
    let (field, rest) = text.split_at(end);
    if field.is_empty() || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = strip_keyword(rest.trim_start(), "eq")?;
    let rest = rest.trim_start().strip_prefix('\'')?;
    let close = rest.find('\'')?;
    Some((field, &rest[..close], &rest[close + 1..]))
}

fn strip_keyword<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let head = text.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| &text[keyword.len()..])
}

/// The position after the last job of a page, with the page size and filter: `v1.<created>.<id>.<top>.<state>.<type>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkipToken {
    pub after: Cursor,
    pub top: u32,
    pub filter: JobFilter,
}

impl SkipToken {
    pub fn encode(&self) -> String {
        format!(
            "v1.{}.{}.{}.{}.{}",
            self.after.created_at,
            self.after.id,
            self.top,
            self.filter.state.map_or("-", JobState::as_str),
            self.filter.job_type.map_or("-", JobType::as_str)
        )
    }

    pub fn decode(text: &str) -> Option<SkipToken> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let ["v1", created, id, top, state, job_type] = parts.as_slice() else {
            return None;
        };
        let top: u32 = top.parse().ok().filter(|n| (1..=MAX_TOP).contains(n))?;
        fn optional(s: &str) -> Option<&str> {
            (s != "-").then_some(s)
        }
        Some(SkipToken {
            after: Cursor {
                created_at: created.parse().ok()?,
                id: id.parse().ok()?,
            },
            top,
            filter: JobFilter {
                state: match optional(state) {
                    Some(s) => Some(JobState::parse(s)?),
                    None => None,
                },
                job_type: match optional(job_type) {
                    Some(t) => Some(JobType::parse(t)?),
                    None => None,
                },
                search: None,
            },
        })
    }
}

/// The absolute URL of the next page: this path, the api-version of this request and the token.
pub fn next_link(base_url: &str, path: &str, api_version: &str, token: &SkipToken) -> String {
    format!(
        "{base_url}{path}?api-version={api_version}&$skipToken={}",
        token.encode()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_on_state_and_job_type() {
        let f = parse_filter("state eq 'Shipping'").unwrap();
        assert_eq!(f.state, Some(JobState::Shipping));
        assert_eq!(f.job_type, None);
        let f = parse_filter("  jobType EQ 'export'  AND state eq 'completed' ").unwrap();
        assert_eq!(f.job_type, Some(JobType::Export));
        assert_eq!(f.state, Some(JobState::Completed));
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for bad in [
            "",
            "state eq Shipping",
            "state ne 'Shipping'",
            "name eq 'x'",
            "state eq 'Shipping' or jobType eq 'Import'",
            "state eq 'Shipping' jobType eq 'Import'",
            "state eq 'Shipping' and",
            "state eq 'Lost'",
            "jobType eq 'Both'",
            "state eq 'Shipping' and state eq 'Creating'",
            "state eq 'Shipping'andjobType eq 'Import'",
            "stateeq 'Shipping'",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn skip_tokens_round_trip_and_reject_forgeries() {
        let token = SkipToken {
            after: Cursor {
                created_at: 1_700_000_000_000,
                id: 42,
            },
            top: 2,
            filter: JobFilter {
                state: Some(JobState::Shipping),
                job_type: None,
                search: None,
            },
        };
        let text = token.encode();
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')),
            "{text}"
        );
        assert_eq!(SkipToken::decode(&text), Some(token));
        for bad in [
            "",
            "v1.1.2",
            "v2.1.2.3.-.-",
            "v1.x.2.3.-.-",
            "v1.1.2.0.-.-",
            "v1.1.2.101.-.-",
            "v1.1.2.3.Lost.-",
        ] {
            assert_eq!(SkipToken::decode(bad), None, "{bad}");
        }
    }
}
