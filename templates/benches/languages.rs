//! What the interface languages cost when a page or an email is written: the first page of
//! a letter (50 listed people, 100 organisations, open forms) and the confirmation email,
//! rendered in each offered language, and one message looked up in the Fluent bundle.
//! A cached page is rendered once per language per `page_cache_ttl`, so this is the cost
//! the page cache pays, not every reader.
//!
//! `cargo bench -p templates --bench languages`; `BENCH_RENDERS` (default 2,000) changes
//! the count.

use std::hint::black_box;
use std::time::Instant;

use templates::{
    ConfirmationEmail, IndividualSignatory, Lang, LetterPage, LetterStatus, OrganisationSignatory,
    Paging, SignForm, SignerKind, SignerKinds,
};

const COUNTRIES: &[(&str, &str)] = &[("AT", "Austria"), ("BE", "Belgium"), ("FR", "France")];

fn page() -> LetterPage<'static> {
    LetterPage {
        slug: "bench-letter".into(),
        title: "Free the prisoners of conscience".into(),
        summary: "A letter to the European Council.".into(),
        language: "en".into(),
        body_html: "<p>We ask you to act.</p>".repeat(200),
        status: LetterStatus::Open,
        targets: vec!["European Council".into(), "European Commission".into()],
        individual_count: 123_456,
        organisation_count: 76,
        goal: Some(200_000),
        deadline: Some("31 December 2026".into()),
        organisations: (0..100)
            .map(|i| OrganisationSignatory {
                name: format!("Organisation {i}"),
                country: "Belgium".into(),
                website: Some(format!("https://org{i}.example.org")),
                earlier_version: None,
            })
            .collect(),
        organisations_paging: Paging {
            next: Some("cursor".into()),
            is_first: true,
        },
        individuals: (0..50)
            .map(|i| IndividualSignatory {
                name: format!("Person {i}"),
                country: "France".into(),
                city: Some("Lyon".into()),
                occupation: Some("Teacher".into()),
                earlier_version: None,
            })
            .collect(),
        individuals_paging: Paging {
            next: Some("cursor".into()),
            is_first: true,
        },
        form: SignForm {
            submitted: None,
            values: Default::default(),
            errors: Vec::new(),
            countries: COUNTRIES,
            kinds: SignerKinds::default(),
        },
        preview: false,
        version: 1,
        text_id: "text".into(),
        version_changed_on: None,
        form_stamp: "stamp".into(),
        text_changed: false,
        translation: None,
        list_root: None,
        receipts: Vec::new(),
    }
}

/// Mean microseconds per call of `f` over `n` calls.
fn mean_micros(n: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn main() {
    let n: usize = std::env::var("BENCH_RENDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let page = page();
    println!("renders per row: {n}\n");
    println!(
        "| language | letter page (µs) | page bytes | confirmation email (µs) | one message (µs) |"
    );
    println!("|---|---|---|---|---|");
    for tag in ["en", "fr", "ar", "en-XA"] {
        let lang = Lang::get(tag)
            .expect("a language")
            .at("/letters/bench-letter");
        // Warm the bundles and the plural rules.
        let bytes = templates::letter(&lang, &page).into_string().len();
        let letter = mean_micros(n, || {
            black_box(templates::letter(&lang, black_box(&page)).into_string());
        });
        let email = mean_micros(n, || {
            black_box(templates::confirmation_email(
                &lang,
                &ConfirmationEmail {
                    letter_title: "Free the prisoners of conscience",
                    confirm_url: "https://letters.example.org/confirm/token",
                    letter_url: "https://letters.example.org/letters/bench-letter",
                    expires_in_days: 7,
                    kind: SignerKind::Individual,
                },
            ));
        });
        let message = mean_micros(n * 20, || {
            black_box(lang.counted("signatures", black_box(123_456)));
        });
        println!("| {tag} | {letter:.0} | {bytes} | {email:.0} | {message:.2} |");
    }
}
