//! What travels with a job: addresses, packages, data-center locations, drive and export specifications.

use serde::{Deserialize, Serialize};

/// Where the drives go back to. Required fields per reference §3.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnAddress {
    pub recipient_name: String,
    pub street_address1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address2: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    pub postal_code: String,
    pub country_or_region: String,
    pub phone: String,
    pub email: String,
}

/// The customer's carrier account that pays for the return shipment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnShipping {
    pub carrier_name: String,
    pub carrier_account_number: String,
}

/// The package the customer sends to the data center.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPackage {
    pub carrier_name: String,
    pub tracking_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_count: Option<u32>,
    /// ISO 8601 date (`YYYY-MM-DD`) or date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_date: Option<String>,
}

/// The package the data center sends back: every field is always set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnPackage {
    pub carrier_name: String,
    pub tracking_number: String,
    pub drive_count: u32,
    pub ship_date: String,
}

/// A data center that receives packages. The job keeps a copy of its location as it was at creation, so the
/// shipping address and accepted carriers shown for an old job never change under it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Short name, e.g. `westus`.
    pub name: String,
    pub display_name: String,
    pub recipient_name: String,
    pub street_address1: String,
    #[serde(default)]
    pub street_address2: String,
    pub city: String,
    pub state_or_province: String,
    pub postal_code: String,
    pub country_or_region: String,
    pub phone: String,
    #[serde(default)]
    pub additional_shipping_information: String,
    pub supported_carriers: Vec<String>,
    #[serde(default)]
    pub alternate_locations: Vec<String>,
}

impl Location {
    /// Canonical spelling of `carrier` if this location accepts it.
    pub fn accepts_carrier(&self, carrier: &str) -> Option<&str> {
        self.supported_carriers
            .iter()
            .find(|c| c.eq_ignore_ascii_case(carrier.trim()))
            .map(String::as_str)
    }
}

/// The name a location is stored and listed under, from what a client sent: ARM accepts a region's display
/// name as well as its name, in any case and with spaces (`"West US"`, `"westus"`, `" WestUS "` are all
/// `westus`).
pub fn location_name(sent: &str) -> String {
    sent.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A drive as the customer lists it on an import job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriveSpec {
    pub drive_id: String,
    pub bit_locker_key: String,
    pub manifest_file: String,
    pub manifest_hash: String,
    #[serde(default)]
    pub drive_header_hash: String,
}

/// What an export job copies out of the storage account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSpec {
    #[serde(default)]
    pub blob_paths: Vec<String>,
    #[serde(default)]
    pub blob_path_prefixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_list_blob_path: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KekType {
    #[default]
    MicrosoftManaged,
    CustomerManaged,
}

impl KekType {
    pub fn as_str(self) -> &'static str {
        match self {
            KekType::MicrosoftManaged => "MicrosoftManaged",
            KekType::CustomerManaged => "CustomerManaged",
        }
    }

    /// For people: who holds the key that encrypts the BitLocker keys.
    pub fn label(self) -> &'static str {
        match self {
            KekType::MicrosoftManaged => "Microsoft-managed key",
            KekType::CustomerManaged => "Customer-managed key",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionKey {
    pub kek_type: KekType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kek_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kek_vault_resource_id: Option<String>,
}

impl EncryptionKey {
    /// The key vault key's URL, which matters only for a customer-managed key.
    pub fn customer_key_url(&self) -> Option<&str> {
        match self.kek_type {
            KekType::CustomerManaged => self.kek_url.as_deref().filter(|u| !u.trim().is_empty()),
            KekType::MicrosoftManaged => None,
        }
    }
}

/// Carriers the portal knows how to name and track. A location accepts a subset.
pub const KNOWN_CARRIERS: [&str; 4] = ["FedEx", "UPS", "DHL", "USPS"];

/// Canonical spelling of a known carrier.
pub fn known_carrier(name: &str) -> Option<&'static str> {
    KNOWN_CARRIERS
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(name.trim()))
}

/// The public tracking page of a shipment, for the carriers the portal knows.
pub fn tracking_url(carrier: &str, tracking_number: &str) -> Option<String> {
    let number: String = tracking_number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if number.is_empty() {
        return None;
    }
    let url = match known_carrier(carrier)? {
        "FedEx" => format!("https://www.fedex.com/fedextrack/?trknbr={number}"),
        "UPS" => format!("https://www.ups.com/track?tracknum={number}"),
        "DHL" => format!("https://www.dhl.com/en/express/tracking.html?AWB={number}"),
        "USPS" => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
        _ => return None,
    };
    Some(url)
}

/// The four data centers every installation starts with (reference: arm-api.md, "Locations to seed").
pub fn default_locations() -> Vec<Location> {
    fn loc(
        name: &str,
        display: &str,
        street: &str,
        city: &str,
        region: &str,
        postal: &str,
        country: &str,
        phone: &str,
        carriers: &[&str],
        alternates: &[&str],
    ) -> Location {
        Location {
            name: name.into(),
            display_name: display.into(),
            recipient_name: "Azure Import/Export Service".into(),
            street_address1: street.into(),
            street_address2: String::new(),
            city: city.into(),
            state_or_province: region.into(),
            postal_code: postal.into(),
            country_or_region: country.into(),
            phone: phone.into(),
            additional_shipping_information: "Write the job name on the package label.".into(),
            supported_carriers: carriers.iter().map(|c| c.to_string()).collect(),
            alternate_locations: alternates.iter().map(|c| c.to_string()).collect(),
        }
    }
    vec![
        loc(
            "westus",
            "West US",
            "3020 Coronado Drive",
            "Santa Clara",
            "CA",
            "95054",
            "USA",
            "+1 408 352 7600",
            &["FedEx"],
            &["westus2"],
        ),
        loc(
            "eastus",
            "East US",
            "21625 Gresham Drive",
            "Ashburn",
            "VA",
            "20147",
            "USA",
            "+1 703 724 4800",
            &["FedEx", "UPS"],
            &["eastus2"],
        ),
        loc(
            "northeurope",
            "North Europe",
            "Unit 11, Grange Castle Business Park",
            "Dublin",
            "Dublin",
            "D22 N2P6",
            "Ireland",
            "+353 1 706 4400",
            &["FedEx", "DHL"],
            &["westeurope"],
        ),
        loc(
            "australiaeast",
            "Australia East",
            "4 Eden Park Drive",
            "Macquarie Park",
            "NSW",
            "2113",
            "Australia",
            "+61 2 9870 2200",
            &["DHL"],
            &["australiasoutheast"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_urls_exist_for_the_four_known_carriers_only() {
        for carrier in KNOWN_CARRIERS {
            let url = tracking_url(carrier, "1Z 999-AA1").unwrap();
            assert!(url.starts_with("https://"), "{url}");
            assert!(url.ends_with("1Z999AA1"), "{url}");
        }
        assert_eq!(
            tracking_url("fedex", "123").as_deref(),
            Some("https://www.fedex.com/fedextrack/?trknbr=123")
        );
        assert_eq!(tracking_url("Blue Dart", "123"), None);
        assert_eq!(tracking_url("UPS", " - "), None);
    }

    #[test]
    fn seeded_locations_accept_the_documented_carriers() {
        let locations = default_locations();
        let carriers = |name: &str| {
            locations
                .iter()
                .find(|l| l.name == name)
                .unwrap()
                .supported_carriers
                .clone()
        };
        assert_eq!(carriers("westus"), vec!["FedEx"]);
        assert_eq!(carriers("eastus"), vec!["FedEx", "UPS"]);
        assert_eq!(carriers("northeurope"), vec!["FedEx", "DHL"]);
        assert_eq!(carriers("australiaeast"), vec!["DHL"]);
        let eastus = locations.iter().find(|l| l.name == "eastus").unwrap();
        assert_eq!(eastus.accepts_carrier("ups"), Some("UPS"));
        assert_eq!(eastus.accepts_carrier("DHL"), None);
    }
}
