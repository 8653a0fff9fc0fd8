//! One module per page.

pub mod account;
pub mod account_notifications;
pub mod api_docs;
pub mod auth;
pub mod job;
pub mod jobs;
pub mod new_job;
pub mod not_found;
pub mod staff;
