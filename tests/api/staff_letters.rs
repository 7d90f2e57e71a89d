//! The staff letter screens through HTTP, as an editor: writing, editing, previewing,
//! publishing, closing and reopening letters, the private preview link, the deadline job
//! and who may sign; each action read back from the audit log.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::entities::{LetterStatus, letter, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::staff::{
    Browser, EDITOR, EDITOR_PASSWORD, actions, admin, csrf_of, editor, location,
};
use crate::support::{LETTER, TestApp, individual, organisation};

/// An editor, signed in (added by the first admin).
async fn an_editor(app: &TestApp) -> Browser {
    let mut boss = admin(app).await;
    editor(app, &mut boss).await
}

/// The fields of a complete new letter; `changes` replace or add fields.
fn letter_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("title", "Protect the river"),
        ("slug", ""),
        ("summary", "Stop the dam."),
        ("body", "We ask you to **protect** the river."),
        ("language", "en"),
        ("deadline", ""),
        ("goal", "500"),
        ("individuals_may_sign", "on"),
        ("organisations_may_sign", "on"),
        ("organisations_need_approval", "on"),
        ("target-0-name", "Ministry of Environment"),
        ("target-0-person", "Jane Doe"),
        ("target-0-person_title", "Minister"),
        ("target-0-email", "minister@example.org"),
        ("target-1-name", ""),
        ("target-1-email", ""),
        ("action", "save"),
    ];
    for (name, value) in changes {
        fields.retain(|(k, _)| k != name);
        fields.push((name, value));
    }
    fields
}

/// Creates a draft through the form; returns its id.
async fn create(app: &TestApp, browser: &mut Browser, changes: &[(&str, &str)]) -> i64 {
    let csrf = browser.csrf(app).await;
    let created = browser
        .post(app, "/staff/letters/new", &letter_form(&csrf, changes))
        .await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    id_of(&location(&created))
}

fn id_of(location: &str) -> i64 {
    location
        .strip_prefix("/staff/letters/")
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no letter id in {location}"))
}

async fn letter_row(app: &TestApp, id: i64) -> letter::Model {
    letters::find_by_id(&app.db, id).await.unwrap().unwrap()
}

async fn letter_count(app: &TestApp) -> u64 {
    letter::Entity::find().count(&app.db).await.unwrap()
}

async fn act(app: &TestApp, browser: &mut Browser, id: i64, step: &str) -> reqwest::Response {
    let csrf = browser.csrf(app).await;
    browser
        .post(
            app,
            &format!("/staff/letters/{id}/{step}"),
            &[("csrf", &csrf)],
        )
        .await
}

/// The part of `html` from the tag with `id` to the end of that tag.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element with id {id} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[tokio::test]
async fn a_new_letter_with_mistakes_shows_each_message_beside_its_field_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let before = letter_count(&app).await;
    let csrf = browser.csrf(&app).await;
    let answer = browser
        .post(
            &app,
            "/staff/letters/new",
            &letter_form(
                &csrf,
                &[
                    ("title", ""),
                    ("slug", "Not A Slug"),
                    ("body", "Kept <text> as typed"),
                    ("language", "english"),
                    ("deadline", "next tuesday"),
                    ("goal", "-5"),
                    ("individuals_may_sign", ""),
                    ("organisations_may_sign", ""),
                    ("target-0-email", "not an address"),
                    ("target-1-person", "Someone without an institution"),
                ],
            ),
        )
        .await;
    assert_eq!(answer.status(), 422);
    let page = answer.text().await.unwrap();
    for (id, message) in [
        ("letter-title", "Enter a title"),
        ("letter-slug", "Use only lowercase letters"),
        ("letter-language", "Enter a language tag"),
        (
            "letter-deadline",
            "Enter the deadline as a date and time in UTC",
        ),
        ("letter-goal", "Enter the goal as a whole number"),
        ("letter-kinds", "Choose who may sign"),
        (
            "letter-target-0-email",
            "Enter the institution's email address",
        ),
        ("letter-target-1-name", "Enter the institution's name"),
    ] {
        let error_id = format!("{id}-error");
        let error = tag_with_id(&page, &error_id);
        let at = page.find(error).unwrap();
        let text = &page[at..at + 400];
        assert!(text.contains(message), "{id}: {text}");
        if id != "letter-kinds" {
            let input = tag_with_id(&page, id);
            assert!(input.contains("aria-invalid=\"true\""), "{input}");
            assert!(input.contains(&error_id), "{input}");
        }
    }
    // What was typed is kept, escaped.
    assert!(page.contains("Kept &lt;text&gt; as typed"), "body kept");
    assert!(tag_with_id(&page, "letter-slug").contains("value=\"Not A Slug\""));
    assert!(tag_with_id(&page, "letter-target-0-email").contains("value=\"not an address\""));
    assert!(tag_with_id(&page, "letter-goal").contains("value=\"-5\""));
    assert_eq!(letter_count(&app).await, before, "nothing was saved");
    app.stop().await;
}

#[tokio::test]
async fn the_slug_is_made_from_the_title_and_can_be_edited_while_a_draft() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[("title", "Protect the Río Grande!")]).await;
    let draft = letter_row(&app, id).await;
    assert_eq!(draft.slug, "protect-the-rio-grande");
    assert_eq!(draft.status, LetterStatus::Draft);
    assert!(draft.organisations_need_approval);

    let edit = browser
        .get(&app, &format!("/staff/letters/{id}/edit?saved=created"))
        .await;
    assert_eq!(edit.status(), 200);
    assert_eq!(edit.headers()["cache-control"], "no-store");
    let page = edit.text().await.unwrap();
    assert!(page.contains("saved as a draft"), "{page}");
    assert!(!tag_with_id(&page, "letter-slug").contains("readonly"));

    let csrf = csrf_of(&page);
    let saved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[("title", "Protect the Río Grande!"), ("slug", "rio-grande")],
            ),
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(letter_row(&app, id).await.slug, "rio-grande");
    app.stop().await;
}

#[tokio::test]
async fn a_taken_slug_is_a_message_beside_the_field_even_when_two_creates_race() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let before = letter_count(&app).await;
    let csrf = browser.csrf(&app).await;
    let taken = browser
        .post(
            &app,
            "/staff/letters/new",
            &letter_form(&csrf, &[("slug", LETTER)]),
        )
        .await;
    assert_eq!(taken.status(), 422);
    let page = taken.text().await.unwrap();
    let error = tag_with_id(&page, "letter-slug-error");
    let at = page.find(error).unwrap();
    assert!(
        page[at..].contains("Another letter already has the address free-the-prisoners"),
        "{page}"
    );

    // Two creates with one slug at once: one is saved, the other is told, none is a 500.
    let fields = letter_form(&csrf, &[("slug", "same-slug")]);
    let (a, b) = {
        let (mut b1, mut b2) = (browser.clone(), browser.clone());
        let (f1, f2) = (fields.clone(), fields.clone());
        tokio::join!(
            async { b1.post(&app, "/staff/letters/new", &f1).await.status() },
            async { b2.post(&app, "/staff/letters/new", &f2).await.status() }
        )
    };
    let mut statuses = [a.as_u16(), b.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(letter_count(&app).await, before + 1);
    app.stop().await;
}

#[tokio::test]
async fn the_markdown_preview_shows_sanitised_html_and_saves_nothing() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let before = letter_count(&app).await;
    let csrf = browser.csrf(&app).await;
    let preview = browser
        .post(
            &app,
            "/staff/letters/new",
            &letter_form(
                &csrf,
                &[
                    (
                        "body",
                        "Dear **minister**,\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1))",
                    ),
                    ("action", "preview"),
                ],
            ),
        )
        .await;
    assert_eq!(preview.status(), 200);
    let page = preview.text().await.unwrap();
    let at = page
        .find("letter-preview-heading")
        .expect("a preview section");
    let shown = &page[at..];
    assert!(shown.contains("<strong>minister</strong>"), "{shown}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(!shown.contains("javascript:"), "{shown}");
    // The text stays in the form as typed (escaped), ready to save.
    assert!(page.contains("&lt;script&gt;alert"), "{page}");
    assert_eq!(letter_count(&app).await, before);
    app.stop().await;
}

#[tokio::test]
async fn targets_are_added_and_removed() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let csrf = browser.csrf(&app).await;
    let new = browser.get(&app, "/staff/letters/new").await;
    let page = new.text().await.unwrap();
    assert_eq!(page.matches("<legend>Target ").count(), 2);
    assert!(tag_with_id(&page, "letter-organisations_need_approval").contains("checked"));

    let more = browser
        .post(
            &app,
            "/staff/letters/new",
            &letter_form(&csrf, &[("action", "add-target")]),
        )
        .await;
    assert_eq!(more.status(), 200);
    let page = more.text().await.unwrap();
    assert_eq!(page.matches("<legend>Target ").count(), 3);
    assert!(tag_with_id(&page, "letter-target-0-name").contains("Ministry of Environment"));

    let id = create(
        &app,
        &mut browser,
        &[
            ("target-1-name", "Parliament"),
            ("target-1-email", "petitions@parliament.example.org"),
        ],
    )
    .await;
    let names = |targets: Vec<undersigned::entities::target::Model>| {
        targets.into_iter().map(|t| t.name).collect::<Vec<_>>()
    };
    let targets = letters::targets(&app.db, id).await.unwrap();
    assert_eq!(targets[0].person.as_deref(), Some("Jane Doe"));
    assert_eq!(targets[0].person_title.as_deref(), Some("Minister"));
    assert_eq!(names(targets), ["Ministry of Environment", "Parliament"]);

    // Emptying a row removes that target; the edit page shows the rest plus two empty rows.
    let saved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[
                    ("target-0-name", ""),
                    ("target-0-person", ""),
                    ("target-0-person_title", ""),
                    ("target-0-email", ""),
                    ("target-1-name", "Parliament"),
                    ("target-1-email", "petitions@parliament.example.org"),
                ],
            ),
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        names(letters::targets(&app.db, id).await.unwrap()),
        ["Parliament"]
    );
    let page = browser
        .get(&app, &format!("/staff/letters/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("<legend>Target ").count(), 3);
    let edits: Vec<_> = actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action == "letter.edit")
        .collect();
    assert!(edits[0].detail.as_deref().unwrap().contains("\"targets\""));
    for edit in &edits {
        assert_eq!(edit.actor_email.as_deref(), Some(EDITOR));
        assert_eq!(edit.client_ip.as_deref(), Some("127.0.0.1"), "{edit:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_draft_is_private_until_published_and_publishing_needs_a_target() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(
        &app,
        &mut browser,
        &[
            ("target-0-name", ""),
            ("target-0-person", ""),
            ("target-0-person_title", ""),
            ("target-0-email", ""),
        ],
    )
    .await;
    let slug = letter_row(&app, id).await.slug;
    for path in [
        format!("/letters/{slug}"),
        format!("/api/letters/{slug}"),
        format!("/letters/{slug}/check-inbox"),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    let signed = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Ada", "ada@example.org"),
        )
        .await;
    assert_eq!(signed.status(), 404);
    assert!(!app.get("/").await.text().await.unwrap().contains(&slug));

    let refused = act(&app, &mut browser, id, "publish").await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("at least one target")
    );
    assert_eq!(letter_row(&app, id).await.status, LetterStatus::Draft);

    let csrf = browser.csrf(&app).await;
    let saved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(&csrf, &[]),
        )
        .await;
    assert_eq!(saved.status(), 303);
    let published = act(&app, &mut browser, id, "publish").await;
    assert_eq!(published.status(), 303);
    assert_eq!(
        location(&published),
        format!("/staff/letters/{id}?done=publish")
    );
    let opened = letter_row(&app, id).await;
    assert_eq!(opened.status, LetterStatus::Open);
    assert_eq!(opened.opened_at, Some(app.clock.now()));

    let public = app.get(&format!("/letters/{slug}")).await;
    assert_eq!(public.status(), 200);
    assert!(public.text().await.unwrap().contains("Protect the river"));
    assert!(app.get("/").await.text().await.unwrap().contains(&slug));
    assert_eq!(app.get(&format!("/api/letters/{slug}")).await.status(), 200);

    // Publishing again is an impossible move.
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 409);
    let overview = browser.get(&app, &format!("/staff/letters/{id}")).await;
    let page = overview.text().await.unwrap();
    for link in ["dashboard", "approvals", "signatures", "edit"] {
        assert!(
            page.contains(&format!("/staff/letters/{id}/{link}")),
            "{link}"
        );
    }
    assert!(page.contains(&format!("https://letters.example.org/letters/{slug}")));
    app.stop().await;
}

#[tokio::test]
async fn a_preview_link_shows_the_draft_until_it_is_replaced_or_revoked() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[]).await;
    let slug = letter_row(&app, id).await.slug;
    assert_eq!(
        app.get(&format!("/letters/{slug}/preview/{}", "a".repeat(43)))
            .await
            .status(),
        404,
        "no link yet"
    );

    let made = act(&app, &mut browser, id, "preview-link").await;
    assert_eq!(made.status(), 303);
    let key = letter_row(&app, id).await.preview_key.expect("a key");
    assert_eq!(key.len(), 43);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let overview = browser.get(&app, &format!("/staff/letters/{id}")).await;
    assert!(overview.text().await.unwrap().contains(&key));

    let preview = app.get(&format!("/letters/{slug}/preview/{key}")).await;
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["cache-control"], "no-store");
    assert_eq!(preview.headers()["referrer-policy"], "no-referrer");
    assert!(
        preview.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    let page = preview.text().await.unwrap();
    assert!(page.contains("Draft preview"), "{page}");
    assert!(page.contains("Protect the river"));
    assert!(
        page.contains("<fieldset class=\"preview-forms\" disabled>"),
        "{page}"
    );

    let mut wrong = key.clone();
    wrong.replace_range(0..1, if key.starts_with('A') { "B" } else { "A" });
    assert_eq!(
        app.get(&format!("/letters/{slug}/preview/{wrong}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/letters/{LETTER}/preview/{key}"))
            .await
            .status(),
        404,
        "a key opens only its own letter"
    );

    // Replaced: the old key no longer works.
    act(&app, &mut browser, id, "preview-link").await;
    let new_key = letter_row(&app, id).await.preview_key.unwrap();
    assert_ne!(new_key, key);
    assert_eq!(
        app.get(&format!("/letters/{slug}/preview/{key}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/letters/{slug}/preview/{new_key}"))
            .await
            .status(),
        200
    );

    // Revoked.
    let csrf = browser.csrf(&app).await;
    let revoked = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/preview-link"),
            &[("csrf", &csrf), ("action", "revoke")],
        )
        .await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(letter_row(&app, id).await.preview_key, None);
    assert_eq!(
        app.get(&format!("/letters/{slug}/preview/{new_key}"))
            .await
            .status(),
        404
    );
    let log: Vec<String> = actions(&app).await.into_iter().map(|a| a.action).collect();
    assert_eq!(
        log.iter().filter(|a| *a == "letter.preview_link").count(),
        2
    );
    assert!(log.contains(&"letter.preview_link_revoke".to_string()));
    for entry in actions(&app).await {
        assert!(!entry.detail.unwrap_or_default().contains(&new_key));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_letter_is_closed_and_reopened_and_impossible_moves_are_refused() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[]).await;
    let slug = letter_row(&app, id).await.slug;
    assert_eq!(act(&app, &mut browser, id, "close").await.status(), 409);
    assert_eq!(act(&app, &mut browser, id, "reopen").await.status(), 409);
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);
    assert_eq!(act(&app, &mut browser, id, "reopen").await.status(), 409);

    app.clock.advance(Duration::minutes(5));
    assert_eq!(act(&app, &mut browser, id, "close").await.status(), 303);
    let closed = letter_row(&app, id).await;
    assert_eq!(closed.status, LetterStatus::Closed);
    assert_eq!(closed.closed_at, Some(app.clock.now()));
    let signed = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Ada", "ada@example.org"),
        )
        .await;
    assert_eq!(signed.status(), 409);

    assert_eq!(act(&app, &mut browser, id, "reopen").await.status(), 303);
    let reopened = letter_row(&app, id).await;
    assert_eq!(reopened.status, LetterStatus::Open);
    assert_eq!(reopened.closed_at, None);
    let signed = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Ada", "ada@example.org"),
        )
        .await;
    assert_eq!(signed.status(), 303);

    // A CSRF token from elsewhere changes nothing.
    let forged = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/close"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert_eq!(letter_row(&app, id).await.status, LetterStatus::Open);

    let log: Vec<_> = actions(&app).await;
    let mine: Vec<&str> = log
        .iter()
        .filter(|a| a.action.starts_with("letter."))
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(
        mine,
        [
            "letter.create",
            "letter.publish",
            "letter.close",
            "letter.reopen"
        ]
    );
    for entry in log.iter().filter(|a| a.action.starts_with("letter.")) {
        assert_eq!(entry.actor_email.as_deref(), Some(EDITOR));
        assert_eq!(entry.client_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(entry.subject.as_deref(), Some(slug.as_str()));
    }
    app.stop().await;
}

#[tokio::test]
async fn past_its_deadline_a_letter_takes_nothing_before_the_job_closes_it_and_the_job_closes_it() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let deadline = (app.clock.now() + Duration::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let id = create(&app, &mut browser, &[("deadline", &deadline)]).await;
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);
    let slug = letter_row(&app, id).await.slug;
    let signed = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Ada", "ada@example.org"),
        )
        .await;
    assert_eq!(signed.status(), 303);
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    let confirm = TestApp::confirmation_path(&mail[0]);

    app.clock.advance(Duration::days(2));
    // The deadline has come; no job has run: the letter is still "open" in the table...
    assert_eq!(letter_row(&app, id).await.status, LetterStatus::Open);
    // ...and yet takes neither a signature nor a confirmation.
    let late = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Bea", "bea@example.org"),
        )
        .await;
    assert_eq!(late.status(), 409);
    assert_eq!(app.post_form(&confirm, &[]).await.status(), 409);
    let confirmed = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(id))
        .filter(signature::Column::Status.eq(undersigned::entities::SignatureStatus::Confirmed))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(confirmed, 0);
    // Two days later the editor's session has ended: sign in again.
    let signed_in = browser.sign_in(&app, EDITOR, EDITOR_PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 409);

    let closed = undersigned::letters::close_past_deadline(&app.db, app.clock.now())
        .await
        .unwrap();
    assert_eq!(closed, vec![id]);
    let row = letter_row(&app, id).await;
    assert_eq!(row.status, LetterStatus::Closed);
    assert_eq!(row.closed_at, row.deadline);
    // The test letter has no deadline and stays open; a second run closes nothing.
    assert_eq!(
        letters::find_by_slug(&app.db, LETTER)
            .await
            .unwrap()
            .unwrap()
            .status,
        LetterStatus::Open
    );
    assert!(
        undersigned::letters::close_past_deadline(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let entry = actions(&app)
        .await
        .into_iter()
        .find(|a| a.action == "letter.close")
        .expect("the closing in the audit log");
    assert_eq!(entry.actor_email.as_deref(), Some("system"));
    assert_eq!(entry.subject.as_deref(), Some(slug.as_str()));

    // Reopening is refused while the deadline has passed; moving it first works.
    let refused = act(&app, &mut browser, id, "reopen").await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("deadline has passed")
    );
    let later = (app.clock.now() + Duration::days(7))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let csrf = browser.csrf(&app).await;
    let moved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(&csrf, &[("deadline", &later), ("slug", &slug)]),
        )
        .await;
    assert_eq!(moved.status(), 303);
    assert_eq!(act(&app, &mut browser, id, "reopen").await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn a_letter_for_organisations_only_shows_and_takes_only_their_form() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[("individuals_may_sign", "")]).await;
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);
    let slug = letter_row(&app, id).await.slug;
    let page = app
        .get(&format!("/letters/{slug}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"sign-organisation\""));
    assert!(!page.contains("id=\"sign-individual\""), "{page}");
    assert!(page.contains("signed by organisations only"));

    let refused = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &individual("Ada", "ada@example.org"),
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("signed by organisations only"), "{page}");
    assert!(page.contains("Your signature has not been sent"), "{page}");
    let count = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let taken = app
        .post_form(
            &format!("/letters/{slug}/sign"),
            &organisation("Rights Watch", "Bea", "office@rights.example.org"),
        )
        .await;
    assert_eq!(taken.status(), 303);

    // Choosing nobody is refused.
    let csrf = browser.csrf(&app).await;
    let nobody = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[
                    ("slug", &slug),
                    ("individuals_may_sign", ""),
                    ("organisations_may_sign", ""),
                ],
            ),
        )
        .await;
    assert_eq!(nobody.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn the_slug_is_locked_once_the_letter_has_opened() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[("slug", "river")]).await;
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);
    let page = browser
        .get(&app, &format!("/staff/letters/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(tag_with_id(&page, "letter-slug").contains("readonly"));
    let csrf = csrf_of(&page);
    let moved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(&csrf, &[("slug", "another-river")]),
        )
        .await;
    assert_eq!(moved.status(), 422);
    assert!(
        moved
            .text()
            .await
            .unwrap()
            .contains("The address cannot change once the letter has been published")
    );
    assert_eq!(letter_row(&app, id).await.slug, "river");
    // Closed, it stays locked too.
    assert_eq!(act(&app, &mut browser, id, "close").await.status(), 303);
    let moved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(&csrf, &[("slug", "another-river")]),
        )
        .await;
    assert_eq!(moved.status(), 422);
    app.stop().await;
}

#[tokio::test]
async fn editing_a_signed_letter_makes_a_new_version_and_the_signature_keeps_its_own() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    let id = create(&app, &mut browser, &[("slug", "river")]).await;

    // Before anyone signs, a correction replaces version 1.
    let csrf = browser.csrf(&app).await;
    let fixed = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[
                    ("slug", "river"),
                    ("body", "We ask you to protect the river."),
                ],
            ),
        )
        .await;
    assert_eq!(
        location(&fixed),
        format!("/staff/letters/{id}/edit?saved=replaced&version=1")
    );
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);

    let signed = app
        .post_form("/letters/river/sign", &individual("Ada", "ada@example.org"))
        .await;
    assert_eq!(signed.status(), 303);
    app.drain_outbox().await;
    let mail = app.wait_for_mail(1).await;
    assert_eq!(
        app.post_form(&TestApp::confirmation_path(&mail[0]), &[])
            .await
            .status(),
        200
    );

    let saved = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[
                    ("slug", "river"),
                    ("body", "We ask you to protect the river and its banks."),
                ],
            ),
        )
        .await;
    assert_eq!(saved.status(), 303);
    let edit = browser
        .get(&app, &location(&saved))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains("Saved as version 2: signatures given to version 1 keep it."),
        "{edit}"
    );
    let row = letter_row(&app, id).await;
    assert_eq!(row.version, 2);
    let versions = letters::versions(&app.db, id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].body, "We ask you to protect the river.");
    assert_eq!(
        versions[1].body,
        "We ask you to protect the river and its banks."
    );
    let ada = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.letter_version, 1);

    // Saving the same text again changes nothing.
    let again = browser
        .post(
            &app,
            &format!("/staff/letters/{id}/edit"),
            &letter_form(
                &csrf,
                &[
                    ("slug", "river"),
                    ("body", "We ask you to protect the river and its banks."),
                ],
            ),
        )
        .await;
    assert_eq!(
        location(&again),
        format!("/staff/letters/{id}/edit?saved=unchanged")
    );
    let overview = browser
        .get(&app, &format!("/staff/letters/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(overview.contains("2 (current)"), "{overview}");

    let edits: Vec<String> = actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action == "letter.edit")
        .map(|a| a.detail.unwrap())
        .collect();
    assert_eq!(edits.len(), 3);
    assert!(edits[0].contains("\"replaced\":1"), "{}", edits[0]);
    assert!(edits[1].contains("\"new\":2"), "{}", edits[1]);
    assert!(edits[1].contains("\"body\""), "{}", edits[1]);
    assert!(edits[2].contains("\"unchanged\""), "{}", edits[2]);
    app.stop().await;
}

#[tokio::test]
async fn the_list_shows_every_letter_a_page_at_a_time_and_filters_by_status() {
    let app = TestApp::spawn().await;
    let mut browser = an_editor(&app).await;
    for n in 0..55 {
        letters::create(
            &app.db,
            NewLetter {
                slug: format!("draft-{n}"),
                title: format!("Draft number {n}"),
                summary: String::new(),
                body: String::new(),
                language: "en".into(),
                status: LetterStatus::Draft,
                goal: None,
                deadline: None,
                individuals_may_sign: true,
                organisations_may_sign: true,
                organisations_need_approval: true,
                targets: vec![NewTarget::new("Council", "council@example.org")],
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    }
    let first = browser.get(&app, "/staff/letters").await;
    assert_eq!(first.status(), 200);
    let page = first.text().await.unwrap();
    assert!(page.contains("Draft number 54"));
    assert!(
        !page.contains("Draft number 4<"),
        "the oldest are on the next page"
    );
    let at = page.find("/staff/letters?before=").expect("a next page");
    let next = page[at..].split('"').next().unwrap().replace("&amp;", "&");
    let second = browser.get(&app, &next).await.text().await.unwrap();
    assert!(second.contains("Draft number 4<"), "{second}");
    assert!(second.contains("Free the prisoners of conscience"));
    assert!(!second.contains("Draft number 54"));

    let open = browser
        .get(&app, "/staff/letters?status=open")
        .await
        .text()
        .await
        .unwrap();
    assert!(open.contains("Free the prisoners of conscience"));
    assert!(!open.contains("Draft number"));
    assert_eq!(
        browser
            .get(&app, "/staff/letters?status=bogus")
            .await
            .status(),
        400
    );
    // The staff home and bar lead here.
    let home = browser.get(&app, "/staff").await.text().await.unwrap();
    assert!(home.contains("href=\"/staff/letters\""));
    // Without a session: to the sign-in page.
    let anonymous = app.get("/staff/letters").await;
    assert_eq!(anonymous.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn the_running_worker_closes_a_letter_once_its_deadline_has_passed() {
    let app = TestApp::spawn_with(|s| {
        s.run_worker = true;
        s.deadline_check_interval = std::time::Duration::from_millis(50);
    })
    .await;
    let mut browser = an_editor(&app).await;
    let deadline = (app.clock.now() + Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let id = create(&app, &mut browser, &[("deadline", &deadline)]).await;
    assert_eq!(act(&app, &mut browser, id, "publish").await.status(), 303);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(letter_row(&app, id).await.status, LetterStatus::Open);

    app.clock.advance(Duration::hours(1));
    let mut status = LetterStatus::Open;
    for _ in 0..100 {
        status = letter_row(&app, id).await.status;
        if status == LetterStatus::Closed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, LetterStatus::Closed);
    let closings = actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action == "letter.close")
        .count();
    assert_eq!(closings, 1, "closed once, by the system");
    app.stop().await;
}
