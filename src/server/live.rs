//! Live updates: every job change is announced on a hub; browsers follow the jobs they may see over
//! server-sent events and re-read the job when it changes. On SQLite (one instance) the hub is in-process. On
//! PostgreSQL every instance announces through `NOTIFY portal_jobs` and each instance's listener feeds its own
//! hub, so a change made on one instance reaches browsers connected to any other.

use super::auth::Identity;
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
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

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

#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<Announcement>,
    /// Set on PostgreSQL: announcements go through the database to every instance.
    shared: Option<sqlx::AnyPool>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(4096)
    }
}

impl LiveHub {
    pub fn new(capacity: usize) -> LiveHub {
        let (tx, _) = broadcast::channel(capacity);
        LiveHub { tx, shared: None }
    }

    /// A hub shared by every instance on this PostgreSQL database: starts this instance's listener.
    pub fn shared(capacity: usize, pool: sqlx::AnyPool, url: String) -> LiveHub {
        let mut hub = LiveHub::new(capacity);
        hub.shared = Some(pool);
        tokio::spawn(listen(hub.tx.clone(), url));
        hub
    }

    pub fn publish(&self, change: impl Into<Change>) {
        let change = change.into();
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

/// Feeds the local hub from `NOTIFY portal_jobs`, reconnecting as needed; after a lost connection every
/// subscriber is told to re-read, since notifications sent meanwhile are gone.
async fn listen(tx: broadcast::Sender<Announcement>, url: String) {
    loop {
        match sqlx::postgres::PgListener::connect(&url).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "cannot listen for changes from other instances");
                } else {
                    let _ = tx.send(None);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => match serde_json::from_str::<Change>(n.payload()) {
                                Ok(change) => {
                                    let _ = tx.send(Some(change));
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "unreadable change notification")
                                }
                            },
                            Ok(None) => {
                                tracing::warn!("lost the change notifications; reconnecting");
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
/// (the IntakeChanged JSON). A `resync` event is sent when the subscriber fell behind, so the page re-reads
/// instead of missing a change.
pub async fn events(
    State(app): State<AppState>,
    identity: Option<Extension<Identity>>,
    Query(query): Query<EventsQuery>,
) -> Response {
    let Some(Extension(identity)) = identity else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    if let Some(job) = query.job {
        if super::commands::visible_job(&app, &identity, job)
            .await
            .is_err()
        {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
    }
    let stream = follow(app.live.subscribe(), identity, query.job);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn follow(
    rx: broadcast::Receiver<Announcement>,
    identity: Identity,
    job: Option<i64>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    let changes = BroadcastStream::new(rx).filter_map(move |item| match item {
        Ok(None) => Some(Ok(Event::default().event("resync").data("{}"))),
        Ok(Some(Change::Job(change))) => {
            let wanted = job.is_none_or(|j| j == change.job_id)
                && identity.can_access(&change.subscription_id);
            wanted.then(|| {
                Ok(Event::default()
                    .event("job")
                    .data(serde_json::to_string(&change).unwrap_or_default()))
            })
        }
        // Intakes are the data center's business: staff only, and on a job's stream only that job's.
        Ok(Some(Change::Intake(change))) => {
            let wanted = identity.is_staff() && job.is_none_or(|j| change.job_id == Some(j));
            wanted.then(|| {
                Ok(Event::default()
                    .event("intake")
                    .data(serde_json::to_string(&change).unwrap_or_default()))
            })
        }
        Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(_)) => {
            Some(Ok(Event::default().event("resync").data("{}")))
        }
    });
    hello.chain(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use crate::server::auth::Via;

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
        let mine = follow(hub.subscribe(), identity(&["sub-a"], Role::Customer), None);
        let one_job = follow(
            hub.subscribe(),
            identity(&["sub-a"], Role::Customer),
            Some(7),
        );
        let staff = follow(hub.subscribe(), identity(&[], Role::Staff), None);
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
        let customer = follow(hub.subscribe(), identity(&["sub-a"], Role::Customer), None);
        let staff = follow(hub.subscribe(), identity(&[], Role::Staff), None);
        let job_7 = follow(hub.subscribe(), identity(&[], Role::Staff), Some(7));
        let job_8 = follow(hub.subscribe(), identity(&[], Role::Staff), Some(8));
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
        let rx = hub.subscribe();
        for i in 0..5 {
            hub.publish(change(i, "sub-a"));
        }
        let stream = follow(rx, identity(&["sub-a"], Role::Customer), None);
        let stream = stream.take(3);
        tokio::pin!(stream);
        let mut kinds = Vec::new();
        while let Some(Ok(event)) = stream.next().await {
            kinds.push(format!("{event:?}"));
        }
        assert!(kinds.iter().any(|k| k.contains("resync")), "{kinds:?}");
    }
}
