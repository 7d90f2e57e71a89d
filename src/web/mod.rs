//! The HTTP side: one router per area, assembled here with the shared middleware.

mod api;
mod client;
mod confirm;
mod dev;
pub(crate) mod error;
mod health;
pub mod i18n;
pub(crate) mod letters;
pub(crate) mod page_cache;
mod pow;
mod preview;
mod privacy;
mod proofs;
mod receipt;
mod request_id;
mod same_origin;
pub(crate) mod sign_form;
mod staff;
mod versions;
mod withdraw;
// The embeddable widget, the share image and the letter pages' link-preview tags.
mod embed;
mod share;
pub use share::ShareImages;

pub use client::ClientIp;
pub use error::WebError;
pub(crate) use error::{database_error, render_errors};
pub use page_cache::PageCache;
pub use staff::DashboardCache;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::abuse::RateLimits;
use crate::clock::Clock;
use crate::config::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Group commit for signings and confirmations (`db::batch`).
    pub writer: crate::db::batch::Writer,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub limits: Arc<RateLimits>,
    /// Rendered first pages of public letters, so a warm page asks the database nothing.
    pub pages: Arc<PageCache>,
    /// Staff sign-in attempts per address and per account.
    pub staff_limits: Arc<crate::auth::SignInLimits>,
    /// The letter dashboards' heavy figures, kept a few seconds.
    pub dashboards: Arc<staff::DashboardCache>,
    /// Signs and checks the render time carried by sign forms.
    pub stamps: Arc<crate::abuse::FormStamps>,
    /// The disposable-domain list and the operators' block and allow lists.
    pub lists: Arc<crate::abuse::ScreeningLists>,
    /// This application's Prometheus registry (`crate::metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Share images of letters (`/letters/{slug}/share.png`), kept per letter.
    pub shares: Arc<ShareImages>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The Content-Security-Policy of every response: nothing from elsewhere, no scripts but our own
/// (the proof-of-work solver, `web::pow`), no
/// framing, forms only to ourselves.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The whole application's routes and middleware.
///
/// Outermost first: the request id is settled (a client's own is not believed), the
/// request is traced, security headers are added to every response, error responses get
/// their page (`error::render_errors`), and only inside that are cross-site form posts
/// refused and the timeouts and the body limit applied, so their 403, 503, 408 and 413
/// are rendered like any other error.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(letters::router())
        .merge(preview::router())
        .merge(versions::router())
        .merge(confirm::router())
        .merge(withdraw::router())
        .merge(privacy::router())
        .merge(api::router())
        .merge(crate::api::router())
        .merge(health::router())
        .merge(staff::router())
        .merge(pow::router())
        .merge(crate::metrics::router(&state))
        .merge(proofs::router())
        .merge(i18n::router())
        .merge(receipt::router())
        .merge(embed::router())
        .merge(share::router())
        .route("/static/style.css", get(stylesheet));
    // The development mailbox exists only while mail goes to files, and by default only on
    // a loopback address (see `Settings::serves_dev_mailbox`).
    if state.settings.serves_dev_mailbox() {
        app = app.merge(dev::router());
    }
    let hsts = (state.settings.base_url.scheme() == "https").then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        )
    });
    let timeout = state.settings.request_timeout;
    app.fallback(not_found)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(
            ServiceBuilder::new()
                // The language first, so that error pages are written in it too.
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    i18n::choose_language,
                ))
                .layer(axum::middleware::from_fn(error::render_errors))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    same_origin::refuse_cross_site,
                ))
                .layer(TimeoutLayer::with_status_code(
                    http::StatusCode::SERVICE_UNAVAILABLE,
                    timeout,
                ))
                .layer(RequestBodyTimeoutLayer::new(timeout))
                .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)),
        )
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    request_id::distrust_client_request_id,
                ))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request| {
                            // The route pattern, never the path: paths carry tokens.
                            let route = request
                                .extensions()
                                .get::<MatchedPath>()
                                .map(|p| p.as_str().to_owned())
                                .unwrap_or_else(|| "unmatched".to_owned());
                            let request_id = request
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_owned();
                            tracing::info_span!("request", method = %request.method(), route, request_id)
                        })
                        .on_request(())
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .option_layer(hsts)
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                )),
        )
        // Outermost, so it counts the status the client gets (`crate::metrics`).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track_requests,
        ))
        .with_state(state)
}

/// Largest request body taken: a sign form is a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::STYLESHEET,
    )
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// `Cache-Control` for public pages and the letter JSON. A browser's copy is stale at once
/// (`max-age=0`), so it asks again and, with the ETag, gets a bodiless 304 when nothing
/// changed; shared caches (a CDN) keep a page for `s-maxage` seconds and may serve it up to
/// `stale-while-revalidate` seconds longer while they refresh it, which takes the read
/// load of a popular letter off the service. Browsers that honour `stale-while-revalidate`
/// may show their stale copy once more while revalidating in the background.
pub const PUBLIC_CACHE: &str = "public, max-age=0, s-maxage=10, stale-while-revalidate=60";
