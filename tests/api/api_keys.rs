//! Partner API keys and the write API: keys made on the staff screen, kept only as a hash,
//! scoped and revocable; a partner's signature still needs the signer's email confirmation,
//! and an Idempotency-Key makes a retry sign once.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use undersigned::entities::{LetterStatus, SignatureStatus, api_key, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::staff::{Browser, actions, admin, csrf_of, editor};
use crate::support::{LETTER, TestApp};

/// The key shown on the page just after it was made.
fn key_on(page: &str) -> Option<String> {
    let start = page.find("<code>usk_")? + "<code>".len();
    let end = start + page[start..].find('<')?;
    Some(page[start..end].to_owned())
}

/// Makes a key on the staff screen; `letters` are ids, none meaning every letter.
async fn make_key(app: &TestApp, admin: &mut Browser, name: &str, letters: &[i64]) -> String {
    let page = admin
        .get(app, "/staff/api-keys")
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let ids: Vec<String> = letters.iter().map(i64::to_string).collect();
    let mut fields = vec![("csrf", csrf.as_str()), ("name", name)];
    if letters.is_empty() {
        fields.push(("all_letters", "on"));
    }
    for id in &ids {
        fields.push(("letter", id.as_str()));
    }
    let made = admin.post(app, "/staff/api-keys", &fields).await;
    assert_eq!(made.status(), 200);
    key_on(&made.text().await.unwrap()).expect("the new key on the page")
}

fn person(email: &str) -> Value {
    json!({
        "person": {
            "given_name": "Grace",
            "family_name": "Hopper",
            "email_addresses": [{ "address": email }],
            "postal_addresses": [{ "locality": "Arlington", "country": "US" }]
        },
        "show_publicly": true
    })
}

async fn record(
    app: &TestApp,
    slug: &str,
    key: Option<&str>,
    idempotency: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/api/v1/letters/{slug}/signatures")))
        .json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(idempotency) = idempotency {
        request = request.header("idempotency-key", idempotency);
    }
    request.send().await.unwrap()
}

async fn signatures_of(app: &TestApp, email: &str) -> Vec<signature::Model> {
    signature::Entity::find()
        .filter(signature::Column::Email.eq(email))
        .all(&app.db)
        .await
        .unwrap()
}

async fn test_letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_key_is_shown_once_and_only_its_hash_is_kept() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    assert!(key.starts_with("usk_") && key.len() > 40, "{key}");

    let again = admin
        .get(&app, "/staff/api-keys")
        .await
        .text()
        .await
        .unwrap();
    assert!(again.contains("Partner site"));
    assert!(!again.contains(&key), "the key is shown only once");
    let rows = api_key::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    let expected: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rows[0].key_hash, expected);
    assert!(key.starts_with(&rows[0].prefix) && rows[0].prefix.len() < key.len() / 2);
    assert!(
        actions(&app)
            .await
            .iter()
            .any(|a| a.action == "api_key.create")
    );

    // Editors do not get to the screen.
    let mut editor = editor(&app, &mut admin).await;
    assert_eq!(editor.get(&app, "/staff/api-keys").await.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn a_form_without_the_session_token_makes_no_key() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let refused = admin
        .post(
            &app,
            "/staff/api-keys",
            &[
                ("csrf", "wrong"),
                ("name", "Partner"),
                ("all_letters", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(api_key::Entity::find().count(&app.db).await.unwrap(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_partner_signature_counts_only_once_the_signer_confirms_by_email() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(
        &app,
        &mut admin,
        "Partner site",
        &[test_letter_id(&app).await],
    )
    .await;

    let recorded = record(&app, LETTER, Some(&key), None, &person("grace@example.org")).await;
    assert_eq!(recorded.status(), 202);
    let body: Value = recorded.json().await.unwrap();
    assert_eq!(body["status"], "pending_confirmation");

    let rows = signatures_of(&app, "grace@example.org").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, SignatureStatus::Pending);
    assert_eq!(rows[0].name, "Grace Hopper");
    assert_eq!(rows[0].city.as_deref(), Some("Arlington"));
    assert_eq!(
        rows[0].client_ip, None,
        "the partner's address is not the signer's"
    );
    let key_row = api_key::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(rows[0].api_key_id, Some(key_row.id));
    assert!(key_row.last_used_at.is_some());
    assert!(
        actions(&app)
            .await
            .iter()
            .any(|a| a.action == "api.signature"
                && a.actor_email.as_deref() == Some(&format!("api-key:{}", key_row.id)))
    );

    // Nothing counts before the email link is followed.
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    assert_eq!(app.mail_to("grace@example.org").len(), 1);
    app.roll_up().await;
    assert_eq!(app.letter_json().await["total_count"], 0);

    let path = TestApp::confirmation_path(&mail[0]);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    app.roll_up().await;
    assert_eq!(app.letter_json().await["total_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn a_retry_with_its_idempotency_key_gets_the_same_answer_and_signs_once() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    let body = person("retry@example.org");

    let first = record(&app, LETTER, Some(&key), Some("req-1"), &body).await;
    let (status, text) = (first.status(), first.text().await.unwrap());
    assert_eq!(status, 202);
    let second = record(&app, LETTER, Some(&key), Some("req-1"), &body).await;
    assert_eq!(second.status(), status);
    assert_eq!(second.text().await.unwrap(), text);
    assert_eq!(signatures_of(&app, "retry@example.org").await.len(), 1);
    // One confirmation email queued, not two.
    assert_eq!(app.outbox().await.len(), 1);

    // The same key with another request is refused and records nothing.
    let other = record(
        &app,
        LETTER,
        Some(&key),
        Some("req-1"),
        &person("else@example.org"),
    )
    .await;
    assert_eq!(other.status(), 422);
    assert!(signatures_of(&app, "else@example.org").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_missing_or_revoked_key_is_refused() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    let body = person("nokey@example.org");

    let none = record(&app, LETTER, None, None, &body).await;
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let made_up = record(&app, LETTER, Some("usk_made-up"), None, &body).await;
    assert_eq!(made_up.status(), 401);

    let page = admin
        .get(&app, "/staff/api-keys")
        .await
        .text()
        .await
        .unwrap();
    let id = api_key::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let revoked = admin
        .post(
            &app,
            "/staff/api-keys/revoke",
            &[("csrf", &csrf_of(&page)), ("id", &id.to_string())],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let after = record(&app, LETTER, Some(&key), None, &body).await;
    assert_eq!(after.status(), 401);
    let error: Value = after.json().await.unwrap();
    assert_eq!(error["error"], "API key not accepted");
    assert!(signatures_of(&app, "nokey@example.org").await.is_empty());
    assert!(
        actions(&app)
            .await
            .iter()
            .any(|a| a.action == "api_key.revoke")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_key_scoped_to_another_letter_is_refused_for_this_one() {
    let app = TestApp::spawn().await;
    let other = letters::create(
        &app.db,
        NewLetter {
            slug: "another-letter".into(),
            title: "Another letter".into(),
            summary: "Another.".into(),
            body: "Text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("Council", "council@example.org")],
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Other campaign", &[other.id]).await;

    let refused = record(&app, LETTER, Some(&key), None, &person("scope@example.org")).await;
    assert_eq!(refused.status(), 403);
    assert!(signatures_of(&app, "scope@example.org").await.is_empty());
    let taken = record(
        &app,
        "another-letter",
        Some(&key),
        None,
        &person("scope@example.org"),
    )
    .await;
    assert_eq!(taken.status(), 202);
    assert!(
        actions(&app)
            .await
            .iter()
            .any(|a| a.action == "api.signature_refused")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_partner_signature_meets_the_form_s_field_rules() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    let bad = json!({
        "person": {
            "given_name": "",
            "email_addresses": [{ "address": "not-an-address" }],
            "postal_addresses": [{ "country": "Atlantis" }]
        }
    });
    let refused = record(&app, LETTER, Some(&key), None, &bad).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "person.given_name",
        "person.email_addresses",
        "person.postal_addresses.country",
    ] {
        assert!(fields.contains(&field), "{fields:?}");
    }
    let not_json = app
        .client
        .post(app.url(&format!("/api/v1/letters/{LETTER}/signatures")))
        .bearer_auth(&key)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(signature::Entity::find().count(&app.db).await.unwrap(), 0);
    app.stop().await;
}

#[tokio::test]
async fn two_simultaneous_requests_with_one_idempotency_key_sign_once() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    let body = person("twice@example.org");
    let (a, b) = tokio::join!(
        record(&app, LETTER, Some(&key), Some("same"), &body),
        record(&app, LETTER, Some(&key), Some("same"), &body),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(signatures_of(&app, "twice@example.org").await.len(), 1);
    assert_eq!(app.outbox().await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_closed_letter_or_an_older_text_takes_nothing_from_a_partner() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;

    let mut stale = person("stale@example.org");
    stale["letter_version"] = json!(7);
    let refused = record(&app, LETTER, Some(&key), Some("s-1"), &stale).await;
    assert_eq!(refused.status(), 409);
    assert!(signatures_of(&app, "stale@example.org").await.is_empty());
    // A refusal is not kept: the same key may be sent again once the request is right.
    stale["letter_version"] = json!(1);
    let taken = record(&app, LETTER, Some(&key), Some("s-1"), &stale).await;
    assert_eq!(taken.status(), 202);

    let id = test_letter_id(&app).await;
    letters::set_status(&app.db, id, LetterStatus::Closed, app.clock.now())
        .await
        .unwrap();
    let closed = record(&app, LETTER, Some(&key), None, &person("late@example.org")).await;
    assert_eq!(closed.status(), 409);
    assert!(signatures_of(&app, "late@example.org").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn under_attack_a_keyed_partner_signs_without_a_proof_of_work_but_within_the_letter_limit() {
    let app = TestApp::spawn_with(|s| {
        s.under_attack_threshold_per_minute = 3;
        s.letter_signings_per_minute = 6;
    })
    .await;
    for i in 0..3 {
        let email = format!("early{i}@example.org");
        assert_eq!(
            app.sign(&crate::support::individual("Early", &email))
                .await
                .status(),
            303
        );
    }
    // Our form now asks for a proof of work...
    let asked = app
        .sign(&crate::support::individual(
            "Form Signer",
            "form@example.org",
        ))
        .await;
    assert_eq!(asked.status(), 403);
    // ...a keyed partner is not asked for one...
    let mut admin = admin(&app).await;
    let key = make_key(&app, &mut admin, "Partner site", &[]).await;
    let taken = record(
        &app,
        LETTER,
        Some(&key),
        None,
        &person("partner@example.org"),
    )
    .await;
    assert_eq!(taken.status(), 202);
    assert_eq!(signatures_of(&app, "partner@example.org").await.len(), 1);
    // ...but the per-letter limit holds for it as for everyone.
    let mut last = 202;
    for i in 0..6 {
        let body = person(&format!("more{i}@example.org"));
        last = record(&app, LETTER, Some(&key), None, &body)
            .await
            .status()
            .as_u16();
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
    app.stop().await;
}
