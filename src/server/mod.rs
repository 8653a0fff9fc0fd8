//! Server-only code: configuration, storage, the HTTP router, background work.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod auth;
#[cfg(test)]
mod auth_tests;
#[cfg(test)]
mod cache_router_tests;
pub mod changes;
pub mod clock;
pub mod commands;
pub mod config;
pub mod console;
#[cfg(test)]
mod console_tests;
pub mod demo;
pub mod diagram;
pub mod flash;
#[cfg(test)]
mod instances_tests;
pub mod job_page;
#[cfg(test)]
mod limits_tests;
pub mod live;
#[cfg(test)]
mod live_tests;
pub mod log_writer;
#[cfg(test)]
mod matrix_tests;
pub mod new_job_post;
#[cfg(test)]
mod new_job_tests;
pub mod notifications;
#[cfg(test)]
mod notifications_tests;
pub mod page_cache;
#[cfg(test)]
mod page_cache_tests;
pub mod router;
#[cfg(test)]
mod router_tests;
pub mod routes;
#[cfg(test)]
mod scheduler_tests;
#[cfg(test)]
mod security_tests;
pub mod state;
pub mod static_files;
#[cfg(test)]
mod static_files_tests;
pub mod store;
pub mod timers;
