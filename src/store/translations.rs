//! Translations of a letter's text (`letter_translations`), one per interface language.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entities::letter_translation::{self, Column, Entity};

/// The translation of the letter into `language`, if staff wrote one.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    language: &str,
) -> Result<Option<letter_translation::Model>, DbErr> {
    Entity::find()
        .filter(Column::LetterId.eq(letter_id))
        .filter(Column::Language.eq(language))
        .one(conn)
        .await
}

/// Every translation of the letter, by language (a handful at most: one per offered
/// interface language).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<letter_translation::Model>, DbErr> {
    Entity::find()
        .filter(Column::LetterId.eq(letter_id))
        .order_by_asc(Column::Language)
        .all(conn)
        .await
}

/// Writes the translation of the letter into `language`, replacing an earlier one.
pub async fn save<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    language: &str,
    (title, summary, body): (&str, &str, &str),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = letter_translation::ActiveModel {
        letter_id: Set(letter_id),
        language: Set(language.to_owned()),
        title: Set(title.to_owned()),
        summary: Set(summary.to_owned()),
        body: Set(body.to_owned()),
        updated_at: Set(now),
        ..Default::default()
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::LetterId, Column::Language])
                .update_columns([
                    Column::Title,
                    Column::Summary,
                    Column::Body,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Removes the translation of the letter into `language`; true when there was one.
pub async fn delete<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    language: &str,
) -> Result<bool, DbErr> {
    let done = Entity::delete_many()
        .filter(Column::LetterId.eq(letter_id))
        .filter(Column::Language.eq(language))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}
