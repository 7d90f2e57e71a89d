//! Public letter pages: the list of open letters, one letter with its signatories and
//! sign forms, and signing.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::error::Step;
use super::sign_form::SignFormInput;
use super::{AppState, ClientIp, PUBLIC_CACHE, WebError};
use crate::abuse::Limit;
use crate::clock::span;
use crate::db;
use crate::domain::Country;
use crate::entities::{LetterStatus, SignatureKind, letter};
use crate::letters::accepts_signatures;
use crate::store::letters::{self, Counts};
use crate::store::signatures::{self, MailCaps};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/letters/{slug}", get(show))
        .route("/letters/{slug}/sign", post(sign))
        .route("/letters/{slug}/check-inbox", get(check_inbox))
}

async fn home(State(state): State<AppState>) -> Result<Response, WebError> {
    let letters = letters::list_open(&state.db)
        .await?
        .into_iter()
        .map(|(l, counts)| templates::LetterSummary {
            slug: l.slug,
            title: l.title,
            summary: l.summary,
            total_count: u64::try_from(counts.total()).unwrap_or(0),
            deadline: l.deadline.map(|d| d.format("%-d %B %Y").to_string()),
        })
        .collect::<Vec<_>>();
    Ok((
        [(header::CACHE_CONTROL, PUBLIC_CACHE)],
        Html(templates::home(&letters).into_string()),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    // A page number that is not a number is treated as the first page, not an error.
    let page = query
        .page
        .and_then(|p| p.parse::<u32>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let html = render_letter(&state, &letter, page).await?;
    Ok(([(header::CACHE_CONTROL, PUBLIC_CACHE)], Html(html)).into_response())
}

async fn sign(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(ip): ClientIp,
    form: Result<Form<SignFormInput>, FormRejection>,
) -> Result<Response, WebError> {
    if let Err(wait) = state.limits.check(Limit::Sign, ip) {
        return Err(WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let Form(input) = form?;
    let letter = public_letter(&state, &slug).await?;
    let Some(kind) = input.kind() else {
        return Err(WebError::BadRequest(
            "The form did not say whether you sign as a person or an organisation.".into(),
        ));
    };
    let new = match input.parse(kind, Some(ip.to_string())) {
        Ok(new) => new,
        Err(errors) => {
            let view = letter_view(&state, &letter, 1, Some(kind), errors, input.values()).await?;
            return Err(WebError::InvalidSignForm(Box::new(view)));
        }
    };
    let (letter_id, now, caps) = (letter.id, state.clock.now(), caps(&state));
    // Whether the letter takes signatures is decided on the letter as read in the
    // transaction that records: a letter closed a moment ago takes nothing.
    let outcome = db::write(&state.db, move |txn| {
        let new = new.clone();
        Box::pin(async move {
            match letters::find_by_id(txn, letter_id).await? {
                Some(current) if accepts_signatures(&current, now) => Ok(Some(
                    signatures::record(txn, letter_id, &new, now, caps).await?,
                )),
                _ => Ok(None),
            }
        })
    })
    .await
    .step("recording a signature")?;
    let Some(outcome) = outcome else {
        return Err(WebError::LetterClosed {
            title: letter.title,
        });
    };
    tracing::info!(letter = %letter.slug, outcome = ?outcome, "signature recorded");
    // Post/redirect/get: a reload does not sign again, and every outcome looks the same.
    Ok(Redirect::to(&format!("/letters/{}/check-inbox", letter.slug)).into_response())
}

async fn check_inbox(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Html(templates::check_inbox(&letter.title, &letter.slug).into_string()),
    )
        .into_response())
}

/// The mail caps from the settings.
pub fn caps(state: &AppState) -> MailCaps {
    MailCaps {
        max_confirmation_emails: state.settings.max_confirmation_emails,
        already_signed_interval: span(state.settings.already_signed_email_interval),
        token_ttl: span(state.settings.token_ttl),
    }
}

/// A letter the public may see: drafts do not exist for them.
async fn public_letter(state: &AppState, slug: &str) -> Result<letter::Model, WebError> {
    match letters::find_by_slug(&state.db, slug)
        .await
        .step("reading the letter")?
    {
        Some(l) if l.status != LetterStatus::Draft => Ok(l),
        _ => Err(WebError::NotFound),
    }
}

async fn render_letter(
    state: &AppState,
    letter: &letter::Model,
    page: u32,
) -> Result<String, WebError> {
    let view = letter_view(state, letter, page, None, Vec::new(), Default::default()).await?;
    Ok(templates::letter(&view).into_string())
}

/// Everything the letter page shows, with the sign forms as submitted.
async fn letter_view(
    state: &AppState,
    letter: &letter::Model,
    page: u32,
    submitted: Option<SignatureKind>,
    errors: Vec<templates::FieldError>,
    values: templates::SignFormValues,
) -> Result<templates::LetterPage<'static>, WebError> {
    let targets = letters::targets(&state.db, letter.id).await?;
    let Counts {
        individuals,
        organisations,
    } = letters::counts(&state.db, letter.id).await?;
    let orgs = signatures::confirmed_organisations(&state.db, letter.id).await?;
    let (people, more) = signatures::public_individuals(
        &state.db,
        letter.id,
        page,
        state.settings.individuals_per_page,
    )
    .await?;
    let country = |code: &str| Country::name_of(code).unwrap_or(code).to_string();
    let view = templates::LetterPage {
        slug: letter.slug.clone(),
        title: letter.title.clone(),
        summary: letter.summary.clone(),
        language: letter.language.clone(),
        body_html: crate::markdown::render(&letter.body),
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
        individual_count: u64::try_from(individuals).unwrap_or(0),
        organisation_count: u64::try_from(organisations).unwrap_or(0),
        goal: letter.goal.and_then(|g| u64::try_from(g).ok()),
        deadline: letter.deadline.map(|d| d.format("%-d %B %Y").to_string()),
        organisations: orgs
            .into_iter()
            .map(|o| templates::OrganisationSignatory {
                name: o.organisation_name.unwrap_or_default(),
                country: country(&o.country),
                website: o.website,
            })
            .collect(),
        individuals: people
            .into_iter()
            .map(|p| templates::IndividualSignatory {
                name: p.name,
                country: country(&p.country),
                city: p.city,
                occupation: p.occupation,
            })
            .collect(),
        individuals_page: page,
        individuals_has_more: more,
        form: templates::SignForm {
            submitted: submitted.map(|k| match k {
                SignatureKind::Individual => templates::SignerKind::Individual,
                SignatureKind::Organisation => templates::SignerKind::Organisation,
            }),
            values,
            errors,
            countries: Country::all(),
        },
    };
    Ok(view)
}
