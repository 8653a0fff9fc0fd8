//! Server-only code: configuration, storage, the HTTP router, background work.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod auth;
#[cfg(test)]
mod auth_tests;
pub mod bench;
pub mod bench_data;
pub mod clock;
pub mod commands;
pub mod config;
pub mod console;
#[cfg(test)]
mod console_tests;
pub mod demo;
#[cfg(test)]
mod instances_tests;
pub mod live;
#[cfg(test)]
mod live_tests;
pub mod router;
#[cfg(test)]
mod router_tests;
pub mod state;
pub mod store;
pub mod timers;
