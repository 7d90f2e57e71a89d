//! Staff accounts and sessions over HTTP: the first-admin link, sign-in and sign-out,
//! session expiry with the clock, limits, roles, CSRF, disabling, the password policy
//! and the audit log; and the library functions behind the `staff` command.

use chrono::Duration;
use sea_orm::{ConnectionTrait, DatabaseBackend};
use undersigned::auth::accounts::{self, AccountError, By};
use undersigned::entities::StaffRole;

use crate::support::staff::*;
use crate::support::{BASE_URL, TestApp};

#[tokio::test]
async fn the_first_admin_link_works_once() {
    let app = TestApp::spawn().await;
    let path = first_admin_link(&app).await;
    let form = app.get(&path).await;
    assert_eq!(form.status(), 200);
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("Create the first admin account")
    );
    let mut browser = Browser::default();
    let done = browser
        .post(
            &app,
            &path,
            &[
                ("email", " Admin@Example.org "),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let home = browser.get(&app, "/staff").await;
    assert_eq!(home.status(), 200);
    assert!(
        home.text().await.unwrap().contains(ADMIN),
        "the email is stored lower case"
    );
    // Used: it opens nothing any more, and no new first-admin link is made.
    assert_eq!(app.get(&path).await.status(), 404);
    let again = Browser::default()
        .post(
            &app,
            &path,
            &[("email", "other@example.org"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), 404);
    let base = app.settings.base_url.clone();
    assert!(
        accounts::first_admin_link(&app.db, &base, app.clock.now())
            .await
            .unwrap()
            .is_none()
    );
    app.stop().await;
}

#[tokio::test]
async fn the_first_admin_link_expires_after_24_hours_and_only_the_newest_works() {
    let app = TestApp::spawn().await;
    let older = first_admin_link(&app).await;
    let path = first_admin_link(&app).await;
    assert_eq!(
        app.get(&older).await.status(),
        404,
        "a restart's new link replaces the old"
    );
    app.clock.advance(Duration::hours(23));
    assert_eq!(app.get(&path).await.status(), 200);
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.get(&path).await.status(), 410);
    let late = Browser::default()
        .post(
            &app,
            &path,
            &[("email", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(late.status(), 410);
    assert!(accounts::list(&app.db).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_page_without_a_session_redirects_to_sign_in_and_back() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let mut browser = Browser::default();
    let bounced = browser.get(&app, "/staff/audit?action=sign_in").await;
    assert_eq!(bounced.status(), 303);
    assert_eq!(
        location(&bounced),
        "/staff/sign-in?next=%2Fstaff%2Faudit%3Faction%3Dsign_in"
    );
    let form = browser.get(&app, &location(&bounced)).await;
    assert!(
        form.text()
            .await
            .unwrap()
            .contains("value=\"/staff/audit?action=sign_in\"")
    );
    let signed_in = browser
        .post(
            &app,
            "/staff/sign-in",
            &[
                ("email", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "/staff/audit?action=sign_in"),
            ],
        )
        .await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(location(&signed_in), "/staff/audit?action=sign_in");
    // Only local paths: another site is never the destination.
    let mut other = Browser::default();
    let signed_in = other
        .post(
            &app,
            "/staff/sign-in",
            &[
                ("email", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&signed_in), "/staff");
    app.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_host_only_secure_httponly_and_lax() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let response = Browser::default()
        .sign_in(&app, ADMIN, ADMIN_PASSWORD)
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-undersigned-staff="), "{cookie}");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    app.stop().await;
}

#[tokio::test]
async fn with_an_http_base_url_the_cookie_has_no_host_prefix_and_no_secure_flag() {
    // As for the browser tests: the app on a known port, its base_url plain http there.
    let port = crate::browser::free_port();
    let app = TestApp::spawn_with(move |s| {
        s.bind = format!("127.0.0.1:{port}").parse().expect("an address");
        s.base_url = format!("http://127.0.0.1:{port}").parse().expect("a URL");
    })
    .await;
    let link = accounts::first_admin_link(&app.db, &app.settings.base_url, app.clock.now())
        .await
        .unwrap()
        .expect("a first-admin link");
    let path = url::Url::parse(&link).unwrap().path().to_owned();
    let mut browser = Browser::default();
    let made = browser
        .post(
            &app,
            &path,
            &[("email", ADMIN), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(made.status(), 303);
    let signed_in = Browser::default()
        .sign_in(&app, ADMIN, ADMIN_PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 303);
    for response in [&made, &signed_in] {
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("undersigned-staff="), "{cookie}");
        let attributes: Vec<&str> = cookie.split(';').skip(1).map(str::trim).collect();
        assert_eq!(
            attributes,
            ["Path=/", "HttpOnly", "SameSite=Lax"],
            "{cookie}"
        );
    }
    // The cookie under that name opens the workspace; signing out clears the same name.
    assert_eq!(browser.get(&app, "/staff").await.status(), 200);
    let csrf = browser.csrf(&app).await;
    let out = app
        .client
        .post(app.url("/staff/sign-out"))
        .header("cookie", browser.cookie.clone().unwrap())
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let cleared = out.headers()["set-cookie"].to_str().unwrap();
    assert_eq!(
        cleared,
        "undersigned-staff=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    );
    app.stop().await;
}

#[tokio::test]
async fn signing_in_makes_a_new_session_and_signing_out_ends_it() {
    let app = TestApp::spawn().await;
    let mut first = admin(&app).await;
    let mut browser = first.clone();
    let signed_in = browser.sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    assert_ne!(browser.cookie, first.cookie, "a new session id at sign-in");
    // Signing in again with a cookie replaces that session.
    assert_eq!(first.get(&app, "/staff").await.status(), 303);
    let kept = browser.cookie.clone();
    let csrf = browser.csrf(&app).await;
    let out = browser
        .post(&app, "/staff/sign-out", &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status(), 303);
    assert_eq!(browser.cookie, None, "the cookie is cleared");
    let mut old = Browser { cookie: kept };
    assert_eq!(
        old.get(&app, "/staff").await.status(),
        303,
        "the old cookie opens nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_session_ends_after_8_idle_hours() {
    let app = TestApp::spawn().await;
    let mut browser = admin(&app).await;
    for _ in 0..3 {
        app.clock
            .advance(Duration::hours(7) + Duration::minutes(59));
        assert_eq!(
            browser.get(&app, "/staff").await.status(),
            200,
            "use keeps it alive"
        );
    }
    app.clock.advance(Duration::hours(8));
    assert_eq!(browser.get(&app, "/staff").await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn the_sweep_deletes_expired_sessions_and_keeps_live_ones() {
    use undersigned::auth::sessions::{self, Timeouts};
    use undersigned::entities::staff_session;

    let app = TestApp::spawn().await;
    let _idle = admin(&app).await;
    app.clock.advance(Duration::hours(9));
    let mut live = Browser::default();
    assert_eq!(
        live.sign_in(&app, ADMIN, ADMIN_PASSWORD).await.status(),
        303
    );
    let timeouts = Timeouts::from_settings(&app.settings);
    let rows = || async {
        use sea_orm::{EntityTrait, PaginatorTrait};
        staff_session::Entity::find().count(&app.db).await.unwrap()
    };
    assert_eq!(rows().await, 2);
    let deleted = sessions::sweep_expired(&app.db, timeouts, app.clock.now())
        .await
        .unwrap();
    assert_eq!(deleted, 1, "only the session idle for 9 hours");
    assert_eq!(rows().await, 1);
    assert_eq!(live.get(&app, "/staff").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_session_ends_7_days_after_sign_in_however_busy() {
    let app = TestApp::spawn().await;
    let mut browser = admin(&app).await;
    for _ in 0..23 {
        app.clock.advance(Duration::hours(7));
        assert_eq!(browser.get(&app, "/staff").await.status(), 200);
    }
    app.clock.advance(Duration::hours(7));
    assert_eq!(browser.get(&app, "/staff").await.status(), 303);
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let wrong = Browser::default()
        .sign_in(&app, ADMIN, "not the password at all")
        .await;
    let unknown = Browser::default()
        .sign_in(&app, "nobody@example.org", "not the password at all")
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(unknown.status(), 422);
    assert!(wrong.headers().get("set-cookie").is_none());
    let wrong = wrong.text().await.unwrap().replace(ADMIN, "EMAIL");
    let unknown = unknown
        .text()
        .await
        .unwrap()
        .replace("nobody@example.org", "EMAIL");
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("The email or the password is not right."));
    app.stop().await;
}

/// How long a refused sign-in of `email` takes, from request to answer.
async fn timed_refusal(app: &TestApp, email: &str) -> std::time::Duration {
    let started = std::time::Instant::now();
    let response = Browser::default()
        .sign_in(app, email, "not the password at all")
        .await;
    let took = started.elapsed();
    assert_eq!(response.status(), 422);
    took
}

/// Median of some durations.
fn median(mut times: Vec<std::time::Duration>) -> std::time::Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn an_unknown_email_takes_about_as_long_as_a_wrong_password() {
    // A security check, not a speed measurement: if an unknown email were answered
    // without hashing (much faster than a known email with a wrong password), anyone
    // could learn which staff emails exist by timing sign-ins. Both paths verify one
    // argon2 hash (a dummy one for an unknown email), which dominates the answer; the
    // check only asks the medians to be within a factor of 3, with the two kinds
    // interleaved so a busy moment of the machine falls on both.
    let app = TestApp::spawn_with(|s| {
        s.staff_sign_in_per_minute = 1000;
        s.staff_sign_in_per_account_per_hour = 1000;
    })
    .await;
    admin(&app).await;
    // Once each untimed: the dummy hash is made on first use.
    timed_refusal(&app, "nobody@example.org").await;
    timed_refusal(&app, ADMIN).await;
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        unknown.push(timed_refusal(&app, "nobody@example.org").await);
        wrong.push(timed_refusal(&app, ADMIN).await);
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (1.0 / 3.0..=3.0).contains(&ratio),
        "median unknown email {unknown:?}, median wrong password {wrong:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn too_many_sign_ins_from_one_address_get_a_429() {
    let app = TestApp::spawn_with(|s| s.staff_sign_in_per_minute = 2).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let email = format!("guess{i}@example.org");
        let response = Browser::default()
            .sign_in(&app, &email, "guessing a password")
            .await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(statuses, [422, 422, 429]);
    app.stop().await;
}

#[tokio::test]
async fn too_many_sign_ins_for_one_account_get_a_429() {
    let app = TestApp::spawn_with(|s| s.staff_sign_in_per_account_per_hour = 2).await;
    admin(&app).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = Browser::default()
            .sign_in(&app, ADMIN, "guessing a password")
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 429]);
    // Even the right password waits now; another account does not.
    assert_eq!(
        Browser::default()
            .sign_in(&app, ADMIN, ADMIN_PASSWORD)
            .await
            .status(),
        429
    );
    assert_eq!(
        Browser::default()
            .sign_in(&app, EDITOR, "guessing a password")
            .await
            .status(),
        422
    );
    app.stop().await;
}

#[tokio::test]
async fn an_editor_gets_403_on_the_admin_screens() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let mut editor = editor(&app, &mut admin).await;
    let home = editor.get(&app, "/staff").await;
    assert_eq!(home.status(), 200);
    assert!(!home.text().await.unwrap().contains("/staff/accounts"));
    assert_eq!(editor.get(&app, "/staff/accounts").await.status(), 403);
    assert_eq!(editor.get(&app, "/staff/audit").await.status(), 403);
    let csrf = editor.csrf(&app).await;
    let add = editor
        .post(
            &app,
            "/staff/accounts",
            &[
                ("csrf", &csrf),
                ("email", "x@example.org"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(add.status(), 403);
    assert_eq!(accounts::list(&app.db).await.unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_staff_post_without_the_sessions_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let missing = admin
        .post(
            &app,
            "/staff/accounts",
            &[("email", EDITOR), ("role", "editor")],
        )
        .await;
    assert_eq!(missing.status(), 403);
    let wrong = admin
        .post(
            &app,
            "/staff/accounts",
            &[
                ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("email", EDITOR),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    assert!(wrong.text().await.unwrap().contains("no longer valid"));
    let out = admin.post(&app, "/staff/sign-out", &[]).await;
    assert_eq!(out.status(), 403);
    assert_eq!(accounts::list(&app.db).await.unwrap().len(), 1);
    assert_eq!(
        admin.get(&app, "/staff").await.status(),
        200,
        "still signed in"
    );
    // A cross-site POST is refused before any staff code runs, even with a valid token
    // and cookie (a browser would send the cookie with a top-level POST from elsewhere).
    let csrf = admin.csrf(&app).await;
    let cross_site = app
        .client
        .post(app.url("/staff/accounts"))
        .header("cookie", admin.cookie.clone().unwrap())
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", EDITOR),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let cross_site_sign_in = app
        .client
        .post(app.url("/staff/sign-in"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site_sign_in.status(), 403);
    assert_eq!(accounts::list(&app.db).await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn disabling_an_account_ends_its_session_at_once() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let mut editor = editor(&app, &mut admin).await;
    assert_eq!(editor.get(&app, "/staff").await.status(), 200);
    let csrf = admin.csrf(&app).await;
    let disabled = admin
        .post(
            &app,
            "/staff/accounts/disable",
            &[("csrf", &csrf), ("email", EDITOR)],
        )
        .await;
    assert_eq!(disabled.status(), 200);
    assert!(disabled.text().await.unwrap().contains("disabled"));
    assert_eq!(editor.get(&app, "/staff").await.status(), 303);
    assert_eq!(
        Browser::default()
            .sign_in(&app, EDITOR, EDITOR_PASSWORD)
            .await
            .status(),
        422,
        "a disabled account cannot sign in"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_password_policy_refuses_short_common_and_email_like_passwords() {
    let app = TestApp::spawn().await;
    let path = first_admin_link(&app).await;
    for (password, message) in [
        ("short pw", "at least 12 characters"),
        ("Password1234", "most common passwords"),
        ("QWERTYUIOP123", "most common passwords"),
        ("admin@example.org", "email address"),
        ("admin-admin-admin", "email address"),
    ] {
        let refused = Browser::default()
            .post(&app, &path, &[("email", ADMIN), ("password", password)])
            .await;
        assert_eq!(refused.status(), 422, "{password}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(message), "{password}: {page}");
        assert!(page.contains("field-error"), "beside the field");
    }
    let bad_email = Browser::default()
        .post(
            &app,
            &path,
            &[("email", "not an email"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(bad_email.status(), 422);
    // Refusals do not use the link up.
    assert_eq!(app.get(&path).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_the_policy() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let mut elsewhere = Browser::default();
    elsewhere.sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let csrf = admin.csrf(&app).await;
    let new_password = "amber falcon tide seven";
    let wrong = admin
        .post(
            &app,
            "/staff/password",
            &[
                ("csrf", &csrf),
                ("current", "not it at all"),
                ("new", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("not your current password")
    );
    let weak = admin
        .post(
            &app,
            "/staff/password",
            &[
                ("csrf", &csrf),
                ("current", ADMIN_PASSWORD),
                ("new", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let changed = admin
        .post(
            &app,
            "/staff/password",
            &[
                ("csrf", &csrf),
                ("current", ADMIN_PASSWORD),
                ("new", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        admin.get(&app, "/staff").await.status(),
        200,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get(&app, "/staff").await.status(),
        303,
        "other sessions end"
    );
    assert_eq!(
        Browser::default()
            .sign_in(&app, ADMIN, ADMIN_PASSWORD)
            .await
            .status(),
        422
    );
    assert_eq!(
        Browser::default()
            .sign_in(&app, ADMIN, new_password)
            .await
            .status(),
        303
    );
    app.stop().await;
}

#[tokio::test]
async fn every_account_and_session_action_is_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let mut admin = admin(&app).await;
    let mut editor = editor(&app, &mut admin).await;
    Browser::default()
        .sign_in(&app, ADMIN, "a wrong password here")
        .await;
    Browser::default()
        .sign_in(&app, "Stranger@example.org", "a wrong password here")
        .await;
    let csrf = editor.csrf(&app).await;
    editor
        .post(
            &app,
            "/staff/password",
            &[
                ("csrf", &csrf),
                ("current", EDITOR_PASSWORD),
                ("new", "amber falcon tide seven"),
            ],
        )
        .await;
    editor
        .post(&app, "/staff/sign-out", &[("csrf", &csrf)])
        .await;
    let csrf = admin.csrf(&app).await;
    admin
        .post(
            &app,
            "/staff/accounts/reset",
            &[("csrf", &csrf), ("email", EDITOR)],
        )
        .await;
    admin
        .post(
            &app,
            "/staff/accounts/disable",
            &[("csrf", &csrf), ("email", EDITOR)],
        )
        .await;

    let rows = actions(&app).await;
    let seen: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| (r.action.clone(), r.actor_email.clone()))
        .collect();
    let expected: Vec<(&str, Option<&str>)> = vec![
        ("account.first_admin_link", Some("system")),
        ("account.first_admin", Some(ADMIN)),
        ("sign_in", Some(ADMIN)),
        ("account.add", Some(ADMIN)),
        ("password.set", Some(EDITOR)),
        ("sign_in", Some(EDITOR)),
        ("sign_in.failed", Some(ADMIN)),
        ("sign_in.failed", Some("stranger@example.org")),
        ("password.change", Some(EDITOR)),
        ("sign_out", Some(EDITOR)),
        ("account.reset", Some(ADMIN)),
        ("account.disable", Some(ADMIN)),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .into_iter()
        .map(|(a, e)| (a.to_owned(), e.map(str::to_owned)))
        .collect();
    assert_eq!(seen, expected);
    for row in &rows[1..] {
        assert_eq!(row.client_ip.as_deref(), Some("127.0.0.1"), "{row:?}");
    }
    let everything = format!("{rows:?}");
    for secret in [
        ADMIN_PASSWORD,
        EDITOR_PASSWORD,
        "a wrong password here",
        "amber falcon",
    ] {
        assert!(!everything.contains(secret), "no password in the log");
    }
    assert_eq!(rows[3].subject.as_deref(), Some(EDITOR));
    assert_eq!(rows[3].detail.as_deref(), Some(r#"{"role":"editor"}"#));

    // The screen: newest first, filtered, a page at a time.
    let page = admin.get(&app, "/staff/audit?action=sign_in.failed").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("stranger@example.org"));
    assert!(!page.contains("account.add"));
    let newest = rows.last().unwrap().id;
    let page = admin
        .get(
            &app,
            &format!("/staff/audit?before={newest}&actor={EDITOR}"),
        )
        .await;
    let page = page.text().await.unwrap();
    assert!(page.contains("sign_out") && page.contains("password.set"));
    assert!(!page.contains("account.disable") && !page.contains("account.first_admin"));
    assert_eq!(admin.get(&app, "/staff/audit?before=x").await.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn the_audit_screen_pages_by_id() {
    let app = TestApp::spawn_with(|s| s.staff_sign_in_per_minute = 1000).await;
    let mut admin = admin(&app).await;
    for i in 0..60 {
        Browser::default()
            .sign_in(&app, &format!("n{i}@example.org"), "a wrong password here")
            .await;
    }
    let first = admin
        .get(&app, "/staff/audit?action=sign_in.failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(first.contains("n59@example.org") && !first.contains("n9@example.org"));
    let start = first
        .find("/staff/audit?before=")
        .expect("a link to older entries");
    let older = first[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let second = admin.get(&app, &older).await.text().await.unwrap();
    assert!(second.contains("n9@example.org") && !second.contains("n59@example.org"));
    assert!(!second.contains("/staff/audit?before="), "the last page");
    app.stop().await;
}

#[tokio::test]
async fn postgres_refuses_to_update_or_delete_the_audit_log() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    if app.db.get_database_backend() != DatabaseBackend::Postgres {
        // The trigger exists only on PostgreSQL; the code never updates or deletes rows.
        app.stop().await;
        return;
    }
    let update = app
        .db
        .execute_unprepared("UPDATE audit_log SET action = 'x'")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = app.db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert!(actions(&app).await.len() >= 3);
    app.stop().await;
}

#[tokio::test]
async fn the_staff_command_adds_lists_resets_and_disables_accounts() {
    let app = TestApp::spawn().await;
    let base = app.settings.base_url.clone();
    let now = app.clock.now();
    let link = accounts::add(
        &app.db,
        "Editor@Example.org",
        StaffRole::Editor,
        &base,
        By::cli(),
        now,
    )
    .await
    .unwrap();
    assert!(
        link.starts_with(&format!("{BASE_URL}/staff/password/")),
        "{link}"
    );
    assert!(matches!(
        accounts::add(&app.db, EDITOR, StaffRole::Admin, &base, By::cli(), now).await,
        Err(AccountError::AlreadyExists(_))
    ));
    assert!(matches!(
        accounts::add(
            &app.db,
            "not an email",
            StaffRole::Admin,
            &base,
            By::cli(),
            now
        )
        .await,
        Err(AccountError::EmailInvalid(_))
    ));
    let listed = accounts::list(&app.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].email, EDITOR);
    assert_eq!(accounts::state_name(&listed[0]), "invited");
    // Once an account exists there is no first-admin link.
    assert!(
        accounts::first_admin_link(&app.db, &base, now)
            .await
            .unwrap()
            .is_none()
    );

    let mut editor = Browser::default();
    assert_eq!(
        editor
            .post(&app, &path_of(&link), &[("password", EDITOR_PASSWORD)])
            .await
            .status(),
        303
    );
    assert_eq!(
        accounts::state_name(&accounts::list(&app.db).await.unwrap()[0]),
        "active"
    );

    let new_link = accounts::reset(&app.db, EDITOR, &base, By::cli(), now)
        .await
        .unwrap();
    assert_eq!(
        editor.get(&app, "/staff").await.status(),
        303,
        "reset ends sessions"
    );
    assert_eq!(app.get(&path_of(&link)).await.status(), 404);
    assert_eq!(
        Browser::default()
            .sign_in(&app, EDITOR, EDITOR_PASSWORD)
            .await
            .status(),
        422
    );
    assert_eq!(app.get(&path_of(&new_link)).await.status(), 200);

    accounts::disable(&app.db, EDITOR, By::cli(), now)
        .await
        .unwrap();
    assert_eq!(
        app.get(&path_of(&new_link)).await.status(),
        404,
        "disabling ends links"
    );
    assert_eq!(
        accounts::state_name(&accounts::list(&app.db).await.unwrap()[0]),
        "disabled"
    );
    assert!(matches!(
        accounts::disable(&app.db, "ghost@example.org", By::cli(), now).await,
        Err(AccountError::NotFound(_))
    ));
    let cli_actions: Vec<String> = actions(&app)
        .await
        .into_iter()
        .filter(|r| r.actor_email.as_deref() == Some("cli"))
        .map(|r| r.action)
        .collect();
    assert_eq!(
        cli_actions,
        ["account.add", "account.reset", "account.disable"]
    );
    app.stop().await;
}

#[tokio::test]
async fn two_simultaneous_uses_of_one_link_make_one_account() {
    let app = TestApp::spawn().await;
    let path = first_admin_link(&app).await;
    let token = path.rsplit('/').next().unwrap();
    let hash = undersigned::domain::ConfirmationToken::parse(token)
        .unwrap()
        .hash();
    let now = app.clock.now();
    // The first use holds its transaction open while a second one reads the same
    // unused link and tries to use it too.
    let first = undersigned::db::begin_write(&app.db).await.unwrap();
    let used = accounts::use_link(&first, &hash, Some(ADMIN), "hash-a", None, now)
        .await
        .unwrap();
    assert!(used.is_ok());
    let (db, second_hash) = (app.db.clone(), hash.clone());
    let second = tokio::spawn(async move {
        let txn = undersigned::db::begin_write(&db).await.unwrap();
        let outcome = accounts::use_link(&txn, &second_hash, Some(EDITOR), "hash-b", None, now)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        outcome.map(|a| a.email)
    });
    // Let the second reach its update, which waits for the first's row lock (PostgreSQL)
    // or its BEGIN IMMEDIATE (SQLite).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    first.commit().await.unwrap();
    let second = second.await.unwrap();
    assert!(second.is_err(), "the second use must fail: {second:?}");
    let all = accounts::list(&app.db).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].email, ADMIN);
    app.stop().await;
}
