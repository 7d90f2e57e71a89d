//! The letter page at scale: keyset pages of signatories, HTTP validators, and the
//! in-memory cache that answers a warm page without the database.

use std::time::Duration;

use sea_orm::ConnectionTrait;

use crate::support::{Fields, LETTER, TestApp, individual, organisation, with};

const PUBLIC_CACHE: &str = "public, max-age=0, s-maxage=10, stale-while-revalidate=60";

/// Signs each of `signers` in order (so their ids rise in that order), delivers the
/// confirmation emails over SMTP, then confirms them in the same order, moving the clock
/// one second ahead every `per_second` confirmations (so some share a `confirmed_at`).
async fn sign_and_confirm(app: &TestApp, signers: &[Fields], per_second: usize) {
    let before = app.smtp().messages().len();
    for fields in signers {
        assert_eq!(app.sign(fields).await.status(), 303);
    }
    app.drain_outbox().await;
    app.wait_for_mail(before + signers.len()).await;
    for (i, fields) in signers.iter().enumerate() {
        if i % per_second == 0 {
            app.clock.advance(chrono::Duration::seconds(1));
        }
        let email = &fields
            .iter()
            .find(|(k, _)| *k == "email")
            .expect("an email")
            .1;
        let mail = app.mail_to(email);
        let path = TestApp::confirmation_path(mail.last().expect("a confirmation email"));
        assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    }
}

fn person(prefix: &str, i: usize) -> Fields {
    individual(
        &format!("{prefix} {i:03}"),
        &format!("{}-{i}@example.org", prefix.to_lowercase()),
    )
}

/// The part of a page from the section with this id to its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id} in {html}"));
    let end = start + html[start..].find("</section>").expect("a closed section");
    &html[start..end]
}

/// The names listed in a section, in order.
fn names(section: &str) -> Vec<String> {
    const OPEN: &str = "<span class=\"signatory-name\">";
    section
        .split(OPEN)
        .skip(1)
        .map(|rest| rest[..rest.find("</span>").expect("a closed span")].to_string())
        .collect()
}

/// The address of the link with this `rel` in a section, without its fragment.
fn link(section: &str, rel: &str) -> Option<String> {
    let open = format!("<a rel=\"{rel}\" href=\"");
    let at = section.find(&open)? + open.len();
    let href = &section[at..at + section[at..].find('"')?];
    let href = href.replace("&amp;", "&");
    Some(href.split('#').next().unwrap_or_default().to_string())
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.expect("a page")
}

#[tokio::test]
async fn following_older_links_lists_every_public_individual_once_newest_first() {
    let app = TestApp::spawn_with(|s| s.individuals_per_page = 50).await;
    // 130 listed, and a few who asked not to be, confirmed among them.
    let mut signers = Vec::new();
    for i in 0..130 {
        signers.push(person("Person", i));
        if i % 30 == 0 {
            let mut hidden = person("Hidden", i);
            hidden.retain(|(k, _)| *k != "show_publicly");
            signers.push(hidden);
        }
    }
    sign_and_confirm(&app, &signers, 7).await;
    let expected: Vec<String> = (0..130).rev().map(|i| format!("Person {i:03}")).collect();

    let mut seen = Vec::new();
    let mut path = format!("/letters/{LETTER}");
    let mut pages = 0;
    loop {
        let html = page(&app, &path).await;
        let list = section(&html, "individuals");
        let listed = names(list);
        assert!(listed.len() <= 50, "a page holds at most 50: {listed:?}");
        assert!(
            !listed.iter().any(|n| n.starts_with("Hidden")),
            "{listed:?}"
        );
        assert_eq!(
            link(list, "first").is_some(),
            pages > 0,
            "only later pages lead back to the newest"
        );
        if pages > 0 {
            assert_eq!(
                link(list, "first").as_deref(),
                Some(format!("/letters/{LETTER}").as_str())
            );
        }
        seen.extend(listed.into_iter().filter(|n| n.starts_with("Person")));
        pages += 1;
        // People keep confirming while a reader pages: it moves nothing under them.
        sign_and_confirm(&app, &[person("Late", pages)], 1).await;
        match link(list, "next") {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("/letters/{LETTER}?before=")),
                    "{next}"
                );
                path = next;
            }
            None => break,
        }
        assert!(pages < 10, "the links must end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, expected);

    // The first page now starts with the latest.
    let html = page(&app, &format!("/letters/{LETTER}")).await;
    let first = names(section(&html, "individuals"));
    assert_eq!(
        first[..4],
        ["Late 003", "Late 002", "Late 001", "Person 129"]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cursor_that_does_not_decode_shows_the_first_page() {
    let app = TestApp::spawn_with(|s| s.individuals_per_page = 2).await;
    let signers: Vec<Fields> = (0..3).map(|i| person("Person", i)).collect();
    sign_and_confirm(&app, &signers, 1).await;
    let first = page(&app, &format!("/letters/{LETTER}")).await;
    assert_eq!(
        names(section(&first, "individuals")),
        ["Person 002", "Person 001"]
    );
    let next = link(section(&first, "individuals"), "next").expect("an older page");
    let cursor = next.split("before=").nth(1).expect("a cursor").to_string();
    let mut tampered = cursor.clone();
    tampered.insert(0, '!');

    let long = "A".repeat(5000);
    for query in [
        format!("before={tampered}"),
        "before=".into(),
        "before=garbage".into(),
        "before=%00%FF".into(),
        // base64url of "9999999999999999999.1" (beyond any time) and of "1.-5".
        "before=OTk5OTk5OTk5OTk5OTk5OTk5OS4x".into(),
        "before=MS4tNQ".into(),
        format!("before={long}"),
        "orgs_after=garbage".into(),
        format!("before={cursor}&before={cursor}"),
        "page=2".into(),
        "page=-1&before=%ZZ".into(),
    ] {
        let response = app.get(&format!("/letters/{LETTER}?{query}")).await;
        assert_eq!(response.status(), 200, "?{query}");
        assert_eq!(response.text().await.unwrap(), first, "?{query}");
    }
    // The genuine cursor still leads on.
    let older = page(&app, &next).await;
    assert_eq!(names(section(&older, "individuals")), ["Person 000"]);
    app.stop().await;
}

#[tokio::test]
async fn organisations_are_paged_by_name() {
    let app = TestApp::spawn_with(|s| s.organisations_per_page = 2).await;
    let orgs = vec![
        organisation("Gamma Rights", "G", "g@example.org"),
        organisation("Beta Watch", "B1", "b1@example.org"),
        with(
            organisation("Beta Watch", "B2", "b2@example.org"),
            "country",
            "FR",
        ),
        organisation("Alpha Aid", "A", "a@example.org"),
        organisation("Delta Defenders", "D", "d@example.org"),
    ];
    sign_and_confirm(&app, &orgs, 1).await;
    // Pending: never listed.
    assert_eq!(
        app.sign(&organisation("Aardvark Union", "Z", "z@example.org"))
            .await
            .status(),
        303
    );
    app.roll_up().await;

    let mut seen = Vec::new();
    let mut path = format!("/letters/{LETTER}");
    loop {
        let html = page(&app, &path).await;
        // Every page shows the letter's totals, not the page's.
        assert!(
            html.contains("<span class=\"count\">5</span> organisations"),
            "{html}"
        );
        let list = section(&html, "organisations");
        assert!(names(list).len() <= 2);
        seen.push(names(list));
        if seen.len() > 1 {
            assert!(link(list, "first").is_some());
        }
        match link(list, "next") {
            Some(next) => {
                assert!(next.starts_with(&format!("/letters/{LETTER}?orgs_after=")));
                path = next;
            }
            None => break,
        }
        assert!(seen.len() < 10, "the links must end");
    }
    assert_eq!(
        seen,
        [
            vec!["Alpha Aid", "Beta Watch"],
            vec!["Beta Watch", "Delta Defenders"],
            vec!["Gamma Rights"],
        ]
    );
    // The two of the same name, each once, the earlier first.
    let first = page(&app, &format!("/letters/{LETTER}")).await;
    assert!(section(&first, "organisations").contains("Germany"));
    let second = page(
        &app,
        &link(section(&first, "organisations"), "next").unwrap(),
    )
    .await;
    assert!(section(&second, "organisations").contains("France"));
    app.stop().await;
}

/// Fetches `path` twice, the second time with the first answer's ETag.
async fn assert_revalidates(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], PUBLIC_CACHE, "{path}");
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong tag: {etag}"
    );
    assert!(!response.bytes().await.unwrap().is_empty());

    let again = app
        .client
        .get(app.url(path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "{path}");
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert_eq!(again.headers()["cache-control"], PUBLIC_CACHE);
    assert!(again.bytes().await.unwrap().is_empty(), "a 304 has no body");
    etag
}

#[tokio::test]
async fn public_pages_revalidate_with_etags() {
    let app = TestApp::spawn().await;
    let letter = format!("/letters/{LETTER}");
    let api = format!("/api/letters/{LETTER}");
    let page_tag = assert_revalidates(&app, &letter).await;
    let api_tag = assert_revalidates(&app, &api).await;
    assert_revalidates(&app, "/").await;
    assert_ne!(page_tag, api_tag);

    // Another version of the page is a full answer with a new tag.
    sign_and_confirm(&app, &[person("Person", 1)], 1).await;
    app.roll_up().await;
    for (path, old) in [(&letter, &page_tag), (&api, &api_tag)] {
        let response = app
            .client
            .get(app.url(path))
            .header("if-none-match", old.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_ne!(response.headers()["etag"], old.as_str());
    }
    // Error pages are never cached.
    let missing = app.get("/letters/no-such-letter").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["cache-control"], "no-store");
    assert!(missing.headers().get("etag").is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_warm_page_is_answered_without_the_database() {
    let app = TestApp::spawn_with(|s| {
        s.page_cache_ttl = Duration::from_millis(2000);
        s.individuals_per_page = 1;
    })
    .await;
    sign_and_confirm(&app, &[person("Person", 0), person("Person", 1)], 1).await;
    let letter = format!("/letters/{LETTER}");
    let api = format!("/api/letters/{LETTER}");
    let warm = app.get(&letter).await;
    let etag = warm.headers()["etag"].clone();
    let warm = warm.text().await.unwrap();
    let older = link(section(&warm, "individuals"), "next").expect("an older page");
    assert_eq!(app.get(&api).await.status(), 200);

    // Pull the signatures and the counts out from under the service.
    for sql in [
        "ALTER TABLE signatures RENAME TO signatures_moved",
        "ALTER TABLE letter_counts RENAME TO letter_counts_moved",
    ] {
        app.db.execute_unprepared(sql).await.unwrap();
    }

    let cached = app.get(&letter).await;
    assert_eq!(cached.status(), 200);
    assert_eq!(cached.headers()["etag"], etag);
    assert_eq!(cached.text().await.unwrap(), warm);
    let revalidated = app
        .client
        .get(app.url(&letter))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(app.get(&api).await.status(), 200);
    // Later pages are not kept: they ask the database, which now fails.
    assert_eq!(app.get(&older).await.status(), 500);

    // Once the page is as old as the TTL, the database is asked again.
    app.clock.advance(chrono::Duration::milliseconds(1999));
    assert_eq!(app.get(&letter).await.status(), 200);
    app.clock.advance(chrono::Duration::milliseconds(1));
    assert_eq!(app.get(&letter).await.status(), 500);
    assert_eq!(app.get(&api).await.status(), 500);

    // And a failure is not kept either: with the tables back, the page comes back.
    for sql in [
        "ALTER TABLE signatures_moved RENAME TO signatures",
        "ALTER TABLE letter_counts_moved RENAME TO letter_counts",
    ] {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    let recovered = app.get(&letter).await;
    assert_eq!(recovered.status(), 200);
    // The same page, but for the forms' render time, which moved with the clock.
    assert_eq!(
        crate::support::without_form_stamps(&recovered.text().await.unwrap()),
        crate::support::without_form_stamps(&warm)
    );
    app.stop().await;
}
