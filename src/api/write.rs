//! The write side of `/api/v1`: a partner's own form records a signature (OSDI's "record
//! signature helper"). The signer still confirms by email: nothing here confirms or counts.
//!
//! The signing goes through the same steps as our form: the fields are checked by
//! `SignFormInput::parse`, the signer is screened by `abuse::screen::screen_signer` (the
//! operators' lists, disposable domains), and `web::letters::sign_in` decides and records
//! in one transaction (letter open, kind taken, current text, per-letter and per-domain
//! limits, the per-address email caps). What only makes sense for a form of ours in a
//! browser does not apply to a keyed partner: the honeypot, the form's signed render
//! time, the proof of work of the under-attack mode (the key answers for its signers: it
//! is named, audited and revocable) and the per-client-address rate limit (every request
//! comes from the partner's server). For the same reason the partner's address is not
//! kept as the signer's address, so the network quarantine rule does not lump every
//! partner signer together.
//!
//! `Idempotency-Key`: the first answer to each (key, Idempotency-Key) is kept, written in
//! the transaction of the signature, and a retry gets it again without signing again; the
//! same Idempotency-Key with another request is refused (422). Refusals are not kept: a
//! retry is decided afresh and records nothing more than the first attempt did.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, TryInsertResult,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::keys::{self, Partner};
use super::public::{ApiError, SignerKind, public_letter};
use crate::abuse::durable::{Refusal, SigningGuard};
use crate::abuse::pow::Proof;
use crate::abuse::screen::{Screened, screen_signer};
use crate::db;
use crate::encoding::hex;
use crate::entities::{SignatureKind, api_idempotency, signature};
use crate::store::signatures::{self, SignOutcome};
use crate::web::error::Step;
use crate::web::letters::{Signing, caps, sign_in};
use crate::web::sign_form::{Shown, SignFormInput};
use crate::web::{AppState, ClientIp, WebError};

/// A signature from a partner's form (OSDI "record signature helper": a `person` with
/// names, email and postal addresses; the other fields are ours).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "person": {
        "given_name": "Grace",
        "family_name": "Hopper",
        "email_addresses": [{ "address": "grace@example.org" }],
        "postal_addresses": [{ "locality": "Arlington", "country": "US" }]
    },
    "occupation": "Engineer",
    "show_publicly": true
}))]
pub struct RecordSignature {
    pub person: Person,
    /// `individual` (the default) or `organisation`; an organisation also needs
    /// `organisation`, and `person` is its contact.
    pub kind: Option<SignerKind>,
    pub organisation: Option<Organisation>,
    /// The signer's occupation, shown beside a listed individual.
    pub occupation: Option<String>,
    /// Whether an individual is listed under the letter once confirmed (default: not).
    #[serde(default)]
    pub show_publicly: bool,
    /// Whether the signer wants news about the letter (default: not).
    #[serde(default)]
    pub wants_updates: bool,
    /// The version of the letter's text the signer was shown (`version` of the letter).
    /// When given and no longer current, nothing is recorded (409): show the new text.
    /// (Read as any JSON number: `2.0` is the integer 2, as JSON Schema counts it.)
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub letter_version: Option<serde_json::Number>,
}

/// The signer (OSDI `person`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Person {
    #[schema(min_length = 1)]
    pub given_name: String,
    /// Joined to `given_name` with a space: we keep one name as the signer writes it.
    pub family_name: Option<String>,
    /// The first address is the one the confirmation email goes to.
    #[schema(min_items = 1)]
    pub email_addresses: Vec<EmailAddress>,
    /// The first address's `country` (ISO 3166-1 alpha-2) is required; its `locality`
    /// is the city shown beside a listed individual.
    #[schema(min_items = 1)]
    pub postal_addresses: Vec<PostalAddress>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailAddress {
    pub address: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PostalAddress {
    pub locality: Option<String>,
    pub country: Option<String>,
}

/// An organisation signing (not in OSDI).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Organisation {
    pub name: String,
    pub website: Option<String>,
    /// The contact person's role in it.
    pub role: Option<String>,
}

/// The answer to a recorded signing. It is the same whether the address had signed
/// before or not, so the API tells nobody who signed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SignatureAccepted {
    /// Always `pending_confirmation`: the signer must follow the link in the email.
    pub status: String,
    pub letter: String,
    pub message: String,
}

/// Longest Idempotency-Key taken.
const MAX_IDEMPOTENCY_KEY: usize = 255;

impl RecordSignature {
    /// The same fields our form sends, so one parser checks both.
    fn as_form(&self) -> SignFormInput {
        // Without a given name there is no name, whatever the family name.
        let given = self.person.given_name.trim();
        let name = match self.person.family_name.as_deref().map(str::trim) {
            Some(family) if !family.is_empty() && !given.is_empty() => {
                format!("{given} {family}")
            }
            _ => self.person.given_name.clone(),
        };
        let address = self.person.postal_addresses.first();
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let organisation = self.organisation.as_ref();
        SignFormInput {
            kind: match self.kind.unwrap_or(SignerKind::Individual) {
                SignerKind::Individual => "individual".into(),
                SignerKind::Organisation => "organisation".into(),
            },
            name,
            email: self
                .person
                .email_addresses
                .first()
                .map(|e| e.address.clone())
                .unwrap_or_default(),
            country: address.map(|a| text(&a.country)).unwrap_or_default(),
            city: address.map(|a| text(&a.locality)).unwrap_or_default(),
            occupation: text(&self.occupation),
            organisation_name: organisation.map(|o| o.name.clone()).unwrap_or_default(),
            website: organisation.map(|o| text(&o.website)).unwrap_or_default(),
            role: organisation.map(|o| text(&o.role)).unwrap_or_default(),
            show_publicly: self.show_publicly.then(|| "on".into()),
            wants_updates: self.wants_updates.then(|| "on".into()),
            ..SignFormInput::default()
        }
    }
}

/// The names our form's fields have in this API's request, for messages.
fn api_field(form_field: &str) -> String {
    match form_field {
        "name" => "person.given_name",
        "email" => "person.email_addresses",
        "country" => "person.postal_addresses.country",
        "city" => "person.postal_addresses.locality",
        "organisation_name" => "organisation.name",
        "website" => "organisation.website",
        "role" => "organisation.role",
        other => other,
    }
    .to_owned()
}

fn invalid(errors: Vec<templates::FieldError>) -> WebError {
    WebError::InvalidFields(
        errors
            .into_iter()
            .map(|e| templates::FieldError {
                field: api_field(&e.field),
                message: e.message,
            })
            .collect(),
    )
}

/// What the transaction decided.
enum Written {
    Answer {
        status: u16,
        body: String,
    },
    Refused(Signing),
    /// The Idempotency-Key was used before for another request.
    KeyReused,
}

/// Records a signature from a partner's form; the signer gets the confirmation email.
#[utoipa::path(
    post,
    path = "/api/v1/letters/{slug}/signatures",
    tag = "signatures",
    params(
        ("slug" = String, Path, description = "The letter's slug"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]([ -~]{0,253}[!-~])?$", description = "Makes a retry safe: the same key with the same request gets the first answer again and signs nothing more (1 to 255 characters)"),
    ),
    request_body = RecordSignature,
    security(("partner_key" = [])),
    responses(
        (status = 202, description = "Recorded; the signer must confirm by email before it counts", body = SignatureAccepted),
        (status = 400, description = "A body that is not the JSON described, or a bad Idempotency-Key", body = ApiError),
        (status = 401, description = "No valid API key", body = ApiError),
        (status = 403, description = "The key is not for this letter, or the operators blocked the client's network", body = ApiError),
        (status = 404, description = "No public letter has this slug", body = ApiError),
        (status = 409, description = "The letter takes no signatures now, or the signer was shown an older text", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 422, description = "Fields with mistakes (see `errors`), or an Idempotency-Key used for another request", body = ApiError),
        (status = 429, description = "A signing limit is reached; see Retry-After", body = ApiError),
    )
)]
pub async fn record_signature(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    Partner(key): Partner,
    Extension(lang): Extension<templates::Lang>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let idempotency = idempotency_key(&headers)?;
    let letter = public_letter(&state, &slug).await?;
    let now = state.clock.now();
    if !keys::in_scope(&state.db, &key, letter.id)
        .await
        .step("reading the API key's letters")?
    {
        let (key_id, slug) = (key.id, letter.slug.clone());
        db::write(&state.db, move |txn| {
            let slug = slug.clone();
            Box::pin(async move {
                keys::note_use(
                    txn,
                    key_id,
                    "api.signature_refused",
                    &slug,
                    serde_json::json!({ "reason": "letter out of the key's scope" }),
                    Some(ip),
                    now,
                )
                .await
            })
        })
        .await
        .step("recording an API key's use")?;
        return Err(WebError::ApiKeyOutOfScope);
    }
    let request: RecordSignature = serde_json::from_slice(&body)
        .map_err(|e| WebError::BadRequest(format!("The body is not a signature: {e}")))?;
    let input = request.as_form();
    let kind = match request.kind.unwrap_or(SignerKind::Individual) {
        SignerKind::Individual => SignatureKind::Individual,
        SignerKind::Organisation => SignatureKind::Organisation,
    };
    let screened = match screen_signer(&state, letter.id, &input.email, ip, None).await {
        Screened::Pass | Screened::Honeypot => Vec::new(),
        Screened::Refuse(errors) => errors,
        Screened::Blocked => return Err(WebError::AddressBlocked),
    };
    let new = match input.parse(kind, None) {
        // The confirmation email is written in the language the partner's request asks
        // for (`Accept-Language`, the signer's as the partner knows it).
        Ok(new) if screened.is_empty() => signatures::NewSignature {
            language: lang.tag().to_owned(),
            ..new
        },
        parsed => {
            return Err(invalid(
                [screened, parsed.err().unwrap_or_default()].concat(),
            ));
        }
    };
    // A version that is not a whole number the letter could have had is no current
    // version: refused as an older text (409).
    let shown = request.letter_version.as_ref().map(|v| Shown {
        version: Some(version_number(v).unwrap_or(0)),
        text_id: None,
    });
    let request_hash = {
        let mut h = Sha256::new();
        h.update(letter.slug.as_bytes());
        h.update([0]);
        h.update(&body);
        hex(&h.finalize())
    };
    let accepted = SignatureAccepted {
        status: "pending_confirmation".into(),
        letter: letter.slug.clone(),
        message: "The signer has been sent an email with a link; the signature counts once they follow it.".into(),
    };
    let accepted = serde_json::to_string(&accepted).map_err(anyhow::Error::from)?;
    let (letter_id, slug, key_id) = (letter.id, letter.slug.clone(), key.id);
    let (guard, caps) = (SigningGuard::from_settings(&state.settings), caps(&state));
    // Group commit (db::batch), in the signer's inbox's lane as on the form.
    let inbox = crate::abuse::durable::inbox_of(new.email.normalized());
    let work: crate::db::batch::Work<Written> = std::sync::Arc::new(move |txn, batch| {
        let (new, shown, guard) = (new.clone(), shown.clone(), guard.clone());
        let (idempotency, request_hash) = (idempotency.clone(), request_hash.clone());
        let (slug, accepted) = (slug.clone(), accepted.clone());
        Box::pin(async move {
            if let Some(idem) = &idempotency
                && let Some(earlier) = claim(txn, key_id, idem, &request_hash, now).await?
            {
                return Ok(earlier);
            }
            let signing = sign_in(
                txn,
                batch,
                letter_id,
                &new,
                shown.as_ref(),
                &guard,
                Some(&Proof::PartnerKey),
                now,
                caps,
            )
            .await?;
            let Signing::Recorded(outcome) = signing else {
                if let Some(idem) = &idempotency {
                    api_idempotency::Entity::delete_by_id((key_id, idem.clone()))
                        .exec(txn)
                        .await?;
                }
                keys::note_use(
                    txn,
                    key_id,
                    "api.signature_refused",
                    &slug,
                    serde_json::json!({ "reason": refusal_name(&signing) }),
                    Some(ip),
                    now,
                )
                .await?;
                return Ok(Written::Refused(signing));
            };
            if let SignOutcome::Created { signature_id } = outcome {
                signature::Entity::update_many()
                    .col_expr(signature::Column::ApiKeyId, Expr::value(key_id))
                    .filter(signature::Column::Id.eq(signature_id))
                    .exec(txn)
                    .await?;
            }
            let status = StatusCode::ACCEPTED.as_u16();
            if let Some(idem) = &idempotency {
                api_idempotency::Entity::update_many()
                    .col_expr(api_idempotency::Column::Status, Expr::value(status as i16))
                    .col_expr(
                        api_idempotency::Column::Response,
                        Expr::value(accepted.clone()),
                    )
                    .filter(api_idempotency::Column::ApiKeyId.eq(key_id))
                    .filter(api_idempotency::Column::IdempotencyKey.eq(idem.as_str()))
                    .exec(txn)
                    .await?;
            }
            keys::note_use(
                txn,
                key_id,
                "api.signature",
                &slug,
                serde_json::json!({ "idempotency_key": idempotency }),
                Some(ip),
                now,
            )
            .await?;
            Ok(Written::Answer {
                status,
                body: accepted,
            })
        })
    });
    let written = state
        .writer
        .write(&inbox, work)
        .await
        .step("recording a partner's signature")?;
    match written {
        Written::Answer { status, body } => Ok((
            StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED),
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            body,
        )
            .into_response()),
        Written::KeyReused => Err(WebError::InvalidFields(vec![templates::FieldError {
            field: "Idempotency-Key".into(),
            message: "This Idempotency-Key was used for another request. Use a new key for a new request.".into(),
        }])),
        Written::Refused(signing) => Err(refusal(signing)),
    }
}

/// A JSON number as a version number, when it is a whole number that fits.
fn version_number(n: &serde_json::Number) -> Option<i32> {
    if let Some(i) = n.as_i64() {
        return i32::try_from(i).ok();
    }
    let f = n.as_f64()?;
    (f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX)).then_some(f as i32)
}

/// The Idempotency-Key header, when sent: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, WebError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(v)
            if !v.is_empty()
                && v.len() <= MAX_IDEMPOTENCY_KEY
                && v.bytes().all(|b| b.is_ascii_graphic() || b == b' ') =>
        {
            Ok(Some(v.to_owned()))
        }
        _ => Err(WebError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
        )),
    }
}

/// Takes the (key, Idempotency-Key) for this request, or returns what was answered to it
/// before. The insert waits for a concurrent request with the same pair to finish (the
/// primary key), so two at once sign once.
async fn claim<C: ConnectionTrait>(
    txn: &C,
    key_id: i64,
    idem: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Written>, DbErr> {
    let inserted = api_idempotency::Entity::insert(api_idempotency::ActiveModel {
        api_key_id: Set(key_id),
        idempotency_key: Set(idem.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(0),
        response: Set(String::new()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([
        api_idempotency::Column::ApiKeyId,
        api_idempotency::Column::IdempotencyKey,
    ])
    .exec(txn)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(_)) {
        return Ok(None);
    }
    let Some(earlier) = api_idempotency::Entity::find_by_id((key_id, idem.to_owned()))
        .one(txn)
        .await?
    else {
        return Err(DbErr::RecordNotFound(
            "the idempotency record just found".into(),
        ));
    };
    if earlier.request_hash != request_hash {
        return Ok(Some(Written::KeyReused));
    }
    Ok(Some(Written::Answer {
        status: u16::try_from(earlier.status).unwrap_or(202),
        body: earlier.response,
    }))
}

fn refusal_name(signing: &Signing) -> &'static str {
    match signing {
        Signing::Recorded(_) => "recorded",
        Signing::Closed => "letter closed",
        Signing::KindRefused(_) => "kind not taken",
        Signing::Stale(_) => "older text",
        Signing::Refused(Refusal::Limited { .. }) => "limit reached",
        Signing::Refused(_) => "proof refused",
    }
}

fn refusal(signing: Signing) -> WebError {
    match signing {
        Signing::Closed => WebError::Conflict("This letter takes no signatures now.".into()),
        Signing::KindRefused(kind) => WebError::InvalidFields(vec![templates::FieldError {
            field: "kind".into(),
            message: match kind {
                SignatureKind::Individual => "This letter is signed by organisations only.".into(),
                SignatureKind::Organisation => "This letter is signed by individuals only.".into(),
            },
        }]),
        Signing::Stale(current) => WebError::Conflict(format!(
            "The letter's text has changed since the version the signer was shown; the current version is {}. Show it and send again.",
            current.version
        )),
        Signing::Refused(Refusal::Limited { retry_after_secs }) => {
            WebError::SigningLimited { retry_after_secs }
        }
        Signing::Refused(other) => WebError::Unexpected(anyhow::anyhow!(
            "a partner's signing was refused for a proof: {other:?}"
        )),
        Signing::Recorded(_) => {
            WebError::Unexpected(anyhow::anyhow!("a recorded signing taken for a refusal"))
        }
    }
}
