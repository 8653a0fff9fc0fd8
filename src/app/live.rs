//! Live pages: a counter that goes up whenever the server announces a change the page shows. Resources keyed
//! on it re-read their data. The browser's EventSource reconnects by itself after a server restart; every
//! (re)connection and every "resync" also bumps the counter, so nothing missed during a gap stays stale.

use leptos::prelude::*;

/// Follows `/events` (optionally one job) while the calling component lives.
pub fn use_live_updates(job: Option<i64>) -> ReadSignal<u32> {
    let (tick, set_tick) = signal(0u32);
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let url = match job {
            Some(id) => format!("/events?job={id}"),
            None => "/events".to_string(),
        };
        if let Ok(source) = web_sys::EventSource::new(&url) {
            // The first connection follows a fresh render, so it needs no re-read; every later one (after a
            // server restart or a network gap) does.
            let connections = std::cell::Cell::new(0u32);
            let bump = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                if event.type_() == "ready" {
                    connections.set(connections.get() + 1);
                    if connections.get() == 1 {
                        return;
                    }
                }
                set_tick.update(|t| *t += 1)
            });
            // `intake` events reach staff streams only (unmatched intakes changed).
            for name in ["job", "intake", "resync", "ready"] {
                let _ =
                    source.add_event_listener_with_callback(name, bump.as_ref().unchecked_ref());
            }
            // `data-live` on <body> says whether the stream is open (tests wait for it; so could a status light).
            let mark = |value: &str| {
                if let Some(body) = document().body() {
                    let _ = body.set_attribute("data-live", value);
                }
            };
            mark("connecting");
            let opened = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| mark("open"));
            source.set_onopen(Some(opened.as_ref().unchecked_ref()));
            let keep = send_wrapper::SendWrapper::new((source, bump, opened));
            on_cleanup(move || {
                let (source, _bump, _opened) = keep.take();
                source.close();
                if let Some(body) = document().body() {
                    let _ = body.set_attribute("data-live", "closed");
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (job, set_tick);
    tick
}
