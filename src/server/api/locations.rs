//! Locations_List and Locations_Get: the data centers that receive packages.

use super::context::{Api, ApiPath};
use super::convert::location;
use super::errors::ApiError;
use super::models::{Location, LocationsResponse};
use super::query::ApiVersionQuery;
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

/// Every location, with its shipping address and accepted carriers.
#[utoipa::path(
    get,
    path = "/providers/Microsoft.ImportExport/locations",
    operation_id = "Locations_List",
    tag = "Locations",
    params(ApiVersionQuery),
    responses((status = 200, description = "The locations", body = LocationsResponse))
)]
pub async fn list(
    State(app): State<AppState>,
    _api: Api,
) -> Result<Json<LocationsResponse>, ApiError> {
    let value = app.store.locations().await?.iter().map(location).collect();
    Ok(Json(LocationsResponse { value }))
}

/// One location.
#[utoipa::path(
    get,
    path = "/providers/Microsoft.ImportExport/locations/{locationName}",
    operation_id = "Locations_Get",
    tag = "Locations",
    params(("locationName" = String, Path, description = "e.g. westus"), ApiVersionQuery),
    responses((status = 200, description = "The location", body = Location))
)]
pub async fn get(
    State(app): State<AppState>,
    _api: Api,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Location>, ApiError> {
    match app.store.location(&name).await? {
        Some(l) => Ok(Json(location(&l))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The location '{name}' was not found."),
        )),
    }
}
