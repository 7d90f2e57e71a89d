//! How long the signed letter takes to render as a PDF with 1,000, 20,000 and 100,000
//! listed names (names and places in every script the PDF must carry), and the share
//! image.
//!
//! `cargo bench -p undersigned-document` prints a Markdown table. `BENCH_NAMES` (a comma
//! list, default `1000,20000,100000`) and `BENCH_RUNS` (renders per size, default 3)
//! change the load.

use std::time::{Duration, Instant};

use undersigned_document::{
    DocSigner, DocTarget, LetterDocument, ShareCard, render_pdf, render_share_png,
};

/// Given names and places in the scripts the document must render; combined with a
/// number, every listed name is distinct.
const PEOPLE: &[(&str, &str, &str)] = &[
    ("Leyla Əliyeva", "Bakı", "Azərbaycan"),
    ("Jean-Pierre Lefèvre", "Lyon", "France"),
    ("Анна Петрова", "Москва", "Россия"),
    ("Νίκος Παπαδόπουλος", "Αθήνα", "Ελλάδα"),
    ("ნინო ბერიძე", "თბილისი", "საქართველო"),
    ("Արամ Պետրոսյան", "Երևան", "Հայաստան"),
    ("فاطمة الزهراء", "القاهرة", "مصر"),
    ("דוד כהן", "חיפה", "ישראל"),
    ("王小明", "北京", "中国"),
    ("山田太郎", "東京", "日本"),
    ("김민준", "서울", "대한민국"),
    ("Maria Kowalska", "", "Polska"),
];

fn letter(listed: usize) -> LetterDocument {
    let individuals = (0..listed)
        .map(|i| {
            let (name, city, country) = PEOPLE[i % PEOPLE.len()];
            DocSigner {
                name: format!("{name} {i}"),
                city: city.to_owned(),
                country: country.to_owned(),
            }
        })
        .collect();
    let organisations = (0..listed / 200)
        .map(|i| DocSigner {
            name: format!("Human Rights Organisation {i}"),
            city: String::new(),
            country: "Belgium".to_owned(),
        })
        .collect();
    LetterDocument {
        title: "Insist on lasting human-rights reforms in Azerbaijan".to_owned(),
        summary: "An appeal to the European institutions.".to_owned(),
        body_markdown: "Dear Presidents,\n\nWe, the undersigned, write to you *ahead* of the \
            **summit**.\n\n## What we ask\n\n1. Release those detained.\n2. End the reprisals.\n"
            .repeat(4),
        language: "en".to_owned(),
        version: 2,
        dated: "30 November 2026".to_owned(),
        targets: vec![
            DocTarget {
                name: "European Council".to_owned(),
            },
            DocTarget {
                name: "European Commission".to_owned(),
            },
        ],
        organisations,
        individuals,
        unlisted_individuals: listed as u64 / 5,
        list_root: Some(
            "5e1b0c3f9a7d2e4b6c8a0f1e3d5b7a9c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b".to_owned(),
        ),
        site_name: "undersigned".to_owned(),
        letter_url: "https://example.org/letters/azerbaijan".to_owned(),
        labels: Default::default(),
    }
}

/// The process's peak resident memory so far, from /proc (Linux), in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::var("BENCH_NAMES")
        .unwrap_or_else(|_| "1000,20000,100000".to_owned())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let runs: usize = std::env::var("BENCH_RUNS").map_or(Ok(3), |s| s.parse())?;

    // Parse the fonts once before timing anything, as a running service would have.
    render_share_png(&ShareCard::default())?;

    println!("| listed names | organisations | PDF size | best | median | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for listed in sizes {
        let doc = letter(listed);
        let mut times = Vec::with_capacity(runs);
        let mut pdf = Vec::new();
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            pdf = render_pdf(&doc)?;
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "| {listed} | {} | {:.1} MB | {} | {} | {} MiB |",
            doc.organisations.len(),
            pdf.len() as f64 / 1e6,
            ms(times[0]),
            ms(times[times.len() / 2]),
            peak_rss_mib().map_or("?".to_owned(), |m| m.to_string()),
        );
    }

    let card = ShareCard {
        title: "Insist on lasting human-rights reforms in Azerbaijan".to_owned(),
        count_text: "12,345 signatures".to_owned(),
        site_name: "undersigned".to_owned(),
        language: "en".to_owned(),
    };
    let mut times: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            render_share_png(&card).map(|_| start.elapsed())
        })
        .collect::<Result<_, _>>()?;
    times.sort();
    println!(
        "\nshare image (1200x630 PNG): best {}, median {}",
        ms(times[0]),
        ms(times[times.len() / 2])
    );
    Ok(())
}
