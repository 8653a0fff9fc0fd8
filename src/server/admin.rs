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
