//! The public read API under /api/v1: shapes, keyset pages, the counter's CORS and cache
//! headers, and the OpenAPI document, against which real answers are checked.

use serde_json::{Value, json};
use undersigned::entities::LetterStatus;
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::{Fields, LETTER, TestApp, individual, organisation, with};

/// Signs with `fields` on the test letter and confirms by the emailed link.
async fn signed_and_confirmed(app: &TestApp, fields: &Fields, email: &str) {
    assert_eq!(app.sign(fields).await.status(), 303);
    app.drain_outbox().await;
    let mail = app.mail_to(email);
    let mail = if mail.is_empty() {
        app.wait_for_mail(app.smtp().messages().len() + 1).await;
        app.mail_to(email)
    } else {
        mail
    };
    let path = TestApp::confirmation_path(&mail[0]);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    // Each confirmation a microsecond apart at least, as in life.
    app.clock.advance(chrono::Duration::seconds(1));
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    response.json().await.unwrap()
}

fn letter(slug: &str, status: LetterStatus) -> NewLetter {
    NewLetter {
        slug: slug.into(),
        title: format!("Letter {slug}"),
        summary: "Summary.".into(),
        body: "Text.".into(),
        language: "en".into(),
        status,
        goal: None,
        deadline: None,
        individuals_may_sign: true,
        organisations_may_sign: true,
        organisations_need_approval: false,
        targets: vec![NewTarget::new("Council", "council@example.org")],
    }
}

#[tokio::test]
async fn letters_are_listed_newest_first_in_keyset_pages_without_drafts() {
    let app = TestApp::spawn().await;
    for (slug, status) in [
        ("second", LetterStatus::Open),
        ("a-draft", LetterStatus::Draft),
        ("third", LetterStatus::Closed),
        ("fourth", LetterStatus::Open),
    ] {
        letters::create(&app.db, letter(slug, status), app.clock.now())
            .await
            .unwrap();
    }
    let mut slugs = Vec::new();
    let mut path = "/api/v1/letters?limit=2".to_owned();
    loop {
        let page = json_of(&app, &path).await;
        let petitions = page["petitions"].as_array().unwrap();
        assert!(petitions.len() <= 2);
        slugs.extend(
            petitions
                .iter()
                .map(|p| p["slug"].as_str().unwrap().to_owned()),
        );
        match page["next_before"].as_i64() {
            Some(before) => path = format!("/api/v1/letters?limit=2&before={before}"),
            None => break,
        }
    }
    assert_eq!(slugs, ["fourth", "third", "second", LETTER]);
    for bad in ["limit=0", "limit=101", "before=0", "limit=x"] {
        let response = app.get(&format!("/api/v1/letters?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert!(error["message"].is_string());
    }
    app.stop().await;
}

#[tokio::test]
async fn one_letter_has_its_targets_and_counts_in_osdi_words() {
    let app = TestApp::spawn().await;
    signed_and_confirmed(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    app.roll_up().await;
    let p = json_of(&app, &format!("/api/v1/letters/{LETTER}")).await;
    assert_eq!(p["identifiers"], json!([format!("undersigned:{LETTER}")]));
    assert_eq!(p["origin_system"], "undersigned");
    assert_eq!(p["status"], "open");
    assert_eq!(p["total_signatures"], 1);
    assert_eq!(p["individual_signatures"], 1);
    assert_eq!(p["goal"], 1000);
    assert_eq!(p["petition_text"], "We ask you to **act**.");
    let targets: Vec<&str> = p["target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["European Council", "European Commission"]);
    assert!(
        !p.to_string().contains("council@example.org"),
        "target emails stay private"
    );
    assert!(
        p["browser_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/letters/{LETTER}"))
    );
    assert_eq!(
        app.get("/api/v1/letters/no-such-letter").await.status(),
        404
    );
    // The unversioned JSON stays.
    assert_eq!(app.letter_json().await["total_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn public_signatories_come_newest_first_in_pages_and_hidden_people_stay_hidden() {
    let app = TestApp::spawn().await;
    signed_and_confirmed(
        &app,
        &individual("First Person", "first@example.org"),
        "first@example.org",
    )
    .await;
    let hidden = with(
        individual("Hidden Person", "hidden@example.org"),
        "show_publicly",
        "",
    );
    let hidden: Fields = hidden
        .into_iter()
        .filter(|(k, _)| *k != "show_publicly")
        .collect();
    signed_and_confirmed(&app, &hidden, "hidden@example.org").await;
    signed_and_confirmed(
        &app,
        &organisation("Rights Watch", "Contact Person", "org@example.org"),
        "org@example.org",
    )
    .await;
    signed_and_confirmed(
        &app,
        &individual("Last Person", "last@example.org"),
        "last@example.org",
    )
    .await;
    // Pending: not listed.
    assert_eq!(
        app.sign(&individual("Pending Person", "pending@example.org"))
            .await
            .status(),
        303
    );

    let mut names = Vec::new();
    let mut path = format!("/api/v1/letters/{LETTER}/signatures?limit=1");
    loop {
        let page = json_of(&app, &path).await;
        let rows = page["signatures"].as_array().unwrap();
        assert!(rows.len() <= 1);
        for r in rows {
            names.push(r["name"].as_str().unwrap().to_owned());
            assert!(r.get("email").is_none());
        }
        match page["next_before"].as_str() {
            Some(before) => {
                path = format!("/api/v1/letters/{LETTER}/signatures?limit=1&before={before}")
            }
            None => break,
        }
    }
    assert_eq!(names, ["Last Person", "Rights Watch", "First Person"]);
    let org = json_of(&app, &format!("/api/v1/letters/{LETTER}/signatures")).await;
    let org = &org["signatures"][1];
    assert_eq!(org["kind"], "organisation");
    assert_eq!(org["website"], "https://rights.example.org/");
    let bad = app
        .get(&format!(
            "/api/v1/letters/{LETTER}/signatures?before=made-up"
        ))
        .await;
    assert_eq!(bad.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn the_counter_is_readable_anywhere_cacheable_and_answers_304_while_unchanged() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v1/letters/{LETTER}/count.json");
    let first = app.get(&path).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["access-control-allow-origin"], "*");
    let cache = first.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cache.contains("max-age=0"), "{cache}");
    assert!(cache.contains("s-maxage="), "{cache}");
    assert!(cache.contains("stale-while-revalidate="), "{cache}");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["total_signatures"], 0);

    let again = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["access-control-allow-origin"], "*");
    assert!(again.text().await.unwrap().is_empty());

    signed_and_confirmed(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    app.roll_up().await;
    // Past the page cache's few seconds.
    app.clock.advance(chrono::Duration::minutes(1));
    let changed = app
        .client
        .get(app.url(&path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["total_signatures"], 1);
    app.stop().await;
}

/// The schema of a component, with the document's components beside it so that its
/// `$ref`s resolve.
fn component(doc: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": doc["components"],
    });
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {name}: {e}"))
}

fn assert_fits(doc: &Value, name: &str, value: &Value) {
    let validator = component(doc, name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{value}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_real_answers_fit_it() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, method) in [
        ("/api/v1/letters", "get"),
        ("/api/v1/letters/{slug}", "get"),
        ("/api/v1/letters/{slug}/signatures", "get"),
        ("/api/v1/letters/{slug}/signatures", "post"),
        ("/api/v1/letters/{slug}/count.json", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
        // Every documented route answers (not the router's 404 or 405).
        let url = path.replace("{slug}", LETTER);
        let answer = match method {
            "get" => app.get(&url).await,
            _ => app.client.post(app.url(&url)).send().await.unwrap(),
        };
        assert!(
            ![404, 405].contains(&answer.status().as_u16()),
            "{method} {path}"
        );
    }
    assert_eq!(
        doc["paths"]["/api/v1/letters/{slug}/signatures"]["post"]["security"],
        json!([{ "partner_key": [] }])
    );
    // And the document is the one the code makes.
    assert_eq!(
        doc,
        serde_json::to_value(undersigned::api::document()).unwrap()
    );

    signed_and_confirmed(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    signed_and_confirmed(
        &app,
        &organisation("Rights Watch", "Contact Person", "org@example.org"),
        "org@example.org",
    )
    .await;
    app.roll_up().await;
    assert_fits(
        &doc,
        "PetitionPage",
        &json_of(&app, "/api/v1/letters").await,
    );
    assert_fits(
        &doc,
        "Petition",
        &json_of(&app, &format!("/api/v1/letters/{LETTER}")).await,
    );
    assert_fits(
        &doc,
        "SignaturePage",
        &json_of(
            &app,
            &format!("/api/v1/letters/{LETTER}/signatures?limit=1"),
        )
        .await,
    );
    assert_fits(
        &doc,
        "Count",
        &json_of(&app, &format!("/api/v1/letters/{LETTER}/count.json")).await,
    );
    let missing: Value = app
        .get("/api/v1/letters/nothing-here")
        .await
        .json()
        .await
        .unwrap();
    assert_fits(&doc, "ApiError", &missing);
    // A schema that cannot fail proves nothing: a wrong answer is refused.
    assert!(!component(&doc, "Count").is_valid(&json!({ "slug": 1 })));
    app.stop().await;
}

#[tokio::test]
async fn the_receipt_and_the_list_root_are_empty_until_they_exist_and_unknown_letters_are_404() {
    let app = TestApp::spawn().await;
    let receipt = json_of(&app, &format!("/api/v1/letters/{LETTER}/delivery")).await;
    assert_eq!(receipt["letter"], LETTER);
    assert_eq!(receipt["deliveries"], json!([]));
    assert!(
        receipt["browser_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/letters/{LETTER}/receipt"))
    );
    let root = json_of(&app, &format!("/api/v1/letters/{LETTER}/list-root")).await;
    assert_eq!(root["latest"], Value::Null, "{root}");
    for path in ["delivery", "list-root"] {
        let missing = app
            .get(&format!("/api/v1/letters/no-such-letter/{path}"))
            .await;
        assert_eq!(missing.status(), 404);
    }
    app.stop().await;
}
