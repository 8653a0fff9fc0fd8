//! The store's in-memory caches (resolved credentials, the API's job documents) through the whole router:
//! a credential ended anywhere is refused on the very next request, a changed job is answered with its new
//! document, and a kept document never crosses tenants. "Elsewhere" is a second store on the same database:
//! on SQLite another process (what `portal admin` is), on PostgreSQL (`PORTAL_TEST_DATABASE_URL`) another
//! instance.

use super::accounts;
use super::api::convert::job_response;
use super::demo::{self, DEMO_RESOURCE_GROUP as RG, DEMO_SUBSCRIPTION as SUB};
use super::router_tests::{test_app, Browser, Reply, TestApp};
use super::store::{Backend, Store};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use lifecycle::{Command, CustomerCommand, JobPatch, LogLevel};

fn job_url(name: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}?api-version=2021-01-01"
    )
}

async fn api(
    app: &TestApp,
    token: &str,
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
) -> Reply {
    let mut b = Request::builder()
        .method(method)
        .uri(url)
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(b.body(body).expect("request")).await
}

/// Another process on the same SQLite file, or another instance on the same PostgreSQL database.
async fn elsewhere(app: &TestApp) -> Store {
    Store::open(&app.url).await.expect("a second store")
}

async fn customer_id(app: &TestApp) -> i64 {
    app.state
        .store
        .account_by_email(demo::CUSTOMER_EMAIL)
        .await
        .expect("store")
        .expect("demo customer")
        .id
}

/// What a fresh read of the job answers: the serialised document made from the database now.
async fn fresh_document(app: &TestApp, name: &str) -> String {
    let stored = app
        .state
        .store
        .job_by_name(SUB, RG, name)
        .await
        .expect("store")
        .expect("job");
    serde_json::to_string(&job_response(&stored)).expect("json")
}

#[tokio::test]
async fn a_token_revoked_elsewhere_is_refused_on_the_very_next_request() {
    let app = test_app().await;
    let now = app.state.clock.now();
    let account = customer_id(&app).await;
    let token = accounts::create_token(&app.state.store, account, "ci", now)
        .await
        .expect("token");
    let url = job_url("demo-creating");
    for _ in 0..3 {
        let r = api(&app, &token, "GET", &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let other = elsewhere(&app).await;
    let id = other
        .tokens_of(account)
        .await
        .expect("tokens")
        .into_iter()
        .find(|t| t.name == "ci")
        .expect("the token")
        .id;
    assert!(other.revoke_token(account, id, now).await.expect("revoke"));
    let r = api(&app, &token, "GET", &url, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // And a new token made elsewhere works at once (unknown tokens are never remembered as refused).
    let fresh = accounts::create_token(&other, account, "ci-2", now)
        .await
        .expect("token");
    assert_eq!(
        api(&app, &fresh, "GET", &url, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_reset_by_portal_admin_ends_sessions_on_the_very_next_request() {
    let app = test_app().await;
    let now = app.state.clock.now();
    let browser = app.customer().await;
    for _ in 0..3 {
        let r = app.call(&browser, "/api/account_overview", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(app.get(&browser, "/jobs").await.status, StatusCode::OK);
    // The function `portal admin reset-password` calls, in another process.
    let other = elsewhere(&app).await;
    accounts::reset_password(
        &other,
        &Default::default(),
        customer_id(&app).await,
        "a-brand-new-password-9",
        now,
    )
    .await
    .expect("reset");
    let r = app.call(&browser, "/api/account_overview", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = app.get(&browser, "/jobs").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/sign-in"),
        "{:?}",
        r.headers
    );
    // The new password signs in, and that session works.
    let again = app
        .sign_in(demo::CUSTOMER_EMAIL, "a-brand-new-password-9")
        .await;
    assert_eq!(
        app.call(&again, "/api/account_overview", "").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_sign_out_ends_the_session_at_once_though_it_was_cached() {
    let app = test_app().await;
    let browser = app.customer().await;
    for _ in 0..2 {
        assert_eq!(
            app.call(&browser, "/api/account_overview", "").await.status,
            StatusCode::OK
        );
    }
    let r = app.call(&browser, "/api/sign_out", "").await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}: {}",
        r.status,
        r.body
    );
    assert_eq!(
        app.call(&browser, "/api/account_overview", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call(&Browser::anonymous(), "/api/account_overview", "")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_changed_job_is_answered_with_its_new_document_never_the_kept_one() {
    let app = test_app().await;
    let now = app.state.clock.now();
    let token = demo::api_token(&app.state.store, now)
        .await
        .expect("demo token")
        .to_string();
    let url = job_url("demo-creating");
    let first = api(&app, &token, "GET", &url, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(first.body, fresh_document(&app, "demo-creating").await);
    assert_eq!(api(&app, &token, "GET", &url, None).await.body, first.body);

    // Through the API.
    let before: serde_json::Value = serde_json::from_str(&first.body).unwrap();
    let backup = before["properties"]["backupDriveManifest"]
        .as_bool()
        .expect("a flag");
    let patch = serde_json::json!({"properties": {"backupDriveManifest": !backup}});
    let patched = api(&app, &token, "PATCH", &url, Some(patch)).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let second = api(&app, &token, "GET", &url, None).await;
    assert_ne!(second.body, first.body);
    assert_eq!(second.body, fresh_document(&app, "demo-creating").await);
    let json: serde_json::Value = serde_json::from_str(&second.body).unwrap();
    assert_eq!(json["properties"]["backupDriveManifest"], !backup);

    // Through a command of the site (or a timer): the same store.
    let job = app.job_id("demo-creating").await;
    let actor = crate::model::Actor {
        kind: crate::model::ActorKind::Customer,
        account_id: Some(customer_id(&app).await),
        label: "Casey".into(),
    };
    let level = vec![Command::Customer(CustomerCommand::UpdateProperties(
        JobPatch {
            log_level: Some(LogLevel::Verbose),
            ..Default::default()
        },
    ))];
    app.state
        .store
        .execute(job, &level, &actor, now, app.state.settings())
        .await
        .expect("execute");
    let third = api(&app, &token, "GET", &url, None).await;
    assert_eq!(third.body, fresh_document(&app, "demo-creating").await);
    assert!(
        third.body.contains("\"logLevel\":\"Verbose\""),
        "{}",
        third.body
    );

    // By another instance (PostgreSQL; an SQLite database has one server process, whose changes these are).
    if app.state.store.backend() == Backend::Postgres {
        let other = elsewhere(&app).await;
        let back = vec![Command::Customer(CustomerCommand::UpdateProperties(
            JobPatch {
                log_level: Some(LogLevel::Error),
                ..Default::default()
            },
        ))];
        other
            .execute(job, &back, &actor, now, app.state.settings())
            .await
            .expect("execute elsewhere");
        let fourth = api(&app, &token, "GET", &url, None).await;
        assert_eq!(fourth.body, fresh_document(&app, "demo-creating").await);
        assert!(
            fourth.body.contains("\"logLevel\":\"Error\""),
            "{}",
            fourth.body
        );
    }

    // Deleted: not found on the next read.
    let r = api(&app, &token, "DELETE", &url, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api(&app, &token, "GET", &url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_kept_document_is_never_served_to_another_tenant() {
    let app = test_app().await;
    let now = app.state.clock.now();
    let store = &app.state.store;
    let token = demo::api_token(store, now)
        .await
        .expect("demo token")
        .to_string();
    let url = job_url("demo-creating");
    assert_eq!(
        api(&app, &token, "GET", &url, None).await.status,
        StatusCode::OK
    );
    let other = app.add_other_customer().await;
    let other_token = app.new_token(other.account_id, "other").await;
    let r = api(&app, &other_token, "GET", &url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!r.body.contains("demo-creating\",\"type\""), "{}", r.body);
    // A subscription given to the other account elsewhere opens the job to it on the next request.
    let other_store = elsewhere(&app).await;
    sqlx::query("UPDATE subscriptions SET account_id = $1 WHERE id = $2")
        .bind(other.account_id)
        .bind(SUB)
        .execute(other_store.pool())
        .await
        .expect("move the subscription");
    assert_eq!(
        api(&app, &other_token, "GET", &url, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api(&app, &token, "GET", &url, None).await.status,
        StatusCode::NOT_FOUND,
        "and closes it to its former owner"
    );
}
