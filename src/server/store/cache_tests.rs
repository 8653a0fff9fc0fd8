//! The store's in-memory caches (resolved credentials, the API's job documents) stay exactly as current as
//! the database: every change is seen on the next read, whether this store made it or another store on the
//! same database did (another process on SQLite, such as `portal admin`; another instance on PostgreSQL). The
//! same tests run on both backends (`PORTAL_TEST_DATABASE_URL`).

use super::test_support::temp_url;
use super::*;
use crate::model::{Actor, ActorKind, Role};
use crate::server::auth::tokens::sha256_hex;
use chrono::{TimeDelta, TimeZone, Utc};
use lifecycle::{Command, CustomerCommand, LogLevel, Settings, Timestamp};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

/// Two stores on one database: the server's, and another process's (or instance's).
async fn two_stores() -> (Store, Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = temp_url(&dir).await;
    let server = Store::open(&url).await.expect("open");
    let other = Store::open(&url).await.expect("open again");
    (server, other, dir)
}

/// A customer with a token and a session; returns (account id, token hash, session hash).
async fn customer(store: &Store, email: &str) -> (i64, String, String) {
    let account = store
        .create_account(
            email,
            "Casey",
            Role::Customer,
            "hash",
            Some(&format!("sub-{email}")),
            t0(),
        )
        .await
        .expect("account")
        .expect("new");
    let token = sha256_hex(&format!("token-{email}"));
    store
        .create_token(account.id, "ci", &token, "iep_x", t0())
        .await
        .expect("token");
    let session = sha256_hex(&format!("session-{email}"));
    store
        .create_session(
            &session,
            account.id,
            "csrf",
            t0(),
            t0() + TimeDelta::days(7),
        )
        .await
        .expect("session");
    (account.id, token, session)
}

#[tokio::test]
async fn a_revoked_token_fails_on_the_next_lookup_whoever_revokes_it() {
    let (server, other, _dir) = two_stores().await;
    let (account, token, _) = customer(&server, "a@example.com").await;
    let (account_b, token_b, _) = customer(&server, "b@example.com").await;
    for _ in 0..3 {
        let found = server.token_identity(&token).await.unwrap().expect("live");
        assert_eq!(found.principal.subscriptions, vec!["sub-a@example.com"]);
    }
    // Revoked by this store.
    let id = server.tokens_of(account).await.unwrap()[0].id;
    assert!(server.revoke_token(account, id, t0()).await.unwrap());
    assert!(server.token_identity(&token).await.unwrap().is_none());
    // Revoked by another process or instance.
    assert!(server.token_identity(&token_b).await.unwrap().is_some());
    let id_b = other.tokens_of(account_b).await.unwrap()[0].id;
    assert!(other.revoke_token(account_b, id_b, t0()).await.unwrap());
    assert!(server.token_identity(&token_b).await.unwrap().is_none());
}

#[tokio::test]
async fn ended_sessions_fail_on_the_next_lookup_whoever_ends_them() {
    let (server, other, _dir) = two_stores().await;
    let now = t0() + TimeDelta::hours(1);
    let (_, _, signed_out) = customer(&server, "a@example.com").await;
    let (account_b, _, reset) = customer(&server, "b@example.com").await;
    let (_, _, kept) = customer(&server, "c@example.com").await;
    for session in [&signed_out, &reset, &kept] {
        assert!(server
            .session_identity(session, now)
            .await
            .unwrap()
            .is_some());
        assert!(server
            .session_identity(session, now)
            .await
            .unwrap()
            .is_some());
    }
    // Sign-out here; a password reset by another process (`portal admin reset-password`).
    server.delete_session(&signed_out).await.unwrap();
    other
        .set_password(account_b, "new-hash", now)
        .await
        .unwrap();
    assert!(server
        .session_identity(&signed_out, now)
        .await
        .unwrap()
        .is_none());
    assert!(server
        .session_identity(&reset, now)
        .await
        .unwrap()
        .is_none());
    assert!(server.session_identity(&kept, now).await.unwrap().is_some());
}

#[tokio::test]
async fn a_cached_session_expires_at_its_idle_expiry_and_extending_it_moves_that() {
    let (server, _other, _dir) = two_stores().await;
    let (first, _, session) = customer(&server, "a@example.com").await;
    let expiry = t0() + TimeDelta::days(7);
    let before = expiry - TimeDelta::seconds(1);
    let cached = server
        .session_identity(&session, before)
        .await
        .unwrap()
        .expect("live");
    assert_eq!(cached.expires_at, expiry);
    assert!(
        server
            .session_identity(&session, expiry)
            .await
            .unwrap()
            .is_none(),
        "expired at its idle expiry, cached or not"
    );
    assert_eq!(server.session_count(first).await.unwrap(), 0, "and ended");

    let (account, _, session) = customer(&server, "b@example.com").await;
    assert!(server
        .session_identity(&session, before)
        .await
        .unwrap()
        .is_some());
    server
        .extend_session(&session, before, before + TimeDelta::days(7))
        .await
        .unwrap();
    let extended = server
        .session_identity(&session, expiry)
        .await
        .unwrap()
        .expect("extended");
    assert_eq!(extended.expires_at, before + TimeDelta::days(7));
    assert_eq!(extended.last_seen_at, before);
    assert_eq!(server.session_count(account).await.unwrap(), 1);
}

#[tokio::test]
async fn a_recorded_token_use_is_in_the_database_and_the_cached_copy() {
    let (server, other, _dir) = two_stores().await;
    let (account, token, _) = customer(&server, "a@example.com").await;
    let found = server.token_identity(&token).await.unwrap().expect("live");
    assert_eq!(found.last_used_at, None);
    let used = t0() + TimeDelta::minutes(5);
    server
        .record_token_use(&token, found.token_id, used)
        .await
        .unwrap();
    assert_eq!(
        server
            .token_identity(&token)
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        Some(used)
    );
    assert_eq!(
        other.tokens_of(account).await.unwrap()[0].last_used_at,
        Some(used)
    );
}

#[tokio::test]
async fn account_and_subscription_changes_reach_cached_identities() {
    let (server, other, _dir) = two_stores().await;
    let (account, token, _) = customer(&server, "a@example.com").await;
    assert_eq!(
        server
            .token_identity(&token)
            .await
            .unwrap()
            .unwrap()
            .principal
            .subscriptions
            .len(),
        1
    );
    sqlx::query("INSERT INTO subscriptions (id, account_id, display_name, created_at) VALUES ($1, $2, $3, $4)")
        .bind("sub-second")
        .bind(account)
        .bind("Second")
        .bind(millis(t0()))
        .execute(other.pool())
        .await
        .unwrap();
    let found = server.token_identity(&token).await.unwrap().unwrap();
    assert_eq!(found.principal.subscriptions.len(), 2, "{found:?}");
    sqlx::query("UPDATE accounts SET display_name = $1 WHERE id = $2")
        .bind("Casey Renamed")
        .bind(account)
        .execute(other.pool())
        .await
        .unwrap();
    let found = server.token_identity(&token).await.unwrap().unwrap();
    assert_eq!(found.principal.display_name, "Casey Renamed");
}

fn customer_actor() -> Actor {
    Actor {
        kind: ActorKind::Customer,
        account_id: Some(1),
        label: "Casey".into(),
    }
}

async fn a_job(store: &Store, name: &str) -> StoredJob {
    let location = store.location("westus").await.unwrap().unwrap();
    let new = lifecycle::NewJob {
        name: name.into(),
        job_type: lifecycle::JobType::Import,
        location,
        storage_account_id: format!(
            "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct01",
            crate::server::demo::DEMO_SUBSCRIPTION
        ),
        drives: vec![lifecycle::DriveSpec {
            drive_id: "DRIVE1".into(),
            bit_locker_key: crate::server::demo::demo_bitlocker_key(1),
            manifest_file: "\\DriveManifest.xml".into(),
            manifest_hash: "109B21108597EF36D5785F08303F3638".into(),
            drive_header_hash: String::new(),
        }],
        export: None,
        return_address: Some(crate::server::demo::demo_address()),
        return_shipping: None,
        delivery_package: None,
        diagnostics_path: String::new(),
        log_level: LogLevel::Error,
        backup_drive_manifest: false,
        tags: Default::default(),
        encryption_key: Default::default(),
    };
    store
        .put_job(
            "sub",
            "My-RG",
            new,
            &customer_actor(),
            t0(),
            &Settings::default(),
        )
        .await
        .expect("put")
        .0
}

/// The document as the API makes it: here the version and log level, enough to tell versions apart.
async fn document(store: &Store, rg: &str, name: &str) -> Option<String> {
    store
        .job_document("sub", rg, name, |stored| {
            Ok(format!("{}:{:?}", stored.job.version, stored.job.log_level).into_bytes())
        })
        .await
        .unwrap()
        .map(|b| String::from_utf8(b.to_vec()).unwrap())
}

fn set_log_level(level: LogLevel) -> Vec<Command> {
    vec![Command::Customer(CustomerCommand::UpdateProperties(
        lifecycle::JobPatch {
            log_level: Some(level),
            ..Default::default()
        },
    ))]
}

#[tokio::test]
async fn a_job_document_is_made_once_per_version_and_a_change_shows_on_the_next_read() {
    let (server, other, _dir) = two_stores().await;
    let job = a_job(&server, "job-one").await;
    let made = std::sync::atomic::AtomicUsize::new(0);
    let read = |rg: &'static str| {
        let made = &made;
        let server = &server;
        async move {
            server
                .job_document("sub", rg, "job-one", |stored| {
                    made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(stored.job.version.to_string().into_bytes())
                })
                .await
                .unwrap()
        }
    };
    let first = read("my-rg").await.expect("found");
    assert_eq!(
        read("MY-RG").await,
        Some(first.clone()),
        "groups match without regard to case"
    );
    assert_eq!(read("my-rg").await, Some(first));
    assert_eq!(
        made.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "made once"
    );

    let before = document(&server, "my-rg", "job-one").await.unwrap();
    server
        .execute(
            job.id,
            &set_log_level(LogLevel::Verbose),
            &customer_actor(),
            t0(),
            &Settings::default(),
        )
        .await
        .unwrap();
    let after = document(&server, "my-rg", "job-one").await.unwrap();
    assert_ne!(before, after);
    assert!(after.ends_with("Verbose"), "{after}");

    // A change by another instance: on PostgreSQL the next read sees it (the version is checked); SQLite has
    // one server process per database, whose own changes are the only ones.
    if server.backend() == Backend::Postgres {
        other
            .execute(
                job.id,
                &set_log_level(LogLevel::Error),
                &customer_actor(),
                t0(),
                &Settings::default(),
            )
            .await
            .unwrap();
        let seen = document(&server, "my-rg", "job-one").await.unwrap();
        assert!(seen.ends_with("Error"), "{seen}");
    }

    // Deleted: gone on the next read.
    server
        .execute(
            job.id,
            &[Command::Customer(CustomerCommand::Delete)],
            &customer_actor(),
            t0(),
            &Settings::default(),
        )
        .await
        .unwrap();
    assert_eq!(document(&server, "my-rg", "job-one").await, None);
}

#[tokio::test]
async fn a_read_that_raced_with_a_change_of_its_job_keeps_nothing() {
    let documents = job_documents::JobDocuments::default();
    let name = job_documents::JobName::new("sub", "rg", "job").unwrap();
    let doc = |version| job_documents::Document {
        job_id: 7,
        version,
        body: axum::body::Bytes::from_static(b"old"),
    };
    let ticket = documents.ticket();
    documents.changed(7);
    documents.keep(ticket, name.clone(), doc(1));
    assert!(
        documents.get(&name).is_none(),
        "read before the change: not kept"
    );
    // A change of another job does not stop it.
    let ticket = documents.ticket();
    documents.changed(8);
    documents.keep(ticket, name.clone(), doc(2));
    assert_eq!(documents.get(&name).map(|d| d.version), Some(2));
    documents.changed(7);
    assert!(
        documents.get(&name).is_none(),
        "forgotten when its job changes"
    );
    assert!(
        job_documents::JobName::new("sub", "Grüppe", "job").is_none(),
        "non-ASCII groups are not cached"
    );
}
