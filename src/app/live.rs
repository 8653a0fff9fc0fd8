//! Live pages: a counter that goes up whenever the page must re-read what it shows. Resources keyed on it
//! re-read their data.
//!
//! The page follows `/events` (server-sent events). It re-reads on every `job` and `resync` event, and on each
//! `ready` (the first event of every connection) unless the page already shows what `ready` describes: a job
//! stream's `ready` carries the job's version at the moment the stream opened, so a change made between the
//! page's render and the stream opening (or during a gap before a reconnection) is never missed. A job list
//! cannot tell from one version, so it re-reads on each `ready`. A job page also skips a `job` event for the
//! version it already shows (the tab that made the change re-read it with the change's own answer).
//!
//! The stream is `gloo-net`'s EventSource. The browser reconnects by itself after a dropped connection, but
//! gives up for good (`CLOSED`) on an HTTP error, e.g. a proxy's 502 while the server restarts; then this module reopens it with
//! a growing delay. `gloo-net` reports only the final error, not a dropped connection the browser is retrying,
//! so a once-a-second look at the stream's state tells the page that it is reconnecting. `data-live` on `<body>` says where the stream is: `connecting`, `open`, `closed` (waiting
//! to reopen), `signed-out` (the server ended the stream because the session is gone; nothing reopens it).

use leptos::prelude::*;

/// What a `ready` event says (`{"version": N}` for a job stream, `{}` for a list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Ready {
    pub version: Option<u64>,
}

impl Ready {
    /// Whether a page that shows `shown` (its job's version, if it has one) must re-read after this `ready`.
    pub fn is_stale(&self, shown: Option<u64>) -> bool {
        match (self.version, shown) {
            (Some(now), Some(shown)) => now != shown,
            _ => true,
        }
    }
}

/// The delay before reopening a stream that the browser closed, after `attempts` failed reopenings:
/// 1 s, 2 s, 4 s, … up to 30 s.
pub fn reopen_delay_ms(attempts: u32) -> u32 {
    1000u32.saturating_mul(1 << attempts.min(5)).min(30_000)
}

/// Follows `/events` (every job the caller may see) while the calling component lives.
pub fn use_live_updates(job: Option<i64>) -> ReadSignal<u32> {
    follow(job, Signal::derive(|| None), || false)
}

/// Follows one job's events; `shown` is the version of the job the page shows, so that a `ready` or `job` event
/// for the same version costs no re-read; while `own_change_pending` says the page's own action awaits its
/// answer, `job` events are left to the re-read that follows that answer.
pub fn use_live_job(
    job: Option<i64>,
    shown: Signal<Option<u64>>,
    own_change_pending: impl Fn() -> bool + 'static,
) -> ReadSignal<u32> {
    follow(job, shown, own_change_pending)
}

fn follow(
    job: Option<i64>,
    shown: Signal<Option<u64>>,
    own_change_pending: impl Fn() -> bool + 'static,
) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    #[cfg(feature = "hydrate")]
    {
        let url = match job {
            Some(id) => format!("/events?job={id}"),
            None => "/events".to_string(),
        };
        let stream = browser::Stream::start(url, set_tick, shown, Box::new(own_change_pending));
        let keep = send_wrapper::SendWrapper::new(stream);
        on_cleanup(move || keep.take().stop());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (job, set_tick, shown, own_change_pending);
    tick
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{reopen_delay_ms, Ready};
    use futures_util::future::{select, Either};
    use futures_util::stream::{select_all, StreamExt};
    use gloo_net::eventsource::futures::EventSource;
    use gloo_net::eventsource::State;
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    /// The events a page reacts to. `intake` events reach staff streams only (unmatched intakes changed).
    const EVENTS: [&str; 5] = ["ready", "job", "intake", "resync", "signed-out"];

    struct Inner {
        url: String,
        set_tick: WriteSignal<u32>,
        shown: Signal<Option<u64>>,
        own_change_pending: Box<dyn Fn() -> bool>,
        /// The open EventSource, and the sender that ends the task reading it.
        open: Option<(EventSource, futures_channel::oneshot::Sender<()>)>,
        reopen: Option<TimeoutHandle>,
        /// The once-a-second look at the open stream's state.
        watch: Option<IntervalHandle>,
        /// Reopenings since the stream was last open.
        attempts: u32,
        stopped: bool,
    }

    impl Inner {
        fn close_open(&mut self) {
            if let Some(handle) = self.watch.take() {
                handle.clear();
            }
            if let Some((source, stop)) = self.open.take() {
                let _ = stop.send(());
                source.close();
            }
        }
    }

    #[derive(Clone)]
    pub struct Stream(Rc<RefCell<Inner>>);

    fn mark(value: &str) {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-live", value);
        }
    }

    /// What an event's data says about the job's version (`{}` and unreadable data say nothing).
    fn said(data: Option<String>) -> Ready {
        data.and_then(|d| serde_json::from_str::<Ready>(&d).ok())
            .unwrap_or_default()
    }

    impl Stream {
        pub fn start(
            url: String,
            set_tick: WriteSignal<u32>,
            shown: Signal<Option<u64>>,
            own_change_pending: Box<dyn Fn() -> bool>,
        ) -> Stream {
            let stream = Stream(Rc::new(RefCell::new(Inner {
                url,
                set_tick,
                shown,
                own_change_pending,
                open: None,
                reopen: None,
                watch: None,
                attempts: 0,
                stopped: false,
            })));
            stream.open();
            stream
        }

        /// Ends the stream for good (the page is leaving, or the session is gone).
        pub fn stop(self) {
            self.finish("closed");
        }

        fn finish(&self, live: &str) {
            let mut inner = self.0.borrow_mut();
            inner.stopped = true;
            if let Some(handle) = inner.reopen.take() {
                handle.clear();
            }
            inner.close_open();
            mark(live);
        }

        fn open(&self) {
            let url = self.0.borrow().url.clone();
            let Ok(mut source) = EventSource::new(&url) else {
                self.schedule_reopen();
                return;
            };
            let subscriptions: Vec<_> = EVENTS
                .iter()
                .filter_map(|name| source.subscribe(*name).ok())
                .collect();
            mark("connecting");
            let (stop, stopped) = futures_channel::oneshot::channel::<()>();
            self.0.borrow_mut().open = Some((source.clone(), stop));
            let watched = self.clone();
            let watch =
                set_interval_with_handle(move || watched.look(), Duration::from_millis(1000));
            self.0.borrow_mut().watch = watch.ok();
            let stream = self.clone();
            leptos::task::spawn_local(async move {
                let mut events = select_all(subscriptions);
                let mut stopped = stopped;
                loop {
                    let next = match select(events.next(), stopped).await {
                        Either::Left((next, pending_stop)) => {
                            stopped = pending_stop;
                            next
                        }
                        // Stopped, or the stream was replaced: its subscriptions go with this task.
                        Either::Right(_) => return,
                    };
                    match next {
                        Some(Ok((name, message))) => {
                            if !stream.received(&name, said(message.data().as_string())) {
                                return;
                            }
                        }
                        // Every subscription reports the same `error` event; the first one decides.
                        Some(Err(_)) => {
                            if source.state() == State::Closed {
                                stream.schedule_reopen();
                                return;
                            }
                            mark("connecting");
                        }
                        None => return,
                    }
                }
            });
        }

        /// Marks a dropped connection the browser is retrying (the next `ready` marks it open again), and
        /// reopens one the browser gave up on.
        fn look(&self) {
            let state = self
                .0
                .borrow()
                .open
                .as_ref()
                .map(|(source, _)| source.state());
            match state {
                Some(State::Connecting) => mark("connecting"),
                Some(State::Closed) => self.schedule_reopen(),
                _ => {}
            }
        }

        /// Reacts to one event; false when the stream has ended.
        fn received(&self, name: &str, said: Ready) -> bool {
            let (shown, set_tick, own_change_pending) = {
                let inner = self.0.borrow();
                (inner.shown, inner.set_tick, (inner.own_change_pending)())
            };
            match name {
                "signed-out" => {
                    self.finish("signed-out");
                    return false;
                }
                "ready" => {
                    self.0.borrow_mut().attempts = 0;
                    mark("open");
                    if said.is_stale(shown.get_untracked()) {
                        set_tick.update(|t| *t += 1);
                    }
                }
                // A job's change the page already shows (the clicking tab re-read it with its own answer)
                // costs no second read; other changes, intakes and resyncs always re-read.
                "job" => {
                    if !own_change_pending && said.is_stale(shown.get_untracked()) {
                        set_tick.update(|t| *t += 1);
                    }
                }
                _ => set_tick.update(|t| *t += 1),
            }
            true
        }

        /// The browser gave up on the connection (`CLOSED`, e.g. a proxy's 502 while the server restarts):
        /// reopen it later. (While it retries by itself, `CONNECTING`, there is nothing to do.)
        fn schedule_reopen(&self) {
            let delay = {
                let mut inner = self.0.borrow_mut();
                if inner.stopped || inner.reopen.is_some() {
                    return;
                }
                inner.close_open();
                let delay = reopen_delay_ms(inner.attempts);
                inner.attempts += 1;
                delay
            };
            mark("closed");
            let stream = self.clone();
            let handle = set_timeout_with_handle(
                move || {
                    let stopped = {
                        let mut inner = stream.0.borrow_mut();
                        inner.reopen = None;
                        inner.stopped
                    };
                    if !stopped {
                        stream.open();
                    }
                },
                Duration::from_millis(u64::from(delay)),
            );
            if let Ok(handle) = handle {
                self.0.borrow_mut().reopen = Some(handle);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_for_the_shown_version_needs_no_re_read() {
        let ready: Ready = serde_json::from_str(r#"{"version":7}"#).unwrap();
        assert!(!ready.is_stale(Some(7)));
        assert!(ready.is_stale(Some(6)));
        assert!(ready.is_stale(None));
        // A list's ready carries no version: always re-read.
        let list: Ready = serde_json::from_str("{}").unwrap();
        assert!(list.is_stale(Some(7)));
    }

    #[test]
    fn reopening_backs_off_up_to_thirty_seconds() {
        let delays: Vec<u32> = (0..8).map(reopen_delay_ms).collect();
        assert_eq!(
            delays,
            vec![1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
    }
}
