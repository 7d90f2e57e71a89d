//! The public read side of `/api/v1`: letters, a letter's public signatories and its
//! counter. Every answer may be read from any site (`Access-Control-Allow-Origin: *`) and
//! is cacheable like the public pages (`Cache-Control` with `s-maxage`, an ETag, 304).

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::entities::{
    LetterStatus, SignatureKind, SignatureStatus, letter, letter_count, signature, target,
};
use crate::store::letters::{self, Counts};
use crate::web::error::Step;
use crate::web::page_cache::{etag_of, public_response};
use crate::web::{AppState, WebError};

/// The `origin_system` of every resource, as OSDI names the system a record lives in.
pub const ORIGIN_SYSTEM: &str = "undersigned";

/// Most items one page of a list may hold, and how many it holds when not asked.
pub const MAX_PAGE: u32 = 100;
pub const DEFAULT_PAGE: u32 = 25;

/// Where a letter is in its life, as the public sees it (drafts do not exist for them).
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PetitionStatus {
    Open,
    Closed,
    Delivered,
}

/// An institution the letter is addressed to (OSDI `target`; its email address is not
/// published).
#[derive(Debug, Serialize, ToSchema)]
pub struct Target {
    /// The institution.
    pub name: String,
    /// A person at the institution, when the letter names one.
    pub person: Option<String>,
    /// That person's title.
    pub title: Option<String>,
}

/// A letter (OSDI `petition`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Petition {
    /// `undersigned:<slug>`, as OSDI identifiers are written.
    pub identifiers: Vec<String>,
    /// Always `undersigned`.
    pub origin_system: String,
    /// The letter's address part: `/letters/<slug>`.
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The text people sign, in Markdown (OSDI `petition_text`).
    pub petition_text: String,
    /// BCP 47 language tag of the text.
    pub language: String,
    pub status: PetitionStatus,
    /// RFC 3339, UTC.
    pub created_date: String,
    /// RFC 3339, UTC: the last change of the letter.
    pub modified_date: String,
    /// RFC 3339, UTC: when signing ends, if it has a deadline.
    pub deadline: Option<String>,
    /// The number of signatures the letter aims for.
    pub goal: Option<i64>,
    /// The version of the text (1, 2, ...); each edit after a signature adds one.
    pub version: i32,
    /// Confirmed signatures, individuals and organisations (OSDI `total_signatures`),
    /// as last rolled up: it lags confirmations by about a second.
    pub total_signatures: i64,
    pub individual_signatures: i64,
    pub organisation_signatures: i64,
    /// The institutions it is addressed to, in the order of its "To:" line (OSDI `target`).
    pub target: Vec<Target>,
    /// The letter's page (OSDI `browser_url`).
    pub browser_url: String,
    /// Every version of the text.
    pub versions_url: String,
    /// The public signatories (`GET /api/v1/letters/{slug}/signatures`).
    pub signatures_url: String,
    /// The counter (`GET /api/v1/letters/{slug}/count.json`).
    pub count_url: String,
}

/// One page of letters, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PetitionPage {
    pub petitions: Vec<Petition>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next_before: Option<i64>,
}

/// Who signed: a person in their own name, or an organisation.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SignerKind {
    Individual,
    Organisation,
}

impl From<SignatureKind> for SignerKind {
    fn from(kind: SignatureKind) -> SignerKind {
        match kind {
            SignatureKind::Individual => SignerKind::Individual,
            SignatureKind::Organisation => SignerKind::Organisation,
        }
    }
}

/// A listed signatory (OSDI `signature`, without the personal fields: only what the
/// letter page shows).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSignature {
    pub kind: SignerKind,
    /// The person's name, or the organisation's.
    pub name: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// Individuals only, when given.
    pub city: Option<String>,
    /// Individuals only, when given.
    pub occupation: Option<String>,
    /// Organisations only, when given.
    pub website: Option<String>,
    /// RFC 3339, UTC: when the signature was confirmed (OSDI `created_date`).
    pub created_date: String,
    /// The version of the text signed.
    pub letter_version: i32,
}

/// One page of public signatories, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignaturePage {
    pub signatures: Vec<PublicSignature>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    pub next_before: Option<String>,
}

/// A letter's counter, small enough to poll.
#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub slug: String,
    pub status: PetitionStatus,
    pub total_signatures: i64,
    pub individual_signatures: i64,
    pub organisation_signatures: i64,
    pub goal: Option<i64>,
}

/// What an error answer holds (every 4xx and 5xx under `/api`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// A short title.
    pub error: String,
    /// A sentence saying what to do.
    pub message: String,
    /// The `x-request-id` of the request, to quote when asking for help.
    pub request_id: Option<String>,
    /// With 422: one message per field (`person.email_addresses`, ...).
    #[schema(nullable = false)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// A mistake in one field of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The query of a list of letters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LettersQuery {
    /// Letters older than this one (the `next_before` of the previous page).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// How many letters (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The query of a list of signatories.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignaturesQuery {
    /// Signatories older than this cursor (the `next_before` of the previous page).
    #[param(pattern = r"^-?[0-9]{1,16}\.[1-9][0-9]{0,17}$")]
    pub before: Option<String>,
    /// How many signatories (1 to 100, default 25).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

fn page_size(limit: Option<u32>) -> Result<u64, WebError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(u64::from(n)),
        _ => Err(WebError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        ))),
    }
}

fn query_of<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, WebError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| WebError::BadRequest(e.body_text()))
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn status_of(status: LetterStatus) -> PetitionStatus {
    match status {
        LetterStatus::Open | LetterStatus::Draft => PetitionStatus::Open,
        LetterStatus::Closed => PetitionStatus::Closed,
        LetterStatus::Delivered => PetitionStatus::Delivered,
    }
}

/// The JSON answer every public read gives: cacheable, with an ETag, readable from any site.
pub(super) fn public_json<T: Serialize>(
    headers: &HeaderMap,
    value: &T,
) -> Result<Response, WebError> {
    let json = Bytes::from(serde_json::to_vec(value).context("writing API JSON")?);
    Ok(cors(public_response(
        headers,
        "application/json",
        &etag_of(&json),
        json,
    )))
}

/// Lets any site read the answer (the data is public and no cookie is involved).
pub(super) fn cors(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A letter the public may see; drafts do not exist for them.
pub(super) async fn public_letter(state: &AppState, slug: &str) -> Result<letter::Model, WebError> {
    match letters::find_by_slug(&state.db, slug)
        .await
        .step("reading the letter")?
    {
        Some(l) if l.status != LetterStatus::Draft => Ok(l),
        _ => Err(WebError::NotFound),
    }
}

fn petition(state: &AppState, l: letter::Model, counts: Counts, targets: Vec<Target>) -> Petition {
    let link = |path: String| crate::outbox::link(&state.settings, &path);
    Petition {
        identifiers: vec![format!("{ORIGIN_SYSTEM}:{}", l.slug)],
        origin_system: ORIGIN_SYSTEM.to_owned(),
        browser_url: link(format!("letters/{}", l.slug)),
        versions_url: link(format!("letters/{}/versions", l.slug)),
        signatures_url: link(format!("api/v1/letters/{}/signatures", l.slug)),
        count_url: link(format!("api/v1/letters/{}/count.json", l.slug)),
        status: status_of(l.status),
        created_date: rfc3339(l.created_at),
        modified_date: rfc3339(l.updated_at),
        deadline: l.deadline.map(rfc3339),
        goal: l.goal,
        version: l.version,
        total_signatures: counts.total(),
        individual_signatures: counts.individuals,
        organisation_signatures: counts.organisations,
        target: targets,
        slug: l.slug,
        title: l.title,
        summary: l.summary,
        petition_text: l.body,
        language: l.language,
    }
}

fn target_of(t: target::Model) -> Target {
    Target {
        name: t.name,
        person: t.person,
        title: t.person_title,
    }
}

/// Public letters, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/letters",
    tag = "letters",
    params(LettersQuery),
    responses(
        (status = 200, description = "One page of letters", body = PetitionPage),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "A bad query", body = ApiError),
    )
)]
pub async fn list_letters(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LettersQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let query = query_of(query)?;
    let limit = page_size(query.limit)?;
    if query.before.is_some_and(|b| b < 1) {
        return Err(WebError::BadRequest("before must be a letter id".into()));
    }
    let mut select = letter::Entity::find()
        .filter(letter::Column::Status.ne(LetterStatus::Draft))
        .order_by_desc(letter::Column::Id);
    if let Some(before) = query.before {
        select = select.filter(letter::Column::Id.lt(before));
    }
    let mut rows = select
        .limit(limit + 1)
        .all(&state.db)
        .await
        .step("listing letters")?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let ids: Vec<i64> = rows.iter().map(|l| l.id).collect();
    let counts = letter_count::Entity::find()
        .filter(letter_count::Column::LetterId.is_in(ids.clone()))
        .all(&state.db)
        .await
        .step("reading letter counts")?;
    let mut targets = target::Entity::find()
        .filter(target::Column::LetterId.is_in(ids))
        .order_by_asc(target::Column::LetterId)
        .order_by_asc(target::Column::Position)
        .all(&state.db)
        .await
        .step("reading letter targets")?;
    let next_before = more.then(|| rows.last().map(|l| l.id)).flatten();
    let petitions = rows
        .into_iter()
        .map(|l| {
            let counts = counts
                .iter()
                .find(|c| c.letter_id == l.id)
                .map(|c| Counts {
                    individuals: c.individual_count,
                    organisations: c.organisation_count,
                })
                .unwrap_or_default();
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut targets)
                .into_iter()
                .partition(|t| t.letter_id == l.id);
            targets = rest;
            petition(&state, l, counts, mine.into_iter().map(target_of).collect())
        })
        .collect();
    public_json(
        &headers,
        &PetitionPage {
            petitions,
            next_before,
        },
    )
}

/// One letter with its targets and counts.
#[utoipa::path(
    get,
    path = "/api/v1/letters/{slug}",
    tag = "letters",
    params(("slug" = String, Path, description = "The letter's slug")),
    responses(
        (status = 200, description = "The letter", body = Petition),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, description = "No public letter has this slug", body = ApiError),
    )
)]
pub async fn one_letter(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    let counts = letters::counts(&state.db, letter.id)
        .await
        .step("reading letter counts")?;
    let targets = letters::targets(&state.db, letter.id)
        .await
        .step("reading letter targets")?;
    let targets = targets.into_iter().map(target_of).collect();
    public_json(&headers, &petition(&state, letter, counts, targets))
}

/// The place of a signatory in the list, newest first: `confirmed_at` then id, unique.
#[derive(Debug, PartialEq, Eq)]
struct Before {
    confirmed_at: DateTime<Utc>,
    id: i64,
}

/// The cursor after a signatory: `{confirmed_at in µs since 1970}.{id}`. Every string
/// that matches [`CURSOR_PATTERN`] reads back (the digits are bounded so both numbers
/// fit), so the document's pattern says exactly what is taken.
fn encode_before(b: &Before) -> String {
    format!("{}.{}", b.confirmed_at.timestamp_micros(), b.id)
}

/// What `before` must look like; repeated in [`SignaturesQuery`]'s documentation.
pub const CURSOR_PATTERN: &str = r"^-?[0-9]{1,16}\.[1-9][0-9]{0,17}$";

fn decode_before(cursor: &str) -> Option<Before> {
    let (micros, id) = cursor.split_once('.')?;
    let digits = |t: &str, max: usize| {
        !t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit())
    };
    let unsigned = micros.strip_prefix('-').unwrap_or(micros);
    if !digits(unsigned, 16) || !digits(id, 18) || id.starts_with('0') {
        return None;
    }
    Some(Before {
        confirmed_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: id.parse().ok()?,
    })
}

/// The public signatories of a letter, newest first: confirmed organisations and the
/// confirmed individuals who chose to be listed.
#[utoipa::path(
    get,
    path = "/api/v1/letters/{slug}/signatures",
    tag = "signatures",
    params(("slug" = String, Path, description = "The letter's slug"), SignaturesQuery),
    responses(
        (status = 200, description = "One page of signatories", body = SignaturePage),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "A bad query or cursor", body = ApiError),
        (status = 404, description = "No public letter has this slug", body = ApiError),
    )
)]
pub async fn signatures(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    query: Result<Query<SignaturesQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let query = query_of(query)?;
    let limit = page_size(query.limit)?;
    let before = match query.before.as_deref() {
        None => None,
        Some(cursor) => Some(decode_before(cursor).ok_or_else(|| {
            WebError::BadRequest("before is not a cursor this API gave out".into())
        })?),
    };
    let letter = public_letter(&state, &slug).await?;
    // Two index seeks instead of one OR over both kinds (which PostgreSQL answers by
    // sorting every confirmed signature of the letter): the listed individuals
    // (`idx_signatures_public_individuals`) and the organisations
    // (`idx_signatures_organisations_confirmed`), each at most `limit + 1` rows from the
    // cursor on, merged newest first.
    let mut rows = Vec::new();
    for kind in [SignatureKind::Individual, SignatureKind::Organisation] {
        let mut select = signature::Entity::find()
            .filter(signature::Column::LetterId.eq(letter.id))
            .filter(signature::Column::Kind.eq(kind))
            .filter(signature::Column::Status.eq(SignatureStatus::Confirmed));
        if kind == SignatureKind::Individual {
            select = select.filter(signature::Column::ShowPublicly.eq(true));
        }
        if let Some(before) = &before {
            select = select.filter(
                Expr::tuple([
                    Expr::col(signature::Column::ConfirmedAt),
                    Expr::col(signature::Column::Id),
                ])
                .lt(Expr::tuple([
                    Expr::value(before.confirmed_at),
                    Expr::value(before.id),
                ])),
            );
        }
        rows.extend(
            select
                .order_by_desc(signature::Column::ConfirmedAt)
                .order_by_desc(signature::Column::Id)
                .limit(limit + 1)
                .all(&state.db)
                .await
                .step("listing public signatories")?,
        );
    }
    rows.sort_by_key(|r| std::cmp::Reverse((r.confirmed_at, r.id)));
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_before = more
        .then(|| rows.last())
        .flatten()
        .and_then(|r| {
            r.confirmed_at.map(|confirmed_at| Before {
                confirmed_at,
                id: r.id,
            })
        })
        .map(|b| encode_before(&b));
    let signatures = rows
        .into_iter()
        .map(|r| {
            let organisation = r.kind == SignatureKind::Organisation;
            PublicSignature {
                kind: r.kind.into(),
                name: if organisation {
                    r.organisation_name.unwrap_or_default()
                } else {
                    r.name
                },
                country: r.country,
                city: r.city.filter(|_| !organisation),
                occupation: r.occupation.filter(|_| !organisation),
                website: r.website.filter(|_| organisation),
                created_date: rfc3339(r.confirmed_at.unwrap_or(r.created_at)),
                letter_version: r.letter_version,
            }
        })
        .collect();
    public_json(
        &headers,
        &SignaturePage {
            signatures,
            next_before,
        },
    )
}

/// A letter's counter, for a live count on any site: readable from any origin
/// (`Access-Control-Allow-Origin: *`), revalidated by browsers at each view (`max-age=0`)
/// and answered 304 when the ETag still matches, kept by shared caches for `s-maxage`.
#[utoipa::path(
    get,
    path = "/api/v1/letters/{slug}/count.json",
    tag = "letters",
    params(("slug" = String, Path, description = "The letter's slug")),
    responses(
        (status = 200, description = "The counts", body = Count),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, description = "No public letter has this slug", body = ApiError),
    )
)]
pub async fn count(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // A warm letter page answers without a query, like `GET /api/letters/{slug}`.
    let (letter, counts) = match state.pages.peek(&slug, state.clock.now()) {
        Some(page) => (page.letter.clone(), page.counts),
        None => {
            let letter = public_letter(&state, &slug).await?;
            let counts = letters::counts(&state.db, letter.id)
                .await
                .step("reading letter counts")?;
            (letter, counts)
        }
    };
    public_json(
        &headers,
        &Count {
            slug: letter.slug,
            status: status_of(letter.status),
            total_signatures: counts.total(),
            individual_signatures: counts.individuals,
            organisation_signatures: counts.organisations,
            goal: letter.goal,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_made_up_ones_do_not() {
        let b = Before {
            confirmed_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: 42,
        };
        let cursor = encode_before(&b);
        assert_eq!(decode_before(&cursor), Some(b));
        assert!(decode_before("-9999999999999999.999999999999999999").is_some());
        for bad in [
            "",
            "x",
            "1.0",
            "1.01",
            "a.1",
            "1.",
            ".1",
            &"9".repeat(17),
            "1.1.1",
        ] {
            assert_eq!(decode_before(bad), None, "{bad}");
        }
    }

    #[test]
    fn page_sizes_outside_the_bounds_are_refused() {
        assert_eq!(page_size(None).unwrap(), u64::from(DEFAULT_PAGE));
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(MAX_PAGE + 1)).is_err());
        assert_eq!(page_size(Some(MAX_PAGE)).unwrap(), u64::from(MAX_PAGE));
    }
}
