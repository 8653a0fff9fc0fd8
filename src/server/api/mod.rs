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

mod access_log;
mod canonical_path;
mod context;
pub(crate) mod convert;
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

use super::auth::policy::Access;
use super::routes::PlainRoute;
use axum::http::Method;

const JOBS: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs";

/// The API's routes and `/openapi.json` (entries of the router's table of plain routes).
pub fn routes() -> Vec<PlainRoute> {
    vec![
        PlainRoute::get(
            "/subscriptions/{subscriptionId}/providers/Microsoft.ImportExport/jobs",
            Access::Api,
            jobs::list_by_subscription,
        ),
        PlainRoute::get(JOBS, Access::Api, jobs::list_by_resource_group),
        PlainRoute::get(format!("{JOBS}/{{jobName}}"), Access::Api, jobs::get),
        PlainRoute::new(
            Method::PUT,
            format!("{JOBS}/{{jobName}}"),
            Access::Api,
            jobs::create,
        ),
        PlainRoute::new(
            Method::PATCH,
            format!("{JOBS}/{{jobName}}"),
            Access::Api,
            jobs::update,
        ),
        PlainRoute::new(
            Method::DELETE,
            format!("{JOBS}/{{jobName}}"),
            Access::Api,
            jobs::delete,
        ),
        PlainRoute::new(
            Method::POST,
            format!("{JOBS}/{{jobName}}/listBitLockerKeys"),
            Access::Api,
            jobs::list_bitlocker_keys,
        ),
        PlainRoute::get(
            "/providers/Microsoft.ImportExport/locations",
            Access::Api,
            locations::list,
        ),
        PlainRoute::get(
            "/providers/Microsoft.ImportExport/locations/{locationName}",
            Access::Api,
            locations::get,
        ),
        PlainRoute::get(
            "/providers/Microsoft.ImportExport/operations",
            Access::Api,
            operations::list,
        ),
        PlainRoute::get("/openapi.json", Access::Public, openapi::document),
    ]
}
