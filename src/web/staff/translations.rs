//! The translations of a letter (`/staff/letters/{id}/translations`): staff write the
//! title, summary and body in another interface language; the letter's own text stays
//! the authoritative original. Every change is audited and refreshes the cached pages.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Staff, page};
use crate::auth::audit::{self, Entry};
use crate::db;
use crate::entities::letter;
use crate::store::{letters, translations};
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

/// Longest title and summary taken, as for the letter's own text.
const MAX_TITLE: usize = 300;
const MAX_SUMMARY: usize = 2_000;
/// Longest translated body: a long letter with room to spare.
const MAX_BODY: usize = 100_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/translations", get(show).post(save))
        .route("/staff/letters/{id}/translations/delete", post(delete))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ShowQuery {
    done: String,
}

async fn find(state: &AppState, id: i64) -> Result<letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)
}

/// The languages a letter may be translated into: the offered ones but its own.
fn targets(letter: &letter::Model) -> impl Iterator<Item = &'static templates::Language> {
    templates::LANGUAGES
        .iter()
        .filter(|l| !l.tag.eq_ignore_ascii_case(&letter.language))
}

/// The screen, with `sent` (a form that came back with a problem) in place of its
/// language's saved translation.
async fn screen(
    state: &AppState,
    staff: &Staff,
    letter: &letter::Model,
    sent: Option<templates::TranslationForm>,
    notice: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let saved = translations::list(&state.db, letter.id)
        .await
        .step("reading the translations")?;
    let forms = targets(letter)
        .map(|l| {
            if let Some(sent) = sent.as_ref().filter(|s| s.language == l.tag) {
                return sent.clone();
            }
            let t = saved.iter().find(|t| t.language == l.tag);
            templates::TranslationForm {
                language: l.tag.to_owned(),
                language_name: l.name.to_owned(),
                title: t.map(|t| t.title.clone()).unwrap_or_default(),
                summary: t.map(|t| t.summary.clone()).unwrap_or_default(),
                body: t.map(|t| t.body.clone()).unwrap_or_default(),
                updated: t.map(|t| t.updated_at.format("%Y-%m-%d %H:%M").to_string()),
                error: None,
            }
        })
        .collect();
    Ok(templates::translations(&templates::TranslationsPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        letter_language: &letter.language,
        forms,
        notice,
    }))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let letter = find(&state, id).await?;
    let notice = match q.done.as_str() {
        "saved" => Some("The translation is saved; readers in that language see it now."),
        "removed" => Some("The translation is removed; readers in that language see the original."),
        _ => None,
    };
    Ok(page(screen(&state, &staff, &letter, None, notice).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TranslationInput {
    csrf: String,
    language: String,
    title: String,
    summary: String,
    body: String,
}

/// What is wrong with a translation as sent, in the workspace's words.
fn problem(input: &TranslationInput) -> Option<String> {
    let chars = |s: &str| s.chars().count();
    let control = |s: &str| {
        s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    };
    if input.title.trim().is_empty() || input.body.trim().is_empty() {
        Some("Enter the translated title and text.".into())
    } else if chars(&input.title) > MAX_TITLE
        || chars(&input.summary) > MAX_SUMMARY
        || chars(&input.body) > MAX_BODY
    {
        Some(format!(
            "Keep the title within {MAX_TITLE} characters, the summary within {MAX_SUMMARY} and the text within {MAX_BODY}."
        ))
    } else if control(&input.title) || control(&input.summary) || control(&input.body) {
        Some("Remove the control characters from the translation.".into())
    } else {
        None
    }
}

async fn save(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<TranslationInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let letter = find(&state, id).await?;
    let Some(language) = targets(&letter).find(|l| l.tag == input.language) else {
        return Err(WebError::BadRequest(
            "A letter is translated into one of the offered languages other than its own.".into(),
        ));
    };
    if let Some(error) = problem(&input) {
        let sent = templates::TranslationForm {
            language: language.tag.to_owned(),
            language_name: language.name.to_owned(),
            title: input.title,
            summary: input.summary,
            body: input.body,
            updated: None,
            error: Some(error),
        };
        let markup = screen(&state, &staff, &letter, Some(sent), None).await?;
        return Err(WebError::InvalidStaffForm(Box::new(markup)));
    }
    let (now, actor, tag, slug) = (
        state.clock.now(),
        staff.actor(),
        language.tag,
        letter.slug.clone(),
    );
    let text = (
        input.title.trim().to_owned(),
        input.summary.trim().to_owned(),
        input.body,
    );
    db::write(&state.db, move |txn| {
        let (actor, text, slug) = (actor.clone(), text.clone(), slug.clone());
        Box::pin(async move {
            translations::save(txn, id, tag, (&text.0, &text.1, &text.2), now).await?;
            audit::record(
                txn,
                Entry {
                    actor,
                    action: "letter.translation_save",
                    subject: Some(&slug),
                    detail: Some(serde_json::json!({ "letter_id": id, "language": tag })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await
        })
    })
    .await
    .step("saving a translation")?;
    state.pages.forget(&letter.slug);
    Ok(Redirect::to(&format!("/staff/letters/{id}/translations?done=saved")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteInput {
    csrf: String,
    language: String,
}

async fn delete(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<DeleteInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let letter = find(&state, id).await?;
    // Translations exist only in the offered languages: anything else (a NUL, which
    // PostgreSQL refuses in text, included) is answered here, not sent to the database.
    let Some(offered) = templates::LANGUAGES
        .iter()
        .find(|l| l.tag == input.language)
    else {
        return Err(WebError::BadRequest(
            "There is no translation in that language to remove.".into(),
        ));
    };
    let (now, actor, slug, language) = (
        state.clock.now(),
        staff.actor(),
        letter.slug.clone(),
        offered.tag.to_owned(),
    );
    db::write(&state.db, move |txn| {
        let (actor, slug, language) = (actor.clone(), slug.clone(), language.clone());
        Box::pin(async move {
            if translations::delete(txn, id, &language).await? {
                audit::record(
                    txn,
                    Entry {
                        actor,
                        action: "letter.translation_delete",
                        subject: Some(&slug),
                        detail: Some(serde_json::json!({ "letter_id": id, "language": language })),
                        client_ip: Some(ip),
                    },
                    now,
                )
                .await?;
            }
            Ok(())
        })
    })
    .await
    .step("removing a translation")?;
    state.pages.forget(&letter.slug);
    Ok(Redirect::to(&format!("/staff/letters/{id}/translations?done=removed")).into_response())
}
