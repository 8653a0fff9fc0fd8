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
    /// With --demo: seed the demo accounts (whose passwords are published) even though the database already
    /// has other accounts. Without it, demo mode refuses such a database.
    #[arg(long)]
    pub demo_force: bool,
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
    /// SMTP relay for notification emails: smtp://user:pass@host:587 (STARTTLS, required whenever the URL
    /// carries credentials), smtps://…:465 (TLS);
    /// without one, each message is written as an .eml file under the mail directory [env: PORTAL_SMTP_URL]
    #[arg(long, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Deliver webhooks to loopback, private and link-local addresses, and over plain HTTP. Tests and
    /// development only [env: PORTAL_WEBHOOK_ALLOW_PRIVATE=true]
    #[arg(long)]
    pub webhook_allow_private: bool,
}

/// Everything the running server needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    pub leptos: LeptosOptions,
    pub database_url: String,
    pub demo: bool,
    /// Seed the demo accounts even into a database with other accounts (`--demo-force`).
    pub demo_force: bool,
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
    /// Abuse limits: sign-in and sign-up attempts, password hashing, live streams.
    pub limits: Limits,
    pub addr_file: Option<PathBuf>,
    /// Emails and webhooks (see `server::notifications`).
    pub notifications: Notifications,
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
    limits: Option<Limits>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    mail_dir: Option<PathBuf>,
    email_debounce: Option<Span>,
    webhook_allow_private: Option<bool>,
}

/// How notifications leave the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notifications {
    /// The SMTP relay; `None`: messages are written under `mail_dir` instead.
    pub smtp_url: Option<String>,
    /// The `From:` of every email.
    pub mail_from: String,
    /// The portal's address as people reach it, for links in emails (`None`: the listening address).
    pub public_url: Option<String>,
    pub mail_dir: PathBuf,
    /// Changes to one job within this long of the first are summarised in one email.
    pub email_debounce: Span,
    /// Webhooks may target loopback, private and link-local addresses, and plain HTTP (tests, development).
    pub webhook_allow_private: bool,
}

impl Default for Notifications {
    fn default() -> Notifications {
        Notifications {
            smtp_url: None,
            mail_from: "Import/Export portal <portal@localhost>".into(),
            public_url: None,
            mail_dir: PathBuf::from("data/mail"),
            email_debounce: Span::seconds(60),
            webhook_allow_private: false,
        }
    }
}

/// The abuse limits (`[portal.limits]` in `Leptos.toml`, `PORTAL_LIMIT_<NAME>` in the environment). Every
/// count a client can drive up without bound is capped here; README lists each with its default.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// How long sign-in failures are counted (from the first failure).
    pub sign_in_window: Span,
    /// Failed sign-ins of one account from one client address per window; then that pair waits for the
    /// window's end (the account's owner elsewhere is not affected).
    pub sign_in_per_account_address: i64,
    /// Failed sign-ins from one client address, whatever the account, per window.
    pub sign_in_per_address: i64,
    /// Failed sign-ins of one account from anywhere in a window after which each further attempt waits for
    /// the one before: 1 s, 2 s, 4 s, … up to `sign-in-account-backoff-max`.
    pub sign_in_account_backoff_after: i64,
    pub sign_in_account_backoff_max: Span,
    /// Accounts one client address may create per `sign-up-window`.
    pub sign_ups_per_address: i64,
    pub sign_up_window: Span,
    /// Password hashes computed at once (sign-in, sign-up, password changes); 0 means one per CPU core.
    pub password_hash_concurrency: usize,
    /// Password checks that may wait for a free core; more get 503 with `Retry-After`.
    pub password_hash_queue: usize,
    /// Open live-update streams (`/events`) per session or API token, per client address, and in all.
    pub live_streams_per_session: usize,
    pub live_streams_per_address: usize,
    pub live_streams_total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sign_in_window: Span::seconds(15 * 60),
            sign_in_per_account_address: 5,
            sign_in_per_address: 20,
            sign_in_account_backoff_after: 10,
            sign_in_account_backoff_max: Span::seconds(60),
            sign_ups_per_address: 5,
            sign_up_window: Span::seconds(3600),
            password_hash_concurrency: 0,
            password_hash_queue: 16,
            live_streams_per_session: 20,
            live_streams_per_address: 100,
            live_streams_total: 10_000,
        }
    }
}

impl Limits {
    /// Applies `PORTAL_LIMIT_<NAME>` variables (the setting's name in upper case, `-` as `_`), then checks
    /// every value.
    fn override_from(&mut self, env: EnvLookup<'_>) -> Result<bool, String> {
        let mut any = false;
        let mut span = |name: &str, slot: &mut Span| -> Result<(), String> {
            if let Some(v) = env(name) {
                *slot = Span::parse(&v).map_err(|e| format!("{name}: {e}"))?;
                any = true;
            }
            Ok(())
        };
        span("PORTAL_LIMIT_SIGN_IN_WINDOW", &mut self.sign_in_window)?;
        span(
            "PORTAL_LIMIT_SIGN_IN_ACCOUNT_BACKOFF_MAX",
            &mut self.sign_in_account_backoff_max,
        )?;
        span("PORTAL_LIMIT_SIGN_UP_WINDOW", &mut self.sign_up_window)?;
        fn number<T: std::str::FromStr>(
            env: EnvLookup<'_>,
            name: &str,
            slot: &mut T,
            any: &mut bool,
        ) -> Result<(), String> {
            if let Some(v) = env(name) {
                *slot = v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name}: '{v}' is not a whole number"))?;
                *any = true;
            }
            Ok(())
        }
        let counts: [(&str, &mut i64); 4] = [
            (
                "PORTAL_LIMIT_SIGN_IN_PER_ACCOUNT_ADDRESS",
                &mut self.sign_in_per_account_address,
            ),
            (
                "PORTAL_LIMIT_SIGN_IN_PER_ADDRESS",
                &mut self.sign_in_per_address,
            ),
            (
                "PORTAL_LIMIT_SIGN_IN_ACCOUNT_BACKOFF_AFTER",
                &mut self.sign_in_account_backoff_after,
            ),
            (
                "PORTAL_LIMIT_SIGN_UPS_PER_ADDRESS",
                &mut self.sign_ups_per_address,
            ),
        ];
        for (name, slot) in counts {
            number(env, name, slot, &mut any)?;
        }
        let sizes: [(&str, &mut usize); 5] = [
            (
                "PORTAL_LIMIT_PASSWORD_HASH_CONCURRENCY",
                &mut self.password_hash_concurrency,
            ),
            (
                "PORTAL_LIMIT_PASSWORD_HASH_QUEUE",
                &mut self.password_hash_queue,
            ),
            (
                "PORTAL_LIMIT_LIVE_STREAMS_PER_SESSION",
                &mut self.live_streams_per_session,
            ),
            (
                "PORTAL_LIMIT_LIVE_STREAMS_PER_ADDRESS",
                &mut self.live_streams_per_address,
            ),
            (
                "PORTAL_LIMIT_LIVE_STREAMS_TOTAL",
                &mut self.live_streams_total,
            ),
        ];
        for (name, slot) in sizes {
            number(env, name, slot, &mut any)?;
        }
        self.check()?;
        Ok(any)
    }

    /// Every limit must let something through (a zero would lock everyone out); the queue may be empty.
    fn check(&self) -> Result<(), String> {
        for (name, value) in [
            (
                "sign-in-per-account-address",
                self.sign_in_per_account_address,
            ),
            ("sign-in-per-address", self.sign_in_per_address),
            (
                "sign-in-account-backoff-after",
                self.sign_in_account_backoff_after,
            ),
            ("sign-ups-per-address", self.sign_ups_per_address),
        ] {
            if value < 1 {
                return Err(format!("limits.{name}: must be at least 1 (got {value})"));
            }
        }
        for (name, value) in [
            ("live-streams-per-session", self.live_streams_per_session),
            ("live-streams-per-address", self.live_streams_per_address),
            ("live-streams-total", self.live_streams_total),
        ] {
            if value < 1 {
                return Err(format!("limits.{name}: must be at least 1 (got {value})"));
            }
        }
        Ok(())
    }

    /// How many password hashes run at once: the setting, or the machine's cores.
    pub fn hash_concurrency(&self) -> usize {
        match self.password_hash_concurrency {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

use lifecycle::settings::MAX_EXTRA_DRIVES_CEILING;

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
        let mut limits = p.limits.unwrap_or_default();
        let limits_from_env = limits.override_from(env)?;
        let mut trusted_proxies = parse_ranges(
            "trusted-proxies",
            p.trusted_proxies.iter().flatten().map(String::as_str),
        )?;
        if let Some(v) = env("PORTAL_TRUSTED_PROXIES") {
            trusted_proxies = parse_ranges("PORTAL_TRUSTED_PROXIES", v.split(','))?;
        }

        let defaults = Notifications::default();
        let mut notifications = Notifications {
            smtp_url: p.smtp_url.filter(|u| !u.trim().is_empty()),
            mail_from: p.mail_from.unwrap_or(defaults.mail_from),
            public_url: p.public_url,
            mail_dir: p.mail_dir.unwrap_or(defaults.mail_dir),
            email_debounce: p.email_debounce.unwrap_or(defaults.email_debounce),
            webhook_allow_private: p.webhook_allow_private.unwrap_or(false),
        };
        if let Some(v) = env("PORTAL_SMTP_URL") {
            notifications.smtp_url = Some(v).filter(|u| !u.trim().is_empty());
        }
        if let Some(v) = &args.smtp_url {
            notifications.smtp_url = Some(v.clone());
        }
        if let Some(v) = env("PORTAL_MAIL_FROM") {
            notifications.mail_from = v;
        }
        if let Some(v) = env("PORTAL_PUBLIC_URL") {
            notifications.public_url = Some(v);
        }
        if let Some(v) = env("PORTAL_MAIL_DIR") {
            notifications.mail_dir = PathBuf::from(v);
        }
        if let Some(v) = env("PORTAL_EMAIL_DEBOUNCE") {
            notifications.email_debounce =
                Span::parse(&v).map_err(|e| format!("PORTAL_EMAIL_DEBOUNCE: {e}"))?;
        }
        if let Some(v) = env("PORTAL_WEBHOOK_ALLOW_PRIVATE") {
            notifications.webhook_allow_private = parse_bool("PORTAL_WEBHOOK_ALLOW_PRIVATE", &v)?;
        }
        notifications.webhook_allow_private |= args.webhook_allow_private;
        if let Some(url) = &mut notifications.smtp_url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(format!(
                    "smtp-url: '{}' is not smtp://user:pass@host:587 or smtps://user:pass@host:465",
                    redacted_url(url)
                ));
            }
            *url = with_starttls_for_credentials(url);
        }
        if let Some(url) = &mut notifications.public_url {
            while url.ends_with('/') {
                url.pop();
            }
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "public-url: '{url}' is not an http:// or https:// address"
                ));
            }
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
            || limits_from_env
        {
            sources.push("environment".into());
        }
        if args.listen.is_some()
            || args.database_url.is_some()
            || args.demo
            || args.demo_force
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
            demo: demo || args.demo_force,
            demo_force: args.demo_force,
            dev_clock: args.dev_clock,
            notifications,
            settings,
            session_idle,
            secure_cookies,
            request_timeout,
            max_body_bytes,
            trusted_proxies,
            limits,
            addr_file: args.addr_file.clone(),
            sources,
        })
    }
}

/// A database URL fit for logs and messages: the password of its user part and any password parameter
/// replaced by `***` (`postgres://portal:***@db/portal`). Everything else stays, so the URL still says
/// which database it is.
pub fn redacted_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return redact_query(url);
    };
    let (head, rest) = url.split_at(scheme_end);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (user_info, host) = authority.split_at(at);
            match user_info.split_once(':') {
                Some((user, _)) => format!("{user}:***{host}"),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    format!("{head}{authority}{}", redact_query(tail))
}

/// Replaces the values of password parameters (`password`, `sslpassword`, …) in a URL's query.
fn redact_query(text: &str) -> String {
    let Some((before, query)) = text.split_once('?') else {
        return text.to_string();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("pass") => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{before}?{}", pairs.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
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

/// `smtp://user:pass@host:587` means STARTTLS: lettre reads an `smtp://` URL without `tls=` as a plain
/// connection, which would send the password in clear. A URL with credentials and no `tls=` of its own gets
/// `tls=required`; one without credentials (a local relay, the tests' SMTP server) is left as written.
pub fn with_starttls_for_credentials(url: &str) -> String {
    let Some(rest) = url.strip_prefix("smtp://") else {
        return url.to_string();
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let query = rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    let asks_tls = query.split('&').any(|kv| kv.starts_with("tls="));
    if !authority.contains('@') || asks_tls {
        return url.to_string();
    }
    let joiner = if rest.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}tls=required")
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_smtp_url_with_credentials_requires_starttls() {
        use super::with_starttls_for_credentials as secure;
        assert_eq!(
            secure("smtp://user:pass@smtp.example.com:587"),
            "smtp://user:pass@smtp.example.com:587?tls=required"
        );
        assert_eq!(
            secure("smtp://user:pass@smtp.example.com:587?tls=opportunistic"),
            "smtp://user:pass@smtp.example.com:587?tls=opportunistic"
        );
        assert_eq!(
            secure("smtp://u:p@h:587?foo=1"),
            "smtp://u:p@h:587?foo=1&tls=required"
        );
        assert_eq!(secure("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(secure("smtps://u:p@h:465"), "smtps://u:p@h:465");
    }

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
    fn database_urls_are_logged_without_their_password() {
        assert_eq!(
            redacted_url("postgres://portal:s3cret@db.internal:5432/portal"),
            "postgres://portal:***@db.internal:5432/portal"
        );
        assert_eq!(
            redacted_url("postgresql://u:p%40ss@h/db?sslmode=require&password=x&PassWord=y"),
            "postgresql://u:***@h/db?sslmode=require&password=***&PassWord=***"
        );
        assert_eq!(
            redacted_url("postgres://portal@db/portal"),
            "postgres://portal@db/portal"
        );
        assert_eq!(
            redacted_url("sqlite://data/portal.db"),
            "sqlite://data/portal.db"
        );
        // An '@' in the password itself: the host is after the last one.
        assert_eq!(
            redacted_url("postgres://u:a@b@host/db"),
            "postgres://u:***@host/db"
        );
    }

    #[test]
    fn limits_come_from_the_file_and_the_environment_and_must_let_something_through() {
        let c = load("", &[], ServeArgs::default()).unwrap();
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.limits.sign_in_per_account_address, 5);
        assert_eq!(c.limits.live_streams_per_session, 20);
        let file = "[portal.limits]\nsign-ups-per-address = 3\nsign-up-window = \"2h\"\nlive-streams-total = 50\n";
        let c = load(
            file,
            &[("PORTAL_LIMIT_LIVE_STREAMS_PER_ADDRESS", "7")],
            ServeArgs::default(),
        )
        .unwrap();
        assert_eq!(c.limits.sign_ups_per_address, 3);
        assert_eq!(c.limits.sign_up_window, Span::seconds(7200));
        assert_eq!(c.limits.live_streams_total, 50);
        assert_eq!(c.limits.live_streams_per_address, 7);
        assert!(c.sources.contains(&"environment".to_string()));
        let e = load(
            "[portal.limits]\nsign-in-per-address = 0\n",
            &[],
            ServeArgs::default(),
        )
        .unwrap_err();
        assert!(e.contains("sign-in-per-address"), "{e}");
        let e = load(
            "",
            &[("PORTAL_LIMIT_PASSWORD_HASH_QUEUE", "many")],
            ServeArgs::default(),
        )
        .unwrap_err();
        assert!(e.contains("PORTAL_LIMIT_PASSWORD_HASH_QUEUE"), "{e}");
        let e = load("[portal.limits]\nunknown = 1\n", &[], ServeArgs::default()).unwrap_err();
        assert!(e.contains("unknown"), "{e}");
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
