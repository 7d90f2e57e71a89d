//! The screening lists screen (admins only): the operators' block and allow lists of
//! email domains and address ranges, and reloading the disposable-domain list. Every
//! change is recorded in the audit log and applied on this replica at once (other
//! replicas read the lists again within `screening_lists_refresh`).

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use super::{RequireAdmin, Staff, page};
use crate::abuse::lists::{self, DomainPattern, ListKind, NewRule, parse_network};
use crate::auth::audit::{self, Actor, Entry};
use crate::db;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/lists", get(show).post(add))
        .route("/staff/lists/remove", post(remove))
        .route("/staff/lists/reload", post(reload))
}

/// Longest note kept with a rule.
const NOTE_MAX: usize = 200;

async fn render(
    state: &AppState,
    admin: &Staff,
    form: templates::ListRuleForm,
    notice: Option<String>,
) -> Result<maud::Markup, WebError> {
    let rows: Vec<templates::ListRuleRow> = lists::rules(&state.db)
        .await
        .step("reading the screening lists")?
        .into_iter()
        .map(|r| templates::ListRuleRow {
            id: r.id,
            list: r.list,
            kind: r.kind,
            pattern: r.pattern,
            note: r.note.unwrap_or_default(),
            added: r.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    let source = state.lists.disposable_source();
    Ok(templates::screening_lists(&templates::ListsPage {
        bar: admin.bar(),
        rules: &rows,
        form,
        disposable_count: state.lists.disposable_count(),
        disposable_source: &source,
        notice,
    }))
}

async fn show(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
) -> Result<Response, WebError> {
    Ok(page(
        render(&state, &admin, Default::default(), None).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddInput {
    csrf: String,
    list: String,
    kind: String,
    pattern: String,
    note: String,
}

/// Checks the add form into a rule, or the message beside the pattern.
fn parse_rule(input: &AddInput) -> Result<NewRule, String> {
    let list = ListKind::parse(&input.list).ok_or("Choose the block or the allow list")?;
    let note = input.note.split_whitespace().collect::<Vec<_>>().join(" ");
    if note.chars().count() > NOTE_MAX {
        return Err(format!("Keep the note to at most {NOTE_MAX} characters"));
    }
    let note = (!note.is_empty()).then_some(note);
    let (kind, pattern) = match input.kind.as_str() {
        "domain" => (
            "domain",
            DomainPattern::parse(&input.pattern)
                .ok_or("Enter a domain such as example.com, or *.example.com for its subdomains")?
                .as_stored(),
        ),
        "network" => (
            "network",
            parse_network(&input.pattern)
                .ok_or(
                    "Enter an address range such as 192.0.2.0/24 or 2001:db8::/48, or one address",
                )?
                .to_string(),
        ),
        _ => return Err("Choose whether this is an email domain or an address range".into()),
    };
    Ok(NewRule {
        list,
        kind,
        pattern,
        note,
    })
}

async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<AddInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let shown_again = |error: String| templates::ListRuleForm {
        list: input.list.clone(),
        kind: input.kind.clone(),
        pattern: input.pattern.clone(),
        note: input.note.clone(),
        error: Some(error),
    };
    let rule = match parse_rule(&input) {
        Ok(rule) => rule,
        Err(message) => {
            return Err(WebError::InvalidStaffForm(Box::new(
                render(&state, &admin, shown_again(message), None).await?,
            )));
        }
    };
    let (now, by) = (state.clock.now(), admin.actor());
    let added = db::write(&state.db, move |txn| {
        let (rule, by) = (rule.clone(), by.clone());
        Box::pin(async move {
            let created_by = match &by {
                Actor::Account { id, .. } => Some(*id),
                _ => None,
            };
            let Some(row) = lists::add_rule(txn, &rule, created_by, now).await? else {
                return Ok(None);
            };
            audit::record(
                txn,
                Entry {
                    actor: by,
                    action: "screening_rule_added",
                    subject: Some(&row.pattern),
                    detail: Some(json!({
                        "id": row.id,
                        "list": row.list,
                        "kind": row.kind,
                        "note": row.note,
                    })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Some(row))
        })
    })
    .await
    .step("adding a screening rule")?;
    let Some(row) = added else {
        let message = "This pattern is already on a list: remove it there first".to_string();
        return Err(WebError::InvalidStaffForm(Box::new(
            render(&state, &admin, shown_again(message), None).await?,
        )));
    };
    state
        .lists
        .refresh(&state.db)
        .await
        .step("reading the screening lists")?;
    let notice = format!("Added {} to the {} list.", row.pattern, row.list);
    Ok(page(
        render(&state, &admin, Default::default(), Some(notice)).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RemoveInput {
    csrf: String,
    id: String,
}

async fn remove(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<RemoveInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let id: i64 = input.id.trim().parse().map_err(|_| WebError::NotFound)?;
    let (now, by) = (state.clock.now(), admin.actor());
    let removed = db::write(&state.db, move |txn| {
        let by = by.clone();
        Box::pin(async move {
            let Some(row) = lists::remove_rule(txn, id).await? else {
                return Ok(None);
            };
            audit::record(
                txn,
                Entry {
                    actor: by,
                    action: "screening_rule_removed",
                    subject: Some(&row.pattern),
                    detail: Some(json!({ "id": row.id, "list": row.list, "kind": row.kind })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Some(row))
        })
    })
    .await
    .step("removing a screening rule")?;
    let Some(row) = removed else {
        return Err(WebError::NotFound);
    };
    state
        .lists
        .refresh(&state.db)
        .await
        .step("reading the screening lists")?;
    let notice = format!("Removed {} from the {} list.", row.pattern, row.list);
    Ok(page(
        render(&state, &admin, Default::default(), Some(notice)).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReloadInput {
    csrf: String,
}

async fn reload(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<ReloadInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let (notice, detail) = match state.lists.reload_disposable() {
        Ok(count) => (
            format!("Reloaded the disposable-domain list: {count} domains."),
            json!({ "domains": count, "source": state.lists.disposable_source() }),
        ),
        Err(e) => (
            format!("The disposable-domain list could not be read ({e}); the list in use stays."),
            json!({ "error": e.to_string(), "source": state.lists.disposable_source() }),
        ),
    };
    audit::record(
        &state.db,
        Entry {
            actor: admin.actor(),
            action: "disposable_domains_reloaded",
            subject: None,
            detail: Some(detail),
            client_ip: Some(ip),
        },
        state.clock.now(),
    )
    .await
    .step("recording the reload")?;
    Ok(page(
        render(&state, &admin, Default::default(), Some(notice)).await?,
    ))
}
