//! The staff screens for letters (editors and admins): the list, writing a new letter,
//! editing one (text, address, targets, deadline, who may sign), its overview, the
//! lifecycle moves (publish, close, reopen) and the private preview link. Each write runs
//! in one `db::write` transaction together with its audit entry; the rules themselves
//! live in `crate::letters`.

use std::collections::BTreeMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use serde::Deserialize;

use super::{Staff, page};
use crate::auth::audit::{self, Entry};
use crate::db;
use crate::domain::{ShortText, SignerEmail, Slug};
use crate::entities::{LetterStatus, letter, letter_count};
use crate::letters::{Move, check_move, status_name};
use crate::store::letters::{self, LetterText, NewLetter, NewTarget, TextSaved};
use crate::web::error::{Step, database_error};
use crate::web::{AppState, ClientIp, WebError};

/// Letters per page of the list.
const PAGE_SIZE: u64 = 50;
/// Most targets one letter has.
const MAX_TARGETS: usize = 50;
/// Empty target rows a form offers besides the filled ones.
const EMPTY_TARGET_ROWS: usize = 2;
const TITLE_MAX: usize = 200;
const SUMMARY_MAX: usize = 500;
/// The whole form must also fit the request body limit (64 KiB).
const BODY_MAX: usize = 50_000;
const TARGET_TEXT_MAX: usize = 200;
const GOAL_MAX: i64 = 1_000_000_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters", get(list))
        .route("/staff/letters/new", get(new_form).post(create))
        .route("/staff/letters/{id}", get(overview))
        .route("/staff/letters/{id}/edit", get(edit_form).post(edit))
        .route("/staff/letters/{id}/publish", post(publish))
        .route("/staff/letters/{id}/close", post(close))
        .route("/staff/letters/{id}/reopen", post(reopen))
        .route("/staff/letters/{id}/preview-link", post(preview_link))
}

fn utc_minutes(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

// ---------------------------------------------------------------------------------------
// The list

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    status: String,
    before: String,
}

fn status_of(name: &str) -> Option<LetterStatus> {
    match name {
        "draft" => Some(LetterStatus::Draft),
        "open" => Some(LetterStatus::Open),
        "closed" => Some(LetterStatus::Closed),
        "delivered" => Some(LetterStatus::Delivered),
        _ => None,
    }
}

/// Every letter, newest (highest id) first, `PAGE_SIZE` at a time by keyset
/// (`?before=<last id>`), optionally of one status.
async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let status = match q.status.trim() {
        "" => None,
        s => Some(status_of(s).ok_or_else(|| {
            WebError::BadRequest("`status` must be draft, open, closed or delivered".into())
        })?),
    };
    let before =
        match q.before.trim() {
            "" => None,
            b => Some(b.parse::<i64>().map_err(|_| {
                WebError::BadRequest("`before` must be the number of a letter".into())
            })?),
        };
    let mut select = letter::Entity::find().order_by_desc(letter::Column::Id);
    if let Some(status) = status {
        select = select.filter(letter::Column::Status.eq(status));
    }
    if let Some(before) = before {
        select = select.filter(letter::Column::Id.lt(before));
    }
    let mut found = select
        .limit(PAGE_SIZE + 1)
        .all(&state.db)
        .await
        .step("listing letters")?;
    let more = found.len() as u64 > PAGE_SIZE;
    found.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = found.iter().map(|l| l.id).collect();
    let counts: BTreeMap<i64, letter_count::Model> = letter_count::Entity::find()
        .filter(letter_count::Column::LetterId.is_in(ids))
        .all(&state.db)
        .await
        .step("reading letter counts")?
        .into_iter()
        .map(|c| (c.letter_id, c))
        .collect();
    let rows: Vec<templates::StaffLetterRow> = found
        .iter()
        .map(|l| {
            let c = counts.get(&l.id);
            templates::StaffLetterRow {
                id: l.id,
                title: l.title.clone(),
                slug: l.slug.clone(),
                status: status_name(l.status),
                individuals: c.map_or(0, |c| u64::try_from(c.individual_count).unwrap_or(0)),
                organisations: c.map_or(0, |c| u64::try_from(c.organisation_count).unwrap_or(0)),
                deadline: l.deadline.map(utc_minutes),
            }
        })
        .collect();
    let older = match (more, found.last()) {
        (true, Some(last)) => {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            if let Some(status) = status {
                query.append_pair("status", status_name(status));
            }
            query.append_pair("before", &last.id.to_string());
            Some(query.finish())
        }
        _ => None,
    };
    Ok(page(templates::staff_letters(
        &templates::StaffLettersPage {
            bar: staff.bar(),
            rows: &rows,
            status: status.map_or("", status_name),
            older,
        },
    )))
}

// ---------------------------------------------------------------------------------------
// The form as posted, and its checking

/// Which button sent the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Save,
    /// Render the Markdown beside the form; save nothing.
    Preview,
    /// One more empty target row; save nothing.
    AddTarget,
}

struct Posted {
    csrf: String,
    action: Action,
    values: templates::LetterFormValues,
    /// Rows past the most the form ever shows had text in them (a form made by hand).
    too_many_rows: bool,
}

/// Reads the posted fields. Target rows are `target-{i}-{field}`; rows beyond
/// `MAX_TARGETS` are not read (the check says so).
fn read_form(pairs: Vec<(String, String)>) -> Posted {
    let mut csrf = String::new();
    let mut action = Action::Save;
    let mut v = templates::LetterFormValues::default();
    let mut rows: BTreeMap<usize, templates::TargetInput> = BTreeMap::new();
    let mut too_many = false;
    for (key, value) in pairs {
        match key.as_str() {
            "csrf" => csrf = value,
            "action" => {
                action = match value.as_str() {
                    "preview" => Action::Preview,
                    "add-target" => Action::AddTarget,
                    _ => Action::Save,
                }
            }
            "title" => v.title = value,
            "slug" => v.slug = value,
            "summary" => v.summary = value,
            "body" => v.body = value,
            "language" => v.language = value,
            "deadline" => v.deadline = value,
            "goal" => v.goal = value,
            "individuals_may_sign" => v.individuals_may_sign = ticked(&value),
            "organisations_may_sign" => v.organisations_may_sign = ticked(&value),
            "organisations_need_approval" => v.organisations_need_approval = ticked(&value),
            other => {
                let Some((index, field)) = other
                    .strip_prefix("target-")
                    .and_then(|rest| rest.split_once('-'))
                    .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
                else {
                    continue;
                };
                if index >= MAX_TARGETS + EMPTY_TARGET_ROWS {
                    too_many |= !value.trim().is_empty();
                    continue;
                }
                let row = rows.entry(index).or_default();
                match field {
                    "name" => row.name = value,
                    "person" => row.person = value,
                    "person_title" => row.person_title = value,
                    "email" => row.email = value,
                    _ => {}
                }
            }
        }
    }
    v.targets = rows.into_values().collect();
    Posted {
        csrf,
        action,
        values: v,
        too_many_rows: too_many,
    }
}

/// A checkbox counts only when it was ticked (browsers send "on").
fn ticked(value: &str) -> bool {
    matches!(value, "on" | "true" | "1" | "yes")
}

/// A checked form: what will be saved.
#[derive(Clone, Debug)]
struct Checked {
    title: String,
    /// `None`: made from the title.
    slug: Option<Slug>,
    summary: String,
    body: String,
    language: String,
    deadline: Option<DateTime<Utc>>,
    goal: Option<i64>,
    individuals_may_sign: bool,
    organisations_may_sign: bool,
    organisations_need_approval: bool,
    targets: Vec<NewTarget>,
}

impl Checked {
    fn slug(&self) -> Slug {
        self.slug
            .clone()
            .unwrap_or_else(|| Slug::from_title(&self.title))
    }
}

fn error(errors: &mut Vec<templates::FieldError>, field: &str, message: impl Into<String>) {
    errors.push(templates::FieldError {
        field: field.to_owned(),
        message: message.into(),
    });
}

/// A language tag as BCP 47 spells it, loosely: `en`, `pt-BR`, `zh-Hant`, `sr-Latn-RS`.
fn language_ok(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    first_ok
        && tag.len() <= 35
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A deadline typed as `YYYY-MM-DDTHH:MM` (what a `datetime-local` input sends), with
/// optional seconds, or with a space instead of the `T`; always UTC.
fn parse_deadline(input: &str) -> Option<DateTime<Utc>> {
    let input = input.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(input, f).ok())
        .map(|naive| naive.and_utc())
}

/// Checks every field at once. `current` is the letter being edited (`None` for a new
/// one): its address is locked once it has opened, and a deadline it already has may
/// stay in the past (a letter closed by its deadline can still be corrected).
fn check(
    v: &templates::LetterFormValues,
    current: Option<&letter::Model>,
    now: DateTime<Utc>,
) -> Result<Checked, Vec<templates::FieldError>> {
    let mut errors = Vec::new();
    let title = match ShortText::parse_optional(&v.title, TITLE_MAX) {
        Ok(Some(t)) => t.as_str().to_owned(),
        Ok(None) => {
            error(&mut errors, "title", "Enter a title");
            String::new()
        }
        Err(e) => {
            error(&mut errors, "title", e.to_string());
            String::new()
        }
    };
    let typed_slug = v.slug.trim();
    let locked = current.filter(|l| l.opened_at.is_some());
    let slug = match (locked, typed_slug) {
        (Some(l), "") => Slug::parse(&l.slug).ok(),
        (Some(l), typed) if typed != l.slug => {
            error(
                &mut errors,
                "slug",
                format!(
                    "The address cannot change once the letter has been published: it stays {}",
                    l.slug
                ),
            );
            None
        }
        (_, "") => None,
        (_, typed) => match Slug::parse(typed) {
            Ok(s) => Some(s),
            Err(e) => {
                error(&mut errors, "slug", e.to_string());
                None
            }
        },
    };
    let summary = match ShortText::parse_optional(&v.summary, SUMMARY_MAX) {
        Ok(s) => s.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        Err(e) => {
            error(&mut errors, "summary", e.to_string());
            String::new()
        }
    };
    let body = v.body.replace("\r\n", "\n");
    if body.chars().count() > BODY_MAX {
        error(
            &mut errors,
            "body",
            format!("Shorten the text to at most {BODY_MAX} characters"),
        );
    }
    if body.contains('\0') {
        error(
            &mut errors,
            "body",
            "Remove the NUL characters from the text",
        );
    }
    let language = v.language.trim();
    if !language_ok(language) {
        error(
            &mut errors,
            "language",
            "Enter a language tag such as en, fr or pt-BR",
        );
    }
    let deadline = match v.deadline.trim() {
        "" => None,
        typed => match parse_deadline(typed) {
            Some(at) if at <= now && current.and_then(|l| l.deadline) != Some(at) => {
                error(&mut errors, "deadline", "Enter a deadline in the future");
                None
            }
            Some(at) => Some(at),
            None => {
                error(
                    &mut errors,
                    "deadline",
                    "Enter the deadline as a date and time in UTC, like 2026-12-31T18:00",
                );
                None
            }
        },
    };
    let goal = match v.goal.trim() {
        "" => None,
        typed => match typed.parse::<i64>() {
            Ok(g) if (1..=GOAL_MAX).contains(&g) => Some(g),
            _ => {
                error(
                    &mut errors,
                    "goal",
                    format!(
                        "Enter the goal as a whole number from 1 to {GOAL_MAX}, or leave it empty"
                    ),
                );
                None
            }
        },
    };
    if !v.individuals_may_sign && !v.organisations_may_sign {
        error(
            &mut errors,
            "kinds",
            "Choose who may sign: organisations, individuals, or both",
        );
    }
    let mut targets = Vec::new();
    let filled = v.targets.iter().enumerate().filter(|(_, t)| !t.is_empty());
    for (i, t) in filled {
        if targets.len() >= MAX_TARGETS {
            error(
                &mut errors,
                "targets",
                format!("A letter has at most {MAX_TARGETS} targets"),
            );
            break;
        }
        let field = |f: &str| format!("target-{i}-{f}");
        let text = |errors: &mut Vec<_>, f: &str, value: &str| match ShortText::parse_optional(
            value,
            TARGET_TEXT_MAX,
        ) {
            Ok(t) => t.map(|t| t.as_str().to_owned()),
            Err(e) => {
                error(errors, &field(f), e.to_string());
                None
            }
        };
        let name = text(&mut errors, "name", &t.name);
        if name.is_none() && t.name.trim().is_empty() {
            error(&mut errors, &field("name"), "Enter the institution's name");
        }
        let person = text(&mut errors, "person", &t.person);
        let person_title = text(&mut errors, "person_title", &t.person_title);
        let email = match SignerEmail::parse(&t.email) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                error(
                    &mut errors,
                    &field("email"),
                    "Enter the institution's email address, like office@example.org",
                );
                None
            }
        };
        if let (Some(name), Some(email)) = (name, email) {
            targets.push(NewTarget {
                name,
                email,
                person,
                person_title,
            });
        }
    }
    if current.is_some_and(|l| l.status == LetterStatus::Open) && targets.is_empty() {
        error(
            &mut errors,
            "targets",
            "An open letter needs at least one target",
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        title,
        slug,
        summary,
        body,
        language: language.to_owned(),
        deadline,
        goal,
        individuals_may_sign: v.individuals_may_sign,
        organisations_may_sign: v.organisations_may_sign,
        organisations_need_approval: v.organisations_need_approval,
        targets,
    })
}

fn slug_taken(slug: &Slug) -> Vec<templates::FieldError> {
    vec![templates::FieldError {
        field: "slug".into(),
        message: format!("Another letter already has the address {slug}: choose another one"),
    }]
}

/// What the form shows around the values.
#[derive(Default)]
struct FormExtras<'a> {
    errors: &'a [templates::FieldError],
    preview_html: Option<&'a str>,
    notice: Option<&'a str>,
}

fn render_form(
    staff: &Staff,
    current: Option<&letter::Model>,
    values: &templates::LetterFormValues,
    extras: FormExtras<'_>,
) -> maud::Markup {
    templates::letter_form(&templates::LetterFormPage {
        bar: staff.bar(),
        letter_id: current.map(|l| l.id),
        values,
        errors: extras.errors,
        slug_locked: current.is_some_and(|l| l.opened_at.is_some()),
        preview_html: extras.preview_html,
        notice: extras.notice,
    })
}

/// The form again after Preview or "Add another target", or with its mistakes (422).
/// Returns `None` when the form is to be saved.
fn unsaved_answer(
    staff: &Staff,
    current: Option<&letter::Model>,
    posted: &mut Posted,
) -> Option<Response> {
    match posted.action {
        Action::Save => None,
        Action::Preview => {
            let html = crate::markdown::render(&posted.values.body);
            Some(page(render_form(
                staff,
                current,
                &posted.values,
                FormExtras {
                    preview_html: Some(&html),
                    ..FormExtras::default()
                },
            )))
        }
        Action::AddTarget => {
            if posted.values.targets.len() < MAX_TARGETS + EMPTY_TARGET_ROWS {
                posted
                    .values
                    .targets
                    .push(templates::TargetInput::default());
            }
            Some(page(render_form(
                staff,
                current,
                &posted.values,
                FormExtras::default(),
            )))
        }
    }
}

fn invalid(
    staff: &Staff,
    current: Option<&letter::Model>,
    values: &templates::LetterFormValues,
    errors: &[templates::FieldError],
) -> WebError {
    WebError::InvalidStaffForm(Box::new(render_form(
        staff,
        current,
        values,
        FormExtras {
            errors,
            ..FormExtras::default()
        },
    )))
}

// ---------------------------------------------------------------------------------------
// Create

async fn new_form(staff: Staff) -> Response {
    let values = templates::LetterFormValues {
        language: "en".into(),
        individuals_may_sign: true,
        organisations_may_sign: true,
        organisations_need_approval: true,
        targets: vec![templates::TargetInput::default(); EMPTY_TARGET_ROWS],
        ..Default::default()
    };
    page(render_form(&staff, None, &values, FormExtras::default()))
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(pairs) = form?;
    let mut posted = read_form(pairs);
    staff.check_csrf(&posted.csrf)?;
    if posted.too_many_rows {
        return Err(WebError::BadRequest(format!(
            "A letter has at most {MAX_TARGETS} targets."
        )));
    }
    if let Some(answer) = unsaved_answer(&staff, None, &mut posted) {
        return Ok(answer);
    }
    let now = state.clock.now();
    let checked = match check(&posted.values, None, now) {
        Ok(c) => c,
        Err(errors) => return Err(invalid(&staff, None, &posted.values, &errors)),
    };
    let slug = checked.slug();
    let actor = staff.actor();
    let new = NewLetter {
        slug: slug.as_str().to_owned(),
        title: checked.title.clone(),
        summary: checked.summary.clone(),
        body: checked.body.clone(),
        language: checked.language.clone(),
        status: LetterStatus::Draft,
        goal: checked.goal,
        deadline: checked.deadline,
        individuals_may_sign: checked.individuals_may_sign,
        organisations_may_sign: checked.organisations_may_sign,
        organisations_need_approval: checked.organisations_need_approval,
        targets: checked.targets.clone(),
    };
    let created = db::write(&state.db, move |txn| {
        let (new, actor) = (new.clone(), actor.clone());
        Box::pin(async move {
            if letters::find_by_slug(txn, &new.slug).await?.is_some() {
                return Ok(None);
            }
            let targets = new.targets.len();
            let letter = letters::create(txn, new, now).await?;
            audit::record(
                txn,
                Entry {
                    actor,
                    action: "letter.create",
                    subject: Some(&letter.slug),
                    detail: Some(serde_json::json!({
                        "letter_id": letter.id,
                        "title": letter.title,
                        "targets": targets,
                    })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Some(letter.id))
        })
    })
    .await;
    match created {
        Ok(Some(id)) => {
            Ok(Redirect::to(&format!("/staff/letters/{id}/edit?saved=created")).into_response())
        }
        // Taken before, or by a create that committed between the check and the insert:
        // the unique index decides, and either way it is the same message.
        Ok(None) => Err(invalid(&staff, None, &posted.values, &slug_taken(&slug))),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(invalid(&staff, None, &posted.values, &slug_taken(&slug)))
        }
        Err(e) => Err(database_error(e, "creating a letter")),
    }
}

// ---------------------------------------------------------------------------------------
// Edit

async fn find(state: &AppState, id: i64) -> Result<letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)
}

fn values_of(
    l: &letter::Model,
    targets: &[crate::entities::target::Model],
) -> templates::LetterFormValues {
    let mut rows: Vec<templates::TargetInput> = targets
        .iter()
        .map(|t| templates::TargetInput {
            name: t.name.clone(),
            person: t.person.clone().unwrap_or_default(),
            person_title: t.person_title.clone().unwrap_or_default(),
            email: t.email.clone(),
        })
        .collect();
    rows.extend(std::iter::repeat_n(
        templates::TargetInput::default(),
        EMPTY_TARGET_ROWS,
    ));
    templates::LetterFormValues {
        title: l.title.clone(),
        slug: l.slug.clone(),
        summary: l.summary.clone(),
        body: l.body.clone(),
        language: l.language.clone(),
        deadline: l
            .deadline
            .map(|d| d.format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        goal: l.goal.map(|g| g.to_string()).unwrap_or_default(),
        individuals_may_sign: l.individuals_may_sign,
        organisations_may_sign: l.organisations_may_sign,
        organisations_need_approval: l.organisations_need_approval,
        targets: rows,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SavedQuery {
    /// What the last save did: `created`, `unchanged`, `replaced` or `new`.
    saved: String,
    version: Option<i32>,
}

fn saved_notice(q: &SavedQuery) -> Option<String> {
    match (q.saved.as_str(), q.version) {
        ("created", _) => Some("The letter was saved as a draft.".into()),
        ("unchanged", _) => Some("Saved. The text did not change.".into()),
        ("replaced", Some(v)) => Some(format!(
            "Saved. Nobody had signed version {v} yet, so it was corrected in place."
        )),
        ("new", Some(v)) => Some(format!(
            "Saved as version {v}: signatures given to version {} keep it.",
            v - 1
        )),
        _ => None,
    }
}

async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let letter = find(&state, id).await?;
    let targets = letters::targets(&state.db, id)
        .await
        .step("reading the targets")?;
    let values = values_of(&letter, &targets);
    let notice = saved_notice(&q);
    Ok(page(render_form(
        &staff,
        Some(&letter),
        &values,
        FormExtras {
            notice: notice.as_deref(),
            ..FormExtras::default()
        },
    )))
}

/// Why a save was refused inside its transaction.
#[derive(Clone, Debug)]
enum EditRefused {
    Gone,
    SlugTaken,
    /// The letter opened (or its targets changed) since the form was checked.
    Recheck,
}

async fn edit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(pairs) = form?;
    let mut posted = read_form(pairs);
    staff.check_csrf(&posted.csrf)?;
    if posted.too_many_rows {
        return Err(WebError::BadRequest(format!(
            "A letter has at most {MAX_TARGETS} targets."
        )));
    }
    let current = find(&state, id).await?;
    if let Some(answer) = unsaved_answer(&staff, Some(&current), &mut posted) {
        return Ok(answer);
    }
    let now = state.clock.now();
    let checked = match check(&posted.values, Some(&current), now) {
        Ok(c) => c,
        Err(errors) => return Err(invalid(&staff, Some(&current), &posted.values, &errors)),
    };
    let slug = checked.slug();
    let (actor, account_id) = (staff.actor(), staff.account_id);
    let checked_against = current.clone();
    let work = checked.clone();
    let saved = db::write(&state.db, move |txn| {
        let (c, actor, slug, before) = (
            work.clone(),
            actor.clone(),
            slug.clone(),
            checked_against.clone(),
        );
        Box::pin(async move {
            let Some(letter) = letters::find_by_id(txn, id).await? else {
                return Ok(Err(EditRefused::Gone));
            };
            // The rules that depend on the letter's state are checked again on the row
            // as read here: it may have opened since the form was checked.
            if letter.opened_at.is_some() && letter.slug != slug.as_str()
                || letter.status != before.status
                || letter.opened_at != before.opened_at
            {
                return Ok(Err(EditRefused::Recheck));
            }
            if letter.slug != slug.as_str()
                && letters::find_by_slug(txn, slug.as_str()).await?.is_some()
            {
                return Ok(Err(EditRefused::SlugTaken));
            }
            let old_targets: Vec<NewTarget> = letters::targets(txn, id)
                .await?
                .into_iter()
                .map(|t| NewTarget {
                    name: t.name,
                    email: t.email,
                    person: t.person,
                    person_title: t.person_title,
                })
                .collect();
            let mut changed: Vec<&str> = Vec::new();
            let mut note = |name: &'static str, differs: bool| {
                if differs {
                    changed.push(name);
                }
            };
            note("title", letter.title != c.title);
            note("summary", letter.summary != c.summary);
            note("body", letter.body != c.body);
            note("slug", letter.slug != slug.as_str());
            note("language", letter.language != c.language);
            note("deadline", letter.deadline != c.deadline);
            note("goal", letter.goal != c.goal);
            note(
                "individuals_may_sign",
                letter.individuals_may_sign != c.individuals_may_sign,
            );
            note(
                "organisations_may_sign",
                letter.organisations_may_sign != c.organisations_may_sign,
            );
            note(
                "organisations_need_approval",
                letter.organisations_need_approval != c.organisations_need_approval,
            );
            note("targets", old_targets != c.targets);
            let outcome = letters::save_text(
                txn,
                id,
                LetterText {
                    title: c.title.clone(),
                    summary: c.summary.clone(),
                    body: c.body.clone(),
                },
                Some(account_id),
                now,
            )
            .await?;
            let Some(after_text) = letters::find_by_id(txn, id).await? else {
                return Ok(Err(EditRefused::Gone));
            };
            let mut active: letter::ActiveModel = after_text.into();
            active.slug = Set(slug.as_str().to_owned());
            active.language = Set(c.language.clone());
            active.deadline = Set(c.deadline);
            active.goal = Set(c.goal);
            active.individuals_may_sign = Set(c.individuals_may_sign);
            active.organisations_may_sign = Set(c.organisations_may_sign);
            active.organisations_need_approval = Set(c.organisations_need_approval);
            active.updated_at = Set(now);
            active.update(txn).await?;
            if old_targets != c.targets {
                letters::replace_targets(txn, id, c.targets.clone()).await?;
            }
            let version = match outcome {
                TextSaved::Unchanged => serde_json::json!("unchanged"),
                TextSaved::Replaced { version } => serde_json::json!({ "replaced": version }),
                TextSaved::NewVersion { version } => serde_json::json!({ "new": version }),
            };
            audit::record(
                txn,
                Entry {
                    actor,
                    action: "letter.edit",
                    subject: Some(slug.as_str()),
                    detail: Some(serde_json::json!({
                        "letter_id": id,
                        "changed": changed,
                        "version": version,
                    })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Ok(outcome))
        })
    })
    .await;
    let outcome = match saved {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(EditRefused::Gone)) => return Err(WebError::NotFound),
        Ok(Err(EditRefused::SlugTaken)) => {
            return Err(invalid(
                &staff,
                Some(&current),
                &posted.values,
                &slug_taken(&checked.slug()),
            ));
        }
        Ok(Err(EditRefused::Recheck)) => {
            return Err(WebError::Conflict(
                "The letter changed while you were editing it (it may have been published). Reload it and make your changes again.".into(),
            ));
        }
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(invalid(
                &staff,
                Some(&current),
                &posted.values,
                &slug_taken(&checked.slug()),
            ));
        }
        Err(e) => return Err(database_error(e, "saving a letter")),
    };
    // This replica shows the new text at once; others within the cache time.
    state.pages.forget(&current.slug);
    state.pages.forget(checked.slug().as_str());
    let query = match outcome {
        TextSaved::Unchanged => "saved=unchanged".to_owned(),
        TextSaved::Replaced { version } => format!("saved=replaced&version={version}"),
        TextSaved::NewVersion { version } => format!("saved=new&version={version}"),
    };
    Ok(Redirect::to(&format!("/staff/letters/{id}/edit?{query}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Overview

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "publish" => "The letter is published: it is open for signatures.",
        "close" => "The letter is closed: it takes no more signatures.",
        "reopen" => "The letter is open again.",
        "preview-link" => "A new preview link was made; the earlier one no longer works.",
        "preview-revoke" => "The preview link was revoked.",
        _ => return None,
    })
}

async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let letter = find(&state, id).await?;
    let targets: Vec<templates::TargetView> = letters::targets(&state.db, id)
        .await
        .step("reading the targets")?
        .into_iter()
        .map(|t| templates::TargetView {
            name: t.name,
            person: t.person,
            person_title: t.person_title,
            email: t.email,
        })
        .collect();
    let versions: Vec<templates::VersionView> = letters::versions(&state.db, id)
        .await
        .step("reading the versions")?
        .into_iter()
        .map(|v| templates::VersionView {
            number: v.number,
            title: v.title,
            created_at: utc_minutes(v.created_at),
        })
        .collect();
    let counts = letters::counts(&state.db, id)
        .await
        .step("reading the counts")?;
    let public_url = (letter.status != LetterStatus::Draft)
        .then(|| crate::outbox::link(&state.settings, &format!("letters/{}", letter.slug)));
    let preview_url = letter.preview_key.as_deref().map(|key| {
        let path = templates::preview_path(&letter.slug, key);
        crate::outbox::link(&state.settings, path.trim_start_matches('/'))
    });
    let under_attack = crate::abuse::attack::status(&state.db, id)
        .await
        .step("reading the under-attack mode")?
        .map(|m| {
            let state = if m.active { "on" } else { "off" };
            format!("{state} since {}: {}", utc_minutes(m.changed_at), m.reason)
        });
    let kinds = match (letter.organisations_may_sign, letter.individuals_may_sign) {
        (true, true) => "organisations and individuals",
        (true, false) => "organisations only",
        (false, true) => "individuals only",
        (false, false) => "nobody",
    };
    Ok(page(templates::letter_overview(
        &templates::LetterOverviewPage {
            bar: staff.bar(),
            id,
            title: &letter.title,
            slug: &letter.slug,
            status: status_name(letter.status),
            individuals: u64::try_from(counts.individuals).unwrap_or(0),
            organisations: u64::try_from(counts.organisations).unwrap_or(0),
            goal: letter.goal,
            deadline: letter.deadline.map(utc_minutes),
            kinds,
            organisations_need_approval: letter.organisations_need_approval,
            public_url,
            preview_url,
            targets: &targets,
            versions: &versions,
            current_version: letter.version,
            notice: done_notice(&q.done),
            under_attack,
        },
    )))
}

// ---------------------------------------------------------------------------------------
// Lifecycle

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfInput {
    csrf: String,
    action: String,
}

async fn publish(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    id: Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    lifecycle(state, ip, staff, id, form, Move::Publish).await
}

async fn close(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    id: Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    lifecycle(state, ip, staff, id, form, Move::Close).await
}

async fn reopen(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    id: Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    lifecycle(state, ip, staff, id, form, Move::Reopen).await
}

/// Makes one move in a write transaction: the rule (`letters::check_move`) is checked on
/// the letter and its targets as read there, and the move is recorded with it.
async fn lifecycle(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
    step: Move,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let now = state.clock.now();
    let actor = staff.actor();
    let moved = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move {
            let Some(letter) = letters::find_by_id(txn, id).await? else {
                return Ok(None);
            };
            let targets = letters::targets(txn, id).await?.len();
            if let Err(refused) = check_move(&letter, targets, step, now) {
                return Ok(Some(Err(refused)));
            }
            let from = letter.status;
            let slug = letter.slug.clone();
            let mut active: letter::ActiveModel = letter.clone().into();
            match step {
                Move::Publish => {
                    active.status = Set(LetterStatus::Open);
                    if letter.opened_at.is_none() {
                        active.opened_at = Set(Some(now));
                    }
                }
                Move::Reopen => {
                    active.status = Set(LetterStatus::Open);
                    active.closed_at = Set(None);
                }
                Move::Close => {
                    active.status = Set(LetterStatus::Closed);
                    active.closed_at = Set(Some(now));
                }
            }
            active.updated_at = Set(now);
            active.update(txn).await?;
            let event = match step {
                Move::Publish | Move::Reopen => crate::webhooks::Event::LetterOpened,
                Move::Close => crate::webhooks::Event::LetterClosed,
            };
            crate::webhooks::enqueue_event(txn, id, event, now).await?;
            audit::record(
                txn,
                Entry {
                    actor,
                    action: step.action(),
                    subject: Some(&slug),
                    detail: Some(serde_json::json!({
                        "letter_id": id,
                        "from": status_name(from),
                    })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Some(Ok(slug)))
        })
    })
    .await
    .step("changing a letter's status")?;
    match moved {
        None => Err(WebError::NotFound),
        Some(Err(refused)) => Err(WebError::Conflict(refused.to_string())),
        Some(Ok(slug)) => {
            // This replica shows the new status at once; others within the cache time.
            state.pages.forget(&slug);
            let done = match step {
                Move::Publish => "publish",
                Move::Close => "close",
                Move::Reopen => "reopen",
            };
            Ok(Redirect::to(&format!("/staff/letters/{id}?done={done}")).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------
// The private preview link

/// Makes (or replaces) the letter's preview key, or revokes it (`action=revoke`). The key
/// itself never goes into the audit log.
async fn preview_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let revoke = input.action == "revoke";
    let now = state.clock.now();
    let actor = staff.actor();
    let done = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move {
            let Some(letter) = letters::find_by_id(txn, id).await? else {
                return Ok(false);
            };
            let slug = letter.slug.clone();
            let replaced = letter.preview_key.is_some();
            let key = (!revoke).then(new_preview_key);
            let mut active: letter::ActiveModel = letter.into();
            active.preview_key = Set(key);
            active.update(txn).await?;
            audit::record(
                txn,
                Entry {
                    actor,
                    action: if revoke {
                        "letter.preview_link_revoke"
                    } else {
                        "letter.preview_link"
                    },
                    subject: Some(&slug),
                    detail: Some(serde_json::json!({ "letter_id": id, "replaced": replaced })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(true)
        })
    })
    .await
    .step("changing a preview link")?;
    if !done {
        return Err(WebError::NotFound);
    }
    let done = if revoke {
        "preview-revoke"
    } else {
        "preview-link"
    };
    Ok(Redirect::to(&format!("/staff/letters/{id}?done={done}")).into_response())
}

/// 32 random bytes, URL-safe (unpadded base64url, 43 characters).
fn new_preview_key() -> String {
    crate::domain::ConfirmationToken::generate()
        .as_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for ok in ["en", "fr", "pt-BR", "zh-Hant", "sr-Latn-RS", "ast"] {
            assert!(language_ok(ok), "{ok}");
        }
        for bad in [
            "", "EN", "e", "english", "en_GB", "en-", "-en", "en--gb", "<b>",
        ] {
            assert!(!language_ok(bad), "{bad}");
        }
    }

    #[test]
    fn deadlines_are_read_as_utc() {
        let at = parse_deadline("2026-12-31T18:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-31T18:00:00+00:00");
        assert_eq!(parse_deadline("2026-12-31 18:00"), Some(at));
        assert_eq!(parse_deadline("31/12/2026"), None);
        assert_eq!(parse_deadline("2026-02-30T10:00"), None);
    }

    #[test]
    fn target_rows_are_read_by_index() {
        let posted = read_form(vec![
            ("csrf".into(), "t".into()),
            ("target-1-email".into(), "b@example.org".into()),
            ("target-0-name".into(), "A".into()),
            ("target-1-name".into(), "B".into()),
            ("action".into(), "add-target".into()),
        ]);
        assert_eq!(posted.action, Action::AddTarget);
        assert_eq!(posted.values.targets.len(), 2);
        assert_eq!(posted.values.targets[0].name, "A");
        assert_eq!(posted.values.targets[1].email, "b@example.org");
    }
}
