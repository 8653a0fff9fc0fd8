//! Operations_List: what the provider can do, as ARM lists it.

use super::context::Api;
use super::errors::ApiError;
use super::models::{ListOperationsResponse, Operation, OperationDisplay};
use super::query::ApiVersionQuery;
use axum::Json;

const OPERATIONS: [(&str, &str, &str, &str); 6] = [
    (
        "Microsoft.ImportExport/locations/read",
        "Location",
        "Read locations",
        "Lists the data centers and their shipping addresses.",
    ),
    (
        "Microsoft.ImportExport/jobs/read",
        "Job",
        "Read jobs",
        "Lists or gets import and export jobs.",
    ),
    (
        "Microsoft.ImportExport/jobs/write",
        "Job",
        "Create or update jobs",
        "Creates a job or updates its properties, reports it shipped or requests cancellation.",
    ),
    (
        "Microsoft.ImportExport/jobs/delete",
        "Job",
        "Delete jobs",
        "Deletes a job that is Creating or Completed.",
    ),
    (
        "Microsoft.ImportExport/jobs/listBitLockerKeys/action",
        "BitLocker keys",
        "List BitLocker keys",
        "Gets the BitLocker keys of a job's drives.",
    ),
    (
        "Microsoft.ImportExport/operations/read",
        "Operation",
        "Read operations",
        "Lists the operations of the provider.",
    ),
];

/// The provider's operations.
#[utoipa::path(
    get,
    path = "/providers/Microsoft.ImportExport/operations",
    operation_id = "Operations_List",
    tag = "Operations",
    params(ApiVersionQuery),
    responses((status = 200, description = "The operations", body = ListOperationsResponse))
)]
pub async fn list(_api: Api) -> Result<Json<ListOperationsResponse>, ApiError> {
    let value = OPERATIONS
        .iter()
        .map(|(name, resource, operation, description)| Operation {
            name: name.to_string(),
            display: OperationDisplay {
                provider: "Microsoft Import Export".into(),
                resource: resource.to_string(),
                operation: operation.to_string(),
                description: description.to_string(),
            },
        })
        .collect();
    Ok(Json(ListOperationsResponse { value }))
}
