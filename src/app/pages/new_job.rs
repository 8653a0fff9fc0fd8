//! Creating an import or export job. Fields are checked as they are typed with the lifecycle's validators and
//! again on the server; a refused submit keeps what was typed.

use crate::app::components::form::{Field, FormError, FormMessage, SelectField, TextAreaField};
use crate::app::forms::JobForm;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use lifecycle::validate;
use lifecycle::{JobType, Location};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFormOptions {
    pub locations: Vec<Location>,
    pub subscriptions: Vec<String>,
}

#[server(endpoint = "new_job_options")]
pub async fn new_job_options() -> Result<JobFormOptions, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    Ok(JobFormOptions {
        locations: app.store.locations().await?,
        subscriptions: identity.subscriptions.clone(),
    })
}

#[server(endpoint = "create_job")]
pub async fn create_job(job: JobForm) -> Result<i64, AppError> {
    use crate::model::Role;
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    use lifecycle::{FieldError, Rejection};
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    if identity.role == Role::Staff {
        return Err(AppError::Forbidden);
    }
    let echo = |r: Rejection| AppError::Form {
        rejection: r,
        values: job.echo(),
    };
    let subscription = if job.subscription.trim().is_empty() {
        identity.subscriptions.first().cloned().unwrap_or_default()
    } else {
        job.subscription.trim().to_string()
    };
    let mut errors = Vec::new();
    if !identity.can_access(&subscription) {
        errors.push(FieldError::new(
            "subscription",
            "Choose one of your subscriptions",
        ));
    }
    let resource_group = job.resource_group.trim().to_string();
    if let Err(m) = validate::resource_group(&resource_group) {
        errors.push(FieldError::new("resource_group", m));
    }
    let location = app.store.location(&job.location).await?;
    if location.is_none() {
        errors.push(FieldError::new("location", "Choose a data center location"));
    }
    let new = job.to_new_job(location.unwrap_or_default());
    // The lifecycle's own checks, with drive rows renumbered to the form's rows.
    errors.extend(lifecycle::validate_new_job(&new).into_iter().map(|mut e| {
        if let Some(rest) = e.field.strip_prefix("properties.driveList[") {
            if let Some((n, tail)) = rest.split_once(']') {
                if let Some(row) = n.parse().ok().and_then(|n| job.row_of_drive(n)) {
                    e.field = format!("properties.driveList[{row}]{tail}");
                }
            }
        }
        e
    }));
    if let Some(r) = Rejection::from_field_errors(errors) {
        return Err(echo(r));
    }
    if app
        .store
        .job_by_name(&subscription, &resource_group, &new.name)
        .await?
        .is_some()
    {
        return Err(echo(Rejection::invalid(
            "name",
            format!(
                "You already have a job named {} in {resource_group}; choose another name",
                new.name
            ),
        )));
    }
    let now = app.clock.now();
    let (stored, _) = app
        .store
        .put_job(
            &subscription,
            &resource_group,
            new,
            &identity.actor(),
            now,
            app.settings(),
        )
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Rejected(r) => echo(r),
            other => other,
        })?;
    crate::server::commands::announce(&app, &stored);
    leptos_axum::redirect(&format!("/jobs/{}", stored.id));
    Ok(stored.id)
}

const DEFAULT_MANIFEST: &str = "\\DriveManifest.xml";

#[component]
pub fn NewJobPage() -> impl IntoView {
    let query = use_query_map();
    let job_type = move || {
        query
            .read()
            .get("type")
            .and_then(|t| JobType::parse(&t))
            .unwrap_or(JobType::Import)
    };
    let rows = move || {
        query
            .read()
            .get("drives")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1)
            .clamp(1, validate::MAX_DRIVES)
    };
    let options = Resource::new(|| (), |_| new_job_options());
    let create = ServerAction::<CreateJob>::new();
    let error: FormError = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    view! {
        <Title text="New job"/>
        <div class="page-head">
            <h1>"New job"</h1>
        </div>
        <nav class="tabs" aria-label="Job type">
            <A href="/jobs/new?type=import" attr:class=move || if job_type() == JobType::Import { "tab active" } else { "tab" } attr:data-testid="type-import">
                "Import: ship drives with your data"
            </A>
            <A href="/jobs/new?type=export" attr:class=move || if job_type() == JobType::Export { "tab active" } else { "tab" } attr:data-testid="type-export">
                "Export: ship empty drives to fill"
            </A>
        </nav>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(options) => view! { <JobFormView options create error job_type=Signal::derive(job_type) rows=Signal::derive(rows)/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobFormView(
    options: JobFormOptions,
    create: ServerAction<CreateJob>,
    error: FormError,
    job_type: Signal<JobType>,
    rows: Signal<usize>,
) -> impl IntoView {
    let first = options
        .locations
        .first()
        .map(|l| l.name.clone())
        .unwrap_or_default();
    let (location, set_location) = signal(first.clone());
    let locations = options.locations.clone();
    let shown = move || locations.iter().find(|l| l.name == location.get()).cloned();
    let location_options: Vec<(String, String)> = options
        .locations
        .iter()
        .map(|l| (l.name.clone(), format!("{} ({})", l.display_name, l.name)))
        .collect();
    let subscription_options: Vec<(String, String)> = options
        .subscriptions
        .iter()
        .map(|s| (s.clone(), s.clone()))
        .collect();
    let default_sub = options.subscriptions.first().cloned().unwrap_or_default();
    let storage_placeholder =
        format!("/subscriptions/{default_sub}/resourceGroups/default/providers/Microsoft.Storage/storageAccounts/mystorage");
    let echo = move |name: &str| error.get_untracked().and_then(|e| e.typed(name));
    view! {
        <FormMessage error/>
        <ActionForm action=create attr:class="job-form" attr:data-testid="new-job-form">
            <input type="hidden" name="job[job_type]" value=move || job_type.get().as_str()/>
            <section class="card" aria-labelledby="basics-heading">
                <h2 id="basics-heading">"Basics"</h2>
                <div class="grid-2">
                    <Field name="job[name]" label="Job name" error_key="name" required=true echo=true error
                        hint="Lowercase letters, digits and hyphens, starting with a letter; 3 to 64 characters."
                        check=validate::job_name/>
                    <SelectField name="job[subscription]" label="Subscription" options=subscription_options error error_key="subscription" required=true/>
                    <Field name="job[resource_group]" label="Resource group" error_key="resource_group" required=true echo=true error
                        value=echo("job[resource_group]").unwrap_or_else(|| "default".into()) check=validate::resource_group/>
                    <Field name="job[storage_account_id]" label="Storage account" error_key="properties.storageAccountId" required=true echo=true error
                        placeholder=storage_placeholder check=validate::storage_account_id/>
                </div>
                <div class="field">
                    <label for="field-job-location">"Data center"<span class="required" aria-hidden="true">" *"</span></label>
                    <select id="field-job-location" name="job[location]" required=true on:change=move |ev| set_location.set(event_target_value(&ev))>
                        {location_options.into_iter().map(|(v, t)| view! { <option value=v.clone() selected=v == first>{t}</option> }).collect_view()}
                    </select>
                    <p class="field-error" data-field-error="location" role="status">{move || error.get().and_then(|e| e.field_message("location"))}</p>
                </div>
                {move || shown().map(|l| view! {
                    <div class="notice" data-testid="ship-to">
                        <p><strong>"Ship your drives to"</strong></p>
                        <address class="address">
                            {l.recipient_name.clone()}", "{l.street_address1.clone()}", "{l.city.clone()}" "{l.state_or_province.clone()}" "{l.postal_code.clone()}", "{l.country_or_region.clone()}
                        </address>
                        <p class="hint" data-testid="carriers">{format!("Carriers accepted here: {}", l.supported_carriers.join(", "))}</p>
                    </div>
                })}
            </section>

            {move || match job_type.get() {
                JobType::Import => view! { <DrivesSection rows error/> }.into_any(),
                JobType::Export => view! { <ExportSection error/> }.into_any(),
            }}

            <section class="card" aria-labelledby="return-heading">
                <h2 id="return-heading">"Return address"</h2>
                <p class="hint">"Where the drives go back. You can add it now or later; it is needed before you mark the package as shipped."</p>
                <AddressFields prefix="job[address]" error_prefix="properties.returnAddress" error/>
            </section>

            <section class="card" aria-labelledby="shipping-heading">
                <h2 id="shipping-heading">"Return shipping"</h2>
                <p class="hint">"Your carrier account that pays for the return. Optional now."</p>
                <div class="grid-2">
                    <SelectField name="job[shipping][carrier_name]" label="Carrier" error error_key="properties.returnShipping.carrierName"
                        options=std::iter::once((String::new(), "Choose later".to_string())).chain(lifecycle::shipping::KNOWN_CARRIERS.iter().map(|c| (c.to_string(), c.to_string()))).collect()/>
                    <Field name="job[shipping][carrier_account_number]" label="Carrier account number" echo=true error
                        error_key="properties.returnShipping.carrierAccountNumber" check=validate::carrier_account_number/>
                </div>
            </section>

            <section class="card" aria-labelledby="options-heading">
                <h2 id="options-heading">"Options"</h2>
                <div class="grid-2">
                    <Field name="job[diagnostics_path]" label="Diagnostics path (log container)" echo=true error error_key="properties.diagnosticsPath"
                        value=echo("job[diagnostics_path]").unwrap_or_else(|| "waimportexport".into()) check=validate::diagnostics_path/>
                    <SelectField name="job[log_level]" label="Log level" error selected="Error"
                        options=vec![("Error".into(), "Error".into()), ("Verbose".into(), "Verbose".into())]/>
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="field-backup" name="job[backup_drive_manifest]" value="on"/>
                    <label for="field-backup">"Back up drive manifests to the storage account"</label>
                </div>
            </section>

            <div class="form-actions">
                <button type="submit" class="button primary" data-testid="create-job">"Create job"</button>
                <a href="/jobs" class="button secondary">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

#[component]
fn DrivesSection(rows: Signal<usize>, error: FormError) -> impl IntoView {
    let more = move || {
        (rows.get() < validate::MAX_DRIVES)
            .then(|| format!("/jobs/new?type=import&drives={}", rows.get() + 1))
    };
    let fewer = move || {
        (rows.get() > 1).then(|| format!("/jobs/new?type=import&drives={}", rows.get() - 1))
    };
    view! {
        <section class="card" aria-labelledby="drives-heading">
            <h2 id="drives-heading">"Drives"</h2>
            <p class="hint">"1 to 10 drives, as prepared with the WAImportExport tool. Empty rows are ignored."</p>
            <p class="field-error" data-field-error="properties.driveList" role="status">
                {move || error.get().and_then(|e| e.field_message("properties.driveList"))}
            </p>
            <For each=move || 0..rows.get() key=|i| *i let:i>
                <fieldset class="drive-row" data-testid="drive-row">
                    <legend>{format!("Drive {}", i + 1)}</legend>
                    <div class="grid-drive">
                        <Field name=format!("job[drives][{i}][drive_id]") label="Drive ID (serial)" echo=true error
                            error_key=format!("properties.driveList[{i}].driveId") check=validate::drive_id/>
                        <Field name=format!("job[drives][{i}][bit_locker_key]") label="BitLocker key" error kind="password"
                            autocomplete="off" error_key=format!("properties.driveList[{i}].bitLockerKey") check=validate::bitlocker_key
                            hint="48 digits in 8 groups of 6. Never shown again unless you ask."/>
                        <Field name=format!("job[drives][{i}][manifest_file]") label="Manifest file" echo=true error
                            value=DEFAULT_MANIFEST error_key=format!("properties.driveList[{i}].manifestFile") check=validate::manifest_file/>
                        <Field name=format!("job[drives][{i}][manifest_hash]") label="Manifest hash" echo=true error
                            error_key=format!("properties.driveList[{i}].manifestHash") check=validate::manifest_hash/>
                        <Field name=format!("job[drives][{i}][drive_header_hash]") label="Drive header hash (optional)" echo=true error
                            error_key=format!("properties.driveList[{i}].driveHeaderHash") check=validate::drive_header_hash/>
                    </div>
                </fieldset>
            </For>
            <div class="row-actions">
                {move || more().map(|href| view! { <A href=href attr:class="button secondary small" attr:data-testid="add-drive">"Add a drive"</A> })}
                {move || fewer().map(|href| view! { <A href=href attr:class="button secondary small" attr:data-testid="remove-drive">"Remove the last drive"</A> })}
            </div>
        </section>
    }
}

#[component]
fn ExportSection(error: FormError) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"What to export"</h2>
            <p class="hint">"Blob paths and/or prefixes, one per line, each starting with / and the container; or the path of a blob that lists them."</p>
            <p class="field-error" data-field-error="properties.export" role="status">
                {move || error.get().and_then(|e| e.field_message("properties.export"))}
            </p>
            <TextAreaField name="job[blob_paths]" label="Blob paths" error error_prefix="properties.export.blobList.blobPath[" echo=true
                hint="For example /photos/2026/holiday.jpg"/>
            <TextAreaField name="job[blob_path_prefixes]" label="Blob path prefixes" error error_prefix="properties.export.blobList.blobPathPrefix" echo=true
                hint="For example /backups/ exports every blob under it"/>
            <Field name="job[blob_list_blob_path]" label="Blob list blob path (optional)" echo=true error
                error_key="properties.export.blobListBlobPath" check=validate::blob_list_blob_path/>
        </section>
    }
}

/// The nine fields of a return address. `error_prefix` is the API path of the address in error messages.
#[component]
pub fn AddressFields(
    #[prop(into)] prefix: String,
    #[prop(into)] error_prefix: String,
    error: FormError,
    #[prop(optional)] value: Option<crate::app::forms::AddressForm>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let v = value.unwrap_or_default();
    let field = |key: &str| format!("{prefix}[{key}]");
    let err = |key: &str| format!("{error_prefix}.{key}");
    view! {
        <div class="grid-2">
            <Field name=field("recipient_name") label="Recipient name" echo=true error error_key=err("recipientName") value=v.recipient_name.clone() disabled autocomplete="name"/>
            <Field name=field("email") label="Email" kind="email" echo=true error error_key=err("email") value=v.email.clone() disabled check=validate::email autocomplete="email"/>
            <Field name=field("street_address1") label="Street address" echo=true error error_key=err("streetAddress1") value=v.street_address1.clone() disabled autocomplete="address-line1"/>
            <Field name=field("street_address2") label="Street address line 2 (optional)" echo=true error error_key=err("streetAddress2") value=v.street_address2.clone() disabled autocomplete="address-line2"/>
            <Field name=field("city") label="City" echo=true error error_key=err("city") value=v.city.clone() disabled autocomplete="address-level2"/>
            <Field name=field("state_or_province") label="State or province (optional)" echo=true error error_key=err("stateOrProvince") value=v.state_or_province.clone() disabled autocomplete="address-level1"/>
            <Field name=field("postal_code") label="Postal code" echo=true error error_key=err("postalCode") value=v.postal_code.clone() disabled check=validate::postal_code autocomplete="postal-code"/>
            <Field name=field("country_or_region") label="Country or region" echo=true error error_key=err("countryOrRegion") value=v.country_or_region.clone() disabled autocomplete="country-name"/>
            <Field name=field("phone") label="Phone" kind="tel" echo=true error error_key=err("phone") value=v.phone.clone() disabled check=validate::phone autocomplete="tel"/>
        </div>
    }
}
