//! Letters and their targets.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::{LetterStatus, letter, letter_count, letter_version, signature, target};

/// A letter to create, with the institutions it is addressed to.
#[derive(Clone, Debug)]
pub struct NewLetter {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub language: String,
    pub status: LetterStatus,
    pub goal: Option<i64>,
    pub deadline: Option<DateTime<Utc>>,
    pub individuals_may_sign: bool,
    pub organisations_may_sign: bool,
    pub organisations_need_approval: bool,
    /// In the order of the "To:" line.
    pub targets: Vec<NewTarget>,
}

/// An institution a letter is addressed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTarget {
    pub name: String,
    pub email: String,
    pub person: Option<String>,
    pub person_title: Option<String>,
}

impl NewTarget {
    /// A target addressed as an institution, without a named person.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> NewTarget {
        NewTarget {
            name: name.into(),
            email: email.into(),
            person: None,
            person_title: None,
        }
    }
}

/// The part of a letter that people sign: what a version holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterText {
    pub title: String,
    pub summary: String,
    pub body: String,
}

/// What saving a text did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextSaved {
    /// The text is what it was; nothing changed.
    Unchanged,
    /// No signature had been given to the current version, so it was corrected in place.
    Replaced { version: i32 },
    /// Signatures had been given to the current version: the new text is a new version.
    NewVersion { version: i32 },
}

/// The shown counts of confirmed signatures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub individuals: i64,
    pub organisations: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.individuals + self.organisations
    }
}

/// The letter with this slug. Text that is not a slug names no letter and never reaches
/// the database (PostgreSQL refuses a NUL in text with an error, which would turn a
/// typed URL into a 500).
pub async fn find_by_slug<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
) -> Result<Option<letter::Model>, DbErr> {
    if crate::domain::Slug::parse(slug).is_err() {
        return Ok(None);
    }
    letter::Entity::find()
        .filter(letter::Column::Slug.eq(slug))
        .one(conn)
        .await
}

pub async fn find_by_id<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<letter::Model>, DbErr> {
    letter::Entity::find_by_id(id).one(conn).await
}

/// The letter, read by a signing in `conn` (a write transaction) to decide whether it
/// takes the signature and whether the form showed its current text. On PostgreSQL the
/// row is share-locked (`FOR SHARE`) until the transaction ends: an edit of the text
/// (`save_text`, which updates the row first) then either waits for this signing to
/// commit and sees its signature, or commits first and this read returns the new text.
/// Signings do not wait for each other (shared locks; each insert already takes a key
/// share on the row for its foreign key). SQLite's single writer gives the same without
/// the clause, which sea-query leaves out there.
pub async fn find_for_signing<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<letter::Model>, DbErr> {
    letter::Entity::find_by_id(id).lock_shared().one(conn).await
}

/// Open letters, newest first, with their counts.
pub async fn list_open<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(letter::Model, Counts)>, DbErr> {
    let letters = letter::Entity::find()
        .filter(letter::Column::Status.eq(LetterStatus::Open))
        .order_by_desc(letter::Column::OpenedAt)
        .order_by_desc(letter::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(letters.len());
    for l in letters {
        let counts = counts(conn, l.id).await?;
        out.push((l, counts));
    }
    Ok(out)
}

pub async fn targets<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<target::Model>, DbErr> {
    target::Entity::find()
        .filter(target::Column::LetterId.eq(letter_id))
        .order_by_asc(target::Column::Position)
        .all(conn)
        .await
}

/// The counts as last rolled up (see `store::counts`).
pub async fn counts<C: ConnectionTrait>(conn: &C, letter_id: i64) -> Result<Counts, DbErr> {
    Ok(letter_count::Entity::find_by_id(letter_id)
        .one(conn)
        .await?
        .map(|c| Counts {
            individuals: c.individual_count,
            organisations: c.organisation_count,
        })
        .unwrap_or_default())
}

/// Creates a letter with its targets, its zeroed count row and its text as version 1.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    new: NewLetter,
    now: DateTime<Utc>,
) -> Result<letter::Model, DbErr> {
    let opened_at = (new.status == LetterStatus::Open).then_some(now);
    let letter = letter::ActiveModel {
        slug: Set(new.slug),
        title: Set(new.title),
        summary: Set(new.summary),
        body: Set(new.body),
        language: Set(new.language),
        status: Set(new.status),
        goal: Set(new.goal),
        deadline: Set(new.deadline),
        opened_at: Set(opened_at),
        created_at: Set(now),
        updated_at: Set(now),
        individuals_may_sign: Set(new.individuals_may_sign),
        organisations_may_sign: Set(new.organisations_may_sign),
        organisations_need_approval: Set(new.organisations_need_approval),
        preview_key: Set(None),
        version: Set(1),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    letter_version::ActiveModel {
        letter_id: Set(letter.id),
        number: Set(1),
        title: Set(letter.title.clone()),
        summary: Set(letter.summary.clone()),
        body: Set(letter.body.clone()),
        created_by: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    replace_targets(conn, letter.id, new.targets).await?;
    letter_count::ActiveModel {
        letter_id: Set(letter.id),
        individual_count: Set(0),
        organisation_count: Set(0),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(letter)
}

/// Replaces the targets of a letter with `targets`, in that order.
pub async fn replace_targets<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    targets: Vec<NewTarget>,
) -> Result<(), DbErr> {
    target::Entity::delete_many()
        .filter(target::Column::LetterId.eq(letter_id))
        .exec(conn)
        .await?;
    for (position, t) in targets.into_iter().enumerate() {
        target::ActiveModel {
            letter_id: Set(letter_id),
            name: Set(t.name),
            email: Set(t.email),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            person: Set(t.person),
            person_title: Set(t.person_title),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Saves the text of a letter, in `conn` (a write transaction), so that what people
/// signed never changes silently: when any signature (in any status) was given the
/// current version, the text becomes a new version and the old one stays readable;
/// otherwise the current version is corrected in place.
///
/// The letter row is locked first (an update of its `updated_at`), so a signing that
/// reads the version in a concurrent transaction either commits before (and is seen
/// here) or reads the new version after.
pub async fn save_text<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    text: LetterText,
    staff_account_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<TextSaved, DbErr> {
    letter::Entity::update_many()
        .col_expr(letter::Column::UpdatedAt, Expr::value(now))
        .filter(letter::Column::Id.eq(letter_id))
        .exec(conn)
        .await?;
    let Some(current) = letter::Entity::find_by_id(letter_id).one(conn).await? else {
        return Err(DbErr::RecordNotFound(format!("letter {letter_id}")));
    };
    if current.title == text.title && current.summary == text.summary && current.body == text.body {
        return Ok(TextSaved::Unchanged);
    }
    let signed = signature::Entity::find()
        .select_only()
        .column(signature::Column::Id)
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::LetterVersion.eq(current.version))
        .limit(1)
        .into_tuple::<i64>()
        .one(conn)
        .await?
        .is_some();
    let outcome = if signed {
        let version = current.version + 1;
        letter_version::ActiveModel {
            letter_id: Set(letter_id),
            number: Set(version),
            title: Set(text.title.clone()),
            summary: Set(text.summary.clone()),
            body: Set(text.body.clone()),
            created_by: Set(staff_account_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        TextSaved::NewVersion { version }
    } else {
        letter_version::Entity::update_many()
            .col_expr(
                letter_version::Column::Title,
                Expr::value(text.title.clone()),
            )
            .col_expr(
                letter_version::Column::Summary,
                Expr::value(text.summary.clone()),
            )
            .col_expr(letter_version::Column::Body, Expr::value(text.body.clone()))
            .col_expr(
                letter_version::Column::CreatedBy,
                Expr::value(staff_account_id),
            )
            .col_expr(letter_version::Column::CreatedAt, Expr::value(now))
            .filter(letter_version::Column::LetterId.eq(letter_id))
            .filter(letter_version::Column::Number.eq(current.version))
            .exec(conn)
            .await?;
        TextSaved::Replaced {
            version: current.version,
        }
    };
    let version = match outcome {
        TextSaved::NewVersion { version } | TextSaved::Replaced { version } => version,
        TextSaved::Unchanged => current.version,
    };
    let mut active: letter::ActiveModel = current.into();
    active.title = Set(text.title);
    active.summary = Set(text.summary);
    active.body = Set(text.body);
    active.version = Set(version);
    active.updated_at = Set(now);
    active.update(conn).await?;
    Ok(outcome)
}

/// The versions of a letter's text, oldest first.
pub async fn versions<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<letter_version::Model>, DbErr> {
    letter_version::Entity::find()
        .filter(letter_version::Column::LetterId.eq(letter_id))
        .order_by_asc(letter_version::Column::Number)
        .all(conn)
        .await
}

/// The number and date of every version of a letter's text, oldest first, without the
/// texts themselves (what the public list of versions shows).
pub async fn version_dates<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<(i32, DateTime<Utc>)>, DbErr> {
    letter_version::Entity::find()
        .select_only()
        .column(letter_version::Column::Number)
        .column(letter_version::Column::CreatedAt)
        .filter(letter_version::Column::LetterId.eq(letter_id))
        .order_by_asc(letter_version::Column::Number)
        .into_tuple::<(i32, DateTime<Utc>)>()
        .all(conn)
        .await
}

/// One version of a letter's text.
pub async fn version<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    number: i32,
) -> Result<Option<letter_version::Model>, DbErr> {
    letter_version::Entity::find()
        .filter(letter_version::Column::LetterId.eq(letter_id))
        .filter(letter_version::Column::Number.eq(number))
        .one(conn)
        .await
}

/// Moves a letter to another status (staff tools and tests).
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    status: LetterStatus,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(found) = letter::Entity::find_by_id(letter_id).one(conn).await? else {
        return Err(DbErr::RecordNotFound(format!("letter {letter_id}")));
    };
    let mut active: letter::ActiveModel = found.into();
    if status == LetterStatus::Open {
        active.opened_at = Set(Some(now));
    }
    active.status = Set(status);
    active.updated_at = Set(now);
    active.update(conn).await?;
    Ok(())
}
