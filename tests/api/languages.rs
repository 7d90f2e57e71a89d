//! Languages: chosen from the browser or the visitor's own choice (a switcher that works
//! without JavaScript), pages and emails written in them, right-to-left pages, and letters
//! translated by staff with the original marked authoritative.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use undersigned::entities::signature;

use crate::support::staff::{admin, csrf_of, location};
use crate::support::{LETTER, TestApp, individual, with};

/// GET with extra headers (a browser's language, a cookie).
async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("a GET request")
}

async fn text_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> String {
    let response = get_with(app, path, headers).await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

/// Signs the test letter from a browser with `headers`, as its page would post it.
async fn sign_with(
    app: &TestApp,
    fields: &[(&str, String)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let path = format!("/letters/{LETTER}/sign");
    let fields = app.stamped(&path, fields).await;
    let mut request = app.client.post(app.url(&path)).form(&fields);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("a POST request")
}

async fn signature_of(app: &TestApp, email: &str) -> signature::Model {
    signature::Entity::find()
        .filter(signature::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the signature")
}

#[tokio::test]
async fn the_browser_language_picks_the_page_language_and_the_answer_says_it_varies() {
    let app = TestApp::spawn().await;
    let response = get_with(
        &app,
        "/",
        &[("accept-language", "de-DE, fr;q=0.8, en;q=0.5")],
    )
    .await;
    let vary: Vec<String> = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        vary.iter()
            .any(|v| v.contains("Accept-Language") && v.contains("Cookie")),
        "{vary:?}"
    );
    assert_eq!(response.headers()["content-language"], "fr");
    let page = response.text().await.unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html><html lang=\"fr\" dir=\"ltr\">"),
        "{page}"
    );
    assert!(page.contains("<h1>Lettres ouvertes</h1>"));

    // Arabic pages are laid out right to left.
    let page = text_with(&app, "/", &[("accept-language", "ar-EG")]).await;
    assert!(
        page.starts_with("<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\">"),
        "{page}"
    );
    assert!(page.contains("<h1>رسائل مفتوحة</h1>"));

    let page = text_with(&app, "/", &[("accept-language", "ja, de")]).await;
    assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(page.contains("<h1>Open letters</h1>"));
    // Error pages are written in the language too.
    let missing = get_with(&app, "/no-such-page", &[("accept-language", "fr")]).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("Page introuvable"));
    app.stop().await;
}

#[tokio::test]
async fn the_default_language_is_a_setting() {
    let app = TestApp::spawn_with(|s| s.default_language = "fr".into()).await;
    let page = text_with(&app, "/", &[("accept-language", "ja")]).await;
    assert!(page.contains("<html lang=\"fr\""), "{page}");
    let page = text_with(&app, "/", &[]).await;
    assert!(page.contains("<html lang=\"fr\""));
    app.stop().await;
}

#[tokio::test]
async fn the_switcher_sets_a_cookie_and_leads_back_without_javascript() {
    let app = TestApp::spawn().await;
    let letter = format!("/letters/{LETTER}");
    let page = text_with(&app, &letter, &[]).await;
    let link = format!("/language?set=fr&amp;back=%2Fletters%2F{LETTER}");
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");

    let switched = get_with(&app, &link.replace("&amp;", "&"), &[]).await;
    assert_eq!(switched.status(), 303);
    assert_eq!(location(&switched), letter);
    let cookie = switched.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("lang=fr;"), "{cookie}");
    assert!(
        cookie.contains("SameSite=Lax") && cookie.contains("Secure"),
        "{cookie}"
    );
    assert_eq!(switched.headers()["cache-control"], "no-store");

    // The choice wins over the browser's language.
    let page = text_with(
        &app,
        &letter,
        &[("cookie", "lang=fr"), ("accept-language", "en")],
    )
    .await;
    assert!(page.contains("<html lang=\"fr\""));
    assert!(page.contains("Signer cette lettre"));

    // Only local paths are led back to; an unknown language sets nothing.
    for (query, back) in [
        ("set=fr&back=//evil.example/", "/"),
        ("set=fr&back=https://evil.example/", "/"),
        ("set=fr&back=/%5Cevil.example", "/"),
        ("set=xx&back=/privacy", "/privacy"),
    ] {
        let response = get_with(&app, &format!("/language?{query}"), &[]).await;
        assert_eq!(response.status(), 303, "{query}");
        assert_eq!(location(&response), back, "{query}");
        if query.starts_with("set=xx") {
            assert!(response.headers().get("set-cookie").is_none());
        }
    }
    // A cookie naming no offered language is ignored.
    let page = text_with(
        &app,
        "/",
        &[("cookie", "lang=en-XA"), ("accept-language", "fr")],
    )
    .await;
    assert!(page.contains("<html lang=\"fr\""));
    app.stop().await;
}

#[tokio::test]
async fn the_cached_letter_page_is_kept_per_language() {
    let app = TestApp::spawn().await;
    let letter = format!("/letters/{LETTER}");
    for _ in 0..2 {
        let en = text_with(&app, &letter, &[("accept-language", "en")]).await;
        let fr = text_with(&app, &letter, &[("accept-language", "fr")]).await;
        assert!(en.contains("Sign this letter") && !en.contains("Signer cette lettre"));
        assert!(fr.contains("Signer cette lettre") && !fr.contains("Sign this letter"));
    }
    app.stop().await;
}

/// The words of a page a reader sees, without tags, scripts, `<code>` (a request id) and
/// the text of elements marked as another language (the letter's own text, the
/// languages' names).
fn visible_words(html: &str, page_lang: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut skip_depth: Option<usize> = None;
    let mut depth = 0usize;
    let mut rest = html;
    let void = ["meta", "link", "input", "br", "hr", "img"];
    while let Some(open) = rest.find('<') {
        if skip_depth.is_none() {
            words.extend(
                rest[..open]
                    .split(|c: char| !c.is_ascii_alphabetic())
                    .filter(|w| w.len() > 1)
                    .map(str::to_owned),
            );
        }
        let close = open + rest[open..].find('>').unwrap();
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with('!') || void.contains(&name.as_str()) {
            continue;
        }
        if tag.starts_with('/') {
            depth -= 1;
            if skip_depth == Some(depth) {
                skip_depth = None;
            }
            continue;
        }
        let other_lang = tag
            .split("lang=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .is_some_and(|l| l != page_lang);
        // A country's name is data (in English, from `domain::Country`), unlike the
        // select's placeholder option.
        let country = name == "option" && !tag.contains("value=\"\"");
        if skip_depth.is_none()
            && (other_lang || country || name == "script" || name == "code")
            && name != "html"
        {
            skip_depth = Some(depth);
        }
        depth += 1;
    }
    words
}

#[tokio::test]
async fn pseudo_locales_show_no_word_outside_the_bundles_and_mark_right_to_left() {
    let app = TestApp::spawn_with(|s| s.pseudo_locales = true).await;
    let pages = [
        format!("/letters/{LETTER}"),
        "/privacy".into(),
        "/my-data".into(),
        "/no-such-page".into(),
        "/confirm/not-a-token".into(),
        format!("/letters/{LETTER}/check-inbox"),
        format!("/letters/{LETTER}/versions"),
    ];
    for tag in ["en-XA", "ar-XB"] {
        let cookie = format!("lang={tag}");
        let dir = if tag == "ar-XB" { "rtl" } else { "ltr" };
        for path in &pages {
            let response = get_with(&app, path, &[("cookie", &cookie)]).await;
            let page = response.text().await.unwrap();
            assert!(
                page.starts_with(&format!(
                    "<!DOCTYPE html><html lang=\"{tag}\" dir=\"{dir}\">"
                )),
                "{path}: {page}"
            );
            // The site's name and the test letter's data are not interface words.
            let data = "undersigned Free the prisoners of conscience A test letter European Council Commission";
            let left: Vec<String> = visible_words(&page, tag)
                .into_iter()
                .filter(|w| !data.split(' ').any(|d| d == w))
                .collect();
            assert!(left.is_empty(), "{tag} {path}: {left:?}\n{page}");
        }
    }
    // The letter's text keeps its own language and direction inside an RTL page.
    let page = text_with(
        &app,
        &format!("/letters/{LETTER}"),
        &[("cookie", "lang=ar-XB")],
    )
    .await;
    assert!(page.contains("<h1 lang=\"en\">Free the prisoners of conscience</h1>"));
    app.stop().await;
}

#[tokio::test]
async fn pseudo_locales_are_refused_unless_the_setting_offers_them() {
    let app = TestApp::spawn().await;
    let page = text_with(&app, "/", &[("cookie", "lang=ar-XB")]).await;
    assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"));
    let switched = get_with(&app, "/language?set=ar-XB&back=/", &[]).await;
    assert!(switched.headers().get("set-cookie").is_none());
    app.stop().await;
}

#[tokio::test]
async fn emails_are_written_in_the_language_the_signer_used() {
    let app = TestApp::spawn().await;
    let fr = sign_with(
        &app,
        &individual("Camille Martin", "camille@example.org"),
        &[("cookie", "lang=fr")],
    )
    .await;
    assert_eq!(fr.status(), 303);
    let en = sign_with(
        &app,
        &individual("Ada Lovelace", "ada@example.org"),
        &[("accept-language", "en-GB")],
    )
    .await;
    assert_eq!(en.status(), 303);
    assert_eq!(
        signature_of(&app, "camille@example.org").await.language,
        "fr"
    );
    assert_eq!(signature_of(&app, "ada@example.org").await.language, "en");

    assert_eq!(app.drain_outbox().await, 2);
    app.wait_for_mail(2).await;
    let french = &app.mail_to("camille@example.org")[0];
    assert_eq!(
        french.subject(),
        "Confirmez votre signature\u{a0}: Free the prisoners of conscience"
    );
    let text = french.text_body();
    assert!(text.starts_with("Bonjour,"), "{text}");
    assert!(text.contains("retirer votre signature"), "{text}");
    assert!(
        french
            .html_body()
            .contains("<html lang=\"fr\" dir=\"ltr\">")
    );
    let english = &app.mail_to("ada@example.org")[0];
    assert_eq!(
        english.subject(),
        "Confirm your signature: Free the prisoners of conscience"
    );

    // Signing again in another language: the "already signed" email follows the language
    // the signature was made in.
    let path = TestApp::confirmation_path(french);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    app.clock.advance(chrono::Duration::hours(25));
    let again = sign_with(
        &app,
        &individual("Camille Martin", "camille@example.org"),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(again.status(), 303);
    app.drain_outbox().await;
    app.wait_for_mail(3).await;
    let repeat = &app.mail_to("camille@example.org")[1];
    assert!(
        repeat.subject().starts_with("Vous avez déjà signé"),
        "{}",
        repeat.subject()
    );

    // The answer to a data request is written in the language the person last signed in.
    let asked = app
        .client
        .post(app.url("/my-data"))
        .header("accept-language", "en")
        .form(&[("email", "camille@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    app.drain_outbox().await;
    app.wait_for_mail(4).await;
    let data = &app.mail_to("camille@example.org")[2];
    assert_eq!(data.subject(), "Vos données sur undersigned");
    assert!(
        data.text_body()
            .contains("Signature 1 sur «\u{a0}Free the prisoners of conscience\u{a0}»"),
        "{}",
        data.text_body()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_translated_letter_is_shown_with_its_original_and_the_signature_records_it() {
    let app = TestApp::spawn().await;
    let mut staff = admin(&app).await;
    let screen = staff.get(&app, "/staff/letters/1/translations").await;
    assert_eq!(screen.status(), 200);
    let screen = screen.text().await.unwrap();
    // English is the letter's own language: only French can be written.
    assert!(screen.contains("name=\"language\" value=\"fr\""));
    assert!(!screen.contains("name=\"language\" value=\"en\""));
    let csrf = csrf_of(&screen);

    // A translation without its text comes back with the problem, nothing saved.
    let refused = staff
        .post(
            &app,
            "/staff/letters/1/translations",
            &[
                ("csrf", &csrf),
                ("language", "fr"),
                ("title", ""),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    // Nor into the letter's own language.
    let own = staff
        .post(
            &app,
            "/staff/letters/1/translations",
            &[
                ("csrf", &csrf),
                ("language", "en"),
                ("title", "x"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(own.status(), 400);

    let saved = staff
        .post(
            &app,
            "/staff/letters/1/translations",
            &[
                ("csrf", &csrf),
                ("language", "fr"),
                ("title", "Libérez les prisonniers d’opinion"),
                ("summary", "Une lettre de test."),
                ("body", "Nous vous demandons d’**agir**."),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    assert_eq!(location(&saved), "/staff/letters/1/translations?done=saved");

    let letter = format!("/letters/{LETTER}");
    let page = text_with(&app, &letter, &[("accept-language", "fr")]).await;
    assert!(
        page.contains("<h1 lang=\"fr\">Libérez les prisonniers d’opinion</h1>"),
        "{page}"
    );
    assert!(page.contains("Nous vous demandons d’<strong>agir</strong>."));
    assert!(page.contains(
        "Vous lisez une traduction. Le texte original, en anglais, est la version qui fait foi."
    ));
    assert!(page.contains(&format!(
        "href=\"/letters/{LETTER}?text=original\" hreflang=\"en\""
    )));
    assert!(page.contains("name=\"text_language\" value=\"fr\""));
    // The original, on request, in a French page.
    let original = text_with(
        &app,
        &format!("{letter}?text=original"),
        &[("accept-language", "fr")],
    )
    .await;
    assert!(original.contains("<h1 lang=\"en\">Free the prisoners of conscience</h1>"));
    assert!(!original.contains("text_language"));
    // English readers see the original.
    let english = text_with(&app, &letter, &[("accept-language", "en")]).await;
    assert!(english.contains("<h1 lang=\"en\">Free the prisoners of conscience</h1>"));

    // A signature from the French page records both languages; its email names the
    // letter as the signer read it.
    let fields = with(
        individual("Camille Martin", "camille@example.org"),
        "text_language",
        "fr",
    );
    assert_eq!(
        sign_with(&app, &fields, &[("cookie", "lang=fr")])
            .await
            .status(),
        303
    );
    let recorded = signature_of(&app, "camille@example.org").await;
    assert_eq!(recorded.language, "fr");
    assert_eq!(recorded.text_language.as_deref(), Some("fr"));
    // A claimed translation that does not exist was not shown.
    let fields = with(
        individual("Ada Lovelace", "ada@example.org"),
        "text_language",
        "de",
    );
    assert_eq!(sign_with(&app, &fields, &[]).await.status(), 303);
    let recorded = signature_of(&app, "ada@example.org").await;
    assert_eq!(
        (recorded.language.as_str(), recorded.text_language),
        ("en", None)
    );

    app.drain_outbox().await;
    app.wait_for_mail(2).await;
    let mail = &app.mail_to("camille@example.org")[0];
    assert_eq!(
        mail.subject(),
        "Confirmez votre signature\u{a0}: Libérez les prisonniers d’opinion"
    );

    // Removing the translation brings the original back at once.
    let removed = staff
        .post(
            &app,
            "/staff/letters/1/translations/delete",
            &[("csrf", &csrf), ("language", "fr")],
        )
        .await;
    assert_eq!(removed.status(), 303);
    let page = text_with(&app, &letter, &[("accept-language", "fr")]).await;
    assert!(page.contains("<h1 lang=\"en\">Free the prisoners of conscience</h1>"));
    assert!(!page.contains("Vous lisez une traduction"));
    app.stop().await;
}

#[tokio::test]
async fn form_problems_are_written_in_the_page_language() {
    let app = TestApp::spawn().await;
    let fields = with(individual("Camille Martin", "not an address"), "name", "");
    let refused = sign_with(&app, &fields, &[("accept-language", "fr")]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("<html lang=\"fr\""));
    assert!(page.contains("Saisissez votre nom"), "{page}");
    assert!(page.contains("Saisissez une adresse e-mail sous la forme nom@example.org"));
    assert!(page.contains("Votre signature comporte une erreur"));
    // The same form from an English browser: the domain's own words.
    let refused = sign_with(&app, &fields, &[("accept-language", "en")]).await;
    let page = refused.text().await.unwrap();
    assert!(page.contains("Enter your name"));
    // A new-link request with a bad address, in French.
    let resend = app
        .client
        .post(app.url("/confirm/resend"))
        .header("accept-language", "fr")
        .form(&[("email", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(resend.status(), 422);
    assert!(
        resend
            .text()
            .await
            .unwrap()
            .contains("Saisissez une adresse e-mail")
    );
    app.stop().await;
}
