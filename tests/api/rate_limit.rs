//! Rate limits on signing and confirming, and who counts as the client.

use crate::support::{LETTER, TestApp, individual};

async fn sign_from(app: &TestApp, i: usize, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/letters/{LETTER}/sign")))
        .form(&individual("Someone", &format!("someone{i}@example.org")));
    if let Some(xff) = forwarded_for {
        request = request.header("x-forwarded-for", xff);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn signing_too_fast_gets_a_429_with_retry_after_and_a_page() {
    let app = TestApp::spawn_with(|s| {
        s.sign_rate_per_minute = 1;
        s.sign_burst = 2;
    })
    .await;
    assert_eq!(sign_from(&app, 0, None).await.status(), 303);
    assert_eq!(sign_from(&app, 1, None).await.status(), 303);
    let limited = sign_from(&app, 2, None).await;
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let page = limited.text().await.unwrap();
    assert!(page.contains("Too many requests"), "{page}");
    assert!(page.contains("<html"), "a human page: {page}");
    // Nothing was written for the refused request.
    assert_eq!(app.outbox().await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_forged_forwarded_for_header_does_not_escape_the_limit() {
    // No proxy is trusted: the header is the client's own word and is ignored.
    let app = TestApp::spawn_with(|s| {
        s.sign_rate_per_minute = 1;
        s.sign_burst = 2;
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let forged = format!("203.0.113.{i}");
        statuses.push(sign_from(&app, i, Some(&forged)).await.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 429, 429, 429]);
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw() {
    let app = TestApp::spawn_with(|s| {
        s.sign_rate_per_minute = 1;
        s.sign_burst = 2;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    // The client writes whatever it likes on the left; the proxy appends what it saw.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let header = format!("10.9.{i}.1, 198.51.100.7");
        statuses.push(sign_from(&app, i, Some(&header)).await.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 429, 429]);
    // Another client behind the same proxy is not held back.
    let other = sign_from(&app, 10, Some("198.51.100.8")).await;
    assert_eq!(other.status(), 303);
    // IPv6 clients are limited by their /64.
    assert_eq!(
        sign_from(&app, 20, Some("2001:db8:1:2::1")).await.status(),
        303
    );
    assert_eq!(
        sign_from(&app, 21, Some("2001:db8:1:2::2")).await.status(),
        303
    );
    assert_eq!(
        sign_from(&app, 22, Some("2001:db8:1:2:ffff::3"))
            .await
            .status(),
        429
    );
    assert_eq!(
        sign_from(&app, 23, Some("2001:db8:1:3::1")).await.status(),
        303
    );
    app.stop().await;
}

#[tokio::test]
async fn opening_confirmation_links_too_fast_is_limited_too() {
    let app = TestApp::spawn_with(|s| {
        s.confirm_rate_per_minute = 1;
        s.confirm_burst = 3;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = app
            .get("/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
    let resend = app
        .post_form("/confirm/resend", &[("email", "x@example.org".to_string())])
        .await;
    assert_eq!(resend.status(), 429);
    app.stop().await;
}
