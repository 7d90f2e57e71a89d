//! Versions of a letter's text, as the public meets them: every signature records the
//! version its form showed, a form from an older text is shown the new one before it is
//! accepted, and every version stays readable with its differences from the one before.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::entities::{LetterStatus, letter, outbox, signature};
use undersigned::store::letters::{self, LetterText, NewLetter, TextSaved};

use crate::support::{Fields, LETTER, TestApp, individual, organisation, with};

const NEW_TITLE: &str = "Free every prisoner of conscience";
const NEW_SUMMARY: &str = "A test letter, revised.";
const NEW_BODY: &str = "We ask you to **act now**.";

async fn the_letter(app: &TestApp) -> letter::Model {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .expect("the test letter")
}

/// Saves a new text of the test letter, as the staff edit screen does.
async fn edit(app: &TestApp, title: &str, summary: &str, body: &str) -> TextSaved {
    let id = the_letter(app).await.id;
    letters::save_text(
        &app.db,
        id,
        LetterText {
            title: title.into(),
            summary: summary.into(),
            body: body.into(),
        },
        None,
        app.clock.now(),
    )
    .await
    .expect("saving the text")
}

async fn signature_of(app: &TestApp, email: &str) -> Option<signature::Model> {
    signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(email))
        .one(&app.db)
        .await
        .unwrap()
}

async fn signatures(app: &TestApp) -> u64 {
    signature::Entity::find().count(&app.db).await.unwrap()
}

async fn outbox_rows(app: &TestApp) -> u64 {
    outbox::Entity::find().count(&app.db).await.unwrap()
}

/// Signs with `fields` and confirms through the emailed link.
async fn sign_and_confirm(app: &TestApp, fields: &Fields, email: &str) {
    let received = app.smtp().messages().len();
    assert_eq!(app.sign(fields).await.status(), 303);
    app.drain_outbox().await;
    app.wait_for_mail(received + 1).await;
    let mail = app.mail_to(email);
    let path = TestApp::confirmation_path(mail.last().expect("a mail for the signer"));
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
}

/// The value of the hidden field `name` of the individual form on `page`.
fn hidden(page: &str, name: &str) -> String {
    let form = &page[page
        .find("id=\"sign-individual\"")
        .expect("the individual form")..];
    let needle = format!("name=\"{name}\" value=\"");
    let at = form.find(&needle).expect("the hidden field") + needle.len();
    form[at..at + form[at..].find('"').unwrap()].to_string()
}

/// The value of the hidden `version` field of the individual form on `page`.
fn form_version(page: &str) -> String {
    hidden(page, "version")
}

/// The individual signing `fields` as sent from `page`: with its version and fingerprint.
fn from_page(fields: Fields, page: &str) -> Fields {
    with(
        with(fields, "version", &hidden(page, "version")),
        "text_id",
        &hidden(page, "text_id"),
    )
}

#[tokio::test]
async fn a_signature_records_the_version_its_form_showed() {
    let app = TestApp::spawn().await;
    let page = app.letter_page().await;
    assert_eq!(form_version(&page), "1");
    let fields = with(
        individual("Ada Lovelace", "ada@example.org"),
        "version",
        &form_version(&page),
    );
    assert_eq!(app.sign(&fields).await.status(), 303);
    let ada = signature_of(&app, "ada@example.org").await.unwrap();
    assert_eq!(ada.letter_version, 1);
    assert_eq!(app.letter_json().await["version"], 1);
    app.stop().await;
}

#[tokio::test]
async fn an_edit_after_signatures_makes_version_2_and_every_signature_keeps_its_own() {
    let app = TestApp::spawn().await;
    sign_and_confirm(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    // A pending signature holds the version as much as a confirmed one.
    assert_eq!(
        app.sign(&organisation(
            "Rights Watch",
            "Bea",
            "bea@rights.example.org"
        ))
        .await
        .status(),
        303
    );

    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(
        edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await,
        TextSaved::NewVersion { version: 2 }
    );
    let letter = the_letter(&app).await;
    assert_eq!(letter.version, 2);
    assert_eq!(app.letter_json().await["version"], 2);

    // The page shows the new text at once, and its forms carry version 2.
    let page = app.letter_page().await;
    assert!(page.contains(NEW_TITLE) && page.contains("<strong>act now</strong>"));
    assert_eq!(form_version(&page), "2");

    let cy = with(individual("Cy Signer", "cy@example.org"), "version", "2");
    assert_eq!(app.sign(&cy).await.status(), 303);
    assert_eq!(
        signature_of(&app, "cy@example.org")
            .await
            .unwrap()
            .letter_version,
        2
    );
    assert_eq!(
        signature_of(&app, "ada@example.org")
            .await
            .unwrap()
            .letter_version,
        1
    );
    assert_eq!(
        signature_of(&app, "bea@rights.example.org")
            .await
            .unwrap()
            .letter_version,
        1
    );

    // Signing again from the new text changes nothing: it signed version 1.
    let again = with(
        individual("Ada Lovelace", "ada@example.org"),
        "version",
        "2",
    );
    assert_eq!(app.sign(&again).await.status(), 303);
    assert_eq!(
        signature_of(&app, "ada@example.org")
            .await
            .unwrap()
            .letter_version,
        1
    );

    // A further edit, now that version 2 has a signature, makes version 3.
    assert_eq!(
        edit(&app, NEW_TITLE, NEW_SUMMARY, "Third text.").await,
        TextSaved::NewVersion { version: 3 }
    );
    app.stop().await;
}

#[tokio::test]
async fn a_form_from_an_older_text_is_shown_the_new_one_and_accepted_when_sent_again() {
    let app = TestApp::spawn().await;
    let opened = app.letter_page().await;
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    assert_eq!(
        edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await,
        TextSaved::NewVersion { version: 2 }
    );
    let (signed_before, queued_before) = (signatures(&app).await, outbox_rows(&app).await);

    // Bob opened the page before the edit and sends its form now.
    let bob = with(
        individual("Bob O'Brien", "bob@example.org"),
        "version",
        &form_version(&opened),
    );
    let stale = app.sign(&bob).await;
    assert_eq!(stale.status(), 409);
    assert_eq!(stale.headers()["cache-control"], "no-store");
    let page = stale.text().await.unwrap();
    assert!(page.contains(
        "The text of this letter changed since you opened it (version 2). Please read it again; your details are kept."
    ), "{page}");
    // The new text, in full.
    assert!(page.contains(NEW_TITLE) && page.contains(NEW_SUMMARY));
    assert!(page.contains("<strong>act now</strong>"));
    assert!(!page.contains("Free the prisoners of conscience"));
    // Every field kept, in the form that was sent, which now carries version 2.
    let form = &page[page.find("id=\"sign-individual\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    for value in ["Bob O'Brien", "bob@example.org", "Lyon", "Teacher"] {
        assert!(
            form.contains(&format!("value=\"{value}\"")),
            "{value} kept: {form}"
        );
    }
    assert!(form.contains("<option value=\"FR\" selected>"));
    assert!(form.contains("name=\"show_publicly\" value=\"on\" checked"));
    assert_eq!(form_version(&page), "2");
    // Nothing recorded, nothing queued.
    assert!(signature_of(&app, "bob@example.org").await.is_none());
    assert_eq!(signatures(&app).await, signed_before);
    assert_eq!(outbox_rows(&app).await, queued_before);

    // A form without a version, or with anything else in it, is as stale.
    for version in [
        None,
        Some(""),
        Some("two"),
        Some("0"),
        Some("3"),
        Some("-1"),
    ] {
        let mut fields = individual("Bob O'Brien", "bob@example.org");
        fields.retain(|(k, _)| *k != "version");
        if let Some(v) = version {
            fields.push(("version", v.into()));
        }
        assert_eq!(app.sign(&fields).await.status(), 409, "version {version:?}");
    }
    assert!(signature_of(&app, "bob@example.org").await.is_none());

    // Sent again from the page it was shown, the signing is taken, for version 2.
    let resent = with(bob, "version", &form_version(&page));
    assert_eq!(app.sign(&resent).await.status(), 303);
    let recorded = signature_of(&app, "bob@example.org").await.unwrap();
    assert_eq!(recorded.letter_version, 2);
    assert_eq!(recorded.name, "Bob O'Brien");
    assert_eq!(outbox_rows(&app).await, queued_before + 1);
    app.stop().await;
}

#[tokio::test]
async fn a_stale_form_with_mistakes_gets_its_messages_and_the_new_text() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await;
    let bad = with(
        individual("Bob", "bob@example.org"),
        "email",
        "not-an-address",
    );
    let response = app.sign(&bad).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("changed since you opened it (version 2)"));
    assert!(page.contains("Correct the problems in the form"));
    assert!(page.contains(NEW_TITLE));
    assert_eq!(form_version(&page), "2");
    app.stop().await;
}

#[tokio::test]
async fn an_edit_before_any_signature_corrects_version_1_in_place() {
    let app = TestApp::spawn().await;
    assert_eq!(
        edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await,
        TextSaved::Replaced { version: 1 }
    );
    let letter = the_letter(&app).await;
    assert_eq!(letter.version, 1);
    let versions = letters::versions(&app.db, letter.id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].title, NEW_TITLE);
    assert_eq!(versions[0].body, NEW_BODY);

    let page = app.letter_page().await;
    assert!(page.contains(NEW_TITLE));
    assert!(!page.contains("The text was changed"));
    assert_eq!(form_version(&page), "1");
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    assert_eq!(
        signature_of(&app, "ada@example.org")
            .await
            .unwrap()
            .letter_version,
        1
    );
    let missing = app.get(&format!("/letters/{LETTER}/versions/2")).await;
    assert_eq!(missing.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn the_page_says_when_the_text_changed_and_marks_earlier_signatures() {
    let app = TestApp::spawn().await;
    sign_and_confirm(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    sign_and_confirm(
        &app,
        &organisation("Rights Watch", "Bea", "bea@rights.example.org"),
        "bea@rights.example.org",
    )
    .await;
    let page = app.letter_page().await;
    assert!(!page.contains("The text was changed") && !page.contains("signed version"));

    app.clock.advance(chrono::Duration::days(2));
    edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await;
    sign_and_confirm(
        &app,
        &with(individual("Cy Signer", "cy@example.org"), "version", "2"),
        "cy@example.org",
    )
    .await;
    let page = app.letter_page().await;
    assert!(page.contains(
        "The text was changed on 29 November 2026 (version 2 of 2). Signatures given to earlier versions are marked by version."
    ), "{page}");
    assert!(page.contains(&format!("href=\"/letters/{LETTER}/versions\"")));
    let mark = format!(
        "<a class=\"signed-version\" href=\"/letters/{LETTER}/versions/1\">signed version 1</a>"
    );
    // Ada and Rights Watch signed version 1; Cy signed the current one and is not marked.
    assert_eq!(page.matches(&mark).count(), 2, "{page}");
    let cy = &page[page.find("Cy Signer").unwrap()..];
    let cy = &cy[..cy.find("</li>").unwrap()];
    assert!(!cy.contains("signed version"), "{cy}");
    app.stop().await;
}

#[tokio::test]
async fn the_versions_are_listed_with_their_signatures_and_each_is_readable() {
    let app = TestApp::spawn().await;
    sign_and_confirm(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        "ada@example.org",
    )
    .await;
    sign_and_confirm(
        &app,
        &individual("Bob Signer", "bob@example.org"),
        "bob@example.org",
    )
    .await;
    app.clock.advance(chrono::Duration::days(1));
    edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await;
    sign_and_confirm(
        &app,
        &with(individual("Cy Signer", "cy@example.org"), "version", "2"),
        "cy@example.org",
    )
    .await;
    // Pending signatures are not counted.
    let dee = with(individual("Dee", "dee@example.org"), "version", "2");
    assert_eq!(app.sign(&dee).await.status(), 303);

    let list = app.get(&format!("/letters/{LETTER}/versions")).await;
    assert_eq!(list.status(), 200);
    assert_eq!(
        list.headers()["cache-control"],
        "public, max-age=0, s-maxage=10, stale-while-revalidate=60"
    );
    let etag = list.headers()["etag"].clone();
    let list = list.text().await.unwrap();
    let revalidated = app
        .client
        .get(app.url(&format!("/letters/{LETTER}/versions")))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert!(list.contains(&format!(
        "<a href=\"/letters/{LETTER}/versions/1\">Version 1</a></th><td>27 November 2026</td><td>2</td>"
    )), "{list}");
    assert!(list.contains(&format!(
        "<a href=\"/letters/{LETTER}/versions/2\">Version 2</a> (current)</th><td>28 November 2026</td><td>1</td>"
    )), "{list}");

    let first = app.get(&format!("/letters/{LETTER}/versions/1")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("etag").is_some());
    let first = first.text().await.unwrap();
    assert!(first.contains("<h1 lang=\"en\">Free the prisoners of conscience</h1>"));
    assert!(first.contains("<strong>act</strong>"));
    assert!(first.contains("Version 1 of 2"));
    assert!(first.contains("2 confirmed signatures were given to this version."));
    assert!(first.contains("This is an earlier text of the letter."));
    assert!(!first.contains("What changed"));

    let second = app
        .get(&format!("/letters/{LETTER}/versions/2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(second.contains(&format!("<h1 lang=\"en\">{NEW_TITLE}</h1>")));
    assert!(second.contains("1 confirmed signature was given to this version."));
    assert!(second.contains("What changed from version 1"));
    // Word by word, in each field; words changed in a row read as one phrase.
    assert!(second.contains(
        "Free <del><span class=\"visually-hidden\">[removed: </span>the prisoners<span class=\"visually-hidden\">]</span></del><ins><span class=\"visually-hidden\">[added: </span>every prisoner<span class=\"visually-hidden\">]</span></ins> of conscience"
    ), "{second}");
    assert!(second.contains(
        "<del><span class=\"visually-hidden\">[removed: </span>letter.<span class=\"visually-hidden\">]</span></del><ins><span class=\"visually-hidden\">[added: </span>letter, revised.<span class=\"visually-hidden\">]</span></ins>"
    ), "{second}");
    assert!(
        second.contains(
            "We ask you to <del><span class=\"visually-hidden\">[removed: </span>**act**."
        )
    );
    assert!(second.contains("[added: </span>**act now**."));
    assert!(!second.contains("earlier text of the letter"));
    app.stop().await;
}

#[tokio::test]
async fn the_diff_shows_html_in_a_new_text_escaped() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    edit(
        &app,
        "Free the prisoners <b>now</b>",
        "A test letter.",
        "We ask you to **act**.\n\n<script>alert(1)</script>",
    )
    .await;
    let page = app
        .get(&format!("/letters/{LETTER}/versions/2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<b>now"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    let added = &page[page.find("<h3>Text</h3>").unwrap()..];
    let added = &added[added.find("<ins>").expect("an addition")..];
    assert!(added.contains("&lt;script&gt;alert(1)"), "{added}");
    assert!(page.contains("&lt;b&gt;now&lt;/b&gt;"));
    // The rendered text itself has the script removed, not escaped.
    let body = &page[page.find("class=\"letter-body\"").unwrap()..];
    let body = &body[..body.find("</div>").unwrap()];
    assert!(!body.contains("alert(1)"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn unknown_or_malformed_versions_and_drafts_are_not_found() {
    let app = TestApp::spawn().await;
    for n in [
        "2",
        "0",
        "-1",
        "abc",
        "1.5",
        "99999999999",
        "%00",
        "1%20",
        "%E2%82%AC",
        "%FF",
    ] {
        let response = app.get(&format!("/letters/{LETTER}/versions/{n}")).await;
        assert_eq!(response.status(), 404, "version {n}");
        assert_eq!(response.headers()["cache-control"], "no-store");
    }
    for path in [
        "/letters/no-such-letter/versions",
        "/letters/no-such-letter/versions/1",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    letters::create(
        &app.db,
        NewLetter {
            slug: "a-draft".into(),
            title: "A draft".into(),
            summary: String::new(),
            body: "Not yet.".into(),
            language: "en".into(),
            status: LetterStatus::Draft,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: true,
            targets: Vec::new(),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    for path in ["/letters/a-draft/versions", "/letters/a-draft/versions/1"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn with_the_page_cache_on_a_new_version_changes_the_page_and_its_etag() {
    let app = TestApp::spawn_with(|s| {
        s.page_cache_ttl = Duration::from_millis(2000);
    })
    .await;
    let letter_path = format!("/letters/{LETTER}");
    let before = app.get(&letter_path).await;
    let old_etag = before.headers()["etag"].clone();
    let old_page = before.text().await.unwrap();
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await;

    // Within the TTL this replica still answers from memory, and a form sent from that
    // page is caught by the version it carries.
    let cached = app.get(&letter_path).await;
    assert_eq!(cached.headers()["etag"], old_etag);
    assert_eq!(cached.text().await.unwrap(), old_page);
    let from_cached = with(
        individual("Bob", "bob@example.org"),
        "version",
        &form_version(&old_page),
    );
    assert_eq!(app.sign(&from_cached).await.status(), 409);

    // That stale form told this replica the text changed: the next reader gets it at once.
    let fresh = app
        .client
        .get(app.url(&letter_path))
        .header("if-none-match", old_etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
    assert_ne!(fresh.headers()["etag"], old_etag);
    let fresh = fresh.text().await.unwrap();
    assert!(fresh.contains(NEW_TITLE) && fresh.contains("<strong>act now</strong>"));
    assert_eq!(form_version(&fresh), "2");
    assert_eq!(app.letter_json().await["version"], 2);

    // Without such a form, a new text shows once the TTL has passed.
    let page_etag = app.get(&letter_path).await.headers()["etag"].clone();
    assert_eq!(
        app.sign(&with(individual("Cy", "cy@example.org"), "version", "2"))
            .await
            .status(),
        303
    );
    edit(&app, "Third title", NEW_SUMMARY, "Third body.").await;
    app.clock.advance(chrono::Duration::milliseconds(2000));
    let third = app.get(&letter_path).await;
    assert_ne!(third.headers()["etag"], page_etag);
    let third = third.text().await.unwrap();
    assert!(third.contains("Third title") && third.contains("Third body."));
    assert_eq!(form_version(&third), "3");
    app.stop().await;
}

#[tokio::test]
async fn a_form_from_before_a_correction_in_place_is_shown_the_corrected_text() {
    let app = TestApp::spawn().await;
    let opened = app.letter_page().await;
    // Nobody has signed: the text is corrected in place and keeps its number.
    assert_eq!(
        edit(&app, NEW_TITLE, NEW_SUMMARY, NEW_BODY).await,
        TextSaved::Replaced { version: 1 }
    );
    let ada = from_page(individual("Ada Lovelace", "ada@example.org"), &opened);
    assert_eq!(hidden(&opened, "version"), "1");
    let stale = app.sign(&ada).await;
    assert_eq!(stale.status(), 409);
    let page = stale.text().await.unwrap();
    assert!(page.contains("The text of this letter changed since you opened it (version 1)."));
    assert!(page.contains(NEW_TITLE) && page.contains("<strong>act now</strong>"));
    assert_ne!(hidden(&page, "text_id"), hidden(&opened, "text_id"));
    assert!(signature_of(&app, "ada@example.org").await.is_none());

    let resent = from_page(individual("Ada Lovelace", "ada@example.org"), &page);
    assert_eq!(app.sign(&resent).await.status(), 303);
    assert_eq!(
        signature_of(&app, "ada@example.org")
            .await
            .unwrap()
            .letter_version,
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn a_signing_that_waits_for_an_edit_meets_the_edited_text() {
    let app = TestApp::spawn().await;
    let opened = app.letter_page().await;
    let id = the_letter(&app).await.id;
    // An edit in progress: its transaction has saved the corrected text, not yet committed.
    let txn = undersigned::db::begin_write(&app.db).await.unwrap();
    let saved = letters::save_text(
        &txn,
        id,
        LetterText {
            title: NEW_TITLE.into(),
            summary: NEW_SUMMARY.into(),
            body: NEW_BODY.into(),
        },
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(saved, TextSaved::Replaced { version: 1 });

    // A signing from the page as it was: it must wait for the edit, not record a
    // signature for version 1 while version 1 is being rewritten.
    let request = {
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("/letters/{LETTER}/sign")),
        );
        let fields = from_page(individual("Ada Lovelace", "ada@example.org"), &opened);
        tokio::spawn(async move { client.post(url).form(&fields).send().await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!request.is_finished(), "the signing waits for the edit");
    txn.commit().await.unwrap();
    let response = request.await.unwrap().unwrap();
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains(NEW_TITLE));
    assert!(signature_of(&app, "ada@example.org").await.is_none());
    app.stop().await;
}
