//! Screening at the sign form: the honeypot, the signed render time, the name rules,
//! no signer text in emails to unconfirmed addresses, the disposable-domain list and its
//! reloads, and the operators' block and allow lists (with their audit entries).

use chrono::Duration;
use sea_orm::EntityTrait;
use undersigned::abuse::screen::{DISPOSABLE, DOMAIN_BLOCKED, FORM_EXPIRED, TOO_FAST};
use undersigned::entities::signature;

use crate::support::staff::{Browser, actions, admin, csrf_of};
use crate::support::{Fields, LETTER, TestApp, individual, organisation, stamp, with};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn signatures(app: &TestApp) -> Vec<signature::Model> {
    signature::Entity::find().all(&app.db).await.unwrap()
}

/// The letter id of the harness letter.
async fn letter_id(app: &TestApp) -> i64 {
    undersigned::store::letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Signs with `fields` and expects the form back (422) with `message` on the page.
async fn refused(app: &TestApp, fields: &Fields, message: &str) -> String {
    let response = app.sign(fields).await;
    assert_eq!(response.status(), 422, "{fields:?}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&escape(message)),
        "`{message}` not on the page for {fields:?}"
    );
    page
}

/// The message shown beside the field with id `id` (e.g. `ind-name`).
fn field_message(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}-error\""))
        .unwrap_or_else(|| panic!("no message beside {id}"));
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</p>").unwrap();
    let message = &rest[open..close];
    message
        .strip_prefix("<span class=\"visually-hidden\">Error: </span>")
        .unwrap_or(message)
        .to_string()
}

#[tokio::test]
async fn a_filled_honeypot_is_answered_like_a_success_and_nothing_is_recorded() {
    let app = TestApp::spawn().await;
    let response = app
        .sign(&with(
            individual("Robo Signer", "robot@example.org"),
            "homepage",
            "https://spam.example",
        ))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/letters/{LETTER}/check-inbox").as_str()
    );
    assert!(signatures(&app).await.is_empty());
    assert_eq!(app.drain_outbox().await, 0);
    // The same form with the honeypot left empty signs.
    let person = with(
        individual("Real Person", "person@example.org"),
        "homepage",
        "",
    );
    assert_eq!(app.sign(&person).await.status(), 303);
    assert_eq!(signatures(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_form_sent_sooner_than_the_minimum_time_is_shown_again_until_the_reader_took_a_moment() {
    let app = TestApp::spawn().await;
    // The stamp the page gives now, as a browser would read it.
    let page = app.letter_page().await;
    let at = page.find("name=\"form_stamp\" value=\"").unwrap() + 25;
    let fresh = page[at..at + page[at..].find('"').unwrap()].to_string();
    assert_eq!(fresh, stamp(letter_id(&app).await, app.clock.now()));

    let fields = with(
        individual("Quick Reader", "quick@example.org"),
        "form_stamp",
        &fresh,
    );
    app.clock.advance(Duration::seconds(2));
    let page = refused(&app, &fields, TOO_FAST).await;
    // The input is kept, and the form carries a new stamp.
    assert!(page.contains("value=\"Quick Reader\""));
    assert!(page.contains("value=\"quick@example.org\""));
    assert!(signatures(&app).await.is_empty());

    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.sign(&fields).await.status(), 303);
    assert_eq!(signatures(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_old_forged_missing_or_foreign_stamp_is_refused_with_the_form_again() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let now = app.clock.now();
    let person = |stamp_value: &str| {
        with(
            individual("Ada Lovelace", "ada@example.org"),
            "form_stamp",
            stamp_value,
        )
    };
    // A day old is still fine; a day and a second is not.
    assert_eq!(
        app.sign(&person(&stamp(id, now - Duration::hours(24))))
            .await
            .status(),
        303
    );
    let old = stamp(id, now - Duration::hours(24) - Duration::seconds(1));
    refused(&app, &person(&old), FORM_EXPIRED).await;
    // Backdated by hand: the tag no longer fits the time.
    let good = stamp(id, now - Duration::minutes(5));
    let (_, tag) = good.split_once('.').unwrap();
    let backdated = format!("{}.{tag}", (now - Duration::minutes(10)).timestamp());
    refused(&app, &person(&backdated), FORM_EXPIRED).await;
    // Another letter's stamp, another key's stamp, nothing at all.
    refused(
        &app,
        &person(&stamp(id + 1, now - Duration::minutes(5))),
        FORM_EXPIRED,
    )
    .await;
    let other_key =
        undersigned::abuse::FormStamps::new(b"another secret").mint(id, now - Duration::minutes(5));
    refused(&app, &person(&other_key), FORM_EXPIRED).await;
    let mut missing = individual("Ada Lovelace", "ada2@example.org");
    missing.retain(|(k, _)| *k != "form_stamp");
    refused(&app, &missing, FORM_EXPIRED).await;
    assert_eq!(signatures(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn names_with_links_addresses_numbers_formulas_or_nothing_visible_are_refused_beside_the_field()
 {
    let app = TestApp::spawn().await;
    let refused_names = [
        "Your account is suspended, restore it at https://bank.example/login",
        "Visit www.prizes.example",
        "Ada example.com",
        "write to claims@bank.example",
        "Call +44 20 7946 0958",
        "Ada \u{202E}ecalevoL",
        "\u{200B}\u{200B}",
        "\u{3164}",
        "\u{115F}\u{200B}",
        "=HYPERLINK(\"https://x.example\")",
        "+Ada",
        "-Ada",
        "@Ada",
    ];
    for (i, name) in refused_names.iter().enumerate() {
        let email = format!("refused{i}@example.org");
        let response = app.sign(&individual(name, &email)).await;
        assert_eq!(response.status(), 422, "{name:?}");
        let page = response.text().await.unwrap();
        let message = field_message(&page, "ind-name");
        assert!(
            message.starts_with("Remove")
                || message.starts_with("Enter")
                || message.starts_with("Start"),
            "{name:?}: {message}"
        );
        // As an organisation's name, and as a role, the same.
        let org = organisation(name, "Bea Contact", &format!("org{i}@example.org"));
        let page = app.sign(&org).await.text().await.unwrap();
        field_message(&page, "org-organisation-name");
        let role = with(
            organisation(
                "Rights Watch",
                "Bea Contact",
                &format!("role{i}@example.org"),
            ),
            "role",
            name,
        );
        let response = app.sign(&role).await;
        assert_eq!(response.status(), 422, "role {name:?}");
        field_message(&response.text().await.unwrap(), "org-role");
    }
    assert!(signatures(&app).await.is_empty());

    let real_names = [
        "Jean-Luc Picard",
        "O'Brien",
        "Ng",
        "J.R.R. Tolkien",
        "محمد عبد الله",
        "王小明",
        "Nguyễn Thị Minh Khai",
    ];
    for (i, name) in real_names.iter().enumerate() {
        let response = app
            .sign(&individual(name, &format!("real{i}@example.org")))
            .await;
        assert_eq!(response.status(), 303, "{name:?}");
    }
    let org = organisation(
        "Amnesty International – EU Office",
        "Eve Officer",
        "eu@amnesty.example.org",
    );
    assert_eq!(app.sign(&org).await.status(), 303);
    assert_eq!(signatures(&app).await.len(), real_names.len() + 1);
    app.stop().await;
}

#[tokio::test]
async fn no_text_a_signer_typed_reaches_the_smtp_server_before_the_address_is_confirmed() {
    let app = TestApp::spawn().await;
    // Phishing that keeps to the name rules still never reaches the victim's inbox.
    let name = "Account Suspended Call Support Now";
    let org = "Security Team Verify Your Bank Account";
    let role = "Your Password Expires Today";
    let victim = "victim@example.org";
    assert_eq!(app.sign(&individual(name, victim)).await.status(), 303);
    let as_org = with(organisation(org, name, victim), "role", role);
    assert_eq!(app.sign(&as_org).await.status(), 303);
    // A second try with the same address: the "already signed" email.
    assert_eq!(app.sign(&individual(name, victim)).await.status(), 303);
    app.drain_outbox().await;
    let mail = app.wait_for_mail(2).await;
    assert!(mail.len() >= 2);
    for message in app.smtp().messages() {
        let raw = String::from_utf8_lossy(&message.data).to_lowercase();
        for typed in [name, org, role] {
            assert!(
                !raw.contains(&typed.to_lowercase()),
                "`{typed}` reached the SMTP server in:\n{raw}"
            );
        }
        // Nothing but the address in To:, no display name.
        assert_eq!(message.header("To").unwrap().trim(), victim);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_disposable_domain_is_refused_and_the_list_is_read_again_by_the_button_and_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("disposable.conf");
    std::fs::write(&file, "# test list\nthrowaway.example\n").unwrap();
    let path = file.clone();
    let app = TestApp::spawn_with(move |s| s.disposable_domains_file = Some(path)).await;

    // The domain and its subdomains are refused beside the email field.
    for email in ["a@throwaway.example", "b@eu.throwaway.example"] {
        let page = refused(&app, &individual("Ada Lovelace", email), DISPOSABLE).await;
        assert_eq!(field_message(&page, "ind-email"), escape(DISPOSABLE));
        assert!(page.contains(&format!("value=\"{email}\"")));
    }
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "a@burner.example"))
            .await
            .status(),
        303
    );

    // The operator replaces the file and presses the button.
    std::fs::write(&file, "burner.example\n").unwrap();
    let mut admin = admin(&app).await;
    let csrf = admin.csrf(&app).await;
    let reloaded = admin
        .post(&app, "/staff/lists/reload", &[("csrf", &csrf)])
        .await;
    assert_eq!(reloaded.status(), 200);
    let page = reloaded.text().await.unwrap();
    assert!(
        page.contains("Reloaded the disposable-domain list: 1 domains."),
        "{page}"
    );
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "c@throwaway.example"))
            .await
            .status(),
        303
    );
    refused(&app, &individual("Bea", "d@burner.example"), DISPOSABLE).await;
    let reload = actions(&app)
        .await
        .into_iter()
        .find(|a| a.action == "disposable_domains_reloaded")
        .expect("the reload in the audit log");
    assert_eq!(
        reload.actor_email.as_deref(),
        Some(crate::support::staff::ADMIN)
    );
    assert!(reload.detail.unwrap().contains("\"domains\":1"));
    assert_eq!(reload.client_ip.as_deref(), Some("127.0.0.1"));

    // And once more through SIGHUP, sent to this process (the app's handler reloads).
    std::fs::write(&file, "throwaway.example\n").unwrap();
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // The handler runs on the app's runtime: wait for it in real time (a few ms).
    let mut reloaded = false;
    for i in 0..100 {
        let email = format!("e{i}@throwaway.example");
        if app.sign(&individual("Cy", &email)).await.status() == 422 {
            reloaded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reloaded, "SIGHUP reloaded the list");
    app.stop().await;
}

/// Adds a rule on `/staff/lists` and returns the response.
async fn add_rule(
    app: &TestApp,
    admin: &mut Browser,
    list: &str,
    kind: &str,
    pattern: &str,
) -> reqwest::Response {
    let csrf = admin.csrf(app).await;
    admin
        .post(
            app,
            "/staff/lists",
            &[
                ("csrf", &csrf),
                ("list", list),
                ("kind", kind),
                ("pattern", pattern),
                ("note", "from the test"),
            ],
        )
        .await
}

#[tokio::test]
async fn blocked_and_allowed_domains_with_wildcards_and_address_ranges_apply_at_once_and_are_audited()
 {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;

    // Bad patterns are refused beside the field, the input kept.
    for bad in ["not a domain", "*.com", "300.1.1.1/8"] {
        let kind = if bad.contains('/') {
            "network"
        } else {
            "domain"
        };
        let response = add_rule(&app, &mut admin, "block", kind, bad).await;
        assert_eq!(response.status(), 422, "{bad}");
        let page = response.text().await.unwrap();
        assert!(page.contains("id=\"rule-pattern-error\""), "{page}");
        assert!(page.contains(&format!("value=\"{}\"", escape(bad))));
    }

    // A wildcard blocks the subdomains, not the domain itself.
    assert_eq!(
        add_rule(&app, &mut admin, "block", "domain", "*.Spam.Example")
            .await
            .status(),
        200
    );
    let page = refused(
        &app,
        &individual("Ada Lovelace", "a@mx.spam.example"),
        DOMAIN_BLOCKED,
    )
    .await;
    assert_eq!(field_message(&page, "ind-email"), escape(DOMAIN_BLOCKED));
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "a@spam.example"))
            .await
            .status(),
        303
    );
    // An exact domain; then allowing a disposable domain lets it through.
    add_rule(&app, &mut admin, "block", "domain", "bad.example").await;
    refused(&app, &individual("Bea", "b@bad.example"), DOMAIN_BLOCKED).await;
    refused(&app, &individual("Bea", "b@mailinator.com"), DISPOSABLE).await;
    add_rule(&app, &mut admin, "allow", "domain", "mailinator.com").await;
    assert_eq!(
        app.sign(&individual("Bea", "b@mailinator.com"))
            .await
            .status(),
        303
    );
    // The same pattern cannot be on both lists.
    let twice = add_rule(&app, &mut admin, "allow", "domain", "bad.example").await;
    assert_eq!(twice.status(), 422);

    // Blocking the test client's range: a 403 page, nothing recorded.
    let before = signatures(&app).await.len();
    add_rule(&app, &mut admin, "block", "network", "127.0.0.0/8").await;
    let blocked = app.sign(&individual("Cy", "cy@example.org")).await;
    assert_eq!(blocked.status(), 403);
    assert!(
        blocked
            .text()
            .await
            .unwrap()
            .contains("Signing is not possible from your network")
    );
    assert_eq!(signatures(&app).await.len(), before);
    // Allowing one address of it beats the block (and the domain lists).
    add_rule(&app, &mut admin, "allow", "network", "127.0.0.1").await;
    assert_eq!(
        app.sign(&individual("Cy", "cy@bad.example")).await.status(),
        303
    );

    // The page lists the rules; removing the allow brings the block back.
    let page = admin.get(&app, "/staff/lists").await.text().await.unwrap();
    for pattern in [
        "*.spam.example",
        "bad.example",
        "mailinator.com",
        "127.0.0.0/8",
        "127.0.0.1/32",
    ] {
        assert!(
            page.contains(&format!("<code>{pattern}</code>")),
            "{pattern}"
        );
    }
    let rule = undersigned::abuse::lists::rules(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.pattern == "127.0.0.1/32")
        .unwrap();
    let csrf = csrf_of(&page);
    let removed = admin
        .post(
            &app,
            "/staff/lists/remove",
            &[("csrf", &csrf), ("id", &rule.id.to_string())],
        )
        .await;
    assert_eq!(removed.status(), 200);
    assert_eq!(
        app.sign(&individual("Dee", "dee@example.org"))
            .await
            .status(),
        403
    );

    // Every change is in the audit log with who, what and from where.
    let log = actions(&app).await;
    let added: Vec<_> = log
        .iter()
        .filter(|a| a.action == "screening_rule_added")
        .map(|a| a.subject.clone().unwrap())
        .collect();
    assert_eq!(
        added,
        [
            "*.spam.example",
            "bad.example",
            "mailinator.com",
            "127.0.0.0/8",
            "127.0.0.1/32"
        ]
    );
    let removal = log
        .iter()
        .find(|a| a.action == "screening_rule_removed")
        .unwrap();
    assert_eq!(removal.subject.as_deref(), Some("127.0.0.1/32"));
    assert_eq!(removal.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        removal.actor_email.as_deref(),
        Some(crate::support::staff::ADMIN)
    );
    app.stop().await;
}

#[tokio::test]
async fn editors_cannot_see_or_change_the_lists() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let mut editor = crate::support::staff::editor(&app, &mut admin).await;
    assert_eq!(editor.get(&app, "/staff/lists").await.status(), 403);
    let csrf = editor.csrf(&app).await;
    let tried = editor
        .post(
            &app,
            "/staff/lists",
            &[
                ("csrf", &csrf),
                ("list", "block"),
                ("kind", "domain"),
                ("pattern", "x.example"),
            ],
        )
        .await;
    assert_eq!(tried.status(), 403);
    assert!(
        undersigned::abuse::lists::rules(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_rule_another_replica_added_applies_here_after_the_refresh_interval() {
    let app = TestApp::spawn_with(|s| {
        s.screening_lists_refresh = std::time::Duration::from_millis(200);
    })
    .await;
    assert_eq!(
        app.sign(&individual("Ada", "ada@elsewhere.example"))
            .await
            .status(),
        303
    );
    // Written straight to the shared database, as another replica's screen would.
    let rule = undersigned::abuse::lists::NewRule {
        list: undersigned::abuse::lists::ListKind::Block,
        kind: "domain",
        pattern: "elsewhere.example".into(),
        note: None,
    };
    undersigned::abuse::lists::add_rule(&app.db, &rule, None, app.clock.now())
        .await
        .unwrap()
        .unwrap();
    // The refresh interval is real time (each replica's own timer), not the test clock.
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    refused(
        &app,
        &individual("Bea", "bea@elsewhere.example"),
        DOMAIN_BLOCKED,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn without_a_form_secret_a_form_rendered_by_one_replica_is_taken_by_another() {
    let app = TestApp::spawn_with(|s| s.form_secret = None).await;
    let page = app.letter_page().await;
    const FIELD: &str = "name=\"form_stamp\" value=\"";
    let at = page.find(FIELD).expect("a stamped form") + FIELD.len();
    let rendered = page[at..].split('"').next().unwrap().to_owned();
    // Another replica over the same database, started after the first made its key.
    let other = app.spawn_sibling(|s| s.form_secret = None).await;
    app.clock.advance(Duration::seconds(30));
    let fields = with(
        individual("Ana Novak", "ana@example.org"),
        "form_stamp",
        &rendered,
    );
    assert_eq!(other.sign(&fields).await.status(), 303);
    assert_eq!(signatures(&app).await.len(), 1);
    other.stop().await;
    app.stop().await;
}
