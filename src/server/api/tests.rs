//! The API through the whole router (authentication, access policy, request ids included) over a fresh
//! database with the demo data: every operation, and every kind of error.

use crate::server::accounts;
use crate::server::demo::{self, DEMO_RESOURCE_GROUP as RG, DEMO_SUBSCRIPTION as SUB};
use crate::server::router_tests::{test_app, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

const V: &str = "api-version=2021-01-01";

struct Api {
    app: TestApp,
    /// The demo customer's token.
    customer: String,
    /// A second customer, with a subscription of their own.
    other: String,
    other_subscription: String,
    staff: String,
}

async fn api() -> Api {
    let app = test_app().await;
    let now = app.state.clock.now();
    let store = &app.state.store;
    let customer = demo::api_token(store, now)
        .await
        .expect("demo token")
        .to_string();
    let other = app.add_other_customer().await;
    let other_subscription = other.subscription;
    let other = app.new_token(other.account_id, "other").await;
    let staff_account = store
        .account_by_email(demo::STAFF_EMAIL)
        .await
        .expect("store")
        .expect("demo staff");
    let staff = accounts::create_token(store, staff_account.id, "staff", now)
        .await
        .expect("token");
    Api {
        app,
        customer,
        other,
        other_subscription,
        staff,
    }
}

fn job_path(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs/{name}")
}

fn with_version(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{V}")
}

fn body_json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

/// The ARM error of a reply: (code, target).
fn arm_error(r: &Reply) -> (String, Option<String>) {
    let v = body_json(r);
    let code = v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no ARM error: {}", r.body));
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        r.body
    );
    assert!(v["error"]["details"].is_array(), "{}", r.body);
    (
        code.to_string(),
        v["error"]["target"].as_str().map(str::to_string),
    )
}

impl Api {
    async fn call(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost")
            .header("x-ms-client-request-id", "test-request-1");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let reply = self.app.send(b.body(body).expect("request")).await;
        // Every API answer carries the request ids, success or failure.
        assert!(
            reply.headers.contains_key("x-ms-request-id"),
            "{method} {path}: {:?}",
            reply.headers
        );
        assert_eq!(reply.headers["x-ms-client-request-id"], "test-request-1");
        reply
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Some(&self.customer), "GET", &with_version(path), None)
            .await
    }

    async fn put(&self, name: &str, body: Value) -> Reply {
        self.call(
            Some(&self.customer),
            "PUT",
            &with_version(&job_path(name)),
            Some(body),
        )
        .await
    }

    async fn patch(&self, name: &str, body: Value) -> Reply {
        self.call(
            Some(&self.customer),
            "PATCH",
            &with_version(&job_path(name)),
            Some(body),
        )
        .await
    }

    async fn job(&self, name: &str) -> Value {
        let r = self.get(&job_path(name)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        body_json(&r)
    }
}

fn storage() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/apistore01")
}

fn drive(id: &str, key: &str) -> Value {
    json!({
        "driveId": id, "bitLockerKey": key, "manifestFile": "\\DriveManifest.xml",
        "manifestHash": "109B21108597EF36D5785F08303F3638", "state": "Specified"
    })
}

const KEY: &str = "123453-234564-345675-456786-567897-678920-123442-000000";

/// A PUT body as the SDK sends it: job state "Creating", drive states "Specified", SDK defaults.
fn import_body() -> Value {
    json!({
        "location": "westus",
        "tags": {"team": "api"},
        "properties": {
            "storageAccountId": storage(), "jobType": "Import", "state": "Creating",
            "cancelRequested": false, "backupDriveManifest": true, "logLevel": "Verbose",
            "driveList": [drive("API-DRIVE-1", KEY)],
            "somethingNew": {"ignored": true}
        }
    })
}

fn address() -> Value {
    json!({
        "recipientName": "Ada Lovelace", "streetAddress1": "1 Analytical Way", "city": "Redmond",
        "postalCode": "98052", "countryOrRegion": "USA", "phone": "+1 425 555 0100", "email": "ada@example.com"
    })
}

// ---------------------------------------------------------------------------------------------------------
// Authentication, api-version, request ids, unknown routes
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn no_token_or_a_bad_token_is_401_in_the_arm_envelope() {
    let api = api().await;
    let path = with_version(&job_path("demo-creating"));
    let r = api.call(None, "GET", &path, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(arm_error(&r).0, "AuthenticationFailed");
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    let r = api.call(Some("iep_not_a_token"), "GET", &path, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(arm_error(&r).0, "AuthenticationFailed");
    // Even with a bad api-version, an anonymous caller hears only about authentication.
    let r = api.call(None, "PUT", &job_path("x"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_version_is_required_and_must_be_supported() {
    let api = api().await;
    let path = job_path("demo-creating");
    let r = api.call(Some(&api.customer), "GET", &path, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let (code, target) = arm_error(&r);
    assert_eq!(
        (code.as_str(), target.as_deref()),
        ("MissingApiVersionParameter", Some("api-version"))
    );
    let r = api
        .call(
            Some(&api.customer),
            "GET",
            &format!("{path}?api-version=2019-01-01"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(arm_error(&r).0, "InvalidApiVersionParameter");
    assert!(
        r.body.contains("2021-01-01") && r.body.contains("2020-08-01"),
        "{}",
        r.body
    );
    let r = api
        .call(
            Some(&api.customer),
            "GET",
            &format!("{path}?api-version=2020-08-01"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_arm_envelope() {
    let api = api().await;
    let r = api
        .get(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.ImportExport/gadgets"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(arm_error(&r).0, "NotFound");
    assert!(r.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap_or("")
        .starts_with("application/json"));
    let r = api
        .call(
            Some(&api.customer),
            "POST",
            &with_version(&job_path("demo-creating")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(arm_error(&r).0, "MethodNotAllowed");
    assert!(r.headers.contains_key(header::ALLOW));
}

#[tokio::test]
async fn the_openapi_document_is_public() {
    let api = api().await;
    let request = Request::get("/openapi.json")
        .body(Body::empty())
        .expect("request");
    let r = api.app.send(request).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = body_json(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"][format!("{}/{{jobName}}", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ImportExport/jobs")]["patch"].is_object());
}

// ---------------------------------------------------------------------------------------------------------
// Get: the ARM shape
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn get_answers_the_arm_shape_without_bitlocker_keys() {
    let api = api().await;
    let job = api.job("demo-transferring").await;
    assert_eq!(job["id"], job_path("demo-transferring"));
    assert_eq!(job["name"], "demo-transferring");
    assert_eq!(job["type"], "Microsoft.ImportExport/jobs");
    assert_eq!(job["identity"]["type"], "None");
    assert_eq!(job["systemData"]["createdByType"], "User");
    assert!(job["systemData"]["createdAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let p = &job["properties"];
    assert_eq!(p["state"], "Transferring");
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["encryptionKey"]["kekType"], "MicrosoftManaged");
    assert_eq!(p["shippingInformation"]["city"], "Santa Clara");
    assert!(p["percentComplete"].as_u64().is_some_and(|n| n > 0));
    let drives = p["driveList"].as_array().expect("drives");
    assert!(
        drives.iter().all(|d| d["copyStatus"] == "InProgress"),
        "{drives:?}"
    );
    assert!(p.get("returnPackage").is_none());
    let text = job.to_string();
    assert!(!text.contains("bitLockerKey"), "{text}");
    assert!(!text.contains(&demo::demo_bitlocker_key(14)));

    let creating = api.job("demo-creating").await;
    let drives = creating["properties"]["driveList"]
        .as_array()
        .expect("drives");
    assert!(drives
        .iter()
        .all(|d| d.get("copyStatus").is_none() && d["state"] == "Specified"));
    assert!(creating["properties"].get("returnPackage").is_none());

    let completed = api.job("demo-completed").await;
    assert_eq!(
        completed["properties"]["returnPackage"]["trackingNumber"],
        "RET7788990011"
    );
    assert_eq!(completed["properties"]["returnPackage"]["driveCount"], 2);
    assert!(api.job("demo-packaging").await["properties"]
        .get("returnPackage")
        .is_none());
}

#[tokio::test]
async fn another_customers_jobs_do_not_exist_for_them() {
    let api = api().await;
    let other = Some(api.other.as_str());
    for (method, path, body) in [
        ("GET", job_path("demo-creating"), None),
        (
            "PATCH",
            job_path("demo-creating"),
            Some(json!({"properties": {"cancelRequested": true}})),
        ),
        ("DELETE", job_path("demo-creating"), None),
        (
            "POST",
            format!("{}/listBitLockerKeys", job_path("demo-creating")),
            None,
        ),
        ("PUT", job_path("stolen-job"), Some(import_body())),
        (
            "GET",
            format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs"),
            None,
        ),
        (
            "GET",
            format!(
                "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs"
            ),
            None,
        ),
    ] {
        let r = api.call(other, method, &with_version(&path), body).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            r.body
        );
    }
    // Nothing happened to the owner's job.
    assert_eq!(
        api.job("demo-creating").await["properties"]["cancelRequested"],
        false
    );
    // The other customer sees their own (empty) subscription.
    let own = api
        .call(
            other,
            "GET",
            &with_version(&format!(
                "/subscriptions/{}/providers/Microsoft.ImportExport/jobs",
                api.other_subscription
            )),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(body_json(&own)["value"], json!([]));
}

#[tokio::test]
async fn staff_tokens_read_everything_and_write_nothing() {
    let api = api().await;
    let staff = Some(api.staff.as_str());
    let r = api
        .call(
            staff,
            "GET",
            &with_version(&job_path("demo-shipping")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let list = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    assert_eq!(
        api.call(staff, "GET", &with_version(&list), None)
            .await
            .status,
        StatusCode::OK
    );
    for (method, body) in [
        (
            "PATCH",
            Some(json!({"properties": {"cancelRequested": true}})),
        ),
        ("DELETE", None),
        ("PUT", Some(import_body())),
    ] {
        let r = api
            .call(
                staff,
                method,
                &with_version(&job_path("demo-creating")),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method}: {}", r.body);
        assert_eq!(arm_error(&r).0, "AuthorizationFailed");
    }
    // A signed-in staff member's browser session works as well as a token.
    let browser = api.app.staff().await;
    let request = api
        .app
        .request(&browser, "GET", &with_version(&job_path("demo-faulted")))
        .body(Body::empty())
        .expect("request");
    let r = api.app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body_json(&r)["properties"]["state"], "Faulted");
    let keys = format!("{}/listBitLockerKeys", job_path("demo-shipping"));
    let r = api.call(staff, "POST", &with_version(&keys), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let audit = api
        .app
        .state
        .store
        .audit_entries(Some("bitlocker-keys-read"), 10)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].detail.contains("demo-shipping"),
        "{}",
        audit[0].detail
    );
}

// ---------------------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn put_creates_with_201_replaces_with_200_and_refuses_past_creating_with_409() {
    let api = api().await;
    let r = api.put("api-created", import_body()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let job = body_json(&r);
    assert_eq!(job["properties"]["state"], "Creating");
    assert_eq!(job["properties"]["backupDriveManifest"], true);
    assert_eq!(job["properties"]["logLevel"], "Verbose");
    assert_eq!(job["properties"]["diagnosticsPath"], "waimportexport");
    assert_eq!(job["tags"]["team"], "api");
    assert!(!r.body.contains(KEY), "the key is echoed: {}", r.body);
    assert_eq!(job["systemData"]["createdByType"], "Application");
    assert!(job["systemData"]["createdBy"]
        .as_str()
        .unwrap_or("")
        .contains("API token"));

    let mut again = import_body();
    again["tags"] = json!({"team": "api", "round": "2"});
    let r = api.put("api-created", again).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body_json(&r)["tags"]["round"], "2");

    let r = api.put("demo-shipping", import_body()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        arm_error(&r),
        ("Conflict".to_string(), Some("name".to_string()))
    );
}

#[tokio::test]
async fn put_validation_names_the_field() {
    let api = api().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown location",
            json!({"location": "atlantis"}),
            "location",
        ),
        (
            "bad key",
            json!({"properties": {"driveList": [drive("API-1", "123")]}}),
            "properties.driveList[0].bitLockerKey",
        ),
        (
            "wrong type",
            json!({"properties": {"driveList": [{"driveId": 42}]}}),
            "properties.driveList[0].driveId",
        ),
        (
            "bad enum",
            json!({"properties": {"jobType": "Both"}}),
            "properties.jobType",
        ),
        (
            "drive state",
            json!({"properties": {"driveList": [drive("API-1", KEY), {"driveId": "API-2", "bitLockerKey": KEY, "manifestFile": "\\m.xml", "manifestHash": "109B21108597EF36D5785F08303F3638", "state": "Received"}]}}),
            "properties.driveList[1].state",
        ),
        (
            "job state",
            json!({"properties": {"state": "Shipping"}}),
            "properties.state",
        ),
        (
            "email",
            json!({"properties": {"returnAddress": {"email": "nope"}}}),
            "properties.returnAddress.recipientName",
        ),
        (
            "storage",
            json!({"properties": {"storageAccountId": "acct"}}),
            "properties.storageAccountId",
        ),
    ];
    for (what, patch, target) in cases {
        let mut body = import_body();
        merge(&mut body, patch);
        let r = api.put("api-invalid", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.body);
        assert_eq!(
            arm_error(&r).1.as_deref(),
            Some(target),
            "{what}: {}",
            r.body
        );
    }
    let mut missing = import_body();
    missing["properties"]
        .as_object_mut()
        .map(|p| p.remove("jobType"));
    let r = api.put("api-invalid", missing).await;
    assert_eq!(
        arm_error(&r).1.as_deref(),
        Some("properties.jobType"),
        "{}",
        r.body
    );
    let r = api.put("api-invalid", json!({"location": "westus"})).await;
    assert_eq!(arm_error(&r).1.as_deref(), Some("properties"), "{}", r.body);
    let r = api.put("Bad_Name", import_body()).await;
    assert_eq!(arm_error(&r).1.as_deref(), Some("name"), "{}", r.body);
    let r = api
        .call(
            Some(&api.customer),
            "PUT",
            &with_version(&job_path("api-invalid")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let raw = Request::put(with_version(&job_path("api-invalid")))
        .header(header::AUTHORIZATION, format!("Bearer {}", api.customer))
        .body(Body::from("{\"location\": "))
        .expect("request");
    let r = api.app.send(raw).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(arm_error(&r).0, "InvalidJson");
    assert!(api
        .app
        .state
        .store
        .job_by_name(SUB, RG, "api-invalid")
        .await
        .expect("store")
        .is_none());
}

/// Merges `patch` into `target`, objects recursively.
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                merge(t.entry(k).or_insert(Value::Null), v);
            }
        }
        (t, p) => *t = p,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Update
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_patch_with_sdk_defaults_changes_nothing() {
    let api = api().await;
    assert_eq!(
        api.put("api-defaults", import_body()).await.status,
        StatusCode::CREATED
    );
    let before = api.job("api-defaults").await;
    let r = api
        .patch("api-defaults", json!({"properties": {"cancelRequested": false, "backupDriveManifest": false, "state": ""}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = body_json(&r);
    assert_eq!(after["properties"], before["properties"]);
    assert_eq!(after["properties"]["backupDriveManifest"], true);
    let r = api
        .patch("api-defaults", json!({"properties": {"state": "Creating"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_patch_sets_properties_and_marks_shipping_in_one_step_recorded_as_the_token() {
    let api = api().await;
    let body = json!({
        "properties": {
            "state": "Shipping", "cancelRequested": false, "backupDriveManifest": false,
            "returnAddress": address(),
            "returnShipping": {"carrierName": "fedex", "carrierAccountNumber": "123456789"},
            "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "123456789012", "driveCount": 2}
        }
    });
    let r = api.patch("demo-creating", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let job = body_json(&r);
    assert_eq!(job["properties"]["state"], "Shipping");
    assert_eq!(job["properties"]["returnShipping"]["carrierName"], "FedEx");
    assert_eq!(job["systemData"]["lastModifiedByType"], "Application");
    let id = api.app.job_id("demo-creating").await;
    let events = api.app.state.store.events(id).await.expect("events");
    let last = events.last().expect("an event");
    assert_eq!(last.event.kind.name(), "markedShipping");
    assert_eq!(last.actor.kind, crate::model::ActorKind::Api);
    assert!(
        last.actor.label.contains("demo token"),
        "{}",
        last.actor.label
    );
}

#[tokio::test]
async fn patch_refusals_name_the_field_and_change_nothing() {
    let api = api().await;
    // Lifecycle rule: Shipping needs a delivery package (409), and the return address sent with it is not kept.
    let r = api
        .patch(
            "demo-creating",
            json!({"properties": {"state": "Shipping", "returnAddress": address()}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        arm_error(&r).1.as_deref(),
        Some("properties.deliveryPackage")
    );
    assert!(api.job("demo-creating").await["properties"]
        .get("returnAddress")
        .is_none());
    // A state the service owns (400).
    let r = api
        .patch(
            "demo-creating",
            json!({"properties": {"state": "Received"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(arm_error(&r).1.as_deref(), Some("properties.state"));
    // Invalid value (400).
    let mut bad = address();
    bad["email"] = json!("not-an-email");
    let r = api
        .patch(
            "demo-creating",
            json!({"properties": {"returnAddress": bad}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        arm_error(&r).1.as_deref(),
        Some("properties.returnAddress.email")
    );
    // Wrong type (400).
    let r = api
        .patch(
            "demo-creating",
            json!({"properties": {"cancelRequested": "yes"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        arm_error(&r).1.as_deref(),
        Some("properties.cancelRequested")
    );
    // Outside the window (409): Packaging cannot be cancelled.
    let r = api
        .patch(
            "demo-packaging",
            json!({"properties": {"cancelRequested": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        arm_error(&r).1.as_deref(),
        Some("properties.cancelRequested")
    );
    // Return address in Transferring: not the customer's to change any more (409).
    let r = api
        .patch(
            "demo-transferring",
            json!({"properties": {"returnAddress": address()}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(arm_error(&r).1.as_deref(), Some("properties.returnAddress"));
    let r = api.patch("no-such-job", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(arm_error(&r).0, "ResourceNotFound");
}

#[tokio::test]
async fn cancellation_inside_the_window_is_granted() {
    let api = api().await;
    let r = api
        .patch(
            "demo-shipping",
            json!({"properties": {"cancelRequested": true}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let job = body_json(&r);
    assert_eq!(job["properties"]["cancelRequested"], true);
    assert_eq!(job["properties"]["state"], "Shipping");
    // A Creating job ends at once.
    let r = api
        .patch(
            "demo-creating",
            json!({"properties": {"cancelRequested": true}}),
        )
        .await;
    assert_eq!(body_json(&r)["properties"]["state"], "Completed");
}

// ---------------------------------------------------------------------------------------------------------
// Delete and BitLocker keys
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_answers_200_in_creating_or_completed_and_409_otherwise() {
    let api = api().await;
    let token = Some(api.customer.as_str());
    let id = api.app.job_id("demo-creating").await;
    let r = api
        .call(
            token,
            "DELETE",
            &with_version(&job_path("demo-creating")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.is_empty());
    assert_eq!(
        api.get(&job_path("demo-creating")).await.status,
        StatusCode::NOT_FOUND
    );
    // The history is kept for staff.
    assert!(!api
        .app
        .state
        .store
        .events(id)
        .await
        .expect("events")
        .is_empty());
    let r = api
        .call(
            token,
            "DELETE",
            &with_version(&job_path("demo-creating")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .call(
            token,
            "DELETE",
            &with_version(&job_path("demo-completed")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api
        .call(
            token,
            "DELETE",
            &with_version(&job_path("demo-shipping")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(arm_error(&r).0, "Conflict");
}

#[tokio::test]
async fn fixed_path_segments_match_without_regard_to_case_as_in_arm() {
    let api = api().await;
    let lowered = format!(
        "/SUBSCRIPTIONS/{SUB}/resourcegroups/{RG}/providers/microsoft.importexport/Jobs/demo-transferring"
    );
    let r = api.get(&lowered).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The resource id answers in the canonical spelling; the names are the ones sent.
    assert_eq!(body_json(&r)["id"], job_path("demo-transferring"));
    let keys = with_version(&format!("{lowered}/listbitlockerkeys"));
    let r = api.call(Some(&api.customer), "POST", &keys, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(body_json(&r)["value"]
        .as_array()
        .is_some_and(|v| !v.is_empty()));
    let r = api
        .get("/providers/MICROSOFT.IMPORTEXPORT/Locations/westus")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Names are not respelled: a job name differing in case is another name.
    let r = api
        .get(&job_path("DEMO-TRANSFERRING").replace("resourceGroups", "resourcegroups"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn list_bitlocker_keys_returns_the_keys_given_at_creation() {
    let api = api().await;
    let mut body = import_body();
    body["properties"]["driveList"] = json!([
        drive("KEY-A", KEY),
        drive(
            "KEY-B",
            "000011-000022-000033-000044-000055-000066-000077-000088"
        )
    ]);
    assert_eq!(api.put("api-keys", body).await.status, StatusCode::CREATED);
    let path = with_version(&format!("{}/listBitLockerKeys", job_path("api-keys")));
    let r = api.call(Some(&api.customer), "POST", &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        body_json(&r),
        json!({"value": [
            {"driveId": "KEY-A", "bitLockerKey": KEY},
            {"driveId": "KEY-B", "bitLockerKey": "000011-000022-000033-000044-000055-000066-000077-000088"}
        ]})
    );
    let r = api
        .call(
            Some(&api.customer),
            "POST",
            &with_version(&format!("{}/listBitLockerKeys", job_path("nope"))),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------------------

fn names(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|j| j["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Behind a TLS-terminating proxy `nextLink` says https, but only a trusted proxy's `X-Forwarded-Proto` is
/// believed: anyone else could otherwise choose the scheme of the links the server writes.
#[tokio::test]
async fn next_link_takes_the_forwarded_scheme_only_from_a_trusted_proxy() {
    let app = crate::server::router_tests::test_app_with(|c| {
        c.trusted_proxies =
            vec![crate::server::auth::client_addr::IpRange::parse("10.0.0.0/8").expect("range")];
    })
    .await;
    let token = demo::api_token(&app.state.store, app.state.clock.now())
        .await
        .expect("demo token")
        .to_string();
    for (peer, expected) in [
        ("10.1.2.3", "https://portal.example/subscriptions/"),
        ("198.51.100.9", "http://portal.example/subscriptions/"),
    ] {
        let mut request = Request::builder()
            .uri(format!(
                "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?$top=1&{V}"
            ))
            .header(header::HOST, "portal.example")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .expect("request");
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let page = body_json(&reply);
        let link = page["nextLink"].as_str().expect("a next page");
        assert!(link.starts_with(expected), "from {peer}: {link}");
    }
}

#[tokio::test]
async fn lists_page_with_top_and_a_stable_next_link() {
    let api = api().await;
    let base = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    let all = body_json(&api.get(&base).await);
    let everything = names(&all);
    assert!(everything.len() >= 10, "{everything:?}");
    assert!(
        all.get("nextLink").is_none(),
        "default page size 100 holds the demo data"
    );

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = Some(format!("{base}?$top=3&{V}"));
    while let Some(url) = next {
        let r = api.call(Some(&api.customer), "GET", &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let page = body_json(&r);
        let n = names(&page);
        assert!(n.len() <= 3 && !n.is_empty(), "{n:?}");
        seen.extend(n);
        pages += 1;
        next = page["nextLink"].as_str().map(|link| {
            assert!(
                link.starts_with("http://localhost/subscriptions/"),
                "{link}"
            );
            assert!(
                link.contains("$skipToken=") && link.contains("api-version="),
                "{link}"
            );
            // The SDK replaces the api-version; the link must still work.
            link.trim_start_matches("http://localhost")
                .replace(V, "api-version=2020-08-01")
        });
    }
    assert_eq!(pages, everything.len().div_ceil(3));
    assert_eq!(seen, everything, "pages in order, each job once");

    let rg =
        format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.ImportExport/jobs");
    assert_eq!(names(&body_json(&api.get(&rg).await)), everything);
}

#[tokio::test]
async fn lists_filter_on_state_and_job_type() {
    let api = api().await;
    let base = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    let page = body_json(
        &api.get(&format!("{base}?$filter=state%20eq%20%27Shipping%27"))
            .await,
    );
    let jobs = page["value"].as_array().expect("value");
    assert!(!jobs.is_empty());
    assert!(jobs.iter().all(|j| j["properties"]["state"] == "Shipping"));
    let page = body_json(
        &api.get(&format!(
            "{base}?$top=1&$filter=jobType%20eq%20%27Export%27%20and%20state%20eq%20%27Shipping%27"
        ))
        .await,
    );
    assert_eq!(names(&page), vec!["demo-export-shipping"]);
    assert!(page.get("nextLink").is_none());
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let api = api().await;
    let base = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    for (query, target) in [
        ("$top=0", "$top"),
        ("$top=101", "$top"),
        ("$top=ten", "$top"),
        ("$filter=name%20eq%20%27x%27", "$filter"),
        ("$filter=state%20eq%20%27Lost%27", "$filter"),
        ("$skipToken=garbage", "$skipToken"),
    ] {
        let r = api.get(&format!("{base}?{query}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.body);
        assert_eq!(arm_error(&r).1.as_deref(), Some(target), "{query}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Locations and operations
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn locations_and_operations() {
    let api = api().await;
    let r = api.get("/providers/Microsoft.ImportExport/locations").await;
    assert_eq!(r.status, StatusCode::OK);
    let list = body_json(&r);
    assert_eq!(
        names(&list),
        vec!["westus", "eastus", "northeurope", "australiaeast"]
    );
    let eastus = body_json(
        &api.get("/providers/Microsoft.ImportExport/locations/eastus")
            .await,
    );
    assert_eq!(
        eastus["id"],
        "/providers/Microsoft.ImportExport/locations/eastus"
    );
    assert_eq!(eastus["type"], "Microsoft.ImportExport/locations");
    assert_eq!(
        eastus["properties"]["supportedCarriers"],
        json!(["FedEx", "UPS"])
    );
    assert!(eastus["properties"]["streetAddress1"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let r = api
        .get("/providers/Microsoft.ImportExport/locations/atlantis")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(arm_error(&r).0, "ResourceNotFound");
    let ops = body_json(
        &api.get("/providers/Microsoft.ImportExport/operations")
            .await,
    );
    let ops = ops["value"].as_array().expect("value");
    assert!(ops
        .iter()
        .any(|o| o["name"] == "Microsoft.ImportExport/jobs/write"
            && o["display"]["provider"].is_string()));
    let r = api
        .call(
            None,
            "GET",
            &with_version("/providers/Microsoft.ImportExport/operations"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_api_page_is_public_and_shows_the_endpoint_and_a_snippet() {
    let api = api().await;
    let anonymous = crate::server::router_tests::Browser::anonymous();
    let r = api.app.get(&anonymous, "/api-docs").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("href=\"/openapi.json\""), "{}", r.body);
    assert!(
        r.body.contains("http://localhost"),
        "the base URL is the one the browser used"
    );
    assert!(
        r.body.contains("StorageImportExport("),
        "the Python snippet"
    );
    assert!(r.body.contains("&lt;your subscription id&gt;"));
    // A signed-in customer sees their own subscription in the snippet.
    let me = api.app.customer().await;
    let r = api.app.get(&me, "/api-docs").await;
    assert!(
        r.body
            .contains(&format!("subscription_id=&quot;{SUB}&quot;"))
            || r.body.contains(&format!("subscription_id=\"{SUB}\"")),
        "{}",
        r.body
    );
}

// ---------------------------------------------------------------------------------------------------------
// Export: the incomplete blob list
// ---------------------------------------------------------------------------------------------------------

const NOT_EXPORTED: &str =
    "https://demostore01.blob.core.windows.net/waimportexport/not-exported.xml";
const ERROR_LOG: &str = "https://demostore01.blob.core.windows.net/waimportexport/error.log";
const VERBOSE_LOG: &str = "https://demostore01.blob.core.windows.net/waimportexport/verbose.log";

/// A form value, percent-encoded as a browser sends it.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// An export job made through the API and marked shipped; returns its portal id.
async fn shipped_export(api: &Api, name: &str) -> i64 {
    let body = json!({
        "location": "westus",
        "properties": {
            "storageAccountId": storage(), "jobType": "Export",
            "export": {"blobList": {"blobPath": ["/photos/2026/holiday.jpg"]}},
            "returnAddress": address(),
            "returnShipping": {"carrierName": "FedEx", "carrierAccountNumber": "123456789"},
            "deliveryPackage": {"carrierName": "FedEx", "trackingNumber": "123456789012", "driveCount": 2}
        }
    });
    let r = api.put(name, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api
        .patch(name, json!({"properties": {"state": "Shipping"}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    api.app.job_id(name).await
}

/// The data center receives the export job's two drives and starts copying to both.
async fn copying(api: &Api, staff: &crate::server::router_tests::Browser, id: i64) {
    for (path, form) in [
        (
            "/api/staff_package_intake",
            format!("id={id}&found_text=EXP-LEFT-1%20EXP-LEFT-2"),
        ),
        (
            "/api/staff_start_copy",
            format!("id={id}&drive_id=EXP-LEFT-1"),
        ),
        (
            "/api/staff_start_copy",
            format!("id={id}&drive_id=EXP-LEFT-2"),
        ),
    ] {
        let r = api.app.call(staff, path, &form).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
}

fn finish_form(id: i64, drive: &str, outcome: &str, incomplete: &str) -> String {
    format!(
        "id={id}&drive_id={drive}&outcome={outcome}&error_log_uri={}&verbose_log_uri={}&incomplete_blob_list_uri={}",
        enc(ERROR_LOG),
        enc(VERBOSE_LOG),
        enc(incomplete)
    )
}

#[tokio::test]
async fn the_incomplete_blob_list_of_an_export_is_reported_once_the_data_center_gives_it() {
    let api = api().await;
    let staff = api.app.staff().await;
    let id = shipped_export(&api, "api-export-partial").await;
    let before = api.job("api-export-partial").await;
    assert!(
        before["properties"].get("incompleteBlobListUri").is_none(),
        "{before}"
    );
    copying(&api, &staff, id).await;

    // The console's finish form asks for the list on export jobs only.
    let page = api.app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert!(
        page.body.contains("name=\"incomplete_blob_list_uri\""),
        "the export job's finish form has the field"
    );
    assert!(page.body.contains("Incomplete blob list URI"));
    let import = api.app.job_id("demo-transferring").await;
    let page = api.app.get(&staff, &format!("/staff/jobs/{import}")).await;
    assert!(
        page.body.contains("data-testid=\"op-finish\""),
        "finish form shown"
    );
    assert!(!page.body.contains("name=\"incomplete_blob_list_uri\""));

    // Refusals name the form's field and change nothing.
    for (form, says) in [
        (
            finish_form(id, "EXP-LEFT-1", "Completed", NOT_EXPORTED),
            "more info",
        ),
        (
            finish_form(id, "EXP-LEFT-1", "Warning", "ftp://demostore01/list.xml"),
            "Incomplete blob list URI must be an absolute http(s) URL",
        ),
        (
            finish_form(import, "WD-DEMO-A1", "Warning", NOT_EXPORTED),
            "export",
        ),
    ] {
        let r = api.app.call(&staff, "/api/staff_finish_drive", &form).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{form}: {}", r.body);
        assert!(r.body.contains("incomplete_blob_list_uri"), "{}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    let job = api.job("api-export-partial").await;
    assert_eq!(job["properties"]["state"], "Transferring");
    assert!(job["properties"].get("incompleteBlobListUri").is_none());

    // A clean completion of one drive reports nothing; the other drive's list is reported.
    let r = api
        .app
        .call(
            &staff,
            "/api/staff_finish_drive",
            &format!("id={id}&drive_id=EXP-LEFT-2&outcome=Completed"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(api.job("api-export-partial").await["properties"]
        .get("incompleteBlobListUri")
        .is_none());
    let r = api
        .app
        .call(
            &staff,
            "/api/staff_finish_drive",
            &finish_form(id, "EXP-LEFT-1", "Warning", NOT_EXPORTED),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let job = api.job("api-export-partial").await;
    assert_eq!(job["properties"]["state"], "Packaging");
    assert_eq!(job["properties"]["incompleteBlobListUri"], NOT_EXPORTED);
    // The list is also in every list page and on the timeline.
    let list = body_json(
        &api.get(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs?$filter=jobType%20eq%20%27Export%27"
        ))
        .await,
    );
    let listed = list["value"]
        .as_array()
        .and_then(|v| v.iter().find(|j| j["name"] == "api-export-partial"))
        .expect("listed");
    assert_eq!(listed["properties"]["incompleteBlobListUri"], NOT_EXPORTED);
    let page = api.app.get(&staff, &format!("/staff/jobs/{id}")).await;
    assert!(
        page.body.contains(NOT_EXPORTED),
        "the timeline shows the list"
    );
}

#[tokio::test]
async fn the_incomplete_blob_list_is_absent_for_imports_and_completely_exported_jobs() {
    let api = api().await;
    let staff = api.app.staff().await;
    let id = shipped_export(&api, "api-export-whole").await;
    copying(&api, &staff, id).await;
    for drive in ["EXP-LEFT-1", "EXP-LEFT-2"] {
        let r = api
            .app
            .call(
                &staff,
                "/api/staff_finish_drive",
                // Empty, as the form sends an untouched field.
                &finish_form(id, drive, "Info", ""),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let job = api.job("api-export-whole").await;
    assert_eq!(job["properties"]["state"], "Packaging");
    assert!(
        job["properties"].get("incompleteBlobListUri").is_none(),
        "{job}"
    );
    for import in ["demo-transferring", "demo-packaging", "demo-completed"] {
        let job = api.job(import).await;
        assert!(job["properties"].get("incompleteBlobListUri").is_none());
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_incomplete_blob_list() {
    let api = api().await;
    let r = api
        .app
        .send(
            Request::get("/openapi.json")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let doc = body_json(&r);
    let details = &doc["components"]["schemas"]["JobDetails"];
    let field = &details["properties"]["incompleteBlobListUri"];
    assert!(field.is_object(), "{details}");
    assert!(field["description"]
        .as_str()
        .is_some_and(|d| d.contains("Export only")));
    let required = details["required"].as_array().expect("required");
    assert!(!required.iter().any(|f| f == "incompleteBlobListUri"));
}

// ---------------------------------------------------------------------------------------------------------
// Live: an API change reaches open pages
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_api_change_is_announced_on_the_hub_and_the_customers_event_stream() {
    use http_body_util::BodyExt;
    use std::time::Duration;
    use tower::ServiceExt;

    let api = api().await;
    let id = api.app.job_id("demo-ready-to-ship-1").await;
    let mut hub = api.app.state.live.subscribe();
    // The customer's open job page follows /events for this job.
    let me = api.app.customer().await;
    let request = api
        .app
        .request(&me, "GET", &format!("/events?job={id}"))
        .header(header::ACCEPT, "text/event-stream")
        .body(Body::empty())
        .expect("request");
    let response = api
        .app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.into_body();

    let r = api
        .patch(
            "demo-ready-to-ship-1",
            json!({"properties": {"state": "Shipping", "cancelRequested": false}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let change = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match hub.recv().await {
                Ok(Some(crate::server::live::Change::Job(change))) if change.job_id == id => {
                    return change
                }
                Ok(_) => continue,
                Err(e) => panic!("the hub closed: {e}"),
            }
        }
    })
    .await
    .expect("the change is announced");
    assert_eq!(change.state, "Shipping");
    assert_eq!(change.subscription_id, SUB);

    let seen = tokio::time::timeout(Duration::from_secs(5), async {
        let mut seen = String::new();
        while let Some(frame) = stream.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                seen.push_str(&String::from_utf8_lossy(&data));
                if seen.contains("event: job") && seen.contains("\"state\":\"Shipping\"") {
                    break;
                }
            }
        }
        seen
    })
    .await
    .expect("the event stream carries the change");
    assert!(seen.contains("event: ready"), "{seen}");
    assert!(seen.contains(&format!("\"job_id\":{id}")), "{seen}");
}

// ---------------------------------------------------------------------------------------------------------
// Paging while jobs come and go
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn next_link_neither_repeats_nor_skips_jobs_when_others_are_created_and_deleted_meanwhile() {
    let api = api().await;
    let base = format!("/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs");
    let before = names(&body_json(&api.get(&base).await));
    assert!(before.len() >= 10, "{before:?}");

    let first = body_json(
        &api.call(
            Some(&api.customer),
            "GET",
            &format!("{base}?$top=3&{V}"),
            None,
        )
        .await,
    );
    let page_one = names(&first);
    assert_eq!(page_one, before[..3]);
    let link = first["nextLink"].as_str().expect("a next page").to_string();

    // Meanwhile: the job the cursor points at and another one already shown are deleted (both Creating),
    // one not shown yet is deleted (Completed), and new jobs appear (newest, so before the cursor).
    let cursor_job = page_one[2].clone();
    let shown_job = page_one[0].clone();
    let unseen_job = "demo-completed".to_string();
    assert!(!page_one.contains(&unseen_job));
    for name in [&cursor_job, &shown_job, &unseen_job] {
        let r = api
            .call(
                Some(&api.customer),
                "DELETE",
                &with_version(&job_path(name)),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "delete {name}: {}", r.body);
    }
    for name in ["api-paging-new-1", "api-paging-new-2"] {
        assert_eq!(
            api.put(name, import_body()).await.status,
            StatusCode::CREATED
        );
    }

    let mut rest = Vec::new();
    let mut next = Some(link);
    while let Some(url) = next {
        let url = url.trim_start_matches("http://localhost").to_string();
        let r = api.call(Some(&api.customer), "GET", &url, None).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let page = body_json(&r);
        rest.extend(names(&page));
        next = page["nextLink"].as_str().map(str::to_string);
    }
    let mut seen = page_one.clone();
    seen.extend(rest.iter().cloned());
    let throughout: Vec<&String> = before
        .iter()
        .filter(|n| ![&cursor_job, &shown_job, &unseen_job].contains(n))
        .collect();
    for name in &throughout {
        assert_eq!(
            seen.iter().filter(|s| s == name).count(),
            1,
            "{name} once: {seen:?}"
        );
    }
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no job twice: {seen:?}");
    assert!(!rest.contains(&unseen_job), "a deleted job is not listed");
    assert!(
        !rest.iter().any(|n| n.starts_with("api-paging-new")),
        "new jobs sort before the cursor: {rest:?}"
    );
    // Everything after the cursor kept its order.
    let expected_rest: Vec<String> = before[3..]
        .iter()
        .filter(|n| **n != unseen_job)
        .cloned()
        .collect();
    assert_eq!(rest, expected_rest);
}

// ---------------------------------------------------------------------------------------------------------
// Request ids in the log, and server failures
// ---------------------------------------------------------------------------------------------------------

/// What the `tracing` macros write on this thread while the returned guard lives.
fn capture_log() -> (
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    tracing::subscriber::DefaultGuard,
) {
    #[derive(Clone)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Sink(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

fn logged(buffer: &std::sync::Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

#[tokio::test]
async fn both_request_ids_are_logged_with_the_outcome() {
    let api = api().await;
    let (buffer, _guard) = capture_log();
    let r = api.get(&job_path("demo-creating")).await;
    assert_eq!(r.status, StatusCode::OK);
    let server_id = r.headers["x-ms-request-id"]
        .to_str()
        .expect("header")
        .to_string();
    let log = logged(&buffer);
    let line = log
        .lines()
        .find(|l| l.contains(&format!("request_id={server_id}")))
        .unwrap_or_else(|| panic!("no line with the server's request id {server_id}:\n{log}"));
    assert!(line.contains("portal::api"), "{line}");
    assert!(
        line.contains("client_request_id=\"test-request-1\""),
        "{line}"
    );
    assert!(line.contains("status=200"), "{line}");
    assert!(line.contains("API request"), "{line}");
}

#[tokio::test]
async fn a_server_failure_answers_a_generic_message_with_the_request_id_and_logs_the_detail() {
    let api = api().await;
    let id = api.app.job_id("demo-transferring").await;
    let changed = crate::server::store::test_support::execute(
        &api.app.state.store,
        "UPDATE jobs SET snapshot = 'not json' WHERE id = $1",
        id,
    )
    .await;
    assert_eq!(changed, 1);
    let (buffer, _guard) = capture_log();
    let r = api.get(&job_path("demo-transferring")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    let (code, _) = arm_error(&r);
    assert_eq!(code, "InternalServerError");
    let server_id = r.headers["x-ms-request-id"]
        .to_str()
        .expect("header")
        .to_string();
    let message = body_json(&r)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains(&server_id), "{message}");
    for internal in ["unreadable", "expected", "line 1", "database", "snapshot"] {
        assert!(!r.body.contains(internal), "leaks '{internal}': {}", r.body);
    }
    let log = logged(&buffer);
    let line = log
        .lines()
        .find(|l| l.contains("API request failed"))
        .unwrap_or_else(|| panic!("the failure is logged:\n{log}"));
    assert!(line.contains(&format!("request_id={server_id}")), "{line}");
    assert!(
        line.contains("client_request_id=\"test-request-1\""),
        "{line}"
    );
    assert!(line.contains("stored data is unreadable"), "{line}");
    // The router's own failure line, which pages and server functions rely on, names the request too.
    let failure = log
        .lines()
        .find(|l| l.contains("request failed") && !l.contains("API request failed"))
        .unwrap_or_else(|| panic!("the router logs the 500:\n{log}"));
    assert!(failure.contains("ERROR"), "{failure}");
    assert!(failure.contains("status=500"), "{failure}");
    assert!(failure.contains("path=\"/subscriptions/"), "{failure}");
}

// ---------------------------------------------------------------------------------------------------------
// Customer-managed encryption keys
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_customer_managed_key_needs_its_url_and_vault_and_both_are_echoed() {
    let api = api().await;
    let mut body = import_body();
    merge(
        &mut body,
        json!({"properties": {"encryptionKey": {"kekType": "CustomerManaged"}}}),
    );
    let r = api.put("api-cmk", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let (_, target) = arm_error(&r);
    assert_eq!(target.as_deref(), Some("properties.encryptionKey.kekUrl"));
    let details = body_json(&r)["error"]["details"].clone();
    assert!(
        details.as_array().is_some_and(|d| d
            .iter()
            .any(|e| e["target"] == "properties.encryptionKey.kekVaultResourceID")),
        "{details}"
    );

    let kek_url = "https://demovault.vault.azure.net/keys/import-kek/0123456789abcdef";
    let vault = format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/demovault"
    );
    let mut body = import_body();
    merge(
        &mut body,
        json!({"properties": {"encryptionKey": {
            "kekType": "CustomerManaged", "kekUrl": kek_url, "kekVaultResourceID": vault
        }}}),
    );
    let r = api.put("api-cmk", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for job in [body_json(&r), api.job("api-cmk").await] {
        let key = &job["properties"]["encryptionKey"];
        assert_eq!(key["kekType"], "CustomerManaged", "{key}");
        assert_eq!(key["kekUrl"], kek_url);
        assert_eq!(key["kekVaultResourceID"], vault.as_str());
    }
}

// ---------------------------------------------------------------------------------------------------------
// Case-insensitive paths and resource groups
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn mis_cased_api_paths_of_no_known_shape_answer_in_the_arm_envelope() {
    let api = api().await;
    for path in [
        format!("/SUBSCRIPTIONS/{SUB}/providers/Microsoft.ImportExport/gadgets"),
        "/Providers/Microsoft.ImportExport/nothing-here".to_string(),
    ] {
        // Anonymous: the ARM 404, not the portal's sign-in redirect.
        let r = api.call(None, "GET", &with_version(&path), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert_eq!(arm_error(&r).0, "NotFound", "{path}");
        let r = api.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(arm_error(&r).0, "NotFound", "{path}");
    }
    // A mis-cased path of a real operation: anonymous callers hear about authentication.
    let path = format!(
        "/Subscriptions/{SUB}/resourcegroups/{RG}/providers/microsoft.importexport/jobs/demo-creating"
    );
    let r = api.call(None, "GET", &with_version(&path), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(arm_error(&r).0, "AuthenticationFailed");
}

fn group_path(group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{group}/providers/Microsoft.ImportExport/jobs/{name}"
    )
}

#[tokio::test]
async fn resource_group_names_match_without_regard_to_case_and_keep_their_spelling() {
    let api = api().await;
    let r = api.get(&group_path("DEMO-RG", "demo-transferring")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(body_json(&r)["id"], job_path("demo-transferring"));
    let list = |group: &str| {
        format!("/subscriptions/{SUB}/resourceGroups/{group}/providers/Microsoft.ImportExport/jobs")
    };
    let exact = names(&body_json(&api.get(&list(RG)).await));
    assert!(!exact.is_empty());
    assert_eq!(names(&body_json(&api.get(&list("Demo-Rg")).await)), exact);

    // A job created in "Mixed-Case-RG" is the same job in any spelling of the group.
    let put_in = |group: &str| with_version(&group_path(group, "api-case"));
    let token = Some(api.customer.as_str());
    assert_eq!(
        api.call(token, "PUT", &put_in("Mixed-Case-RG"), Some(import_body()))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = api
        .call(token, "PUT", &put_in("MIXED-CASE-RG"), Some(import_body()))
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "replaced, not a second job: {}",
        r.body
    );
    assert_eq!(body_json(&r)["id"], group_path("Mixed-Case-RG", "api-case"));
    let r = api.get(&group_path("mixed-case-rg", "api-case")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(body_json(&r)["id"], group_path("Mixed-Case-RG", "api-case"));
    let everywhere = names(&body_json(
        &api.get(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.ImportExport/jobs"
        ))
        .await,
    ));
    assert_eq!(everywhere.iter().filter(|n| *n == "api-case").count(), 1);
    let r = api
        .call(
            Some(&api.customer),
            "DELETE",
            &with_version(&group_path("mixed-CASE-rg", "api-case")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        api.get(&group_path("Mixed-Case-RG", "api-case"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn case_insensitive_group_queries_are_served_by_indexes() {
    let api = api().await;
    let store = &api.app.state.store;
    if store.backend() != crate::server::store::Backend::Sqlite {
        // EXPLAIN QUERY PLAN is SQLite's.
        return;
    }
    let plan = store
        .query_plan(
            "SELECT id FROM jobs WHERE subscription_id = $1 AND lower(resource_group) = lower($2) AND name = $3 AND deleted = 0",
            &[SUB, "DEMO-RG", "demo-creating"],
        )
        .await
        .expect("plan");
    assert!(plan.contains("jobs_live_name_ci"), "{plan}");
    let plan = store
        .query_plan(
            "SELECT id FROM jobs WHERE deleted = 0 AND subscription_id = $1 AND lower(resource_group) = lower($2) ORDER BY created_at DESC, id DESC LIMIT 4",
            &[SUB, "DEMO-RG"],
        )
        .await
        .expect("plan");
    assert!(plan.contains("jobs_by_group_ci"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "sorted by the index: {plan}");
}

// ---------------------------------------------------------------------------------------------------------
// The way from the portal to the API guide
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_page_links_to_the_api_guide_in_its_footer() {
    let api = api().await;
    let anonymous = crate::server::router_tests::Browser::anonymous();
    let me = api.app.customer().await;
    for (who, path) in [(&anonymous, "/sign-in"), (&me, "/jobs"), (&me, "/api-docs")] {
        let r = api.app.get(who, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let footer = r
            .body
            .split("<footer")
            .nth(1)
            .unwrap_or_else(|| panic!("{path} has a footer"));
        assert!(
            footer.contains("href=\"/api-docs\"")
                && footer.contains("data-testid=\"api-docs-link\""),
            "{path}: {footer}"
        );
        assert!(footer.contains("API for programs"), "{path}");
    }
}

#[tokio::test]
async fn a_location_may_be_named_by_its_display_name_as_in_arm() {
    let api = api().await;
    for (name, sent) in [
        ("api-loc-display", "West US"),
        ("api-loc-upper", "WESTUS"),
        ("api-loc-spaced", " west us "),
    ] {
        let mut body = import_body();
        body["location"] = json!(sent);
        let r = api.put(name, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{sent}: {}", r.body);
        assert_eq!(body_json(&r)["location"], "westus", "{sent}");
    }
    let mut body = import_body();
    body["location"] = json!("West Atlantis");
    let r = api.put("api-loc-unknown", body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        arm_error(&r),
        ("InvalidLocation".to_string(), Some("location".to_string()))
    );
}

#[tokio::test]
async fn a_patch_that_changes_nothing_still_renews_the_creating_expiry_once() {
    let api = api().await;
    let r = api.put("api-renewed", import_body()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = api.app.job_id("api-renewed").await;
    let before = api.app.state.store.job(id).await.unwrap().unwrap().job;
    // What the SDK sends when the caller sets nothing.
    let r = api
        .patch(
            "api-renewed",
            json!({"properties": {"cancelRequested": false, "backupDriveManifest": false}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = api.app.state.store.job(id).await.unwrap().unwrap().job;
    assert_eq!(after.version, before.version + 1, "one event per request");
    assert!(after.expiry_base >= before.expiry_base);
    assert!(
        after.backup_drive_manifest,
        "the SDK's default did not reset it"
    );
    let events = api.app.state.store.events(id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.event.kind.name(), "propertiesUpdated");
    assert!(last.event.kind.renews_expiry(last.state_before));
}
