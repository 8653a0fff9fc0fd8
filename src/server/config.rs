//! The server's settings: built-in defaults, overridden by `Leptos.toml`, overridden by environment variables,
//! overridden by command-line flags. Everything the server reads about its environment is read here, once.

use super::auth::client_addr::{parse_ranges, IpRange};
use leptos::config::{Env, LeptosOptions};
use lifecycle::{CancellationWindow, Settings, Span, TimerSettings};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Flags of `portal serve` (also the default command).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Configuration file [default: Leptos.toml in the working directory, if present]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:3000 (port 0 picks a free port) [env: LEPTOS_SITE_ADDR]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://path/to/file.db or postgres://… [env: DATABASE_URL]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Seed demo accounts and jobs on first start and print their logins [env: PORTAL_DEMO=true]
    #[arg(long)]
    pub demo: bool,
    /// Let staff move the clock forward from the console. Development and tests only: this flag is the only
    /// way to enable it.
    #[arg(long)]
    pub dev_clock: bool,
    /// Cancellation window: before-packaging, creating-or-shipping or creating-only
    /// [env: PORTAL_CANCELLATION_WINDOW]
    #[arg(long, value_name = "WINDOW")]
    pub cancellation_window: Option<String>,
    /// Write the bound address to this file once listening (used by the test harness with port 0)
    #[arg(long, value_name = "PATH")]
    pub addr_file: Option<PathBuf>,
    /// Benchmarks only: also serve the /__bench/ reference endpoints (scripts/bench). Never in production.
    #[arg(long)]
    pub bench_endpoints: bool,
}

/// Everything the running server needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    pub leptos: LeptosOptions,
    pub database_url: String,
    pub demo: bool,
    pub dev_clock: bool,
    pub settings: Settings,
    /// Sessions end after this long without a request.
    pub session_idle: Span,
    /// Mark cookies `Secure` (set when served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Every request is aborted after this long.
    pub request_timeout: Span,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` (and `-Proto`) speak for the client (nobody else's are believed).
    pub trusted_proxies: Vec<IpRange>,
    pub addr_file: Option<PathBuf>,
    /// Where the settings came from, for the start-up log.
    pub sources: Vec<String>,
}

/// The file's shape: `[site]` (Leptos) and `[portal]` (ours). Every key optional.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    site: SiteFile,
    #[serde(default)]
    portal: PortalFile,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SiteFile {
    output_name: Option<String>,
    site_root: Option<String>,
    site_pkg_dir: Option<String>,
    site_addr: Option<SocketAddr>,
    env: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct PortalFile {
    database_url: Option<String>,
    demo: Option<bool>,
    cancellation_window: Option<CancellationWindow>,
    session_idle: Option<Span>,
    secure_cookies: Option<bool>,
    request_timeout: Option<Span>,
    max_body_bytes: Option<usize>,
    trusted_proxies: Option<Vec<String>>,
    max_extra_drives: Option<u32>,
    timers: Option<TimerSettings>,
}

/// The largest `max-extra-drives` a configuration may set: every count derived from it (a return package's
/// drives, an intake form's rows) stays small.
const MAX_EXTRA_DRIVES_CEILING: u32 = 1000;

/// Reads one environment variable; a lookup function keeps tests independent of the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn parse_bool(name: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!("{name}: '{other}' is not true or false")),
    }
}

fn parse_env(name: &str, value: &str) -> Result<Env, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "dev" | "development" => Ok(Env::DEV),
        "prod" | "production" => Ok(Env::PROD),
        other => Err(format!("{name}: '{other}' is not DEV or PROD")),
    }
}

fn parse_window(name: &str, value: &str) -> Result<CancellationWindow, String> {
    CancellationWindow::parse(value).ok_or_else(|| {
        format!(
            "{name}: '{value}' is not one of before-packaging, creating-or-shipping, creating-only"
        )
    })
}

impl Config {
    /// Loads the configuration for `serve`: defaults < file < environment < flags.
    pub fn load(args: &ServeArgs, env: EnvLookup<'_>) -> Result<Config, String> {
        let mut sources = vec!["built-in defaults".to_string()];
        let file_path = args.config.clone().or_else(|| {
            let default = PathBuf::from("Leptos.toml");
            default.exists().then_some(default)
        });
        let file = match &file_path {
            Some(path) => {
                sources.push(path.display().to_string());
                read_file(path)?
            }
            None => FileConfig::default(),
        };

        let output_name = env("LEPTOS_OUTPUT_NAME")
            .or(file.site.output_name)
            .or_else(|| option_env!("LEPTOS_OUTPUT_NAME").map(str::to_string))
            .unwrap_or_else(|| "portal".into());
        let site_root = resolve_site_root(
            env("LEPTOS_SITE_ROOT")
                .or(file.site.site_root)
                .unwrap_or_else(|| "target/site".into()),
        );
        let site_pkg_dir = env("LEPTOS_SITE_PKG_DIR")
            .or(file.site.site_pkg_dir)
            .unwrap_or_else(|| "pkg".into());
        let mut site_addr = file
            .site
            .site_addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        if let Some(v) = env("LEPTOS_SITE_ADDR") {
            site_addr = v.parse().map_err(|_| {
                format!("LEPTOS_SITE_ADDR: '{v}' is not an address like 127.0.0.1:3000")
            })?;
        }
        if let Some(addr) = args.listen {
            site_addr = addr;
        }
        let leptos_env = match env("LEPTOS_ENV").or(file.site.env) {
            Some(v) => parse_env("LEPTOS_ENV", &v)?,
            None => Env::DEV,
        };

        let p = file.portal;
        let mut database_url = p
            .database_url
            .unwrap_or_else(|| "sqlite://data/portal.db".into());
        if let Some(v) = env("PORTAL_DATABASE_URL").or_else(|| env("DATABASE_URL")) {
            database_url = v;
        }
        if let Some(v) = &args.database_url {
            database_url = v.clone();
        }

        let mut demo = p.demo.unwrap_or(false);
        if let Some(v) = env("PORTAL_DEMO") {
            demo = parse_bool("PORTAL_DEMO", &v)?;
        }
        demo |= args.demo;

        let mut settings = Settings {
            cancellation_window: p.cancellation_window.unwrap_or_default(),
            timers: p.timers.unwrap_or_default(),
            max_extra_drives: p
                .max_extra_drives
                .unwrap_or(lifecycle::settings::DEFAULT_MAX_EXTRA_DRIVES),
        };
        if let Some(v) = env("PORTAL_MAX_EXTRA_DRIVES") {
            settings.max_extra_drives = v
                .trim()
                .parse()
                .map_err(|_| format!("PORTAL_MAX_EXTRA_DRIVES: '{v}' is not a whole number"))?;
        }
        if !(1..=MAX_EXTRA_DRIVES_CEILING).contains(&settings.max_extra_drives) {
            return Err(format!(
                "max-extra-drives must be between 1 and {MAX_EXTRA_DRIVES_CEILING}, not {}",
                settings.max_extra_drives
            ));
        }
        if let Some(v) = env("PORTAL_CANCELLATION_WINDOW") {
            settings.cancellation_window = parse_window("PORTAL_CANCELLATION_WINDOW", &v)?;
        }
        if let Some(v) = &args.cancellation_window {
            settings.cancellation_window = parse_window("--cancellation-window", v)?;
        }
        let timers = &mut settings.timers;
        for (name, slot) in [
            ("PORTAL_TIMER_CREATING_EXPIRY", &mut timers.creating_expiry),
            (
                "PORTAL_TIMER_SHIPPING_OVERDUE",
                &mut timers.shipping_overdue,
            ),
            (
                "PORTAL_TIMER_ABANDON_AFTER_NOTICE",
                &mut timers.abandon_after_notice,
            ),
            ("PORTAL_TIMER_RETENTION", &mut timers.retention),
            (
                "PORTAL_TIMER_UNMATCHED_RETURN",
                &mut timers.unmatched_return,
            ),
            (
                "PORTAL_TIMER_UNMATCHED_DESTROY",
                &mut timers.unmatched_destroy,
            ),
            (
                "PORTAL_TIMER_WRONG_RETURN_ADDRESS",
                &mut timers.wrong_return_address,
            ),
        ] {
            if let Some(v) = env(name) {
                *slot = Span::parse(&v).map_err(|e| format!("{name}: {e}"))?;
            }
        }

        let mut session_idle = p.session_idle.unwrap_or(Span::days(7));
        if let Some(v) = env("PORTAL_SESSION_IDLE") {
            session_idle = Span::parse(&v).map_err(|e| format!("PORTAL_SESSION_IDLE: {e}"))?;
        }
        let mut secure_cookies = p.secure_cookies.unwrap_or(false);
        if let Some(v) = env("PORTAL_SECURE_COOKIES") {
            secure_cookies = parse_bool("PORTAL_SECURE_COOKIES", &v)?;
        }

        let mut request_timeout = p.request_timeout.unwrap_or(Span::seconds(30));
        if let Some(v) = env("PORTAL_REQUEST_TIMEOUT") {
            request_timeout =
                Span::parse(&v).map_err(|e| format!("PORTAL_REQUEST_TIMEOUT: {e}"))?;
        }
        let mut max_body_bytes = p.max_body_bytes.unwrap_or(1024 * 1024);
        if let Some(v) = env("PORTAL_MAX_BODY_BYTES") {
            max_body_bytes = v.trim().parse().map_err(|_| {
                format!("PORTAL_MAX_BODY_BYTES: '{v}' is not a whole number of bytes")
            })?;
        }
        let mut trusted_proxies = parse_ranges(
            "trusted-proxies",
            p.trusted_proxies.iter().flatten().map(String::as_str),
        )?;
        if let Some(v) = env("PORTAL_TRUSTED_PROXIES") {
            trusted_proxies = parse_ranges("PORTAL_TRUSTED_PROXIES", v.split(','))?;
        }

        if [
            "PORTAL_DATABASE_URL",
            "DATABASE_URL",
            "LEPTOS_SITE_ADDR",
            "PORTAL_DEMO",
            "PORTAL_SESSION_IDLE",
            "PORTAL_SECURE_COOKIES",
            "PORTAL_REQUEST_TIMEOUT",
            "PORTAL_MAX_BODY_BYTES",
            "PORTAL_TRUSTED_PROXIES",
        ]
        .iter()
        .any(|name| env(name).is_some())
        {
            sources.push("environment".into());
        }
        if args.listen.is_some()
            || args.database_url.is_some()
            || args.demo
            || args.cancellation_window.is_some()
        {
            sources.push("command line".into());
        }

        let leptos = LeptosOptions::builder()
            .output_name(output_name)
            .site_root(site_root)
            .site_pkg_dir(site_pkg_dir)
            .site_addr(site_addr)
            .env(leptos_env)
            .build();

        Ok(Config {
            leptos,
            database_url,
            demo,
            dev_clock: args.dev_clock,
            settings,
            session_idle,
            secure_cookies,
            request_timeout,
            max_body_bytes,
            trusted_proxies,
            addr_file: args.addr_file.clone(),
            sources,
        })
    }
}

/// A relative site root is looked up in the working directory, then beside the binary (`target/debug/portal`
/// serves `target/site`), so the server finds its files wherever it is started from.
fn resolve_site_root(root: String) -> String {
    let path = Path::new(&root);
    if path.is_absolute() || path.join("pkg").exists() {
        return root;
    }
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")))
        .filter(|site| site.join("pkg").exists());
    match beside_binary {
        Some(site) => site.display().to_string(),
        None => root,
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(file: &str, env: &[(&str, &str)], args: ServeArgs) -> Result<Config, String> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("Leptos.toml");
        std::fs::write(&path, file).expect("write");
        let vars: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| vars.get(k).cloned();
        Config::load(
            &ServeArgs {
                config: Some(path),
                ..args
            },
            &lookup,
        )
    }

    #[test]
    fn flags_beat_environment_which_beats_the_file() {
        let file = "[site]\nsite-addr = \"127.0.0.1:4000\"\n[portal]\ndatabase-url = \"sqlite://file.db\"\ncancellation-window = \"creating-only\"\n";
        let c = load(file, &[], ServeArgs::default()).unwrap();
        assert_eq!(c.leptos.site_addr.port(), 4000);
        assert_eq!(c.database_url, "sqlite://file.db");
        assert_eq!(
            c.settings.cancellation_window,
            CancellationWindow::CreatingOnly
        );

        let env = [
            ("LEPTOS_SITE_ADDR", "127.0.0.1:5000"),
            ("DATABASE_URL", "sqlite://env.db"),
            ("PORTAL_CANCELLATION_WINDOW", "creating-or-shipping"),
        ];
        let c = load(file, &env, ServeArgs::default()).unwrap();
        assert_eq!(c.leptos.site_addr.port(), 5000);
        assert_eq!(c.database_url, "sqlite://env.db");
        assert_eq!(
            c.settings.cancellation_window,
            CancellationWindow::CreatingOrShipping
        );

        let args = ServeArgs {
            listen: Some("127.0.0.1:6000".parse().unwrap()),
            database_url: Some("sqlite://flag.db".into()),
            cancellation_window: Some("before-packaging".into()),
            ..ServeArgs::default()
        };
        let c = load(file, &env, args).unwrap();
        assert_eq!(c.leptos.site_addr.port(), 6000);
        assert_eq!(c.database_url, "sqlite://flag.db");
        assert_eq!(
            c.settings.cancellation_window,
            CancellationWindow::BeforePackaging
        );
    }

    #[test]
    fn timers_come_from_the_file_and_the_environment() {
        let file = "[portal.timers]\ncreating-expiry = \"2d\"\nretention = \"10d\"\n";
        let c = load(
            file,
            &[("PORTAL_TIMER_RETENTION", "12h")],
            ServeArgs::default(),
        )
        .unwrap();
        assert_eq!(c.settings.timers.creating_expiry, Span::days(2));
        assert_eq!(c.settings.timers.retention, Span::seconds(12 * 3600));
        assert_eq!(c.settings.timers.shipping_overdue, Span::days(14));
    }

    #[test]
    fn the_extra_drive_limit_and_the_wrong_address_timer_come_from_the_file_and_the_environment() {
        let c = load("", &[], ServeArgs::default()).unwrap();
        assert_eq!(c.settings.max_extra_drives, 40);
        assert_eq!(c.settings.timers.wrong_return_address, Span::days(90));
        let file =
            "[portal]\nmax-extra-drives = 12\n[portal.timers]\nwrong-return-address = \"30d\"\n";
        let c = load(file, &[], ServeArgs::default()).unwrap();
        assert_eq!(c.settings.max_extra_drives, 12);
        assert_eq!(c.settings.timers.wrong_return_address, Span::days(30));
        let c = load(
            file,
            &[
                ("PORTAL_MAX_EXTRA_DRIVES", "7"),
                ("PORTAL_TIMER_WRONG_RETURN_ADDRESS", "2d"),
            ],
            ServeArgs::default(),
        )
        .unwrap();
        assert_eq!(c.settings.max_extra_drives, 7);
        assert_eq!(c.settings.timers.wrong_return_address, Span::days(2));
        for bad in ["0", "100000", "many"] {
            let e = load(
                "",
                &[("PORTAL_MAX_EXTRA_DRIVES", bad)],
                ServeArgs::default(),
            )
            .unwrap_err();
            assert!(
                e.contains("max-extra-drives") || e.contains("PORTAL_MAX_EXTRA_DRIVES"),
                "{e}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_setting() {
        let e = load("[portal]\ndemo = \"maybe\"\n", &[], ServeArgs::default()).unwrap_err();
        assert!(e.contains("demo"), "{e}");
        let e = load("[portal]\nunknown-key = 1\n", &[], ServeArgs::default()).unwrap_err();
        assert!(e.contains("unknown-key"), "{e}");
        let e = load("", &[("PORTAL_DEMO", "perhaps")], ServeArgs::default()).unwrap_err();
        assert!(e.contains("PORTAL_DEMO"), "{e}");
        let e = load(
            "",
            &[("PORTAL_TIMER_RETENTION", "3w")],
            ServeArgs::default(),
        )
        .unwrap_err();
        assert!(e.contains("PORTAL_TIMER_RETENTION"), "{e}");
    }

    #[test]
    fn limits_and_proxies_come_from_the_file_and_the_environment() {
        let file = "[portal]\nrequest-timeout = \"10s\"\nmax-body-bytes = 2048\ntrusted-proxies = [\"127.0.0.1\"]\n";
        let c = load(file, &[], ServeArgs::default()).unwrap();
        assert_eq!(c.request_timeout, Span::seconds(10));
        assert_eq!(c.max_body_bytes, 2048);
        assert_eq!(
            c.trusted_proxies,
            vec![IpRange::parse("127.0.0.1").unwrap()]
        );
        let env = [
            ("PORTAL_REQUEST_TIMEOUT", "2m"),
            ("PORTAL_MAX_BODY_BYTES", "4096"),
            ("PORTAL_TRUSTED_PROXIES", "10.0.0.0/8, ::1"),
        ];
        let c = load(file, &env, ServeArgs::default()).unwrap();
        assert_eq!(c.request_timeout, Span::seconds(120));
        assert_eq!(c.max_body_bytes, 4096);
        assert_eq!(
            c.trusted_proxies,
            vec![
                IpRange::parse("10.0.0.0/8").unwrap(),
                IpRange::parse("::1").unwrap()
            ]
        );
        let c = load("", &[], ServeArgs::default()).unwrap();
        assert_eq!(c.request_timeout, Span::seconds(30));
        assert_eq!(c.max_body_bytes, 1024 * 1024);
        assert!(
            c.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );
        for (name, value) in [
            ("PORTAL_REQUEST_TIMEOUT", "soon"),
            ("PORTAL_MAX_BODY_BYTES", "1MB"),
            ("PORTAL_TRUSTED_PROXIES", "proxy.internal"),
        ] {
            let e = load("", &[(name, value)], ServeArgs::default()).unwrap_err();
            assert!(e.contains(name), "{e}");
        }
        let e = load(
            "[portal]\ntrusted-proxies = [\"x\"]\n",
            &[],
            ServeArgs::default(),
        )
        .unwrap_err();
        assert!(e.contains("trusted-proxies"), "{e}");
    }

    #[test]
    fn the_development_clock_is_only_a_flag() {
        let c = load("", &[("PORTAL_DEV_CLOCK", "true")], ServeArgs::default()).unwrap();
        assert!(!c.dev_clock);
        let c = load(
            "",
            &[],
            ServeArgs {
                dev_clock: true,
                ..ServeArgs::default()
            },
        )
        .unwrap();
        assert!(c.dev_clock);
    }
}
