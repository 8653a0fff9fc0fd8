//! `portal admin …`: account management for operators and automation. Works while the server runs (the
//! database allows a second writer; SQLite waits for its turn).

use super::accounts::{self, AccountError};
use super::config::{Config, ServeArgs};
use super::store::Store;
use crate::model::Role;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct AdminArgs {
    /// Configuration file [default: Leptos.toml in the working directory, if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database URL [env: DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum AdminCommand {
    /// Create a support staff account (staff accounts are never created by sign-up)
    CreateStaff(NewAccountArgs),
    /// Create a customer account with a new subscription
    CreateCustomer(NewAccountArgs),
    /// Print a new API token for an account (shown once; stored hashed)
    CreateToken {
        /// The account's email
        #[arg(long)]
        email: String,
        /// A name to recognise the token by
        #[arg(long)]
        name: String,
    },
    /// List every account with its role and subscriptions
    ListUsers,
    /// Set a new password and end all of the account's sessions
    ResetPassword {
        /// The account's email
        #[arg(long)]
        email: String,
        /// The new password [default: generated and printed]
        #[arg(long)]
        password: Option<String>,
    },
    /// Check that every job's stored snapshot equals the replay of its events (exit status 1 when one does not)
    Verify,
    /// Benchmarks: fill a NEW SQLite database with generated jobs, customers, tokens and sessions
    GenerateData(GenerateDataArgs),
    /// Benchmarks: run one timer sweep as of --at and print how long it took. Fires timers early: never on a
    /// database that matters
    BenchSweep {
        /// The sweep's "now" (RFC 3339), e.g. the manifest's sweep_at
        #[arg(long)]
        at: String,
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

#[derive(clap::Args, Debug)]
pub struct NewAccountArgs {
    /// The new account's email (unique, case-insensitively; it signs in with it)
    #[arg(long)]
    pub email: String,
    /// Display name shown in timelines
    #[arg(long)]
    pub name: String,
    /// The password [default: generated and printed]
    #[arg(long)]
    pub password: Option<String>,
}

fn generated_password() -> String {
    super::auth::tokens::random_secret()[..20].to_string()
}

fn explain(e: AccountError) -> String {
    match e {
        AccountError::Invalid(r) => r
            .details
            .iter()
            .map(|d| format!("{}: {}", d.field, d.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub async fn run(args: AdminArgs) -> Result<(), String> {
    let serve = ServeArgs {
        config: args.config.clone(),
        database_url: args.database_url.clone(),
        ..ServeArgs::default()
    };
    let config = Config::load(&serve, &|k| std::env::var(k).ok())?;
    if let AdminCommand::GenerateData(a) = args.command {
        // Before anything opens the database: the generator needs the new file to itself.
        return generate_data(&config, a).await;
    }
    let store = Store::open(&config.database_url).await.map_err(|e| {
        format!(
            "cannot open the database {}: {e}",
            super::config::redacted_url(&config.database_url)
        )
    })?;
    let now = chrono::Utc::now();
    match args.command {
        AdminCommand::CreateStaff(a) | AdminCommand::CreateCustomer(a) if a.email.is_empty() => {
            Err("--email is required".into())
        }
        AdminCommand::CreateStaff(a) => create(&store, Role::Staff, a, now).await,
        AdminCommand::CreateCustomer(a) => create(&store, Role::Customer, a, now).await,
        AdminCommand::CreateToken { email, name } => {
            let account = store
                .account_by_email(&crate::account_rules::normalize_email(&email))
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with email {email}"))?;
            let token = accounts::create_token(&store, account.id, &name, now)
                .await
                .map_err(explain)?;
            let _ = store
                .audit(
                    now,
                    Some(account.id),
                    "portal admin",
                    "token-created",
                    &format!("token \u{201c}{name}\u{201d}"),
                    None,
                )
                .await;
            println!("{token}");
            Ok(())
        }
        AdminCommand::ListUsers => {
            println!(
                "{:<6} {:<9} {:<32} {:<24} subscriptions",
                "id", "role", "email", "name"
            );
            for account in store.accounts().await.map_err(|e| e.to_string())? {
                let subs = store
                    .subscriptions_of(account.id)
                    .await
                    .map_err(|e| e.to_string())?;
                println!(
                    "{:<6} {:<9} {:<32} {:<24} {}",
                    account.id,
                    account.role.as_str(),
                    account.email,
                    account.display_name,
                    subs.join(", ")
                );
            }
            Ok(())
        }
        AdminCommand::Verify => {
            let started = std::time::Instant::now();
            let jobs = store.job_count().await.map_err(|e| e.to_string())?;
            let bad = store.verify_snapshots().await.map_err(|e| e.to_string())?;
            if bad.is_empty() {
                println!(
                    "{jobs} jobs: every snapshot equals the replay of its events ({:.1} s)",
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            } else {
                let shown: Vec<String> = bad.iter().take(20).map(i64::to_string).collect();
                Err(format!(
                    "{} of {jobs} jobs have a snapshot that differs from the replay of their events: {}{}",
                    bad.len(),
                    shown.join(", "),
                    if bad.len() > 20 { ", …" } else { "" }
                ))
            }
        }
        AdminCommand::GenerateData(_) => Err("generate-data runs before the store opens".into()),
        AdminCommand::BenchSweep { at } => {
            let at = chrono::DateTime::parse_from_rfc3339(&at)
                .map_err(|e| format!("--at: {e}"))?
                .to_utc();
            let clock = super::clock::Clock::development();
            if at > clock.now() {
                clock.advance(at - clock.now()).map_err(|e| e.to_string())?;
            }
            let state = super::state::AppState::new(super::state::Shared {
                leptos_options: config.leptos.clone(),
                static_files: super::static_files::StaticFiles::for_site(&config.leptos),
                store,
                clock,
                config: std::sync::Arc::new(config.clone()),
                sign_in_limiter: Default::default(),
                hashing: Default::default(),
                live: Default::default(),
                changes: Default::default(),
            });
            let started = std::time::Instant::now();
            let changed = super::timers::sweep_once(&state)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{{\"jobs\": {changed}, \"seconds\": {:.6}}}",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        AdminCommand::ResetPassword { email, password } => {
            let account = store
                .account_by_email(&crate::account_rules::normalize_email(&email))
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with email {email}"))?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(generated_password);
            accounts::reset_password(&store, &Default::default(), account.id, &password, now)
                .await
                .map_err(explain)?;
            let _ = store
                .audit(
                    now,
                    Some(account.id),
                    "portal admin",
                    "password-reset",
                    "all sessions ended",
                    None,
                )
                .await;
            if generated {
                println!("new password for {}: {password}", account.email);
            } else {
                println!(
                    "password of {} changed; all of its sessions ended",
                    account.email
                );
            }
            Ok(())
        }
    }
}

async fn create(
    store: &Store,
    role: Role,
    a: NewAccountArgs,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), String> {
    let generated = a.password.is_none();
    let password = a.password.unwrap_or_else(generated_password);
    let (account, subscription) = accounts::create_account(
        store,
        &Default::default(),
        role,
        &a.name,
        &a.email,
        &password,
        None,
        now,
    )
    .await
    .map_err(explain)?;
    let _ = store
        .audit(
            now,
            Some(account.id),
            "portal admin",
            "account-created",
            role.as_str(),
            None,
        )
        .await;
    println!(
        "created {} account {} ({})",
        role.as_str(),
        account.email,
        account.display_name
    );
    if let Some(sub) = subscription {
        println!("subscription: {sub}");
    }
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn generate_data(config: &Config, a: GenerateDataArgs) -> Result<(), String> {
    let options = super::bench_data::Options {
        jobs: a.jobs,
        customers: a.customers,
        write_jobs: a.write_jobs,
        live_jobs: a.live_jobs,
        sweep_jobs: a.sweep_jobs,
        seed: a.seed,
        ..Default::default()
    };
    let manifest =
        super::bench_data::generate(&config.database_url, &options, &config.settings).await?;
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
