//! The verifiable list at 100,000 signatures (`undersigned::proof`): the first snapshot
//! (every signature a new listing), a later one after 1% withdrew and 1% more signed, an
//! inclusion proof from the stored subtree hashes beside one rebuilt from every leaf hash
//! of the list, a consistency proof, and reading a snapshot's entries in pages (what the
//! public download streams).
//!
//! `cargo bench --bench proofs` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_ROWS` (default `100000`) chooses the sizes, comma-separated.

use std::time::{Duration, Instant};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use undersigned::auth::audit::Actor;
use undersigned::entities::{SignatureKind, SignatureStatus, list_entry, signature};
use undersigned::merkle::{self, from_hex};
use undersigned::proof::{self, SignerProof};
use undersigned::store::letters;
use undersigned::{Application, Clock};

#[path = "common/mod.rs"]
mod common;

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .unwrap_or_else(|_| "100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runtime = common::runtime()?;
    println!(
        "| database | signatures | first snapshot | next snapshot (+1%, −1%) | inclusion proof, stored nodes p50 / p99 | inclusion proof, rebuilt from all leaves | consistency proof | reading all entries in pages |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &rows in &sizes {
        common::on_each_database(
            &runtime,
            |db| async move { run(db.label, &db.url, rows).await },
        )?;
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(database: &str, url: &str, rows: usize) -> anyhow::Result<()> {
    let settings = common::settings(url)?;
    let app = Application::build(settings, Clock::System).await?;
    let db = app.state().db.clone();
    let now = Clock::System.now();
    let letter = letters::create(
        &db,
        common::letter(
            "bench-proofs",
            "A letter with many signatures",
            "Body.".into(),
        ),
        now,
    )
    .await?
    .id;
    seed(&db, letter, 0, rows, now).await?;
    if database == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE signatures").await?;
    }

    let started = Instant::now();
    let first = proof::take_snapshot(&db, letter, &Actor::System, now).await?;
    let first_time = started.elapsed();
    assert_eq!(first.size, rows as u64);

    // 1% withdraw, 1% more sign.
    let step = 100;
    let ids: Vec<i64> = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter))
        .order_by_asc(signature::Column::Id)
        .all(&db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let withdrawn: Vec<i64> = ids.iter().step_by(step).copied().collect();
    signature::Entity::update_many()
        .col_expr(
            signature::Column::Status,
            sea_orm::sea_query::Expr::value(SignatureStatus::Withdrawn),
        )
        .filter(signature::Column::Id.is_in(withdrawn.clone()))
        .exec(&db)
        .await?;
    seed(&db, letter, rows, rows / step, now).await?;
    let started = Instant::now();
    let second = proof::take_snapshot(&db, letter, &Actor::System, now).await?;
    let second_time = started.elapsed();
    assert_eq!(second.size, (rows + 2 * (rows / step)) as u64);

    // Inclusion proofs for 300 signatures spread over the list.
    let mut times = Vec::new();
    let root = from_hex(&second.root).unwrap_or_default();
    let listed: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step != 0)
        .map(|(_, id)| *id)
        .collect();
    for id in listed.iter().step_by((rows / 300).max(1)).take(300) {
        let sig = signature::Entity::find_by_id(*id)
            .one(&db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("signature {id}"))?;
        let started = Instant::now();
        let found = proof::signer_proof(&db, &sig).await?;
        times.push(started.elapsed());
        let SignerProof::Listed { proof, .. } = found else {
            anyhow::bail!("signature {id} is not listed");
        };
        let path: Vec<_> = proof.path.iter().filter_map(|h| from_hex(h)).collect();
        assert!(merkle::verify_inclusion(
            &proof.signature.leaf_hash(),
            proof.leaf_index,
            proof.tree_size,
            &path,
            &root
        ));
    }
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];

    // The same proof made the naive way: every leaf hash read, the tree rebuilt.
    let started = Instant::now();
    let leaves: Vec<merkle::Hash> = list_entry::Entity::find()
        .filter(list_entry::Column::LetterId.eq(letter))
        .order_by_asc(list_entry::Column::Position)
        .all(&db)
        .await?
        .iter()
        .filter_map(|e| from_hex(&e.leaf_hash))
        .collect();
    let naive = merkle::inclusion_proof(&leaves, rows / 2);
    let naive_time = started.elapsed();
    assert!(naive.is_some());

    let started = Instant::now();
    let consistency = proof::consistency(&db, letter, first.size, second.size).await?;
    let consistency_time = started.elapsed();
    assert!(consistency.is_some());

    let started = Instant::now();
    let mut at = 0;
    while at < second.size {
        let page = proof::published_entries(&db, letter, at, second.size, 1000).await?;
        at = page.last().map_or(second.size, |e| e.index + 1);
    }
    let read_time = started.elapsed();

    println!(
        "| {database} | {rows} | {} | {} | {} / {} | {} | {} | {} |",
        ms(first_time),
        ms(second_time),
        ms(p50),
        ms(p99),
        ms(naive_time),
        ms(consistency_time),
        ms(read_time)
    );
    app.state().db.clone().close().await.ok();
    Ok(())
}

async fn seed(
    db: &DatabaseConnection,
    letter_id: i64,
    from: usize,
    count: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    const NAMES: [&str; 6] = [
        "Zəhra Əliyeva",
        "Иван Петров",
        "Νίκος Παπαδόπουλος",
        "ნინო ბერიძე",
        "محمد الأحمد",
        "李小龙",
    ];
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(1_000);
    for i in from..from + count {
        let organisation = i % 20 == 0;
        let email = format!("s{i}@d{}.example.org", i % 500);
        batch.push(signature::ActiveModel {
            letter_id: Set(letter_id),
            kind: Set(if organisation {
                SignatureKind::Organisation
            } else {
                SignatureKind::Individual
            }),
            status: Set(SignatureStatus::Confirmed),
            name: Set(format!("{} {i}", NAMES[i % NAMES.len()])),
            organisation_name: Set(organisation.then(|| format!("Human Rights House {i}"))),
            email: Set(email.clone()),
            email_normalized: Set(email),
            country: Set("AZ".into()),
            show_publicly: Set(i % 3 != 0),
            wants_updates: Set(false),
            confirmation_emails: Set(1),
            created_at: Set(now),
            confirmed_at: Set(Some(now)),
            letter_version: Set(1),
            ..Default::default()
        });
        if batch.len() == 1_000 {
            signature::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        signature::Entity::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}
