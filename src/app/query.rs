//! Query strings of list pages: reading parameters, and writing the link to another page of the same list.

/// The longest value a list query keeps (characters): longer than any name, tracking number, email or cursor
/// it can match, so nothing is lost, while a crafted URL cannot make the search or the page carry more.
pub const MAX_QUERY_CHARS: usize = 256;

/// A query parameter's value, `None` when absent or blank, cut to `MAX_QUERY_CHARS`.
pub fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| {
        let s = s.trim();
        match s.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => s[..cut].trim_end().to_string(),
            None => s.to_string(),
        }
    })
    .filter(|s| !s.is_empty())
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `path?k=v&…&cursor=c` with the parameters that have values, or `path` alone.
pub fn list_href(path: &str, params: &[(&str, &Option<String>)], cursor: Option<&str>) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencode(v))))
        .collect();
    if let Some(c) = cursor {
        parts.push(format!("cursor={}", urlencode(c)));
    }
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_encode_them() {
        let q = Some("a b&c".to_string());
        let none = None;
        assert_eq!(
            list_href("/jobs", &[("q", &q), ("state", &none)], None),
            "/jobs?q=a%20b%26c"
        );
        assert_eq!(
            list_href("/jobs", &[("state", &none)], Some("1.2")),
            "/jobs?cursor=1.2"
        );
        assert_eq!(list_href("/staff", &[], None), "/staff");
        assert_eq!(non_empty(Some("  ".into())), None);
        assert_eq!(non_empty(Some(" x ".into())).as_deref(), Some("x"));
        let long = "é".repeat(100_000);
        assert_eq!(
            non_empty(Some(long)).map(|s| s.chars().count()),
            Some(MAX_QUERY_CHARS)
        );
    }
}
