//! The `ClientIp` extractor.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::{AppState, WebError};
use crate::abuse::client_ip;

/// The client's address as `abuse::client_ip` works it out.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| {
                WebError::Unexpected(anyhow::anyhow!(
                    "no peer address: serve with into_make_service_with_connect_info"
                ))
            })?;
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}
