//! A scripted flood against one letter while real people sign it: signings from hundreds
//! of networks and a handful of fresh email domains, and a victim's address with tags,
//! beside twenty people who sign, solve the proof of work when it is asked for, and
//! confirm. The flood is held back (the under-attack mode, quarantine), every real
//! signature arrives and counts, staff can see what happened and when, and the victim's
//! inbox gets at most the daily cap.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use undersigned::abuse::{attack, pow};
use undersigned::entities::{SignatureStatus, signature};
use undersigned::store::letters;

use crate::limits::read_step;
use crate::support::{LETTER, TestApp, individual, staff};

const PEOPLE: [&str; 20] = [
    "Leyla Yunus",
    "Arif Yunus",
    "Anar Mammadli",
    "Rasul Jafarov",
    "Intigam Aliyev",
    "Khadija Ismayilova",
    "Emin Huseynov",
    "Ilgar Mammadov",
    "Tofig Yagublu",
    "Bakhtiyar Hajiyev",
    "Giorgi Gogia",
    "Anna Novak",
    "Maria Rossi",
    "Jan de Vries",
    "Sofia Lindqvist",
    "Ahmed Benali",
    "Chen Wei",
    "Yuki Tanaka",
    "Olga Petrova",
    "Nino Beridze",
];

async fn sign_as(app: &TestApp, client_ip: &str, fields: &[(String, String)]) -> reqwest::Response {
    let path = format!("/letters/{LETTER}/sign");
    let borrowed: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let fields = app.stamped(&path, &borrowed).await;
    app.client
        .post(app.url(&path))
        .header("x-forwarded-for", client_ip)
        .form(&fields)
        .send()
        .await
        .expect("a POST request")
}

fn owned(fields: &[(&str, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Follows the confirmation link of every email sent so far to `address`.
async fn confirm_all(app: &TestApp, address: &str) {
    for message in app.mail_to(address) {
        let path = TestApp::confirmation_path(&message);
        let answer = app.post_form(&path, &[]).await;
        assert!(answer.status().is_success(), "confirming {address}");
    }
}

#[tokio::test]
async fn a_flood_is_held_back_while_every_real_signature_counts() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a network")];
        s.under_attack_threshold_per_minute = 40;
        s.under_attack_min_duration = std::time::Duration::from_secs(600);
        s.pow_max_number = 2_000;
        s.letter_signings_per_minute = 600;
        s.domain_signings_per_letter_per_hour = 1_000;
        s.emails_per_address_per_day = 5;
        s.quarantine_burst_per_prefix = 20;
        s.quarantine_new_domain_signers = 5;
        s.quarantine_skeleton_duplicates = true;
    })
    .await;
    let letter = letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap();

    // The flood: ten signings aimed at one victim's inbox with tags, then 300, each from
    // its own /48, from five fresh domains.
    let mut flood_statuses = Vec::new();
    for i in 0..10 {
        let ip = format!("203.0.113.{}", i + 1);
        let fields = owned(&individual("Victim Spam", &format!("victim+{i}@gmail.com")));
        flood_statuses.push(sign_as(&app, &ip, &fields).await.status().as_u16());
    }
    for i in 0..300 {
        let ip = format!("2001:db8:{:x}::1", 0x100 + i);
        let email = format!("bot{i}@flood{}.example", i % 5);
        let fields = owned(&individual(
            &format!("Bot Number {}", i * 7919 % 1000),
            &email,
        ));
        flood_statuses.push(sign_as(&app, &ip, &fields).await.status().as_u16());
    }
    let let_in = flood_statuses.iter().filter(|s| **s == 303).count();
    let asked_for_work = flood_statuses.iter().filter(|s| **s == 403).count();
    assert!(
        let_in <= 41,
        "only the first signings of the minute got in: {let_in}"
    );
    assert_eq!(
        let_in + asked_for_work,
        flood_statuses.len(),
        "{flood_statuses:?}"
    );

    // The mode switched itself on, and says when and why.
    let mode = attack::status(&app.db, letter.id)
        .await
        .unwrap()
        .expect("a mode");
    assert!(mode.active && mode.automatic, "{mode:?}");
    assert!(!mode.reason.is_empty());

    // Real people meanwhile: each from their own network, asked for the proof of work,
    // which their browser solves (here: the same solver), and then they confirm.
    for (i, name) in PEOPLE.iter().enumerate() {
        let ip = format!("198.51.{}.7", 100 + i);
        let email = format!("person{i}@gmail.com");
        let fields = owned(&individual(name, &email));
        let asked = sign_as(&app, &ip, &fields).await;
        assert_eq!(asked.status(), 403, "{name} is asked for a proof of work");
        let step = read_step(&asked.text().await.unwrap());
        let solution = pow::solve(&step.challenge).expect("a solution");
        let taken = sign_as(&app, &ip, &step.with("altcha", &solution)).await;
        assert_eq!(taken.status(), 303, "{name} gets through");
    }
    app.drain_outbox().await;

    // The flooders control their domains, so they confirm too; the real people confirm.
    for i in 0..300 {
        confirm_all(&app, &format!("bot{i}@flood{}.example", i % 5)).await;
    }
    for i in 0..PEOPLE.len() {
        confirm_all(&app, &format!("person{i}@gmail.com")).await;
    }
    app.roll_up().await;

    // Every real signature counts; no confirmed flood signature does: they wait for staff.
    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .all(&app.db)
        .await
        .unwrap();
    let real: Vec<_> = rows
        .iter()
        .filter(|r| r.email.starts_with("person"))
        .collect();
    assert_eq!(real.len(), PEOPLE.len());
    assert!(
        real.iter().all(|r| r.status == SignatureStatus::Confirmed),
        "{real:?}"
    );
    let bots: Vec<_> = rows.iter().filter(|r| r.email.starts_with("bot")).collect();
    assert!(
        !bots.is_empty(),
        "some flood signings got in before the mode switched on"
    );
    assert!(
        bots.iter().all(|r| r.status == SignatureStatus::Held),
        "{:?}",
        bots.iter()
            .map(|r| (r.email.as_str(), r.status))
            .collect::<Vec<_>>()
    );
    let page: serde_json::Value = app
        .get(&format!("/api/letters/{LETTER}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total_count"], PEOPLE.len() as i64);

    // The victim's inbox got at most the daily cap, whatever the tags.
    let to_victim = app
        .smtp()
        .messages()
        .into_iter()
        .filter(|m| m.rcpt_to.iter().any(|r| r.starts_with("victim")))
        .count();
    assert!(
        (1..=5).contains(&to_victim),
        "{to_victim} emails reached the victim"
    );

    eprintln!(
        "flood: {} signings, {let_in} let in, {asked_for_work} asked for work; {} bot \
         signatures held; {} real signatures counted; {to_victim} emails to the victim",
        flood_statuses.len(),
        bots.len(),
        real.len()
    );

    // Staff see the held signatures, and when and why the mode switched, in the log.
    let mut admin = staff::admin(&app).await;
    let held = admin
        .get(&app, &format!("/staff/letters/{}/quarantine", letter.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        held.contains("flood0.example"),
        "the quarantine lists the flood"
    );
    let switched = staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action == "letter.under_attack.on")
        .count();
    assert_eq!(switched, 1);
    app.stop().await;
}
