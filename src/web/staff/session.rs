//! Signing in and out, setting a password through a one-time link, changing one's own
//! password, and the staff home page.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use serde::Deserialize;

use super::{Staff, cleared_cookie, cookie_secret, local_path, page, session_cookie};
use crate::auth::accounts::{self, LinkState};
use crate::auth::audit::{self, Actor, Entry};
use crate::auth::{password, sessions};
use crate::db;
use crate::domain::ConfirmationToken;
use crate::entities::{staff_account, staff_session};
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(home))
        .route("/staff/sign-in", get(sign_in_form).post(sign_in))
        .route("/staff/sign-out", post(sign_out))
        .route("/staff/password", get(change_form).post(change))
        .route("/staff/password/{token}", get(link_form).post(use_link))
}

/// The one answer to a refused sign-in, whether the email is unknown, the account
/// disabled or the password wrong: nobody learns which accounts exist.
const SIGN_IN_REFUSED: &str = "The email or the password is not right.";

/// Longest email kept in the audit log from a failed sign-in (the column's size).
const AUDIT_EMAIL_CHARS: usize = 254;

async fn home(staff: Staff) -> Response {
    let role = crate::auth::accounts::role_name(staff.role);
    page(templates::staff_home(&staff.bar(), role))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn sign_in_form(Query(q): Query<NextQuery>) -> Response {
    page(templates::sign_in(&templates::SignInPage {
        email: "",
        next: local_path(&q.next),
        error: None,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SignInInput {
    email: String,
    password: String,
    next: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<SignInInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    // What was typed goes into the audit log of a failed sign-in; control characters
    // become U+FFFD there (PostgreSQL refuses a NUL in text, and a line break in a log
    // entry would only mislead). Such an address matches no account either way.
    let typed: String = input
        .email
        .trim()
        .chars()
        .take(AUDIT_EMAIL_CHARS)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    state.staff_limits.check(ip, &typed).map_err(|wait| {
        state
            .metrics
            .rejected(crate::metrics::LimitKind::StaffSignIn);
        WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })?;
    let account = match accounts::normalize_email(&typed) {
        Ok(email) => accounts::find_by_email(&state.db, &email)
            .await
            .step("reading a staff account to sign in")?,
        Err(_) => None,
    };
    let usable = account.clone().filter(|a| a.disabled_at.is_none());
    let stored = usable.as_ref().and_then(|a| a.password_hash.clone());
    let matches = password::verify(input.password, stored).await?;
    let now = state.clock.now();
    let (account, true) = (usable, matches) else {
        let actor = match account {
            Some(a) => Actor::Account {
                id: a.id,
                email: a.email,
            },
            None => Actor::Unknown {
                email: typed.to_lowercase(),
            },
        };
        db::write(&state.db, move |txn| {
            let actor = actor.clone();
            Box::pin(async move {
                audit::record(
                    txn,
                    Entry {
                        actor,
                        action: "sign_in.failed",
                        subject: None,
                        detail: None,
                        client_ip: Some(ip),
                    },
                    now,
                )
                .await
            })
        })
        .await
        .step("recording a failed sign-in")?;
        return Err(WebError::InvalidStaffForm(Box::new(templates::sign_in(
            &templates::SignInPage {
                email: &typed,
                next: local_path(&input.next),
                error: Some(SIGN_IN_REFUSED),
            },
        ))));
    };
    let Some(account) = account else {
        return Err(WebError::Unexpected(anyhow::anyhow!(
            "a password matched without an account"
        )));
    };
    let old = cookie_secret(&state.settings, &headers);
    let secret = db::write(&state.db, move |txn| {
        let (account, old) = (account.clone(), old.clone());
        Box::pin(async move {
            if let Some(old) = &old {
                sessions::end_by_secret(txn, old).await?;
            }
            start_session(
                txn,
                &account,
                ip,
                serde_json::json!({"via": "password"}),
                now,
            )
            .await
        })
    })
    .await
    .step("starting a staff session")?;
    signed_in(&state, &secret, local_path(&input.next))
}

/// Creates the session, notes the sign-in on the account and in the audit log.
async fn start_session<C: ConnectionTrait>(
    txn: &C,
    account: &staff_account::Model,
    ip: std::net::IpAddr,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let secret = sessions::create(txn, account.id, now).await?;
    staff_account::Entity::update_many()
        .col_expr(staff_account::Column::LastSignInAt, Expr::value(now))
        .filter(staff_account::Column::Id.eq(account.id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        Entry {
            actor: Actor::Account {
                id: account.id,
                email: account.email.clone(),
            },
            action: "sign_in",
            subject: None,
            detail: Some(detail),
            client_ip: Some(ip),
        },
        now,
    )
    .await?;
    Ok(secret)
}

fn signed_in(state: &AppState, secret: &str, to: &str) -> Result<Response, WebError> {
    let cookie = session_cookie(&state.settings, secret)?;
    Ok((
        [
            (header::SET_COOKIE, cookie),
            (
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            ),
        ],
        Redirect::to(to),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CsrfOnly {
    pub(super) csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let now = state.clock.now();
    let who = staff.clone();
    db::write(&state.db, move |txn| {
        let who = who.clone();
        Box::pin(async move {
            sessions::end(txn, &who.session_id).await?;
            audit::record(
                txn,
                Entry {
                    actor: Actor::Account {
                        id: who.account_id,
                        email: who.email.clone(),
                    },
                    action: "sign_out",
                    subject: None,
                    detail: None,
                    client_ip: Some(ip),
                },
                now,
            )
            .await
        })
    })
    .await
    .step("signing out")?;
    Ok((
        [(header::SET_COOKIE, cleared_cookie(&state.settings))],
        Redirect::to("/staff/sign-in"),
    )
        .into_response())
}

fn link_error(state: LinkState) -> WebError {
    WebError::StaffLinkInvalid {
        expired: matches!(state, LinkState::Expired),
    }
}

async fn link_form(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let token = ConfirmationToken::parse(&raw)
        .map_err(|_| WebError::StaffLinkInvalid { expired: false })?;
    let (link, _) = accounts::look_up_link(&state.db, &token.hash(), state.clock.now())
        .await
        .step("reading a staff password link")?;
    let markup = match &link {
        LinkState::FirstAdmin => templates::password_link(&templates::PasswordLinkPage {
            token: token.as_str(),
            first_admin: true,
            ..Default::default()
        }),
        LinkState::Account(account) => templates::password_link(&templates::PasswordLinkPage {
            token: token.as_str(),
            email: &account.email,
            ..Default::default()
        }),
        LinkState::Unknown | LinkState::Expired => return Err(link_error(link)),
    };
    Ok(page(markup))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LinkInput {
    email: String,
    password: String,
}

async fn use_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(raw): Path<String>,
    form: Result<Form<LinkInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    let token = ConfirmationToken::parse(&raw)
        .map_err(|_| WebError::StaffLinkInvalid { expired: false })?;
    let hash = token.hash();
    let now = state.clock.now();
    let (link, _) = accounts::look_up_link(&state.db, &hash, now)
        .await
        .step("reading a staff password link")?;
    let invalid = |email: &str, email_error: Option<&str>, password_error: Option<&str>| {
        WebError::InvalidStaffForm(Box::new(templates::password_link(
            &templates::PasswordLinkPage {
                token: token.as_str(),
                first_admin: matches!(link, LinkState::FirstAdmin),
                email,
                email_error,
                password_error,
            },
        )))
    };
    let (email, first_admin_email) = match &link {
        LinkState::FirstAdmin => match accounts::normalize_email(&input.email) {
            Ok(email) => (email.clone(), Some(email)),
            Err(e) => return Err(invalid(&input.email, Some(&e.to_string()), None)),
        },
        LinkState::Account(account) => (account.email.clone(), None),
        LinkState::Unknown | LinkState::Expired => return Err(link_error(link)),
    };
    if let Err(problem) = password::check_policy(&input.password, &email) {
        return Err(invalid(&email, None, Some(&problem.to_string())));
    }
    let password_hash = password::hash(input.password).await?;
    let outcome = db::write(&state.db, move |txn| {
        let (hash, first, password_hash) = (
            hash.clone(),
            first_admin_email.clone(),
            password_hash.clone(),
        );
        Box::pin(async move {
            match accounts::use_link(txn, &hash, first.as_deref(), &password_hash, Some(ip), now)
                .await?
            {
                Ok(account) => {
                    // A new password ends every earlier session of the account.
                    accounts::end_sessions(txn, account.id).await?;
                    let detail = serde_json::json!({"via": "password_link"});
                    Ok(Ok(start_session(txn, &account, ip, detail, now).await?))
                }
                Err(state) => Ok(Err(state)),
            }
        })
    })
    .await
    .step("setting a staff password")?;
    match outcome {
        Ok(secret) => signed_in(&state, &secret, "/staff"),
        Err(link) => Err(link_error(link)),
    }
}

async fn change_form(staff: Staff) -> Response {
    page(templates::change_password(&templates::ChangePasswordPage {
        bar: staff.bar(),
        current_error: None,
        new_error: None,
        done: false,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ChangeInput {
    csrf: String,
    current: String,
    new: String,
}

async fn change(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    form: Result<Form<ChangeInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let invalid = |current_error: Option<&str>, new_error: Option<&str>| {
        WebError::InvalidStaffForm(Box::new(templates::change_password(
            &templates::ChangePasswordPage {
                bar: staff.bar(),
                current_error,
                new_error,
                done: false,
            },
        )))
    };
    let stored = staff_account::Entity::find_by_id(staff.account_id)
        .one(&state.db)
        .await
        .step("reading the staff account")?
        .and_then(|a| a.password_hash);
    if !password::verify(input.current, stored).await? {
        return Err(invalid(Some("This is not your current password."), None));
    }
    if let Err(problem) = password::check_policy(&input.new, &staff.email) {
        return Err(invalid(None, Some(&problem.to_string())));
    }
    let new_hash = password::hash(input.new).await?;
    let now = state.clock.now();
    let who = staff.clone();
    db::write(&state.db, move |txn| {
        let (who, new_hash) = (who.clone(), new_hash.clone());
        Box::pin(async move {
            staff_account::ActiveModel {
                id: Set(who.account_id),
                password_hash: Set(Some(new_hash)),
                updated_at: Set(now),
                ..Default::default()
            }
            .update(txn)
            .await?;
            // Whoever else holds a session of this account (a stolen one, say) is out.
            staff_session::Entity::delete_many()
                .filter(staff_session::Column::AccountId.eq(who.account_id))
                .filter(staff_session::Column::Id.ne(who.session_id.clone()))
                .exec(txn)
                .await?;
            audit::record(
                txn,
                Entry {
                    actor: Actor::Account {
                        id: who.account_id,
                        email: who.email.clone(),
                    },
                    action: "password.change",
                    subject: Some(&who.email),
                    detail: None,
                    client_ip: Some(ip),
                },
                now,
            )
            .await
        })
    })
    .await
    .step("changing a staff password")?;
    Ok(page(templates::change_password(
        &templates::ChangePasswordPage {
            bar: staff.bar(),
            current_error: None,
            new_error: None,
            done: true,
        },
    )))
}
