//! Builds the customer job page's data (`job_page::JobPageView`) from a stored job: each rule is asked of the
//! lifecycle crate here, once per read, and the browser only draws the answers.

use crate::app::components::status::human_bytes;
use crate::app::components::time::Moment;
use crate::app::forms::AddressForm;
use crate::job_page::{
    ActionsView, DriveRow, DrivesView, ExtraDriveRow, JobPageView, NeedView, NextStepView,
    NoticeView, Permission, PropertiesView, ReturnPackageView, ShipFormView, ShippingView,
    TrackingView,
};
use crate::model::StateStep;
use crate::server::diagram::{drive_diagram, job_diagram};
use lifecycle::attention::{customer_notices, NoticeLevel};
use lifecycle::decide::cancellation_effect;
use lifecycle::graph::Trigger;
use lifecycle::history::DriveStep;
use lifecycle::shipping::tracking_url;
use lifecycle::wording::Reader;
use lifecycle::{customer_action, CustomerAction, Job, Settings, Timestamp};

/// What the page is built from: the stored job (keys may still be in it: none leaves here) and its paths.
pub struct JobPageSource<'a> {
    pub id: i64,
    pub subscription_id: &'a str,
    pub resource_group: &'a str,
    pub job: &'a Job,
    pub history: &'a [StateStep],
    pub drive_history: &'a [DriveStep],
    /// The drive the drive diagram shows on its own (`?drive=`).
    pub chosen_drive: Option<&'a str>,
    pub settings: &'a Settings,
    pub now: Timestamp,
}

fn permission(job: &Job, action: CustomerAction, settings: &Settings) -> Permission {
    let availability = customer_action(job, action, settings);
    Permission {
        allowed: availability.allowed,
        reason: availability.reason,
    }
}

/// Who makes a step happen, in the customer's words.
fn who(trigger: Trigger) -> &'static str {
    lifecycle::wording::by(trigger, Reader::Customer)
}

fn tracking(carrier: &str, number: &str) -> TrackingView {
    TrackingView {
        carrier: carrier.to_string(),
        number: number.to_string(),
        url: tracking_url(carrier, number),
    }
}

fn notices(job: &Job, settings: &Settings, now: Timestamp) -> Vec<NoticeView> {
    customer_notices(job, now, settings)
        .into_iter()
        .map(|n| NoticeView {
            key: n.key.to_string(),
            level: n.level.as_str().to_string(),
            urgent: n.level == NoticeLevel::Problem,
            title: n.title,
            message: n.message,
            at: n.at.map(|at| Moment::new(at, now)),
        })
        .collect()
}

fn next_steps(job: &Job, settings: &Settings) -> Vec<NextStepView> {
    lifecycle::next_steps(job, settings)
        .into_iter()
        .map(|s| NextStepView {
            to: s.to,
            label: s.label,
            trigger: s.trigger.as_str().to_string(),
            by: who(s.trigger).to_string(),
            // The customer's own steps say why they are not possible yet; the others' conditions are the data
            // center's business.
            not_yet: (s.trigger == Trigger::Customer)
                .then_some(s.reason)
                .flatten(),
        })
        .collect()
}

fn actions(job: &Job, settings: &Settings) -> ActionsView {
    let rule = |action: CustomerAction| action.explanation(settings).unwrap_or_default();
    ActionsView {
        mark_shipped: permission(job, CustomerAction::MarkShipping, settings),
        cancel: permission(job, CustomerAction::Cancel, settings),
        delete: permission(job, CustomerAction::Delete, settings),
        cancel_effect: cancellation_effect(job).to_string(),
        cancel_rule: rule(CustomerAction::Cancel),
        delete_rule: rule(CustomerAction::Delete),
        report_problem: permission(job, CustomerAction::ReportReturnProblem, settings),
        return_problem: job.return_problem.as_ref().map(|p| p.description.clone()),
    }
}

fn ship_form(job: &Job, now: Timestamp) -> ShipFormView {
    use lifecycle::decide::{can_start_shipping, mark_shipping_needs};
    let open = can_start_shipping(job);
    ShipFormView {
        open: Permission {
            allowed: open.is_ok(),
            reason: open.err().map(|r| r.message),
        },
        needs: mark_shipping_needs(job)
            .into_iter()
            .map(|n| NeedView {
                field: n.field,
                message: n.message,
            })
            .collect(),
        delivery: job.delivery_package.clone().unwrap_or_default(),
        carriers: job.location.supported_carriers.clone(),
        ask_address: job.return_address.is_none(),
        ask_return_shipping: job.return_shipping.is_none(),
        max_drives: (job.job_type == lifecycle::JobType::Import).then_some(job.drives.len() as u32),
        latest_ship_date: (now.date_naive()
            + chrono::TimeDelta::days(lifecycle::validate::SHIP_DATE_MAX_DAYS_AHEAD))
        .to_string(),
    }
}

fn drives(source: &JobPageSource<'_>) -> DrivesView {
    let job = source.job;
    let chosen = source.chosen_drive.and_then(|id| job.drive(id));
    DrivesView {
        rows: job
            .drives
            .iter()
            .map(|d| DriveRow {
                drive_id: d.drive_id.clone(),
                state: d.state,
                fault_reason: d.fault_reason.clone(),
                copy_status: d.copy_status.clone(),
                percent_complete: d.percent_complete,
                copied: human_bytes(d.bytes_succeeded),
                logs: d.logs.clone(),
            })
            .collect(),
        extra: job
            .extra_drives
            .iter()
            .map(|e| ExtraDriveRow {
                serial: e.serial.clone(),
                returned: e.returned,
            })
            .collect(),
        diagram: (!job.drives.is_empty())
            .then(|| drive_diagram(job, chosen, source.drive_history, Reader::Customer)),
        chosen: chosen.map(|d| d.drive_id.clone()),
        offers_keys: job.offers_bitlocker_keys(),
    }
}

fn shipping(job: &Job, settings: &Settings) -> ShippingView {
    let l = &job.location;
    let mut ship_to = vec![l.recipient_name.clone(), l.street_address1.clone()];
    if !l.street_address2.is_empty() {
        ship_to.push(l.street_address2.clone());
    }
    ship_to.push(format!(
        "{} {} {}",
        l.city, l.state_or_province, l.postal_code
    ));
    ship_to.push(l.country_or_region.clone());
    ship_to.push(l.phone.clone());
    ShippingView {
        ship_to,
        shipping_information: l.additional_shipping_information.clone(),
        carriers: l.supported_carriers.clone(),
        return_package: job.return_package.as_ref().map(|p| ReturnPackageView {
            tracking: tracking(&p.carrier_name, &p.tracking_number),
            drive_count: p.drive_count,
            ship_date: p.ship_date.clone(),
        }),
        delivery_current: job
            .delivery_package
            .as_ref()
            .map(|p| tracking(&p.carrier_name, &p.tracking_number)),
        delivery: job.delivery_package.clone().unwrap_or_default(),
        delivery_lock: permission(job, CustomerAction::EditDeliveryPackage, settings),
        address: job
            .return_address
            .as_ref()
            .map(AddressForm::from_address)
            .unwrap_or_default(),
        address_lock: permission(job, CustomerAction::EditReturnAddress, settings),
        return_shipping: job.return_shipping.clone().unwrap_or_default(),
        return_shipping_lock: permission(job, CustomerAction::EditReturnShipping, settings),
    }
}

fn properties(job: &Job, now: Timestamp) -> PropertiesView {
    PropertiesView {
        job_type: job.job_type.as_str().to_string(),
        location: format!("{} ({})", job.location.display_name, job.location.name),
        storage_account_id: job.storage_account_id.clone(),
        created: Moment::new(job.created_at, now),
        updated: Moment::new(job.updated_at, now),
        log_level: job.log_level.as_str().to_string(),
        diagnostics_path: job.diagnostics_path.clone(),
        backup_drive_manifest: job.backup_drive_manifest,
        encryption: job.encryption_key.kek_type.label().to_string(),
        customer_key_url: job.encryption_key.customer_key_url().map(str::to_string),
        tags: job
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        fault_reason: job.fault_reason.clone(),
        export: job.export.as_ref().map(|e| {
            let mut text = e
                .blob_paths
                .iter()
                .chain(e.blob_path_prefixes.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(list) = &e.blob_list_blob_path {
                text.push_str(&format!(" (blob list: {list})"));
            }
            text
        }),
    }
}

/// The page's data for one read of the job.
pub fn job_page(source: &JobPageSource<'_>) -> JobPageView {
    let job = source.job;
    JobPageView {
        id: source.id,
        version: job.version,
        subscription_id: source.subscription_id.to_string(),
        resource_group: source.resource_group.to_string(),
        name: job.name.clone(),
        state: job.state,
        cancel_requested: job.cancel_requested,
        percent_complete: job.percent_complete(),
        notices: notices(job, source.settings, source.now),
        diagram: job_diagram(job, source.history, Reader::Customer),
        next_steps: next_steps(job, source.settings),
        actions: actions(job, source.settings),
        ship: ship_form(job, source.now),
        drives: drives(source),
        shipping: shipping(job, source.settings),
        properties: properties(job, source.now),
    }
}
