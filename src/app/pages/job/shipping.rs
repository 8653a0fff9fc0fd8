//! Where the package goes and where the drives come back: the data center's address and the three forms the
//! customer fills in (delivery package, return address, return shipping), each open only while the lifecycle
//! allows it and saying why when it is locked.

use super::JobActions;
use crate::app::components::drafts::FormDrafts;
use crate::app::components::form::{Field, FormError, FormMessage, SelectField};
use crate::app::components::post_form::PostForm;
use crate::app::forms::{AddressForm, DeliveryForm, ReturnShippingForm};
use crate::app::pages::new_job::AddressFields;
use crate::error::AppError;
use crate::job_page::{ShippingView, TrackingView};
use leptos::prelude::*;
use lifecycle::shipping::KNOWN_CARRIERS;
use lifecycle::validate;

/// A refused update: the lifecycle's rejection with what was typed.
#[cfg(feature = "ssr")]
fn with_echo(result: Result<(), AppError>, values: Vec<(String, String)>) -> Result<(), AppError> {
    result.map_err(|e| match e {
        AppError::Rejected(rejection) => AppError::Form { rejection, values },
        other => other,
    })
}

#[server(endpoint = "update_delivery_package")]
pub async fn update_delivery_package(id: i64, pkg: DeliveryForm) -> Result<(), AppError> {
    let echo = pkg.echo();
    let result = super::actions::customer_command_with(id, || {
        let package = pkg
            .to_package()
            .map_err(|e| AppError::Rejected(lifecycle::Rejection::invalid(&e.field, e.message)))?;
        Ok(lifecycle::CustomerCommand::SetDeliveryPackage(package))
    })
    .await;
    with_echo(result, echo)
}

#[server(endpoint = "update_return_address")]
pub async fn update_return_address(id: i64, address: AddressForm) -> Result<(), AppError> {
    let values = address.echo("address");
    with_echo(
        super::actions::customer_command(
            id,
            lifecycle::CustomerCommand::SetReturnAddress(address.to_address()),
        )
        .await,
        values,
    )
}

#[server(endpoint = "update_return_shipping")]
pub async fn update_return_shipping(id: i64, shipping: ReturnShippingForm) -> Result<(), AppError> {
    let values = shipping.echo("shipping");
    with_echo(
        super::actions::customer_command(
            id,
            lifecycle::CustomerCommand::SetReturnShipping(shipping.to_shipping()),
        )
        .await,
        values,
    )
}

fn carriers(list: &[String], current: &str) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = Vec::new();
    if current.is_empty() {
        options.push((String::new(), "Choose a carrier".into()));
    }
    options.extend(list.iter().map(|c| (c.clone(), c.clone())));
    options
}

/// A tracking number, linked to the carrier's tracking page when the portal knows the carrier.
#[component]
pub fn Tracking(tracking: TrackingView) -> impl IntoView {
    let TrackingView {
        carrier,
        number,
        url,
    } = tracking;
    match url {
        Some(url) => view! {
            <a href=url target="_blank" rel="noopener noreferrer" data-testid="tracking-link">{format!("{carrier} {number}")}</a>
        }
        .into_any(),
        None => view! { <span>{format!("{carrier} {number}")}</span> }.into_any(),
    }
}

/// The return package, with its carrier's tracking link: the first card once the drives are shipped back.
#[component]
pub fn ReturnPackageCard(package: crate::job_page::ReturnPackageView) -> impl IntoView {
    view! {
        <section class="card card-lead" aria-labelledby="return-package-heading" data-testid="return-package">
            <h2 id="return-package-heading">"Your drives are on their way back"</h2>
            <p>
                <Tracking tracking=package.tracking/>
                {format!(" · {} drive(s) · shipped {}", package.drive_count, package.ship_date)}
            </p>
        </section>
    }
}

#[component]
pub fn ShippingCard(
    id: i64,
    view: ShippingView,
    actions: JobActions,
    drafts: FormDrafts,
) -> impl IntoView {
    let ShippingView {
        ship_to,
        shipping_information,
        carriers: accepted,
        return_package: _,
        delivery_current,
        delivery: pkg,
        delivery_lock,
        address,
        address_lock,
        return_shipping: ret,
        return_shipping_lock: shipping_lock,
    } = view;
    let delivery_error: FormError =
        Signal::derive(move || actions.delivery.value().get().and_then(|r| r.err()));
    let address_error: FormError =
        Signal::derive(move || actions.address.value().get().and_then(|r| r.err()));
    let shipping_error: FormError =
        Signal::derive(move || actions.shipping.value().get().and_then(|r| r.err()));
    // Typed text survives live redraws: every control of the three forms records its drafts.
    let record = move |ev: leptos::ev::Event| drafts.record(&ev);
    let delivery_carrier = drafts.or("pkg[carrier_name]", pkg.carrier_name.clone());
    let return_carrier = drafts.or("shipping[carrier_name]", ret.carrier_name.clone());
    let saved = |ok: bool| ok.then(|| view! { <p class="success" role="status">"Saved."</p> });
    view! {
        <section class="card" aria-labelledby="ship-to-heading">
            <h2 id="ship-to-heading">"Ship your drives to"</h2>
            <address class="address" data-testid="ship-to">
                {ship_to.into_iter().enumerate().map(|(i, line)| view! { {(i > 0).then(|| view! { <br/> })}{line} }).collect_view()}
            </address>
            <p class="hint">{shipping_information}</p>
            <p class="hint" data-testid="carriers">{format!("Carriers accepted: {}", accepted.join(", "))}</p>
        </section>

        <section class="card" aria-labelledby="delivery-heading" data-testid="delivery-card">
            <h2 id="delivery-heading">"Delivery package"</h2>
            <p class="hint">"The package you send to the data center. Give a tracking number of its own for every job (suffix -1, -2 when one shipment carries several jobs)."</p>
            {delivery_current.map(|tracking| view! {
                <p data-testid="delivery-current">"Current: " <Tracking tracking/></p>
            })}
            {delivery_lock.reason.map(|r| view! { <p class="locked" data-testid="delivery-locked">{format!("Locked: {r}.")}</p> })}
            <FormMessage error=delivery_error/>
            {move || saved(matches!(actions.delivery.value().get(), Some(Ok(()))))}
            <PostForm action=actions.delivery attr:class="stack">
                <input type="hidden" name="id" value=id/>
                <fieldset disabled=!delivery_lock.allowed class="plain" data-drafts="" on:input=record on:change=record>
                    <legend class="visually-hidden">"Delivery package"</legend>
                    <div class="grid-2">
                        <SelectField name="pkg[carrier_name]" label="Carrier" options=carriers(&accepted, &delivery_carrier)
                            selected=delivery_carrier.clone() echo=true error=delivery_error error_key="deliveryPackage.carrierName" required=true/>
                        <Field name="pkg[tracking_number]" label="Tracking number" value=pkg.tracking_number.clone() echo=true required=true
                            error=delivery_error error_key="deliveryPackage.trackingNumber" check=validate::tracking_number/>
                        <Field name="pkg[drive_count]" label="Number of drives" kind="number" value=pkg.drive_count.map(|c| c.to_string()).unwrap_or_default()
                            echo=true error=delivery_error error_key="deliveryPackage.driveCount"/>
                        <Field name="pkg[ship_date]" label="Ship date" kind="date" value=pkg.ship_date.clone().unwrap_or_default()
                            echo=true error=delivery_error error_key="deliveryPackage.shipDate"/>
                    </div>
                    <div><button type="submit" class="button primary" data-testid="save-delivery">"Save delivery package"</button></div>
                </fieldset>
            </PostForm>
        </section>

        <section class="card" aria-labelledby="address-heading" data-testid="address-card">
            <h2 id="address-heading">"Return address"</h2>
            {address_lock.reason.map(|r| view! { <p class="locked" data-testid="address-locked">{format!("Locked: {r}.")}</p> })}
            <FormMessage error=address_error/>
            {move || saved(matches!(actions.address.value().get(), Some(Ok(()))))}
            <PostForm action=actions.address attr:class="stack">
                <input type="hidden" name="id" value=id/>
                <fieldset disabled=!address_lock.allowed class="plain" data-drafts="" on:input=record on:change=record>
                    <legend class="visually-hidden">"Return address"</legend>
                    <AddressFields prefix="address" error_prefix="returnAddress" error=address_error value=address/>
                    <div><button type="submit" class="button primary" data-testid="save-address">"Save return address"</button></div>
                </fieldset>
            </PostForm>
        </section>

        <section class="card" aria-labelledby="return-shipping-heading" data-testid="return-shipping-card">
            <h2 id="return-shipping-heading">"Return shipping"</h2>
            <p class="hint">"The carrier account that pays for sending the drives back."</p>
            {shipping_lock.reason.map(|r| view! { <p class="locked">{format!("Locked: {r}.")}</p> })}
            <FormMessage error=shipping_error/>
            {move || saved(matches!(actions.shipping.value().get(), Some(Ok(()))))}
            <PostForm action=actions.shipping attr:class="stack">
                <input type="hidden" name="id" value=id/>
                <fieldset disabled=!shipping_lock.allowed class="plain" data-drafts="" on:input=record on:change=record>
                    <legend class="visually-hidden">"Return shipping"</legend>
                    <div class="grid-2">
                        <SelectField name="shipping[carrier_name]" label="Carrier" required=true selected=return_carrier.clone() echo=true
                            options=carriers(&KNOWN_CARRIERS.iter().map(|c| c.to_string()).collect::<Vec<_>>(), &return_carrier)
                            error=shipping_error error_key="returnShipping.carrierName"/>
                        <Field name="shipping[carrier_account_number]" label="Carrier account number" value=ret.carrier_account_number.clone()
                            echo=true required=true error=shipping_error error_key="returnShipping.carrierAccountNumber" check=validate::carrier_account_number/>
                    </div>
                    <div><button type="submit" class="button primary" data-testid="save-return-shipping">"Save return shipping"</button></div>
                </fieldset>
            </PostForm>
        </section>
    }
}
