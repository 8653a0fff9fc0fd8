//! *Mark as shipped* as one guided step: one form asks for everything the lifecycle still needs (the delivery
//! package, and the return address and return shipping when the job has none) and lists every missing
//! requirement at once. With JavaScript it opens as a dialog on the job page; without, it is a page of its own
//! (`/jobs/{id}/ship`). One submit saves what was given and marks the package shipped, all or nothing.

use crate::app::components::form::{field_id, Field, FormError, FormMessage, SelectField};
use crate::app::components::post_form::{FormAction, PostForm};
use crate::app::pages::new_job::AddressFields;
use crate::app::pages::not_found::NotFound;
use crate::app::resource::resource;
use crate::error::AppError;
use crate::job_page::ShipFormView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use lifecycle::shipping::KNOWN_CARRIERS;
use lifecycle::validate;

/// Saves what the form carries and marks the package shipped, in one transaction. Every problem comes back at
/// once, with what was typed (kept by the flash mechanism after a plain form post, never in a URL).
#[server(endpoint = "ship_package")]
pub async fn ship_package(
    id: i64,
    // Optional, so that a post without any field is the lifecycle's refusal (after the access checks), not a
    // decoding error.
    ship: Option<crate::app::forms::ShipForm>,
) -> Result<(), AppError> {
    use crate::server::auth::require_user;
    use crate::server::state::AppState;
    let ship = ship.unwrap_or_default();
    let echo = ship.echo();
    let result = async {
        let app = expect_context::<AppState>();
        let identity = require_user()?;
        let stored = crate::server::commands::visible_job(&app, &identity, id).await?;
        if identity.is_staff() {
            return Err(AppError::CustomerOnly);
        }
        let package = ship
            .pkg
            .to_package()
            .map_err(|e| AppError::Rejected(lifecycle::Rejection::invalid(&e.field, e.message)))?;
        let address = ship.address.as_ref().map(|a| a.to_address());
        let shipping = ship.shipping.as_ref().map(|r| r.to_shipping());
        let commands = lifecycle::decide::ship_in_one_step(
            &stored.job,
            &package,
            address.as_ref(),
            shipping.as_ref(),
            app.clock.now(),
        )?;
        let commands: Vec<lifecycle::Command> = commands
            .into_iter()
            .map(lifecycle::Command::Customer)
            .collect();
        crate::server::commands::run(&app, &identity, id, &commands).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            leptos_axum::redirect(&format!("/jobs/{id}"));
            Ok(())
        }
        Err(AppError::Rejected(r)) => Err(AppError::form_values(r, echo)),
        Err(e) => Err(e),
    }
}

/// The form input a missing requirement is fixed in (its API path → the input's id).
pub fn need_target(field: &str) -> String {
    let name = match field {
        "deliveryPackage.carrierName" => "ship[pkg][carrier_name]",
        "deliveryPackage.driveCount" => "ship[pkg][drive_count]",
        "deliveryPackage.shipDate" => "ship[pkg][ship_date]",
        f if f.starts_with("deliveryPackage") => "ship[pkg][tracking_number]",
        f if f.starts_with("returnAddress") => "ship[address][recipient_name]",
        f if f.starts_with("returnShipping") => "ship[shipping][carrier_name]",
        _ => "ship[pkg][tracking_number]",
    };
    field_id(name)
}

fn carrier_options(list: &[String], current: &str) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = Vec::new();
    if current.is_empty() {
        options.push((String::new(), "Choose a carrier".into()));
    }
    options.extend(list.iter().map(|c| (c.clone(), c.clone())));
    options
}

/// The form itself, in the dialog and on the page alike.
#[component]
pub fn ShipForm(
    id: i64,
    view: ShipFormView,
    action: FormAction<ShipPackage>,
    /// The heading's id (the dialog's label).
    #[prop(optional, into)]
    heading_id: Option<String>,
) -> impl IntoView {
    let ShipFormView {
        needs,
        delivery,
        carriers,
        ask_address,
        ask_return_shipping,
        max_drives,
        latest_ship_date,
        ..
    } = view;
    let error: FormError = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let record = use_context::<crate::app::components::drafts::FormDrafts>();
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(d) = record {
            d.record(&ev);
        }
    };
    let carrier = delivery.carrier_name.clone();
    let count_hint = max_drives.map(|n| {
        format!("Between 1 and {n}: a first package may hold only some of the job's drives; the rest can follow in a later shipment.")
    });
    let heading_id = heading_id.unwrap_or_else(|| "ship-form-heading".into());
    view! {
        <h2 id=heading_id>"Mark as shipped"</h2>
        <p class="hint">"Tell the data center what is on its way. Everything below is saved with the package in one step."</p>
        {(!needs.is_empty()).then(|| view! {
            <div class="notice" data-testid="ship-needs">
                <p><strong>{format!("Still needed ({})", needs.len())}</strong></p>
                <ul>
                    {needs.into_iter().map(|n| {
                        let href = format!("#{}", need_target(&n.field));
                        view! { <li data-need=n.field.clone()><a href=href>{n.message}</a></li> }
                    }).collect_view()}
                </ul>
            </div>
        })}
        <FormMessage error/>
        <PostForm action attr:class="stack">
            <input type="hidden" name="id" value=id/>
            <fieldset class="plain" data-drafts="" on:input=on_input on:change=on_input>
                <legend>"Delivery package"</legend>
                <div class="grid-2">
                    <SelectField name="ship[pkg][carrier_name]" label="Carrier" options=carrier_options(&carriers, &carrier)
                        selected=carrier.clone() echo=true error error_key="deliveryPackage.carrierName" required=true/>
                    <Field name="ship[pkg][tracking_number]" label="Tracking number" value=delivery.tracking_number.clone() echo=true required=true
                        error error_key="deliveryPackage.trackingNumber" check=validate::tracking_number/>
                    <Field name="ship[pkg][drive_count]" label="Number of drives" kind="number" value=delivery.drive_count.map(|c| c.to_string()).unwrap_or_default()
                        echo=true error error_key="deliveryPackage.driveCount" hint=count_hint.unwrap_or_else(|| "The drives in this package.".into())/>
                    <Field name="ship[pkg][ship_date]" label="Ship date" kind="date" value=delivery.ship_date.clone().unwrap_or_default()
                        echo=true error error_key="deliveryPackage.shipDate" hint=format!("At most two days ahead: {latest_ship_date} at the latest (UTC).")/>
                </div>
            </fieldset>
            {ask_address.then(|| view! {
                <fieldset class="plain" data-drafts="" on:input=on_input on:change=on_input data-testid="ship-address">
                    <legend>"Return address"</legend>
                    <p class="hint">"Where the data center sends your drives back."</p>
                    <AddressFields prefix="ship[address]" error_prefix="returnAddress" error/>
                </fieldset>
            })}
            {ask_return_shipping.then(|| view! {
                <fieldset class="plain" data-drafts="" on:input=on_input on:change=on_input data-testid="ship-return-shipping">
                    <legend>"Return shipping"</legend>
                    <p class="hint">"The carrier account that pays for sending the drives back."</p>
                    <div class="grid-2">
                        <SelectField name="ship[shipping][carrier_name]" label="Return carrier" required=true echo=true
                            options=carrier_options(&KNOWN_CARRIERS.iter().map(|c| c.to_string()).collect::<Vec<_>>(), "")
                            error error_key="returnShipping.carrierName"/>
                        <Field name="ship[shipping][carrier_account_number]" label="Carrier account number" echo=true required=true
                            error error_key="returnShipping.carrierAccountNumber" check=validate::carrier_account_number/>
                    </div>
                </fieldset>
            })}
            <div><button type="submit" class="button primary" data-testid="ship-submit">"Mark as shipped"</button></div>
        </PostForm>
    }
}

/// Opens the job page's *Mark as shipped* dialog; `false` when there is none (the link then goes to the page).
pub fn open_ship_dialog() -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(dialog) = document()
            .get_element_by_id("ship-dialog")
            .and_then(|e| e.dyn_into::<web_sys::HtmlDialogElement>().ok())
        {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
            return true;
        }
        false
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// `/jobs/{id}/ship`: the guided form as a page of its own (what *Mark as shipped* opens without JavaScript).
#[component]
pub fn ShipPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    let action = FormAction::<ShipPackage>::new();
    let detail = resource(
        move || (id.get(), action.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => super::get_job(id, None).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading job…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(job) => {
                        let back = format!("/jobs/{}", job.id);
                        view! {
                            <Title text=format!("Mark as shipped · {}", job.name)/>
                            <p class="eyebrow"><a href=back.clone()>{format!("← {}", job.name)}</a></p>
                            <section class="card" aria-labelledby="ship-form-heading" data-testid="ship-page">
                                {if job.ship.open.allowed {
                                    view! { <ShipForm id=job.id view=job.ship action/> }.into_any()
                                } else {
                                    view! {
                                        <h2 id="ship-form-heading">"Mark as shipped"</h2>
                                        <p data-testid="ship-closed">{job.ship.open.reason.unwrap_or_default()}</p>
                                        <p><a href=back>"Back to the job"</a></p>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
