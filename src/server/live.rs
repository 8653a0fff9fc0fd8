//! Live updates: every job change is announced on a hub; browsers follow the jobs they may see over
//! server-sent events and re-read the job when it changes. On SQLite (one instance) the hub is in-process. On
//! PostgreSQL every instance announces through `NOTIFY portal_jobs` and each instance's listener feeds its own
//! hub, so a change made on one instance reaches browsers connected to any other.

use super::auth::{Identity, Via};
use super::page_cache::PageCache;
use super::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;

/// What subscribers learn: which job changed, to which version. They fetch the rest through the normal,
/// authorised read path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobChanged {
    pub job_id: i64,
    pub subscription_id: String,
    pub version: u64,
    pub state: String,
}

/// An unmatched intake changed (recorded, a deadline passed, resolved): staff pages that list intakes re-read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeChanged {
    pub intake_id: i64,
    /// The job the intake is linked to, if any (that job's staff page lists it).
    pub job_id: Option<i64>,
    pub version: u64,
}

/// One change, of a job or of an intake.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Change {
    Job(JobChanged),
    Intake(IntakeChanged),
}

impl From<JobChanged> for Change {
    fn from(c: JobChanged) -> Change {
        Change::Job(c)
    }
}

impl From<IntakeChanged> for Change {
    fn from(c: IntakeChanged) -> Change {
        Change::Intake(c)
    }
}

/// What travels on the hub: a change, or "you may have missed changes; re-read everything".
pub type Announcement = Option<Change>;

const CHANNEL: &str = "portal_jobs";

/// How often an open stream checks that its session (or token) still exists: one primary-key read per stream.
pub const SESSION_CHECK: Duration = Duration::from_secs(30);

/// How long the browser waits before reconnecting a dropped stream (sent with `ready`).
const RECONNECT: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<Announcement>,
    /// Set on PostgreSQL: announcements go through the database to every instance.
    shared: Option<sqlx::AnyPool>,
    /// How often each stream re-checks its caller's session.
    session_check: Duration,
    /// Set when the server shuts down: every stream ends, so that the graceful shutdown is not held up by
    /// streams that would never end by themselves (browsers reconnect to the next server).
    closing: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
    /// Rendered job pages, dropped here whenever a job changes (see `page_cache`).
    pages: std::sync::Arc<PageCache>,
    /// The streams open on this server, counted per caller and per address.
    streams: std::sync::Arc<StreamCounts>,
}

/// Open streams per session or token, per client address, and in all, on this server: each stream holds a
/// [`StreamSlot`] for as long as it is open.
#[derive(Default)]
pub struct StreamCounts {
    inner: std::sync::Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    by_key: std::collections::HashMap<String, usize>,
    total: usize,
}

/// Which cap a new stream met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamCap {
    PerSession,
    PerAddress,
    Total,
}

impl StreamCap {
    fn message(self, limits: &crate::server::config::Limits) -> String {
        match self {
            StreamCap::PerSession => format!(
                "Too many live update streams for this session or token (at most {}); close other tabs or \
                 connections and try again",
                limits.live_streams_per_session
            ),
            StreamCap::PerAddress => format!(
                "Too many live update streams from your address (at most {})",
                limits.live_streams_per_address
            ),
            StreamCap::Total => {
                "The server has as many live update streams open as it serves; try again later".into()
            }
        }
    }
}

/// One open stream's place in the counts, given back when the stream ends (dropped).
pub struct StreamSlot {
    counts: std::sync::Arc<StreamCounts>,
    keys: Vec<String>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut c = self.counts.lock();
        c.total = c.total.saturating_sub(1);
        for key in &self.keys {
            if let Some(n) = c.by_key.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    c.by_key.remove(key);
                }
            }
        }
    }
}

impl StreamCounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for one more stream of `identity` from `address`, or the cap it would pass.
    pub fn admit(
        self: &std::sync::Arc<Self>,
        identity: &Identity,
        address: Option<std::net::IpAddr>,
        limits: &crate::server::config::Limits,
    ) -> Result<StreamSlot, StreamCap> {
        let caller = match &identity.via {
            Via::Session { id_hash } => format!("session:{id_hash}"),
            Via::Token { token_id, .. } => format!("token:{token_id}"),
        };
        let mut keys = vec![(
            caller,
            limits.live_streams_per_session,
            StreamCap::PerSession,
        )];
        if let Some(ip) = address {
            keys.push((
                format!("address:{ip}"),
                limits.live_streams_per_address,
                StreamCap::PerAddress,
            ));
        }
        let mut c = self.lock();
        if c.total >= limits.live_streams_total {
            return Err(StreamCap::Total);
        }
        for (key, cap, which) in &keys {
            if c.by_key.get(key).copied().unwrap_or(0) >= *cap {
                return Err(*which);
            }
        }
        c.total += 1;
        for (key, ..) in &keys {
            *c.by_key.entry(key.clone()).or_default() += 1;
        }
        Ok(StreamSlot {
            counts: self.clone(),
            keys: keys.into_iter().map(|(k, ..)| k).collect(),
        })
    }

    /// Streams open now (tests and diagnostics).
    pub fn open(&self) -> usize {
        self.lock().total
    }
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(4096)
    }
}

impl LiveHub {
    pub fn new(capacity: usize) -> LiveHub {
        let (tx, _) = broadcast::channel(capacity);
        LiveHub {
            tx,
            shared: None,
            session_check: SESSION_CHECK,
            closing: std::sync::Arc::new(tokio::sync::watch::channel(false).0),
            pages: Default::default(),
            streams: Default::default(),
        }
    }

    /// The streams open on this server.
    pub fn streams(&self) -> &std::sync::Arc<StreamCounts> {
        &self.streams
    }

    /// The job pages kept by this server, valid until the hub hears of a change.
    pub fn pages(&self) -> &PageCache {
        &self.pages
    }

    /// Ends every open stream (at shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// The same hub with streams re-checking their session every `every` (tests use a short one).
    pub fn with_session_check(mut self, every: Duration) -> LiveHub {
        self.session_check = every;
        self
    }

    /// A hub shared by every instance on this PostgreSQL database: starts this instance's listener.
    pub fn shared(capacity: usize, pool: sqlx::AnyPool, url: String) -> LiveHub {
        let mut hub = LiveHub::new(capacity);
        hub.shared = Some(pool);
        tokio::spawn(listen(hub.tx.clone(), hub.pages.clone(), url));
        hub
    }

    pub fn publish(&self, change: impl Into<Change>) {
        let change = change.into();
        // Before the change's response goes out, so that its author never gets a page from before it.
        forget_pages(&self.pages, Some(&change));
        match &self.shared {
            Some(pool) => {
                let pool = pool.clone();
                let payload = serde_json::to_string(&change).unwrap_or_default();
                let local = self.tx.clone();
                tokio::spawn(async move {
                    let sent = sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(payload)
                        .execute(&pool)
                        .await;
                    if let Err(e) = sent {
                        // The change happened; only its announcement failed. Pages re-read on their own.
                        tracing::warn!(error = %e, "cannot announce a change to other instances");
                        let _ = local.send(Some(change));
                    }
                });
            }
            // No subscriber is not an error: nobody is watching right now.
            None => {
                let _ = self.tx.send(Some(change));
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Announcement> {
        self.tx.subscribe()
    }
}

/// Drops the kept pages a change makes stale: the job's (an intake's linked job's, too), or every page when
/// changes may have been missed (`None`).
fn forget_pages(pages: &PageCache, change: Option<&Change>) {
    match change {
        Some(Change::Job(c)) => pages.invalidate(c.job_id),
        Some(Change::Intake(c)) => {
            if let Some(job_id) = c.job_id {
                pages.invalidate(job_id);
            }
        }
        None => pages.clear(),
    }
}

/// Feeds the local hub from `NOTIFY portal_jobs`, reconnecting as needed; after a lost connection every
/// subscriber is told to re-read, since notifications sent meanwhile are gone.
async fn listen(
    tx: broadcast::Sender<Announcement>,
    pages: std::sync::Arc<PageCache>,
    url: String,
) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot listen for changes from other instances");
                } else {
                    forget_pages(&pages, None);
                    let _ = tx.send(None);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                                Ok(change) => {
                                    forget_pages(&pages, Some(&change));
                                    let _ = tx.send(Some(change));
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "unreadable change notification")
                                }
                            },
                            Ok(None) => {
                                tracing::warn!("lost the change notifications; reconnecting");
                                forget_pages(&pages, None);
                                let _ = tx.send(None);
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "change notifications failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot connect for change notifications"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// Follow one job; without it, every job the caller may see (job lists, the console).
    pub job: Option<i64>,
}

/// `GET /events?job=ID`: a stream of `job` events (data: the JobChanged JSON) and, for staff, `intake` events
/// (the IntakeChanged JSON). It opens with `ready`, whose data is `{"version": V}`: the followed job's version
/// as read after subscribing (null without `job`), so a page showing another version knows it missed a change
/// and re-reads. A `resync` event is sent when the subscriber fell behind. Every `SESSION_CHECK` the stream
/// checks that the caller's session (or API token) still exists; once it is gone (signed out, expired,
/// password changed, token revoked) the stream sends `signed-out` and ends. At shutdown every stream ends (the
/// browser reconnects to the next server).
pub async fn events(
    State(app): State<AppState>,
    identity: Option<Extension<Identity>>,
    remote: Option<Extension<super::auth::RemoteAddr>>,
    Query(query): Query<EventsQuery>,
) -> Response {
    let Some(Extension(identity)) = identity else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    // Streams outlive the request timeout, so their number is what bounds them: per session or token, per
    // address, in all (`[portal.limits]`). The place is held by the stream and given back when it ends.
    let address = remote.and_then(|Extension(r)| r.ip);
    let slot = match app
        .live
        .streams
        .admit(&identity, address, &app.config.limits)
    {
        Ok(slot) => slot,
        Err(cap) => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, "30")],
                cap.message(&app.config.limits),
            )
                .into_response()
        }
    };
    // Subscribe before reading the version: a change after the read then arrives on the stream.
    let rx = app.live.subscribe();
    let version = match query.job {
        Some(job) => match super::commands::visible_job(&app, &identity, job).await {
            Ok(stored) => Some(stored.job.version),
            Err(_) => return (StatusCode::NOT_FOUND, "not found").into_response(),
        },
        None => None,
    };
    let hello = Event::default()
        .event("ready")
        .retry(RECONNECT)
        .data(serde_json::json!({ "version": version }).to_string());
    let every = app.live.session_check;
    let mut closing = app.live.closing.subscribe();
    let checked = identity.clone();
    let alive = move || {
        let app = app.clone();
        let identity = checked.clone();
        async move { still_signed_in(&app, &identity).await }
    };
    let shutdown = async move {
        let _ = closing.wait_for(|closing| *closing).await;
    };
    let stream = futures_util::StreamExt::take_until(
        follow(rx, identity, query.job, hello, every, alive),
        shutdown,
    );
    // The slot lives as long as the stream.
    let stream = futures_util::StreamExt::map(stream, move |event| {
        let _open = &slot;
        event
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Whether the caller's credentials still hold. A failed lookup keeps the stream: the next check decides.
async fn still_signed_in(app: &AppState, identity: &Identity) -> bool {
    let alive = match &identity.via {
        Via::Session { id_hash } => app.store.session_alive(id_hash, app.clock.now()).await,
        Via::Token { token_id, .. } => app.store.token_alive(*token_id).await,
    };
    alive.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot re-check the session of a live stream");
        true
    })
}

/// What the stream's state carries from one event to the next.
struct Following<A> {
    hello: Option<Event>,
    rx: broadcast::Receiver<Announcement>,
    identity: Identity,
    job: Option<i64>,
    check: tokio::time::Interval,
    alive: A,
    ended: bool,
}

fn follow<A, F>(
    rx: broadcast::Receiver<Announcement>,
    identity: Identity,
    job: Option<i64>,
    hello: Event,
    check_every: Duration,
    alive: A,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    A: FnMut() -> F + Send + 'static,
    F: std::future::Future<Output = bool> + Send,
{
    let mut check =
        tokio::time::interval_at(tokio::time::Instant::now() + check_every, check_every);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let start = Following {
        hello: Some(hello),
        rx,
        identity,
        job,
        check,
        alive,
        ended: false,
    };
    futures_util::stream::unfold(start, |mut st| async move {
        if st.ended {
            return None;
        }
        if let Some(hello) = st.hello.take() {
            return Some((Ok(hello), st));
        }
        loop {
            tokio::select! {
                item = st.rx.recv() => {
                    let event = match item {
                        Ok(None) | Err(broadcast::error::RecvError::Lagged(_)) => {
                            Some(Event::default().event("resync").data("{}"))
                        }
                        Ok(Some(Change::Job(change))) => {
                            let wanted = st.job.is_none_or(|j| j == change.job_id)
                                && st.identity.can_access(&change.subscription_id);
                            wanted.then(|| {
                                Event::default()
                                    .event("job")
                                    .data(serde_json::to_string(&change).unwrap_or_default())
                            })
                        }
                        // Intakes are the data center's business: staff only, and on a job's stream only that
                        // job's.
                        Ok(Some(Change::Intake(change))) => {
                            let wanted =
                                st.identity.is_staff() && st.job.is_none_or(|j| change.job_id == Some(j));
                            wanted.then(|| {
                                Event::default()
                                    .event("intake")
                                    .data(serde_json::to_string(&change).unwrap_or_default())
                            })
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    };
                    if let Some(event) = event {
                        return Some((Ok(event), st));
                    }
                }
                _ = st.check.tick() => {
                    if !(st.alive)().await {
                        st.ended = true;
                        return Some((Ok(Event::default().event("signed-out").data("{}")), st));
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use tokio_stream::StreamExt;

    fn hello() -> Event {
        Event::default().event("ready").data("{}")
    }

    /// A stream whose session never ends (checked hourly).
    fn open(
        hub: &LiveHub,
        identity: Identity,
        job: Option<i64>,
    ) -> impl Stream<Item = Result<Event, Infallible>> {
        follow(
            hub.subscribe(),
            identity,
            job,
            hello(),
            Duration::from_secs(3600),
            || async { true },
        )
    }

    fn identity(subs: &[&str], role: Role) -> Identity {
        Identity {
            account_id: 1,
            email: "a@example.com".into(),
            display_name: "A".into(),
            role,
            subscriptions: subs.iter().map(|s| s.to_string()).collect(),
            via: Via::Session {
                id_hash: "x".into(),
            },
        }
    }

    fn change(job: i64, sub: &str) -> JobChanged {
        JobChanged {
            job_id: job,
            subscription_id: sub.into(),
            version: 2,
            state: "Shipping".into(),
        }
    }

    async fn collect(stream: impl Stream<Item = Result<Event, Infallible>>, n: usize) -> usize {
        let stream = stream.take(n).timeout(Duration::from_millis(200));
        tokio::pin!(stream);
        let mut count = 0;
        while let Some(Ok(_)) = stream.next().await {
            count += 1;
        }
        count
    }

    #[tokio::test]
    async fn subscribers_receive_only_their_own_jobs() {
        let hub = LiveHub::new(16);
        let mine = open(&hub, identity(&["sub-a"], Role::Customer), None);
        let one_job = open(&hub, identity(&["sub-a"], Role::Customer), Some(7));
        let staff = open(&hub, identity(&[], Role::Staff), None);
        hub.publish(change(7, "sub-a"));
        hub.publish(change(8, "sub-b"));
        hub.publish(change(9, "sub-a"));
        // Each stream starts with its `ready` event.
        assert_eq!(collect(mine, 10).await, 1 + 2);
        assert_eq!(collect(one_job, 10).await, 1 + 1);
        assert_eq!(collect(staff, 10).await, 1 + 3);
    }

    #[tokio::test]
    async fn intake_changes_reach_staff_streams_only() {
        let hub = LiveHub::new(16);
        let customer = open(&hub, identity(&["sub-a"], Role::Customer), None);
        let staff = open(&hub, identity(&[], Role::Staff), None);
        let job_7 = open(&hub, identity(&[], Role::Staff), Some(7));
        let job_8 = open(&hub, identity(&[], Role::Staff), Some(8));
        for (intake_id, job_id) in [(1, Some(7)), (2, None)] {
            hub.publish(IntakeChanged {
                intake_id,
                job_id,
                version: 2,
            });
        }
        assert_eq!(collect(customer, 10).await, 1, "only `ready`");
        assert_eq!(collect(staff, 10).await, 1 + 2);
        assert_eq!(
            collect(job_7, 10).await,
            1 + 1,
            "the intake linked to job 7"
        );
        assert_eq!(collect(job_8, 10).await, 1);
    }

    #[test]
    fn changes_travel_between_instances_as_tagged_json() {
        let change = Change::Intake(IntakeChanged {
            intake_id: 3,
            job_id: None,
            version: 1,
        });
        let text = serde_json::to_string(&change).unwrap();
        assert!(text.contains("\"kind\":\"intake\""), "{text}");
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
        let job = Change::Job(change_of(7));
        let text = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), job);
    }

    fn change_of(job: i64) -> JobChanged {
        change(job, "sub-a")
    }

    #[tokio::test]
    async fn a_lagging_subscriber_is_told_to_resync() {
        let hub = LiveHub::new(2);
        let stream = open(&hub, identity(&["sub-a"], Role::Customer), None);
        for i in 0..5 {
            hub.publish(change(i, "sub-a"));
        }
        let stream = stream.take(3);
        tokio::pin!(stream);
        let mut kinds = Vec::new();
        while let Some(Ok(event)) = stream.next().await {
            kinds.push(format!("{event:?}"));
        }
        assert!(kinds.iter().any(|k| k.contains("resync")), "{kinds:?}");
    }

    #[tokio::test]
    async fn a_stream_whose_session_is_gone_says_so_and_ends() {
        let hub = LiveHub::new(16);
        let alive = Arc::new(AtomicBool::new(true));
        let flag = alive.clone();
        let stream = follow(
            hub.subscribe(),
            identity(&["sub-a"], Role::Customer),
            None,
            hello(),
            Duration::from_millis(20),
            move || {
                let flag = flag.clone();
                async move { flag.load(Ordering::SeqCst) }
            },
        );
        tokio::pin!(stream);
        let first = format!("{:?}", stream.next().await.unwrap().unwrap());
        assert!(first.contains("ready"), "{first}");
        // Checks pass while the session lives; changes still arrive.
        tokio::time::sleep(Duration::from_millis(60)).await;
        hub.publish(change(1, "sub-a"));
        let next = format!("{:?}", stream.next().await.unwrap().unwrap());
        assert!(next.contains("job"), "{next}");
        alive.store(false, Ordering::SeqCst);
        let last = tokio::time::timeout(Duration::from_secs(2), stream.next())
            .await
            .expect("the check runs")
            .unwrap()
            .unwrap();
        assert!(format!("{last:?}").contains("signed-out"), "{last:?}");
        let end = tokio::time::timeout(Duration::from_secs(2), stream.next())
            .await
            .expect("the stream ends");
        assert!(end.is_none());
    }

    #[tokio::test]
    async fn closing_the_hub_ends_every_stream() {
        let hub = LiveHub::new(16);
        let mut closing = hub.closing.subscribe();
        let shutdown = async move {
            let _ = closing.wait_for(|c| *c).await;
        };
        let stream = futures_util::StreamExt::take_until(
            open(&hub, identity(&["sub-a"], Role::Customer), None),
            shutdown,
        );
        tokio::pin!(stream);
        assert!(stream.next().await.is_some(), "ready");
        hub.close();
        let end = tokio::time::timeout(Duration::from_secs(1), stream.next())
            .await
            .expect("the stream ends at once");
        assert!(end.is_none());
    }
}
