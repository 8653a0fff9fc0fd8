//! `portal` (serve) as operators start it, for what only the binary decides: demo mode refuses a database
//! with real accounts unless forced, the benchmark endpoints never share the portal's origin, and a database
//! URL's password never reaches the output.
//!
//! The binary is `PORTAL_BIN` if set, else the one cargo built for this test.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    std::env::var_os("PORTAL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_portal")))
}

fn portal(args: &[&str]) -> Command {
    let mut command = Command::new(binary());
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("PORTAL_DATABASE_URL")
        .env_remove("PORTAL_DEMO");
    command
}

/// A server process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `file` to hold an address; panics if `child` exits first.
fn wait_for_address(child: &mut Child, file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(addr) = std::fs::read_to_string(file) {
            if !addr.trim().is_empty() {
                return addr.trim().to_string();
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no address in {}", file.display());
}

/// One HTTP/1.1 request; the status and the whole response.
fn request(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/html\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, text)
}

#[test]
fn demo_mode_refuses_a_database_with_other_accounts_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}", dir.path().join("real.db").display());
    let made = portal(&[
        "admin",
        "create-customer",
        "--email",
        "real@example.com",
        "--name",
        "Real Customer",
        "--password",
        "a-real-password-1",
        "--database-url",
        &database,
    ])
    .output()
    .expect("admin");
    assert!(made.status.success(), "{made:?}");

    let addr_file = dir.path().join("addr");
    let refused = portal(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &database,
    ])
    .arg("--addr-file")
    .arg(&addr_file)
    .output()
    .expect("serve");
    assert!(!refused.status.success(), "demo mode refused");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("refusing demo mode") && said.contains("--demo-force"),
        "{said}"
    );
    assert!(!addr_file.exists(), "it never listened");

    let mut forced = Running(
        portal(&[
            "--demo",
            "--demo-force",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database,
        ])
        .arg("--addr-file")
        .arg(&addr_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve"),
    );
    let addr = wait_for_address(&mut forced.0, &addr_file);
    assert_eq!(request(&addr, "GET", "/healthz", "").0, 200);
    drop(forced);
}

#[test]
fn benchmark_endpoints_listen_apart_on_loopback_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}", dir.path().join("bench.db").display());
    let addr_file = dir.path().join("addr");
    let bench_file = dir.path().join("bench-addr");
    let mut server = Running(
        portal(&[
            "--bench-endpoints",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &database,
        ])
        .arg("--addr-file")
        .arg(&addr_file)
        .arg("--bench-addr-file")
        .arg(&bench_file)
        .stdout(Stdio::null())
        .spawn()
        .expect("serve"),
    );
    let portal_addr = wait_for_address(&mut server.0, &addr_file);
    let bench_addr = wait_for_address(&mut server.0, &bench_file);
    assert!(bench_addr.starts_with("127.0.0.1:"), "{bench_addr}");
    assert_ne!(bench_addr, portal_addr);
    // The portal's origin does not store or serve anyone's bytes.
    let page = "<script>alert(document.cookie)</script>";
    let (status, _) = request(&portal_addr, "PUT", "/__bench/reference/x", page);
    assert_ne!(status, 204);
    let (status, _) = request(&portal_addr, "GET", "/__bench/reference/x", "");
    assert_ne!(status, 200);
    // The benchmark's own listener does.
    assert_eq!(
        request(&bench_addr, "PUT", "/__bench/reference/x", page).0,
        204
    );
    let (status, response) = request(&bench_addr, "GET", "/__bench/reference/x", "");
    assert_eq!(status, 200);
    assert!(response.ends_with(page));
}

#[test]
fn a_database_password_never_reaches_the_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on port 1: the server fails to connect and says so.
    let url = "postgres://portal:s3cret-Pa55@127.0.0.1:1/portal?password=s3cret-Pa55";
    let out = portal(&["--listen", "127.0.0.1:0", "--database-url", url])
        .arg("--addr-file")
        .arg(dir.path().join("addr"))
        .env("RUST_LOG", "info")
        .output()
        .expect("serve");
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("s3cret-Pa55"), "{all}");
    assert!(
        all.contains("postgres://portal:***@127.0.0.1:1/portal"),
        "{all}"
    );
}
