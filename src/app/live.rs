//! Live pages: a counter that goes up whenever the page must re-read what it shows. Resources keyed on it
//! re-read their data.
//!
//! The page follows `/events` (server-sent events). It re-reads on every `job` and `resync` event, and on each
//! `ready` (the first event of every connection) unless the page already shows what `ready` describes: a job
//! stream's `ready` carries the job's version at the moment the stream opened, so a change made between the
//! page's render and the stream opening (or during a gap before a reconnection) is never missed. A job list
//! cannot tell from one version, so it re-reads on each `ready`.
//!
//! The browser's EventSource reconnects by itself after a dropped connection, but gives up for good
//! (`CLOSED`) on an HTTP error, e.g. a proxy's 502 while the server restarts; then this module reopens it with
//! a growing delay. `data-live` on `<body>` says where the stream is: `connecting`, `open`, `closed` (waiting
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
    follow(job, Signal::derive(|| None))
}

/// Follows one job's events; `shown` is the version of the job the page shows, so that a `ready` for the same
/// version costs no re-read.
pub fn use_live_job(job: Option<i64>, shown: Signal<Option<u64>>) -> ReadSignal<u32> {
    follow(job, shown)
}

fn follow(job: Option<i64>, shown: Signal<Option<u64>>) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    #[cfg(feature = "hydrate")]
    {
        let url = match job {
            Some(id) => format!("/events?job={id}"),
            None => "/events".to_string(),
        };
        let stream = browser::Stream::start(url, set_tick, shown);
        let keep = send_wrapper::SendWrapper::new(stream);
        on_cleanup(move || keep.take().stop());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (job, set_tick, shown);
    tick
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{reopen_delay_ms, Ready};
    use leptos::prelude::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    type Callback = Closure<dyn FnMut(web_sys::Event)>;

    /// One open EventSource and the callbacks it calls (kept alive as long as it is open).
    struct Open {
        source: EventSource,
        _callbacks: Vec<Callback>,
    }

    struct Inner {
        url: String,
        set_tick: WriteSignal<u32>,
        shown: Signal<Option<u64>>,
        open: Option<Open>,
        reopen: Option<TimeoutHandle>,
        /// Reopenings since the stream was last open.
        attempts: u32,
        stopped: bool,
    }

    #[derive(Clone)]
    pub struct Stream(Rc<RefCell<Inner>>);

    /// Closes a stream. Its callbacks may be running right now (this is called from them), so they are dropped
    /// on the next turn of the event loop, not from inside one.
    fn retire(open: Open) {
        open.source.close();
        set_timeout(move || drop(open), Duration::from_millis(0));
    }

    fn mark(value: &str) {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-live", value);
        }
    }

    impl Stream {
        pub fn start(
            url: String,
            set_tick: WriteSignal<u32>,
            shown: Signal<Option<u64>>,
        ) -> Stream {
            let stream = Stream(Rc::new(RefCell::new(Inner {
                url,
                set_tick,
                shown,
                open: None,
                reopen: None,
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
            if let Some(open) = inner.open.take() {
                retire(open);
            }
            mark(live);
        }

        fn open(&self) {
            let url = self.0.borrow().url.clone();
            let Ok(source) = EventSource::new(&url) else {
                self.schedule_reopen();
                return;
            };
            mark("connecting");
            let bump = {
                let set_tick = self.0.borrow().set_tick;
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_| set_tick.update(|t| *t += 1))
            };
            let ready = {
                let stream = self.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                    let said = event
                        .dyn_ref::<MessageEvent>()
                        .and_then(|m| m.data().as_string())
                        .and_then(|d| serde_json::from_str::<Ready>(&d).ok())
                        .unwrap_or_default();
                    let (shown, set_tick) = {
                        let mut inner = stream.0.borrow_mut();
                        inner.attempts = 0;
                        (inner.shown, inner.set_tick)
                    };
                    mark("open");
                    if said.is_stale(shown.get_untracked()) {
                        set_tick.update(|t| *t += 1);
                    }
                })
            };
            let signed_out = {
                let stream = self.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_| stream.finish("signed-out"))
            };
            let opened = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| mark("open"));
            let failed = {
                let stream = self.clone();
                Closure::<dyn FnMut(web_sys::Event)>::new(move |_| stream.failed())
            };
            // `intake` events reach staff streams only (unmatched intakes changed).
            for name in ["job", "intake", "resync"] {
                let _ =
                    source.add_event_listener_with_callback(name, bump.as_ref().unchecked_ref());
            }
            let _ =
                source.add_event_listener_with_callback("ready", ready.as_ref().unchecked_ref());
            let _ = source.add_event_listener_with_callback(
                "signed-out",
                signed_out.as_ref().unchecked_ref(),
            );
            source.set_onopen(Some(opened.as_ref().unchecked_ref()));
            source.set_onerror(Some(failed.as_ref().unchecked_ref()));
            self.0.borrow_mut().open = Some(Open {
                source,
                _callbacks: vec![bump, ready, signed_out, opened, failed],
            });
        }

        /// The connection failed. While the browser retries by itself (`CONNECTING`) there is nothing to do but
        /// say so; once it has given up (`CLOSED`), reopen later.
        fn failed(&self) {
            let closed = {
                let inner = self.0.borrow();
                inner
                    .open
                    .as_ref()
                    .is_some_and(|o| o.source.ready_state() == EventSource::CLOSED)
            };
            if closed {
                self.schedule_reopen();
            } else {
                mark("connecting");
            }
        }

        fn schedule_reopen(&self) {
            let delay = {
                let mut inner = self.0.borrow_mut();
                if inner.stopped || inner.reopen.is_some() {
                    return;
                }
                if let Some(open) = inner.open.take() {
                    retire(open);
                }
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
