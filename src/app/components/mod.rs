//! Reusable pieces of the pages.

pub mod diagram;
pub mod layout;
pub mod status;
pub mod time;
