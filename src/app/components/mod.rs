//! Reusable pieces of the pages.

pub mod diagram;
pub mod drafts;
pub mod form;
pub mod layout;
pub mod notices;
pub mod post_form;
pub mod status;
pub mod time;
