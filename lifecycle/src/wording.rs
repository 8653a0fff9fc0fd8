//! The lifecycle in the words of whoever reads it: the customer on their job page ("you", "your drives", "the
//! data center") or support staff in the console ("the customer", "intake", "operator"). The diagrams'
//! tooltips and the legend's neighbours read from here, so a state means the same thing everywhere and only
//! the voice changes.

use crate::graph::Trigger;
use crate::state::{DriveState, JobState};

/// Who reads a diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reader {
    Customer,
    Staff,
}

/// What a job state means, for `reader`.
pub fn job_meaning(state: JobState, reader: Reader) -> &'static str {
    match reader {
        Reader::Customer => match state {
            JobState::Creating => {
                "Your job is set up. Send your drives, then mark the package shipped."
            }
            JobState::Shipping => "You shipped your package; it is on its way to the data center.",
            JobState::Received => {
                "Your package arrived and the data center checked in your drives."
            }
            JobState::Transferring => "The data center is copying data on your drives.",
            JobState::Packaging => {
                "Every drive is done; the data center is packing them to send back to you."
            }
            JobState::Completed => "Your drives were sent back and every copy succeeded.",
            JobState::Closed => {
                "Your job ended: drives sent back after errors, or the package never arrived."
            }
            JobState::Faulted => {
                "Something went wrong at the data center; support will contact you."
            }
        },
        Reader::Staff => match state {
            JobState::Creating => "Created; the customer has not marked a package shipped yet.",
            JobState::Shipping => "Customer marked the package shipped; awaiting intake.",
            JobState::Received => "Package processed at intake; copy not started.",
            JobState::Transferring => "At least one drive is copying.",
            JobState::Packaging => "Every drive finished; ready for ship-back.",
            JobState::Completed => "Shipped back with no drive errors (terminal).",
            JobState::Closed => {
                "Shipped back after errors, or abandoned (package never arrived) (terminal)."
            }
            JobState::Faulted => "Faulted: needs an operator to resolve it or cancel the job.",
        },
    }
}

/// What a drive state means, for `reader`.
pub fn drive_meaning(state: DriveState, reader: Reader) -> &'static str {
    match reader {
        Reader::Customer => match state {
            DriveState::Specified => "Listed on your job; not at the data center yet.",
            DriveState::Received => "Checked in at the data center.",
            DriveState::NeverReceived => {
                "Not found in your package (or the package never came); a late drive is still accepted."
            }
            DriveState::Transferring => "Your data is being copied.",
            DriveState::Completed => "Copied with no errors.",
            DriveState::CompletedMoreInfo => {
                "Copy finished with errors, warnings or notes; see the drive's logs."
            }
            DriveState::ShippedBack => "Sent back to your return address.",
            DriveState::Faulted => {
                "Something went wrong with this drive; support will contact you."
            }
        },
        Reader::Staff => match state {
            DriveState::Specified => "Listed on the job; not yet at intake.",
            DriveState::Received => "Processed at intake; copy not started.",
            DriveState::NeverReceived => {
                "Missing at intake or package overdue; a late arrival can still be recorded."
            }
            DriveState::Transferring => "Copy in progress.",
            DriveState::Completed => "Copy finished with no errors.",
            DriveState::CompletedMoreInfo => {
                "Copy finished with errors, warnings or info; check the logs."
            }
            DriveState::ShippedBack => "Shipped back to the return address.",
            DriveState::Faulted => "Faulted: needs an operator to resolve it.",
        },
    }
}

/// Who makes a step happen, for `reader` ("by you" for the customer; "customer" in the console).
pub fn by(trigger: Trigger, reader: Reader) -> &'static str {
    match reader {
        Reader::Customer => match trigger {
            Trigger::Customer => "by you",
            Trigger::Operator => "by the data center",
            Trigger::Timer => "automatically, after a deadline",
            Trigger::Automatic => "automatically",
        },
        Reader::Staff => match trigger {
            Trigger::Customer => "customer",
            Trigger::Operator => "operator",
            Trigger::Timer => "timer",
            Trigger::Automatic => "automatic",
        },
    }
}

/// How a tooltip says the state is the current one.
pub fn current(reader: Reader) -> &'static str {
    match reader {
        Reader::Customer => "Here now",
        Reader::Staff => "Current state",
    }
}
