//! The verifiable list: snapshots of a letter's list log, signers' inclusion proofs,
//! consistency proofs between snapshots (also after a signer withdrew), the public
//! pages and downloads, and the private proof link.

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use undersigned::auth::audit::Actor;
use undersigned::entities::{SignatureStatus, signature};
use undersigned::merkle::proof::Document;
use undersigned::merkle::{self, Hash, from_hex, to_hex};
use undersigned::proof::{self, SignerProof};
use undersigned::store::letters;

use crate::support::{LETTER, TestApp, individual, organisation, with};

/// Signs the test letter and confirms by email; returns the confirmation page's text.
async fn sign_and_confirm(app: &TestApp, fields: &[(&str, String)]) -> String {
    let email = fields
        .iter()
        .find(|(k, _)| *k == "email")
        .unwrap()
        .1
        .clone();
    let signed = app.sign(fields).await;
    assert_eq!(signed.status(), 303);
    app.drain_outbox().await;
    let mail = app.mail_to(&email);
    let message = mail.last().expect("a confirmation email");
    let confirmed = app
        .client
        .post(app.url(&TestApp::confirmation_path(message)))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    confirmed.text().await.unwrap()
}

async fn letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn signature_by_email(app: &TestApp, email: &str) -> signature::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn set_status(app: &TestApp, sig: &signature::Model, status: SignatureStatus) {
    let mut row = sig.clone().into_active_model();
    row.status = Set(status);
    row.update(&app.db).await.unwrap();
}

fn check(doc: &impl serde::Serialize, root: Option<&str>) -> Result<String, String> {
    let text = serde_json::to_string(doc).unwrap();
    Document::parse(&text)
        .and_then(|d| d.verify(root))
        .map_err(|e| e.to_string())
}

const PEOPLE: [(&str, &str); 3] = [
    ("Ləman Əliyeva", "leman@example.org"),
    ("Анна Петрова", "anna@example.org"),
    ("王芳", "wang@example.org"),
];

#[tokio::test]
async fn snapshots_give_inclusion_proofs_and_stay_consistent_after_a_withdrawal() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    for (name, email) in PEOPLE {
        sign_and_confirm(&app, &individual(name, email)).await;
    }
    sign_and_confirm(
        &app,
        &with(
            organisation("Rights Watch", "Ana", "org@example.org"),
            "country",
            "AZ",
        ),
    )
    .await;
    let now = app.clock.now();
    let first = proof::take_snapshot(&app.db, id, &Actor::System, now)
        .await
        .unwrap();
    assert_eq!(first.size, 4);
    assert_eq!(
        proof::latest_snapshot(&app.db, id).await.unwrap(),
        Some(first.clone())
    );
    // Nothing changed: the same snapshot, no new one.
    let again = proof::take_snapshot(&app.db, id, &Actor::System, now)
        .await
        .unwrap();
    assert_eq!(again, first);

    // Every signer's proof verifies against the published root, and not once changed.
    for (name, email) in PEOPLE {
        let sig = signature_by_email(&app, email).await;
        let SignerProof::Listed { proof, snapshot } =
            proof::signer_proof(&app.db, &sig).await.unwrap()
        else {
            panic!("{name} is not listed");
        };
        assert_eq!(snapshot, first);
        assert_eq!(proof.signature.name, name);
        assert!(check(&*proof, Some(&first.root)).is_ok());
        let mut forged = (*proof).clone();
        forged.signature.name = "Someone Else".into();
        assert!(check(&forged, Some(&first.root)).is_err());
        let mut missing = (*proof).clone();
        missing.signature.id += 1000;
        assert!(check(&missing, Some(&first.root)).is_err());
    }

    // Anna withdraws, a new signer comes: the next snapshot removes her listing and
    // still extends the first.
    let anna = signature_by_email(&app, "anna@example.org").await;
    set_status(&app, &anna, SignatureStatus::Withdrawn).await;
    sign_and_confirm(&app, &individual("Nour Haddad", "nour@example.org")).await;
    let second = proof::take_snapshot(&app.db, id, &Actor::System, app.clock.now())
        .await
        .unwrap();
    assert_eq!(second.size, 6, "one removal and one listing appended");
    let consistency = proof::consistency(&app.db, id, first.size, second.size)
        .await
        .unwrap()
        .expect("both sizes are snapshots");
    assert_eq!(consistency.old_root, first.root);
    assert!(check(&consistency, Some(&second.root)).is_ok());
    assert!(
        proof::consistency(&app.db, id, 3, second.size)
            .await
            .unwrap()
            .is_none(),
        "3 is not a snapshot"
    );
    let anna = signature_by_email(&app, "anna@example.org").await;
    assert!(matches!(
        proof::signer_proof(&app.db, &anna).await.unwrap(),
        SignerProof::NotListed
    ));

    // The published entries rebuild both roots, and no longer hold Anna's name.
    let entries = proof::published_entries(&app.db, id, 0, second.size, 100)
        .await
        .unwrap();
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains("Анна"), "{text}");
    assert!(text.contains("Nour Haddad"));
    let leaves: Vec<Hash> = entries
        .iter()
        .map(|e| {
            let rebuilt = match (&e.signature, &e.removal) {
                (Some(s), _) => s.leaf_hash(),
                (_, Some(r)) => r.leaf_hash(),
                _ => from_hex(&e.leaf_hash).unwrap(),
            };
            assert_eq!(to_hex(&rebuilt), e.leaf_hash);
            rebuilt
        })
        .collect();
    assert_eq!(to_hex(&merkle::root(&leaves[..4])), first.root);
    assert_eq!(to_hex(&merkle::root(&leaves)), second.root);
    app.stop().await;
}
