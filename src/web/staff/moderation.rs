//! Moderation of one letter's signatures (editors and admins): the approval queue of
//! organisations (`/staff/letters/{id}/approvals`), the signature search
//! (`/staff/letters/{id}/signatures`) and invalidate/restore, of one signature or of every
//! match after a page that shows the exact number. Admins see addresses and IPs; editors
//! see email domains. The rules and writes live in `store::moderation`.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Staff, page};
use crate::db;
use crate::entities::{SignatureStatus, letter, signature};
use crate::store::letters;
use crate::store::moderation::{
    self, Action, Decision, FilterError, Filters, REJECT_REASON_MAX_CHARS, RawFilters, Reviewer,
    domain_matches, email_domain, status_name,
};
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

/// Organisations per page of the approval queue.
const QUEUE_PAGE: u64 = 20;
/// Signatures per page of the search.
const SEARCH_PAGE: u64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/approvals", get(approvals))
        .route("/staff/letters/{id}/approvals/approve", post(approve))
        .route("/staff/letters/{id}/approvals/reject", post(reject))
        .route("/staff/letters/{id}/signatures", get(search))
        .route(
            "/staff/letters/{id}/signatures/invalidate",
            post(invalidate),
        )
        .route("/staff/letters/{id}/signatures/restore", post(restore))
}

async fn find_letter(state: &AppState, id: i64) -> Result<letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter to moderate")?
        .ok_or(WebError::NotFound)
}

fn reviewer(staff: &Staff, ip: std::net::IpAddr) -> Reviewer {
    Reviewer {
        account_id: staff.account_id,
        email: staff.email.clone(),
        client_ip: Some(ip),
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn parse_id(text: &str, what: &str) -> Result<i64, WebError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| WebError::BadRequest(format!("`{what}` must be a number")))
}

fn optional_id(text: &str, what: &str) -> Result<Option<i64>, WebError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_id(text, what).map(Some)
    }
}

// ---------------------------------------------------------------------------------------
// Approval queue

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueueQuery {
    after: String,
    done: String,
}

/// A rejection that could not be taken, shown beside its row.
struct RejectProblem {
    signature_id: i64,
    reason: String,
    message: String,
}

async fn render_queue(
    state: &AppState,
    staff: &Staff,
    letter: &letter::Model,
    after: Option<i64>,
    notice: Option<&str>,
    problem: Option<&RejectProblem>,
) -> Result<maud::Markup, WebError> {
    let queue = moderation::approval_queue(&state.db, letter.id, after, QUEUE_PAGE)
        .await
        .step("reading the approval queue")?;
    let rows: Vec<templates::ApprovalRow> = queue
        .rows
        .iter()
        .map(|s| {
            let domain = email_domain(&s.email_normalized).to_owned();
            let problem = problem.filter(|p| p.signature_id == s.id);
            templates::ApprovalRow {
                id: s.id,
                organisation: s.organisation_name.clone().unwrap_or_default(),
                country: s.country.clone(),
                website: s.website.clone(),
                contact: s.name.clone(),
                role: s.role.clone(),
                email: staff.is_admin().then(|| s.email.clone()),
                domain_matches: s
                    .website
                    .as_deref()
                    .and_then(|w| domain_matches(w, &domain)),
                domain,
                confirmed_at: s.confirmed_at.map(when).unwrap_or_default(),
                reason: problem.map(|p| p.reason.clone()).unwrap_or_default(),
                reason_error: problem.map(|p| p.message.clone()),
            }
        })
        .collect();
    let next = queue.next_after.map(|id| format!("after={id}"));
    Ok(templates::approvals(&templates::ApprovalsPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        rows: &rows,
        next,
        notice,
        reason_max: REJECT_REASON_MAX_CHARS,
    }))
}

async fn approvals(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let letter = find_letter(&state, id).await?;
    let after = optional_id(&q.after, "after")?;
    let notice = match q.done.as_str() {
        "approved" => Some(
            "Approved: the organisation is listed and will be counted within a minute. Its contact will be emailed.",
        ),
        "rejected" => Some(
            "Rejected: the organisation will not be listed. Its contact will be emailed the reason.",
        ),
        "stale" => Some(
            "Nothing changed: this organisation had already been decided on, perhaps by someone else.",
        ),
        _ => None,
    };
    Ok(page(
        render_queue(&state, &staff, &letter, after, notice, None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DecisionInput {
    csrf: String,
    signature: String,
    reason: String,
}

async fn approve(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
) -> Result<Response, WebError> {
    decide(state, ip, staff, path, form, false).await
}

async fn reject(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
) -> Result<Response, WebError> {
    decide(state, ip, staff, path, form, true).await
}

async fn decide(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
    rejecting: bool,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let letter = find_letter(&state, id).await?;
    let signature_id = parse_id(&input.signature, "signature")?;
    let decision = if rejecting {
        let reason = input.reason.trim();
        let message = if reason.is_empty() {
            Some("Give the reason for rejecting: the contact is told it.".to_owned())
        } else if reason.chars().count() > REJECT_REASON_MAX_CHARS {
            Some(format!(
                "Use at most {REJECT_REASON_MAX_CHARS} characters (this has {}).",
                reason.chars().count()
            ))
        } else {
            None
        };
        if let Some(message) = message {
            let problem = RejectProblem {
                signature_id,
                reason: input.reason.clone(),
                message,
            };
            // The page starts at this organisation, so its message is on it however long
            // the queue.
            let from = Some(signature_id.saturating_sub(1));
            let markup = render_queue(&state, &staff, &letter, from, None, Some(&problem)).await?;
            return Err(WebError::InvalidStaffForm(Box::new(markup)));
        }
        Decision::Reject {
            reason: reason.replace("\r\n", "\n"),
        }
    } else {
        Decision::Approve
    };
    let (letter_id, now, by) = (letter.id, state.clock.now(), reviewer(&staff, ip));
    let acted = db::write(&state.db, move |txn| {
        let (decision, by) = (decision.clone(), by.clone());
        Box::pin(async move {
            moderation::decide(txn, letter_id, signature_id, &decision, &by, now).await
        })
    })
    .await
    .step("deciding on a held organisation")?;
    let done = match (acted, rejecting) {
        (false, _) => "stale",
        (true, false) => "approved",
        (true, true) => "rejected",
    };
    tracing::info!(letter_id, signature_id, done, "organisation reviewed");
    Ok(Redirect::to(&format!("/staff/letters/{letter_id}/approvals?done={done}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Search

/// The filters as the forms send them, with the page cursor and the notice after an
/// action.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchQuery {
    name: String,
    email: String,
    domain: String,
    ip: String,
    status: String,
    kind: String,
    from: String,
    to: String,
    before: String,
    done: String,
    changed: String,
}

impl SearchQuery {
    fn raw(&self) -> RawFilters<'_> {
        RawFilters {
            name: &self.name,
            email: &self.email,
            domain: &self.domain,
            ip: &self.ip,
            status: &self.status,
            kind: &self.kind,
            from: &self.from,
            to: &self.to,
        }
    }

    fn view(&self) -> templates::SearchFilters<'_> {
        templates::SearchFilters {
            name: &self.name,
            email: &self.email,
            domain: &self.domain,
            ip: &self.ip,
            status: &self.status,
            kind: &self.kind,
            from: &self.from,
            to: &self.to,
        }
    }
}

/// The query string that repeats `filters` (checked values), plus `extra` pairs.
fn filter_query(filters: &Filters, extra: &[(&str, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters.values() {
        query.append_pair(name, &value);
    }
    for (name, value) in extra {
        query.append_pair(name, value);
    }
    query.finish()
}

/// The filters in words, for the confirmation question.
fn describe(filters: &Filters) -> String {
    let parts: Vec<String> = filters
        .values()
        .into_iter()
        .map(|(name, value)| match name {
            "name" => format!("name contains “{value}”"),
            "email" => format!("email contains “{value}”"),
            "domain" => format!("email domain {value}"),
            "ip" => format!("IP address in {value}"),
            "status" => format!("status {value}"),
            "kind" => format!("kind {value}"),
            "from" => format!("signed from {value}"),
            "to" => format!("signed until {value}"),
            _ => format!("{name} {value}"),
        })
        .collect();
    if parts.is_empty() {
        "any filter (every signature of the letter)".to_owned()
    } else {
        parts.join(", ")
    }
}

fn errors_of(errors: Vec<FilterError>) -> Vec<(&'static str, String)> {
    errors.into_iter().map(|e| (e.field, e.message)).collect()
}

fn row_view(s: &signature::Model, admin: bool) -> templates::SignatureRow {
    templates::SignatureRow {
        id: s.id,
        name: s.name.clone(),
        organisation: s.organisation_name.clone(),
        email: if admin {
            s.email.clone()
        } else {
            email_domain(&s.email_normalized).to_owned()
        },
        country: s.country.clone(),
        kind: s.kind.as_str(),
        status: status_name(s.status),
        version: s.letter_version,
        created_at: when(s.created_at),
        confirmed_at: s.confirmed_at.map(when),
        ip: if admin { s.client_ip.clone() } else { None },
        can_invalidate: Action::Invalidate.applies_to(s.status),
        can_restore: s.status == SignatureStatus::Invalidated,
    }
}

fn search_page(
    staff: &Staff,
    letter: &letter::Model,
    q: &SearchQuery,
    errors: &[(&'static str, String)],
    rows: &[templates::SignatureRow],
    next: Option<String>,
    notice: Option<&str>,
) -> maud::Markup {
    templates::signatures(&templates::SignaturesPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        filters: q.view(),
        errors,
        rows,
        show_personal: staff.is_admin(),
        next,
        notice,
    })
}

async fn search(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    let letter = find_letter(&state, id).await?;
    let filters = match Filters::parse(&q.raw()) {
        Ok(filters) => filters,
        Err(errors) => {
            let errors = errors_of(errors);
            let markup = search_page(&staff, &letter, &q, &errors, &[], None, None);
            return Err(WebError::InvalidStaffForm(Box::new(markup)));
        }
    };
    let before = optional_id(&q.before, "before")?;
    let found = moderation::search(&state.db, letter.id, &filters, before, SEARCH_PAGE)
        .await
        .step("searching signatures")?;
    let rows: Vec<templates::SignatureRow> = found
        .rows
        .iter()
        .map(|s| row_view(s, staff.is_admin()))
        .collect();
    let next = found
        .next_before
        .map(|b| filter_query(&filters, &[("before", b.to_string())]));
    let changed = q.changed.parse::<u64>().unwrap_or(0);
    let noun = if changed == 1 {
        "signature"
    } else {
        "signatures"
    };
    let notice = match q.done.as_str() {
        "invalidated" => Some(format!("Invalidated {changed} {noun}.")),
        "restored" => Some(format!("Restored {changed} {noun}.")),
        "unchanged" => Some(
            "Nothing changed: the signature was not in a state this changes (someone may have acted on it already).".to_owned(),
        ),
        _ => None,
    };
    Ok(page(search_page(
        &staff,
        &letter,
        &q,
        &[],
        &rows,
        next,
        notice.as_deref(),
    )))
}

// ---------------------------------------------------------------------------------------
// Invalidate and restore

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActionInput {
    csrf: String,
    /// One signature's id, for a row's button.
    signature: String,
    /// "1": every match of the filters.
    all: String,
    /// "yes" on the second step, with the number shown and the newest id it may reach.
    confirm: String,
    count: String,
    upto: String,
    #[serde(flatten)]
    filters: SearchQuery,
}

async fn invalidate(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<ActionInput>, FormRejection>,
) -> Result<Response, WebError> {
    act(state, ip, staff, path, form, Action::Invalidate).await
}

async fn restore(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<ActionInput>, FormRejection>,
) -> Result<Response, WebError> {
    act(state, ip, staff, path, form, Action::Restore).await
}

fn done_word(action: Action) -> &'static str {
    match action {
        Action::Invalidate => "invalidated",
        Action::Restore => "restored",
    }
}

fn path_word(action: Action) -> &'static str {
    match action {
        Action::Invalidate => "invalidate",
        Action::Restore => "restore",
    }
}

async fn act(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<ActionInput>, FormRejection>,
    action: Action,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let letter = find_letter(&state, id).await?;
    let q = &input.filters;
    let filters = match Filters::parse(&q.raw()) {
        Ok(filters) => filters,
        Err(errors) => {
            let errors = errors_of(errors);
            let markup = search_page(&staff, &letter, q, &errors, &[], None, None);
            return Err(WebError::InvalidStaffForm(Box::new(markup)));
        }
    };
    let (letter_id, now, by) = (letter.id, state.clock.now(), reviewer(&staff, ip));
    let search_url = |extra: &[(&str, String)]| {
        format!(
            "/staff/letters/{letter_id}/signatures?{}",
            filter_query(&filters, extra)
        )
    };

    if input.all != "1" {
        let signature_id = parse_id(&input.signature, "signature")?;
        let acted = db::write(&state.db, move |txn| {
            let by = by.clone();
            Box::pin(async move {
                moderation::apply_one(txn, letter_id, signature_id, action, &by, now).await
            })
        })
        .await
        .step("changing one signature")?;
        let extra = if acted {
            vec![
                ("done", done_word(action).to_owned()),
                ("changed", "1".to_owned()),
            ]
        } else {
            vec![("done", "unchanged".to_owned())]
        };
        return Ok(Redirect::to(&search_url(&extra)).into_response());
    }

    // Every match: first the exact number, then (on "yes") the change, never past the
    // newest signature counted when the number was shown.
    let confirming = input.confirm == "yes";
    let upto = if confirming {
        Some(parse_id(&input.upto, "upto")?)
    } else {
        None
    };
    let matches = moderation::count_matches(&state.db, letter_id, &filters, action, upto)
        .await
        .step("counting matching signatures")?;
    let shown = input.count.trim().parse::<u64>().ok();
    let confirmed = confirming && shown == Some(matches.count);
    match (confirmed, matches.upto) {
        (true, Some(upto)) => {
            let changed = moderation::apply_all(
                &state.db,
                letter_id,
                &filters,
                action,
                upto,
                matches.count,
                &by,
                now,
            )
            .await
            .step("changing every matching signature")?;
            tracing::info!(
                letter_id,
                changed,
                action = action.audit_name(),
                "bulk moderation"
            );
            let extra = [
                ("done", done_word(action).to_owned()),
                ("changed", changed.to_string()),
            ];
            Ok(Redirect::to(&search_url(&extra)).into_response())
        }
        _ => {
            // Asked again: with the number as it is now, up to the newest signature now.
            let matches = if confirming {
                moderation::count_matches(&state.db, letter_id, &filters, action, None)
                    .await
                    .step("counting matching signatures")?
            } else {
                matches
            };
            let back = search_url(&[]);
            let description = describe(&filters);
            Ok(page(templates::bulk_confirm(&templates::BulkConfirmPage {
                bar: staff.bar(),
                letter_id,
                letter_title: &letter.title,
                action: path_word(action),
                count: matches.count,
                upto: matches.upto,
                description: &description,
                filters: q.view(),
                count_changed: confirming && shown != Some(matches.count),
                back: &back,
            })))
        }
    }
}
