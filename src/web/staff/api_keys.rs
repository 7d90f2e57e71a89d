//! The API keys screen (admins only): make a partner key (shown once), see each key's
//! scope and last use, revoke. Each action goes through `api::keys`, which records it in
//! the audit log.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{RequireAdmin, Staff, page};
use crate::api::keys::{self, MAX_NAME_CHARS, Scope};
use crate::db;
use crate::entities::letter;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/api-keys", get(list).post(add))
        .route("/staff/api-keys/revoke", post(revoke))
}

/// Most letters offered for a key's scope: the newest ones.
const SCOPE_LETTERS: u64 = 200;

#[derive(Default)]
struct Extra<'a> {
    new_key: Option<(&'a str, &'a str)>,
    notice: Option<&'a str>,
    name: &'a str,
    error: Option<&'a str>,
}

async fn render(state: &AppState, admin: &Staff, extra: Extra<'_>) -> Result<Response, WebError> {
    let letters = letter::Entity::find()
        .order_by_desc(letter::Column::Id)
        .limit(SCOPE_LETTERS)
        .all(&state.db)
        .await
        .step("listing letters for API keys")?;
    let keys = keys::list(&state.db).await.step("listing API keys")?;
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut slugs_of_others = Vec::new();
    let missing: Vec<i64> = keys
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .filter(|id| !letters.iter().any(|l| l.id == *id))
        .collect();
    if !missing.is_empty() {
        slugs_of_others = letter::Entity::find()
            .filter(letter::Column::Id.is_in(missing))
            .all(&state.db)
            .await
            .step("reading the letters of API keys")?;
    }
    let slug = |id: i64| {
        letters
            .iter()
            .chain(slugs_of_others.iter())
            .find(|l| l.id == id)
            .map(|l| l.slug.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let rows: Vec<templates::ApiKeyRow> = keys
        .into_iter()
        .map(|(k, ids)| templates::ApiKeyRow {
            id: k.id,
            scope: if k.all_letters {
                "every letter".into()
            } else {
                ids.into_iter().map(slug).collect::<Vec<_>>().join(", ")
            },
            name: k.name,
            prefix: k.prefix,
            created: when(k.created_at),
            last_used: k.last_used_at.map(when),
            revoked: k.revoked_at.map(when),
        })
        .collect();
    let choices: Vec<templates::ApiKeyLetter> = letters
        .into_iter()
        .map(|l| templates::ApiKeyLetter {
            id: l.id,
            slug: l.slug,
            title: l.title,
        })
        .collect();
    Ok(page(templates::api_keys(&templates::ApiKeysPage {
        bar: admin.bar(),
        keys: &rows,
        letters: &choices,
        new_key: extra.new_key,
        notice: extra.notice,
        name: extra.name,
        error: extra.error,
    })))
}

async fn list(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
) -> Result<Response, WebError> {
    render(&state, &admin, Extra::default()).await
}

/// The add form: `csrf`, `name`, `all_letters`, and any number of `letter` ids (the
/// form repeats the field, which `Form` cannot read into a list).
#[derive(Debug, Default)]
struct AddInput {
    csrf: String,
    name: String,
    all_letters: bool,
    letters: Vec<i64>,
}

fn add_input(body: &[u8]) -> Result<AddInput, WebError> {
    let mut input = AddInput::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => input.csrf = v.into_owned(),
            "name" => input.name = v.into_owned(),
            "all_letters" => input.all_letters = !v.is_empty(),
            "letter" => input.letters.push(
                v.parse()
                    .map_err(|_| WebError::BadRequest("a letter id is not a number".into()))?,
            ),
            _ => {}
        }
    }
    Ok(input)
}

async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    body: Bytes,
) -> Result<Response, WebError> {
    let input = add_input(&body)?;
    admin.check_csrf(&input.csrf)?;
    let name = input.name.trim().to_owned();
    let error = if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        Some("Give the key a name of 1 to 100 characters, saying whom it is for.")
    } else if name.chars().any(char::is_control) {
        Some("The name cannot hold control characters.")
    } else if !input.all_letters && input.letters.is_empty() {
        Some("Choose the letters the key may sign for, or every letter.")
    } else {
        None
    };
    if let Some(error) = error {
        let extra = Extra {
            name: &input.name,
            error: Some(error),
            ..Extra::default()
        };
        let page = render(&state, &admin, extra).await?;
        let (mut parts, body) = page.into_parts();
        parts.status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(Response::from_parts(parts, body));
    }
    let scope = if input.all_letters {
        Scope::AllLetters
    } else {
        let known = letter::Entity::find()
            .filter(letter::Column::Id.is_in(input.letters.clone()))
            .all(&state.db)
            .await
            .step("reading the letters of a new API key")?;
        if known.len() != {
            let mut ids = input.letters.clone();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        } {
            return Err(WebError::BadRequest(
                "a chosen letter does not exist".into(),
            ));
        }
        Scope::Letters(known.into_iter().map(|l| l.id).collect())
    };
    let (actor, now, key_name) = (admin.actor(), state.clock.now(), name.clone());
    let (_, key) = db::write(&state.db, move |txn| {
        let (actor, scope, name) = (actor.clone(), scope.clone(), key_name.clone());
        Box::pin(async move { keys::create(txn, &name, &scope, actor, Some(ip), now).await })
    })
    .await
    .step("making an API key")?;
    let extra = Extra {
        new_key: Some((&name, &key)),
        ..Extra::default()
    };
    render(&state, &admin, extra).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct RevokeInput {
    csrf: String,
    id: String,
}

async fn revoke(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<axum::Form<RevokeInput>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let axum::Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let id: i64 = input
        .id
        .parse()
        .map_err(|_| WebError::BadRequest("the key id is not a number".into()))?;
    let (actor, now) = (admin.actor(), state.clock.now());
    let revoked = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move { keys::revoke(txn, id, actor, Some(ip), now).await })
    })
    .await
    .step("revoking an API key")?;
    let notice = if revoked {
        "The key is revoked: requests with it are refused from now on."
    } else {
        "That key was revoked already, or does not exist."
    };
    let extra = Extra {
        notice: Some(notice),
        ..Extra::default()
    };
    render(&state, &admin, extra).await
}
