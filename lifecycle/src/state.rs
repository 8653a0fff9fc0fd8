//! The eight job states, the eight drive states and the small enums that go with them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a job is in its life (reference §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JobState {
    Creating,
    Shipping,
    Received,
    Transferring,
    Packaging,
    Completed,
    Closed,
    Faulted,
}

impl JobState {
    pub const ALL: [JobState; 8] = [
        JobState::Creating,
        JobState::Shipping,
        JobState::Received,
        JobState::Transferring,
        JobState::Packaging,
        JobState::Completed,
        JobState::Closed,
        JobState::Faulted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Creating => "Creating",
            JobState::Shipping => "Shipping",
            JobState::Received => "Received",
            JobState::Transferring => "Transferring",
            JobState::Packaging => "Packaging",
            JobState::Completed => "Completed",
            JobState::Closed => "Closed",
            JobState::Faulted => "Faulted",
        }
    }

    /// Case-insensitive, as clients send whatever casing they like.
    pub fn parse(s: &str) -> Option<JobState> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// `Completed` and `Closed` end a job; nothing but the retention timer happens afterwards.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Completed | JobState::Closed)
    }

    /// One sentence for tooltips and the diagrams' text alternative.
    pub fn meaning(self) -> &'static str {
        match self {
            JobState::Creating => "Job created; no drive has been shipped yet.",
            JobState::Shipping => "The customer has shipped the package to the data center.",
            JobState::Received => "The package has been processed at intake in the data center.",
            JobState::Transferring => "At least one drive is copying data.",
            JobState::Packaging => "Every drive is finished; waiting to be shipped back.",
            JobState::Completed => "Drives shipped back with no errors.",
            JobState::Closed => "Drives shipped back after errors, or the shipment was abandoned.",
            JobState::Faulted => {
                "The job failed to progress normally; operations will contact you."
            }
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one drive is in its life (reference §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DriveState {
    Specified,
    Received,
    NeverReceived,
    Transferring,
    Completed,
    CompletedMoreInfo,
    ShippedBack,
    Faulted,
}

impl DriveState {
    pub const ALL: [DriveState; 8] = [
        DriveState::Specified,
        DriveState::Received,
        DriveState::NeverReceived,
        DriveState::Transferring,
        DriveState::Completed,
        DriveState::CompletedMoreInfo,
        DriveState::ShippedBack,
        DriveState::Faulted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DriveState::Specified => "Specified",
            DriveState::Received => "Received",
            DriveState::NeverReceived => "NeverReceived",
            DriveState::Transferring => "Transferring",
            DriveState::Completed => "Completed",
            DriveState::CompletedMoreInfo => "CompletedMoreInfo",
            DriveState::ShippedBack => "ShippedBack",
            DriveState::Faulted => "Faulted",
        }
    }

    pub fn parse(s: &str) -> Option<DriveState> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Human label ("Completed, more info") for the UI.
    pub fn label(self) -> &'static str {
        match self {
            DriveState::NeverReceived => "Never received",
            DriveState::CompletedMoreInfo => "Completed, more info",
            DriveState::ShippedBack => "Shipped back",
            other => other.as_str(),
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            DriveState::Specified => "Listed on the job; not yet at the data center.",
            DriveState::Received => "Processed at intake.",
            DriveState::NeverReceived => "Missing from the package, or the package never arrived.",
            DriveState::Transferring => "Data copy in progress.",
            DriveState::Completed => "All data copied with no errors.",
            DriveState::CompletedMoreInfo => {
                "Copy finished with errors, warnings or information; see the logs."
            }
            DriveState::ShippedBack => "Shipped back to the return address.",
            DriveState::Faulted => "The drive failed to progress normally.",
        }
    }

    /// The copy of this drive is over, one way or another.
    pub fn is_finished(self) -> bool {
        matches!(self, DriveState::Completed | DriveState::CompletedMoreInfo)
    }

    /// The drive is physically at the data center.
    pub fn is_at_data_center(self) -> bool {
        matches!(
            self,
            DriveState::Received
                | DriveState::Transferring
                | DriveState::Completed
                | DriveState::CompletedMoreInfo
        )
    }
}

impl fmt::Display for DriveState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobType {
    Import,
    Export,
}

impl JobType {
    /// Every job type, in the order lists and filters show them.
    pub const ALL: [JobType; 2] = [JobType::Import, JobType::Export];

    pub fn as_str(self) -> &'static str {
        match self {
            JobType::Import => "Import",
            JobType::Export => "Export",
        }
    }

    pub fn parse(s: &str) -> Option<JobType> {
        JobType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for JobType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LogLevel {
    #[default]
    Error,
    Verbose,
}

impl LogLevel {
    /// Every log level, in the order forms offer them (the default first).
    pub const ALL: [LogLevel; 2] = [LogLevel::Error, LogLevel::Verbose];

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "Error",
            LogLevel::Verbose => "Verbose",
        }
    }

    pub fn parse(s: &str) -> Option<LogLevel> {
        LogLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// How bad the "more info" of a `CompletedMoreInfo` drive is. Only `Error` closes the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
            Severity::Info => "Info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states_round_trip_through_their_names() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
            assert_eq!(JobState::parse(&state.as_str().to_lowercase()), Some(state));
        }
        assert_eq!(JobState::parse("Deleted"), None);
    }

    #[test]
    fn drive_states_round_trip_through_their_names() {
        for state in DriveState::ALL {
            assert_eq!(DriveState::parse(state.as_str()), Some(state));
        }
        assert_eq!(DriveState::parse(""), None);
    }

    #[test]
    fn only_completed_and_closed_are_terminal() {
        let terminal: Vec<_> = JobState::ALL
            .into_iter()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, vec![JobState::Completed, JobState::Closed]);
    }

    #[test]
    fn small_enums_parse_case_insensitively() {
        assert_eq!(JobType::parse("export"), Some(JobType::Export));
        assert_eq!(LogLevel::parse("VERBOSE"), Some(LogLevel::Verbose));
        assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
        assert_eq!(JobType::parse("Both"), None);
    }

    #[test]
    fn every_type_and_log_level_is_listed_once_and_round_trips() {
        for t in JobType::ALL {
            assert_eq!(JobType::parse(t.as_str()), Some(t));
        }
        for l in LogLevel::ALL {
            assert_eq!(LogLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(LogLevel::ALL[0], LogLevel::default());
        assert_eq!(JobType::ALL.len(), 2);
    }
}
