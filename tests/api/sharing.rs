//! Sharing a letter: the embeddable widget (the one page other sites may frame), the
//! link-preview tags on the letter page, and the share image.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, Set};
use undersigned::entities::{LetterStatus, letter};
use undersigned::store::letters;

use crate::support::staff;
use crate::support::{BASE_URL, LETTER, TestApp, individual};

const PUBLIC_CACHE: &str = "public, max-age=0, s-maxage=10, stale-while-revalidate=60";

fn csp(response: &reqwest::Response) -> String {
    response.headers()["content-security-policy"]
        .to_str()
        .expect("an ASCII policy")
        .to_owned()
}

/// Signs and confirms one person, and rolls the counts up.
async fn signed_and_confirmed(app: &TestApp, name: &str, email: &str) {
    let before = app.smtp().messages().len();
    assert_eq!(app.sign(&individual(name, email)).await.status(), 303);
    app.drain_outbox().await;
    let mail = app.wait_for_mail(before + 1).await;
    let path = TestApp::confirmation_path(mail.last().expect("a confirmation email"));
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    app.roll_up().await;
}

async fn letter_model(app: &TestApp) -> letter::Model {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .expect("the test letter")
}

#[tokio::test]
async fn only_the_embed_page_may_be_framed_by_other_sites() {
    let app = TestApp::spawn().await;

    let embed = app.get(&format!("/letters/{LETTER}/embed")).await;
    assert_eq!(embed.status(), 200);
    let policy = csp(&embed);
    assert!(policy.contains("frame-ancestors *"), "{policy}");
    assert!(!policy.contains("frame-ancestors 'none'"), "{policy}");
    // Framable, but still nothing from elsewhere and no scripts at all.
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert_eq!(embed.headers()["cache-control"], PUBLIC_CACHE);
    assert!(embed.headers().contains_key("etag"));
    assert!(!embed.headers().contains_key("x-frame-options"));

    for path in [
        format!("/letters/{LETTER}"),
        "/".to_owned(),
        format!("/api/letters/{LETTER}"),
        format!("/letters/{LETTER}/share.png"),
        "/letters/no-such-letter/embed".to_owned(),
        "/staff".to_owned(),
    ] {
        let response = app.get(&path).await;
        let policy = csp(&response);
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_embed_page_shows_the_title_the_live_count_and_a_button_to_the_letter() {
    let app = TestApp::spawn().await;
    let html = app
        .get(&format!("/letters/{LETTER}/embed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Free the prisoners of conscience"), "{html}");
    assert!(html.contains("0 signatures"), "{html}");
    let letter_link =
        format!("href=\"{BASE_URL}/letters/{LETTER}\" target=\"_blank\" rel=\"noopener\"");
    assert!(html.contains(&letter_link), "{html}");
    assert!(html.contains("Read and sign the letter"));
    // No site header or footer inside someone else's page, no form.
    assert!(!html.contains("site-header") && !html.contains("<form"));

    signed_and_confirmed(&app, "Ada Lovelace", "ada@example.org").await;
    let html = app
        .get(&format!("/letters/{LETTER}/embed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 signature"), "{html}");
    assert!(html.contains("of 1,000"), "the goal: {html}");

    // A closed letter still shows, without the invitation to sign.
    let mut closed: letter::ActiveModel = letter_model(&app).await.into();
    closed.status = Set(LetterStatus::Closed);
    closed.update(&app.db).await.unwrap();
    let html = app
        .get(&format!("/letters/{LETTER}/embed"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Read the letter") && !html.contains("Read and sign"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn drafts_and_unknown_letters_have_no_embed_and_no_share_image() {
    let app = TestApp::spawn().await;
    let mut draft: letter::ActiveModel = letter_model(&app).await.into();
    draft.status = Set(LetterStatus::Draft);
    draft.update(&app.db).await.unwrap();
    for path in [
        format!("/letters/{LETTER}/embed"),
        format!("/letters/{LETTER}/share.png"),
        "/letters/no-such-letter/embed".to_owned(),
        "/letters/no-such-letter/share.png".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    app.stop().await;
}

/// The content of the `<meta>` tag with this `property` or `name`.
fn meta(html: &str, key: &str) -> Option<String> {
    let at = html
        .find(&format!("property=\"{key}\" content=\""))
        .or_else(|| html.find(&format!("name=\"{key}\" content=\"")))?;
    let rest = &html[at..];
    let start = rest.find("content=\"")? + "content=\"".len();
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

#[tokio::test]
async fn the_letter_page_carries_open_graph_and_twitter_card_tags() {
    let app = TestApp::spawn().await;
    let page = app.letter_page().await;
    let head = &page[..page.find("</head>").expect("a head")];
    let url = format!("{BASE_URL}/letters/{LETTER}");
    let image = format!("{url}/share.png");
    assert_eq!(
        meta(head, "og:title").as_deref(),
        Some("Free the prisoners of conscience")
    );
    assert_eq!(
        meta(head, "og:description").as_deref(),
        Some("A test letter.")
    );
    assert_eq!(meta(head, "og:url").as_deref(), Some(url.as_str()));
    assert_eq!(meta(head, "og:image").as_deref(), Some(image.as_str()));
    assert_eq!(meta(head, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(head, "og:image:height").as_deref(), Some("630"));
    assert_eq!(meta(head, "og:type").as_deref(), Some("website"));
    assert_eq!(
        meta(head, "twitter:card").as_deref(),
        Some("summary_large_image")
    );
    assert_eq!(
        meta(head, "twitter:title").as_deref(),
        Some("Free the prisoners of conscience")
    );
    assert_eq!(
        meta(head, "twitter:description").as_deref(),
        Some("A test letter.")
    );
    assert_eq!(meta(head, "twitter:image").as_deref(), Some(image.as_str()));
    assert!(
        head.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")),
        "{head}"
    );

    // The image the tags name is there.
    let png = app.get(&format!("/letters/{LETTER}/share.png")).await;
    assert_eq!(png.status(), 200);
    app.stop().await;
}

/// The width and height in a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (word(16), word(20))
}

async fn share_png(app: &TestApp) -> (String, Vec<u8>) {
    let response = app.get(&format!("/letters/{LETTER}/share.png")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["cache-control"], PUBLIC_CACHE);
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    (etag, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_share_image_is_a_1200_by_630_png_drawn_again_when_the_count_is_a_minute_old() {
    let app = TestApp::spawn().await;
    let (etag, png) = share_png(&app).await;
    assert_eq!(png_size(&png), (1200, 630));

    // Revalidation costs nothing.
    let again = app
        .client
        .get(app.url(&format!("/letters/{LETTER}/share.png")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // A new signature within the minute: the kept image is served.
    signed_and_confirmed(&app, "Ada Lovelace", "ada@example.org").await;
    let (same, _) = share_png(&app).await;
    assert_eq!(
        same, etag,
        "the image is not drawn again for every signature"
    );

    // A minute on, the image shows the new count.
    app.clock.advance(Duration::seconds(61));
    let (recounted, png) = share_png(&app).await;
    assert_ne!(recounted, etag);
    assert_eq!(png_size(&png), (1200, 630));

    // A new title is drawn at once.
    let mut renamed: letter::ActiveModel = letter_model(&app).await.into();
    renamed.title = Set("Release them now".to_owned());
    renamed.update(&app.db).await.unwrap();
    let (retitled, _) = share_png(&app).await;
    assert_ne!(retitled, recounted);
    app.stop().await;
}

#[tokio::test]
async fn the_staff_letter_screen_offers_the_embed_snippet() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let id = letter_model(&app).await.id;
    let page = admin
        .get(&app, &format!("/staff/letters/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let snippet = format!(
        "&lt;iframe src=&quot;{BASE_URL}/letters/{LETTER}/embed&quot; title=&quot;Free the prisoners of conscience&quot;"
    );
    assert!(page.contains(&snippet), "{page}");
    assert!(page.contains("Embed on another site"));
    app.stop().await;
}
