//! Defaults that are safe on a public address: the development mailbox, file mail on a
//! public bind, request ids, and the security headers.

use undersigned::{Application, Clock, Settings};

use crate::support::{TestApp, individual};

#[tokio::test]
async fn on_a_public_address_the_mailbox_exists_only_when_asked_for() {
    let app = TestApp::spawn_custom(None, |s| {
        s.bind = "0.0.0.0:0".parse().expect("an address");
        s.allow_public_file_mail = true;
    })
    .await;
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    app.drain_outbox().await;
    assert_eq!(app.get("/dev/mailbox").await.status(), 404);
    app.stop().await;

    let app = TestApp::spawn_custom(None, |s| {
        s.bind = "0.0.0.0:0".parse().expect("an address");
        s.allow_public_file_mail = true;
        s.dev_mailbox = Some(true);
    })
    .await;
    assert_eq!(app.get("/dev/mailbox").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn file_mail_on_a_public_bind_does_not_start() {
    let settings = Settings {
        bind: "0.0.0.0:0".parse().expect("an address"),
        database_url: "sqlite::memory:".to_string().into(),
        ..Settings::default()
    };
    let err = match Application::build(settings, Clock::System).await {
        Ok(_) => panic!("the application started with file mail on 0.0.0.0"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("allow_public_file_mail"), "{err}");
}

/// Holds the write lock (SQLite) or a lock on the signatures table (PostgreSQL) until the
/// returned transaction ends, so a signing request waits inside its transaction.
async fn block_signings(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, DatabaseBackend};
    let txn = undersigned::db::begin_write(&app.db)
        .await
        .expect("a blocking transaction");
    if app.db.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE signatures IN EXCLUSIVE MODE")
            .await
            .expect("locking the signatures table");
    }
    txn
}

const HOSTILE_ID: &str = "forged<script>alert(1)</script>";

#[tokio::test]
async fn a_client_request_id_is_replaced_unless_a_trusted_proxy_sent_it() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/no/such/page"))
        .header("x-request-id", "client-chosen-id")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(id, "client-chosen-id");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&id) && !page.contains("client-chosen-id"),
        "{page}"
    );
    app.stop().await;

    let app =
        TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let kept = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-1234.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-1234.abc");
    // Even a trusted proxy's id must be a plain token to reach logs and pages.
    let forged = app
        .client
        .get(app.url("/no/such/page"))
        .header("x-request-id", HOSTILE_ID)
        .send()
        .await
        .unwrap();
    assert_ne!(forged.headers()["x-request-id"], HOSTILE_ID);
    assert!(!forged.text().await.unwrap().contains("forged"));
    app.stop().await;
}

/// The headers every response carries, error or not.
fn assert_security_headers(response: &reqwest::Response) {
    let h = response.headers();
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    // The test app's base_url is https.
    assert!(h.contains_key("strict-transport-security"));
    assert!(h.contains_key("x-request-id"));
}

/// An error page rendered by the one renderer: our page, the request id on it, not cached.
async fn assert_error_page(response: reqwest::Response, status: u16, words: &str) {
    assert_eq!(response.status(), status);
    assert_security_headers(&response);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let page = response.text().await.unwrap();
    assert!(page.contains(words), "{page}");
    assert!(page.contains(&id), "the page quotes the request id: {page}");
    assert!(
        page.contains("name=\"referrer\" content=\"no-referrer\""),
        "{page}"
    );
}

#[tokio::test]
async fn a_body_too_large_and_a_wrong_method_get_the_error_page() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(100 * 1024);
    let response = app
        .sign(&[("kind", "individual".into()), ("name", huge)])
        .await;
    assert_error_page(response, 413, "too large").await;
    let response = app
        .get(&format!("/letters/{}/sign", crate::support::LETTER))
        .await;
    assert_error_page(response, 405, "does not take that kind of request").await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert_security_headers(&page);
    app.stop().await;
}

#[tokio::test]
async fn a_request_that_runs_out_of_time_gets_a_503_page_with_retry_after() {
    let app = TestApp::spawn_with(|s| s.request_timeout = std::time::Duration::from_secs(1)).await;
    let lock = block_signings(&app).await;
    let response = app
        .sign(&individual("Ada Lovelace", "ada@example.org"))
        .await;
    assert_eq!(response.headers()["retry-after"], "5");
    assert_error_page(response, 503, "briefly unavailable").await;
    lock.rollback().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_signing_leaves_no_transaction_open() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let lock = block_signings(&app).await;
    // The client gives up while the signing waits inside its transaction.
    let gave_up = app
        .client
        .post(app.url(&format!("/letters/{}/sign", crate::support::LETTER)))
        .form(&individual("Ada Lovelace", "ada@example.org"))
        .timeout(std::time::Duration::from_millis(300))
        .send()
        .await;
    assert!(
        gave_up.is_err(),
        "the request should have timed out: {gave_up:?}"
    );
    lock.rollback().await.unwrap();
    // The write ran to its end on its own task: committed, with its email queued.
    let mut stored = 0;
    for _ in 0..100 {
        stored = undersigned::entities::signature::Entity::find()
            .count(&app.db)
            .await
            .unwrap();
        if stored == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(stored, 1);
    assert_eq!(app.outbox().await.len(), 1);
    if app.db.get_database_backend() == DatabaseBackend::Postgres {
        let open = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(open.try_get::<i64>("", "n").unwrap(), 0);
    }
    // Every pooled connection still works: a burst of signings all go through.
    for i in 0..20 {
        let response = app
            .sign(&individual("Bea", &format!("bea{i}@example.org")))
            .await;
        assert_eq!(response.status(), 303);
    }
    app.stop().await;
}

/// Posts a form to `path` with the given extra headers.
async fn post_with(
    app: &TestApp,
    path: &str,
    fields: &[(&str, String)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path)).form(fields);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn another_site_cannot_make_a_browser_sign_or_ask_for_links() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let sign = format!("/letters/{}/sign", crate::support::LETTER);
    let ada = individual("Ada Lovelace", "ada@example.org");
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")][..],
        // The Origin of the site itself, but over plain http: not the same origin.
        &[("origin", "http://letters.example.org")][..],
    ] {
        let refused = post_with(&app, &sign, &ada, headers).await;
        assert_error_page(refused, 403, "sent from another site").await;
        let resend = post_with(
            &app,
            "/confirm/resend",
            &[("email", "ada@example.org".to_string())],
            headers,
        )
        .await;
        assert_eq!(resend.status(), 403, "{headers:?}");
        let confirm = post_with(&app, &format!("/confirm/{}", "a".repeat(43)), &[], headers).await;
        assert_eq!(confirm.status(), 403, "{headers:?}");
    }
    assert_eq!(
        undersigned::entities::signature::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert!(app.outbox().await.is_empty());

    // Our own pages, and a browser that says nothing, still sign.
    for (i, headers) in [
        &[("sec-fetch-site", "same-origin")][..],
        &[("origin", "https://letters.example.org")][..],
        &[][..],
    ]
    .into_iter()
    .enumerate()
    {
        let fields = individual("Bea", &format!("bea{i}@example.org"));
        let signed = post_with(&app, &sign, &fields, headers).await;
        assert_eq!(signed.status(), 303, "{headers:?}");
    }
    app.stop().await;
}
