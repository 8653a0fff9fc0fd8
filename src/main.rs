//! The portal server: reads its settings, opens the database, serves pages, server functions and the API.

use clap::{Parser, Subcommand};
use portal::server::auth::limits::SignInLimiter;
use portal::server::auth::passwords::HashGate;
use portal::server::config::{redacted_url, Config, ServeArgs};
use portal::server::{
    clock::Clock,
    demo, router,
    state::{AppState, Shared},
    store::Store,
    timers,
};
use std::sync::Arc;
use std::time::Duration;

// Many small allocations per request, made and freed on different worker threads: under glibc's malloc the
// arena locks were a visible share of the API's profile (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "portal",
    version,
    about = "The Import/Export job portal server"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the portal (the default when no command is given)
    Serve(ServeArgs),
    /// Manage accounts and API tokens (usable while the server runs)
    Admin(portal::server::admin::AdminArgs),
}

fn main() {
    // Log lines (one per API request, among others) are written in batches by a thread of their own, so that
    // a request never waits for stdout (see server::log_writer); dropping the flusher writes what is queued.
    let (writer, log_flusher) = portal::server::log_writer::to(std::io::stdout());
    portal::server::log_writer::install(writer.clone());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_writer(writer)
        .init();
    let result = run();
    drop(log_flusher);
    if let Err(e) = result {
        eprintln!("portal: {e}");
        std::process::exit(1);
    }
}

#[tokio::main]
async fn run() -> Result<(), String> {
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Serve(args)) => serve(args).await,
        Some(Cmd::Admin(args)) => portal::server::admin::run(args).await,
        None => serve(cli.serve).await,
    }
}

async fn serve(args: ServeArgs) -> Result<(), String> {
    let config = Config::load(&args, &|k| std::env::var(k).ok())?;
    // The URL's password never reaches a log or a message.
    let database = redacted_url(&config.database_url);
    tracing::info!(sources = ?config.sources, %database, "configuration loaded");
    let store = Store::open(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the database {database}: {e}"))?;
    let clock = Clock::for_server(config.dev_clock, &store)
        .await
        .map_err(|e| format!("cannot read the development clock: {e}"))?;
    // Demo accounts have published passwords: never added beside real accounts unless asked to.
    let others = if config.demo {
        demo::other_accounts(&store)
            .await
            .map_err(|e| format!("cannot read the accounts: {e}"))?
    } else {
        0
    };
    if others > 0 && !config.demo_force {
        return Err(format!(
            "refusing demo mode: the database {database} already has {others} account(s) besides the demo \
             ones, and demo mode adds accounts whose passwords are published. Start without --demo, use a \
             fresh database, or pass --demo-force to seed anyway."
        ));
    }
    if config.demo {
        let n = demo::seed(&store, clock.now(), &config.settings)
            .await
            .map_err(|e| format!("cannot seed demo data: {e}"))?;
        if n > 0 {
            tracing::info!(jobs = n, "demo data seeded");
        }
    }
    let demo_token = if config.demo {
        Some(
            demo::api_token(&store, clock.now())
                .await
                .map_err(|e| format!("cannot create the demo API token: {e}"))?,
        )
    } else {
        None
    };
    // Several instances share one PostgreSQL database, so changes are announced through it.
    let live = match store.backend() {
        portal::server::store::Backend::Postgres => portal::server::live::LiveHub::shared(
            4096,
            store.pool().clone(),
            config.database_url.clone(),
        ),
        portal::server::store::Backend::Sqlite => Default::default(),
    };
    // Bound before the state is made: links in emails need the address actually listened on when no
    // public-url is set (port 0 picks a free port).
    let listener = tokio::net::TcpListener::bind(config.leptos.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.leptos.site_addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut config = config;
    if config.notifications.public_url.is_none() {
        config.notifications.public_url = Some(format!("http://{addr}"));
    }
    let state = AppState::new(Shared {
        leptos_options: config.leptos.clone(),
        static_files: portal::server::static_files::StaticFiles::for_site(&config.leptos),
        store,
        clock,
        sign_in_limiter: SignInLimiter::new(&config.limits),
        hashing: Arc::new(HashGate::for_limits(&config.limits)),
        config: Arc::new(config.clone()),
        live,
        changes: Default::default(),
    });
    tokio::spawn(timers::run(state.clone(), Duration::from_secs(5)));
    // The change path's consumers: live pages and caches, then notifications (see server::changes).
    tokio::spawn(portal::server::changes::run(state.clone()));
    tokio::spawn(portal::server::notifications::run(state.clone()));
    tokio::spawn(portal::server::notifications::run_warnings(state.clone()));
    if config.notifications.smtp_url.is_none() {
        tracing::warn!(
            dir = %config.notifications.mail_dir.display(),
            "no smtp-url: emails are not delivered, only written as .eml files (verification and reset links are in them)"
        );
    }
    state.static_files.warm();

    if let Some(path) = &config.addr_file {
        std::fs::write(path, addr.to_string())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!();
    println!("  Import/Export portal listening on http://{addr}");
    if config.demo {
        println!("  Demo mode: jobs of every state are in the demo customer's subscription.");
        println!(
            "    customer: {} / {}",
            demo::CUSTOMER_EMAIL,
            demo::CUSTOMER_PASSWORD
        );
        println!(
            "    staff:    {} / {}",
            demo::STAFF_EMAIL,
            demo::STAFF_PASSWORD
        );
        if others > 0 {
            println!(
                "  WARNING: --demo-force: these published logins are in a database with {others} other account(s)."
            );
            tracing::warn!(
                other_accounts = others,
                "demo accounts seeded beside real accounts (--demo-force)"
            );
        }
        if let Some(token) = &demo_token {
            println!("    API token of the demo customer: {token}");
            println!("  REST API (Microsoft.ImportExport 2021-01-01): http://{addr}/api-docs");
            // Not indented, so that it can be pasted into Python as it is.
            println!("  Python SDK, copy and paste (between the lines):");
            println!("-----8<-----");
            print!(
                "{}",
                portal::api_guide::python_snippet(
                    &format!("http://{addr}"),
                    demo::DEMO_SUBSCRIPTION,
                    token,
                )
            );
            println!("-----8<-----");
        }
    }
    if config.dev_clock {
        println!(
            "  Development clock ON: staff can move time forward. Never use this in production."
        );
    }
    println!();
    let live = state.live.clone();
    let app = router::build(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open event streams never end by themselves: end them, or the shutdown would wait for them forever.
        live.close();
    })
    .await
    .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
