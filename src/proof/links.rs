//! Signers' private proof links (`/proofs/{token}`): 256 random bits, only their hash
//! stored (`proof_tokens`), minted when a link is shown or sent. The page behind one
//! shows the inclusion proof of that one signature, so a link is as private as the
//! email or page that carried it; it reveals nothing beyond the signature's public
//! fields.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};

use crate::domain::ConfirmationToken;
use crate::entities::{proof_token, signature};

/// Mints a proof link's token for a signature and stores its hash; the raw token goes
/// into the page or email being made and nowhere else.
pub async fn mint<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
    now: DateTime<Utc>,
) -> Result<ConfirmationToken, DbErr> {
    let token = ConfirmationToken::generate();
    proof_token::ActiveModel {
        signature_id: Set(signature_id),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The address of a proof link, from the public base URL (never from a request).
pub fn proof_url(base_url: &url::Url, token: &ConfirmationToken) -> String {
    format!(
        "{}/proofs/{}",
        base_url.as_str().trim_end_matches('/'),
        token.as_str()
    )
}

/// Mints a token for the signature and gives its link: what an email about a signature
/// (e.g. the delivery notice) puts in, inside the transaction that queues or sends it.
pub async fn mint_proof_url<C: ConnectionTrait>(
    conn: &C,
    base_url: &url::Url,
    signature_id: i64,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let token = mint(conn, signature_id, now).await?;
    Ok(proof_url(base_url, &token))
}

/// The signature a proof link belongs to.
pub async fn find_by_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<signature::Model>, DbErr> {
    let Some(row) = proof_token::Entity::find()
        .filter(proof_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    signature::Entity::find_by_id(row.signature_id)
        .one(conn)
        .await
}
