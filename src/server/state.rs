//! What every request handler and server function can reach.

use super::auth::limits::SignInLimiter;
use super::auth::passwords::HashGate;
use super::clock::Clock;
use super::config::Config;
use super::live::LiveHub;
use super::static_files::StaticFiles;
use super::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use lifecycle::Settings;
use std::sync::Arc;

/// Cheap to clone (one reference count): axum clones the state for every extractor and layer of a request.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state, with its change path installed on its store: from now on every committed change reaches
    /// this state's live hub (the last state made over a store is the one its changes reach).
    pub fn new(shared: Shared) -> AppState {
        super::changes::install(&shared.store, &shared.live, &shared.changes);
        AppState(Arc::new(shared))
    }

    /// A state of its own with some parts changed (tests: another clock, other live settings).
    pub fn with(&self, change: impl FnOnce(&mut Shared)) -> AppState {
        let mut shared = (*self.0).clone();
        change(&mut shared);
        AppState::new(shared)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// The parts of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub clock: Clock,
    pub config: Arc<Config>,
    pub sign_in_limiter: SignInLimiter,
    /// Turns at password hashing for sign-in, sign-up and password changes.
    pub hashing: Arc<HashGate>,
    pub live: LiveHub,
    /// What the reaction to changes and the background consumer share (see `changes`).
    pub changes: super::changes::ChangePath,
    /// The site's static files, served from memory.
    pub static_files: StaticFiles,
}

impl Shared {
    pub fn settings(&self) -> &Settings {
        &self.config.settings
    }
}
