//! Which request id a request carries: ours, unless a trusted proxy already gave one.
//!
//! The id is written into logs and shown on error pages, so a value chosen by any client
//! could forge log lines or put text of its choosing on our pages. A client's
//! `x-request-id` is therefore dropped (and a fresh one minted by `SetRequestIdLayer`)
//! unless the peer is a proxy listed in `trusted_proxies` and the value is a plain token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{AppState, REQUEST_ID};

/// Longest request id accepted from a trusted proxy.
const MAX_LEN: usize = 64;

pub async fn distrust_client_request_id(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let keep = request.headers().get(&REQUEST_ID).is_some_and(|value| {
        let from_proxy = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_some_and(|peer| {
                let ip = peer.0.ip();
                state
                    .settings
                    .trusted_proxies
                    .iter()
                    .any(|net| net.contains(&ip))
            });
        from_proxy && is_plain_token(value.as_bytes())
    });
    if !keep {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// Letters, digits, `-`, `_` and `.`, at most `MAX_LEN` of them.
fn is_plain_token(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_LEN
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_tokens_pass() {
        assert!(is_plain_token(b"3f2a9c1e-77b0-4c55-9a0e-2b9d3f1c0a11"));
        assert!(is_plain_token(b"lb.req_42"));
        assert!(!is_plain_token(b""));
        assert!(!is_plain_token(b"evil\r\nSet-Cookie: x"));
        assert!(!is_plain_token(b"<script>alert(1)</script>"));
        assert!(!is_plain_token(b"a b"));
        assert!(!is_plain_token(&[b'a'; MAX_LEN + 1]));
    }
}
