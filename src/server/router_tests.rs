//! Integration tests through the HTTP router: real requests into the axum app over a fresh database.

use super::clock::Clock;
use super::config::{Config, ServeArgs};
use super::state::{AppState, Shared};
use super::store::test_support::temp_url;
use super::store::Store;
use super::{demo, router};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

/// The routes the router serves: Leptos pages (`/jobs/:id` style) and server functions.
pub(crate) fn policy_paths() -> (Vec<String>, Vec<String>) {
    let pages = super::router::route_list()
        .iter()
        .map(|r| {
            r.path()
                .split('/')
                .map(
                    |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => format!(":{name}"),
                        None => seg.to_string(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/")
        })
        .map(|p| if p.is_empty() { "/".to_string() } else { p })
        .collect();
    let functions = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    (pages, functions)
}

/// One runtime for every test that renders pages, as in production (Leptos keeps process-wide state).
static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
});

pub(crate) fn on_shared_runtime<F: std::future::Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

pub(crate) struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The database's URL, for a second store on it (another process or instance).
    pub url: String,
    _dir: tempfile::TempDir,
}

pub(crate) async fn test_app() -> TestApp {
    test_app_with(|_| {}).await
}

/// A test app whose configuration `adjust` changes first (secure cookies, timeouts, trusted proxies…).
pub(crate) async fn test_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    if let Ok(filter) = std::env::var("PORTAL_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .with_thread_names(true)
            .try_init();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = temp_url(&dir).await;
    let store = Store::open(&url).await.expect("open store");
    let mut config = Config::load(&ServeArgs::default(), &|_| None).expect("config");
    adjust(&mut config);
    let clock = Clock::development();
    demo::seed(&store, clock.now(), &config.settings)
        .await
        .expect("demo data");
    let state = AppState::new(Shared {
        leptos_options: config.leptos.clone(),
        static_files: super::static_files::StaticFiles::for_site(&config.leptos),
        store,
        clock,
        sign_in_limiter: super::auth::limits::SignInLimiter::new(&config.limits),
        hashing: Arc::new(super::auth::passwords::HashGate::for_limits(&config.limits)),
        config: Arc::new(config),
        live: Default::default(),
        changes: Default::default(),
    });
    TestApp {
        router: router::build(state.clone()),
        state,
        url,
        _dir: dir,
    }
}

/// A caller: a browser with the session cookie of an account, or a program with an API token, or neither.
#[derive(Clone, Debug, Default)]
pub(crate) struct Browser {
    pub cookie: Option<String>,
    /// Sent as `Authorization: Bearer …`.
    pub token: Option<String>,
}

impl Browser {
    pub fn anonymous() -> Browser {
        Browser::default()
    }

    pub fn with_cookie(cookie: impl Into<String>) -> Browser {
        Browser {
            cookie: Some(cookie.into()),
            token: None,
        }
    }

    pub fn with_token(token: impl Into<String>) -> Browser {
        Browser {
            cookie: None,
            token: Some(token.into()),
        }
    }
}

/// `browser` with the cookies `reply` set (replacing those of the same name; a cleared one is dropped).
pub(crate) fn with_set_cookies(browser: &Browser, reply: &Reply) -> Browser {
    let mut jar: Vec<(String, String)> = browser
        .cookie
        .iter()
        .flat_map(|c| c.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for set in reply.headers.get_all(header::SET_COOKIE) {
        let Some((name, value)) = set
            .to_str()
            .ok()
            .and_then(|s| s.split(';').next())
            .and_then(|pair| pair.split_once('='))
        else {
            continue;
        };
        jar.retain(|(k, _)| k != name);
        if !value.is_empty() {
            jar.push((name.to_string(), value.to_string()));
        }
    }
    let cookie = jar
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    Browser {
        cookie: (!cookie.is_empty()).then_some(cookie),
        token: browser.token.clone(),
    }
}

pub(crate) const OTHER_EMAIL: &str = "other@example.com";
pub(crate) const OTHER_PASSWORD: &str = "another-password-1";

/// The second customer of `TestApp::add_other_customer`.
pub(crate) struct OtherCustomer {
    pub account_id: i64,
    pub subscription: String,
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// A test app over an existing state (an instance of a shared database, say), with a router of its own.
    pub async fn over(state: AppState, url: &str) -> TestApp {
        TestApp {
            router: router::build(state.clone()),
            state,
            url: url.to_string(),
            _dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// The same app with a clock that stands still at its present time until a test moves it: for tests that
    /// count on requests falling in the same minute (kept pages are per minute of the clock).
    pub fn with_clock_at_rest(self) -> TestApp {
        let state = self.state.with(|s| s.clock = Clock::fixed(s.clock.now()));
        TestApp {
            router: router::build(state.clone()),
            state,
            url: self.url,
            _dir: self._dir,
        }
    }

    /// Signs in through the real sign-in server function and keeps the session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Browser {
        let form = format!("email={}&password={}", email.replace('@', "%40"), password);
        let request = Request::post("/api/sign_in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://localhost/sign-in")
            .header(header::ORIGIN, "http://localhost")
            .header(header::HOST, "localhost")
            .body(Body::from(form))
            .expect("request");
        let reply = self.send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::FOUND,
            "sign-in failed: {:?}",
            reply.headers
        );
        let cookie = reply
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("portal_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
            .expect("session cookie");
        Browser::with_cookie(cookie)
    }

    pub async fn customer(&self) -> Browser {
        self.sign_in(demo::CUSTOMER_EMAIL, demo::CUSTOMER_PASSWORD)
            .await
    }

    pub async fn staff(&self) -> Browser {
        self.sign_in(demo::STAFF_EMAIL, demo::STAFF_PASSWORD).await
    }

    /// A second customer, beside the demo one, with a subscription of their own (created on every call, so
    /// once per app).
    pub async fn add_other_customer(&self) -> OtherCustomer {
        let (account, subscription) = super::accounts::create_account(
            &self.state.store,
            &Default::default(),
            crate::model::Role::Customer,
            "Olga Other",
            OTHER_EMAIL,
            OTHER_PASSWORD,
            None,
            self.state.clock.now(),
        )
        .await
        .expect("second customer");
        OtherCustomer {
            account_id: account.id,
            subscription: subscription.expect("a customer has a subscription"),
        }
    }

    /// The second customer (see `add_other_customer`), signed in.
    pub async fn other_customer(&self) -> Browser {
        self.add_other_customer().await;
        self.sign_in(OTHER_EMAIL, OTHER_PASSWORD).await
    }

    /// A new API token of the account `account_id`.
    pub async fn new_token(&self, account_id: i64, name: &str) -> String {
        super::accounts::create_token(&self.state.store, account_id, name, self.state.clock.now())
            .await
            .expect("token")
    }

    /// A request as `browser` sends it from this site's pages.
    pub fn request(
        &self,
        browser: &Browser,
        method: &str,
        path: &str,
    ) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://localhost");
        if let Some(c) = &browser.cookie {
            b = b.header(header::COOKIE, c.clone());
        }
        if let Some(t) = &browser.token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b
    }

    /// A new API token of the account with `email` (as `portal admin create-token` makes one).
    pub async fn token_of(&self, email: &str, name: &str) -> Browser {
        let account = self
            .state
            .store
            .account_by_email(email)
            .await
            .expect("store")
            .expect("account");
        Browser::with_token(self.new_token(account.id, name).await)
    }

    /// A server-function call that arrived over a connection from `peer` (with `forwarded` as its
    /// `X-Forwarded-For`, if any).
    pub async fn call_from(
        &self,
        browser: &Browser,
        path: &str,
        form: &str,
        peer: &str,
        forwarded: Option<&str>,
    ) -> Reply {
        let mut b = self
            .request(browser, "POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(f) = forwarded {
            b = b.header("x-forwarded-for", f);
        }
        let mut request = b.body(Body::from(form.to_string())).expect("request");
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("peer address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, browser: &Browser, path: &str) -> Reply {
        let request = self
            .request(browser, "GET", path)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// A server-function call as the hydrated app makes it.
    pub async fn call(&self, browser: &Browser, path: &str, form: &str) -> Reply {
        let request = self
            .request(browser, "POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(form.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// The same call as a plain HTML form post from `referer` (JavaScript off).
    pub async fn post_form(
        &self,
        browser: &Browser,
        path: &str,
        form: &str,
        referer: &str,
    ) -> Reply {
        let request = self
            .request(browser, "POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, referer)
            .body(Body::from(form.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// Follows the redirect of `reply` as a browser does: with the cookies the reply set beside `browser`'s
    /// (the one-time message of a refused form travels in the flash cookie, never in the URL).
    pub async fn follow(&self, browser: &Browser, reply: &Reply) -> Reply {
        let location = reply.headers[header::LOCATION]
            .to_str()
            .expect("a Location")
            .to_string();
        assert!(
            !location.contains("__err") && !location.contains("__path"),
            "nothing of the form travels in the URL: {location}"
        );
        let next = with_set_cookies(browser, reply);
        self.get(&next, location.trim_start_matches("http://localhost"))
            .await
    }

    pub async fn job_id(&self, name: &str) -> i64 {
        self.state
            .store
            .job_by_name(demo::DEMO_SUBSCRIPTION, demo::DEMO_RESOURCE_GROUP, name)
            .await
            .expect("store")
            .expect("demo job")
            .id
    }
}

#[test]
fn health_answers_ok() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let r = app.get(&Browser::anonymous(), "/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, "ok");
    });
}

#[test]
fn the_jobs_page_is_rendered_from_the_database() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app.get(&me, "/jobs").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("data-job=\"demo-transferring\""),
            "{}",
            &r.body[..r.body.len().min(500)]
        );
        let filtered = app.get(&me, "/jobs?state=Faulted").await;
        assert!(filtered.body.contains("data-job=\"demo-faulted\""));
        assert!(!filtered.body.contains("data-job=\"demo-transferring\""));
    });
}

/// The `<tr>` of job `name` in a rendered list.
fn list_row<'a>(body: &'a str, name: &str) -> &'a str {
    let start = body
        .find(&format!("data-job=\"{name}\""))
        .unwrap_or_else(|| panic!("{name} is listed"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

#[test]
fn the_jobs_lists_mark_jobs_with_a_problem_and_name_their_resource_group() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app.get(&me, "/jobs").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(list_row(&r.body, "demo-faulted").contains("data-testid=\"problem-mark\""));
        assert!(!list_row(&r.body, "demo-transferring").contains("problem-mark"));
        assert!(r.body.contains(">Resource group</th>"));
        assert!(list_row(&r.body, "demo-transferring").contains("class=\"nowrap\">demo-rg"));
        // The hydrated app's call carries the flag too.
        let r = app
            .call(&me, "/api/list_jobs", "query[state]=Faulted")
            .await;
        assert!(r.body.contains("\"has_problem\":true"), "{}", r.body);
        let staff = app.staff().await;
        let r = app.get(&staff, "/staff").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(list_row(&r.body, "demo-faulted").contains("problem-mark"));
        assert!(!list_row(&r.body, "demo-transferring").contains("problem-mark"));
        assert!(list_row(&r.body, "demo-transferring").contains("class=\"nowrap\">demo-rg"));
    });
}

#[test]
fn unknown_pages_and_jobs_answer_404() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        assert_eq!(
            app.get(&me, "/no/such/page").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&me, "/jobs/987654").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&me, "/jobs/not-a-number").await.status,
            StatusCode::NOT_FOUND
        );
    });
}

#[test]
fn the_job_page_draws_the_diagram_with_the_current_state() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-packaging").await;
        let me = app.customer().await;
        let r = app.get(&me, &format!("/jobs/{id}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let current = r
            .body
            .split("data-testid=\"node-")
            .find(|chunk| chunk.contains("data-visit=\"current\""))
            .map(|chunk| chunk.split('"').next().unwrap_or_default().to_string());
        assert_eq!(current.as_deref(), Some("Packaging"));
        // BitLocker keys never reach the page.
        let key = crate::server::demo::demo_bitlocker_key(16);
        assert!(!r.body.contains(&key));
    });
}

#[test]
fn the_job_data_is_the_lifecycle_s_answers_for_the_drive_asked_for_without_keys() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-received").await;
        let me = app.customer().await;
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        let drive = job.drives[0].drive_id.clone();
        let key = job.drives[0]
            .bit_locker_key
            .clone()
            .expect("an import drive's key");
        let key = &key;
        let read = |form: String| {
            let app = &app;
            let me = &me;
            async move {
                let r = app.call(me, "/api/get_job", &form).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                assert!(
                    !r.body.contains(key.as_str()),
                    "no BitLocker key in the page's data"
                );
                serde_json::from_str::<crate::job_page::JobPageView>(&r.body).unwrap()
            }
        };
        let all = read(format!("id={id}")).await;
        assert_eq!(all.version, job.version);
        assert_eq!(all.drives.chosen, None);
        let diagram = all.drives.diagram.expect("the job has drives");
        assert!(
            diagram.title.starts_with("Drive lifecycle of all drives"),
            "{}",
            diagram.title
        );
        assert!(
            diagram.steps.is_empty(),
            "no path when every drive is shown"
        );
        assert_eq!(diagram.layouts.len(), 2, "wide and compact");
        // Each permission is the lifecycle's answer for this job.
        let settings = app.state.settings();
        for (shown, action) in [
            (
                &all.actions.mark_shipped,
                lifecycle::CustomerAction::MarkShipping,
            ),
            (&all.actions.cancel, lifecycle::CustomerAction::Cancel),
            (&all.actions.delete, lifecycle::CustomerAction::Delete),
            (
                &all.shipping.delivery_lock,
                lifecycle::CustomerAction::EditDeliveryPackage,
            ),
        ] {
            let decided = lifecycle::customer_action(&job, action, settings);
            assert_eq!(
                (shown.allowed, &shown.reason),
                (decided.allowed, &decided.reason),
                "{action:?}"
            );
        }
        // One drive (its id in any case): its own path, with times.
        let one = read(format!("id={id}&drive={}", drive.to_lowercase())).await;
        assert_eq!(one.drives.chosen.as_deref(), Some(drive.as_str()));
        let diagram = one.drives.diagram.unwrap();
        assert!(
            diagram
                .title
                .starts_with(&format!("Drive lifecycle of {drive}: ")),
            "{}",
            diagram.title
        );
        assert!(!diagram.steps.is_empty(), "the drive's path");
        // A drive the job does not have shows every drive.
        let unknown = read(format!("id={id}&drive=NOT-A-DRIVE")).await;
        assert_eq!(unknown.drives.chosen, None);
    });
}

#[test]
fn mark_shipped_works_as_a_hydrated_call() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-ready-to-ship-1").await;
        let me = app.customer().await;
        let r = app
            .call(&me, "/api/mark_shipped", &format!("id={id}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let job = app.state.store.job(id).await.unwrap().unwrap();
        assert_eq!(job.job.state, lifecycle::JobState::Shipping);
        let last = app.state.store.events(id).await.unwrap().pop().unwrap();
        assert_eq!(last.event.kind.name(), "markedShipping");
    });
}

#[test]
fn mark_shipped_works_as_a_plain_form_post() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-ready-to-ship-2").await;
        let me = app.customer().await;
        let referer = format!("http://localhost/jobs/{id}");
        let r = app
            .post_form(&me, "/api/mark_shipped", &format!("id={id}"), &referer)
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        // server_fn strips its error parameters from the referer and may leave an empty query behind.
        let location = r.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(location.trim_end_matches('?'), referer);
        assert_eq!(
            app.state.store.job(id).await.unwrap().unwrap().job.state,
            lifecycle::JobState::Shipping
        );
    });
}

#[test]
fn a_refused_mark_shipped_explains_why_in_both_modes() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-creating").await;
        let me = app.customer().await;
        let r = app
            .call(&me, "/api/mark_shipped", &format!("id={id}"))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body
                .contains("Mark as shipped needs a delivery package tracking number"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("deliveryPackage"),
            "the field is named: {}",
            r.body
        );

        let referer = format!("http://localhost/jobs/{id}");
        let r = app
            .post_form(&me, "/api/mark_shipped", &format!("id={id}"), &referer)
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let location = r.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(
            location, referer,
            "back to the page, with nothing in its URL"
        );
        // Following the redirect (with the flash cookie) renders the page with the error shown.
        let page = app.follow(&me, &r).await;
        assert!(page
            .body
            .contains("Mark as shipped needs a delivery package tracking number"));
        assert_eq!(
            app.state.store.job(id).await.unwrap().unwrap().job.state,
            lifecycle::JobState::Creating
        );
    });
}

/// The guided Mark as shipped form's fields for a job that has nothing yet (`tracking`: its tracking number).
fn ship_form_body(id: i64, tracking: &str, drive_count: &str) -> String {
    format!(
        "id={id}&ship[pkg][carrier_name]=FedEx&ship[pkg][tracking_number]={tracking}&ship[pkg][drive_count]={drive_count}\
         &ship[pkg][ship_date]=&ship[address][recipient_name]=Ada+Lovelace&ship[address][street_address1]=1+Analytical+Way\
         &ship[address][city]=Redmond&ship[address][postal_code]=98052&ship[address][country_or_region]=USA\
         &ship[address][phone]=%2B1+425+555+0100&ship[address][email]=ada%40example.com\
         &ship[shipping][carrier_name]=FedEx&ship[shipping][carrier_account_number]=123456789"
    )
    .replace('[', "%5B")
    .replace(']', "%5D")
}

#[test]
fn the_guided_ship_form_saves_everything_and_ships_in_one_plain_post() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-creating").await;
        let me = app.customer().await;
        let referer = format!("http://localhost/jobs/{id}/ship");
        let r = app
            .post_form(
                &me,
                "/api/ship_package",
                &ship_form_body(id, "GUIDED1", "2"),
                &referer,
            )
            .await;
        assert!(r.status.is_redirection(), "{}: {}", r.status, r.body);
        let location = r.headers[header::LOCATION].to_str().unwrap();
        assert!(location.ends_with(&format!("/jobs/{id}")), "{location}");
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        assert_eq!(job.state, lifecycle::JobState::Shipping);
        assert_eq!(job.delivery_package.unwrap().tracking_number, "GUIDED1");
        assert_eq!(job.return_address.unwrap().city, "Redmond");
        assert_eq!(
            job.return_shipping.unwrap().carrier_account_number,
            "123456789"
        );
    });
}

#[test]
fn the_guided_ship_form_refuses_every_problem_at_once_and_keeps_the_input_out_of_the_url() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let id = app.job_id("demo-creating").await;
        let me = app.customer().await;
        // Hydrated: a drive count above the job's two drives is refused with its field, nothing saved.
        let r = app
            .call(
                &me,
                "/api/ship_package",
                &ship_form_body(id, "GUIDED2", "3"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("deliveryPackage.driveCount"), "{}", r.body);
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        assert_eq!(job.state, lifecycle::JobState::Creating);
        assert!(job.delivery_package.is_none(), "all or nothing");
        // A plain post with only a tracking number: back to the form, every missing requirement named at once.
        let referer = format!("http://localhost/jobs/{id}/ship");
        let body = format!(
            "id={id}&ship%5Bpkg%5D%5Bcarrier_name%5D=FedEx&ship%5Bpkg%5D%5Btracking_number%5D=KEPT42"
        );
        let r = app
            .post_form(&me, "/api/ship_package", &body, &referer)
            .await;
        assert!(r.status.is_redirection());
        let location = r.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(location, referer, "nothing typed travels in the URL");
        let page = app.follow(&me, &r).await;
        assert!(
            page.body.contains("Mark as shipped needs a return address"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Mark as shipped needs return shipping"));
        assert!(
            page.body.contains("value=\"KEPT42\""),
            "what was typed is kept"
        );
    });
}

#[test]
fn bad_server_function_input_is_an_error_not_a_crash() {
    crate::server::router_tests::on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app.call(&me, "/api/mark_shipped", "id=not-a-number").await;
        assert!(r.status.is_client_error(), "{}", r.status);
        let r = app.call(&me, "/api/mark_shipped", "id=987654").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("NotFound"), "{}", r.body);
        assert_eq!(app.get(&me, "/healthz").await.status, StatusCode::OK);
    });
}

#[test]
fn concurrent_page_renders_all_complete() {
    on_shared_runtime(async move {
        let app = std::sync::Arc::new(test_app().await);
        let me = app.customer().await;
        let id = app.job_id("demo-transferring").await;
        let mut tasks = Vec::new();
        for t in 0..8 {
            let app = app.clone();
            let me = me.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let path = if i % 2 == 0 {
                        "/jobs".to_string()
                    } else {
                        format!("/jobs/{id}")
                    };
                    let r = app.get(&me, &path).await;
                    assert_eq!(r.status, StatusCode::OK, "task {t} iteration {i} {path}");
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn the_job_list_answers_the_hydrated_apps_own_calls() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        // No filter at all: the browser sends an empty body.
        let r = app.call(&me, "/api/list_jobs", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app
            .call(&me, "/api/list_jobs", "query[state]=Shipping")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("demo-shipping") && !r.body.contains("demo-transferring"));
        let r = app.call(&me, "/api/list_jobs", "query[state]=Lost").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    });
}

/// A complete, valid new-job form body (import, one drive).
fn job_form(name: &str) -> String {
    let key = crate::server::demo::demo_bitlocker_key(7);
    format!(
        "job[job_type]=Import&job[name]={name}&job[location]=eastus&job[resource_group]=rg1\
         &job[storage_account_id]=%2Fsubscriptions%2F{sub}%2FresourceGroups%2Frg1%2Fproviders%2FMicrosoft.Storage%2FstorageAccounts%2Facct01\
         &job[drives][0][drive_id]=DRV1&job[drives][0][bit_locker_key]={key}\
         &job[drives][0][manifest_file]=%5CDriveManifest.xml&job[drives][0][manifest_hash]=109B21108597EF36D5785F08303F3638\
         &job[log_level]=Verbose&job[backup_drive_manifest]=on",
        sub = crate::server::demo::DEMO_SUBSCRIPTION
    )
}

#[test]
fn create_job_makes_a_creating_job_and_refuses_duplicates_and_bad_input() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app
            .call(&me, "/api/create_job", &job_form("fresh-job"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let id: i64 = serde_json::from_str(&r.body).unwrap();
        let job = app.state.store.job(id).await.unwrap().unwrap();
        assert_eq!(job.resource_group, "rg1");
        assert_eq!(job.job.state, lifecycle::JobState::Creating);
        assert_eq!(job.job.location.name, "eastus");
        assert!(job.job.backup_drive_manifest);
        assert_eq!(job.job.log_level, lifecycle::LogLevel::Verbose);
        assert_eq!(job.system.created_by, "Dana Demo");

        let again = app
            .call(&me, "/api/create_job", &job_form("fresh-job"))
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);
        assert!(
            again
                .body
                .contains("You already have a job named fresh-job"),
            "{}",
            again.body
        );

        let bad = job_form("Bad Name").replace("job[location]=eastus", "job[location]=mars");
        let r = app.call(&me, "/api/create_job", &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("\"field\":\"name\"") && r.body.contains("\"field\":\"location\""),
            "{}",
            r.body
        );
        assert!(
            !r.body.contains(&crate::server::demo::demo_bitlocker_key(7)),
            "keys are never echoed"
        );

        let eleven: String = (1..=11)
            .map(|i| format!("&job[drives][{i}][drive_id]=D{i}"))
            .collect();
        let r = app
            .call(
                &me,
                "/api/create_job",
                &format!("{}{eleven}", job_form("too-many")),
            )
            .await;
        assert!(r.body.contains("at most 10 drives"), "{}", r.body);
    });
}

#[test]
fn customer_updates_follow_the_lifecycle_and_name_the_field() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let creating = app.job_id("demo-creating").await;
        let r = app
            .call(
                &me,
                "/api/update_delivery_package",
                &format!("id={creating}&pkg[carrier_name]=UPS&pkg[tracking_number]=1Z9"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("deliveryPackage.carrierName")
                && r.body.contains("West US does not accept UPS"),
            "{}",
            r.body
        );
        let r = app
            .call(&me, "/api/update_delivery_package", &format!("id={creating}&pkg[carrier_name]=FedEx&pkg[tracking_number]=1Z9&pkg[drive_count]=two"))
            .await;
        assert!(r.body.contains("deliveryPackage.driveCount"), "{}", r.body);
        let r = app
            .call(
                &me,
                "/api/update_delivery_package",
                &format!("id={creating}&pkg[carrier_name]=fedex&pkg[tracking_number]=1Z9"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let job = app.state.store.job(creating).await.unwrap().unwrap().job;
        assert_eq!(
            job.delivery_package.unwrap().carrier_name,
            "FedEx",
            "stored in the canonical spelling"
        );

        let transferring = app.job_id("demo-transferring").await;
        let r = app
            .call(
                &me,
                "/api/update_return_address",
                &format!("id={transferring}&address[city]=Oslo"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body
                .contains("can be changed only while the job is Creating or Shipping"),
            "{}",
            r.body
        );
        let r = app
            .call(&me, "/api/update_return_shipping", &format!("id={transferring}&shipping[carrier_name]=DHL&shipping[carrier_account_number]=998877"))
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "return shipping stays editable while Transferring: {}",
            r.body
        );
    });
}

#[test]
fn cancel_and_delete_need_confirmation_and_the_window() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let packaging = app.job_id("demo-packaging").await;
        let r = app
            .call(
                &me,
                "/api/cancel_job",
                &format!("id={packaging}&confirm=yes"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            r.body.contains("before the job reaches Packaging"),
            "{}",
            r.body
        );
        let shipping = app.job_id("demo-shipping").await;
        let r = app
            .call(&me, "/api/cancel_job", &format!("id={shipping}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no confirmation");
        let r = app
            .call(
                &me,
                "/api/cancel_job",
                &format!("id={shipping}&confirm=yes"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let job = app.state.store.job(shipping).await.unwrap().unwrap().job;
        assert!(job.cancel_requested);
        assert_eq!(
            job.state,
            lifecycle::JobState::Shipping,
            "still on its way; the copy will be skipped"
        );

        let r = app
            .call(
                &me,
                "/api/delete_job",
                &format!("id={shipping}&confirm=yes"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let completed = app.job_id("demo-completed").await;
        let r = app
            .call(
                &me,
                "/api/delete_job",
                &format!("id={completed}&confirm=yes"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(app.state.store.job(completed).await.unwrap().is_none());
        assert!(
            !app.state.store.events(completed).await.unwrap().is_empty(),
            "history kept"
        );
    });
}

#[test]
fn bitlocker_keys_are_read_only_on_request_and_audited() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-received").await;
        let page = app.get(&me, &format!("/jobs/{id}")).await;
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        let key = job.drives[0].bit_locker_key.clone().unwrap();
        assert!(!page.body.contains(&key), "not on the page");
        let r = app
            .call(&me, "/api/bitlocker_keys", &format!("id={id}"))
            .await;
        assert!(r.body.contains(&key), "{}", r.body);
        let shown = app.get(&me, &format!("/jobs/{id}?keys=show")).await;
        assert!(shown.body.contains(&key), "shown when asked for");
        let audit = app
            .state
            .store
            .audit_entries(Some("bitlocker-keys-viewed"), 10)
            .await
            .unwrap();
        assert!(
            audit.len() >= 2,
            "every reading is audited: {}",
            audit.len()
        );
    });
}
