//! The Import/Export job portal: a Leptos application rendered on the server and hydrated in the browser.
// Release builds keep the views' full types (debug builds erase them, `--cfg erase_components`); the job
// page's view type is deeper than rustc's default limit of 128.
#![recursion_limit = "256"]

pub mod account_rules;
pub mod api_guide;
pub mod app;
pub mod console;
pub mod error;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;

/// The WebAssembly entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
