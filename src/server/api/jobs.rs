//! Jobs_*: list (by subscription, by resource group), get, create, update, delete, and
//! BitLockerKeys_List. Every change goes through `commands` (tenancy, role, the lifecycle's decision, the
//! timeline entry under the token's name).

use super::context::{Api, ApiPath, RawBody};
use super::convert::{job_response, new_job, update_request};
use super::errors::ApiError;
use super::models::*;
use super::paging::{next_link, ListQuery, SkipToken};
use super::query::ApiVersionQuery;
use crate::server::commands;
use crate::server::state::AppState;
use crate::server::store::{Cursor, JobScope};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lifecycle::api::{check_create_echoes, update_commands, update_target};
use lifecycle::{Command, CustomerCommand};

type JobPath = (String, String, String);

async fn list(
    app: &AppState,
    api: &Api,
    subscription: &str,
    resource_group: Option<&str>,
) -> Result<Json<ListJobsResponse>, ApiError> {
    let subscription = api.readable_subscription(subscription)?;
    let page = ListQuery::from_params(&api.query)?.page()?;
    let scope = match resource_group {
        None => JobScope::Subscriptions(vec![subscription]),
        Some(rg) => JobScope::Group {
            subscription_id: subscription,
            resource_group: rg.to_string(),
        },
    };
    let listed = app
        .store
        .list_jobs(&scope, &page.filter, page.after, page.top)
        .await?;
    // The page's jobs in one query, not one each; a job deleted since the list was read is simply not shown.
    let ids: Vec<i64> = listed.jobs.iter().map(|summary| summary.id).collect();
    let value = app
        .store
        .jobs_by_ids(&ids)
        .await?
        .iter()
        .map(job_response)
        .collect();
    let next_link = listed
        .next_cursor
        .as_deref()
        .and_then(Cursor::decode)
        .map(|after| {
            let token = SkipToken {
                after,
                top: page.top,
                filter: page.filter.clone(),
            };
            next_link(&api.base_url(app), api.path(), api.version.as_str(), &token)
        });
    Ok(Json(ListJobsResponse { value, next_link }))
}

/// The jobs of a subscription, newest first.
#[utoipa::path(
    get,
    path = "/subscriptions/{subscriptionId}/providers/Microsoft.ImportExport/jobs",
    operation_id = "Jobs_ListBySubscription",
    tag = "Jobs",
    params(("subscriptionId" = String, Path, description = "The subscription id"), ApiVersionQuery, ListQuery),
    responses((status = 200, description = "A page of jobs", body = ListJobsResponse))
)]
pub async fn list_by_subscription(
    State(app): State<AppState>,
    api: Api,
    ApiPath(subscription): ApiPath<String>,
) -> Result<Json<ListJobsResponse>, ApiError> {
    list(&app, &api, &subscription, None).await
}

/// The jobs of a resource group, newest first.
#[utoipa::path(
    get,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs",
    operation_id = "Jobs_ListByResourceGroup",
    tag = "Jobs",
    params(
        ("subscriptionId" = String, Path, description = "The subscription id"),
        ("resourceGroupName" = String, Path, description = "The resource group"),
        ApiVersionQuery,
        ListQuery
    ),
    responses((status = 200, description = "A page of jobs", body = ListJobsResponse))
)]
pub async fn list_by_resource_group(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, resource_group)): ApiPath<(String, String)>,
) -> Result<Json<ListJobsResponse>, ApiError> {
    list(&app, &api, &subscription, Some(&resource_group)).await
}

/// One job.
#[utoipa::path(
    get,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}",
    operation_id = "Jobs_Get",
    tag = "Jobs",
    params(
        ("subscriptionId" = String, Path, description = "The subscription id"),
        ("resourceGroupName" = String, Path, description = "The resource group"),
        ("jobName" = String, Path, description = "The job's name"),
        ApiVersionQuery
    ),
    responses((status = 200, description = "The job", body = JobResponse))
)]
pub async fn get(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, rg, name)): ApiPath<JobPath>,
) -> Result<Response, ApiError> {
    let subscription = api.readable_subscription(&subscription)?;
    // The same bytes `Json(job_response(..))` answers, made once per version of the job (store::job_documents).
    let body = app
        .store
        .job_document(&subscription, &rg, &name, |stored| {
            serde_json::to_vec(&job_response(stored))
        })
        .await?
        .ok_or_else(|| ApiError::job_not_found(&rg, &name))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// Creates a job, or replaces it while it is still Creating.
#[utoipa::path(
    put,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}",
    operation_id = "Jobs_Create",
    tag = "Jobs",
    params(
        ("subscriptionId" = String, Path, description = "One of your subscriptions"),
        ("resourceGroupName" = String, Path, description = "The resource group (created with the first job in it)"),
        ("jobName" = String, Path, description = "3-64 lowercase letters, digits and hyphens, starting with a letter"),
        ("x-ms-client-tenant-id" = Option<String>, Header, description = "Accepted and ignored"),
        ApiVersionQuery
    ),
    request_body = PutJobParameters,
    responses(
        (status = 201, description = "Created", body = JobResponse),
        (status = 200, description = "Replaced (the job was still Creating)", body = JobResponse)
    )
)]
pub async fn create(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, rg, name)): ApiPath<JobPath>,
    body: RawBody,
) -> Result<(StatusCode, Json<JobResponse>), ApiError> {
    let subscription = api.writable_subscription(&subscription)?;
    lifecycle::validate::resource_group(&rg)
        .map_err(|m| ApiError::bad_request("InvalidResourceGroupName", "resourceGroupName", m))?;
    let body: PutJobParameters = body.json()?;
    let location = app.store.location(&body.location).await?.ok_or_else(|| {
        ApiError::bad_request(
            "InvalidLocation",
            "location",
            format!(
                "'{}' is not a location of this service; list them with Locations_List",
                body.location
            ),
        )
    })?;
    let drive_states: Vec<Option<&str>> = body
        .properties
        .drive_list
        .iter()
        .flatten()
        .map(|d| d.state.as_deref())
        .collect();
    check_create_echoes(
        body.properties.state.as_deref(),
        body.properties.cancel_requested,
        &drive_states,
    )
    .map_err(|r| ApiError::from_rejection(&r, str::to_string))?;
    let new = new_job(&name, location, body);
    let (stored, is_new) = commands::create(&app, &api.identity, &subscription, &rg, new)
        .await
        .map_err(|e| ApiError::from_app(e, &rg, &name, str::to_string))?;
    let status = if is_new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(job_response(&stored))))
}

/// Updates a job: properties, `state: Shipping`, `cancelRequested: true`; all or nothing.
#[utoipa::path(
    patch,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}",
    operation_id = "Jobs_Update",
    tag = "Jobs",
    params(
        ("subscriptionId" = String, Path, description = "One of your subscriptions"),
        ("resourceGroupName" = String, Path, description = "The resource group"),
        ("jobName" = String, Path, description = "The job's name"),
        ApiVersionQuery
    ),
    request_body = UpdateJobParameters,
    responses((status = 200, description = "The updated job", body = JobResponse))
)]
pub async fn update(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, rg, name)): ApiPath<JobPath>,
    body: RawBody,
) -> Result<Json<JobResponse>, ApiError> {
    let subscription = api.writable_subscription(&subscription)?;
    let stored = api.job(&app, &subscription, &rg, &name).await?;
    let request = update_request(body.json()?);
    let commands: Vec<Command> = update_commands(&stored.job, &request)
        .map_err(|r| ApiError::from_rejection(&r, update_target))?
        .into_iter()
        .map(Command::Customer)
        .collect();
    let (stored, _) = commands::run(&app, &api.identity, stored.id, &commands)
        .await
        .map_err(|e| ApiError::from_app(e, &rg, &name, update_target))?;
    Ok(Json(job_response(&stored)))
}

/// Deletes a job that is Creating or Completed. Its history stays for support staff.
#[utoipa::path(
    delete,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}",
    operation_id = "Jobs_Delete",
    tag = "Jobs",
    params(
        ("subscriptionId" = String, Path, description = "One of your subscriptions"),
        ("resourceGroupName" = String, Path, description = "The resource group"),
        ("jobName" = String, Path, description = "The job's name"),
        ApiVersionQuery
    ),
    responses((status = 200, description = "Deleted"))
)]
pub async fn delete(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, rg, name)): ApiPath<JobPath>,
) -> Result<StatusCode, ApiError> {
    let subscription = api.writable_subscription(&subscription)?;
    let stored = api.job(&app, &subscription, &rg, &name).await?;
    let delete = [Command::Customer(CustomerCommand::Delete)];
    commands::run(&app, &api.identity, stored.id, &delete)
        .await
        .map_err(|e| ApiError::from_app(e, &rg, &name, update_target))?;
    // 200, not 204: the SDK accepts nothing else.
    Ok(StatusCode::OK)
}

/// The BitLocker keys of the job's drives: the only operation that returns them.
#[utoipa::path(
    post,
    path = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs/{jobName}/listBitLockerKeys",
    operation_id = "BitLockerKeys_List",
    tag = "BitLockerKeys",
    params(
        ("subscriptionId" = String, Path, description = "The subscription id"),
        ("resourceGroupName" = String, Path, description = "The resource group"),
        ("jobName" = String, Path, description = "The job's name"),
        ApiVersionQuery
    ),
    responses((status = 200, description = "The keys", body = GetBitLockerKeysResponse))
)]
pub async fn list_bitlocker_keys(
    State(app): State<AppState>,
    api: Api,
    ApiPath((subscription, rg, name)): ApiPath<JobPath>,
) -> Result<Json<GetBitLockerKeysResponse>, ApiError> {
    let stored = api.job(&app, &subscription, &rg, &name).await?;
    if api.identity.is_staff() {
        // Staff may read keys (the data center unlocks the drives), but it is worth a trace.
        let detail = format!("job {} (#{})", stored.job.name, stored.id);
        if let Err(e) = app
            .store
            .audit(
                app.clock.now(),
                Some(api.identity.account_id),
                &api.identity.display_name,
                "bitlocker-keys-read",
                &detail,
                None,
            )
            .await
        {
            tracing::warn!(error = %e, "cannot write the audit log");
        }
    }
    let value = stored
        .job
        .drives
        .iter()
        .filter_map(|d| {
            let key = d.bit_locker_key.as_deref().filter(|k| !k.is_empty())?;
            Some(DriveBitLockerKey {
                drive_id: d.drive_id.clone(),
                bit_locker_key: key.to_string(),
            })
        })
        .collect();
    Ok(Json(GetBitLockerKeysResponse { value }))
}
