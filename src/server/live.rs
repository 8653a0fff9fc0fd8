//! Live updates: every job change is announced on an in-process hub; browsers follow the jobs they may see
//! over server-sent events and re-read the job when it changes. (With several server instances the hub is fed
//! from the shared database; see the PostgreSQL notes in the README.)

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

#[derive(Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<JobChanged>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(4096)
    }
}

impl LiveHub {
    pub fn new(capacity: usize) -> LiveHub {
        let (tx, _) = broadcast::channel(capacity);
        LiveHub { tx }
    }

    pub fn publish(&self, change: JobChanged) {
        // No subscriber is not an error: nobody is watching right now.
        let _ = self.tx.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobChanged> {
        self.tx.subscribe()
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    /// Follow one job; without it, every job the caller may see (job lists, the console).
    pub job: Option<i64>,
}

/// `GET /events?job=ID`: a stream of `job` events (data: the JobChanged JSON). A `resync` event is sent when
/// the subscriber fell behind, so the page re-reads instead of missing a change.
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
    rx: broadcast::Receiver<JobChanged>,
    identity: Identity,
    job: Option<i64>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let hello = tokio_stream::once(Ok(Event::default().event("ready").data("{}")));
    let changes = BroadcastStream::new(rx).filter_map(move |item| match item {
        Ok(change) => {
            let wanted = job.is_none_or(|j| j == change.job_id)
                && identity.can_access(&change.subscription_id);
            wanted.then(|| {
                Ok(Event::default()
                    .event("job")
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
