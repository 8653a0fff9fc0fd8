//! The REST API's reading of a request, where the ARM contract and real SDK clients need leniency
//! (reference §3, "API leniency"). The HTTP layer parses JSON; what a request *means* is decided here.
//!
//! Why leniency is a rule and not a parsing detail: the official SDK's models fill in defaults the caller never
//! set. A PATCH always carries `cancelRequested: false` and `backupDriveManifest: false`; a PUT always carries
//! `state: "Creating"` on the job and `state: "Specified"` on every drive; the documented UpdateJob example sends
//! `state: ""`. Read literally, these would reset flags or be refused. They mean "no change".

use crate::command::CustomerCommand;
use crate::job::{Job, JobPatch};
use crate::rejection::{check, FieldError, Rejection};
use crate::state::JobState;

/// An update (PATCH) as the client sent it, before interpretation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpdateRequest {
    /// `properties.state`: only `Shipping` asks for something; see [`update_commands`].
    pub state: Option<String>,
    /// `properties.cancelRequested`.
    pub cancel_requested: Option<bool>,
    /// The properties and tags to replace, as sent.
    pub patch: JobPatch,
}

/// The customer commands an update means, in the order they must run (all or nothing):
/// first the property changes (so that a delivery package sent with `state: Shipping` counts), then
/// `MarkShipping`, then `RequestCancellation`.
///
/// - `state`: absent, `""`, `"Creating"` or the job's current state → no change; `"Shipping"` → mark as
///   shipped; anything else → refused (400, field `properties.state`). Case-insensitive.
/// - `cancelRequested`: absent or `false` → no change (a request cannot be withdrawn); `true` → request
///   cancellation, which the lifecycle grants or refuses (409) under the cancellation window.
/// - `backupDriveManifest: false` → no change. It is the SDK's default in every PATCH, so it cannot be told
///   apart from "not mentioned"; applying it would silently undo a `true` set at creation. `true` is applied.
///   To turn the flag off, re-create the job (PUT) while it is `Creating`.
pub fn update_commands(
    job: &Job,
    request: &UpdateRequest,
) -> Result<Vec<CustomerCommand>, Rejection> {
    let mut commands = Vec::new();
    let mut patch = request.patch.clone();
    if patch.backup_drive_manifest == Some(false) {
        patch.backup_drive_manifest = None;
    }
    let ship = match request.state.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(s) if JobState::parse(s) == Some(job.state) => false,
        Some(s) if s.eq_ignore_ascii_case(JobState::Creating.as_str()) => false,
        Some(s) if s.eq_ignore_ascii_case(JobState::Shipping.as_str()) => true,
        Some(other) => {
            return Err(Rejection::invalid(
                "properties.state",
                format!(
                    "The state can only be set to Shipping (to report the package as shipped); '{other}' is set by the service"
                ),
            ))
        }
    };
    // An update that changes nothing is still an update: while Creating it restarts the expiry (reference
    // §8), once, unless the request also marks the job shipped or cancels it (which end Creating).
    let renews = job.state == JobState::Creating && !ship && request.cancel_requested != Some(true);
    if !patch.is_empty() || renews {
        commands.push(CustomerCommand::UpdateProperties(patch));
    }
    if ship {
        commands.push(CustomerCommand::MarkShipping);
    }
    if request.cancel_requested == Some(true) {
        commands.push(CustomerCommand::RequestCancellation);
    }
    Ok(commands)
}

/// Checks the values a create (PUT) may carry but the service owns: the job's `state` may only be absent,
/// `""` or `"Creating"`, each drive's `state` only absent, `""` or `"Specified"`, and `cancelRequested` only
/// absent or `false`. Those are ignored; anything else is refused, so a client never believes it created a job
/// in another state. `drive_states[i]` is the state sent for `driveList[i]`.
pub fn check_create_echoes(
    job_state: Option<&str>,
    cancel_requested: Option<bool>,
    drive_states: &[Option<&str>],
) -> Result<(), Rejection> {
    let mut errors = Vec::new();
    if let Some(s) = job_state.map(str::trim).filter(|s| !s.is_empty()) {
        if !s.eq_ignore_ascii_case(JobState::Creating.as_str()) {
            errors.push(FieldError::new(
                "properties.state",
                format!("A new job is always Creating; '{s}' cannot be set on create"),
            ));
        }
    }
    if cancel_requested == Some(true) {
        errors.push(FieldError::new(
            "properties.cancelRequested",
            "Cancellation is requested with an update (PATCH) of an existing job",
        ));
    }
    for (i, state) in drive_states.iter().enumerate() {
        if let Some(s) = state.map(str::trim).filter(|s| !s.is_empty()) {
            if !s.eq_ignore_ascii_case("Specified") {
                errors.push(FieldError::new(
                    format!("properties.driveList[{i}].state"),
                    format!("A new drive is always Specified; '{s}' cannot be set on create"),
                ));
            }
        }
    }
    check(errors)
}

/// The API path of a field named by an update's rejection. The lifecycle names job properties relative to
/// `properties` (`returnAddress.email`, `cancelRequested`); the API body nests them under `properties`.
/// Tags, the job's name and paths already rooted stay as they are.
pub fn update_target(field: &str) -> String {
    let rooted = field.is_empty()
        || field == "name"
        || field == "location"
        || field == "tags"
        || field.starts_with("tags.")
        || field == "properties"
        || field.starts_with("properties.");
    if rooted {
        field.to_string()
    } else {
        format!("properties.{field}")
    }
}
