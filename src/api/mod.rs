//! The versioned JSON API under `/api/v1` and its OpenAPI 3.1 document, generated from
//! the handlers themselves (utoipa), served at `/api/v1/openapi.json`.
//!
//! - `public`: letters, a letter's public signatories, its counter (any origin may read).
//! - `write`: a partner's form records a signature with its API key (`keys`).
//!
//! - `delivery`: a letter's delivery receipt (`GET /api/v1/letters/{slug}/delivery`) and
//!   the root of its verifiable list (`GET /api/v1/letters/{slug}/list-root`); empty until
//!   the letter is delivered or its list has a snapshot.
//!
//! The unversioned `GET /api/letters/{slug}` (`web::api`) stays as it was for the
//! counters already embedded on partner sites.

pub mod delivery;
pub mod keys;
pub mod public;
pub mod write;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::web::AppState;
use crate::web::page_cache::{etag_of, public_response};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "undersigned",
        version = "1",
        description = "Open letters and their signatures. Reading is open to anyone; recording a signature needs a partner API key made by an admin of the site, and the signer still confirms by email. Resource shapes follow the Open Supporter Data Interface (petition, signature, target) where they fit; the README's API section lists where they differ."
    ),
    modifiers(&PartnerKey),
    tags(
        (name = "letters", description = "Open letters (OSDI petitions)"),
        (name = "signatures", description = "Signatures (OSDI signatures)"),
    )
)]
struct ApiDoc;

/// The bearer scheme of partner keys.
struct PartnerKey;

impl Modify for PartnerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "partner_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from the workspace's API keys screen (`usk_...`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every documented route; the document is made from exactly these.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(public::list_letters))
        .routes(routes!(public::one_letter))
        .routes(routes!(public::signatures, write::record_signature))
        .routes(routes!(public::count))
        .routes(routes!(delivery::receipt))
        .routes(routes!(delivery::list_root))
}

/// The OpenAPI document of `/api/v1`.
pub fn document() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// `/api/v1` and its document.
pub fn router() -> Router<AppState> {
    let (router, doc) = routes().split_for_parts();
    let json = match doc.to_json() {
        Ok(json) => Bytes::from(json),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document could not be written");
            Bytes::from_static(b"{}")
        }
    };
    let etag = etag_of(&json);
    router.route(
        "/api/v1/openapi.json",
        get(move |headers: HeaderMap| async move {
            public::cors(public_response(
                &headers,
                "application/json",
                &etag,
                json.clone(),
            ))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_cursor_pattern_is_the_one_the_code_reads() {
        let doc = serde_json::to_value(document()).unwrap();
        let params = &doc["paths"]["/api/v1/letters/{slug}/signatures"]["get"]["parameters"];
        let before = params
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "before")
            .unwrap();
        assert_eq!(before["schema"]["pattern"], public::CURSOR_PATTERN);
    }
}
