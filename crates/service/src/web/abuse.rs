//! Abuse defence with no third party: signed, expiring form tokens (which
//! are also the CSRF defence and the double-submit key), a honeypot field,
//! and the client key the rate limits count by.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
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

/// The address a request comes from: the socket's peer, or behind a trusted
/// reverse proxy the last address it appended to `X-Forwarded-For`.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .rev()
            .find_map(|a| a.trim().parse::<IpAddr>().ok());
        if let Some(address) = forwarded {
            return address;
        }
    }
    peer.ip()
}

/// The rate-limit key of an address: a keyed hash, so the counters hold no
/// addresses. IPv6 clients count by their /64, which one household holds.
pub fn rate_key(secret: &[u8], address: IpAddr) -> RateKey {
    let prefix = match address {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets()[..8].to_vec(),
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(b"rate-key|");
    mac.update(&prefix);
    let digest = mac.finalize().into_bytes();
    RateKey(URL_SAFE_NO_PAD.encode(&digest[..12]))
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

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "10.0.0.1, 192.0.2.7".parse().unwrap());
        assert_eq!(client_address(peer, &headers, false), peer.ip());
        assert_eq!(
            client_address(peer, &headers, true).to_string(),
            "192.0.2.7"
        );
    }

    #[test]
    fn ipv6_neighbours_share_a_key_but_ipv4_neighbours_do_not() {
        let key = |a: &str| rate_key(b"s", a.parse().unwrap()).0;
        assert_eq!(key("2001:db8::1"), key("2001:db8::ffff"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert!(!key("192.0.2.1").contains("192"));
    }
}
