//! The client's address, for sign-in limits and the audit log: the connection's peer, unless the peer is one
//! of the configured trusted proxies; only then is `X-Forwarded-For` read, and its last hop that is not a
//! trusted proxy is the client (hops further left were written by whoever sent the request, so they prove
//! nothing). The scheme the client used (`X-Forwarded-Proto`, for links written back to it) is believed on
//! the same condition.

use super::RemoteAddr;
use axum::http::{HeaderMap, HeaderValue, Uri};
use std::net::IpAddr;

/// An address or a CIDR range (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or a range like 10.0.0.0/8"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{text}': the prefix length must be 0 to {max}"))?,
        };
        Ok(IpRange { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> (u128, u8) {
            match ip {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                IpAddr::V6(v6) => (u128::from(v6), 128),
            }
        }
        let (net, width) = bits(self.network);
        let (addr, addr_width) = bits(ip.to_canonical());
        if width != addr_width {
            return false;
        }
        let host_bits = u32::from(width - self.prefix);
        let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
        (net & mask) == (addr & mask)
    }
}

/// Parses a list of ranges, naming `setting` in the error.
pub fn parse_ranges<'a>(
    setting: &str,
    items: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<IpRange>, String> {
    items
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| IpRange::parse(s).map_err(|e| format!("{setting}: {e}")))
        .collect()
}

/// The client of a request that came from `peer`, and whether `peer` is a trusted proxy (decided once, for
/// both `X-Forwarded-For` here and `X-Forwarded-Proto` in [`client_scheme`]).
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpRange],
) -> RemoteAddr {
    let Some(peer) = peer.map(|p| p.to_canonical()) else {
        return RemoteAddr::default();
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return RemoteAddr {
            ip: Some(peer),
            via_trusted_proxy: false,
        };
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the nearest hop outwards; the closest trusted address stands in when a hop is unreadable.
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                let ip = ip.to_canonical();
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    RemoteAddr {
        ip: Some(client),
        via_trusted_proxy: true,
    }
}

/// The scheme the client used: `https` when a trusted proxy in front says so (`X-Forwarded-Proto`, its first
/// value), otherwise `http`, as this server itself speaks. Only the two schemes are ever echoed.
pub fn client_scheme(headers: &HeaderMap, via_trusted_proxy: bool) -> &'static str {
    let said_https = via_trusted_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    if said_https {
        "https"
    } else {
        "http"
    }
}

/// `scheme://host` as the client reached this server: the `Host` header, else the request URI's authority
/// (HTTP/2), else `fallback` (the listening address).
pub fn base_url(
    scheme: &str,
    host: Option<&HeaderValue>,
    uri: &Uri,
    fallback: impl std::fmt::Display,
) -> String {
    match host.and_then(|v| v.to_str().ok()) {
        Some(host) => format!("{scheme}://{host}"),
        None => match uri.authority() {
            Some(authority) => format!("{scheme}://{authority}"),
            None => format!("{scheme}://{fallback}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains(ip("10.1.2.3")));
        assert!(!r.contains(ip("11.0.0.1")));
        assert!(IpRange::parse("127.0.0.1")
            .unwrap()
            .contains(ip("127.0.0.1")));
        assert!(IpRange::parse("127.0.0.1")
            .unwrap()
            .contains(ip("::ffff:127.0.0.1")));
        assert!(!IpRange::parse("127.0.0.1")
            .unwrap()
            .contains(ip("127.0.0.2")));
        assert!(IpRange::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!IpRange::parse("::/0").unwrap().contains(ip("8.8.8.8")));
        assert!(IpRange::parse("10.0.0.0/33").is_err());
        assert!(IpRange::parse("localhost").is_err());
        let e = parse_ranges("PORTAL_TRUSTED_PROXIES", ["127.0.0.1", "nope"]).unwrap_err();
        assert!(
            e.contains("PORTAL_TRUSTED_PROXIES") && e.contains("nope"),
            "{e}"
        );
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = parse_ranges("t", ["127.0.0.1", "10.0.0.0/8"]).unwrap();
        let h = forwarded(&["203.0.113.7"]);
        // Straight from a client: its own address, whatever it claims.
        assert_eq!(
            client_address(Some(ip("198.51.100.1")), &h, &trusted).ip,
            Some(ip("198.51.100.1"))
        );
        // Through the proxy: the hop the proxy saw.
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &trusted).ip,
            Some(ip("203.0.113.7"))
        );
        // A client prepending addresses cannot hide: the last untrusted hop is the one the proxy added.
        let h = forwarded(&["1.2.3.4, 203.0.113.7", "10.0.0.5"]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &trusted).ip,
            Some(ip("203.0.113.7"))
        );
        // Garbage in the header: the closest trusted hop stands in.
        let h = forwarded(&["not-an-address"]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &trusted).ip,
            Some(ip("127.0.0.1"))
        );
        // No header through a proxy: the proxy.
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &HeaderMap::new(), &trusted).ip,
            Some(ip("127.0.0.1"))
        );
        // Without trusted proxies the header is never read.
        let h = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), &h, &[]).ip,
            Some(ip("127.0.0.1"))
        );
        assert_eq!(client_address(None, &h, &trusted).ip, None);
    }

    #[test]
    fn the_scheme_counts_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(client_scheme(&h, true), "https");
        assert_eq!(client_scheme(&h, false), "http");
        h.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS, http"));
        assert_eq!(client_scheme(&h, true), "https");
        h.insert("x-forwarded-proto", HeaderValue::from_static("javascript"));
        assert_eq!(client_scheme(&h, true), "http");
        assert_eq!(client_scheme(&HeaderMap::new(), true), "http");
        let trusted = parse_ranges("t", ["10.0.0.0/8"]).unwrap();
        let none = HeaderMap::new();
        assert!(client_address(Some(ip("10.2.3.4")), &none, &trusted).via_trusted_proxy);
        assert!(!client_address(Some(ip("192.0.2.1")), &none, &trusted).via_trusted_proxy);
        assert!(!client_address(None, &none, &trusted).via_trusted_proxy);
    }

    #[test]
    fn the_base_url_is_the_host_the_client_used() {
        let uri: Uri = "/jobs".parse().unwrap();
        let host = HeaderValue::from_static("portal.example:8443");
        assert_eq!(
            base_url("https", Some(&host), &uri, "127.0.0.1:3000"),
            "https://portal.example:8443"
        );
        let absolute: Uri = "http://h2.example/jobs".parse().unwrap();
        assert_eq!(
            base_url("http", None, &absolute, "127.0.0.1:3000"),
            "http://h2.example"
        );
        assert_eq!(
            base_url("http", None, &uri, "127.0.0.1:3000"),
            "http://127.0.0.1:3000"
        );
    }
}
