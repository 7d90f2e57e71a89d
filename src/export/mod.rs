//! Exports of a letter's signatures as CSV (RFC 4180, UTF-8, an optional byte-order mark)
//! or JSON Lines, for the staff workspace (`/staff/letters/{id}/export`) and the
//! `undersigned export` command. Both use the same [`Spec`] (format, columns, filters) and
//! the same [`Exporter`], which reads the signatures in keyset pages by id and encodes each
//! page as it comes, so memory stays flat whatever the size of the list.
//!
//! Consistency: there is no transaction around the whole export. Each page is its own short
//! read (`WHERE letter_id = ? AND id > <last id> ORDER BY id LIMIT <page>`), so rows come
//! in id order, each exactly once; a signature added or changed while the export runs may
//! or may not be in it, as it was when its page was read.
//!
//! Columns are chosen from [`Column::ALL`]; [`Column::is_personal`] marks those that say who
//! someone is or where they are (email address, client IP address): only admins get them in
//! the workspace, and only when they tick them. The command line is the operator's and
//! may ask for them too.
//!
//! Formula neutralisation (CSV only): a text cell that starts with `=`, `+`, `-`, `@`, a
//! tab or a carriage return is written with a `'` in front, so a spreadsheet shows it
//! instead of running it (`=HYPERLINK(..)` becomes `'=HYPERLINK(..)`). JSON Lines carry
//! the text unchanged: they are read by programs, not spreadsheets.

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::auth::audit::{self, Actor, Entry};
use crate::entities::{SignatureKind, SignatureStatus, signature};
use crate::store::moderation::status_name;

/// Signatures read per query unless the settings say otherwise (`export_page_size`).
pub const PAGE_SIZE: u32 = 1_000;
/// The largest page the settings accept.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// The UTF-8 byte-order mark some spreadsheet programs need to read UTF-8 CSV as UTF-8.
pub const BOM: &[u8] = "\u{feff}".as_bytes();

/// What the file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma,
    /// quote, CR or LF, quotes doubled; a header row of column names first.
    Csv,
    /// One JSON object per line (LF), keys the column names in the order chosen, absent
    /// values as `null`, `id` and `version` as numbers, `show_publicly` and `wants_updates`
    /// as booleans, everything else as strings.
    Jsonl,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Jsonl => "application/jsonl; charset=utf-8",
        }
    }
}

/// One column of an export. Times are RFC 3339 in UTC to the second
/// (`2026-11-27T12:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The signature's number (what the moderation screens show as #).
    Id,
    /// `individual` or `organisation`.
    Kind,
    /// `pending`, `confirmed`, `held`, `rejected` or `invalidated`.
    Status,
    /// The signer's name, or an organisation's contact person.
    Name,
    OrganisationName,
    /// ISO 3166-1 alpha-2.
    Country,
    City,
    Occupation,
    Website,
    /// The contact person's role in the organisation.
    Role,
    /// The number of the letter's version that was signed.
    Version,
    /// Whether the individual asked to be listed by name.
    ShowPublicly,
    /// Whether the signer asked to hear about the letter.
    WantsUpdates,
    /// When it was signed (the form sent).
    CreatedAt,
    ConfirmedAt,
    /// Personal: the address as typed.
    Email,
    /// Personal: the address the signature was sent from.
    ClientIp,
}

impl Column {
    /// Every column, in the order the workspace offers them.
    pub const ALL: [Column; 17] = [
        Column::Id,
        Column::Kind,
        Column::Status,
        Column::Name,
        Column::OrganisationName,
        Column::Country,
        Column::City,
        Column::Occupation,
        Column::Website,
        Column::Role,
        Column::Version,
        Column::ShowPublicly,
        Column::WantsUpdates,
        Column::CreatedAt,
        Column::ConfirmedAt,
        Column::Email,
        Column::ClientIp,
    ];

    /// What an export holds when no column is named.
    pub const DEFAULT: [Column; 12] = [
        Column::Id,
        Column::Kind,
        Column::Status,
        Column::Name,
        Column::OrganisationName,
        Column::Country,
        Column::City,
        Column::Occupation,
        Column::Website,
        Column::Role,
        Column::Version,
        Column::ConfirmedAt,
    ];

    /// The name in headers, JSON keys, `--columns` and the web form.
    pub fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Kind => "kind",
            Column::Status => "status",
            Column::Name => "name",
            Column::OrganisationName => "organisation_name",
            Column::Country => "country",
            Column::City => "city",
            Column::Occupation => "occupation",
            Column::Website => "website",
            Column::Role => "role",
            Column::Version => "version",
            Column::ShowPublicly => "show_publicly",
            Column::WantsUpdates => "wants_updates",
            Column::CreatedAt => "created_at",
            Column::ConfirmedAt => "confirmed_at",
            Column::Email => "email",
            Column::ClientIp => "client_ip",
        }
    }

    pub fn parse(name: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Fields that identify or locate a person beyond what the letter may list publicly:
    /// admins only, and only when asked for.
    pub fn is_personal(self) -> bool {
        matches!(self, Column::Email | Column::ClientIp)
    }

    fn value(self, s: &signature::Model) -> Value<'_> {
        fn text(t: &Option<String>) -> Value<'_> {
            t.as_deref().map_or(Value::Null, Value::Text)
        }
        match self {
            Column::Id => Value::Number(s.id),
            Column::Kind => Value::Text(s.kind.as_str()),
            Column::Status => Value::Text(status_name(s.status)),
            Column::Name => Value::Text(&s.name),
            Column::OrganisationName => text(&s.organisation_name),
            Column::Country => Value::Text(&s.country),
            Column::City => text(&s.city),
            Column::Occupation => text(&s.occupation),
            Column::Website => text(&s.website),
            Column::Role => text(&s.role),
            Column::Version => Value::Number(i64::from(s.letter_version)),
            Column::ShowPublicly => Value::Bool(s.show_publicly),
            Column::WantsUpdates => Value::Bool(s.wants_updates),
            Column::CreatedAt => Value::Time(s.created_at),
            Column::ConfirmedAt => s.confirmed_at.map_or(Value::Null, Value::Time),
            Column::Email => Value::Text(&s.email),
            Column::ClientIp => text(&s.client_ip),
        }
    }
}

enum Value<'a> {
    Null,
    Text(&'a str),
    Number(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Which signatures of the letter: every filter given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub kind: Option<SignatureKind>,
    pub status: Option<SignatureStatus>,
    pub version: Option<i32>,
    /// Signed on or after this day (UTC).
    pub since: Option<NaiveDate>,
    /// Signed on or before this day (UTC).
    pub until: Option<NaiveDate>,
}

/// Everything an export is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub format: Format,
    /// Start a CSV file with a UTF-8 byte-order mark (ignored for JSON Lines).
    pub bom: bool,
    pub columns: Vec<Column>,
    pub filters: Filters,
}

/// An export as typed (web form or command line), before it is checked.
#[derive(Clone, Debug, Default)]
pub struct RawSpec<'a> {
    pub format: &'a str,
    pub bom: bool,
    /// Column names; none means [`Column::DEFAULT`]. One entry may also hold several
    /// names separated by commas (the command line's `--columns a,b,c`).
    pub columns: Vec<&'a str>,
    pub kind: &'a str,
    pub status: &'a str,
    pub version: &'a str,
    pub since: &'a str,
    pub until: &'a str,
}

/// A problem with one field of a [`RawSpec`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The web form's field name (`format`, `columns`, `kind`, `status`, `version`,
    /// `since`, `until`).
    pub field: &'static str,
    pub message: String,
}

fn parse_status(s: &str) -> Option<SignatureStatus> {
    use sea_orm::Iterable;
    SignatureStatus::iter().find(|st| status_name(*st) == s)
}

impl Spec {
    /// Checks every field and reports each problem against its field.
    pub fn parse(raw: &RawSpec<'_>) -> Result<Spec, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut error = |field: &'static str, message: &str| {
            errors.push(FieldError {
                field,
                message: message.into(),
            })
        };
        let format = match raw.format.trim() {
            "" | "csv" => Some(Format::Csv),
            "jsonl" => Some(Format::Jsonl),
            _ => {
                error("format", "Choose CSV or JSON Lines.");
                None
            }
        };
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        for name in raw
            .columns
            .iter()
            .flat_map(|c| c.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match Column::parse(name) {
                Some(c) if !columns.contains(&c) => columns.push(c),
                Some(_) => {}
                None => unknown.push(name.to_owned()),
            }
        }
        if !unknown.is_empty() {
            let known: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
            error(
                "columns",
                &format!(
                    "Unknown column {}; choose from {}.",
                    unknown.join(", "),
                    known.join(", ")
                ),
            );
        }
        if columns.is_empty() {
            columns = Column::DEFAULT.to_vec();
        }
        let kind = match raw.kind.trim() {
            "" | "any" => None,
            "individual" => Some(SignatureKind::Individual),
            "organisation" => Some(SignatureKind::Organisation),
            _ => {
                error("kind", "Choose individual or organisation.");
                None
            }
        };
        let status = match raw.status.trim() {
            "" | "any" => None,
            s => {
                let parsed = parse_status(s);
                if parsed.is_none() {
                    error(
                        "status",
                        "Choose pending, confirmed, held, rejected or invalidated.",
                    );
                }
                parsed
            }
        };
        let version = match raw.version.trim() {
            "" => None,
            v => match v.parse::<i32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    error("version", "Write the number of a version, like 1.");
                    None
                }
            },
        };
        let mut date = |field: &'static str, value: &str| match value.trim() {
            "" => None,
            t => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    error(field, "Write a date as YYYY-MM-DD, like 2026-11-29.");
                    None
                }
            },
        };
        let since = date("since", raw.since);
        let until = date("until", raw.until);
        if let (Some(s), Some(u)) = (since, until)
            && u < s
        {
            error("until", "The last day comes before the first.");
        }
        match format {
            Some(format) if errors.is_empty() => Ok(Spec {
                format,
                bom: raw.bom,
                columns,
                filters: Filters {
                    kind,
                    status,
                    version,
                    since,
                    until,
                },
            }),
            _ => Err(errors),
        }
    }

    /// Whether any chosen column is personal.
    pub fn has_personal(&self) -> bool {
        self.columns.iter().any(|c| c.is_personal())
    }

    /// The export as the audit log records it.
    pub fn audit_detail(&self, letter_id: i64) -> serde_json::Value {
        let f = &self.filters;
        json!({
            "letter_id": letter_id,
            "format": self.format.name(),
            "bom": self.bom && self.format == Format::Csv,
            "columns": self.columns.iter().map(|c| c.name()).collect::<Vec<_>>(),
            "filters": {
                "kind": f.kind.map(|k| k.as_str()),
                "status": f.status.map(status_name),
                "version": f.version,
                "since": f.since.map(|d| d.to_string()),
                "until": f.until.map(|d| d.to_string()),
            },
        })
    }

    /// A file name of safe characters only, e.g. `my-letter-signatures-20261127-120000.csv`.
    pub fn file_name(&self, slug: &str, now: DateTime<Utc>) -> String {
        let slug: String = slug
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(80)
            .collect();
        format!(
            "{slug}-signatures-{}.{}",
            now.format("%Y%m%d-%H%M%S"),
            self.format.name()
        )
    }
}

/// The first of a day, in UTC.
fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// One keyset page of the letter's signatures matching `filters`: ids above `after`, in id
/// order, at most `limit`. Served by the index on (letter_id, id).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    filters: &Filters,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<signature::Model>, DbErr> {
    let mut select = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .order_by_asc(signature::Column::Id)
        .limit(limit);
    if let Some(after) = after {
        select = select.filter(signature::Column::Id.gt(after));
    }
    if let Some(kind) = filters.kind {
        select = select.filter(signature::Column::Kind.eq(kind));
    }
    if let Some(status) = filters.status {
        select = select.filter(signature::Column::Status.eq(status));
    }
    if let Some(version) = filters.version {
        select = select.filter(signature::Column::LetterVersion.eq(version));
    }
    if let Some(since) = filters.since {
        select = select.filter(signature::Column::CreatedAt.gte(day_start(since)));
    }
    if let Some(until) = filters.until.and_then(|u| u.checked_add_days(Days::new(1))) {
        select = select.filter(signature::Column::CreatedAt.lt(day_start(until)));
    }
    select.all(conn).await
}

/// How many signatures an export will hold (for a progress bar; it reads them all, so
/// only the command line asks).
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    filters: &Filters,
) -> Result<u64, DbErr> {
    let mut select = signature::Entity::find()
        .select_only()
        .column_as(signature::Column::Id.count(), "n")
        .filter(signature::Column::LetterId.eq(letter_id));
    if let Some(kind) = filters.kind {
        select = select.filter(signature::Column::Kind.eq(kind));
    }
    if let Some(status) = filters.status {
        select = select.filter(signature::Column::Status.eq(status));
    }
    if let Some(version) = filters.version {
        select = select.filter(signature::Column::LetterVersion.eq(version));
    }
    if let Some(since) = filters.since {
        select = select.filter(signature::Column::CreatedAt.gte(day_start(since)));
    }
    if let Some(until) = filters.until.and_then(|u| u.checked_add_days(Days::new(1))) {
        select = select.filter(signature::Column::CreatedAt.lt(day_start(until)));
    }
    let n: Option<i64> = select.into_tuple().one(conn).await?;
    Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

/// A CSV text cell that a spreadsheet would run as a formula gets a `'` in front.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Encodes `rows` in `spec`'s format and appends them to `out`.
fn encode(spec: &Spec, rows: &[signature::Model], out: &mut Vec<u8>) -> Result<(), DbErr> {
    match spec.format {
        Format::Csv => {
            let mut w = csv_writer(out);
            for s in rows {
                let record = spec.columns.iter().map(|c| match c.value(s) {
                    Value::Null => String::new(),
                    Value::Text(t) => neutralise(t).into_owned(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Time(t) => rfc3339(t),
                });
                w.write_record(record).map_err(csv_error)?;
            }
            w.flush()
                .map_err(|e| DbErr::Custom(format!("writing CSV: {e}")))?;
        }
        Format::Jsonl => {
            for s in rows {
                out.push(b'{');
                for (i, c) in spec.columns.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // Writing JSON into a Vec cannot fail.
                    let _ = serde_json::to_writer(&mut *out, c.name());
                    out.push(b':');
                    let _ = match c.value(s) {
                        Value::Null => serde_json::to_writer(&mut *out, &()),
                        Value::Text(t) => serde_json::to_writer(&mut *out, t),
                        Value::Number(n) => serde_json::to_writer(&mut *out, &n),
                        Value::Bool(b) => serde_json::to_writer(&mut *out, &b),
                        Value::Time(t) => serde_json::to_writer(&mut *out, &rfc3339(t)),
                    };
                }
                out.extend_from_slice(b"}\n");
            }
        }
    }
    Ok(())
}

fn csv_writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

fn csv_error(e: csv::Error) -> DbErr {
    DbErr::Custom(format!("writing CSV: {e}"))
}

/// Reads and encodes an export page by page: the first chunk is the header (and the BOM)
/// before any row is read, so a download starts at once; each later chunk is one page.
#[derive(Debug)]
pub struct Exporter {
    letter_id: i64,
    spec: Spec,
    page_size: u64,
    after: Option<i64>,
    rows: u64,
    started: bool,
    done: bool,
}

impl Exporter {
    pub fn new(letter_id: i64, spec: Spec, page_size: u32) -> Exporter {
        Exporter {
            letter_id,
            spec,
            page_size: u64::from(page_size.clamp(1, MAX_PAGE_SIZE)),
            after: None,
            rows: 0,
            started: false,
            done: false,
        }
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next bytes of the file, or `None` once it is complete.
    pub async fn next_chunk<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Option<Vec<u8>>, DbErr> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            let mut out = Vec::new();
            if self.spec.format == Format::Csv {
                if self.spec.bom {
                    out.extend_from_slice(BOM);
                }
                let mut w = csv_writer(&mut out);
                w.write_record(self.spec.columns.iter().map(|c| c.name()))
                    .map_err(csv_error)?;
                w.flush()
                    .map_err(|e| DbErr::Custom(format!("writing CSV: {e}")))?;
                drop(w);
                return Ok(Some(out));
            }
        }
        let rows = page(
            conn,
            self.letter_id,
            &self.spec.filters,
            self.after,
            self.page_size,
        )
        .await?;
        if (rows.len() as u64) < self.page_size {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = Some(last.id);
        self.rows += rows.len() as u64;
        let mut out = Vec::with_capacity(rows.len() * 96);
        encode(&self.spec, &rows, &mut out)?;
        Ok(Some(out))
    }
}

/// Writes the whole export to `out` (the command line; tests compare it with the web
/// download) and returns the number of rows; `progress` is told the rows written so far
/// after each page.
pub async fn write_to<C: ConnectionTrait, W: std::io::Write>(
    conn: &C,
    letter_id: i64,
    spec: &Spec,
    page_size: u32,
    out: &mut W,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let mut exporter = Exporter::new(letter_id, spec.clone(), page_size);
    while let Some(chunk) = exporter.next_chunk(conn).await? {
        out.write_all(&chunk)?;
        progress(exporter.rows());
    }
    out.flush()?;
    Ok(exporter.rows())
}

/// Records that an export starts (action `export`, subject `letter:<id>`, the format,
/// columns and filters): written before the first byte, since a download can be cut.
pub async fn record_start<C: ConnectionTrait>(
    conn: &C,
    actor: Actor,
    letter_id: i64,
    spec: &Spec,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let subject = format!("letter:{letter_id}");
    audit::record(
        conn,
        Entry {
            actor,
            action: "export",
            subject: Some(&subject),
            detail: Some(spec.audit_detail(letter_id)),
            client_ip,
        },
        now,
    )
    .await
}

/// Records that an export was written to its end (action `export_finished`, the number
/// of rows). A download cut short has an `export` entry and no `export_finished`.
pub async fn record_finish<C: ConnectionTrait>(
    conn: &C,
    actor: Actor,
    letter_id: i64,
    rows: u64,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let subject = format!("letter:{letter_id}");
    audit::record(
        conn,
        Entry {
            actor,
            action: "export_finished",
            subject: Some(&subject),
            detail: Some(json!({ "letter_id": letter_id, "rows": rows })),
            client_ip,
        },
        now,
    )
    .await
}

/// The columns of the public list sent with a delivered letter ([`public_csv`]).
pub const PUBLIC_COLUMNS: [&str; 9] = [
    "id",
    "kind",
    "name",
    "country",
    "city",
    "occupation",
    "website",
    "version",
    "confirmed_at",
];

/// The public list of a letter as CSV (RFC 4180, UTF-8, formula cells neutralised), for
/// the file attached to a delivered letter: the confirmed organisations (their name,
/// country and website, never the contact person) and the confirmed individuals who chose
/// to be listed (name, country, city, occupation), in id order, up to the signature
/// `up_to`. Nothing personal: no email, no address, no unlisted name. Read in keyset
/// pages of `page_size`; the file itself is built in memory, since it goes into one email.
pub async fn public_csv<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    up_to: i64,
    page_size: u32,
) -> Result<Vec<u8>, DbErr> {
    let filters = Filters {
        status: Some(SignatureStatus::Confirmed),
        ..Filters::default()
    };
    let limit = u64::from(page_size.clamp(1, MAX_PAGE_SIZE));
    let mut out = Vec::new();
    let mut w = csv_writer(&mut out);
    w.write_record(PUBLIC_COLUMNS).map_err(csv_error)?;
    let mut after = None;
    'pages: loop {
        let rows = page(conn, letter_id, &filters, after, limit).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let full = rows.len() as u64 == limit;
        for s in &rows {
            if s.id > up_to {
                break 'pages;
            }
            let cell = |t: Option<&str>| neutralise(t.unwrap_or("")).into_owned();
            let record = match s.kind {
                SignatureKind::Organisation => [
                    s.id.to_string(),
                    s.kind.as_str().to_owned(),
                    cell(s.organisation_name.as_deref()),
                    cell(Some(&s.country)),
                    String::new(),
                    String::new(),
                    cell(s.website.as_deref()),
                    s.letter_version.to_string(),
                    s.confirmed_at.map(rfc3339).unwrap_or_default(),
                ],
                SignatureKind::Individual if s.show_publicly => [
                    s.id.to_string(),
                    s.kind.as_str().to_owned(),
                    cell(Some(&s.name)),
                    cell(Some(&s.country)),
                    cell(s.city.as_deref()),
                    cell(s.occupation.as_deref()),
                    String::new(),
                    s.letter_version.to_string(),
                    s.confirmed_at.map(rfc3339).unwrap_or_default(),
                ],
                SignatureKind::Individual => continue,
            };
            w.write_record(record).map_err(csv_error)?;
        }
        if !full {
            break;
        }
    }
    w.flush()
        .map_err(|e| DbErr::Custom(format!("writing CSV: {e}")))?;
    drop(w);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for t in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(t), format!("'{t}"));
        }
        for t in ["Anna", "", "1-2", "a=b", "'quoted", "Ülkü"] {
            assert_eq!(neutralise(t), t);
        }
    }

    #[test]
    fn a_spec_is_checked_field_by_field() {
        let raw = RawSpec {
            format: "xls",
            columns: vec!["name,nope"],
            kind: "robot",
            status: "maybe",
            version: "0",
            since: "2026-13-01",
            until: "yesterday",
            ..Default::default()
        };
        let errors = Spec::parse(&raw).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "format", "columns", "kind", "status", "version", "since", "until"
            ]
        );
        let spec = Spec::parse(&RawSpec {
            format: "jsonl",
            columns: vec!["email, name", "name"],
            since: "2026-11-01",
            until: "2026-11-30",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(spec.columns, [Column::Email, Column::Name]);
        assert!(spec.has_personal());
        let default = Spec::parse(&RawSpec::default()).unwrap();
        assert_eq!(default.format, Format::Csv);
        assert_eq!(default.columns, Column::DEFAULT);
        assert!(!default.has_personal());
        let backwards = Spec::parse(&RawSpec {
            since: "2026-11-30",
            until: "2026-11-01",
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(backwards[0].field, "until");
    }

    #[test]
    fn file_names_hold_safe_characters_only() {
        let spec = Spec::parse(&RawSpec::default()).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-27T12:00:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            spec.file_name("a\"b/c;d", at),
            "a-b-c-d-signatures-20261127-120005.csv"
        );
    }
}
