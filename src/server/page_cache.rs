//! Rendered job pages, kept until the job changes. Server-rendering `/jobs/{id}` costs far more than anything
//! else a request does, while the page only changes when the job does (or the minute its relative times are
//! counted from), so a rendered page is kept and served again to the same viewer.
//!
//! What a kept page is for: one job, one viewer (account, role, name, email and subscriptions: everything the
//! header, the tenancy check and the staff/customer differences depend on), one `?drive=` choice (or none),
//! one clock minute. Only plain reads are kept: `GET` without a query or with `?drive=` alone, answered
//! 200 without a cookie being set. `?keys=show` (BitLocker keys, read and audited per request) has another query and is always rendered
//! afresh, and so is a page showing a refused form's error (kept in the flash, see `server::flash`).
//!
//! What a kept page never reuses: the Content-Security-Policy nonce. The render's own nonce is found in its
//! policy header, the page is kept split around every occurrence, and each response is joined with a new one.
//!
//! When a kept page goes: every committed job change is published on the live hub (`server::changes`), which drops
//! the job's pages synchronously before the change's response is sent; a render that was under way during
//! the change cannot keep its (possibly older) result, because pages are only kept under the generation they
//! started in. On PostgreSQL, changes made by other instances arrive through LISTEN/NOTIFY, later than their
//! commit, and a lost listener connection drops everything; so that no request ever sees a page older than
//! the database, every reuse there first reads the job's version (one primary-key read) and renders afresh
//! when it moved. Writers outside any server (none changes jobs in normal use) are bounded by the minute.

use super::auth::Identity;
use super::state::AppState;
use super::store::Backend;
use crate::model::Role;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The most page bytes kept at once (oldest pages go first).
const BUDGET_BYTES: usize = 32 << 20;

/// Who a page was rendered for: everything of the identity that the page shows or decides by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Viewer {
    account_id: i64,
    role: Role,
    display_name: String,
    email: String,
    subscriptions: Vec<String>,
}

impl Viewer {
    fn of(identity: &Identity) -> Viewer {
        Viewer {
            account_id: identity.account_id,
            role: identity.role,
            display_name: identity.display_name.clone(),
            email: identity.email.clone(),
            subscriptions: identity.subscriptions.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PageKey {
    viewer: Viewer,
    /// The `drive` query parameter as sent.
    drive: Option<String>,
    /// Minutes since the epoch on the server's clock: relative times are counted from the render's "now".
    minute: i64,
}

/// A response split around its nonce: `parts` joined with a fresh nonce between each two.
#[derive(Debug)]
struct Template {
    parts: Vec<Bytes>,
}

impl Template {
    fn split(text: &[u8], nonce: &[u8]) -> Template {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(at) = find(rest, nonce) {
            parts.push(Bytes::copy_from_slice(&rest[..at]));
            rest = &rest[at + nonce.len()..];
        }
        parts.push(Bytes::copy_from_slice(rest));
        Template { parts }
    }

    fn len(&self) -> usize {
        self.parts.iter().map(Bytes::len).sum()
    }

    fn join(&self, nonce: &str) -> Bytes {
        let mut out =
            Vec::with_capacity(self.len() + nonce.len() * self.parts.len().saturating_sub(1));
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(nonce.as_bytes());
            }
            out.extend_from_slice(part);
        }
        Bytes::from(out)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One kept page: its headers and body without their nonce, and the job version it shows.
#[derive(Debug)]
struct Page {
    version: u64,
    headers: Vec<(HeaderName, Template)>,
    body: Template,
}

impl Page {
    /// The page for one more response, with a nonce of its own.
    fn respond(&self) -> Response {
        let nonce = leptos::nonce::Nonce::new();
        let mut response = Response::new(Body::from(self.body.join(&nonce)));
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_maybe_shared(value.join(&nonce)) {
                headers.append(name.clone(), value);
            }
        }
        response
    }

    fn bytes(&self) -> usize {
        self.body.len() + 256
    }
}

/// The kept pages of one job, under the generation they were rendered in.
struct JobPages {
    generation: u64,
    pages: HashMap<PageKey, Arc<Page>>,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<i64, JobPages>,
    /// Insertion order of the pages, for dropping the oldest over budget (may name pages already gone).
    order: VecDeque<(i64, PageKey)>,
    bytes: usize,
    generations: u64,
}

impl Inner {
    fn drop_job(&mut self, job_id: i64) {
        if let Some(job) = self.jobs.remove(&job_id) {
            self.bytes -= job.pages.values().map(|p| p.bytes()).sum::<usize>();
        }
    }

    fn drop_page(&mut self, job_id: i64, key: &PageKey) {
        let Some(job) = self.jobs.get_mut(&job_id) else {
            return;
        };
        if let Some(page) = job.pages.remove(key) {
            self.bytes -= page.bytes();
        }
        if job.pages.is_empty() {
            self.jobs.remove(&job_id);
        }
    }

    fn pages(&self) -> usize {
        self.jobs.values().map(|j| j.pages.len()).sum()
    }
}

/// A render's right to keep its page: valid while the job has not changed since the render began.
pub struct Ticket {
    job_id: i64,
    generation: u64,
}

/// The kept job pages of one server (see the module's description).
#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
}

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Job `job_id` changed: its pages go, and renders begun before cannot keep theirs.
    pub fn invalidate(&self, job_id: i64) {
        self.lock().drop_job(job_id);
    }

    /// Changes may have been missed (the PostgreSQL listener reconnected): every page goes.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.jobs.clear();
        inner.order.clear();
        inner.bytes = 0;
    }

    /// How many responses were served from kept pages (for tests and curious operators).
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many pages are kept now.
    pub fn len(&self) -> usize {
        self.lock().pages()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, job_id: i64, key: &PageKey) -> Option<Arc<Page>> {
        self.lock().jobs.get(&job_id)?.pages.get(key).cloned()
    }

    /// Taken before a render reads anything of the job.
    fn ticket(&self, job_id: i64) -> Ticket {
        let mut inner = self.lock();
        inner.generations += 1;
        let fresh = inner.generations;
        let job = inner.jobs.entry(job_id).or_insert_with(|| JobPages {
            generation: fresh,
            pages: HashMap::new(),
        });
        Ticket {
            job_id,
            generation: job.generation,
        }
    }

    /// Keeps a rendered page, unless the job changed since `ticket` was taken.
    fn keep(&self, ticket: &Ticket, key: PageKey, page: Page) {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let Some(job) = inner.jobs.get_mut(&ticket.job_id) else {
            return;
        };
        if job.generation != ticket.generation {
            return;
        }
        // Pages of earlier minutes are never served again.
        let minute = key.minute;
        let mut freed = 0;
        job.pages.retain(|k, p| {
            let keep = k.minute >= minute;
            if !keep {
                freed += p.bytes();
            }
            keep
        });
        let page = Arc::new(page);
        let added = page.bytes();
        if let Some(old) = job.pages.insert(key.clone(), page) {
            freed += old.bytes();
        }
        inner.bytes = inner.bytes + added - freed;
        inner.order.push_back((ticket.job_id, key));
        while inner.bytes > BUDGET_BYTES {
            let Some((job_id, key)) = inner.order.pop_front() else {
                break;
            };
            inner.drop_page(job_id, &key);
        }
        // The order list names pages dropped meanwhile; keep it in proportion to the pages kept.
        if inner.order.len() > 4 * inner.pages() + 64 {
            let Inner { jobs, order, .. } = inner;
            order.retain(|(job_id, key)| {
                jobs.get(job_id)
                    .is_some_and(|job| job.pages.contains_key(key))
            });
        }
    }

    /// A render that kept nothing: forget the job's empty entry (a later ticket makes a new generation).
    fn release(&self, ticket: &Ticket) {
        let mut inner = self.lock();
        if inner
            .jobs
            .get(&ticket.job_id)
            .is_some_and(|job| job.generation == ticket.generation && job.pages.is_empty())
        {
            inner.jobs.remove(&ticket.job_id);
        }
    }
}

/// The job version a page render showed, recorded by `get_job` through the request's extensions.
#[derive(Clone, Default)]
struct RenderNote(Arc<Mutex<Seen>>);

#[derive(Default)]
enum Seen {
    #[default]
    Nothing,
    Version(u64),
    /// The render read the job more than once and saw different versions: not kept.
    Several,
}

/// Called by the job page's data loading: the version of the job it is about to show.
pub fn note_version(version: u64) {
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else {
        return;
    };
    let Some(note) = parts.extensions.get::<RenderNote>() else {
        return;
    };
    let mut seen = note.0.lock().unwrap_or_else(|e| e.into_inner());
    *seen = match *seen {
        Seen::Nothing => Seen::Version(version),
        Seen::Version(v) if v == version => Seen::Version(v),
        _ => Seen::Several,
    };
}

/// The job and drive choice of a request this cache may answer.
fn keepable(req: &Request) -> Option<(i64, Option<String>)> {
    if req.method() != Method::GET {
        return None;
    }
    let id = req.uri().path().strip_prefix("/jobs/")?;
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let job_id = id.parse().ok()?;
    let drive = match req.uri().query() {
        None | Some("") => None,
        Some(query) => {
            let value = query.strip_prefix("drive=")?;
            let plain = !value.is_empty()
                && value.len() <= 64
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !plain {
                return None;
            }
            Some(value.to_string())
        }
    };
    Some((job_id, drive))
}

/// The layer in front of the page renderer (inside identification and the access guard).
pub async fn serve(
    app: &AppState,
    mut req: Request,
    next: impl AsyncFnOnce(Request) -> Response,
) -> Response {
    let Some((job_id, drive)) = keepable(&req) else {
        return next(req).await;
    };
    // A page showing a one-time message (a refused form's error) is this response's alone.
    if req
        .extensions()
        .get::<crate::app::flash::PageFlash>()
        .is_some()
    {
        return next(req).await;
    }
    let Some(identity) = req.extensions().get::<Identity>() else {
        return next(req).await;
    };
    let key = PageKey {
        viewer: Viewer::of(identity),
        drive,
        minute: app.clock.now().timestamp().div_euclid(60),
    };
    let cache = app.live.pages();
    if let Some(page) = cache.get(job_id, &key) {
        let current = match app.store.backend() {
            Backend::Sqlite => true,
            Backend::Postgres => app
                .store
                .job_version(job_id)
                .await
                .is_ok_and(|v| v == Some(page.version)),
        };
        if current {
            cache.hits.fetch_add(1, Ordering::Relaxed);
            return page.respond();
        }
        cache.invalidate(job_id);
    }
    let ticket = cache.ticket(job_id);
    let note = RenderNote::default();
    req.extensions_mut().insert(note.clone());
    let response = next(req).await;
    let seen = std::mem::take(&mut *note.0.lock().unwrap_or_else(|e| e.into_inner()));
    let (Seen::Version(version), StatusCode::OK) = (seen, response.status()) else {
        cache.release(&ticket);
        return response;
    };
    if response.headers().contains_key(header::SET_COOKIE) {
        cache.release(&ticket);
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            cache.release(&ticket);
            tracing::error!(error = %e, "cannot read a rendered job page");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    match template(&parts.headers, &bytes, version) {
        Some(page) => cache.keep(&ticket, key, page),
        None => cache.release(&ticket),
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The rendered page without its nonce, or `None` when it carries no nonce to replace.
fn template(headers: &axum::http::HeaderMap, body: &Bytes, version: u64) -> Option<Page> {
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let nonce = policy.split("'nonce-").nth(1)?.split('\'').next()?;
    if nonce.len() < 16 {
        return None;
    }
    Some(Page {
        version,
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.clone(),
                    Template::split(value.as_bytes(), nonce.as_bytes()),
                )
            })
            .collect(),
        body: Template::split(body, nonce.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(account_id: i64, minute: i64) -> PageKey {
        PageKey {
            viewer: Viewer {
                account_id,
                role: Role::Customer,
                display_name: "C".into(),
                email: "c@example.com".into(),
                subscriptions: vec!["s".into()],
            },
            drive: None,
            minute,
        }
    }

    fn page(size: usize) -> Page {
        Page {
            version: 1,
            headers: Vec::new(),
            body: Template {
                parts: vec![Bytes::from(vec![b'x'; size])],
            },
        }
    }

    #[test]
    fn a_template_takes_a_fresh_nonce_everywhere_the_old_one_was() {
        let t = Template::split(
            b"<script nonce=\"OLDNONCE\">x</script><b crossorigin=\"OLDNONCE\">",
            b"OLDNONCE",
        );
        assert_eq!(t.parts.len(), 3);
        assert_eq!(
            &t.join("NEW")[..],
            b"<script nonce=\"NEW\">x</script><b crossorigin=\"NEW\">"
        );
        assert_eq!(
            &Template::split(b"none here", b"OLDNONCE").join("NEW")[..],
            b"none here"
        );
    }

    #[test]
    fn a_render_begun_before_a_change_keeps_nothing() {
        let cache = PageCache::default();
        let before = cache.ticket(7);
        cache.invalidate(7);
        cache.keep(&before, key(1, 0), page(10));
        assert!(cache.get(7, &key(1, 0)).is_none());
        // Nor when another render began after the change.
        let early = cache.ticket(7);
        cache.invalidate(7);
        let late = cache.ticket(7);
        cache.keep(&early, key(1, 0), page(10));
        assert!(cache.get(7, &key(1, 0)).is_none());
        cache.keep(&late, key(1, 0), page(10));
        assert!(cache.get(7, &key(1, 0)).is_some());
        assert!(cache.get(7, &key(2, 0)).is_none(), "another viewer");
        cache.invalidate(7);
        assert!(cache.is_empty());
    }

    #[test]
    fn pages_of_earlier_minutes_go_and_the_budget_holds() {
        let cache = PageCache::default();
        let t = cache.ticket(1);
        cache.keep(&t, key(1, 0), page(10));
        cache.keep(&t, key(1, 1), page(10));
        assert!(cache.get(1, &key(1, 0)).is_none());
        assert_eq!(cache.len(), 1);
        let big = BUDGET_BYTES / 4;
        for job in 10..20 {
            let t = cache.ticket(job);
            cache.keep(&t, key(1, 1), page(big));
        }
        assert!(cache.lock().bytes <= BUDGET_BYTES);
        assert!(cache.get(19, &key(1, 1)).is_some(), "the newest stays");
        assert!(cache.get(10, &key(1, 1)).is_none(), "the oldest went");
        let empty = cache.ticket(99);
        cache.release(&empty);
        assert!(!cache.lock().jobs.contains_key(&99));
    }

    #[test]
    fn only_plain_reads_of_a_job_page_are_kept() {
        let req = |method: Method, uri: &str| {
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(keepable(&req(Method::GET, "/jobs/12")), Some((12, None)));
        assert_eq!(keepable(&req(Method::GET, "/jobs/12?")), Some((12, None)));
        assert_eq!(
            keepable(&req(Method::GET, "/jobs/12?drive=WD-1")),
            Some((12, Some("WD-1".into())))
        );
        for refused in [
            "/jobs/12?keys=show",
            "/jobs/12?drive=WD-1&keys=show",
            "/jobs/12?keys=show&drive=WD-1",
            "/jobs/12?__err=abc&__path=x",
            "/jobs/12?drive=%3Cx%3E",
            "/jobs/new",
            "/jobs/12/x",
            "/jobs/",
            "/staff/jobs/12",
        ] {
            assert_eq!(keepable(&req(Method::GET, refused)), None, "{refused}");
        }
        assert_eq!(keepable(&req(Method::HEAD, "/jobs/12")), None);
        assert_eq!(keepable(&req(Method::POST, "/jobs/12")), None);
    }
}
