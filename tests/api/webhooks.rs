//! Webhooks: an endpoint registered by an admin receives a letter's events signed as
//! Standard Webhooks says, a receiver in the test checks every signature with the secret
//! shown once, failures are retried and every attempt is visible to staff, payloads carry
//! no personal data unless asked for, and private targets are refused by default.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sea_orm::EntityTrait;
use sha2::Sha256;
use undersigned::entities::{OutboxStatus, webhook_attempt};

use crate::support::staff::{Browser, admin, editor};
use crate::support::{TestApp, individual};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Received {
    /// Checks the signature as a receiver would, with nothing but the secret: the HMAC-SHA256,
    /// keyed with the secret's base64 part, of `id.timestamp.body`, in one of the
    /// space-separated `v1,` signatures.
    fn verify(&self, secret: &str) -> bool {
        let key = BASE64
            .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
            .expect("base64");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = BASE64.encode(mac.finalize().into_bytes());
        self.signature
            .split(' ')
            .filter_map(|s| s.strip_prefix("v1,"))
            .any(|s| s == expected)
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A webhook receiver on a loopback port, answering with the statuses it is given (then 200).
#[derive(Clone)]
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start(answers: &[u16]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            got: Arc::default(),
            answers: Arc::new(Mutex::new(answers.iter().copied().collect())),
        };
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    receiver.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
    });
    let status = receiver.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

/// Adds an endpoint to letter 1 through the screen; returns the page's answer.
async fn add_endpoint(
    app: &TestApp,
    staff: &mut Browser,
    url: &str,
    events: &[&str],
    personal: bool,
) -> reqwest::Response {
    let csrf = staff.csrf(app).await;
    let mut fields = vec![("csrf", csrf.as_str()), ("url", url)];
    fields.extend(events.iter().map(|e| ("events", *e)));
    if personal {
        fields.push(("include_personal", "on"));
    }
    staff.post(app, "/staff/letters/1/webhooks", &fields).await
}

/// The secret shown once on the page that answered the add form.
fn secret_of(page: &str) -> String {
    let start = page.find("whsec_").expect("the secret, shown once");
    page[start..].split('<').next().unwrap().to_owned()
}

/// Signs the test letter as `email` and confirms by the emailed link.
async fn sign_and_confirm(app: &TestApp, name: &str, email: &str) {
    assert_eq!(app.sign(&individual(name, email)).await.status(), 303);
    app.drain_outbox().await;
    let message = app
        .smtp()
        .wait_for_messages(1, std::time::Duration::from_secs(10))
        .await
        .into_iter()
        .rev()
        .find(|m| m.rcpt_to.iter().any(|r| r == email))
        .expect("the confirmation email");
    let path = TestApp::confirmation_path(&message);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
}

fn allowing_private(s: &mut undersigned::Settings) {
    s.webhook_allow_private_targets = true;
}

#[tokio::test]
async fn a_receiver_verifies_the_signature_of_every_event() {
    let app = TestApp::spawn_with(allowing_private).await;
    let receiver = Receiver::start(&[]).await;
    let mut admin = admin(&app).await;
    let added = add_endpoint(
        &app,
        &mut admin,
        &receiver.url(),
        &["signature.confirmed", "letter.closed"],
        false,
    )
    .await;
    assert_eq!(added.status(), 200);
    let secret = secret_of(&added.text().await.unwrap());
    // Shown once: the screen never shows it again.
    let later = admin.get(&app, "/staff/letters/1/webhooks").await;
    assert!(!later.text().await.unwrap().contains(&secret));

    sign_and_confirm(&app, "Ada Lovelace", "ada@example.com").await;
    app.drain_outbox().await;
    let csrf = admin.csrf(&app).await;
    let closed = admin
        .post(&app, "/staff/letters/1/close", &[("csrf", &csrf)])
        .await;
    assert_eq!(closed.status(), 303);
    app.drain_outbox().await;

    let got = receiver.got();
    assert_eq!(got.len(), 2, "{got:#?}");
    for delivery in &got {
        assert!(delivery.verify(&secret), "bad signature: {delivery:#?}");
        assert!(!delivery.verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        let timestamp: i64 = delivery.timestamp.parse().unwrap();
        assert_eq!(timestamp, app.clock.now().timestamp());
    }
    assert_ne!(got[0].id, got[1].id);
    let confirmed = got[0].json();
    assert_eq!(confirmed["type"], "signature.confirmed");
    assert_eq!(confirmed["data"]["letter"]["slug"], crate::support::LETTER);
    assert_eq!(confirmed["data"]["signature"]["kind"], "individual");
    // No personal data unless an admin asked for it.
    assert!(!got[0].body.contains("ada@example.com"), "{}", got[0].body);
    assert!(!got[0].body.contains("Ada Lovelace"), "{}", got[0].body);
    assert!(!got[0].body.contains("127.0.0.1"));
    let closed = got[1].json();
    assert_eq!(closed["type"], "letter.closed");
    assert_eq!(closed["data"]["letter"]["status"], "closed");
    app.stop().await;
}

#[tokio::test]
async fn an_event_is_sent_only_to_endpoints_that_subscribe_to_it() {
    let app = TestApp::spawn_with(allowing_private).await;
    let (confirmations, closings) = (Receiver::start(&[]).await, Receiver::start(&[]).await);
    let mut admin = admin(&app).await;
    add_endpoint(
        &app,
        &mut admin,
        &confirmations.url(),
        &["signature.confirmed"],
        false,
    )
    .await;
    add_endpoint(&app, &mut admin, &closings.url(), &["letter.closed"], false).await;
    sign_and_confirm(&app, "Ada Lovelace", "ada@example.com").await;
    app.drain_outbox().await;
    assert_eq!(confirmations.got().len(), 1);
    assert!(closings.got().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn closing_at_the_deadline_and_reopening_are_events_too() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn_with(allowing_private).await;
    let receiver = Receiver::start(&[]).await;
    let mut admin = admin(&app).await;
    let added = add_endpoint(
        &app,
        &mut admin,
        &receiver.url(),
        &["letter.opened", "letter.closed"],
        false,
    )
    .await;
    let secret = secret_of(&added.text().await.unwrap());
    let letter = undersigned::entities::letter::Entity::find_by_id(1)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: undersigned::entities::letter::ActiveModel = letter.into();
    active.deadline = Set(Some(app.clock.now() + chrono::Duration::hours(1)));
    active.update(&app.db).await.unwrap();
    app.clock.advance(chrono::Duration::hours(2));
    let closed = undersigned::letters::close_past_deadline(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(closed, vec![1]);
    app.drain_outbox().await;
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "letter.closed");
    assert!(got[0].verify(&secret));

    // Reopened (with the deadline moved out of the way), it is open again.
    let letter = undersigned::entities::letter::Entity::find_by_id(1)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: undersigned::entities::letter::ActiveModel = letter.into();
    active.deadline = Set(None);
    active.update(&app.db).await.unwrap();
    let csrf = admin.csrf(&app).await;
    let reopened = admin
        .post(&app, "/staff/letters/1/reopen", &[("csrf", &csrf)])
        .await;
    assert_eq!(reopened.status(), 303);
    app.drain_outbox().await;
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].json()["type"], "letter.opened");
    assert_eq!(got[1].json()["data"]["letter"]["status"], "open");
    assert!(got[1].verify(&secret));
    app.stop().await;
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_and_every_attempt_is_shown_to_staff() {
    let app = TestApp::spawn_with(allowing_private).await;
    let receiver = Receiver::start(&[500]).await;
    let mut admin = admin(&app).await;
    let added = add_endpoint(
        &app,
        &mut admin,
        &receiver.url(),
        &["signature.confirmed"],
        false,
    )
    .await;
    let secret = secret_of(&added.text().await.unwrap());
    sign_and_confirm(&app, "Ada Lovelace", "ada@example.com").await;
    app.drain_outbox().await;
    assert_eq!(receiver.got().len(), 1);
    let webhook_rows = |rows: Vec<undersigned::entities::outbox::Model>| {
        rows.into_iter()
            .filter(|r| r.kind == "webhook")
            .collect::<Vec<_>>()
    };
    let waiting = webhook_rows(app.outbox().await);
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].status, OutboxStatus::Pending);
    assert!(
        waiting[0].run_at > app.clock.now(),
        "retried later, with backoff"
    );

    // Not before its time...
    app.drain_outbox().await;
    assert_eq!(receiver.got().len(), 1);
    // ...then again, and this time the endpoint takes it.
    app.clock.advance(chrono::Duration::seconds(31));
    app.drain_outbox().await;
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|d| d.verify(&secret)));
    // The same delivery: the same id, so the receiver can drop a duplicate.
    assert_eq!(got[0].id, got[1].id);
    let done = webhook_rows(app.outbox().await);
    assert_eq!(done[0].status, OutboxStatus::Sent);

    let attempts = webhook_attempt::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].status_code, Some(500));
    assert_eq!(attempts[0].attempt, 1);
    assert!(attempts[0].error.as_deref().unwrap().contains("500"));
    assert_eq!(attempts[1].status_code, Some(200));
    assert_eq!(attempts[1].attempt, 2);
    assert_eq!(attempts[1].error, None);

    // An editor sees the endpoint and both attempts, but may not add or remove endpoints.
    let mut editor = editor(&app, &mut admin).await;
    let screen = editor.get(&app, "/staff/letters/1/webhooks").await;
    assert_eq!(screen.status(), 200);
    let page = screen.text().await.unwrap();
    assert!(page.contains(&receiver.url()));
    assert_eq!(
        page.matches("class=\"webhook-attempt\"").count(),
        2,
        "{page}"
    );
    assert!(page.contains("<td>500</td>") && page.contains("<td>200</td>"));
    assert!(page.contains("the endpoint answered 500"));
    assert!(!page.contains("Add an endpoint"));
    assert!(!page.contains("whsec_"));
    let refused = add_endpoint(
        &app,
        &mut editor,
        &receiver.url(),
        &["letter.closed"],
        false,
    )
    .await;
    assert_eq!(refused.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn personal_data_goes_only_to_an_endpoint_an_admin_configured_for_it() {
    let app = TestApp::spawn_with(allowing_private).await;
    let receiver = Receiver::start(&[]).await;
    let mut admin = admin(&app).await;
    let added = add_endpoint(
        &app,
        &mut admin,
        &receiver.url(),
        &["signature.confirmed"],
        true,
    )
    .await;
    let secret = secret_of(&added.text().await.unwrap());
    sign_and_confirm(&app, "Ada Lovelace", "ada@example.com").await;
    app.drain_outbox().await;
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    assert!(got[0].verify(&secret));
    let body = got[0].json();
    assert_eq!(body["data"]["signature"]["email"], "ada@example.com");
    assert_eq!(body["data"]["signature"]["name"], "Ada Lovelace");
    app.stop().await;
}

#[tokio::test]
async fn private_targets_are_refused_by_default() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(&[]).await;
    let mut admin = admin(&app).await;
    // Plain http, and a literal loopback address, are refused at once.
    for url in [
        receiver.url(),
        format!("https://127.0.0.1:{}/hook", receiver.port),
        format!("https://[::1]:{}/hook", receiver.port),
        "https://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        let refused = add_endpoint(&app, &mut admin, &url, &["signature.confirmed"], false).await;
        assert_eq!(refused.status(), 422, "{url}");
        let page = refused.text().await.unwrap();
        assert!(!page.contains("whsec_"));
    }
    // A name is checked where it counts, when sending: localhost resolves to loopback.
    let by_name = format!("https://localhost:{}/hook", receiver.port);
    let added = add_endpoint(&app, &mut admin, &by_name, &["signature.confirmed"], false).await;
    assert_eq!(added.status(), 200);
    sign_and_confirm(&app, "Ada Lovelace", "ada@example.com").await;
    app.drain_outbox().await;
    assert!(receiver.got().is_empty());
    let attempts = webhook_attempt::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status_code, None);
    assert!(
        attempts[0]
            .error
            .as_deref()
            .unwrap()
            .contains("not a public address")
    );
    // Refused for good: retrying would not help.
    let row = app
        .outbox()
        .await
        .into_iter()
        .find(|r| r.kind == "webhook")
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    app.stop().await;
}

#[tokio::test]
async fn a_letter_takes_a_bounded_number_of_endpoints() {
    let app = TestApp::spawn_with(allowing_private).await;
    let mut admin = admin(&app).await;
    for n in 0..undersigned::webhooks::MAX_ENDPOINTS_PER_LETTER {
        let url = format!("http://127.0.0.1:9/hook{n}");
        let added = add_endpoint(&app, &mut admin, &url, &["letter.closed"], false).await;
        assert_eq!(added.status(), 200);
    }
    let one_more = add_endpoint(
        &app,
        &mut admin,
        "http://127.0.0.1:9/more",
        &["letter.closed"],
        false,
    )
    .await;
    assert_eq!(one_more.status(), 422);
    // The form also needs an event, and only known ones.
    let csrf = admin.csrf(&app).await;
    let remove = admin
        .post(
            &app,
            "/staff/letters/1/webhooks/1/delete",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(remove.status(), 303);
    let none = add_endpoint(&app, &mut admin, "http://127.0.0.1:9/x", &[], false).await;
    assert_eq!(none.status(), 422);
    let unknown = add_endpoint(
        &app,
        &mut admin,
        "http://127.0.0.1:9/x",
        &["letter.eaten"],
        false,
    )
    .await;
    assert_eq!(unknown.status(), 422);
    let actions = crate::support::staff::actions(&app).await;
    assert!(actions.iter().any(|a| a.action == "webhook.add"));
    assert!(actions.iter().any(|a| a.action == "webhook.remove"));
    app.stop().await;
}

#[tokio::test]
async fn delivering_the_letter_is_an_event_too() {
    let app = TestApp::spawn_with(allowing_private).await;
    let receiver = Receiver::start(&[]).await;
    let mut admin = admin(&app).await;
    let added = add_endpoint(
        &app,
        &mut admin,
        &receiver.url(),
        &["letter.delivered"],
        false,
    )
    .await;
    assert_eq!(added.status(), 200);
    let secret = secret_of(&added.text().await.unwrap());
    let done = crate::delivery::deliver(
        &app,
        &mut admin,
        &["council@example.org"],
        "now",
        "staff@example.org",
    )
    .await;
    assert_eq!(done.status(), 303);
    app.drain_outbox().await;
    let got = receiver.got();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].verify(&secret));
    let delivered = got[0].json();
    assert_eq!(delivered["type"], "letter.delivered");
    assert_eq!(delivered["data"]["letter"]["status"], "delivered");
    app.stop().await;
}
