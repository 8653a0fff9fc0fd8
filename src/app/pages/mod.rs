//! One module per page.

pub mod job;
pub mod jobs;
pub mod not_found;
