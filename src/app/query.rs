//! Query strings of list pages: reading parameters, and writing the link to another page of the same list.

/// A query parameter's value, `None` when absent or blank.
pub fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
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
    }
}
