//! The export screen of a letter (`/staff/letters/{id}/export`, editors and admins) and
//! the download itself (`/staff/letters/{id}/export/download?format=..&columns=..`), a GET
//! since it changes nothing; like every staff page it needs a session. The file is
//! streamed page by page (`crate::export::Exporter`): the header leaves before the first
//! row is read, and memory stays flat however many rows follow.
//!
//! Personal columns (email, IP) are offered to admins only; an editor who asks for one
//! anyway is answered 403. The `export` audit entry is written before the first byte (a
//! download can be cut), and `export_finished` with the row count once the last row is
//! sent.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Staff, page};
use crate::db;
use crate::export::{self, Column, Exporter, RawSpec, Spec};
use crate::store::letters;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/export", get(form))
        .route("/staff/letters/{id}/export/download", get(download))
}

/// The query as sent: repeated `columns` keys are kept (serde's form decoding would not).
#[derive(Debug, Default)]
struct Asked {
    format: String,
    bom: bool,
    columns: Vec<String>,
    kind: String,
    status: String,
    version: String,
    since: String,
    until: String,
}

impl Asked {
    fn from_query(query: Option<&str>) -> Asked {
        let mut asked = Asked::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "format" => asked.format = value,
                "bom" => asked.bom = !value.is_empty() && value != "off" && value != "false",
                "columns" => asked.columns.push(value),
                "kind" => asked.kind = value,
                "status" => asked.status = value,
                "version" => asked.version = value,
                "since" => asked.since = value,
                "until" => asked.until = value,
                _ => {}
            }
        }
        asked
    }

    fn raw(&self) -> RawSpec<'_> {
        RawSpec {
            format: &self.format,
            bom: self.bom,
            columns: self.columns.iter().map(String::as_str).collect(),
            kind: &self.kind,
            status: &self.status,
            version: &self.version,
            since: &self.since,
            until: &self.until,
        }
    }
}

async fn find_letter(
    state: &AppState,
    id: i64,
) -> Result<crate::entities::letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)
}

/// The form, filled with `asked` (the default columns ticked on first view).
fn render(
    staff: &Staff,
    letter: &crate::entities::letter::Model,
    asked: &Asked,
    errors: &[(&'static str, String)],
) -> maud::Markup {
    let chosen: Vec<&str> = asked
        .columns
        .iter()
        .flat_map(|c| c.split(','))
        .map(str::trim)
        .collect();
    let columns: Vec<templates::ExportColumn> = Column::ALL
        .into_iter()
        .filter(|c| staff.is_admin() || !c.is_personal())
        .map(|c| templates::ExportColumn {
            name: c.name(),
            personal: c.is_personal(),
            checked: if chosen.is_empty() {
                Column::DEFAULT.contains(&c)
            } else {
                chosen.contains(&c.name())
            },
        })
        .collect();
    templates::export(&templates::ExportPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        columns: &columns,
        format: &asked.format,
        bom: asked.bom,
        kind: &asked.kind,
        status: &asked.status,
        version: &asked.version,
        since: &asked.since,
        until: &asked.until,
        errors,
    })
}

async fn form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let letter = find_letter(&state, id).await?;
    Ok(page(render(&staff, &letter, &Asked::default(), &[])))
}

async fn download(
    State(state): State<AppState>,
    staff: Staff,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let letter = find_letter(&state, id).await?;
    let asked = Asked::from_query(query.as_deref());
    let spec = match Spec::parse(&asked.raw()) {
        Ok(spec) => spec,
        Err(errors) => {
            let errors: Vec<(&'static str, String)> =
                errors.into_iter().map(|e| (e.field, e.message)).collect();
            return Err(WebError::InvalidStaffForm(Box::new(render(
                &staff, &letter, &asked, &errors,
            ))));
        }
    };
    if spec.has_personal() && !staff.is_admin() {
        return Err(WebError::AdminsOnly);
    }
    let actor = staff.actor();
    let now = state.clock.now();
    {
        let (actor, spec) = (actor.clone(), spec.clone());
        db::write(&state.db, move |txn| {
            let (actor, spec) = (actor.clone(), spec.clone());
            Box::pin(
                async move { export::record_start(txn, actor, id, &spec, Some(ip), now).await },
            )
        })
        .await
        .step("recording the export")?;
    }
    let disposition = format!(
        "attachment; filename=\"{}\"",
        spec.file_name(&letter.slug, now)
    );
    let content_type = spec.format.content_type();
    let exporter = Exporter::new(id, spec, state.settings.export_page_size);
    let stream = futures_util::stream::unfold(
        Some((exporter, state, actor)),
        move |running| async move {
            let (mut exporter, state, actor) = running?;
            match exporter.next_chunk(&state.db).await {
                Ok(Some(chunk)) => Some((
                    Ok(bytes::Bytes::from(chunk)),
                    Some((exporter, state, actor)),
                )),
                Ok(None) => {
                    let rows = exporter.rows();
                    let at = state.clock.now();
                    let recorded = db::write(&state.db, move |txn| {
                        let actor = actor.clone();
                        Box::pin(async move {
                            export::record_finish(txn, actor, id, rows, Some(ip), at).await
                        })
                    })
                    .await;
                    if let Err(e) = recorded {
                        tracing::error!(error = %e, letter_id = id, "recording the end of an export");
                    }
                    None
                }
                Err(e) => {
                    // The status line has gone: cutting the body is all that is left, and
                    // the client sees an incomplete download.
                    tracing::error!(error = %e, letter_id = id, "reading a page of an export");
                    Some((Err(std::io::Error::other(e)), None))
                }
            }
        },
    );
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .map_err(|e| WebError::Unexpected(anyhow::anyhow!("the file name: {e}")))?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
