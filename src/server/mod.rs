//! Server-only code: configuration, storage, the HTTP router, background work.

pub mod clock;
pub mod config;
pub mod demo;
pub mod router;
pub mod state;
pub mod store;
pub mod timers;
