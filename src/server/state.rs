//! What every request handler and server function can reach.

use super::auth::limits::SignInLimiter;
use super::clock::Clock;
use super::config::Config;
use super::live::LiveHub;
use super::static_files::StaticFiles;
use super::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use lifecycle::Settings;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub sign_in_limiter: SignInLimiter,
    pub live: LiveHub,
    /// The site's static files, served from memory.
    pub static_files: StaticFiles,
}

impl AppState {
    pub fn settings(&self) -> &Settings {
        &self.config.settings
    }
}
