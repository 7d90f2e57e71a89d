//! Letters and their targets.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::entities::{LetterStatus, letter, letter_count, target};

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
    /// (name, email address), in the order of the "To:" line.
    pub targets: Vec<(String, String)>,
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

/// Creates a letter with its targets and its zeroed count row.
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
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (position, (name, email)) in new.targets.into_iter().enumerate() {
        target::ActiveModel {
            letter_id: Set(letter.id),
            name: Set(name),
            email: Set(email),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
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
