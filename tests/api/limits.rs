//! Durable limits (per letter, per email domain, per inbox) shared by two instances on one
//! database, network-prefix limits, and the under-attack mode with its proof of work.

use sea_orm::{EntityTrait, PaginatorTrait};
use undersigned::entities::{LetterStatus, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::{TestApp, individual};

async fn signatures(app: &TestApp) -> u64 {
    signature::Entity::find().count(&app.db).await.unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_per_letter_limit_holds_across_two_instances_sharing_one_database() {
    let app = TestApp::spawn_with(|s| s.letter_signings_per_minute = 3).await;
    let other = app.spawn_sibling(|_| {}).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let fields = individual("Someone", &format!("p{i}@domain{i}.example"));
        let response = if i % 2 == 0 {
            app.sign(&fields).await
        } else {
            other.sign(&fields).await
        };
        let status = response.status().as_u16();
        statuses.push(status);
        if status == 429 {
            let wait = retry_after(&response);
            assert!((1..=60).contains(&wait), "{wait}");
            let page = response.text().await.unwrap();
            assert!(page.contains("Too many signatures right now"), "{page}");
        }
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429, 429]);
    assert_eq!(signatures(&app).await, 3, "nothing recorded over the limit");
    // The next minute takes signatures again, on either instance.
    app.clock.advance(chrono::Duration::seconds(60));
    let response = other
        .sign(&individual("Later", "later@domain9.example"))
        .await;
    assert_eq!(response.status(), 303);
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn one_email_domain_is_limited_per_letter_but_big_webmail_is_exempt() {
    let app = TestApp::spawn_with(|s| s.domain_signings_per_letter_per_hour = 2).await;
    let other = app.spawn_sibling(|_| {}).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        let fields = individual("Someone", &format!("p{i}@Flood.Example"));
        let response = if i % 2 == 0 {
            app.sign(&fields).await
        } else {
            other.sign(&fields).await
        };
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(retry_after(&response) > 60, "the hour's window");
        }
    }
    assert_eq!(statuses, [303, 303, 429, 429]);
    // Another domain is untouched; gmail.com is on the default exempt list.
    assert_eq!(
        other
            .sign(&individual("A", "a@another.example"))
            .await
            .status(),
        303
    );
    for i in 0..4 {
        let fields = individual("G", &format!("g{i}@gmail.com"));
        assert_eq!(app.sign(&fields).await.status(), 303);
    }
    assert_eq!(signatures(&app).await, 2 + 1 + 4);
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_inbox_gets_at_most_the_daily_cap_across_letters_and_instances() {
    let app = TestApp::spawn_with(|s| {
        s.emails_per_address_per_day = 2;
        s.max_confirmation_emails = 10;
    })
    .await;
    let other = app.spawn_sibling(|_| {}).await;
    letters::create(
        &app.db,
        NewLetter {
            slug: "second-letter".into(),
            title: "A second letter".into(),
            summary: "Another.".into(),
            body: "Another text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("Someone", "someone@example.org")],
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let victim = "victim@example.net";
    // First letter on one instance, the second letter on the other, then repeats: every
    // answer is the same page, but only two emails are queued.
    let first = app.sign(&individual("V", victim)).await;
    let second = other
        .client
        .post(other.url("/letters/second-letter/sign"))
        .form(&individual("V", victim))
        .send()
        .await
        .unwrap();
    let third = other.sign(&individual("V", victim)).await;
    let fourth = app.sign(&individual("V", victim)).await;
    for r in [&first, &second, &third, &fourth] {
        assert_eq!(r.status(), 303);
    }
    assert_eq!(app.outbox().await.len(), 2);
    assert_eq!(app.drain_outbox().await, 2);
    assert_eq!(app.wait_for_mail(2).await.len(), 2);
    assert_eq!(app.mail_to(victim).len(), 2);
    // Another address is not held back by the victim's cap.
    assert_eq!(
        app.sign(&individual("W", "w@example.net")).await.status(),
        303
    );
    assert_eq!(app.outbox().await.len(), 3);
    // The next day the address may be written to again.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(app.sign(&individual("V", victim)).await.status(), 303);
    assert_eq!(app.outbox().await.len(), 4);
    other.stop().await;
    app.stop().await;
}
