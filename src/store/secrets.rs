//! Keys the service makes for itself and keeps in the database (`server_secrets`), so
//! every replica, and every restart, uses the same one when the operator set none.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entities::server_secret;

/// The secret called `name`: made (256 random bits, hex) and stored the first time it is
/// asked for, by whichever replica comes first; every later call, on any replica, reads
/// that one. Whoever can read the table can read the secret.
pub async fn shared<C: ConnectionTrait>(conn: &C, name: &str) -> Result<Vec<u8>, DbErr> {
    // Read first: after the first call this is all there is, and it writes nothing.
    if let Some(row) = server_secret::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
    {
        return Ok(row.value.into_bytes());
    }
    let fresh = crate::encoding::hex(&rand::random::<[u8; 32]>());
    server_secret::Entity::insert(server_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(fresh),
    })
    .on_conflict_do_nothing_on([server_secret::Column::Name])
    .exec(conn)
    .await?;
    let row = server_secret::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("the server secret {name}")))?;
    // Whichever replica inserted first, every one uses the stored value.
    Ok(row.value.into_bytes())
}
