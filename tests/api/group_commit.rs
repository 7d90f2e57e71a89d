//! Group commit (`db::batch`): signings that arrive together share one transaction, each
//! is answered only after that transaction committed, and one failing item does not take
//! its neighbours down with it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::future::join_all;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::abuse::durable;
use undersigned::db::batch::{BatchSettings, Work, Writer};
use undersigned::entities::{outbox, signature};

use crate::support::{LETTER, TestApp, individual};

const PEOPLE: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signings_arriving_together_share_transactions_and_each_is_kept() {
    let app = TestApp::spawn_with(|s| {
        // One lane and a wide window, so that the signings below must share batches.
        s.write_batch_lanes = 1;
        s.write_batch_window = Duration::from_millis(50);
        s.database_max_connections = 20;
    })
    .await;
    let letter_id = undersigned::store::letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id;

    let signings = (0..PEOPLE).map(|i| {
        let app = &app;
        async move {
            let fields = individual(&format!("Signer {i}"), &format!("signer{i}@org{i}.example"));
            app.sign(&fields).await.status().as_u16()
        }
    });
    let statuses = join_all(signings).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    // Every answer came after its commit: the rows are there as soon as all answered.
    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, PEOPLE as u64);
    let queued = outbox::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(queued, PEOPLE as u64, "one confirmation email each");

    let stats = app.writer.stats();
    let (batches, items) = (
        stats.batches.load(Ordering::Relaxed),
        stats.items.load(Ordering::Relaxed),
    );
    assert_eq!(items, PEOPLE as u64);
    assert!(
        batches < items / 2,
        "{items} signings in {batches} transactions: they should have shared them"
    );
    assert_eq!(stats.failed.load(Ordering::Relaxed), 0);

    // The per-letter limit's counter saw every signing once, though most of its bumps
    // were counted in memory and written once per batch.
    let now = app.clock.now();
    let counted = durable::count_spread(
        &app.db,
        &durable::letter_key(letter_id),
        durable::Window::Minute.start(now),
    )
    .await
    .unwrap();
    assert_eq!(counted, PEOPLE as i64);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_item_costs_its_neighbours_a_retry_not_their_write() {
    let app = TestApp::spawn().await;
    let writer = Writer::start(
        app.db.clone(),
        BatchSettings {
            max: 64,
            window: Duration::from_millis(100),
            lanes: 1,
        },
    );
    let start = durable::Window::Minute.start(app.clock.now());
    let writes = (0..10).map(|i| {
        let writer = writer.clone();
        async move {
            let work: Work<i32> = Arc::new(move |txn, _batch| {
                Box::pin(async move {
                    durable::add(txn, &format!("group-commit:{i}"), start, 1).await?;
                    if i == 3 {
                        return Err(DbErr::Custom("item 3 fails".into()));
                    }
                    Ok(i)
                })
            });
            writer.write("one lane", work).await
        }
    });
    let results = join_all(writes).await;
    for (i, result) in results.iter().enumerate() {
        if i == 3 {
            assert!(result.is_err(), "the failing item gets its error");
        } else {
            assert_eq!(result.as_ref().ok(), Some(&(i as i32)), "{result:?}");
        }
    }
    assert!(writer.stats().failed.load(Ordering::Relaxed) >= 1);
    // Each write that succeeded is there once (the rolled-back batch left nothing, the
    // retries wrote each once), and the failing one left nothing.
    for i in 0..10 {
        let hits = durable::count(&app.db, &format!("group-commit:{i}"), start)
            .await
            .unwrap();
        assert_eq!(hits, if i == 3 { 0 } else { 1 }, "item {i}");
    }
    app.stop().await;
}
