//! The API's access log: one line per request with both request ids, the outcome and the duration, so that a
//! client's report can be matched with the server's log.
//!
//! The line is formatted here, in the layout of the tracing lines around it
//! (`<time>  INFO portal::api: API request request_id=… client_request_id=… method=… path=… status=… ms=…`),
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
    /// `-` when the client sent none.
    pub client_request_id: &'a str,
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
                client_request_id = %self.client_request_id,
                method = %self.method,
                path = %self.path,
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
        line.push_str(self.client_request_id);
        line.push_str(" method=");
        line.push_str(self.method.as_str());
        line.push_str(" path=");
        line.push_str(self.path);
        let _ = writeln!(line, " status={} ms={}", self.status, self.ms);
        line
    }
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
            client_request_id: "-",
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
             path=/subscriptions/s/resourceGroups/rg/providers/Microsoft.ImportExport/jobs/j status=200 ms=1\n"
        );
    }
}
