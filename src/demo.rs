//! `undersigned demo`: loads a sample open letter so a newcomer has something to sign.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::db;
use crate::entities::LetterStatus;
use crate::store::letters::{self, NewLetter, NewTarget};

/// The sample letter's address.
pub const DEMO_SLUG: &str = "azerbaijan-human-rights-reforms";

const BODY: &str = r#"To the President of the European Council and the President of the European Commission,

We, the undersigned organisations, write to you as the European Union and Azerbaijan
negotiate a new partnership agreement.

Over the past years, journalists, lawyers, human-rights defenders and opposition
politicians in Azerbaijan have been arrested on charges that independent observers
consider politically motivated. Some remain in prison although the **European Court of
Human Rights** has found their detention unlawful. Independent organisations have had
their accounts frozen and their work made impossible.

A partnership with the European Union must rest on the values the Union itself is built
on. We therefore urge you to make any agreement conditional on:

1. the immediate and unconditional release of everyone detained for their peaceful
   political or human-rights work;
2. full implementation of the judgments of the European Court of Human Rights;
3. the repeal of laws that restrict the registration, funding and work of independent
   organisations;
4. an end to travel bans and other harassment of critics and their families.

Lasting reforms, not short-lived gestures before a summit, are the measure of a credible
partnership. We ask you to raise these points publicly and at every level of the talks.

Respectfully,

*The signatory organisations and individuals*
"#;

/// Inserts the sample letter unless it is already there; returns whether it inserted.
pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let txn = db::begin_write(db).await?;
    if letters::find_by_slug(&txn, DEMO_SLUG).await?.is_some() {
        txn.commit().await?;
        return Ok(false);
    }
    letters::create(
        &txn,
        NewLetter {
            slug: DEMO_SLUG.into(),
            title: "Insist on lasting human-rights reforms in Azerbaijan".into(),
            summary: "Organisations and individuals ask the European Council and the European \
                      Commission to make the new EU–Azerbaijan partnership conditional on the \
                      release of political prisoners and lasting human-rights reforms."
                .into(),
            body: BODY.into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: Some(10_000),
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![
                NewTarget::new("European Council", "council@example.org"),
                NewTarget::new("European Commission", "commission@example.org"),
            ],
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
