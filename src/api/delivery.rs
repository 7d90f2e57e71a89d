//! A letter's delivery receipt and the root of its verifiable list, as JSON: what the
//! letter page's receipt and root blocks show (`crate::delivery`, `crate::proof`).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::public::{ApiError, public_json, public_letter, rfc3339};
use crate::web::error::Step;
use crate::web::{AppState, WebError};

/// One institution a delivery went to.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredTarget {
    pub name: String,
    /// When the relay took the email (RFC 3339, UTC); `null` while it is being sent.
    pub sent_date: Option<String>,
}

/// One delivery of the letter: to whom, when, with how many signatures, and the root of
/// the list as delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// When the delivery started (RFC 3339, UTC).
    pub delivered_date: String,
    /// The version of the letter's text that was delivered.
    pub letter_version: i32,
    pub total_signatures: i64,
    pub individual_signatures: i64,
    pub organisation_signatures: i64,
    /// Entries of the list log the root covers (see the README, "Verifying a signature list").
    pub list_size: Option<i64>,
    /// The Merkle root of the list as delivered, lowercase hex.
    pub list_root: Option<String>,
    pub targets: Vec<DeliveredTarget>,
}

/// A letter's delivery receipt: its started deliveries, newest first; empty until it is
/// delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub letter: String,
    pub deliveries: Vec<Delivery>,
    /// The receipt page.
    pub browser_url: String,
}

/// The latest published snapshot of a letter's verifiable list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListSnapshot {
    /// Entries of the list log the root covers.
    pub size: u64,
    /// The Merkle root, lowercase hex.
    pub root: String,
    /// When it was taken (RFC 3339, UTC).
    pub taken_date: String,
    /// The snapshot's entries, to rebuild the root.
    pub entries_url: String,
}

/// The root of a letter's verifiable list; `latest` is `null` before the first snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListRoot {
    pub letter: String,
    pub latest: Option<ListSnapshot>,
    /// Every published root, and how to check them.
    pub browser_url: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/letters/{slug}/delivery",
    tag = "letters",
    params(("slug" = String, Path, description = "The letter's slug")),
    responses(
        (status = 200, description = "The delivery receipt", body = Receipt),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, description = "No public letter has this slug", body = ApiError),
    )
)]
pub async fn receipt(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    let receipts = crate::delivery::receipts(&state.db, letter.id)
        .await
        .step("reading the deliveries")?;
    let deliveries = receipts
        .into_iter()
        .map(|r| Delivery {
            delivered_date: rfc3339(r.started_at),
            letter_version: r.version,
            total_signatures: r.individuals.saturating_add(r.organisations),
            individual_signatures: r.individuals,
            organisation_signatures: r.organisations,
            list_size: r.list_size,
            list_root: r.list_root,
            targets: r
                .targets
                .into_iter()
                .map(|t| DeliveredTarget {
                    name: t.name,
                    sent_date: t.sent_at.map(rfc3339),
                })
                .collect(),
        })
        .collect();
    let browser_url =
        crate::outbox::link(&state.settings, &format!("letters/{}/receipt", letter.slug));
    public_json(
        &headers,
        &Receipt {
            letter: letter.slug,
            deliveries,
            browser_url,
        },
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/letters/{slug}/list-root",
    tag = "letters",
    params(("slug" = String, Path, description = "The letter's slug")),
    responses(
        (status = 200, description = "The latest root of the letter's verifiable list", body = ListRoot),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, description = "No public letter has this slug", body = ApiError),
    )
)]
pub async fn list_root(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    let latest = crate::proof::latest_snapshot(&state.db, letter.id)
        .await
        .step("reading the list snapshots")?;
    let link = |path: String| crate::outbox::link(&state.settings, &path);
    let latest = latest.map(|s| ListSnapshot {
        entries_url: link(format!("letters/{}/list/{}.json", letter.slug, s.size)),
        size: s.size,
        root: s.root,
        taken_date: rfc3339(s.taken_at),
    });
    public_json(
        &headers,
        &ListRoot {
            browser_url: link(format!("letters/{}/list", letter.slug)),
            letter: letter.slug,
            latest,
        },
    )
}
