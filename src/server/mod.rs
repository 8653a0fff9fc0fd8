//! Server-only code: configuration, storage, the HTTP router, background work.

pub mod clock;
pub mod config;
pub mod demo;
pub mod router;
#[cfg(test)]
mod router_tests;
pub mod state;
pub mod store;
pub mod timers;
