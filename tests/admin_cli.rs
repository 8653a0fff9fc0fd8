//! `portal admin …` as operators use it: the built binary, each subcommand's `--help`, then account commands
//! against the database of a running server, whose answers show that they took effect at once (a new
//! account signs in, a new token authenticates, a password reset ends the account's sessions).
//!
//! The binary is `PORTAL_BIN` if set, else the one cargo built for this test.

// Test code: a failed step is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    std::env::var_os("PORTAL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_portal")))
}

/// Runs `portal admin <args>` on `database`.
fn admin(database: &str, args: &[&str]) -> Output {
    let mut command = Command::new(binary());
    command
        .arg("admin")
        .args(args)
        .args(["--database-url", database])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn");
    command.output().expect("run portal admin")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn succeeded(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}\n{}",
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(o)
}

/// A running server on a free port; stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(dir: &Path, database: &str) -> Server {
        let addr_file = dir.join("addr");
        let child = Command::new(binary())
            .args(["--listen", "127.0.0.1:0", "--database-url", database])
            .arg("--addr-file")
            .arg(&addr_file)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server");
        let mut server = Server {
            child,
            addr: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(addr) = std::fs::read_to_string(&addr_file) {
                if !addr.is_empty() {
                    server.addr = addr.trim().to_string();
                    return server;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not start listening");
    }

    /// One HTTP/1.1 request; the status and the response's head (status line and headers).
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nOrigin: http://{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            self.addr,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read");
        let text = String::from_utf8_lossy(&response).into_owned();
        let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        (status, head)
    }

    /// Signs in through the sign-in form; the session cookie (`portal_session=…`).
    fn sign_in(&self, email: &str, password: &str) -> String {
        let form = format!("email={}&password={password}", email.replace('@', "%40"));
        let (status, head) = self.request(
            "POST",
            "/api/sign_in",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", "text/html"),
                ("Referer", "/sign-in"),
            ],
            &form,
        );
        assert_eq!(status, 302, "sign-in of {email} failed:\n{head}");
        head.lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .find(|c| c.starts_with("portal_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string()
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        self.request("GET", path, headers, "")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn every_admin_subcommand_has_help() {
    let top = Command::new(binary())
        .args(["admin", "--help"])
        .output()
        .expect("run");
    let text = succeeded(&top, "admin --help");
    for sub in [
        "create-staff",
        "create-customer",
        "create-token",
        "list-users",
        "reset-password",
        "verify",
    ] {
        assert!(text.contains(sub), "admin --help lists {sub}:\n{text}");
        let o = Command::new(binary())
            .args(["admin", sub, "--help"])
            .output()
            .expect("run");
        let help = succeeded(&o, &format!("{sub} --help"));
        assert!(help.contains("Usage: portal admin"), "{help}");
        assert!(help.contains("--database-url"), "{sub}: {help}");
        // Every option says what it is: no line of a bare flag.
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            let words = line.split_whitespace().count();
            assert!(words > 2, "{sub}: option without help text: {line:?}");
        }
        if sub != "list-users" && sub != "verify" {
            assert!(help.contains("--email"), "{sub}: {help}");
        }
    }
}

#[test]
fn account_commands_work_against_a_running_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = format!("sqlite://{}/portal.db", dir.path().display());
    let server = Server::start(dir.path(), &database);
    assert_eq!(server.get("/healthz", &[]).0, 200);

    // A staff account with a generated password, printed once.
    let out = succeeded(
        &admin(
            &database,
            &[
                "create-staff",
                "--email",
                "Ops@Example.com",
                "--name",
                "Olga Ops",
            ],
        ),
        "create-staff",
    );
    assert!(
        out.contains("created staff account ops@example.com (Olga Ops)"),
        "{out}"
    );
    let staff_password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("the generated password")
        .to_string();
    // A customer with a chosen password gets a subscription.
    let out = succeeded(
        &admin(
            &database,
            &[
                "create-customer",
                "--email",
                "carl@example.com",
                "--name",
                "Carl Customer",
                "--password",
                "carl-password-1",
            ],
        ),
        "create-customer",
    );
    let subscription = out
        .lines()
        .find_map(|l| l.strip_prefix("subscription: "))
        .expect("the new subscription")
        .to_string();
    let taken = admin(
        &database,
        &[
            "create-customer",
            "--email",
            "carl@example.com",
            "--name",
            "Again",
            "--password",
            "carl-password-2",
        ],
    );
    assert!(!taken.status.success(), "an email is taken once");

    // A token, printed once, works against the running server at once.
    let token = succeeded(
        &admin(
            &database,
            &[
                "create-token",
                "--email",
                "carl@example.com",
                "--name",
                "ci",
            ],
        ),
        "create-token",
    )
    .trim()
    .to_string();
    assert!(token.starts_with("iep_"), "{token}");
    let bearer = format!("Bearer {token}");
    let jobs = format!(
        "/subscriptions/{subscription}/providers/Microsoft.ImportExport/jobs?api-version=2021-01-01"
    );
    assert_eq!(server.get(&jobs, &[("Authorization", &bearer)]).0, 200);
    let unknown = admin(
        &database,
        &[
            "create-token",
            "--email",
            "nobody@example.com",
            "--name",
            "x",
        ],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no account with email"));

    let users = succeeded(&admin(&database, &["list-users"]), "list-users");
    let carl = users
        .lines()
        .find(|l| l.contains("carl@example.com"))
        .expect("carl listed");
    assert!(
        carl.contains("customer") && carl.contains(&subscription),
        "{carl}"
    );
    let olga = users
        .lines()
        .find(|l| l.contains("ops@example.com"))
        .expect("olga listed");
    assert!(olga.contains("staff"), "{olga}");

    // Both sign in; staff reach the console.
    let staff_cookie = server.sign_in("ops@example.com", &staff_password);
    assert_eq!(
        server
            .get(
                "/staff",
                &[("Cookie", &staff_cookie), ("Accept", "text/html")]
            )
            .0,
        200
    );
    let cookie = server.sign_in("carl@example.com", "carl-password-1");
    assert_eq!(
        server
            .get("/jobs", &[("Cookie", &cookie), ("Accept", "text/html")])
            .0,
        200
    );

    // A reset ends the account's sessions: the old cookie is sent to sign in; the new password works.
    let out = succeeded(
        &admin(
            &database,
            &["reset-password", "--email", "carl@example.com"],
        ),
        "reset-password",
    );
    let new_password = out
        .lines()
        .find_map(|l| l.strip_prefix("new password for carl@example.com: "))
        .expect("the generated password")
        .to_string();
    let (status, head) = server.get("/jobs", &[("Cookie", &cookie), ("Accept", "text/html")]);
    assert_eq!(status, 303, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("location: /sign-in?next=/jobs"),
        "{head}"
    );
    server.sign_in("carl@example.com", &new_password);
    let (status, _) = server.request(
        "POST",
        "/api/sign_in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        ],
        "email=carl%40example.com&password=carl-password-1",
    );
    assert_eq!(status, 400, "the old password no longer works");
    // Other accounts keep their sessions.
    assert_eq!(
        server
            .get(
                "/staff",
                &[("Cookie", &staff_cookie), ("Accept", "text/html")]
            )
            .0,
        200
    );

    let out = succeeded(&admin(&database, &["verify"]), "verify");
    assert!(out.contains("every snapshot equals the replay"), "{out}");
}
