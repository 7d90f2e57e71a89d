//! The worker's batched path: the confirmation emails of one claim are made together (one
//! read per table, the tokens stored in one transaction) and their rows marked sent
//! together. Each email must still carry links to its own signature only, and the claim
//! must read only pending rows however many sent rows the outbox holds.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use undersigned::domain::ConfirmationToken;
use undersigned::entities::{
    OutboxStatus, SignatureStatus, confirmation_token, proof_token, signature, withdrawal_token,
};

use crate::support::smtp::ReceivedMessage;
use crate::support::{BASE_URL, TestApp, individual};

/// The token at the end of the message's link that contains `marker` (e.g. "/confirm/").
fn token_after(message: &ReceivedMessage, marker: &str) -> ConfirmationToken {
    let link = message
        .links()
        .into_iter()
        .find(|l| l.starts_with(BASE_URL) && l.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in the message"));
    let raw = link
        .rsplit('/')
        .next()
        .unwrap_or_else(|| panic!("{link} has no token"));
    ConfirmationToken::parse(raw).unwrap_or_else(|e| panic!("{link}: {e:?}"))
}

#[tokio::test]
async fn each_email_of_a_batch_carries_links_to_its_own_signature_only() {
    let app = TestApp::spawn_with(|s| s.worker_concurrency = 8).await;
    let addresses: Vec<String> = (0..8).map(|i| format!("signer{i}@example.org")).collect();
    for address in &addresses {
        let response = app.sign(&individual("Someone", address)).await;
        assert_eq!(response.status(), 303, "signing as {address}");
    }

    // One claim takes all eight: they are made and marked as one batch.
    assert_eq!(app.drain_outbox().await, 8);
    app.wait_for_mail(8).await;
    for address in &addresses {
        let mail = app.mail_to(address);
        assert_eq!(mail.len(), 1, "mail to {address}");
        let sig = signature::Entity::find()
            .filter(signature::Column::Email.eq(address.as_str()))
            .one(&app.db)
            .await
            .expect("reading the signature")
            .expect("the signature");
        assert!(sig.last_confirmation_email_at.is_some(), "{sig:#?}");

        let confirm = token_after(&mail[0], "/confirm/");
        let stored = confirmation_token::Entity::find()
            .filter(confirmation_token::Column::TokenHash.eq(confirm.hash()))
            .one(&app.db)
            .await
            .expect("reading the token")
            .expect("the confirmation token's hash is stored");
        assert_eq!(
            stored.signature_id, sig.id,
            "confirmation link of {address}"
        );

        let proof = token_after(&mail[0], "/proofs/");
        let stored = proof_token::Entity::find()
            .filter(proof_token::Column::TokenHash.eq(proof.hash()))
            .one(&app.db)
            .await
            .expect("reading the token")
            .expect("the proof token's hash is stored");
        assert_eq!(stored.signature_id, sig.id, "proof link of {address}");

        let withdraw = token_after(&mail[0], "/withdraw/");
        let stored = withdrawal_token::Entity::find()
            .filter(withdrawal_token::Column::TokenHash.eq(withdraw.hash()))
            .one(&app.db)
            .await
            .expect("reading the token")
            .expect("the withdrawal token's hash is stored");
        assert_eq!(stored.signature_id, sig.id, "withdrawal link of {address}");

        // And the link works: it confirms this signature.
        let response = app
            .post_form(&TestApp::confirmation_path(&mail[0]), &[])
            .await;
        assert!(
            response.status().is_success(),
            "confirming {address}: {}",
            response.status()
        );
        let after = signature::Entity::find_by_id(sig.id)
            .one(&app.db)
            .await
            .expect("reading the signature")
            .expect("the signature");
        assert_eq!(after.status, SignatureStatus::Confirmed, "{address}");
    }
    for row in app.outbox().await {
        assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
        assert_eq!(
            (row.attempts, row.locked_by.as_deref()),
            (1, None),
            "{row:#?}"
        );
        assert!(row.finished_at.is_some(), "{row:#?}");
    }
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().messages().len(), 8);
    app.stop().await;
}

#[tokio::test]
async fn a_batch_sends_no_link_to_a_signature_confirmed_after_its_email_was_queued() {
    let app = TestApp::spawn_with(|s| s.worker_concurrency = 8).await;
    for address in ["a@example.org", "b@example.org", "c@example.org"] {
        let response = app.sign(&individual("Someone", address)).await;
        assert_eq!(response.status(), 303, "signing as {address}");
    }
    // b confirmed by some other way (a link of an earlier email) before this one went.
    signature::Entity::update_many()
        .col_expr(
            signature::Column::Status,
            Expr::value(SignatureStatus::Confirmed),
        )
        .filter(signature::Column::Email.eq("b@example.org"))
        .exec(&app.db)
        .await
        .expect("confirming b");

    assert_eq!(app.drain_outbox().await, 3);
    app.wait_for_mail(2).await;
    assert_eq!(app.mail_to("a@example.org").len(), 1);
    assert_eq!(app.mail_to("b@example.org").len(), 0);
    assert_eq!(app.mail_to("c@example.org").len(), 1);
    let tokens = confirmation_token::Entity::find()
        .all(&app.db)
        .await
        .expect("reading tokens");
    assert_eq!(tokens.len(), 2, "{tokens:#?}");
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|r| r.status == OutboxStatus::Sent && r.locked_by.is_none())
    );
    assert_eq!(app.smtp().messages().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn the_claim_reads_only_pending_rows_however_many_sent_rows_the_outbox_holds() {
    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    // 20,000 sent rows and 5 pending ones, all due before the test clock's start.
    let fill = if postgres {
        "INSERT INTO outbox (kind, payload, status, attempts, run_at, created_at, finished_at) \
         SELECT 'confirmation_email', '{}', \
                CASE WHEN g <= 20000 THEN 'sent' ELSE 'pending' END, 1, \
                TIMESTAMPTZ '2026-01-01' + g * INTERVAL '1 millisecond', NOW(), NOW() \
         FROM generate_series(1, 20005) g"
    } else {
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20005) \
         INSERT INTO outbox (kind, payload, status, attempts, run_at, created_at, finished_at) \
         SELECT 'confirmation_email', '{}', \
                CASE WHEN n <= 20000 THEN 'sent' ELSE 'pending' END, 1, \
                '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00', \
                '2026-01-01 00:00:00+00:00' \
         FROM g"
    };
    app.db.execute_unprepared(fill).await.expect("filling");
    app.db
        .execute_unprepared("ANALYZE")
        .await
        .expect("analysing");

    // The claim's choice of due rows, as `Worker::claim` writes it.
    let due = "SELECT id FROM outbox \
               WHERE status = 'pending' AND run_at <= $1 \
                 AND (locked_until IS NULL OR locked_until < $1) \
               ORDER BY run_at, id LIMIT 8";
    let (sql, now) = if postgres {
        (
            format!("EXPLAIN (ANALYZE, COSTS OFF) {due} FOR UPDATE SKIP LOCKED"),
            "TIMESTAMPTZ '2026-11-27 12:00:00+00'",
        )
    } else {
        (
            format!("EXPLAIN QUERY PLAN {}", due.replace('$', "?")),
            "'2026-11-27 12:00:00+00:00'",
        )
    };
    let sql = sql.replace("$1", now).replace("?1", now);
    let plan: Vec<String> = app
        .db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("explaining the claim")
        .iter()
        .map(|row| {
            row.try_get_by_index::<String>(if postgres { 0 } else { 3 })
                .expect("a plan line")
        })
        .collect();
    let plan = plan.join("\n");
    // The planner may take the pending rows' own index or another that starts with
    // `status`; either way it goes straight to the pending rows, and no sent row is
    // read and filtered out.
    assert!(
        !plan.contains("Seq Scan") && !plan.contains("SCAN outbox"),
        "{plan}"
    );
    if postgres {
        assert!(
            plan.contains("idx_outbox_pending_due")
                || plan.contains("Index Cond: ((status)::text = 'pending'::text"),
            "{plan}"
        );
        let removed: Vec<&str> = plan
            .lines()
            .filter(|l| l.contains("Rows Removed by Filter") && !l.trim().ends_with(": 0"))
            .collect();
        assert!(removed.is_empty(), "{plan}");
    } else {
        assert!(
            plan.contains("USING INDEX idx_outbox_pending_due (status=? AND run_at<?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    // And the worker takes exactly the pending ones.
    assert_eq!(app.drain_outbox().await, 5);
    app.stop().await;
}
