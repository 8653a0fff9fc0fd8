//! Data shared by the server and the browser: what pages receive from server functions.

use lifecycle::{JobState, JobType, Timestamp};
use serde::{Deserialize, Serialize};

/// Who did something: shown in timelines and recorded with every event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActorKind {
    Customer,
    Staff,
    /// A program using an API token.
    Api,
    /// The server's timer sweep.
    Timer,
    /// The server itself (demo data, migrations).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Customer => "customer",
            ActorKind::Staff => "staff",
            ActorKind::Api => "api",
            ActorKind::Timer => "timer",
            ActorKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<ActorKind> {
        [
            ActorKind::Customer,
            ActorKind::Staff,
            ActorKind::Api,
            ActorKind::Timer,
            ActorKind::System,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub account_id: Option<i64>,
    /// Display name: the person's name, the token's name, "System timer".
    pub label: String,
}

impl Actor {
    pub fn timer() -> Actor {
        Actor {
            kind: ActorKind::Timer,
            account_id: None,
            label: "System timer".into(),
        }
    }

    pub fn system() -> Actor {
        Actor {
            kind: ActorKind::System,
            account_id: None,
            label: "System".into(),
        }
    }
}

/// What a person may do: customers act on their own subscriptions' jobs; staff on every job, as the data center.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Customer,
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Customer, Role::Staff]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The signed-in person as the browser may know them: no secret, no hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub subscriptions: Vec<String>,
}

/// An API token as listed in the portal: never the token itself, which is shown once at creation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The first characters, to recognise the token.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// One row of a job list: read from indexed columns, never from the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: i64,
    pub subscription_id: String,
    pub resource_group: String,
    pub name: String,
    pub job_type: JobType,
    pub location: String,
    pub state: JobState,
    pub cancel_requested: bool,
    pub percent_complete: u8,
    pub tracking_number: Option<String>,
    /// A problem the customer must know about (`lifecycle::attention::has_problem`): the lists' warning mark.
    pub has_problem: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a customer is told about a job the timers deleted (wording: `lifecycle::attention::removal_notice`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovalNotice {
    pub job_id: i64,
    pub name: String,
    /// The notice's stable key (`creating-expired`).
    pub key: String,
    pub title: String,
    pub message: String,
    /// When the job was deleted.
    pub at: Timestamp,
}

/// A page of jobs and the cursor of the next one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobListPage {
    pub jobs: Vec<JobSummary>,
    /// Opaque; pass back to get the following page.
    pub next_cursor: Option<String>,
    /// The server's time when the page was read, for relative times.
    pub now: Timestamp,
}

/// One step of a job's state history, for the diagram's path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateStep {
    pub from: Option<JobState>,
    pub to: JobState,
    pub at: Timestamp,
}

/// A lifecycle diagram as the server drew it (`server::diagram`): the SVG markup of its two layouts and its
/// text alternative.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagram {
    /// `(layout, markup)`: the wide layout (desktops) and the compact one (phones); the stylesheet shows one.
    pub layouts: Vec<(String, String)>,
    /// What the diagram shows, in a sentence: the SVG's title and the text alternative's first line.
    pub title: String,
    /// The path taken, one line per step with its time (empty when the diagram shows no path).
    pub steps: Vec<String>,
    /// The current state's key in lower case (`shipping`), which colours the legend's current-state swatch
    /// as the drawing colours the state; the first one when several drives are in different states.
    pub current: Option<String>,
}
