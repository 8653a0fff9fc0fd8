//! The site's static files, served from memory: `/pkg/…` (the WebAssembly, its JavaScript, the stylesheet)
//! and the files of `public/` at the site's root (the favicon). They pass every layer of the router like any
//! route (security headers, request limits; the access policy makes them public).
//!
//! - Each file is read once, with its content type and a strong `ETag` of its bytes. Text and WebAssembly
//!   also get a gzip copy (level 9, kept only when smaller), made in the background: at start-up for the
//!   files there (`warm`), else after the first read, whose request is answered with the plain bytes rather
//!   than wait (a debug build's WebAssembly is 16 MB). A request whose `Accept-Encoding` allows gzip gets
//!   the gzip copy once it exists (`Vary: Accept-Encoding` either way); `If-None-Match` with the current tag
//!   answers 304.
//! - The file names carry no content hash (cargo-leptos' `hash-files` is off), so browsers must revalidate:
//!   `Cache-Control: no-cache`, which costs a 304 of a few bytes per page load rather than the file.
//! - A file changed on disk (a new build, `cargo leptos watch`) is read again: every request compares the
//!   file's size and modification time with the copy's (one `stat`, no read).

use super::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// One file as served.
struct File {
    len: u64,
    modified: Option<SystemTime>,
    content_type: HeaderValue,
    compressible: bool,
    body: Bytes,
    etag: HeaderValue,
    /// The gzip copy and its tag, when smaller.
    gzip: Option<(Bytes, HeaderValue)>,
}

/// The files under the site root, by their path below it.
#[derive(Clone)]
pub struct StaticFiles {
    root: Arc<PathBuf>,
    files: Arc<RwLock<HashMap<String, Arc<File>>>>,
}

/// Content types by extension (what browsers need: `application/wasm` for streaming compilation).
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("ts") => "application/typescript",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/wasm" | "image/svg+xml" | "application/json" | "application/typescript"
        )
}

/// Whether `path` (below the root) names a file inside it: plain segments only.
fn safe(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && !segment.contains(['\\', '\0'])
        })
}

fn tag(bytes: &[u8], suffix: &str) -> HeaderValue {
    let digest = hex::encode(&Sha256::digest(bytes)[..12]);
    HeaderValue::from_str(&format!("\"{digest}{suffix}\""))
        .unwrap_or(HeaderValue::from_static("\"\""))
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// Reads a file, without its gzip copy (blocking: run off the request threads).
fn load(path: &std::path::Path, name: &str) -> std::io::Result<File> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::ErrorKind::NotFound.into());
    }
    let body = std::fs::read(path)?;
    let content_type = content_type(name);
    Ok(File {
        len: metadata.len(),
        modified: metadata.modified().ok(),
        content_type: HeaderValue::from_static(content_type),
        compressible: compressible(content_type),
        etag: tag(&body, ""),
        body: Bytes::from(body),
        gzip: None,
    })
}

/// `file` with its gzip copy, when that is smaller (blocking, and slow for large files).
fn with_gzip(file: &File) -> Option<File> {
    let z = gzip(&file.body).filter(|z| z.len() < file.body.len())?;
    Some(File {
        len: file.len,
        modified: file.modified,
        content_type: file.content_type.clone(),
        compressible: true,
        body: file.body.clone(),
        etag: file.etag.clone(),
        gzip: Some((Bytes::from(z), tag(&file.body, "-gz"))),
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether `If-None-Match` names `etag` (or `*`).
fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

impl StaticFiles {
    /// The files of the site that `options` names (`site-root`).
    pub fn for_site(options: &leptos::config::LeptosOptions) -> StaticFiles {
        StaticFiles::new(options.site_root.as_ref())
    }

    pub fn new(root: impl Into<PathBuf>) -> StaticFiles {
        StaticFiles {
            root: Arc::new(root.into()),
            files: Arc::default(),
        }
    }

    /// Reads every file of `pkg/` and of the root in the background, so that the first visitors do not wait
    /// for the WebAssembly's gzip copy.
    pub fn warm(&self) {
        let files = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut names = Vec::new();
            for (dir, prefix) in [
                (files.root.join("pkg"), "pkg/"),
                ((*files.root).clone(), ""),
            ] {
                if let Ok(entries) = std::fs::read_dir(dir) {
                    for entry in entries.flatten() {
                        if entry.file_type().is_ok_and(|t| t.is_file()) {
                            names.push(format!("{prefix}{}", entry.file_name().to_string_lossy()));
                        }
                    }
                }
            }
            for name in names {
                if let Ok(file) = load(&files.root.join(&name), &name) {
                    let file = match file.compressible.then(|| with_gzip(&file)).flatten() {
                        Some(zipped) => zipped,
                        None => file,
                    };
                    files.put(name, file);
                }
            }
        });
    }

    fn put(&self, name: String, file: File) -> Arc<File> {
        let file = Arc::new(file);
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, file.clone());
        file
    }

    /// The current copy of `name`, read again when the file on disk differs from it.
    async fn current(&self, name: &str) -> Option<Arc<File>> {
        if !safe(name) {
            return None;
        }
        let path = self.root.join(name);
        let kept = self
            .files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned();
        // A stat of a file in the page cache: cheaper than a hop to the blocking pool.
        let metadata = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
        if let Some(file) = kept {
            if file.len == metadata.len() && file.modified == metadata.modified().ok() {
                return Some(file);
            }
        }
        let owned = name.to_string();
        let file = tokio::task::spawn_blocking(move || load(&path, &owned))
            .await
            .ok()?
            .ok()?;
        let file = self.put(name.to_string(), file);
        if file.compressible {
            self.gzip_later(name.to_string(), file.clone());
        }
        Some(file)
    }

    /// Makes the gzip copy of `file` in the background and keeps it, unless the file was read again meanwhile.
    fn gzip_later(&self, name: String, file: Arc<File>) {
        let files = self.clone();
        tokio::task::spawn_blocking(move || {
            let Some(zipped) = with_gzip(&file) else {
                return;
            };
            let mut kept = files.files.write().unwrap_or_else(|e| e.into_inner());
            if kept.get(&name).is_some_and(|k| Arc::ptr_eq(k, &file)) {
                kept.insert(name, Arc::new(zipped));
            }
        });
    }

    async fn serve(&self, name: &str, headers: &HeaderMap) -> Response {
        let Some(file) = self.current(name).await else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let (body, etag, encoded) = match &file.gzip {
            Some((z, etag)) if accepts_gzip(headers) => (z.clone(), etag.clone(), true),
            _ => (file.body.clone(), file.etag.clone(), false),
        };
        let mut response = if not_modified(headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            body.into_response()
        };
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, file.content_type.clone());
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::ETAG, etag);
        if file.compressible {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if encoded {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    }
}

/// `GET /pkg/{*path}`.
pub async fn pkg(
    State(app): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    app.static_files
        .serve(&format!("pkg/{path}"), &headers)
        .await
}

/// `GET /favicon.svg` (a file of `public/`, copied to the site's root).
pub async fn favicon(State(app): State<AppState>, headers: HeaderMap) -> Response {
    app.static_files.serve("favicon.svg", &headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_below_the_root_are_served() {
        assert!(safe("pkg/portal.wasm"));
        assert!(safe("favicon.svg"));
        for bad in [
            "",
            "pkg/../Cargo.toml",
            "../x",
            "pkg//x",
            "pkg/./x",
            "pkg\\x",
            "/etc/passwd",
        ] {
            assert!(!safe(bad), "{bad}");
        }
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        let h = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            h
        };
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn if_none_match_compares_tags() {
        let etag = HeaderValue::from_static("\"abc\"");
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(not_modified(&h, &etag));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!not_modified(&h, &etag));
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }
}
