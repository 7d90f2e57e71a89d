//! Refuses state-changing requests that another site made a browser send.
//!
//! Without this, any page on the web could make its visitors' browsers sign a letter or
//! ask for new links, which also turns every visitor into a fresh address for the rate
//! limits. Browsers say where a request comes from: `Sec-Fetch-Site` (current browsers)
//! or `Origin` (nearly all browsers on a cross-site POST). A request with neither header is
//! let through, so an old browser, a text browser or a script still works; a browser that
//! sends neither is not one another site can drive into a cross-site POST.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AppState, WebError};

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = match (fetch_site, origin) {
        // "none": typed or bookmarked by the person; "same-origin": our own page.
        (Some("same-origin" | "none"), _) => true,
        (Some(_), _) => false,
        (None, Some(origin)) => origin == own_origin(&state),
        (None, None) => true,
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::info!(?fetch_site, ?origin, "cross-site request refused");
        WebError::CrossSite.into_response()
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `scheme://host[:port]` of `base_url`, as browsers write it in `Origin`.
fn own_origin(state: &AppState) -> String {
    state.settings.base_url.origin().ascii_serialization()
}
