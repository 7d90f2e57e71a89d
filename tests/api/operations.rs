//! Health checks, failure handling and what the service tells the outside world.

use sea_orm::ConnectionTrait;

use crate::support::{LETTER, TestApp, individual};

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_public_pages_are_cacheable() {
    let app = TestApp::spawn().await;
    let page = app.get(&format!("/letters/{LETTER}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers().contains_key("x-request-id"));
    let cache = page.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cache.contains("public") && cache.contains("stale-while-revalidate"),
        "{cache}"
    );
    let api = app.get(&format!("/api/letters/{LETTER}")).await;
    assert!(
        api.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("stale-while-revalidate")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page_and_an_unknown_letter_a_404_json_in_the_api() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("Page not found"));
    let api = app.get("/api/letters/no-such-letter").await;
    assert_eq!(api.status(), 404);
    let json: serde_json::Value = api.json().await.unwrap();
    assert!(json["error"].is_string());
    app.stop().await;
}

/// Words that would tell an attacker about our internals.
const LEAKS: &[&str] = &[
    "signatures",
    "targets",
    "letter_counts",
    "SELECT",
    "sqlx",
    "sea_orm",
    "no such table",
    "relation",
    "database",
    "Database",
    "panicked",
];

fn assert_leaks_nothing(body: &str) {
    for word in LEAKS {
        assert!(
            !body.contains(word),
            "the error page leaks {word:?}: {body}"
        );
    }
}

#[tokio::test]
async fn a_broken_database_gives_a_500_page_that_leaks_nothing() {
    let app = TestApp::spawn().await;
    // Someone dropped a table under the running service.
    app.db
        .execute_unprepared("DROP TABLE targets")
        .await
        .unwrap();
    let page = app.get(&format!("/letters/{LETTER}")).await;
    assert_eq!(page.status(), 500);
    let request_id = page.headers()["x-request-id"].to_str().unwrap().to_string();
    let body = page.text().await.unwrap();
    assert!(body.contains("Something went wrong"), "{body}");
    assert!(
        body.contains(&request_id),
        "the page gives the reference to quote"
    );
    assert_leaks_nothing(&body);

    let api = app.get(&format!("/api/letters/{LETTER}")).await;
    assert_eq!(api.status(), 200, "the API does not need the dropped table");
    app.db
        .execute_unprepared("DROP TABLE letter_counts")
        .await
        .unwrap();
    let api = app.get(&format!("/api/letters/{LETTER}")).await;
    assert_eq!(api.status(), 500);
    assert_leaks_nothing(&api.text().await.unwrap());
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_database_fails_readiness_and_signing_with_a_clean_page() {
    let app = TestApp::spawn().await;
    app.db.clone().close().await.unwrap();
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    let signed = app.sign(&individual("Ada", "ada@example.org")).await;
    // Out of reach is not broken: a 503 page that says when to try again.
    assert_eq!(signed.status(), 503);
    assert_eq!(signed.headers()["retry-after"], "5");
    let body = signed.text().await.unwrap();
    assert!(body.contains("briefly unavailable"), "{body}");
    assert!(body.contains("signing again is safe"), "{body}");
    assert_leaks_nothing(&body);
    app.stop().await;
}

#[tokio::test]
async fn counts_that_drifted_are_reconciled_against_the_signatures() {
    let app = TestApp::spawn().await;
    app.sign(&individual("Ada", "ada@example.org")).await;
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    app.post_form(&TestApp::confirmation_path(&mail[0]), &[])
        .await;
    app.roll_up().await;
    assert_eq!(app.letter_json().await["individual_count"], 1);
    // Someone corrupts the shown count.
    app.db
        .execute_unprepared("UPDATE letter_counts SET individual_count = 41")
        .await
        .unwrap();
    assert_eq!(app.letter_json().await["individual_count"], 41);
    let drifts = undersigned::store::counts::reconcile(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(drifts.len(), 1);
    assert_eq!(drifts[0].expected, 41);
    assert_eq!(drifts[0].actual, 1);
    assert_eq!(app.letter_json().await["individual_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn the_api_describes_a_letter() {
    let app = TestApp::spawn().await;
    let json = app.letter_json().await;
    assert_eq!(json["slug"], LETTER);
    assert_eq!(json["title"], "Free the prisoners of conscience");
    assert_eq!(json["status"], "open");
    assert_eq!(json["individual_count"], 0);
    assert_eq!(json["organisation_count"], 0);
    assert_eq!(json["total_count"], 0);
    assert_eq!(json["goal"], 1000);
    assert_eq!(
        json["url"],
        format!("{}/letters/{LETTER}", crate::support::BASE_URL)
    );
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_lists_open_letters() {
    let app = TestApp::spawn().await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("Free the prisoners of conscience"), "{body}");
    assert!(body.contains(&format!("/letters/{LETTER}")), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn the_worker_inside_the_service_sends_mail_and_stops_with_it() {
    let app = TestApp::spawn_with(|s| s.run_worker = true).await;
    // With the worker running inside the service, mail goes out without the test draining.
    app.sign(&individual("Ada", "ada@example.org")).await;
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail.len(), 1);
    // The worker records the send just after the server accepted the message.
    let mut status = None;
    for _ in 0..50 {
        status = Some(app.outbox().await[0].status);
        if status == Some(undersigned::entities::OutboxStatus::Sent) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(undersigned::entities::OutboxStatus::Sent));
    // stop() asserts that the server and its background tasks end cleanly and promptly.
    app.stop().await;
}

#[tokio::test]
async fn a_bad_count_delta_does_not_stop_the_roll_up() {
    let app = TestApp::spawn().await;
    let letter_id: i64 = undersigned::store::letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id;
    let at = "'2026-11-27 12:00:00+00:00'";
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO count_deltas (letter_id, kind, delta, created_at) VALUES \
             ({letter_id}, 'individual', 1, {at}), \
             ({letter_id}, 'no-such-kind', 1, {at}), \
             ({letter_id}, 'organisation', 1, {at})"
        ))
        .await
        .unwrap();
    app.roll_up().await;
    let json = app.letter_json().await;
    assert_eq!(json["individual_count"], 1);
    assert_eq!(json["organisation_count"], 1);
    let left = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT count(*) AS n FROM count_deltas",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0, "the bad row is dropped, not retried for ever");
    app.stop().await;
}

#[tokio::test]
async fn a_delta_cannot_outlive_its_letter() {
    let app = TestApp::spawn().await;
    let letter_id: i64 = undersigned::store::letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id;
    let at = "'2026-11-27 12:00:00+00:00'";
    // A delta for a letter that does not exist is refused by the foreign key.
    assert!(
        app.db
            .execute_unprepared(&format!(
                "INSERT INTO count_deltas (letter_id, kind, delta, created_at) \
                 VALUES ({}, 'individual', 1, {at})",
                letter_id + 1000
            ))
            .await
            .is_err()
    );
    // Deleting a letter takes its pending deltas with it, and the roll-up goes on.
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO count_deltas (letter_id, kind, delta, created_at) \
             VALUES ({letter_id}, 'individual', 1, {at})"
        ))
        .await
        .unwrap();
    for table in ["confirmation_tokens", "signatures", "targets"] {
        app.db
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
    app.db
        .execute_unprepared(&format!("DELETE FROM letters WHERE id = {letter_id}"))
        .await
        .unwrap();
    let folded = undersigned::store::counts::roll_up(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(folded, 0);
    app.stop().await;
}
