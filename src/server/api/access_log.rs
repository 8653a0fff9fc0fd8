//! The API's access log: one line per request with both request ids, the outcome and the duration, so that a
//! client's report can be matched with the server's log.
//!
//! The line is formatted here, in the layout of the tracing lines around it
//! (`<time>  INFO portal::api: API request request_id=… client_request_id="…" method=… path="…" status=… ms=…`),
//! with every value the client chose (its request id, the path) quoted and escaped, so that no value can end
//! its field early or forge another (`x-ms-client-request-id: a status=200 ms=1` stays one quoted value);
//! and handed straight to the process's log writer: through tracing's field formatting it cost about a tenth
//! of an API request's CPU (see BENCHMARKS.md). Tracing's filter still decides whether it is written
//! (`RUST_LOG=portal::api=warn` silences it), and where no writer is installed (tests, embedded use) the line
//! goes through tracing as any other.

use crate::server::log_writer;
use axum::http::Method;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write;

pub struct ApiRequest<'a> {
    pub request_id: &'a str,
    /// Written `-` when the client sent none.
    pub client_request_id: Option<&'a str>,
    pub method: &'a Method,
    pub path: &'a str,
    pub status: u16,
    pub ms: u64,
}

impl ApiRequest<'_> {
    pub fn log(&self) {
        if !tracing::enabled!(target: "portal::api", tracing::Level::INFO) {
            return;
        }
        match log_writer::installed() {
            Some(writer) => writer.write_line(self.line(Utc::now()).into_bytes()),
            None => tracing::info!(
                target: "portal::api",
                request_id = %self.request_id,
                client_request_id = ?self.client_request_id.unwrap_or("-"),
                method = %self.method,
                path = ?self.path,
                status = self.status,
                ms = self.ms,
                "API request"
            ),
        }
    }

    fn line(&self, at: DateTime<Utc>) -> String {
        let mut line = String::with_capacity(160 + self.path.len());
        line.push_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true));
        line.push_str("  INFO portal::api: API request request_id=");
        line.push_str(self.request_id);
        line.push_str(" client_request_id=");
        match self.client_request_id {
            Some(id) => push_quoted(&mut line, id),
            None => line.push('-'),
        }
        line.push_str(" method=");
        line.push_str(self.method.as_str());
        line.push_str(" path=");
        push_quoted(&mut line, self.path);
        let _ = writeln!(line, " status={} ms={}", self.status, self.ms);
        line
    }
}

/// `value` in double quotes, with quotes, backslashes and anything not printable ASCII escaped (as Rust writes
/// them: `\"`, `\\`, `\n`, `\u{7f}`).
pub fn push_quoted(line: &mut String, value: &str) {
    line.push('"');
    for c in value.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            ' '..='~' => line.push(c),
            other => line.extend(other.escape_default()),
        }
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_reads_like_tracings_own() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T00:21:16.501235Z")
            .expect("time")
            .with_timezone(&Utc);
        let line = ApiRequest {
            request_id: "a6b2bce9-09d9-4a71-89ca-da96e043bc4b",
            client_request_id: None,
            method: &Method::GET,
            path: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/j",
            status: 200,
            ms: 1,
        }
        .line(at);
        assert_eq!(
            line,
            "2026-12-02T00:21:16.501235Z  INFO portal::api: API request \
             request_id=a6b2bce9-09d9-4a71-89ca-da96e043bc4b client_request_id=- method=GET \
             path=\"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/j\" status=200 ms=1\n"
        );
    }

    #[test]
    fn client_values_cannot_forge_fields() {
        let at = DateTime::parse_from_rfc3339("2026-12-02T00:21:16Z")
            .expect("time")
            .with_timezone(&Utc);
        let line = ApiRequest {
            request_id: "r",
            client_request_id: Some("x status=200 ms=1\" method=\\evil\n\u{1b}[31m"),
            method: &Method::GET,
            path: "/providers/x",
            status: 401,
            ms: 2,
        }
        .line(at);
        assert!(
            line.contains(
                r#"client_request_id="x status=200 ms=1\" method=\\evil\n\u{1b}[31m" method=GET"#
            ),
            "{line}"
        );
        assert_eq!(
            line.matches(" status=").count(),
            2,
            "the forged one stays inside the quotes"
        );
        assert!(line.ends_with("status=401 ms=2\n"));
        assert_eq!(line.lines().count(), 1, "{line}");
    }
}
