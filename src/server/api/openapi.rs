//! The OpenAPI 3 document of the API, generated from the handlers' `#[utoipa::path]` annotations and the
//! models' `ToSchema` derives, served at `/openapi.json`. What every operation shares (bearer
//! authentication, the ARM error responses, the request-id headers) is added once, by `ArmConventions`.

use super::errors::ErrorResponse;
use super::{jobs, locations, operations};
use axum::Json;
use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{RefOr, Required};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Import/Export portal API",
        version = "2021-01-01",
        description = "The Microsoft.ImportExport resource provider's REST API (api-version 2021-01-01, or 2020-08-01 with the same shape), served by the portal: the official SDKs and tools work against it by changing only the endpoint. Authenticate with an API token from the Account page: `Authorization: Bearer <token>`. Human guide: /api-docs."
    ),
    paths(
        jobs::list_by_subscription,
        jobs::list_by_resource_group,
        jobs::get,
        jobs::create,
        jobs::update,
        jobs::delete,
        jobs::list_bitlocker_keys,
        locations::list,
        locations::get,
        operations::list
    ),
    components(schemas(ErrorResponse)),
    modifiers(&ArmConventions),
    tags(
        (name = "Jobs", description = "Import and export jobs"),
        (name = "BitLockerKeys", description = "The drives' BitLocker keys"),
        (name = "Locations", description = "Data centers"),
        (name = "Operations", description = "The provider's operations")
    )
)]
pub struct ApiDoc;

/// Failures every operation may answer, in the ARM envelope.
const ERRORS: [(&str, &str); 5] = [
    (
        "400",
        "Invalid input: the `target` names the field, query parameter or path part",
    ),
    ("401", "Missing, unknown or revoked API token"),
    ("403", "Staff tokens are read-only"),
    (
        "404",
        "No such job, location or subscription (another customer's are not found either)",
    ),
    (
        "409",
        "The job's state does not allow this now (lifecycle rule)",
    ),
];

struct ArmConventions;

impl Modify for ArmConventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token of the portal (Account page)"))
                    .build(),
            ),
        );
        openapi.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                conventions(operation);
            }
        }
    }
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn conventions(operation: &mut Operation) {
    let client_id = Parameter::builder()
        .name("x-ms-client-request-id")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "A client-chosen id of the request; echoed back and logged",
        ))
        .schema(Some(string_schema()))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(client_id));
    for (status, description) in ERRORS {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorResponse"))),
            )
            .build();
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert(RefOr::T(response));
    }
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            let mut id = Header::new(string_schema());
            id.description = Some("The server's id of this request (also in its log)".into());
            response
                .headers
                .insert("x-ms-request-id".into(), RefOr::T(id));
        }
    }
}

/// `/openapi.json`: public, so tools can read it before they have a token.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_string());
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 10, "{all:?}");
        for r in all {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} does not resolve"
            );
        }
    }

    #[test]
    fn every_operation_of_the_contract_is_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        let mut ids: Vec<String> = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
            .filter_map(|op| op["operationId"].as_str().map(str::to_string))
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "BitLockerKeys_List",
                "Jobs_Create",
                "Jobs_Delete",
                "Jobs_Get",
                "Jobs_ListByResourceGroup",
                "Jobs_ListBySubscription",
                "Jobs_Update",
                "Locations_Get",
                "Locations_List",
                "Operations_List"
            ]
        );
        let get = &doc["paths"]["/providers/Microsoft.ImportExport/locations"]["get"];
        assert_eq!(
            get["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorResponse"
        );
        assert!(get["parameters"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["name"] == "api-version" && p["required"] == true)));
    }
}
