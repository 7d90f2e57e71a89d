//! The whole way from signing to being counted.

use crate::support::{LETTER, TestApp, individual, organisation};

#[tokio::test]
async fn a_signer_is_counted_only_after_confirming_by_email() {
    let app = TestApp::spawn().await;

    let response = app
        .sign(&individual("Ada Lovelace", "ada@example.org"))
        .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/letters/{LETTER}/check-inbox"));
    let page = app.get(&location).await.text().await.unwrap();
    assert!(page.contains("Check your inbox"), "{page}");

    // Nothing is sent inside the request: the mail waits in the outbox.
    assert!(app.smtp().messages().is_empty());
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail[0].rcpt_to, vec!["ada@example.org".to_string()]);
    assert!(
        mail[0]
            .subject()
            .contains("Free the prisoners of conscience")
    );
    assert!(!mail[0].text_body().is_empty() && !mail[0].html_body().is_empty());
    let path = TestApp::confirmation_path(&mail[0]);

    // Opening the link shows a button and changes nothing.
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Confirm my signature"), "{page}");
    app.roll_up().await;
    assert_eq!(app.letter_json().await["total_count"], 0);

    // The button confirms.
    let confirmed = app.post_form(&path, &[]).await;
    assert_eq!(confirmed.status(), 200);
    app.roll_up().await;
    let json = app.letter_json().await;
    assert_eq!(json["individual_count"], 1);
    assert_eq!(json["organisation_count"], 0);
    assert_eq!(json["total_count"], 1);
    assert_eq!(json["slug"], LETTER);
    assert_eq!(json["status"], "open");

    // The letter page shows the count and the public name.
    let page = app.letter_page().await;
    assert!(page.contains("Ada Lovelace"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn an_organisation_is_listed_once_confirmed() {
    let app = TestApp::spawn().await;
    let response = app
        .sign(&organisation(
            "Rights Watch Europe",
            "Bea Contact",
            "office@rights.example.org",
        ))
        .await;
    assert_eq!(response.status(), 303);
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    // The address is not confirmed yet: the email names no organisation.
    assert!(!mail[0].text_body().contains("Rights Watch Europe"));
    let path = TestApp::confirmation_path(&mail[0]);
    let page = app.letter_page().await;
    assert!(!page.contains("Rights Watch Europe"));

    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    app.roll_up().await;
    let json = app.letter_json().await;
    assert_eq!(json["organisation_count"], 1);
    assert_eq!(json["individual_count"], 0);
    let page = app.letter_page().await;
    assert!(page.contains("Rights Watch Europe"), "{page}");
    // The contact person is never shown.
    assert!(!page.contains("Bea Contact"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_signature_cannot_be_confirmed_after_the_letter_closed() {
    let app = TestApp::spawn().await;
    app.sign(&individual("Late Signer", "late@example.org"))
        .await;
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    let path = TestApp::confirmation_path(&mail[0]);
    let letter = undersigned::store::letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap();
    undersigned::store::letters::set_status(
        &app.db,
        letter.id,
        undersigned::entities::LetterStatus::Closed,
        app.clock.now(),
    )
    .await
    .unwrap();

    let shown = app.get(&path).await;
    assert_eq!(shown.status(), 409);
    assert!(
        shown
            .text()
            .await
            .unwrap()
            .contains("This letter is closed")
    );
    let posted = app.post_form(&path, &[]).await;
    assert_eq!(posted.status(), 409);
    app.roll_up().await;
    assert_eq!(app.letter_json().await["total_count"], 0);

    // Nor does asking for a new link send one.
    let resend = app
        .post_form(
            "/confirm/resend",
            &[("email", "late@example.org".to_string())],
        )
        .await;
    assert_eq!(resend.status(), 200);
    app.drain_outbox().await;
    assert_eq!(app.mail_to("late@example.org").len(), 1);
    app.stop().await;
}
