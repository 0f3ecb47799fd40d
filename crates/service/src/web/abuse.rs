//! Abuse defence with no third party: signed, expiring form tokens (which
//! are also the CSRF defence and the double-submit key), a honeypot field,
//! and the client key the rate limits count by.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use ipnet::IpNet;
use rand::RngCore;
use sha2::Sha256;
use time::OffsetDateTime;

use crate::store::RateKey;

/// The hidden field a person never fills; bots fill every field.
pub const HONEYPOT_FIELD: &str = "website";
/// The hidden field carrying the signed form token.
pub const TOKEN_FIELD: &str = "form_token";

/// Clock skew tolerated between web nodes, in seconds.
const FUTURE_SKEW_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not made by us, or altered.
    Invalid,
    Expired,
}

/// Signs and checks form tokens: `issued.nonce.mac`.
#[derive(Clone)]
pub struct FormTokens {
    key: Vec<u8>,
    ttl: Duration,
}

impl FormTokens {
    pub fn new(secret: &[u8], ttl: Duration) -> FormTokens {
        FormTokens {
            key: secret.to_vec(),
            ttl,
        }
    }

    /// A fresh token for a form shown for `purpose` (e.g. the form id).
    pub fn issue(&self, purpose: &str) -> String {
        self.issue_at(purpose, OffsetDateTime::now_utc())
    }

    /// A token as if issued at another moment (tests and tools).
    pub fn issue_at(&self, purpose: &str, issued: OffsetDateTime) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        self.sign(
            purpose,
            issued.unix_timestamp(),
            &URL_SAFE_NO_PAD.encode(nonce),
        )
    }

    fn sign(&self, purpose: &str, issued: i64, nonce: &str) -> String {
        let mac = self.mac(purpose, issued, nonce).finalize().into_bytes();
        format!("{issued}.{nonce}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    fn mac(&self, purpose: &str, issued: i64, nonce: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("form-token|{purpose}|{issued}|{nonce}").as_bytes());
        mac
    }

    /// Checks a token sent back; on success returns its nonce, the key that
    /// makes a second submit of the same form recognisable.
    pub fn verify(&self, purpose: &str, token: &str) -> Result<String, TokenProblem> {
        self.verify_at(purpose, token, OffsetDateTime::now_utc())
    }

    fn verify_at(
        &self,
        purpose: &str,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<String, TokenProblem> {
        let mut parts = token.split('.');
        let (Some(issued), Some(nonce), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Invalid);
        };
        let issued: i64 = issued.parse().map_err(|_| TokenProblem::Invalid)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| TokenProblem::Invalid)?;
        self.mac(purpose, issued, nonce)
            .verify_slice(&mac)
            .map_err(|_| TokenProblem::Invalid)?;
        let age = now.unix_timestamp() - issued;
        if age < -FUTURE_SKEW_SECONDS {
            return Err(TokenProblem::Invalid);
        }
        if age > self.ttl.as_secs() as i64 {
            return Err(TokenProblem::Expired);
        }
        Ok(nonce.to_string())
    }
}

/// The address a request comes from. The socket's peer, unless the peer is
/// one of the `trusted` proxies: then the hop that proxy appended to
/// `X-Forwarded-For` (the last entry), walking left past further trusted
/// proxies. Entries left of the first untrusted hop are the client's own
/// words and never count. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, as
/// a socket on `[::]` reports IPv4 peers) are the IPv4 address.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let mut address = peer.ip().to_canonical();
    if !is_trusted(address, trusted) {
        return address;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in forwarded.into_iter().rev() {
        let Some(hop) = parse_hop(hop) else {
            // A proxy we trust wrote something we cannot read: count the
            // request against that proxy rather than guess.
            return address;
        };
        address = hop;
        if !is_trusted(hop, trusted) {
            break;
        }
    }
    address
}

fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&address))
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|a| a.to_canonical())
}

/// The status link of the registration a form's submission makes: derived
/// from the form token's nonce with the secret, so the same form sent again
/// leads to the same link, and no one without the secret can work it out
/// from the form page.
pub fn status_token(secret: &[u8], nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"status-link|");
    mac.update(nonce.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The rate-limit keys of an address: keyed hashes, so the counters hold no
/// addresses. An IPv4 address counts alone; an IPv6 client counts by its
/// /64 (one household holds one), and its /48 (one site) counts too, so a
/// client cannot walk through the /64s of its site.
pub fn rate_key(secret: &[u8], address: IpAddr) -> RateKey {
    let hash = |tier: &[u8], prefix: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(b"rate-key|");
        mac.update(tier);
        mac.update(prefix);
        let digest = mac.finalize().into_bytes();
        URL_SAFE_NO_PAD.encode(&digest[..12])
    };
    match address.to_canonical() {
        IpAddr::V4(v4) => RateKey {
            client: hash(b"", &v4.octets()),
            network: None,
        },
        IpAddr::V6(v6) => RateKey {
            client: hash(b"", &v6.octets()[..8]),
            network: Some(hash(b"48|", &v6.octets()[..6])),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> FormTokens {
        FormTokens::new(b"test secret", Duration::from_secs(3600))
    }

    #[test]
    fn a_fresh_token_verifies_and_yields_its_nonce() {
        let token = tokens().issue("jobseeker-start");
        let nonce = tokens().verify("jobseeker-start", &token).unwrap();
        assert!(token.contains(&nonce));
        assert_ne!(
            tokens().issue("jobseeker-start"),
            token,
            "every form gets its own"
        );
    }

    #[test]
    fn altered_foreign_or_other_purpose_tokens_are_invalid() {
        let token = tokens().issue("jobseeker-start");
        let other_key = FormTokens::new(b"another", Duration::from_secs(3600));
        assert_eq!(
            other_key.verify("jobseeker-start", &token),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            tokens().verify("withdraw", &token),
            Err(TokenProblem::Invalid)
        );
        let altered = token.replacen(|c: char| c.is_ascii_digit(), "9", 1);
        assert_eq!(
            tokens().verify("jobseeker-start", &altered),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            tokens().verify("jobseeker-start", "garbage"),
            Err(TokenProblem::Invalid)
        );
    }

    #[test]
    fn an_old_token_is_expired() {
        let issued = OffsetDateTime::now_utc() - time::Duration::hours(2);
        let token = tokens().sign("f", issued.unix_timestamp(), "abc");
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            tokens().verify_at("f", &token, now),
            Err(TokenProblem::Expired)
        );
        let within = issued + time::Duration::minutes(59);
        assert_eq!(tokens().verify_at("f", &token, within), Ok("abc".into()));
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let headers = forwarded("10.0.0.1, 192.0.2.7");
        assert_eq!(client_address(peer, &headers, &[]), peer.ip());
        let other_proxy = nets(&["10.9.0.0/16"]);
        assert_eq!(client_address(peer, &headers, &other_proxy), peer.ip());
        let trusted = nets(&["127.0.0.0/8"]);
        assert_eq!(
            client_address(peer, &headers, &trusted).to_string(),
            "192.0.2.7"
        );
        // No header from the proxy: the proxy is the client.
        assert_eq!(client_address(peer, &HeaderMap::new(), &trusted), peer.ip());
    }

    #[test]
    fn only_the_hop_the_proxy_appended_counts() {
        let peer: SocketAddr = "10.0.0.5:443".parse().unwrap();
        let trusted = nets(&["10.0.0.0/24", "fd00::/8"]);
        let address = |value: &str| client_address(peer, &forwarded(value), &trusted).to_string();
        // A client's own X-Forwarded-For is left of what the proxy appended.
        assert_eq!(address("1.1.1.1, 198.51.100.4"), "198.51.100.4");
        // An unparseable entry the client wrote does not shift the count.
        assert_eq!(address("garbage, 198.51.100.4"), "198.51.100.4");
        // A chain of trusted proxies is walked to the first untrusted hop.
        assert_eq!(
            address("203.0.113.9, 198.51.100.4, 10.0.0.7, fd00::1"),
            "198.51.100.4"
        );
        // Garbage where a trusted proxy should have written: the proxy.
        assert_eq!(address("198.51.100.4, junk"), "10.0.0.5");
        assert_eq!(address("[2001:db8::1]:1234"), "2001:db8::1");
        assert_eq!(address("::ffff:198.51.100.4"), "198.51.100.4");
    }

    #[test]
    fn ipv4_mapped_peers_are_their_ipv4_address() {
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:5000".parse().unwrap();
        let address = client_address(mapped, &HeaderMap::new(), &[]);
        assert_eq!(address.to_string(), "192.0.2.1");
        let trusted = nets(&["192.0.2.0/24"]);
        let behind = client_address(mapped, &forwarded("198.51.100.4"), &trusted);
        assert_eq!(behind.to_string(), "198.51.100.4");
        let key = |a: &str| rate_key(b"s", a.parse().unwrap()).client;
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_ne!(key("::ffff:192.0.2.1"), key("::ffff:192.0.2.2"));
    }

    #[test]
    fn ipv6_neighbours_share_a_key_but_ipv4_neighbours_do_not() {
        let key = |a: &str| rate_key(b"s", a.parse().unwrap());
        assert_eq!(key("2001:db8::1").client, key("2001:db8::ffff").client);
        assert_ne!(key("192.0.2.1").client, key("192.0.2.2").client);
        assert!(!key("192.0.2.1").client.contains("192"));
        assert_eq!(key("192.0.2.1").network, None);
    }

    #[test]
    fn ipv6_networks_of_one_site_share_the_48_tier() {
        let key = |a: &str| rate_key(b"s", a.parse().unwrap());
        let (a, b) = (key("2001:db8:1:1::1"), key("2001:db8:1:2::1"));
        assert_ne!(a.client, b.client, "two /64s");
        assert_eq!(a.network, b.network, "one /48");
        assert!(a.network.is_some());
        assert_ne!(a.network, key("2001:db8:2:1::1").network);
        assert_ne!(a.network.as_ref(), Some(&a.client));
    }
}
