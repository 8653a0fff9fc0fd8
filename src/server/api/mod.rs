//! The REST API, compatible with Azure Resource Manager's Microsoft.ImportExport provider (api-version
//! 2021-01-01; 2020-08-01 has the same shape), so the official SDKs and tools work against the portal.
//! Contract: `../shared/reference/arm-api.md`.
//!
//! - Authentication: `Authorization: Bearer <API token>` (or a portal session). The access policy lets
//!   `/subscriptions/…` and `/providers/…` through; the handlers themselves answer 401 in the ARM envelope.
//! - Tenancy: a customer reads and writes the jobs of their own subscriptions; anything else is 404.
//!   Staff tokens read every subscription (BitLocker key reads are audited) and write nothing (403): the data
//!   center's actions are operator commands of the support console, not ARM operations.
//! - Every change runs through `server::commands` as customer commands, so it obeys the same lifecycle rules
//!   as the portal and appears in the job's timeline under the token's name.

mod canonical_path;
mod context;
mod convert;
mod errors;
mod jobs;
mod locations;
mod models;
mod openapi;
mod operations;
mod paging;
mod query;
mod request_id;
#[cfg(test)]
mod tests;

pub use canonical_path::canonicalize;
pub use openapi::ApiDoc;
pub use request_id::request_ids;

use super::state::AppState;
use axum::routing::{get, post};
use axum::Router;

const JOBS: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs";

/// The API's routes and `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/subscriptions/{subscriptionId}/providers/Microsoft.ImportExport/jobs",
            get(jobs::list_by_subscription),
        )
        .route(JOBS, get(jobs::list_by_resource_group))
        .route(
            &format!("{JOBS}/{{jobName}}"),
            get(jobs::get)
                .put(jobs::create)
                .patch(jobs::update)
                .delete(jobs::delete),
        )
        .route(
            &format!("{JOBS}/{{jobName}}/listBitLockerKeys"),
            post(jobs::list_bitlocker_keys),
        )
        .route(
            "/providers/Microsoft.ImportExport/locations",
            get(locations::list),
        )
        .route(
            "/providers/Microsoft.ImportExport/locations/{locationName}",
            get(locations::get),
        )
        .route(
            "/providers/Microsoft.ImportExport/operations",
            get(operations::list),
        )
        .route("/openapi.json", get(openapi::document))
}
