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

use crate::support::staff::{self, csrf_of, location};
use crate::support::{BASE_URL, LETTER, TestApp, individual, organisation, with};

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

/// The path of the proof link on a confirmation page.
fn proof_path(page: &str) -> String {
    let start = page
        .find(&format!("{BASE_URL}/proofs/"))
        .expect("a proof link on the page");
    let link = &page[start..];
    let end = link.find('"').unwrap();
    link[BASE_URL.len()..end].to_string()
}

/// The root shown on the letter page.
fn root_on(page: &str) -> String {
    let marker = "<code class=\"hash\">";
    let start = page.find(marker).expect("a root on the page") + marker.len();
    page[start..start + 64].to_string()
}

/// Rebuilds the root of a downloaded list from its entries alone.
fn rebuild(list: &serde_json::Value) -> (Hash, String) {
    use undersigned::merkle::canonical::{PublicSignature, Removal};
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len() as u64, list["tree_size"].as_u64().unwrap());
    let leaves: Vec<Hash> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["index"].as_u64(), Some(i as u64));
            match e["entry"].as_str().unwrap() {
                "listing" => {
                    let s: PublicSignature =
                        serde_json::from_value(e["signature"].clone()).unwrap();
                    s.leaf_hash()
                }
                "removal" => {
                    let r: Removal = serde_json::from_value(e["removal"].clone()).unwrap();
                    r.leaf_hash()
                }
                "ended" => from_hex(e["leaf_hash"].as_str().unwrap()).unwrap(),
                other => panic!("unknown entry {other}"),
            }
        })
        .collect();
    (
        merkle::root(&leaves),
        serde_json::to_string(entries).unwrap(),
    )
}

async fn take_snapshot_as_staff(app: &TestApp, browser: &mut staff::Browser, id: i64) -> String {
    let page = browser
        .get(app, &format!("/staff/letters/{id}/snapshots"))
        .await;
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    let taken = browser
        .post(
            app,
            &format!("/staff/letters/{id}/snapshots"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(taken.status(), 303);
    location(&taken)
}

#[tokio::test]
async fn the_letter_page_root_is_rebuilt_from_the_public_list_and_the_proof_link_verifies() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let mut proof_paths = Vec::new();
    for (name, email) in PEOPLE {
        let page = sign_and_confirm(&app, &individual(name, email)).await;
        proof_paths.push(proof_path(&page));
    }
    // Before any snapshot the link says so, and the letter page shows no root.
    let early = app.get(&format!("{}/proof.json", proof_paths[0])).await;
    assert_eq!(early.status(), 404);
    assert_eq!(
        early.json::<serde_json::Value>().await.unwrap()["error"],
        "No proof yet"
    );
    let early = app.get(&proof_paths[0]).await;
    assert_eq!(early.status(), 200);
    assert!(
        early
            .text()
            .await
            .unwrap()
            .contains("no published snapshot")
    );
    assert!(!app.letter_page().await.contains("A list anyone can verify"));

    // Only staff take snapshots.
    let anonymous = app
        .post_form(&format!("/staff/letters/{id}/snapshots"), &[])
        .await;
    assert_ne!(anonymous.status(), 200);
    assert!(proof::latest_snapshot(&app.db, id).await.unwrap().is_none());
    let mut admin = staff::admin(&app).await;
    let after = take_snapshot_as_staff(&app, &mut admin, id).await;
    assert!(after.ends_with("?taken=3"), "{after}");

    // The root on the letter page is the root of the published entries.
    let page = app.letter_page().await;
    let root = root_on(&page);
    let list = app.get(&format!("/letters/{LETTER}/list/3.json")).await;
    assert_eq!(list.status(), 200);
    let list: serde_json::Value = list.json().await.unwrap();
    let (rebuilt, _) = rebuild(&list);
    assert_eq!(to_hex(&rebuilt), root);
    assert_eq!(list["root"], root.as_str());
    let public = app.get(&format!("/letters/{LETTER}/list")).await;
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains(&root));
    assert!(!public.contains("/proofs/"));

    // The signer's link gives a proof that the offline verifier accepts against the
    // root read from the letter page, on a machine with nothing else.
    let response = app.get(&format!("{}/proof.json", proof_paths[1])).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let text = response.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["signature"]["name"], PEOPLE[1].0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proof.json");
    std::fs::write(&file, &text).unwrap();
    let run = |root: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
            .args(["verify", file.to_str().unwrap(), "--root", root])
            .env_clear()
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run(&root), Some(0));
    assert_eq!(run(&"0".repeat(64)), Some(1));
    let human = app.get(&proof_paths[1]).await.text().await.unwrap();
    assert!(human.contains(&format!("undersigned verify proof.json --root {root}")));

    // The link is private: a guessed or altered token leads nowhere.
    let mut altered = proof_paths[1].clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(app.get(&altered).await.status(), 404);
    assert_eq!(
        app.get(&format!("{altered}/proof.json")).await.status(),
        404
    );
    assert_eq!(app.get("/proofs/not-a-token").await.status(), 404);

    // Anna withdraws with the link in her email; the next snapshot removes her, its
    // list no longer names her, and it provably extends the first.
    let mail = app.mail_to(PEOPLE[1].1);
    let withdraw = mail[0]
        .links()
        .into_iter()
        .find(|l| l.contains("/withdraw/"))
        .unwrap();
    let withdrawn = app
        .client
        .post(app.url(withdraw.strip_prefix(BASE_URL).unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 200);
    let after = take_snapshot_as_staff(&app, &mut admin, id).await;
    assert!(after.ends_with("?taken=4"), "{after}");
    let list: serde_json::Value = app
        .get(&format!("/letters/{LETTER}/list/4.json"))
        .await
        .json()
        .await
        .unwrap();
    let (rebuilt, entries) = rebuild(&list);
    assert!(!entries.contains(PEOPLE[1].0), "{entries}");
    // The first snapshot's entries no longer name her either, and still give its root.
    let old: serde_json::Value = app
        .get(&format!("/letters/{LETTER}/list/3.json"))
        .await
        .json()
        .await
        .unwrap();
    let (old_rebuilt, old_entries) = rebuild(&old);
    assert_eq!(to_hex(&old_rebuilt), root);
    assert!(!old_entries.contains(PEOPLE[1].0));
    // The page cache was told: the letter page shows the new root at once.
    let new_root = root_on(&app.letter_page().await);
    assert_eq!(to_hex(&rebuilt), new_root);
    let consistency = app
        .get(&format!("/letters/{LETTER}/consistency?from=3&to=4"))
        .await;
    assert_eq!(consistency.status(), 200);
    let text = consistency.text().await.unwrap();
    let verified = Document::parse(&text)
        .unwrap()
        .verify(Some(&new_root))
        .unwrap();
    assert!(verified.contains(&root), "{verified}");
    let latest = app
        .get(&format!("/letters/{LETTER}/consistency?from=3"))
        .await;
    assert_eq!(latest.text().await.unwrap(), text);
    assert_eq!(
        app.get(&format!("/letters/{LETTER}/consistency?from=2&to=4"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/letters/{LETTER}/consistency?from=x"))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.get(&format!("/letters/{LETTER}/list/5.json"))
            .await
            .status(),
        404
    );
    let gone = app.get(&format!("{}/proof.json", proof_paths[1])).await;
    assert_eq!(gone.status(), 404);
    assert_eq!(
        gone.json::<serde_json::Value>().await.unwrap()["error"],
        "Not on the list"
    );
    // The others' proofs now verify against the new root.
    let doc = app
        .get(&format!("{}/proof.json", proof_paths[2]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        Document::parse(&doc)
            .unwrap()
            .verify(Some(&new_root))
            .is_ok()
    );
    app.stop().await;
}
