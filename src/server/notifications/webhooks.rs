//! Webhooks: CloudEvents 1.0 JSON, signed per the Standard Webhooks specification (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), posted to the
//! customer's HTTPS endpoints.
//!
//! Server-side request forgery: an endpoint may not reach loopback, private, link-local or other non-public
//! addresses. The check runs on the addresses the connection is actually made to (our resolver hands the
//! HTTP client only public addresses, so a name that resolves differently the second time cannot slip
//! through), redirects are not followed, and IP literals are checked before any connection. The
//! `--webhook-allow-private` flag lifts this, and allows plain HTTP, for tests and development.

use super::Failure;
use crate::server::state::AppState;
use crate::server::store::notifications::NewDelivery;
use crate::server::store::{ChangeRecord, Delivery, StoreResult, StoredJob};
use base64::Engine;
use hmac::{Hmac, Mac};
use lifecycle::Timestamp;
use rand::RngCore;
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// One `v1,<signature>` of `body` under `secret` (a `whsec_` secret is base64; the prefix is optional).
pub fn sign_one(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let raw = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .unwrap_or_else(|_| raw.as_bytes().to_vec());
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// The `webhook-signature` header: one signature per secret, space-separated (during a rotation, both).
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign_one(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether an address is one anybody on the internet could reach (not loopback, private, link-local,
/// unique-local, shared, documentation, multicast, unspecified or broadcast).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 192 && o[1] == 0 && o[2] == 2)
                || (o[0] == 198 && o[1] == 51 && o[2] == 100)
                || (o[0] == 203 && o[1] == 0 && o[2] == 113)
                || (o[0] == 198 && (18..20).contains(&o[1]))
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || v6.segments()[..6].iter().all(|s| *s == 0))
        }
    }
}

/// Checks an endpoint's URL when it is registered and before each delivery: HTTPS (HTTP too when private
/// targets are allowed), a host, no credentials, and an IP literal only if it is public.
pub fn check_url(text: &str, allow_private: bool) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err("must be an https:// address".into()),
        other => {
            return Err(format!(
                "'{other}' URLs cannot receive webhooks; use https://"
            ))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    if text.len() > 2000 {
        return Err("is longer than 2000 characters".into());
    }
    let host = url.host_str().ok_or("has no host")?;
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    match literal {
        Ok(ip) if !allow_private && !is_public(ip) => Err(format!("{ip} is not a public address")),
        _ => Ok(url),
    }
}

/// At registration: a host name must resolve, and (unless private targets are allowed) to at least one public
/// address. Deliveries check again on the address they connect to, so a name that changes later is caught
/// then.
pub async fn check_resolves(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    let Some(host) = url.host_str() else {
        return Err("has no host".into());
    };
    if allow_private
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok()
    {
        return Ok(());
    }
    let lookup = tokio::net::lookup_host((host, 443));
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(std::time::Duration::from_secs(5), lookup).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(_)) | Err(_) => return Err(format!("host {host} cannot be resolved")),
        };
    if addresses.iter().any(|a| is_public(a.ip())) {
        Ok(())
    } else {
        let first = addresses
            .first()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        Err(format!(
            "host {host} resolves to {first}, which is not a public address"
        ))
    }
}

/// Resolves names to their public addresses only: the client connects to what this returns.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client for deliveries (one per mode, made once).
fn client(allow_private: bool) -> Result<&'static reqwest::Client, String> {
    static GUARDED: OnceLock<reqwest::Client> = OnceLock::new();
    static OPEN: OnceLock<reqwest::Client> = OnceLock::new();
    let cell = if allow_private { &OPEN } else { &GUARDED };
    if let Some(c) = cell.get() {
        return Ok(c);
    }
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .user_agent("ImportExportPortal-Webhooks/1");
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    let built = builder.build().map_err(|e| e.to_string())?;
    Ok(cell.get_or_init(|| built))
}

/// The job's ARM resource id (the CloudEvent's `source`).
pub fn arm_id(job: &StoredJob) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ImportExport/jobs/{}",
        job.subscription_id, job.resource_group, job.job.name
    )
}

/// The CloudEvents 1.0 document of one event of a change.
pub fn cloud_event(
    id: &str,
    event_type: &str,
    job: &StoredJob,
    record: &ChangeRecord,
) -> serde_json::Value {
    serde_json::json!({
        "specversion": "1.0",
        "id": id,
        "source": arm_id(job),
        "type": format!("Microsoft.ImportExport.{event_type}"),
        "subject": job.job.name,
        "time": record.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "datacontenttype": "application/json",
        "data": {
            "jobName": job.job.name,
            "jobVersion": record.job_version,
            "state": record.state.map(|s| s.as_str()),
            "previousState": record.state_before.map(|s| s.as_str()),
            "events": record.event_kinds,
            "drives": job.job.drives.iter().map(|d| serde_json::json!({
                "driveId": d.drive_id,
                "state": d.state.as_str(),
            })).collect::<Vec<_>>(),
        },
    })
}

/// Posts `delivery` to its endpoint; the response's status code when it is 2xx.
pub async fn send(app: &AppState, delivery: &Delivery, _now: Timestamp) -> Result<i64, Failure> {
    let permanent = |e: String| Failure {
        code: None,
        error: e,
        permanent: true,
    };
    let Some(webhook_id) = delivery.webhook_id else {
        return Err(permanent("no endpoint".into()));
    };
    let endpoint = app
        .store
        .webhook(webhook_id)
        .await
        .map_err(|e| Failure::retry(e.to_string()))?
        .ok_or_else(|| permanent("the endpoint was deleted".into()))?;
    if endpoint.disabled_at.is_some() && delivery.topic != "test" {
        return Err(permanent("the endpoint is disabled".into()));
    }
    let allow_private = app.config.notifications.webhook_allow_private;
    let url = check_url(&endpoint.url, allow_private).map_err(permanent)?;
    // The receiver checks the timestamp against its own clock: the real time, whatever the portal's clock.
    let timestamp = chrono::Utc::now().timestamp();
    let body = delivery.payload.clone().into_bytes();
    let signature = signature_header(
        &endpoint.signing_secrets(app.clock.now()),
        &delivery.message_id,
        timestamp,
        &body,
    );
    let response = client(allow_private)
        .map_err(Failure::retry)?
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .header("webhook-id", &delivery.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| Failure::retry(error_chain(&e)))?;
    let code = i64::from(response.status().as_u16());
    if response.status().is_success() {
        Ok(code)
    } else {
        Err(Failure {
            code: Some(code),
            error: format!("the endpoint answered {}", response.status()),
            permanent: false,
        })
    }
}

/// An error with its causes (reqwest's own message hides the resolver's refusal).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// After a day of failures, or a failure that retrying cannot mend (an address that is not allowed): the
/// endpoint stops receiving, and its owner is told by email, with the last error.
pub async fn disable_failing(
    app: &AppState,
    webhook_id: i64,
    at: Timestamp,
    last_error: &str,
) -> StoreResult<()> {
    let Some(endpoint) = app.store.webhook(webhook_id).await? else {
        return Ok(());
    };
    if endpoint.disabled_at.is_some() {
        return Ok(());
    }
    app.store.set_webhook_disabled(webhook_id, Some(at)).await?;
    let Some(account) = app.store.account(endpoint.account_id).await? else {
        return Ok(());
    };
    let base = super::public_url(app);
    let written = super::email::Written {
        subject: "Import/Export portal: a webhook endpoint was disabled".into(),
        text: format!(
            "Deliveries to your webhook endpoint {} kept failing (the last error: {}), so it no longer receives \
             events. A delivery is retried for 24 hours unless retrying cannot help.\n\n\
             Fix the endpoint, then re-enable it on your account page: {base}/account#webhooks\n",
            endpoint.url,
            last_error.chars().take(300).collect::<String>()
        ),
    };
    app.store
        .queue_delivery(
            NewDelivery {
                message_id: format!("webhook-disabled-{webhook_id}-{}", at.timestamp_millis()),
                channel: "email",
                account_id: Some(account.id),
                webhook_id: None,
                recipient: &account.email,
                job_id: None,
                topic: "disabled",
                payload: serde_json::to_string(&written)?,
                due: at,
                open_until: None,
            },
            at,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        assert_eq!(
            sign_one(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        // During a rotation both secrets sign, space-separated.
        let both = signature_header(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &new_secret()],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn new_secrets_are_whsec_and_random() {
        let a = new_secret();
        assert!(a.starts_with("whsec_"));
        assert_ne!(a, new_secret());
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&a["whsec_".len()..])
            .unwrap();
        assert_eq!(raw.len(), 32);
    }

    #[test]
    fn private_and_special_targets_are_refused() {
        for url in [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[fe80::1]/hook",
            "https://[fd00::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://0.0.0.0/",
            "https://100.64.0.1/",
        ] {
            assert!(check_url(url, false).is_err(), "{url} was accepted");
        }
        assert!(check_url("http://example.com/hook", false).is_err());
        assert!(check_url("ftp://example.com/hook", false).is_err());
        assert!(check_url("https://user:pw@example.com/hook", false).is_err());
        assert!(check_url("https://example.com/hook", false).is_ok());
        assert!(check_url("https://93.184.216.34/hook", false).is_ok());
        assert!(check_url("https://[2606:4700::1111]/hook", false).is_ok());
        // Under --webhook-allow-private: loopback and plain HTTP (tests, development).
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
    }

    #[test]
    fn a_name_resolving_to_loopback_is_refused_at_connection_time() {
        super::super::super::router_tests::on_shared_runtime(async {
            use reqwest::dns::Resolve;
            let name: reqwest::dns::Name = "localhost".parse().unwrap();
            let refused = PublicOnly.resolve(name).await;
            assert!(refused.is_err());
            // And through the client: the request never connects.
            let client = client(false).unwrap();
            let e = client
                .post("https://localhost:9/hook")
                .send()
                .await
                .unwrap_err();
            assert!(
                error_chain(&e).contains("no public address"),
                "{}",
                error_chain(&e)
            );
        });
    }

    #[test]
    fn a_name_resolving_to_loopback_is_refused_at_registration() {
        super::super::super::router_tests::on_shared_runtime(async {
            let url = check_url("https://localhost:8443/hook", false).unwrap();
            let refused = check_resolves(&url, false).await.unwrap_err();
            assert!(refused.contains("not a public address"), "{refused}");
            // Allowed for tests and development.
            assert!(check_resolves(&url, true).await.is_ok());
            let nowhere = check_url("https://no-such-host.invalid/hook", false).unwrap();
            assert!(check_resolves(&nowhere, false)
                .await
                .unwrap_err()
                .contains("cannot be resolved"));
        });
    }
}
