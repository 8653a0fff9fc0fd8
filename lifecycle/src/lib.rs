//! The Import/Export job lifecycle, as plain data and pure functions.
//!
//! This crate is the executable form of `lifecycle.md`: every rule — which transitions exist, what a customer
//! may do now, what a form needs, what a timer does — is decided here exactly once, and compiled both into the
//! server and into the WebAssembly front end. It has no web, database or async dependency.
//!
//! The core is [`decide`]: `(job, command, now, settings) -> Result<Vec<Event>, Rejection>`, and
//! [`Job::apply`], which folds an event into the snapshot. A job's snapshot always equals [`replay`] of its
//! events.

#![forbid(unsafe_code)]

pub mod actions;
pub mod api;
pub mod attention;
pub mod command;
pub mod dates;
pub mod decide;
pub mod event;
pub mod graph;
pub mod history;
pub mod intake;
pub mod invariants;
pub mod job;
pub mod labels;
pub mod next;
pub mod notify;
pub mod rejection;
pub mod settings;
pub mod shipping;
pub mod state;
pub mod timers;
pub mod units;
pub mod validate;
pub mod wording;

pub use actions::{customer_action, customer_actions, Availability, CustomerAction};
pub use command::{Command, CustomerCommand, DriveOutcome, OperatorCommand};
pub use decide::{decide, decide_all, validate_new_job};
pub use event::{replay, Event, EventKind};
pub use job::{DeletionReason, Drive, DriveLogs, ExtraDrive, Job, JobPatch, NewJob, Timestamp};
pub use next::{next_steps, NextStep};
pub use rejection::{FieldError, Rejection, RejectionKind};
pub use settings::{CancellationWindow, Settings, Span, TimerSettings};
pub use shipping::{
    DeliveryPackage, DriveSpec, EncryptionKey, ExportSpec, KekType, Location, ReturnAddress,
    ReturnPackage, ReturnShipping,
};
pub use state::{DriveState, JobState, JobType, LogLevel, Severity};
pub use timers::{next_timer, TimerKind};
