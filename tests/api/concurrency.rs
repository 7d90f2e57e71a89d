//! Many people signing and confirming at the same moment.

use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::entities::{SignatureStatus, signature};
use undersigned::store::counts;

use crate::support::{TestApp, individual};

const PEOPLE: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_people_signing_and_confirming_at_once_are_each_counted_once() {
    let app = TestApp::spawn_with(|s| {
        s.worker_concurrency = 16;
        s.database_max_connections = 20;
    })
    .await;

    let signings = (0..PEOPLE).map(|i| {
        let app = &app;
        async move {
            let fields = individual(&format!("Signer {i}"), &format!("signer{i}@example.org"));
            app.sign(&fields).await.status().as_u16()
        }
    });
    let statuses = join_all(signings).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    assert_eq!(app.drain_outbox().await, PEOPLE);
    let mail = app.wait_for_mail(PEOPLE).await;
    let mut recipients: Vec<_> = mail.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(
        recipients.len(),
        PEOPLE,
        "each signer gets exactly one email"
    );
    assert_eq!(mail.len(), PEOPLE);

    // Everyone clicks, and half of them click twice, all at once.
    let paths: Vec<String> = mail.iter().map(TestApp::confirmation_path).collect();
    let clicks = paths.iter().chain(paths.iter().step_by(2)).map(|path| {
        let app = &app;
        async move { app.post_form(path, &[]).await.status().as_u16() }
    });
    let statuses = join_all(clicks).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    app.roll_up().await;
    let json = app.letter_json().await;
    assert_eq!(json["individual_count"], PEOPLE as u64);
    assert_eq!(json["total_count"], PEOPLE as u64);
    let confirmed = signature::Entity::find()
        .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(confirmed, PEOPLE as u64);
    // The rolled-up count agrees with the rows themselves.
    let drifts = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drifts.is_empty(), "{drifts:?}");
    let page = app.letter_page().await;
    assert!(page.contains("300"), "the page shows the count");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_person_signing_many_times_at_once_gets_one_signature() {
    let app = TestApp::spawn().await;
    let tries = (0..40).map(|_| {
        let app = &app;
        async move {
            app.sign(&individual("Ada", "ada@example.org"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = join_all(tries).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let rows = signature::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(rows, 1);
    // The first email and the capped resends, never more.
    app.drain_outbox().await;
    let sent = app.mail_to("ada@example.org").len();
    assert_eq!(sent, app.settings.max_confirmation_emails as usize);
    app.stop().await;
}
