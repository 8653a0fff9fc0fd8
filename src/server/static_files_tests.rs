//! Static files through the whole router: served from memory with their content type, the security headers
//! every response carries, revalidation (`ETag`, 304), gzip copies when asked for, a changed file seen at
//! once, and nothing outside the site's folder.

use super::router_tests::{test_app_with, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Site {
    app: TestApp,
    root: tempfile::TempDir,
}

const WASM: &[u8] =
    b"\0asm\x01\0\0\0 a module that compresses well well well well well well well well well";

async fn site() -> Site {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(root.path().join("pkg")).expect("pkg");
    std::fs::write(root.path().join("pkg/portal.wasm"), WASM.repeat(40)).expect("wasm");
    std::fs::write(
        root.path().join("pkg/portal.js"),
        "export function run() {}\n".repeat(40),
    )
    .expect("js");
    std::fs::write(
        root.path().join("pkg/portal.css"),
        "body { color: black; }\n".repeat(40),
    )
    .expect("css");
    std::fs::write(
        root.path().join("favicon.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    )
    .expect("svg");
    std::fs::write(root.path().join("secret.txt"), "not a site file").expect("secret");
    let path = root.path().to_string_lossy().to_string();
    let app = test_app_with(move |config| {
        config.leptos.site_root = path.into();
    })
    .await;
    Site { app, root }
}

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

#[tokio::test]
async fn site_files_have_their_type_the_security_headers_and_revalidate() {
    let site = site().await;
    for (path, content_type) in [
        ("/pkg/portal.wasm", "application/wasm"),
        ("/pkg/portal.js", "text/javascript"),
        ("/pkg/portal.css", "text/css"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let (status, h, body) = get(&site.app, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(h[header::CONTENT_TYPE], content_type, "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(
            h["content-security-policy"], "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(h[header::CACHE_CONTROL], "no-cache", "{path}");
        assert!(
            h.get(header::CONTENT_ENCODING).is_none(),
            "{path}: not asked for gzip"
        );
        let on_disk = std::fs::read(site.root.path().join(path.trim_start_matches('/'))).unwrap();
        assert_eq!(body, on_disk, "{path}");
        let etag = h[header::ETAG].to_str().unwrap().to_string();
        let (status, h, body) = get(&site.app, path, &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(body.is_empty());
        assert_eq!(h[header::ETAG], etag.as_str());
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn compressible_files_come_gzipped_when_the_client_accepts_it() {
    let site = site().await;
    let plain = std::fs::read(site.root.path().join("pkg/portal.wasm")).unwrap();
    // The first read answers at once with the plain bytes; the gzip copy follows in the background.
    let (status, h, body) = get(
        &site.app,
        "/pkg/portal.wasm",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::VARY], "accept-encoding");
    if h.get(header::CONTENT_ENCODING).is_none() {
        assert_eq!(body, plain);
    }
    let mut waited = 0;
    let (status, h, body) = loop {
        let reply = get(
            &site.app,
            "/pkg/portal.wasm",
            &[("accept-encoding", "gzip, br")],
        )
        .await;
        if reply.1.contains_key(header::CONTENT_ENCODING) || waited == 200 {
            break reply;
        }
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert_eq!(h[header::VARY], "accept-encoding");
    assert_eq!(h[header::CONTENT_TYPE], "application/wasm");
    assert!(
        body.len() < plain.len() / 4,
        "{} of {}",
        body.len(),
        plain.len()
    );
    assert_eq!(gunzip(&body), plain);
    // The gzip copy is another representation: its own tag.
    let (_, identity, _) = get(&site.app, "/pkg/portal.wasm", &[]).await;
    assert_ne!(identity[header::ETAG], h[header::ETAG]);
    assert_eq!(identity[header::VARY], "accept-encoding");
}

#[tokio::test]
async fn a_changed_file_is_served_at_once_and_nothing_outside_the_site_is() {
    let site = site().await;
    let (_, first, _) = get(&site.app, "/pkg/portal.css", &[]).await;
    std::fs::write(
        site.root.path().join("pkg/portal.css"),
        "body { color: red; }\n",
    )
    .unwrap();
    let (status, h, body) = get(&site.app, "/pkg/portal.css", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"body { color: red; }\n");
    assert_ne!(h[header::ETAG], first[header::ETAG]);
    for path in [
        "/pkg/missing.js",
        "/pkg/../secret.txt",
        "/pkg/%2e%2e/secret.txt",
        "/pkg/",
    ] {
        let (status, _, body) = get(&site.app, path, &[]).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::SEE_OTHER,
            "{path}: {status}"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("not a site file"),
            "{path}"
        );
    }
}
