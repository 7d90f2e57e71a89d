//! Every outcome that is not a plain page, as the client sees it. A handler returns a
//! `WebError`; the response carries what to show as an extension, and `render_errors`
//! writes the body (a page, or JSON under /api) with the request id. Bare error responses
//! made by middleware (413 body too large, 408 body too slow, 503 handler timeout, 405
//! wrong method, axum's extractor rejections) pass through the same renderer, so every
//! error looks the same and carries the same headers. A 500 says nothing about its cause
//! to the client and logs everything.

use std::any::Any;
use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use sea_orm::DbErr;

/// How long a client is asked to wait when the database is out of reach or a request ran
/// out of time: long enough for a pool to reconnect, short enough for a person to retry.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// What went wrong, in the words the client is told.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// A letter's per-minute or an email domain's per-letter limit is reached (durable,
    /// shared by every replica): 429 with Retry-After, nothing recorded.
    #[error("signing limit reached")]
    SigningLimited { retry_after_secs: u64 },
    /// A state-changing request that another site made a browser send.
    #[error("cross-site request refused")]
    CrossSite,
    /// The letter does not take signatures (closed, delivered, or past its deadline).
    #[error("letter closed: {title}")]
    LetterClosed { title: String },
    /// A confirmation link that cannot be used; the page offers a new one.
    #[error("confirmation link not usable (expired: {})", .0.expired)]
    LinkInvalid(LinkProblem),
    /// A withdrawal link that is unknown (mistyped, or its signature's data was erased).
    #[error("withdrawal link not usable")]
    WithdrawLinkInvalid,
    /// A public form other than the sign form with mistakes (the data request): the page
    /// again, with the messages beside the fields (422).
    #[error("the form has mistakes")]
    InvalidForm(Box<maud::Markup>),
    /// A sign form with mistakes: the letter page again, messages beside the fields.
    #[error("the sign form has mistakes")]
    InvalidSignForm(Box<templates::LetterPage<'static>>),
    /// A sign form sent from a text of the letter that has changed since (409): the
    /// letter page again with the new text, a notice, and what the signer typed kept.
    #[error("the sign form was for an older text of the letter")]
    StaleSignForm(Box<templates::LetterPage<'static>>),
    /// The letter is under attack and the signing came without a usable proof of work:
    /// the step page (403), the signer's fields kept, nothing recorded (`web::pow`).
    #[error("proof of work needed")]
    ProofNeeded(Box<maud::Markup>),
    /// A signing from an address range the operators blocked (`/staff/lists`): 403.
    #[error("client address blocked by the operators' list")]
    AddressBlocked,
    /// A staff page only admins may open or use.
    #[error("admins only")]
    AdminsOnly,
    /// A staff form whose CSRF token is missing or not the session's.
    #[error("staff form without its session's CSRF token")]
    CsrfRefused,
    /// A staff password link that cannot be used.
    #[error("staff password link not usable (expired: {expired})")]
    StaffLinkInvalid { expired: bool },
    /// A staff form with mistakes (or a refused sign-in): the page again, with the
    /// messages beside the fields.
    #[error("the staff form has mistakes")]
    InvalidStaffForm(Box<maud::Markup>),
    /// A staff action that the thing's present state does not allow (publishing a letter
    /// without a target, closing a draft): 409, with the reason, nothing changed.
    #[error("refused: {0}")]
    Conflict(String),
    /// The database is out of reach or overloaded: nothing was stored, try again soon.
    #[error("service unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// A signer's proof link that is unknown (mistyped or copied incompletely).
    #[error("proof link not usable")]
    ProofLinkInvalid,
    /// A proof link whose signature no published snapshot of the list holds yet.
    #[error("no snapshot holds the signature yet")]
    NoProofYet,
    /// A proof link whose signature is not on the list (withdrawn, invalidated, held).
    #[error("the signature is not on the list")]
    NotOnList,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a confirmation link cannot be used, and what the new-link form should hold.
#[derive(Clone, Debug, Default)]
pub struct LinkProblem {
    /// The link existed but ran out (410); otherwise it is unknown (404) or the address
    /// typed into the new-link form is not one (422, with `error`).
    pub expired: bool,
    pub letter_slug: Option<String>,
    pub email: String,
    pub error: Option<String>,
}

impl From<DbErr> for WebError {
    fn from(e: DbErr) -> Self {
        database_error(e, "database")
    }
}

/// A database error with the step that failed, as a 503 when the database is out of
/// reach and a 500 otherwise.
pub(crate) fn database_error(e: DbErr, step: &'static str) -> WebError {
    let unavailable = crate::db::is_unavailable(&e);
    let e = anyhow::Error::new(e).context(step);
    if unavailable {
        WebError::Unavailable(e)
    } else {
        WebError::Unexpected(e)
    }
}

/// Names the step a database call was for, so the log line of a failure says which
/// one failed: `letters::find_by_slug(..).await.step("reading the letter")?`.
pub trait Step<T> {
    fn step(self, step: &'static str) -> Result<T, WebError>;
}

impl<T> Step<T> for Result<T, DbErr> {
    fn step(self, step: &'static str) -> Result<T, WebError> {
        self.map_err(|e| database_error(e, step))
    }
}

impl From<FormRejection> for WebError {
    fn from(rejection: FormRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::PayloadTooLarge
        } else {
            WebError::BadRequest(rejection.body_text())
        }
    }
}

/// What the renderer shows; the cause stays in the log.
#[derive(Clone, Debug)]
struct ClientError {
    status: StatusCode,
    retry_after_secs: Option<u64>,
    view: View,
}

#[derive(Clone, Debug)]
enum View {
    /// The error page: a title and a sentence.
    Message {
        title: &'static str,
        message: String,
    },
    LinkInvalid(LinkProblem),
    SignForm(Arc<templates::LetterPage<'static>>),
    /// A page the handler rendered already (staff forms with errors).
    Rendered(Arc<String>),
}

fn message(status: StatusCode, title: &'static str, message: impl Into<String>) -> ClientError {
    ClientError {
        status,
        retry_after_secs: None,
        view: View::Message {
            title,
            message: message.into(),
        },
    }
}

impl WebError {
    fn client(self) -> ClientError {
        match self {
            WebError::NotFound => message(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. It may have been mistyped, or the letter may have been withdrawn.",
            ),
            WebError::BadRequest(text) => message(
                StatusCode::BAD_REQUEST,
                "This request could not be understood",
                text,
            ),
            WebError::PayloadTooLarge => message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "What you sent is too large",
                "The form was larger than any real signature. Please shorten what you typed and try again.",
            ),
            WebError::RateLimited { retry_after_secs } => ClientError {
                retry_after_secs: Some(retry_after_secs),
                ..message(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests",
                    "We received too many requests from your network in a short time.",
                )
            },
            WebError::SigningLimited { retry_after_secs } => ClientError {
                retry_after_secs: Some(retry_after_secs),
                ..message(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many signatures right now",
                    "This letter is receiving more signatures than it can take at the moment, so yours was not recorded. Please go back and send the form again after the wait below.",
                )
            },
            WebError::CrossSite => message(
                StatusCode::FORBIDDEN,
                "This form was sent from another site",
                "For your safety we only take forms sent from our own pages. Nothing was recorded. Please open the letter on our site and send the form from there.",
            ),
            WebError::AddressBlocked => message(
                StatusCode::FORBIDDEN,
                "Signing is not possible from your network",
                "The operators of this site do not take signatures from the network you are using, so nothing was recorded. If you think this is a mistake, please contact them, or sign from another connection.",
            ),
            WebError::LetterClosed { title } => message(
                StatusCode::CONFLICT,
                "This letter is closed",
                format!(
                    "\u{201c}{title}\u{201d} no longer takes signatures, so nothing was recorded."
                ),
            ),
            WebError::LinkInvalid(problem) => ClientError {
                status: if problem.error.is_some() {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else if problem.expired {
                    StatusCode::GONE
                } else {
                    StatusCode::NOT_FOUND
                },
                retry_after_secs: None,
                view: View::LinkInvalid(problem),
            },
            WebError::WithdrawLinkInvalid => message(
                StatusCode::NOT_FOUND,
                "This link cannot be used",
                "This withdrawal link is not known. It may have been copied incompletely, or the letter closed so long ago that the signature's personal data, and with it the link, has been erased.",
            ),
            WebError::ProofLinkInvalid => message(
                StatusCode::NOT_FOUND,
                "This link cannot be used",
                "This proof link is not known. It may have been copied incompletely.",
            ),
            WebError::NoProofYet => message(
                StatusCode::NOT_FOUND,
                "No proof yet",
                "No published snapshot of the list holds this signature yet; try again later.",
            ),
            WebError::NotOnList => message(
                StatusCode::NOT_FOUND,
                "Not on the list",
                "This signature is not on the list, so there is no proof of it.",
            ),
            WebError::InvalidSignForm(page) => ClientError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                retry_after_secs: None,
                view: View::SignForm(Arc::from(page)),
            },
            WebError::StaleSignForm(page) => ClientError {
                status: StatusCode::CONFLICT,
                retry_after_secs: None,
                view: View::SignForm(Arc::from(page)),
            },
            WebError::AdminsOnly => message(
                StatusCode::FORBIDDEN,
                "Only admins may do this",
                "Your staff account is an editor account. Ask an admin if you need this done.",
            ),
            WebError::CsrfRefused => message(
                StatusCode::FORBIDDEN,
                "This form is no longer valid",
                "The form did not come from your current session (it may have been open from an earlier sign-in). Nothing was changed. Please reload the page and send it again.",
            ),
            WebError::StaffLinkInvalid { expired } => message(
                if expired {
                    StatusCode::GONE
                } else {
                    StatusCode::NOT_FOUND
                },
                if expired {
                    "This link has expired"
                } else {
                    "This link cannot be used"
                },
                "Password links work once, for 24 hours. Ask an admin for a new one (or run `undersigned staff reset EMAIL`).",
            ),
            WebError::ProofNeeded(page) => ClientError {
                status: StatusCode::FORBIDDEN,
                retry_after_secs: None,
                view: View::Rendered(Arc::new(page.into_string())),
            },
            WebError::InvalidStaffForm(page) | WebError::InvalidForm(page) => ClientError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                retry_after_secs: None,
                view: View::Rendered(Arc::new(page.into_string())),
            },
            WebError::Conflict(reason) => message(
                StatusCode::CONFLICT,
                "This cannot be done now",
                format!("{reason} Nothing was changed."),
            ),
            WebError::Unavailable(cause) => {
                tracing::warn!(
                    error = format!("{cause:#}"),
                    "request failed: service unavailable"
                );
                unavailable()
            }
            WebError::Unexpected(cause) => {
                tracing::error!(error = ?cause, "request failed");
                message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "We could not complete your request, and it may not have been recorded. Please try again in a few minutes; if you were signing, signing again is safe: nobody is counted twice.",
                )
            }
        }
    }
}

fn unavailable() -> ClientError {
    ClientError {
        retry_after_secs: Some(UNAVAILABLE_RETRY_SECS),
        ..message(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is briefly unavailable",
            "Your request could not be completed just now. If you were signing, signing again is safe: nobody is counted twice.",
        )
    }
}

/// The page for an error response that middleware or axum made without a `WebError`.
fn for_bare_status(status: StatusCode) -> ClientError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => WebError::PayloadTooLarge.client(),
        StatusCode::REQUEST_TIMEOUT => message(
            status,
            "The request took too long",
            "Your browser did not finish sending the request in time. Please try again.",
        ),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => unavailable(),
        StatusCode::METHOD_NOT_ALLOWED => message(
            status,
            "This address does not take that kind of request",
            "Please go back and use the page's own links and buttons.",
        ),
        StatusCode::NOT_FOUND => WebError::NotFound.client(),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), "request failed without a cause");
            message(
                s,
                "Something went wrong",
                "We could not complete your request, and it may not have been recorded. Please try again in a few minutes.",
            )
        }
        s => message(
            s,
            "This request could not be understood",
            "Please go back and try again.",
        ),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let client = self.client();
        let mut response = client.status.into_response();
        response.extensions_mut().insert(client);
        response
    }
}

/// Writes the body of every error response, where the request id is known.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // The API and the JSON documents of the verifiable list answer errors in JSON.
    let api =
        path.starts_with("/api/") || path.ends_with(".json") || path.ends_with("/consistency");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let client = match response.extensions().get::<ClientError>() {
        Some(client) => client.clone(),
        None if response.status().is_client_error() || response.status().is_server_error() => {
            for_bare_status(response.status())
        }
        None => return response,
    };
    let (mut parts, _) = response.into_parts();
    parts.status = client.status;
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(secs) = client.retry_after_secs {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    let body = if api {
        let (title, message) = match &client.view {
            View::Message { title, message } => (*title, message.clone()),
            View::LinkInvalid(_) => ("Link not usable", String::new()),
            View::SignForm(_) | View::Rendered(_) => ("Invalid form", String::new()),
        };
        Json(serde_json::json!({
            "error": title,
            "message": message,
            "request_id": request_id,
        }))
        .into_response()
    } else {
        Html(render_page(&client, request_id.as_deref()).into_string()).into_response()
    };
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}

fn render_page(client: &ClientError, request_id: Option<&str>) -> maud::Markup {
    match &client.view {
        View::Message { title, message } => templates::error(&templates::ErrorPage {
            status: client.status.as_u16(),
            title,
            message,
            request_id,
            retry_after_secs: client.retry_after_secs,
        }),
        View::LinkInvalid(problem) => templates::link_invalid(&templates::LinkInvalidPage {
            expired: problem.expired,
            letter_slug: problem.letter_slug.as_deref(),
            email: &problem.email,
            error: problem.error.as_deref(),
        }),
        View::SignForm(page) => templates::letter(page),
        View::Rendered(page) => maud::PreEscaped(page.as_ref().clone()),
    }
}

/// A panic in a handler becomes a plain 500 (the panic message is logged, not shown).
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    WebError::Unexpected(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}
