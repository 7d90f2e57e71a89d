//! Durable limits (per letter, per email domain, per inbox) shared by two instances on one
//! database, network-prefix limits, and the under-attack mode with its proof of work.

use sea_orm::{EntityTrait, PaginatorTrait};
use undersigned::entities::{LetterStatus, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::{TestApp, individual};

async fn signatures(app: &TestApp) -> u64 {
    signature::Entity::find().count(&app.db).await.unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_per_letter_limit_holds_across_two_instances_sharing_one_database() {
    let app = TestApp::spawn_with(|s| s.letter_signings_per_minute = 3).await;
    let other = app.spawn_sibling(|_| {}).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let fields = individual("Someone", &format!("p{i}@domain{i}.example"));
        let response = if i % 2 == 0 {
            app.sign(&fields).await
        } else {
            other.sign(&fields).await
        };
        let status = response.status().as_u16();
        statuses.push(status);
        if status == 429 {
            let wait = retry_after(&response);
            assert!((1..=60).contains(&wait), "{wait}");
            let page = response.text().await.unwrap();
            assert!(page.contains("Too many signatures right now"), "{page}");
        }
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429, 429]);
    assert_eq!(signatures(&app).await, 3, "nothing recorded over the limit");
    // The next minute takes signatures again, on either instance.
    app.clock.advance(chrono::Duration::seconds(60));
    let response = other
        .sign(&individual("Later", "later@domain9.example"))
        .await;
    assert_eq!(response.status(), 303);
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn one_email_domain_is_limited_per_letter_but_big_webmail_is_exempt() {
    let app = TestApp::spawn_with(|s| s.domain_signings_per_letter_per_hour = 2).await;
    let other = app.spawn_sibling(|_| {}).await;
    let mut statuses = Vec::new();
    for i in 0..4 {
        // Rotating subdomains (a wildcard MX makes them free) is one domain.
        let fields = individual("Someone", &format!("p{i}@s{i}.Flood.Example"));
        let response = if i % 2 == 0 {
            app.sign(&fields).await
        } else {
            other.sign(&fields).await
        };
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(retry_after(&response) > 60, "the hour's window");
        }
    }
    assert_eq!(statuses, [303, 303, 429, 429]);
    // Another domain is untouched; gmail.com is on the default exempt list.
    assert_eq!(
        other
            .sign(&individual("A", "a@another.example"))
            .await
            .status(),
        303
    );
    for i in 0..4 {
        let fields = individual("G", &format!("g{i}@gmail.com"));
        assert_eq!(app.sign(&fields).await.status(), 303);
    }
    assert_eq!(signatures(&app).await, 2 + 1 + 4);
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_inbox_gets_at_most_the_daily_cap_across_letters_and_instances() {
    let app = TestApp::spawn_with(|s| {
        s.emails_per_address_per_day = 2;
        s.max_confirmation_emails = 10;
    })
    .await;
    let other = app.spawn_sibling(|_| {}).await;
    letters::create(
        &app.db,
        NewLetter {
            slug: "second-letter".into(),
            title: "A second letter".into(),
            summary: "Another.".into(),
            body: "Another text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("Someone", "someone@example.org")],
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let victim = "victim@example.net";
    // First letter on one instance, the second letter on the other, then repeats: every
    // answer is the same page, but only two emails are queued.
    let first = app.sign(&individual("V", victim)).await;
    // The stamp of the second letter's form, as the other instance would render it.
    let fields = app
        .stamped("/letters/second-letter/sign", &individual("V", victim))
        .await;
    let second = other
        .client
        .post(other.url("/letters/second-letter/sign"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let third = other.sign(&individual("V", victim)).await;
    let fourth = app.sign(&individual("V", victim)).await;
    for r in [&first, &second, &third, &fourth] {
        assert_eq!(r.status(), 303);
    }
    assert_eq!(app.outbox().await.len(), 2);
    assert_eq!(app.drain_outbox().await, 2);
    assert_eq!(app.wait_for_mail(2).await.len(), 2);
    assert_eq!(app.mail_to(victim).len(), 2);
    // Tags and Gmail-style variants of the victim's address reach the same inbox.
    assert_eq!(
        app.sign(&individual("V", "victim+1@example.net"))
            .await
            .status(),
        303
    );
    assert_eq!(app.outbox().await.len(), 2);
    // Another address is not held back by the victim's cap.
    assert_eq!(
        app.sign(&individual("W", "w@example.net")).await.status(),
        303
    );
    assert_eq!(app.outbox().await.len(), 3);
    // The next day the address may be written to again.
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(app.sign(&individual("V", victim)).await.status(), 303);
    assert_eq!(app.outbox().await.len(), 4);
    other.stop().await;
    app.stop().await;
}

async fn sign_behind_proxy(app: &TestApp, i: usize, client: &str) -> u16 {
    app.client
        .post(app.url(&format!("/letters/{}/sign", crate::support::LETTER)))
        .header("x-forwarded-for", client)
        .form(&individual("Someone", &format!("r{i}@example.org")))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn behind_a_proxy(s: &mut undersigned::Settings) {
    s.sign_rate_per_minute = 1;
    s.sign_burst = 2;
    s.sign_wide_prefix_factor = 3;
    s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

#[tokio::test]
async fn rotating_64s_inside_one_48_is_stopped() {
    let app = TestApp::spawn_with(behind_a_proxy).await;
    let mut passed = 0;
    for i in 0..30 {
        // A new /64 each time, all inside 2001:db8:aa::/48.
        let client = format!("2001:db8:aa:{i:x}::1");
        if sign_behind_proxy(&app, i, &client).await == 303 {
            passed += 1;
        }
    }
    // Each /64 could sign twice; the /48 as a whole gets three times that.
    assert_eq!(passed, 6);
    // Another /48 is untouched.
    assert_eq!(sign_behind_proxy(&app, 100, "2001:db8:ab::1").await, 303);
    assert_eq!(signatures(&app).await, 7);
    app.stop().await;
}

#[tokio::test]
async fn rotating_addresses_inside_one_ipv4_24_is_stopped() {
    let app = TestApp::spawn_with(behind_a_proxy).await;
    let mut statuses = Vec::new();
    for i in 0..10 {
        statuses.push(sign_behind_proxy(&app, i, &format!("198.51.100.{}", i + 1)).await);
    }
    assert_eq!(statuses, [303, 303, 303, 303, 303, 303, 429, 429, 429, 429]);
    assert_eq!(sign_behind_proxy(&app, 50, "198.51.101.1").await, 303);
    app.stop().await;
}

/// The hidden fields of the proof-of-work page and its challenge, as a browser reads them.
pub(crate) struct Step {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) challenge: undersigned::abuse::pow::Challenge,
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

pub(crate) fn read_step(page: &str) -> Step {
    let form = page
        .split("<form")
        .find(|f| f.contains("id=\"pow-form\""))
        .expect("the proof-of-work form");
    let form_tag = &form[..form.find('>').unwrap()];
    let challenge = serde_json::from_str(&attribute(form_tag, "data-challenge").unwrap()).unwrap();
    let fields = form
        .split("<input ")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            Some((attribute(tag, "name")?, attribute(tag, "value")?))
        })
        .collect();
    Step { fields, challenge }
}

impl Step {
    pub(crate) fn with(&self, name: &str, value: &str) -> Vec<(String, String)> {
        let mut fields: Vec<_> = self
            .fields
            .iter()
            .filter(|(k, _)| k != name)
            .cloned()
            .collect();
        fields.push((name.into(), value.into()));
        fields
    }
}

async fn post(app: &TestApp, fields: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/letters/{}/sign", crate::support::LETTER)))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, crate::support::LETTER)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn past_the_threshold_the_form_asks_for_work_a_solution_counts_once_and_the_mode_ends_by_itself()
 {
    let app = TestApp::spawn_with(|s| {
        s.under_attack_threshold_per_minute = 3;
        s.under_attack_min_duration = std::time::Duration::from_secs(120);
        s.pow_max_number = 3000;
    })
    .await;
    for i in 0..3 {
        let r = app
            .sign(&individual("Early", &format!("e{i}@example.org")))
            .await;
        assert_eq!(r.status(), 303);
    }
    // The fourth in the minute passes the threshold: the step page, nothing recorded.
    let asked = app
        .sign(&individual("Real Person", "real@example.org"))
        .await;
    assert_eq!(asked.status(), 403);
    let page = asked.text().await.unwrap();
    assert!(page.contains("One more step to sign"), "{page}");
    assert_eq!(signatures(&app).await, 3);
    let step = read_step(&page);
    assert!(
        step.fields
            .contains(&("email".into(), "real@example.org".into()))
    );
    assert!(step.fields.contains(&("name".into(), "Real Person".into())));

    // A wrong solution (a number that does not solve it) is refused with the step again.
    let solution = undersigned::abuse::pow::solve(&step.challenge).unwrap();
    let wrong = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut bad: serde_json::Value =
            serde_json::from_slice(&b64.decode(&solution).unwrap()).unwrap();
        bad["number"] = (bad["number"].as_u64().unwrap() + 1).into();
        b64.encode(bad.to_string())
    };
    let refused = post(&app, &step.with("altcha", &wrong)).await;
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("could not be checked")
    );
    assert_eq!(signatures(&app).await, 3);

    // The right one is taken, once.
    let taken = post(&app, &step.with("altcha", &solution)).await;
    assert_eq!(taken.status(), 303, "{}", taken.text().await.unwrap());
    assert_eq!(signatures(&app).await, 4);
    let mut replay = step.with("altcha", &solution);
    replay.retain(|(k, _)| k != "email");
    replay.push(("email".into(), "bot@example.org".into()));
    let replayed = post(&app, &replay).await;
    assert_eq!(replayed.status(), 403);
    assert!(replayed.text().await.unwrap().contains("used already"));
    assert_eq!(signatures(&app).await, 4);

    // Staff see when and why; the switch was recorded as the system's.
    let mut admin = crate::support::staff::admin(&app).await;
    let id = letter_id(&app).await;
    let overview = admin.get(&app, &format!("/staff/letters/{id}")).await;
    let overview = overview.text().await.unwrap();
    assert!(overview.contains("on since 2026-11-27 12:00"), "{overview}");
    assert!(
        overview.contains("passed the threshold of 3 a minute"),
        "{overview}"
    );

    // Still on before the least duration, even in a calm minute.
    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        app.sign(&individual("Q", "q1@example.org")).await.status(),
        403
    );
    // After it, with the last whole minute calm, the mode goes off by itself.
    app.clock.advance(chrono::Duration::seconds(120));
    assert_eq!(
        app.sign(&individual("Q", "q2@example.org")).await.status(),
        303
    );
    let actions: Vec<_> = crate::support::staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action.starts_with("letter.under_attack"))
        .map(|a| (a.action, a.actor_email.unwrap_or_default()))
        .collect();
    assert_eq!(
        actions,
        [
            ("letter.under_attack.on".to_string(), "system".to_string()),
            ("letter.under_attack.off".to_string(), "system".to_string()),
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn staff_switch_the_mode_on_and_off_and_a_signer_without_javascript_waits_once() {
    let app = TestApp::spawn().await;
    let mut admin = crate::support::staff::admin(&app).await;
    let id = letter_id(&app).await;
    let page = admin
        .get(&app, &format!("/staff/letters/{id}/attack"))
        .await;
    let page = page.text().await.unwrap();
    assert!(page.contains("Off."), "{page}");
    let csrf = crate::support::staff::csrf_of(&page);
    let path = format!("/staff/letters/{id}/attack");
    let on = admin
        .post(&app, &path, &[("csrf", &csrf), ("switch", "on")])
        .await;
    assert_eq!(on.status(), 303);
    let page = admin.get(&app, &path).await.text().await.unwrap();
    assert!(page.contains("On."), "{page}");
    assert!(page.contains("switched on by"), "{page}");

    // Without JavaScript: the ticket works after the wait, and only once.
    let asked = app
        .sign(&individual("No Script", "noscript@example.org"))
        .await;
    assert_eq!(asked.status(), 403);
    let step = read_step(&asked.text().await.unwrap());
    let early = post(&app, &step.fields).await;
    assert_eq!(early.status(), 403);
    assert!(early.text().await.unwrap().contains("more seconds"));
    app.clock.advance(chrono::Duration::seconds(10));
    let taken = post(&app, &step.fields).await;
    assert_eq!(taken.status(), 303);
    assert_eq!(post(&app, &step.fields).await.status(), 403);
    assert_eq!(signatures(&app).await, 1);
    // A forged ticket is refused.
    let forged = step.with("pow_ticket", "1.1.00.00");
    assert_eq!(post(&app, &forged).await.status(), 403);

    // Staff switch it off: signing needs no step (a staff mode does not end by itself).
    let off = admin
        .post(&app, &path, &[("csrf", &csrf), ("switch", "off")])
        .await;
    assert_eq!(off.status(), 303);
    assert_eq!(
        app.sign(&individual("After", "after@example.org"))
            .await
            .status(),
        303
    );
    let actions: Vec<_> = crate::support::staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action.starts_with("letter.under_attack"))
        .map(|a| {
            (
                a.action,
                a.actor_email.unwrap_or_default(),
                a.client_ip.is_some(),
            )
        })
        .collect();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].0, "letter.under_attack.on");
    assert_eq!(actions[1].0, "letter.under_attack.off");
    assert!(actions.iter().all(|(_, who, ip)| who != "system" && *ip));
    let subjects: Vec<_> = crate::support::staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action.starts_with("letter.under_attack"))
        .map(|a| a.subject.unwrap_or_default())
        .collect();
    assert_eq!(subjects, [crate::support::LETTER, crate::support::LETTER]);
    // The script is served from our own origin.
    let script = app.get("/static/pow.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("crypto.subtle"));
    app.stop().await;
}

#[tokio::test]
async fn the_sweep_forgets_old_windows_and_expired_proofs_but_keeps_todays() {
    use undersigned::abuse::durable::{self, Window};
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    durable::hit(&app.db, "letter:1", Window::Minute, now)
        .await
        .unwrap();
    durable::hit(&app.db, "inbox:a@example.org", Window::Day, now)
        .await
        .unwrap();
    use sea_orm::{ActiveModelTrait, Set};
    undersigned::entities::used_proof::ActiveModel {
        id: Set("a".repeat(64)),
        expires_at: Set(now + chrono::Duration::minutes(10)),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assert_eq!(durable::sweep(&app.db, now).await.unwrap(), 0);
    let later = now + chrono::Duration::days(3);
    durable::hit(&app.db, "letter:1", Window::Minute, later)
        .await
        .unwrap();
    assert_eq!(durable::sweep(&app.db, later).await.unwrap(), 3);
    assert_eq!(
        durable::count(&app.db, "letter:1", Window::Minute.start(later))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        durable::count(&app.db, "letter:1", Window::Minute.start(now))
            .await
            .unwrap(),
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn under_attack_a_real_browser_solves_the_proof_of_work_and_signs() {
    use crate::browser::{Driver, WAIT, free_port, heading, press};
    use thirtyfour::prelude::*;
    let Some(driver) = Driver::start().await else {
        return;
    };
    let port = free_port();
    let app = TestApp::spawn_with(move |s| {
        s.bind = format!("127.0.0.1:{port}").parse().unwrap();
        s.base_url = format!("http://127.0.0.1:{port}").parse().unwrap();
        s.pow_max_number = 20_000;
    })
    .await;
    let id = letter_id(&app).await;
    undersigned::abuse::attack::set_by_staff(
        &app.db,
        id,
        true,
        &undersigned::auth::audit::Actor::Cli,
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    let browser = driver.browser().await;
    browser
        .goto(&app.url(&format!("/letters/{}", crate::support::LETTER)))
        .await
        .unwrap();
    let form = browser.find(By::Id("sign-individual")).await.unwrap();
    for (name, value) in [("name", "Leyla Yunus"), ("email", "leyla@example.net")] {
        form.find(By::Name(name))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    form.find(By::Css("select[name='country'] option[value='AZ']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // A reader takes a moment before signing (the form's minimum fill time).
    app.clock.advance(chrono::Duration::seconds(30));
    let old_page = browser.find(By::Tag("html")).await.unwrap();
    form.find(By::Css("button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    old_page
        .wait_until()
        .wait(WAIT, std::time::Duration::from_millis(50))
        .stale()
        .await
        .unwrap();
    assert_eq!(heading(&browser).await, "One more step to sign");
    // The script finds the number and says so; the signer then presses Continue.
    let status = browser.find(By::Id("pow-status")).await.unwrap();
    let started = std::time::Instant::now();
    let mut text = String::new();
    while started.elapsed() < WAIT {
        text = status.text().await.unwrap();
        if text.starts_with("Done") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.starts_with("Done"), "the browser solved it: {text}");
    // The test clock does not move, so the ticket's wait is not over: only the solved
    // proof of work can have let this through.
    press(&browser, "Continue").await;
    assert!(heading(&browser).await.to_lowercase().contains("inbox"));
    assert_eq!(signatures(&app).await, 1);
    browser.quit().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn under_attack_a_flood_without_proofs_does_not_use_up_the_letters_places() {
    let app = TestApp::spawn_with(|s| s.letter_signings_per_minute = 2).await;
    let id = letter_id(&app).await;
    undersigned::abuse::attack::set_by_staff(
        &app.db,
        id,
        true,
        &undersigned::auth::audit::Actor::Cli,
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    let asked = app.sign(&individual("Real", "real@example.org")).await;
    assert_eq!(asked.status(), 403);
    let step = read_step(&asked.text().await.unwrap());
    for i in 0..20 {
        let bot = app
            .sign(&individual("Bot", &format!("bot{i}@example.org")))
            .await;
        assert_eq!(bot.status(), 403);
    }
    // Ten seconds on, still in the same minute: the person who waited gets through.
    app.clock.advance(chrono::Duration::seconds(10));
    let taken = post(&app, &step.fields).await;
    assert_eq!(taken.status(), 303);
    assert_eq!(signatures(&app).await, 1);
    app.stop().await;
}
