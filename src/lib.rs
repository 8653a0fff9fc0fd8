//! The Import/Export job portal: a Leptos application rendered on the server and hydrated in the browser.
// Without `--cfg erase_components` (every cargo-leptos build sets it, see Cargo.toml) the job page's view
// type is deeper than rustc's default limit of 128.
#![recursion_limit = "256"]

pub mod account_rules;
pub mod api_guide;
pub mod app;
/// Benchmark tooling (the `portal-bench` binary): data sets, the reference handler. Never in the server.
#[cfg(feature = "ssr")]
pub mod bench;
pub mod console;
pub mod error;
pub mod job_page;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;

/// The WebAssembly entry point: takes over the server-rendered page. `hydrate_lazy` waits for the chunk of a
/// page that loads on demand (`app::routes`) before hydrating it.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
