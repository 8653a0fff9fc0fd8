//! `portal-bench`: the benchmark's own tools, kept out of the server binary (which has no benchmark flag or
//! endpoint): generating data sets, timing one timer sweep, and serving the reference handler.

use crate::server::config::{Config, ServeArgs};
use crate::server::store::Store;
use std::path::PathBuf;

#[derive(clap::Parser, Debug)]
#[command(
    name = "portal-bench",
    about = "Benchmark tools for the Import/Export portal (scripts/bench)"
)]
pub struct Args {
    /// Configuration file [default: Leptos.toml in the working directory, if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database URL [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Fill a NEW SQLite database with generated jobs, customers, tokens and sessions
    GenerateData(GenerateDataArgs),
    /// Run one timer sweep as of --at and print how long it took. Fires timers early: never on a database that
    /// matters
    Sweep {
        /// The sweep's "now" (RFC 3339), e.g. the manifest's sweep_at
        #[arg(long)]
        at: String,
    },
    /// Serve the reference handler (PUT/GET /__bench/reference/{name}) on a free loopback port
    Reference {
        /// Write the bound address here once listening
        #[arg(long, value_name = "PATH")]
        addr_file: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
pub struct GenerateDataArgs {
    /// How many jobs (besides the benchmark's own extra jobs)
    #[arg(long, default_value_t = 10_000)]
    pub jobs: u64,
    /// Customer accounts [default: one per 200 jobs, at least 10]
    #[arg(long)]
    pub customers: Option<u64>,
    /// Ready-to-ship jobs of the benchmark customer for the write-path benchmark
    #[arg(long, default_value_t = 30_000)]
    pub write_jobs: u64,
    /// Jobs of the benchmark customer for the live fan-out benchmark
    #[arg(long, default_value_t = 10)]
    pub live_jobs: u64,
    /// Draft jobs whose expiry falls due at the manifest's sweep_at
    #[arg(long, default_value_t = 1_000)]
    pub sweep_jobs: u64,
    /// Seed of the generator (the same seed makes the same data)
    #[arg(long, default_value_t = 8)]
    pub seed: u64,
    /// Write the manifest (logins, tokens, job names for the benchmark) here as JSON [default: stdout]
    #[arg(long, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
}

pub async fn run(args: Args) -> Result<(), String> {
    let serve = ServeArgs {
        config: args.config.clone(),
        database_url: args.database_url.clone(),
        ..ServeArgs::default()
    };
    let config = Config::load(&serve, &|k| std::env::var(k).ok())?;
    match args.command {
        // Before anything opens the database: the generator needs the new file to itself.
        Command::GenerateData(a) => generate_data(&config, a).await,
        Command::Sweep { at } => sweep(&config, &at).await,
        Command::Reference { addr_file } => reference(addr_file).await,
    }
}

/// Loopback only: what the reference stores it serves to anyone who asks.
async fn reference(addr_file: Option<PathBuf>) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(|e| format!("cannot listen: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    match addr_file {
        Some(path) => std::fs::write(&path, addr.to_string())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => println!("reference handler at http://{addr}/__bench/reference/"),
    }
    axum::serve(listener, super::reference::router())
        .await
        .map_err(|e| e.to_string())
}

async fn sweep(config: &Config, at: &str) -> Result<(), String> {
    let store = Store::open(&config.database_url).await.map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            crate::server::config::redacted_url(&config.database_url)
        )
    })?;
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|e| format!("--at: {e}"))?
        .to_utc();
    let clock = crate::server::clock::Clock::development();
    if at > clock.now() {
        clock.advance(at - clock.now()).map_err(|e| e.to_string())?;
    }
    let state = crate::server::state::AppState::new(crate::server::state::Shared {
        leptos_options: config.leptos.clone(),
        static_files: crate::server::static_files::StaticFiles::for_site(&config.leptos),
        store,
        clock,
        config: std::sync::Arc::new(config.clone()),
        sign_in_limiter: Default::default(),
        hashing: Default::default(),
        live: Default::default(),
        changes: Default::default(),
    });
    let started = std::time::Instant::now();
    let changed = crate::server::timers::sweep_once(&state)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{{\"jobs\": {changed}, \"seconds\": {:.6}}}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn generate_data(config: &Config, a: GenerateDataArgs) -> Result<(), String> {
    let options = super::data::Options {
        jobs: a.jobs,
        customers: a.customers,
        write_jobs: a.write_jobs,
        live_jobs: a.live_jobs,
        sweep_jobs: a.sweep_jobs,
        seed: a.seed,
        ..Default::default()
    };
    let manifest = super::data::generate(&config.database_url, &options, &config.settings).await?;
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    match a.manifest {
        Some(path) => std::fs::write(&path, json)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => println!("{json}"),
    }
    eprintln!(
        "generated {} jobs ({} events, {} drives) in {:.1} s",
        manifest.total_jobs, manifest.events, manifest.drives, manifest.seconds
    );
    Ok(())
}
