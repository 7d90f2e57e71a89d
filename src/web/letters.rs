//! Public letter pages: the list of open letters, one letter with its signatories and
//! sign forms, and signing.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use serde::Deserialize;
use templates::Lang;

use super::error::Step;
use super::page_cache::{CachedPage, etag_of, public_response};
use super::pow;
use super::sign_form::SignFormInput;
use super::{AppState, ClientIp, WebError};
use crate::abuse::durable::{Refusal, SigningGuard, guard_signing};
use crate::abuse::{Limit, screen};
use crate::clock::span;
use crate::db::batch::{Batch, Work};
use crate::domain::Country;
use crate::entities::{LetterStatus, SignatureKind, letter};
use crate::letters::{accepts_signatures, takes_kind};
use crate::store::letters::{self, Counts};
use crate::store::signatures::{self, IndividualsAfter, ListPage, MailCaps, OrganisationsAfter};
use crate::store::translations;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/letters/{slug}", get(show))
        .route("/letters/{slug}/sign", post(sign))
        .route("/letters/{slug}/check-inbox", get(check_inbox))
}

const HTML: &str = "text/html; charset=utf-8";

async fn home(
    State(state): State<AppState>,
    Extension(lang): Extension<Lang>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letters = letters::list_open(&state.db)
        .await?
        .into_iter()
        .map(|(l, counts)| templates::LetterSummary {
            slug: l.slug,
            title: l.title,
            summary: l.summary,
            total_count: u64::try_from(counts.total()).unwrap_or(0),
            deadline: l.deadline.map(|d| super::i18n::date(&lang, d)),
        })
        .collect::<Vec<_>>();
    let body = Bytes::from(templates::home(&lang, &letters).into_string());
    Ok(public_response(&headers, HTML, &etag_of(&body), body))
}

/// The query of a letter page: where each list of signatories starts. `?page=` from
/// before keyset paging is ignored.
#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    before: Option<String>,
    orgs_after: Option<String>,
    /// `?text=original`: the letter's original text even where a translation exists.
    text: Option<String>,
}

/// Where the lists of a letter page start; the default is the first page of both.
#[derive(Clone, Debug, Default)]
pub(super) struct Position {
    individuals_before: Option<IndividualsAfter>,
    organisations_after: Option<OrganisationsAfter>,
    /// Show the original text, not the translation into the reader's language.
    original: bool,
}

impl Position {
    /// A cursor that does not decode (cut short when a link was shared, or made up) means
    /// the first page rather than an error: the reader still gets the letter, and the
    /// answer comes from the page cache without a query, so made-up cursors cost nothing.
    fn from_query(query: &PageQuery) -> Position {
        Position {
            individuals_before: query.before.as_deref().and_then(decode_individuals),
            organisations_after: query.orgs_after.as_deref().and_then(decode_organisations),
            original: query.text.as_deref() == Some("original"),
        }
    }

    /// The plain letter address, the one the page cache keeps.
    fn is_first(&self) -> bool {
        self.individuals_before.is_none() && self.organisations_after.is_none() && !self.original
    }
}

/// Longest cursor worth decoding: an organisation name is at most 200 characters.
const MAX_CURSOR_LEN: usize = 1_200;

fn decode_cursor(cursor: &str) -> Option<String> {
    if cursor.len() > MAX_CURSOR_LEN {
        return None;
    }
    String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()
}

/// The cursor after an individual: base64url of `{confirmed_at in µs}.{id}`, opaque to
/// readers so its form can change without breaking anything but old links.
fn encode_individuals(after: &IndividualsAfter) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}.{}",
        after.confirmed_at.timestamp_micros(),
        after.id
    ))
}

fn decode_individuals(cursor: &str) -> Option<IndividualsAfter> {
    let text = decode_cursor(cursor)?;
    let (micros, id) = text.split_once('.')?;
    Some(IndividualsAfter {
        confirmed_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        id: id.parse().ok().filter(|id| *id > 0)?,
    })
}

/// The cursor after an organisation: base64url of `{id}.{name}` (the name last, since it
/// may hold dots).
fn encode_organisations(after: &OrganisationsAfter) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", after.id, after.organisation_name))
}

fn decode_organisations(cursor: &str) -> Option<OrganisationsAfter> {
    let text = decode_cursor(cursor)?;
    let (id, name) = text.split_once('.')?;
    Some(OrganisationsAfter {
        organisation_name: name.to_owned(),
        id: id.parse().ok().filter(|id| *id > 0)?,
    })
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
    Extension(lang): Extension<Lang>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // A query that does not parse at all (a repeated `before`, say) is a first page too.
    let position = query
        .map(|Query(q)| Position::from_query(&q))
        .unwrap_or_default();
    if position.is_first() {
        let page = state
            .pages
            .first_page(&slug, lang.tag(), state.clock.now(), || {
                load_first_page(&state, &slug, &lang)
            })
            .await?;
        return Ok(public_response(
            &headers,
            HTML,
            &page.etag,
            page.html.clone(),
        ));
    }
    let letter = public_letter(&state, &slug).await?;
    let (view, _) = letter_view(
        &state,
        &lang,
        &letter,
        &position,
        None,
        Vec::new(),
        Default::default(),
        false,
    )
    .await?;
    let share = super::share::share_meta(&state, &letter);
    let body = Bytes::from(templates::letter_with_share(&lang, &view, Some(&share)).into_string());
    Ok(public_response(&headers, HTML, &etag_of(&body), body))
}

/// The first page of a public letter, rendered for the page cache.
async fn load_first_page(
    state: &AppState,
    slug: &str,
    lang: &Lang,
) -> Result<CachedPage, WebError> {
    let letter = public_letter(state, slug).await?;
    let (view, counts) = letter_view(
        state,
        lang,
        &letter,
        &Position::default(),
        None,
        Vec::new(),
        Default::default(),
        false,
    )
    .await?;
    let share = super::share::share_meta(state, &letter);
    let html = Bytes::from(templates::letter_with_share(lang, &view, Some(&share)).into_string());
    Ok(CachedPage {
        etag: etag_of(&html),
        html,
        letter,
        counts,
    })
}

async fn sign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<Lang>,
    form: Result<Form<SignFormInput>, FormRejection>,
) -> Result<Response, WebError> {
    if let Err(wait) = state.limits.check(Limit::Sign, ip) {
        state
            .metrics
            .rejected(crate::metrics::LimitKind::SignAddress);
        return Err(WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let Form(input) = form?;
    let letter = known_letter(&state, &lang, &slug).await?;
    let shown = input.shown();
    let Some(kind) = input.kind() else {
        return Err(WebError::BadRequest(
            "The form did not say whether you sign as a person or an organisation.".into(),
        ));
    };
    // Screening (src/abuse/screen.rs): honeypot, form timing, disposable and operator lists.
    let screened = match screen::screen(&state, letter.id, &input, ip).await {
        screen::Screened::Pass => Vec::new(),
        screen::Screened::Refuse(errors) => errors
            .into_iter()
            .map(|e| templates::FieldError {
                message: super::i18n::screen_message(&lang, &e.message),
                ..e
            })
            .collect(),
        screen::Screened::Blocked => return Err(WebError::AddressBlocked),
        screen::Screened::Honeypot => {
            return Ok(
                Redirect::to(&format!("/letters/{}/check-inbox", letter.slug)).into_response(),
            );
        }
    };
    // The languages the form was shown in: the interface's, and the translation's when
    // the text was one (a translation that does not exist was not shown).
    let text_language = match Lang::get(&input.text_language) {
        Some(shown) if !shown.tag().eq_ignore_ascii_case(&letter.language) => {
            translations::find(&state.db, letter.id, shown.tag())
                .await
                .step("reading the letter's translation")?
                .map(|t| t.language)
        }
        _ => None,
    };
    let new = match input.parse_in(&lang, kind, Some(ip.to_string())) {
        Ok(new) if screened.is_empty() => signatures::NewSignature {
            language: lang.tag().to_owned(),
            text_language,
            ..new
        },
        parsed => {
            let errors = [screened, parsed.err().unwrap_or_default()].concat();
            let (view, _) = letter_view(
                &state,
                &lang,
                &letter,
                &Position::default(),
                Some(kind),
                errors,
                input.values(),
                // Corrected and sent again, it would meet the new text: say so now.
                !shown.is_current(&letter),
            )
            .await?;
            return Err(WebError::InvalidSignForm(Box::new(view)));
        }
    };
    let (letter_id, now, caps) = (letter.id, state.clock.now(), caps(&state));
    // Every rule of the signing itself is in `sign_in`, shared with the partner API.
    let form_shown = shown.clone();
    // Durable limits and the under-attack mode (abuse::durable, web::pow).
    let (guard, proof) = (
        SigningGuard::from_settings(&state.settings),
        pow::proof_of(&input),
    );
    // Group commit (db::batch): this signing shares a transaction with the others that
    // arrive meanwhile, and the answer waits for that transaction's commit.
    let inbox = crate::abuse::durable::inbox_of(new.email.normalized());
    let work: Work<Signing> = Arc::new(move |txn, batch| {
        let (new, shown) = (new.clone(), form_shown.clone());
        let (guard, proof) = (guard.clone(), proof.clone());
        Box::pin(async move {
            sign_in(
                txn,
                batch,
                letter_id,
                &new,
                Some(&shown),
                &guard,
                proof.as_ref(),
                now,
                caps,
            )
            .await
        })
    });
    let signing = state
        .writer
        .write(&inbox, work)
        .await
        .step("recording a signature")?;
    let outcome = match signing {
        Signing::Recorded(outcome) => {
            state.metrics.signing(kind.as_str());
            outcome
        }
        Signing::KindRefused(refused) => {
            // A kind the letter does not take (a form from before staff changed it, or
            // made by hand): the page again with the message, nothing recorded.
            let errors = vec![templates::FieldError {
                field: "kind".into(),
                message: lang.t(match refused {
                    SignatureKind::Individual => "kind-organisations-only",
                    SignatureKind::Organisation => "kind-individuals-only",
                }),
            }];
            let (view, _) = letter_view(
                &state,
                &lang,
                &letter,
                &Position::default(),
                Some(kind),
                errors,
                input.values(),
                false,
            )
            .await?;
            return Err(WebError::InvalidSignForm(Box::new(view)));
        }
        Signing::Refused(refused) => {
            state.metrics.rejected(match refused {
                Refusal::Limited { .. } => crate::metrics::LimitKind::SigningDurable,
                Refusal::ProofNeeded | Refusal::ProofRefused(_) => {
                    crate::metrics::LimitKind::ProofOfWork
                }
            });
            return Err(pow::refusal(&state, &lang, &letter, &input, refused).await);
        }
        Signing::Closed => {
            return Err(WebError::LetterClosed {
                title: letter.title,
            });
        }
        Signing::Stale(current) => {
            tracing::info!(
                letter = %letter.slug,
                shown = ?shown.version,
                current = current.version,
                "sign form from an older text refused"
            );
            // This replica may still hold the old page; the next reader gets the new one.
            state.pages.forget(&letter.slug);
            let (view, _) = letter_view(
                &state,
                &lang,
                &current,
                &Position::default(),
                Some(kind),
                Vec::new(),
                input.values(),
                true,
            )
            .await?;
            return Err(WebError::StaleSignForm(Box::new(view)));
        }
    };
    tracing::info!(letter = %letter.slug, outcome = ?outcome, "signature recorded");
    // Post/redirect/get: a reload does not sign again, and every outcome looks the same.
    Ok(Redirect::to(&format!("/letters/{}/check-inbox", letter.slug)).into_response())
}

async fn check_inbox(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Extension(lang): Extension<Lang>,
) -> Result<Response, WebError> {
    let letter = known_letter(&state, &lang, &slug).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Html(templates::check_inbox(&lang, &letter.title, &letter.slug).into_string()),
    )
        .into_response())
}

/// The one signing rule, for our form and for partners (`api::write`), run in `txn` (a
/// write transaction): whether the letter takes signatures now and of this kind, whether
/// the signer was shown its current text (`shown`; `None` means the current one), the
/// durable limits and the under-attack mode, then the record and its email. Whether the
/// letter takes signatures, and whether the form was sent from its current text, are
/// decided on the letter as read in the transaction that records: a letter closed or
/// edited a moment ago takes nothing from a form of before. (The read share-locks the
/// letter row, which `save_text` updates first, so an edit either commits before this
/// read or waits for this transaction and then sees its signature.)
#[allow(clippy::too_many_arguments)]
pub(crate) async fn sign_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    batch: &Batch,
    letter_id: i64,
    new: &signatures::NewSignature,
    shown: Option<&super::sign_form::Shown>,
    guard: &SigningGuard,
    proof: Option<&crate::abuse::pow::Proof>,
    now: chrono::DateTime<chrono::Utc>,
    caps: MailCaps,
) -> Result<Signing, sea_orm::DbErr> {
    match batch.letter(txn, letter_id).await? {
        Some(current) if accepts_signatures(&current, now) => {
            if !takes_kind(&current, new.kind) {
                return Ok(Signing::KindRefused(new.kind));
            }
            if shown.is_some_and(|shown| !shown.is_current(&current)) {
                return Ok(Signing::Stale(Box::new(current)));
            }
            let domain = new.email.domain();
            if let Some(refused) =
                guard_signing(txn, batch, guard, letter_id, domain, proof, now).await?
            {
                return Ok(Signing::Refused(refused));
            }
            let version = current.version;
            Ok(Signing::Recorded(
                signatures::record_in(txn, batch, letter_id, version, new, now, caps).await?,
            ))
        }
        _ => Ok(Signing::Closed),
    }
}

/// What the signing transaction decided.
pub(crate) enum Signing {
    Recorded(signatures::SignOutcome),
    /// The letter takes no signatures (closed, or past its deadline).
    Closed,
    /// The letter does not take signatures of this kind.
    KindRefused(SignatureKind),
    /// The form was sent from another text than the current one, which is this letter.
    Stale(Box<letter::Model>),
    /// A durable limit or the under-attack mode refused it (`abuse::durable`).
    Refused(Refusal),
}

/// The mail caps from the settings.
pub fn caps(state: &AppState) -> MailCaps {
    MailCaps {
        max_confirmation_emails: state.settings.max_confirmation_emails,
        already_signed_interval: span(state.settings.already_signed_email_interval),
        token_ttl: span(state.settings.token_ttl),
        emails_per_address_per_day: state.settings.emails_per_address_per_day,
    }
}

/// A public letter as this replica last rendered it: for the paths that decide nothing on
/// it (the signing transaction reads the letter again and decides there), so a hot letter
/// costs no query before its write. When no page of it is in memory, its first page in
/// the reader's language is rendered and kept, as a view of it would be, so the signings
/// that follow find it too (with the page cache off, the letter is read alone).
pub(super) async fn known_letter(
    state: &AppState,
    lang: &Lang,
    slug: &str,
) -> Result<letter::Model, WebError> {
    let now = state.clock.now();
    if let Some(page) = state.pages.peek(slug, now) {
        return Ok(page.letter.clone());
    }
    if !state.pages.is_on() {
        return public_letter(state, slug).await;
    }
    let page = state
        .pages
        .first_page(slug, lang.tag(), now, || load_first_page(state, slug, lang))
        .await?;
    Ok(page.letter.clone())
}

/// A letter the public may see: drafts do not exist for them.
pub(super) async fn public_letter(state: &AppState, slug: &str) -> Result<letter::Model, WebError> {
    match letters::find_by_slug(&state.db, slug)
        .await
        .step("reading the letter")?
    {
        Some(l) if l.status != LetterStatus::Draft => Ok(l),
        _ => Err(WebError::NotFound),
    }
}

/// The letter page at `position`, with the sign forms as submitted, and the counts it
/// shows. `text_changed`: the form was sent from an older text than this one.
// The form's state travels as its parts, as every caller has them at hand.
#[allow(clippy::too_many_arguments)]
pub(super) async fn letter_view(
    state: &AppState,
    lang: &Lang,
    letter: &letter::Model,
    position: &Position,
    submitted: Option<SignatureKind>,
    errors: Vec<templates::FieldError>,
    values: templates::SignFormValues,
    text_changed: bool,
) -> Result<(templates::LetterPage<'static>, Counts), WebError> {
    let targets = letters::targets(&state.db, letter.id).await?;
    // Only a letter whose text changed reads its version: the first version's date is
    // the letter's own.
    let version_changed_on = if letter.version > 1 {
        letters::version(&state.db, letter.id, letter.version)
            .await
            .step("reading the current version")?
            .map(|v| super::i18n::date(lang, v.created_at))
    } else {
        None
    };
    let earlier = |signed: i32| {
        (signed < letter.version)
            .then(|| u32::try_from(signed).ok())
            .flatten()
    };
    let counts = letters::counts(&state.db, letter.id).await?;
    let list_root = super::proofs::list_root(state, letter.id).await?;
    // The reader's language has a translation of the text (and is not the original's).
    let translation = if position.original || lang.tag().eq_ignore_ascii_case(&letter.language) {
        None
    } else {
        translations::find(&state.db, letter.id, lang.tag())
            .await
            .step("reading the letter's translation")?
    };
    let ListPage {
        rows: orgs,
        more: more_orgs,
    } = signatures::confirmed_organisations(
        &state.db,
        letter.id,
        position.organisations_after.as_ref(),
        state.settings.organisations_per_page,
    )
    .await?;
    let ListPage {
        rows: people,
        more: more_people,
    } = signatures::public_individuals(
        &state.db,
        letter.id,
        position.individuals_before.as_ref(),
        state.settings.individuals_per_page,
    )
    .await?;
    let organisations_next = orgs.last().filter(|_| more_orgs).map(|o| {
        encode_organisations(&OrganisationsAfter {
            organisation_name: o.organisation_name.clone().unwrap_or_default(),
            id: o.id,
        })
    });
    let individuals_next = people.last().filter(|_| more_people).and_then(|p| {
        Some(encode_individuals(&IndividualsAfter {
            confirmed_at: p.confirmed_at?,
            id: p.id,
        }))
    });
    let country = |code: &str| Country::name_of(code).unwrap_or(code).to_string();
    let (title, summary, language, body_html, translation) = match translation {
        Some(t) => (
            t.title,
            t.summary,
            t.language.clone(),
            crate::markdown::render(&t.body),
            Some(templates::TranslationNote {
                language: t.language,
                original_language: letter.language.clone(),
                original_href: format!("/letters/{}?text=original", letter.slug),
            }),
        ),
        None => (
            letter.title.clone(),
            letter.summary.clone(),
            letter.language.clone(),
            state.pages.body_html(letter).to_string(),
            None,
        ),
    };
    let receipts = super::receipt::views_of(state, lang, letter).await?;
    let view = templates::LetterPage {
        slug: letter.slug.clone(),
        title,
        summary,
        language,
        body_html,
        translation,
        status: match letter.status {
            LetterStatus::Draft => templates::LetterStatus::Draft,
            // Past its deadline a letter takes nothing, whether or not a job closed it yet.
            LetterStatus::Open if !accepts_signatures(letter, state.clock.now()) => {
                templates::LetterStatus::Closed
            }
            LetterStatus::Open => templates::LetterStatus::Open,
            LetterStatus::Closed => templates::LetterStatus::Closed,
            LetterStatus::Delivered => templates::LetterStatus::Delivered,
        },
        targets: targets.into_iter().map(|t| t.name).collect(),
        individual_count: u64::try_from(counts.individuals).unwrap_or(0),
        organisation_count: u64::try_from(counts.organisations).unwrap_or(0),
        goal: letter.goal.and_then(|g| u64::try_from(g).ok()),
        deadline: letter.deadline.map(|d| super::i18n::date(lang, d)),
        organisations: orgs
            .into_iter()
            .map(|o| templates::OrganisationSignatory {
                name: o.organisation_name.unwrap_or_default(),
                country: country(&o.country),
                website: o.website,
                earlier_version: earlier(o.letter_version),
            })
            .collect(),
        organisations_paging: templates::Paging {
            next: organisations_next,
            is_first: position.organisations_after.is_none(),
        },
        individuals: people
            .into_iter()
            .map(|p| templates::IndividualSignatory {
                name: p.name,
                country: country(&p.country),
                city: p.city,
                occupation: p.occupation,
                earlier_version: earlier(p.letter_version),
            })
            .collect(),
        individuals_paging: templates::Paging {
            next: individuals_next,
            is_first: position.individuals_before.is_none(),
        },
        form: templates::SignForm {
            submitted: submitted.map(|k| match k {
                SignatureKind::Individual => templates::SignerKind::Individual,
                SignatureKind::Organisation => templates::SignerKind::Organisation,
            }),
            values,
            errors,
            countries: Country::all(),
            kinds: templates::SignerKinds {
                individuals: letter.individuals_may_sign,
                organisations: letter.organisations_may_sign,
            },
        },
        preview: false,
        version: u32::try_from(letter.version).unwrap_or(1),
        text_id: super::sign_form::text_id(letter),
        form_stamp: state.stamps.mint(letter.id, state.clock.now()),
        version_changed_on,
        text_changed,
        list_root,
        receipts,
    };
    Ok((view, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_the_round_trip() {
        let individual = IndividualsAfter {
            confirmed_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(
            decode_individuals(&encode_individuals(&individual)),
            Some(individual)
        );
        let organisation = OrganisationsAfter {
            organisation_name: "Amnesty Int. – Sección".into(),
            id: 7,
        };
        assert_eq!(
            decode_organisations(&encode_organisations(&organisation)),
            Some(organisation)
        );
    }

    #[test]
    fn bad_cursors_decode_to_nothing() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        for bad in [
            String::new(),
            "not base64!".into(),
            b64("12345"),
            b64("x.1"),
            b64("1.x"),
            b64("1.-3"),
            b64("1.0"),
            b64(&format!("{}.1", i64::MAX)),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe, b'.', b'1']),
            "A".repeat(MAX_CURSOR_LEN + 1),
        ] {
            assert_eq!(decode_individuals(&bad), None, "{bad}");
        }
        assert_eq!(decode_organisations(&b64("x.Name")), None);
        assert_eq!(decode_organisations(&b64("0.Name")), None);
        assert_eq!(decode_organisations(&b64("Name")), None);
    }
}
