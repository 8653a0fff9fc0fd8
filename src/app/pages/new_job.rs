//! Creating an import or export job. Fields are checked as they are typed with the lifecycle's validators and
//! again on the server; a refused submit keeps what was typed.

use crate::app::components::form::{Field, FormError, FormMessage, SelectField, TextAreaField};
use crate::app::forms::{FormIntent, JobForm, DEFAULT_MANIFEST_FILE};
use crate::app::resource::resource;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use lifecycle::validate;
use lifecycle::{JobType, Location};
use serde::{Deserialize, Serialize};

/// What the form offers: the data centers (with their addresses and carriers) and the customer's
/// subscriptions; and, when the page answers the form's own plain post (`POST /jobs/new`), what was posted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFormOptions {
    pub locations: Vec<Location>,
    pub subscriptions: Vec<String>,
    /// `(id, display name)` of each subscription, to choose one by its name.
    #[serde(default)]
    pub subscription_names: Vec<(String, String)>,
    #[serde(default)]
    pub draft: Option<NewJobDraft>,
}

/// The form as posted without JavaScript, re-rendered in the response to that post: everything typed (BitLocker
/// keys included, as they go back in the response body only) and, after a refused create, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewJobDraft {
    pub form: JobForm,
    pub error: Option<AppError>,
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
        subscription_names: app.store.subscription_names(identity.account_id).await?,
        // Only the render answering `POST /jobs/new` provides one.
        draft: use_context::<NewJobDraft>(),
    })
}

#[server(endpoint = "create_job")]
pub async fn create_job(job: JobForm) -> Result<i64, AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let app = expect_context::<AppState>();
    let identity = require_user()?;
    let id = create_job_as(&app, &identity, &job).await?;
    leptos_axum::redirect(&format!("/jobs/{id}"));
    Ok(id)
}

/// Creates the job of a new-job form for `identity` (the server function and the form's plain post both come
/// here). A refusal carries what was typed, except BitLocker keys.
#[cfg(feature = "ssr")]
pub async fn create_job_as(
    app: &crate::server::state::AppState,
    identity: &crate::server::auth::Identity,
    job: &JobForm,
) -> Result<i64, AppError> {
    use crate::model::Role;
    use lifecycle::{FieldError, Rejection};
    if identity.role == Role::Staff {
        return Err(AppError::CustomerOnly);
    }
    let echo = |r: Rejection| AppError::form_values(r, job.echo());
    match crate::server::commands::require_verified_email(app, identity).await {
        Ok(()) => {}
        Err(AppError::Rejected(r)) => return Err(echo(r)),
        Err(e) => return Err(e),
    }
    if let Some(too_many) = job.over_limits() {
        return Err(echo(Rejection::invalid(&too_many.field, too_many.message)));
    }
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
    let part_errors = job.storage_part_errors();
    let parts_wrong = !part_errors.is_empty();
    errors.extend(part_errors);
    // The lifecycle's own checks, with drive rows renumbered to the form's rows; a storage account id composed
    // from wrong parts is reported on those parts only.
    let own_checks = lifecycle::validate_new_job(&new)
        .into_iter()
        .filter(|e| !(parts_wrong && e.field == "properties.storageAccountId"));
    errors.extend(own_checks.map(|mut e| {
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
    Ok(stored.id)
}

/// Where the form's secondary buttons post it without JavaScript (see `server::new_job_post`).
pub const NEW_JOB_PATH: &str = "/jobs/new";

/// What the form showed last: the values of a draft (a plain post answered by this page) or of a refused
/// submit's echo, by input name.
#[derive(Clone, Default)]
struct Typed(std::sync::Arc<Vec<(String, String)>>);

impl Typed {
    fn new(draft: Option<&NewJobDraft>, error: Option<AppError>) -> Typed {
        let values = match (draft, error) {
            (Some(d), _) => d.form.draft_values(),
            (None, Some(AppError::Form { values, .. })) => values,
            _ => Vec::new(),
        };
        Typed(std::sync::Arc::new(values))
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_string())
    }
}

#[component]
pub fn NewJobPage() -> impl IntoView {
    let query = use_query_map();
    let asked_type = move || query.read().get("type").and_then(|t| JobType::parse(&t));
    // `?drives=N` opens the form with N rows (within the lifecycle's limit).
    let asked_rows = move || {
        query
            .read_untracked()
            .get("drives")
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n.clamp(1, validate::MAX_DRIVES))
    };
    let options = resource(|| (), |_| new_job_options());
    let create = ServerAction::<CreateJob>::new();
    view! {
        <Title text="New job"/>
        <div class="page-head">
            <h1>"New job"</h1>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(options) => {
                        let draft_error = options.draft.as_ref().and_then(|d| d.error.clone());
                        let error: FormError = Signal::derive(move || {
                            create.value().get().and_then(|r| r.err()).or_else(|| draft_error.clone())
                        });
                        let typed = Typed::new(options.draft.as_ref(), error.get_untracked());
                        // The tabs' query wins; otherwise the type the form had when it was posted.
                        let posted_type = typed.get("job[job_type]").and_then(|t| JobType::parse(&t));
                        let job_type = Signal::derive(move || asked_type().or(posted_type).unwrap_or(JobType::Import));
                        // Whatever the echo or the URL says, within the lifecycle's limit: the count decides how
                        // much this page renders.
                        let rows = typed
                            .get("job[drive_rows]")
                            .and_then(|n| n.parse::<usize>().ok())
                            .or_else(asked_rows)
                            .unwrap_or(1)
                            .clamp(1, validate::MAX_DRIVES);
                        view! {
                            <JobTypeTabs job_type/>
                            <JobFormView options create error typed job_type rows/>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobTypeTabs(job_type: Signal<JobType>) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Job type">
            <a href="/jobs/new?type=import" class=move || if job_type.get() == JobType::Import { "tab active" } else { "tab" } data-testid="type-import"
                aria-current=move || (job_type.get() == JobType::Import).then_some("page")>
                "Import: ship drives with your data"
            </a>
            <a href="/jobs/new?type=export" class=move || if job_type.get() == JobType::Export { "tab active" } else { "tab" } data-testid="type-export"
                aria-current=move || (job_type.get() == JobType::Export).then_some("page")>
                "Export: ship empty drives to fill"
            </a>
        </nav>
    }
}

/// A submit button that, without JavaScript, posts the form back to this page with `intent` (the answer
/// re-renders it with everything typed); with JavaScript `on_click` does the same in the browser instead.
#[component]
fn PostBackButton(
    intent: &'static str,
    #[prop(into)] test_id: String,
    #[prop(optional, into)] hidden: Signal<bool>,
    on_click: impl Fn() + 'static,
    children: Children,
) -> impl IntoView {
    view! {
        <button type="submit" class="button secondary small" formaction=NEW_JOB_PATH formnovalidate=true
            name="intent" value=intent data-testid=test_id hidden=move || hidden.get()
            on:click=move |ev| {
                ev.prevent_default();
                on_click();
            }>
            {children()}
        </button>
    }
}

#[component]
fn JobFormView(
    options: JobFormOptions,
    create: ServerAction<CreateJob>,
    error: FormError,
    typed: Typed,
    job_type: Signal<JobType>,
    rows: usize,
) -> impl IntoView {
    let first = options
        .locations
        .first()
        .map(|l| l.name.clone())
        .unwrap_or_default();
    let chosen = typed
        .get("job[location]")
        .filter(|name| options.locations.iter().any(|l| &l.name == name))
        .unwrap_or(first);
    let (location, set_location) = signal(chosen.clone());
    let locations = options.locations.clone();
    let shown = move || locations.iter().find(|l| l.name == location.get()).cloned();
    let location_options: Vec<(String, String)> = options
        .locations
        .iter()
        .map(|l| (l.name.clone(), format!("{} ({})", l.display_name, l.name)))
        .collect();
    // A subscription by its display name, its GUID as the hint beside it.
    let subscription_options: Vec<(String, String)> = options
        .subscriptions
        .iter()
        .map(|s| {
            let name = options
                .subscription_names
                .iter()
                .find(|(id, _)| id == s)
                .map(|(_, name)| name.as_str())
                .filter(|name| !name.is_empty() && *name != s);
            match name {
                Some(name) => (s.clone(), format!("{name} ({s})")),
                None => (s.clone(), s.clone()),
            }
        })
        .collect();
    let default_sub = options.subscriptions.first().cloned().unwrap_or_default();
    let storage_placeholder =
        format!("/subscriptions/{default_sub}/resourceGroups/default/providers/Microsoft.Storage/storageAccounts/mystorage");
    // With JavaScript the address follows the choice at once, so the button that asks for it is not needed.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let rows = RwSignal::new(rows);
    let draft = options.draft.clone();
    let address = draft
        .as_ref()
        .map(|d| d.form.address.clone())
        .unwrap_or_default();
    let carrier_options: Vec<(String, String)> =
        std::iter::once((String::new(), "Choose later".to_string()))
            .chain(
                lifecycle::shipping::KNOWN_CARRIERS
                    .iter()
                    .map(|c| (c.to_string(), c.to_string())),
            )
            .collect();
    let log_levels: Vec<(String, String)> =
        [lifecycle::LogLevel::Error, lifecycle::LogLevel::Verbose]
            .into_iter()
            .map(|l| (l.as_str().to_string(), l.as_str().to_string()))
            .collect();
    let t = typed.clone();
    view! {
        <FormMessage error/>
        <ActionForm action=create attr:class="job-form" attr:data-testid="new-job-form">
            // Enter in a field presses the form's first submit button: let that be a create, not a row change.
            <button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true" formaction=NEW_JOB_PATH
                name="intent" value=FormIntent::CREATE data-testid="default-submit">"Create job"</button>
            <input type="hidden" name="job[job_type]" value=move || job_type.get().as_str()/>
            <section class="card" aria-labelledby="basics-heading">
                <h2 id="basics-heading">"Basics"</h2>
                <div class="grid-2">
                    <Field name="job[name]" label="Job name" error_key="name" required=true echo=true error
                        value=t.or("job[name]", "")
                        hint="Lowercase letters, digits and hyphens, starting with a letter; 3 to 64 characters."
                        check=validate::job_name/>
                    <SelectField name="job[subscription]" label="Subscription" options=subscription_options.clone() error error_key="subscription" required=true
                        selected=t.or("job[subscription]", &default_sub)/>
                    <Field name="job[resource_group]" label="Resource group" error_key="resource_group" required=true echo=true error
                        value=t.or("job[resource_group]", "default") check=validate::resource_group/>
                </div>
                <fieldset class="plain storage-account" data-testid="storage-account">
                    <legend>"Storage account"</legend>
                    <p class="hint">"Where the data is imported to or exported from: choose its subscription and type its resource group and name, or paste its whole resource id."</p>
                    <div class="grid-2">
                        <SelectField name="job[storage_subscription]" label="Storage subscription" options=subscription_options error error_key="storage_subscription"
                            selected=t.or("job[storage_subscription]", &default_sub)/>
                        <Field name="job[storage_resource_group]" label="Storage resource group" error_key="storage_resource_group" echo=true error
                            value=t.or("job[storage_resource_group]", "") check=validate::resource_group/>
                        <Field name="job[storage_account_name]" label="Storage account name" error_key="storage_account_name" echo=true error
                            value=t.or("job[storage_account_name]", "") check=validate::storage_account_name
                            hint="3 to 24 lowercase letters and digits."/>
                    </div>
                    <Field name="job[storage_account_id]" label="Or the whole storage account resource id" error_key="properties.storageAccountId" echo=true error
                        value=t.or("job[storage_account_id]", "") placeholder=storage_placeholder check=validate::storage_account_id
                        hint="Pasting an id here wins over the fields above."/>
                </fieldset>
                <div class="field">
                    <label for="field-job-location">"Data center"<span class="required" aria-hidden="true">" *"</span></label>
                    <div class="inline-control">
                        <select id="field-job-location" name="job[location]" required=true aria-describedby="field-job-location-error"
                            on:change=move |ev| set_location.set(event_target_value(&ev))>
                            {location_options.into_iter().map(|(v, t)| view! { <option value=v.clone() selected=v == chosen>{t}</option> }).collect_view()}
                        </select>
                        <PostBackButton intent=FormIntent::SHOW_ADDRESS test_id="show-address" hidden=hydrated on_click=|| ()>
                            "Show this data center’s address"
                        </PostBackButton>
                    </div>
                    <p class="field-error" id="field-job-location-error" data-field-error="location" role="status">{move || error.get().and_then(|e| e.field_message("location"))}</p>
                </div>
                {move || shown().map(|l| view! {
                    <div class="notice" data-testid="ship-to" data-location=l.name.clone() aria-live="polite">
                        <p><strong>{format!("Ship your drives to {}", l.display_name)}</strong></p>
                        <address class="address">
                            {l.recipient_name.clone()}", "{l.street_address1.clone()}", "{l.city.clone()}" "{l.state_or_province.clone()}" "{l.postal_code.clone()}", "{l.country_or_region.clone()}
                        </address>
                        <p class="hint" data-testid="carriers">{format!("Carriers accepted here: {}", l.supported_carriers.join(", "))}</p>
                    </div>
                })}
            </section>

            {
                let t = typed.clone();
                move || match job_type.get() {
                    JobType::Import => view! { <DrivesSection rows error typed=t.clone()/> }.into_any(),
                    JobType::Export => view! { <ExportSection error typed=t.clone()/> }.into_any(),
                }
            }

            <section class="card" aria-labelledby="return-heading">
                <h2 id="return-heading">"Return address"</h2>
                <p class="hint">"Where the drives go back. You can add it now or later; it is needed before you mark the package as shipped."</p>
                <AddressFields prefix="job[address]" error_prefix="properties.returnAddress" error value=address/>
            </section>

            <section class="card" aria-labelledby="shipping-heading">
                <h2 id="shipping-heading">"Return shipping"</h2>
                <p class="hint">"Your carrier account that pays for the return. Optional now."</p>
                <div class="grid-2">
                    <SelectField name="job[shipping][carrier_name]" label="Carrier" error error_key="properties.returnShipping.carrierName"
                        options=carrier_options selected=t.or("job[shipping][carrier_name]", "")/>
                    <Field name="job[shipping][carrier_account_number]" label="Carrier account number" echo=true error
                        value=t.or("job[shipping][carrier_account_number]", "")
                        error_key="properties.returnShipping.carrierAccountNumber" check=validate::carrier_account_number/>
                </div>
            </section>

            <section class="card" aria-labelledby="options-heading">
                <h2 id="options-heading">"Options"</h2>
                <div class="grid-2">
                    <Field name="job[diagnostics_path]" label="Diagnostics path (log container)" echo=true error error_key="properties.diagnosticsPath"
                        value=t.or("job[diagnostics_path]", "waimportexport") check=validate::diagnostics_path/>
                    <SelectField name="job[log_level]" label="Log level" error selected=t.or("job[log_level]", lifecycle::LogLevel::default().as_str())
                        options=log_levels/>
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="field-backup" name="job[backup_drive_manifest]" value="on"
                        checked=t.get("job[backup_drive_manifest]").is_some()/>
                    <label for="field-backup">"Back up drive manifests to the storage account"</label>
                </div>
            </section>

            <div class="form-actions">
                // Without JavaScript the form posts to its own page, which keeps BitLocker keys in a refused form.
                <button type="submit" class="button primary" data-testid="create-job" formaction=NEW_JOB_PATH
                    name="intent" value=FormIntent::CREATE>"Create job"</button>
                <a href="/jobs" class="button secondary">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

#[component]
fn DrivesSection(rows: RwSignal<usize>, error: FormError, typed: Typed) -> impl IntoView {
    let at_limit = move || rows.get() >= validate::MAX_DRIVES;
    view! {
        <section class="card" aria-labelledby="drives-heading">
            <h2 id="drives-heading">"Drives"</h2>
            <p class="hint">{format!("1 to {} drives, as prepared with the WAImportExport tool. Empty rows are ignored.", validate::MAX_DRIVES)}</p>
            <p class="field-error" data-field-error="properties.driveList" role="status">
                {move || error.get().and_then(|e| e.field_message("properties.driveList"))}
            </p>
            <For each=move || 0..rows.get().min(validate::MAX_DRIVES) key=|i| *i let:i>
                {
                    let value = |key: &str| typed.get(&format!("job[drives][{i}][{key}]")).unwrap_or_default();
                    view! {
                        <fieldset class="drive-row" data-testid="drive-row">
                            <legend>{format!("Drive {}", i + 1)}</legend>
                            <div class="grid-drive">
                                <Field name=format!("job[drives][{i}][drive_id]") label="Drive ID (serial)" echo=true error
                                    value=value("drive_id") error_key=format!("properties.driveList[{i}].driveId") check=validate::drive_id/>
                                <Field name=format!("job[drives][{i}][bit_locker_key]") label="BitLocker key" error reveal=true
                                    value=value("bit_locker_key") placeholder="000000-000000-000000-000000-000000-000000-000000-000000"
                                    autocomplete="off" error_key=format!("properties.driveList[{i}].bitLockerKey") check=validate::bitlocker_key
                                    hint="Exactly 8 groups of 6 digits separated by hyphens (123456-123456-…, 55 characters). Never shown again unless you ask."/>
                                <Field name=format!("job[drives][{i}][manifest_file]") label="Manifest file" echo=true error
                                    value=typed.get(&format!("job[drives][{i}][manifest_file]")).unwrap_or_else(|| DEFAULT_MANIFEST_FILE.to_string())
                                    error_key=format!("properties.driveList[{i}].manifestFile") check=validate::manifest_file/>
                                <Field name=format!("job[drives][{i}][manifest_hash]") label="Manifest hash" echo=true error
                                    value=value("manifest_hash") error_key=format!("properties.driveList[{i}].manifestHash") check=validate::manifest_hash/>
                                <Field name=format!("job[drives][{i}][drive_header_hash]") label="Drive header hash (optional)" echo=true error
                                    value=value("drive_header_hash") error_key=format!("properties.driveList[{i}].driveHeaderHash") check=validate::drive_header_hash/>
                            </div>
                        </fieldset>
                    }
                }
            </For>
            <div class="row-actions">
                {move || if at_limit() {
                    view! {
                        <button type="button" class="button secondary small" data-testid="add-drive" disabled=true aria-describedby="drive-limit">"Add a drive"</button>
                        <p class="hint" id="drive-limit" data-testid="drive-limit">{validate::drive_limit_reached()}</p>
                    }.into_any()
                } else {
                    view! {
                        <PostBackButton intent=FormIntent::ADD_DRIVE test_id="add-drive" on_click=move || rows.update(|n| *n += 1)>
                            "Add a drive"
                        </PostBackButton>
                    }.into_any()
                }}
                {move || (rows.get() > 1).then(|| view! {
                    <PostBackButton intent=FormIntent::REMOVE_DRIVE test_id="remove-drive" on_click=move || rows.update(|n| *n -= 1)>
                        "Remove the last drive"
                    </PostBackButton>
                })}
            </div>
        </section>
    }
}

#[component]
fn ExportSection(error: FormError, typed: Typed) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"What to export"</h2>
            <p class="hint">"Blob paths and/or prefixes, one per line, each starting with / and the container; or the path of a blob that lists them."</p>
            <p class="field-error" data-field-error="properties.export" role="status">
                {move || error.get().and_then(|e| e.field_message("properties.export"))}
            </p>
            <TextAreaField name="job[blob_paths]" label="Blob paths" error error_prefix="properties.export.blobList.blobPath[" echo=true
                value=typed.or("job[blob_paths]", "")
                hint="For example /photos/2026/holiday.jpg"/>
            <TextAreaField name="job[blob_path_prefixes]" label="Blob path prefixes" error error_prefix="properties.export.blobList.blobPathPrefix" echo=true
                value=typed.or("job[blob_path_prefixes]", "")
                hint="For example /backups/ exports every blob under it"/>
            <Field name="job[blob_list_blob_path]" label="Blob list blob path (optional)" echo=true error
                value=typed.or("job[blob_list_blob_path]", "")
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
