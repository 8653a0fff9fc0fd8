//! Integration tests of the customer's forms through the router: the new-job form (its server functions and
//! its plain posts to its own page) and the job page's return address and return shipping forms.

use super::demo;
use super::router_tests::{on_shared_runtime, test_app, Browser, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use lifecycle::JobState;

const KEY_SEED: u32 = 7;

fn key() -> String {
    demo::demo_bitlocker_key(KEY_SEED)
}

const STORAGE: &str = "%2Fsubscriptions%2F6f1d3c2a-8b4e-4c5a-9d7e-1a2b3c4d5e6f%2FresourceGroups%2Frg1%2Fproviders%2FMicrosoft.Storage%2FstorageAccounts%2Facct01";

/// An import form with every choice away from its default, as a browser encodes it (brackets escaped).
fn import_form(name: &str) -> String {
    let body = format!(
        "job[job_type]=Import&job[name]={name}&job[location]=northeurope&job[subscription]={sub}\
         &job[resource_group]=rg1&job[storage_account_id]={STORAGE}\
         &job[drives][0][drive_id]=DRV1&job[drives][0][bit_locker_key]={key}\
         &job[drives][0][manifest_file]=%5CDriveManifest.xml&job[drives][0][manifest_hash]=109B21108597EF36D5785F08303F3638\
         &job[drives][0][drive_header_hash]=\
         &job[shipping][carrier_name]=DHL&job[shipping][carrier_account_number]=DHL-42\
         &job[diagnostics_path]=waimportexport&job[log_level]=Verbose&job[backup_drive_manifest]=on",
        sub = demo::DEMO_SUBSCRIPTION,
        key = key(),
    );
    body.replace('[', "%5B").replace(']', "%5D")
}

/// The form posted without JavaScript to its own page, by the button that sends `intent`.
async fn post_page(app: &TestApp, browser: &Browser, form: &str, intent: &str) -> Reply {
    app.post_form(
        browser,
        "/jobs/new",
        &format!("{form}&intent={intent}"),
        "http://localhost/jobs/new",
    )
    .await
}

/// How many drive rows a rendered form has.
fn rows(page: &str) -> usize {
    page.matches("data-testid=\"drive-row\"").count()
}

fn assert_choices_kept(page: &str) {
    for selected in [
        "<option value=\"northeurope\" selected",
        "<option value=\"Verbose\" selected",
        "<option value=\"DHL\" selected",
    ] {
        assert!(page.contains(selected), "{selected} in the page");
    }
    assert!(page.contains("Ship your drives to North Europe"));
    assert!(page.contains("Carriers accepted here: FedEx, DHL"));
    assert!(
        page.contains("name=\"job[backup_drive_manifest]\" value=\"on\" checked"),
        "the checkbox stays ticked"
    );
}

#[test]
fn new_job_options_list_every_location_with_its_address_and_the_customers_subscriptions() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app.call(&me, "/api/new_job_options", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let options: crate::app::pages::new_job::JobFormOptions =
            serde_json::from_str(&r.body).unwrap();
        let names: Vec<&str> = options.locations.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["westus", "eastus", "northeurope", "australiaeast"],
            "the seeded data centers"
        );
        for l in &options.locations {
            assert!(
                !l.street_address1.is_empty() && !l.city.is_empty() && !l.postal_code.is_empty(),
                "{} has an address",
                l.name
            );
            assert!(!l.supported_carriers.is_empty(), "{} has carriers", l.name);
        }
        let eastus = &options.locations[1];
        assert_eq!(eastus.supported_carriers, ["FedEx", "UPS"]);
        assert_eq!(eastus.city, "Ashburn");
        assert_eq!(options.subscriptions, [demo::DEMO_SUBSCRIPTION]);
        assert!(options.draft.is_none(), "only the page's own post has one");

        let r = app
            .call(&Browser::anonymous(), "/api/new_job_options", "")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    });
}

#[test]
fn create_job_makes_an_export_job() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let form = format!(
            "job[job_type]=Export&job[name]=export-one&job[location]=eastus&job[resource_group]=rg1\
             &job[storage_account_id]={STORAGE}&job[blob_paths]=%2Fphotos%2Fa.jpg%0A%2Fphotos%2Fb.jpg\
             &job[blob_path_prefixes]=%2Fbackups%2F&job[diagnostics_path]=waimportexport&job[log_level]=Error"
        );
        let r = app.call(&me, "/api/create_job", &form).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let id: i64 = serde_json::from_str(&r.body).unwrap();
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        assert_eq!(job.job_type, lifecycle::JobType::Export);
        assert_eq!(job.state, JobState::Creating);
        assert!(job.drives.is_empty());
        let export = job.export.expect("what to export");
        assert_eq!(export.blob_paths, ["/photos/a.jpg", "/photos/b.jpg"]);
        assert_eq!(export.blob_path_prefixes, ["/backups/"]);

        // An export without anything to export is refused, naming the field.
        let empty = form
            .replace("job[blob_paths]=%2Fphotos%2Fa.jpg%0A%2Fphotos%2Fb.jpg", "")
            .replace("job[blob_path_prefixes]=%2Fbackups%2F", "")
            .replace("export-one", "export-two");
        let r = app.call(&me, "/api/create_job", &empty).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("properties.export"), "{}", r.body);
    });
}

#[test]
fn a_refused_plain_post_of_create_job_redirects_to_the_form_with_every_choice() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let r = app
            .post_form(
                &me,
                "/api/create_job",
                &import_form("Bad+Name"),
                "http://localhost/jobs/new",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let location = r.headers[header::LOCATION].to_str().unwrap();
        assert_eq!(
            location, "http://localhost/jobs/new",
            "nothing typed in the URL"
        );
        let page = app.follow(&me, &r).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Job name must not contain spaces"));
        assert!(page.body.contains("value=\"Bad Name\""));
        assert!(page.body.contains("value=\"DRV1\""));
        assert!(page.body.contains("value=\"DHL-42\""));
        assert_choices_kept(&page.body);
        // The echo (kept in the flash) never carries the key, so it is not on the page either.
        assert!(!page.body.contains(&key()));
        assert!(app
            .state
            .store
            .job_by_name(demo::DEMO_SUBSCRIPTION, "rg1", "Bad Name")
            .await
            .unwrap()
            .is_none());
    });
}

#[test]
fn the_forms_own_post_adds_and_removes_rows_and_shows_the_address_with_everything_kept() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let form = import_form("rows-job");

        let r = post_page(&app, &me, &form, "add_drive").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(rows(&r.body), 2);
        assert!(r.body.contains("value=\"rows-job\""));
        assert!(
            r.body.contains(&format!("value=\"{}\"", key())),
            "the key comes back in the response body"
        );
        assert!(r.body.contains("name=\"job[drives][1][manifest_file]\""));
        assert_choices_kept(&r.body);

        let two = format!("{form}&job%5Bdrives%5D%5B1%5D%5Bdrive_id%5D=DRV2");
        let r = post_page(&app, &me, &two, "remove_drive").await;
        assert_eq!(rows(&r.body), 1);
        assert!(!r.body.contains("DRV2"));
        let r = post_page(&app, &me, &form, "remove_drive").await;
        assert_eq!(rows(&r.body), 1, "the last row stays");

        let australia = form.replace("northeurope", "australiaeast");
        let r = post_page(&app, &me, &australia, "show_address").await;
        assert!(r.body.contains("Ship your drives to Australia East"));
        assert!(r.body.contains("Carriers accepted here: DHL"));
        assert!(r.body.contains("value=\"rows-job\""));

        assert!(
            app.state
                .store
                .job_by_name(demo::DEMO_SUBSCRIPTION, "rg1", "rows-job")
                .await
                .unwrap()
                .is_none(),
            "none of these creates a job"
        );
    });
}

#[test]
fn the_forms_own_post_creates_the_job_or_shows_the_refusal_with_the_keys_kept() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;

        let r = post_page(&app, &me, &import_form("Bad+Name"), "create").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Job name must not contain spaces"));
        assert!(r.body.contains(&format!("value=\"{}\"", key())));
        assert_choices_kept(&r.body);

        let eleven: String = (1..=10)
            .map(|i| format!("&job%5Bdrives%5D%5B{i}%5D%5Bdrive_id%5D=D{i}"))
            .collect();
        let r = post_page(
            &app,
            &me,
            &format!("{}{eleven}", import_form("too-many")),
            "create",
        )
        .await;
        assert!(
            r.body.contains("A job can have at most 10 drives (got 11)"),
            "{}",
            &r.body[..r.body.len().min(300)]
        );
        // Only a crafted post has more rows than the form offers: the page draws the first MAX_DRIVES again.
        assert_eq!(rows(&r.body), lifecycle::validate::MAX_DRIVES);
        assert!(r.body.contains("value=\"D9\""));
        assert!(!r.body.contains("value=\"D10\""));
        assert!(r.body.contains("data-testid=\"drive-limit\""));

        let r = post_page(&app, &me, &import_form("plain-post-job"), "create").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let location = r.headers[header::LOCATION].to_str().unwrap();
        let stored = app
            .state
            .store
            .job_by_name(demo::DEMO_SUBSCRIPTION, "rg1", "plain-post-job")
            .await
            .unwrap()
            .expect("created");
        assert_eq!(location, format!("/jobs/{}", stored.id));
        assert_eq!(stored.job.location.name, "northeurope");
        assert_eq!(stored.job.log_level, lifecycle::LogLevel::Verbose);
        assert!(stored.job.backup_drive_manifest);
        assert_eq!(
            stored.job.return_shipping.unwrap().carrier_name,
            "DHL",
            "every choice reached the job"
        );
        assert_eq!(
            stored.job.drives[0].bit_locker_key.as_deref(),
            Some(key().as_str())
        );

        // A post without any intent is the form's Enter key: a create.
        let r = app
            .post_form(
                &me,
                "/jobs/new",
                &import_form("enter-key-job"),
                "http://localhost/jobs/new",
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    });
}

#[test]
fn the_forms_own_post_checks_who_is_asking_and_unreadable_input() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let form = import_form("guarded-job");
        // A person whose session ended is sent to sign in, and back to the form afterwards.
        let r = post_page(&app, &Browser::anonymous(), &form, "create").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            r.headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok()),
            Some("/sign-in?next=/jobs/new")
        );

        // Staff don't create customers' jobs, and are told so.
        let staff = app.staff().await;
        let r = post_page(&app, &staff, &form, "create").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("data-testid=\"form-error\"")
                && r.body.contains("support staff act through the console"),
            "refused on the page: {}",
            r.body
        );

        // A cross-site post with the customer's cookie is refused before anything runs.
        let me = app.customer().await;
        let request = Request::post("/jobs/new")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "http://evil.example")
            .header(header::COOKIE, me.cookie.clone().unwrap())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("{form}&intent=create")))
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);

        let r = post_page(
            &app,
            &me,
            "job%5Bdrives%5D%5Bx%5D%5Bdrive_id%5D=1",
            "add_drive",
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(app
            .state
            .store
            .job_by_name(demo::DEMO_SUBSCRIPTION, "rg1", "guarded-job")
            .await
            .unwrap()
            .is_none());
    });
}

const ADDRESS: &str = "address[recipient_name]=Ada+Lovelace&address[street_address1]=1+Analytical+Way\
                       &address[city]=Redmond&address[postal_code]=98052&address[country_or_region]=USA\
                       &address[phone]=%2B1+425+555+0100&address[email]=ada%40example.com";

#[test]
fn update_return_address_saves_a_valid_address_and_names_a_bad_email() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let id = app.job_id("demo-creating").await;
        let r = app
            .call(
                &me,
                "/api/update_return_address",
                &format!("id={id}&{ADDRESS}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let address = app
            .state
            .store
            .job(id)
            .await
            .unwrap()
            .unwrap()
            .job
            .return_address
            .expect("stored");
        assert_eq!(address.city, "Redmond");
        assert_eq!(address.email, "ada@example.com");
        let last = app.state.store.events(id).await.unwrap().pop().unwrap();
        assert_eq!(last.actor.label, "Dana Demo");

        let bad = format!(
            "id={id}&{}",
            ADDRESS.replace("ada%40example.com", "ada%40example")
        )
        .replace("Redmond", "Oslo");
        let r = app.call(&me, "/api/update_return_address", &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(
            r.body.contains("\"field\":\"returnAddress.email\"")
                && r.body
                    .contains("Email must be an address like name@example.com"),
            "{}",
            r.body
        );
        let job = app.state.store.job(id).await.unwrap().unwrap().job;
        assert_eq!(job.return_address.unwrap().city, "Redmond", "unchanged");

        // Without JavaScript the refusal comes back on the page, with what was typed.
        let referer = format!("http://localhost/jobs/{id}");
        let r = app
            .post_form(&me, "/api/update_return_address", &bad, &referer)
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let page = app.follow(&me, &r).await;
        assert!(page
            .body
            .contains("Email must be an address like name@example.com"));
        assert!(page.body.contains("value=\"Oslo\""));
    });
}

#[test]
fn update_return_shipping_is_refused_in_packaging_and_a_refusal_keeps_the_carrier() {
    on_shared_runtime(async move {
        let app = test_app().await;
        let me = app.customer().await;
        let packaging = app.job_id("demo-packaging").await;
        let before = app.state.store.job(packaging).await.unwrap().unwrap().job;
        let r = app
            .call(
                &me,
                "/api/update_return_shipping",
                &format!("id={packaging}&shipping[carrier_name]=UPS&shipping[carrier_account_number]=UPS-1"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(
            r.body.contains(
                "Return shipping can be changed only while the job is Creating, Shipping, Received or Transferring; the job is Packaging"
            ),
            "{}",
            r.body
        );
        assert!(r.body.contains("returnShipping"), "{}", r.body);
        let after = app.state.store.job(packaging).await.unwrap().unwrap().job;
        assert_eq!(before.return_shipping, after.return_shipping);

        // A refused plain post keeps the chosen carrier and the typed number on the re-rendered page.
        let creating = app.job_id("demo-creating").await;
        let referer = format!("http://localhost/jobs/{creating}");
        let r = app
            .post_form(
                &me,
                "/api/update_return_shipping",
                &format!("id={creating}&shipping[carrier_name]=UPS&shipping[carrier_account_number]=not+valid%21"),
                &referer,
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND);
        let page = app.follow(&me, &r).await;
        assert!(page
            .body
            .contains("Carrier account number may contain letters, digits and hyphens"));
        assert!(page.body.contains("value=\"not valid!\""));
        let shipping_form = page
            .body
            .split("data-testid=\"return-shipping-card\"")
            .nth(1)
            .unwrap();
        assert!(
            shipping_form.contains("<option value=\"UPS\" selected"),
            "the carrier chosen is kept"
        );
    });
}
