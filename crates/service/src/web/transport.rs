//! How a request reached us: the client's address (through trusted proxies
//! only) and whether it came over TLS. Worked out once per request by a
//! layer, read by handlers as an extractor, so the rate limits, the cookie
//! flags and HSTS all agree.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::abuse;

#[derive(Debug, Clone, Copy)]
pub struct Transport {
    /// The client, canonical (an IPv4-mapped address is its IPv4 address).
    pub client: IpAddr,
    /// A trusted proxy says the client spoke HTTPS to it.
    pub https: bool,
    /// The request names a client it was forwarded for: it came through
    /// a proxy, trusted or not.
    pub forwarded: bool,
}

impl Transport {
    pub fn of(state: &AppState, peer: Option<SocketAddr>, headers: &axum::http::HeaderMap) -> Self {
        let trusted = &state.config.trusted_proxies;
        // Without a socket (a router driven directly) nothing is trusted.
        let peer = peer.unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)));
        let https = trusted
            .iter()
            .any(|net| net.contains(&peer.ip().to_canonical()))
            && headers
                .get("x-forwarded-proto")
                .and_then(|p| p.to_str().ok())
                .and_then(|p| p.rsplit(',').next())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
        Transport {
            client: abuse::client_address(peer, headers, trusted),
            https,
            forwarded: ["forwarded", "x-forwarded-for", "x-forwarded-proto"]
                .iter()
                .any(|name| headers.contains_key(*name)),
        }
    }

    /// Cookies are `Secure` unless configured otherwise, except for a
    /// browser on this machine (development over plain HTTP). A request
    /// forwarded by a proxy on this machine that is not among the trusted
    /// ones comes from loopback too, but its client is elsewhere.
    pub fn secure_cookies(&self, state: &AppState) -> bool {
        state
            .config
            .staff
            .secure_cookies
            .unwrap_or(self.https || self.forwarded || !self.client.is_loopback())
    }
}

/// The layer that works the transport out for every request.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let transport = Transport::of(&state, peer, request.headers());
    request.extensions_mut().insert(transport);
    next.run(request).await
}

impl<S: Send + Sync> FromRequestParts<S> for Transport {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Transport>()
            .copied()
            .unwrap_or(Transport {
                client: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                https: false,
                forwarded: false,
            }))
    }
}
