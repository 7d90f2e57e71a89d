//! A scripted flood against one letter while real people sign it: 2,000 signings from
//! 2,000 networks (IPv6 /48s and IPv4 /24s) and 2,000 email domains that never confirm,
//! thirty from a few catch-all domains the attacker controls that do confirm, and a
//! victim's address with tags across three letters, beside twenty people who sign, solve
//! the proof of work when it is asked for, and confirm.
//!
//! The flood is held back (the under-attack mode, then quarantine for what got in and
//! confirmed), every real signature arrives and counts, staff can see when the mode
//! switched on and why, and the victim's inbox gets exactly the daily cap.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use undersigned::abuse::{attack, pow};
use undersigned::entities::{LetterStatus, SignatureStatus, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::limits::read_step;
use crate::support::{LETTER, TestApp, individual, staff, stamp, start_time};

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

/// Flood signings from random domains that never confirm, each from its own network.
const FLOOD: usize = 2_000;
/// Domains the attacker runs a catch-all inbox on, and signings per domain.
const CATCH_ALL: [&str; 3] = [
    "inbox-one.example",
    "inbox-two.example",
    "inbox-three.example",
];
const PER_CATCH_ALL: usize = 10;
/// Signings aimed at the victim's inbox, with tags, on each of three letters.
const VICTIM_PER_LETTER: usize = 6;
/// The attempts a minute that switch the under-attack mode on.
const THRESHOLD: u32 = 60;
/// Emails to one inbox a day.
const CAP: u32 = 5;
/// Requests in flight at once.
const CONCURRENCY: usize = 16;

/// A name without digits (the name rules refuse phone-like numbers), distinct per `i`.
fn flood_name(i: usize) -> String {
    const SYLLABLES: [&str; 10] = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zu", "ba"];
    let word = |n: usize, end: &str| {
        let text = format!("{}{}{end}", SYLLABLES[n % 10], SYLLABLES[(n / 10) % 10]);
        let mut chars = text.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
        std::iter::once(first).chain(chars).collect::<String>()
    };
    format!("{} {}", word(i, "ra"), word(i / 100, "nov"))
}

/// The `i`th network of the flood: even ones an IPv6 /48, odd ones an IPv4 /24.
fn network(i: usize) -> String {
    let n = i / 2;
    if i.is_multiple_of(2) {
        format!("2001:db8:{:x}::{}", 0x1000 + n, 1 + i % 7)
    } else {
        format!("100.{}.{}.{}", 64 + n / 256, n % 256, 1 + i % 200)
    }
}

/// An individual's sign form for the letter whose form stamp is `stamp`.
fn form(name: &str, email: &str, stamp: &str) -> Vec<(String, String)> {
    individual(name, email)
        .into_iter()
        .map(|(k, v)| {
            let v = if k == "form_stamp" {
                stamp.to_owned()
            } else {
                v
            };
            (k.to_owned(), v)
        })
        .collect()
}

async fn sign_as(
    app: &TestApp,
    slug: &str,
    client_ip: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/letters/{slug}/sign")))
        .header("x-forwarded-for", client_ip)
        .form(fields)
        .send()
        .await
        .expect("a POST request")
}

/// Follows the confirmation link of every email sent so far to `address`.
async fn confirm_all(app: &TestApp, address: &str) {
    for message in app.mail_to(address) {
        let path = TestApp::confirmation_path(&message);
        let answer = app.post_form(&path, &[]).await;
        assert!(answer.status().is_success(), "confirming {address}");
    }
}

/// What one request of the second phase was and what it got.
enum Outcome {
    /// A flood signing: its status, and whether it was sent after some flood signing
    /// had already been asked for a proof of work.
    Flood { status: u16, after_switch: bool },
    /// A person, who got through (with a proof when asked for one).
    Person { asked_for_work: bool },
}

#[tokio::test]
async fn a_flood_is_held_back_while_every_real_signature_counts() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a network")];
        s.under_attack_threshold_per_minute = THRESHOLD;
        s.under_attack_min_duration = std::time::Duration::from_secs(600);
        s.pow_max_number = 2_000;
        s.letter_signings_per_minute = 600;
        s.domain_signings_per_letter_per_hour = 1_000;
        s.emails_per_address_per_day = CAP;
        s.max_confirmation_emails = 10;
        s.quarantine_burst_per_prefix = 20;
        s.quarantine_new_domain_signers = 3;
        s.quarantine_skeleton_duplicates = true;
    })
    .await;
    let letter = letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap();
    let mut others = Vec::new();
    for slug in ["second-letter", "third-letter"] {
        let other = letters::create(
            &app.db,
            NewLetter {
                slug: slug.into(),
                title: format!("The {slug}"),
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
        others.push((slug, other.id));
    }
    // The test clock stands still: one form stamp per letter, rendered a minute ago.
    let rendered = app.clock.now() - chrono::Duration::minutes(1);
    let stamp_of = |letter_id: i64| stamp(letter_id, rendered);
    let first_stamp = stamp_of(letter.id);

    // The flood's reach, checked on what it sends rather than assumed.
    let networks: BTreeSet<String> = (0..FLOOD + 100)
        .map(|i| undersigned::privacy::ip::prefix(network(i).parse().unwrap()))
        .collect();
    assert!(networks.len() >= 1_000, "{} networks", networks.len());
    let flood_email = |i: usize| format!("{}@flood-{i}.example", flood_name(i).replace(' ', "."));
    let domains: BTreeSet<String> = (0..FLOOD)
        .map(|i| flood_email(i).split('@').nth(1).unwrap().to_owned())
        .collect();
    assert!(domains.len() >= 1_000, "{} domains", domains.len());

    // First, below the threshold: the catch-all signings (they will confirm), and the
    // victim's address with tags on all three letters. All are taken, as any signing
    // would be; what holds them comes after.
    let mut first = Vec::new();
    for (d, domain) in CATCH_ALL.iter().enumerate() {
        for k in 0..PER_CATCH_ALL {
            let i = FLOOD + d * PER_CATCH_ALL + k;
            let email = format!("user{k}@{domain}");
            first.push((
                LETTER,
                network(i),
                form(&flood_name(i), &email, &first_stamp),
            ));
        }
    }
    let slugs = [(LETTER, letter.id), others[0], others[1]];
    for (l, (slug, id)) in slugs.iter().enumerate() {
        for k in 0..VICTIM_PER_LETTER {
            let i = FLOOD + 50 + l * VICTIM_PER_LETTER + k;
            let email = format!("victim+{l}x{k}@example.net");
            first.push((
                slug,
                network(i),
                form("Victim Spam", &email, &stamp_of(*id)),
            ));
        }
    }
    let statuses: Vec<u16> = futures::stream::iter(first.iter())
        .map(|(slug, ip, fields)| {
            let app = &app;
            async move { sign_as(app, slug, ip, fields).await.status().as_u16() }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let before_flood = CATCH_ALL.len() * PER_CATCH_ALL + VICTIM_PER_LETTER;
    assert!(
        attack::status(&app.db, letter.id).await.unwrap().is_none(),
        "{before_flood} attempts do not switch the mode on"
    );

    // Then the flood from random domains, with the twenty people among it.
    enum Step {
        Flood(usize),
        Person(usize),
    }
    let mut steps: Vec<Step> = (0..FLOOD).map(Step::Flood).collect();
    for p in (0..PEOPLE.len()).rev() {
        steps.insert(10 + p * 97, Step::Person(p));
    }
    let switched = AtomicBool::new(false);
    let outcomes: Vec<Outcome> = futures::stream::iter(steps)
        .map(|step| {
            let (app, switched, first_stamp) = (&app, &switched, &first_stamp);
            async move {
                match step {
                    Step::Flood(i) => {
                        let after_switch = switched.load(Ordering::SeqCst);
                        let fields = form(&flood_name(i), &flood_email(i), first_stamp);
                        let status = sign_as(app, LETTER, &network(i), &fields)
                            .await
                            .status()
                            .as_u16();
                        if status == 403 {
                            switched.store(true, Ordering::SeqCst);
                        }
                        Outcome::Flood {
                            status,
                            after_switch,
                        }
                    }
                    Step::Person(p) => {
                        let ip = format!("198.51.{}.7", 100 + p);
                        let fields = form(PEOPLE[p], &format!("person{p}@gmail.com"), first_stamp);
                        let asked = sign_as(app, LETTER, &ip, &fields).await;
                        if asked.status() == 303 {
                            return Outcome::Person {
                                asked_for_work: false,
                            };
                        }
                        assert_eq!(asked.status(), 403, "{} is asked for work", PEOPLE[p]);
                        // The browser solves it (here: the same solver) and sends again.
                        let step = read_step(&asked.text().await.unwrap());
                        let solution = pow::solve(&step.challenge).expect("a solution");
                        let taken =
                            sign_as(app, LETTER, &ip, &step.with("altcha", &solution)).await;
                        assert_eq!(taken.status(), 303, "{} gets through", PEOPLE[p]);
                        Outcome::Person {
                            asked_for_work: true,
                        }
                    }
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    let flood: Vec<(u16, bool)> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Flood {
                status,
                after_switch,
            } => Some((*status, *after_switch)),
            Outcome::Person { .. } => None,
        })
        .collect();
    assert_eq!(flood.len(), FLOOD);
    let let_in = flood.iter().filter(|(s, _)| *s == 303).count();
    let asked_for_work = flood.iter().filter(|(s, _)| *s == 403).count();
    assert_eq!(
        let_in + asked_for_work,
        FLOOD,
        "every flood signing was taken or asked for work"
    );
    // Only the attempts left below the threshold got in (a few more at most: requests in
    // flight together are counted by transactions that do not see each other's counts).
    let room = THRESHOLD as usize - before_flood;
    assert!(
        let_in <= room + CONCURRENCY,
        "{let_in} flood signings got in"
    );
    // Once any flood signing was asked for work, none sent later got in.
    let late: Vec<u16> = flood
        .iter()
        .filter(|(_, after)| *after)
        .map(|(s, _)| *s)
        .collect();
    assert!(
        late.len() >= FLOOD - room - 2 * CONCURRENCY,
        "{}",
        late.len()
    );
    assert!(late.iter().all(|s| *s == 403), "{late:?}");
    let people_asked = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                Outcome::Person {
                    asked_for_work: true
                }
            )
        })
        .count();
    assert!(
        people_asked >= PEOPLE.len() - 1,
        "people signing during the flood were asked for work: {people_asked}"
    );

    // The mode switched itself on.
    let mode = attack::status(&app.db, letter.id)
        .await
        .unwrap()
        .expect("a mode");
    assert!(mode.active && mode.automatic, "{mode:?}");
    assert!(
        mode.reason
            .contains(&format!("passed the threshold of {THRESHOLD} a minute")),
        "{}",
        mode.reason
    );

    // Mail goes out; the attacker confirms through their catch-all inboxes, the people
    // through theirs, and the random domains never do.
    app.drain_outbox().await;
    for (d, domain) in CATCH_ALL.iter().enumerate() {
        for k in 0..PER_CATCH_ALL {
            let address = format!("user{k}@{domain}");
            assert_eq!(app.mail_to(&address).len(), 1, "{address} (d{d})");
            confirm_all(&app, &address).await;
        }
    }
    for i in 0..PEOPLE.len() {
        let address = format!("person{i}@gmail.com");
        assert_eq!(app.mail_to(&address).len(), 1, "{address}");
        confirm_all(&app, &address).await;
    }
    app.roll_up().await;

    // Every real signature counts, exactly; no flood signature does.
    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .all(&app.db)
        .await
        .unwrap();
    let of = |f: &dyn Fn(&signature::Model) -> bool| -> Vec<&signature::Model> {
        rows.iter().filter(|r| f(r)).collect()
    };
    let real = of(&|r| r.email.starts_with("person"));
    assert_eq!(real.len(), PEOPLE.len());
    assert!(
        real.iter().all(|r| r.status == SignatureStatus::Confirmed),
        "{real:?}"
    );
    let caught = of(&|r| CATCH_ALL.iter().any(|d| r.email.ends_with(d)));
    assert_eq!(caught.len(), CATCH_ALL.len() * PER_CATCH_ALL);
    for r in &caught {
        assert_eq!(
            (r.status, r.held_for.as_deref(), r.review_note.as_deref()),
            (
                SignatureStatus::Held,
                Some("quarantine"),
                Some("new-domain")
            ),
            "{}",
            r.email
        );
    }
    let random = of(&|r| r.email.contains("@flood-"));
    assert_eq!(random.len(), let_in);
    assert!(random.iter().all(|r| r.status == SignatureStatus::Pending));
    let victim = of(&|r| r.email.starts_with("victim"));
    assert_eq!(victim.len(), VICTIM_PER_LETTER);
    assert!(victim.iter().all(|r| r.status == SignatureStatus::Pending));
    assert_eq!(
        rows.len(),
        real.len() + caught.len() + random.len() + victim.len()
    );

    let shown: serde_json::Value = app
        .get(&format!("/api/letters/{LETTER}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["total_count"], PEOPLE.len() as i64);
    assert_eq!(shown["individual_count"], PEOPLE.len() as i64);
    assert_eq!(shown["organisation_count"], 0);
    let drift = undersigned::store::counts::reconcile(&app.db, app.clock.now())
        .await
        .unwrap();
    assert!(drift.is_empty(), "{drift:?}");

    // Listed: the people, and nobody else.
    let listed: serde_json::Value = app
        .get(&format!("/api/v1/letters/{LETTER}/signatures?limit=100"))
        .await
        .json()
        .await
        .unwrap();
    let names: BTreeSet<String> = listed["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, PEOPLE.iter().map(|p| p.to_string()).collect());
    let page = app.letter_page().await;
    for r in caught.iter().chain(random.iter()) {
        assert!(!page.contains(&r.name), "{} is listed", r.name);
    }

    // The victim's inbox got exactly the daily cap, across letters and tags.
    let to_victim = app
        .smtp()
        .messages()
        .into_iter()
        .filter(|m| m.rcpt_to.iter().any(|r| r.starts_with("victim")))
        .count();
    assert_eq!(to_victim, CAP as usize, "emails that reached the victim");

    eprintln!(
        "flood: {} signings, {let_in} let in, {asked_for_work} asked for work; {} caught \
         in quarantine; {} real signatures counted ({people_asked} asked for work); \
         {to_victim} emails to the victim",
        FLOOD + first.len(),
        caught.len(),
        real.len()
    );

    // Staff see when the mode switched on and why, what quarantine holds, and the log.
    let mut admin = staff::admin(&app).await;
    let attack_page = admin
        .get(&app, &format!("/staff/letters/{}/attack", letter.id))
        .await
        .text()
        .await
        .unwrap();
    let when = start_time().format("%Y-%m-%d %H:%M UTC").to_string();
    assert!(
        attack_page.contains(&format!("{when} (automatically)")),
        "{attack_page}"
    );
    let reason = format!(
        "signing attempts in the minute from {} passed the threshold of {THRESHOLD} a minute",
        start_time().format("%H:%M UTC")
    );
    assert!(attack_page.contains(&reason), "{attack_page}");
    assert!(attack_page.contains(&mode.reason), "{attack_page}");
    let held = admin
        .get(&app, &format!("/staff/letters/{}/quarantine", letter.id))
        .await
        .text()
        .await
        .unwrap();
    for domain in CATCH_ALL {
        assert!(held.contains(domain), "the quarantine lists {domain}");
    }
    let switched = staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.action == "letter.under_attack.on")
        .count();
    assert_eq!(switched, 1);
    app.stop().await;
}
