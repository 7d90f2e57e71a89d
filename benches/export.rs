//! The CSV export of a letter's signatures (`undersigned::export::write_to`, what the
//! command line and the workspace's download run) at 100,000 and 1,000,000 signatures:
//! rows per second, the peak of heap memory during the export (a counting allocator) and
//! the peak resident set size (Linux's VmHWM, reset before each export), and on PostgreSQL
//! `psql -c "\copy (<the same query>) to stdout csv"` on the same rows in the same run.
//!
//! `cargo bench --bench export` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_ROWS` (default `100000,1000000`) chooses the sizes, comma-separated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use undersigned::entities::{SignatureKind, SignatureStatus, signature};
use undersigned::export::{self, RawSpec, Spec};
use undersigned::store::letters;
use undersigned::{Application, Clock};

#[path = "common/mod.rs"]
mod common;

/// Counts the bytes the process has on the heap and the most it had since the last reset.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call goes to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The columns of a default export, as psql is asked for them.
const COPY_COLUMNS: &str = "id, kind, status, name, organisation_name, country, city, \
                            occupation, website, role, letter_version, confirmed_at";

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runtime = common::runtime()?;
    println!(
        "default columns, page of {} rows, written to a byte counter (psql: to /dev/null)\n",
        export::PAGE_SIZE
    );
    println!(
        "| database | signatures | export time | rows/s | MB written | heap peak during export | RSS peak during export | psql \\copy | export / psql |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for &rows in &sizes {
        common::on_each_database(&runtime, |db| async move {
            let psql = db.is_postgres().then_some(db.url.as_str());
            run(db.label, &db.url, rows, psql).await
        })?;
    }
    Ok(())
}

async fn run(database: &str, url: &str, rows: usize, psql: Option<&str>) -> anyhow::Result<()> {
    let settings = common::settings(url)?;
    let app = Application::build(settings, Clock::System).await?;
    let db = app.state().db.clone();
    let now = Clock::System.now();
    let letter = letters::create(
        &db,
        common::letter(
            "bench-export",
            "A letter with many signatures",
            "Body.".into(),
        ),
        now,
    )
    .await?
    .id;
    let seeding = Instant::now();
    seed(&db, letter, rows, now).await?;
    eprintln!("{database}: {rows} seeded in {:.1?}", seeding.elapsed());
    if database == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE signatures").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }

    let spec = Spec::parse(&RawSpec::default()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Warm the caches the same way for both tools: one export first, not measured.
    export::write_to(
        &db,
        letter,
        &spec,
        export::PAGE_SIZE,
        &mut Counter(0),
        |_| {},
    )
    .await?;

    reset_rss_peak();
    let rss_before = rss_kib("VmRSS:");
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    let heap_before = CURRENT.load(Ordering::Relaxed);
    let mut out = Counter(0);
    let started = Instant::now();
    let written = export::write_to(&db, letter, &spec, export::PAGE_SIZE, &mut out, |_| {}).await?;
    let took = started.elapsed();
    let heap_peak = PEAK.load(Ordering::Relaxed).saturating_sub(heap_before);
    let rss_peak = rss_kib("VmHWM:");
    anyhow::ensure!(written as usize == rows, "exported {written} of {rows}");

    let (copy, ratio) = match psql {
        Some(url) => {
            let copy = psql_copy(url, letter)?;
            (
                format!("{:.2} s", copy.as_secs_f64()),
                format!("{:.1}×", took.as_secs_f64() / copy.as_secs_f64()),
            )
        }
        None => ("–".into(), "–".into()),
    };
    let rss = match (rss_before, rss_peak) {
        (Some(before), Some(peak)) => format!(
            "{:.1} MiB (+{:.1} MiB)",
            peak as f64 / 1024.0,
            peak.saturating_sub(before) as f64 / 1024.0
        ),
        _ => "–".into(),
    };
    println!(
        "| {database} | {rows} | {:.2} s | {:.0} | {:.1} | {:.1} MiB | {rss} | {copy} | {ratio} |",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        out.0 as f64 / 1e6,
        heap_peak as f64 / (1024.0 * 1024.0),
    );
    db.close().await?;
    Ok(())
}

/// A writer that only counts what it is given.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `psql \copy` of the same rows and columns, in the same order, to /dev/null.
fn psql_copy(url: &str, letter: i64) -> anyhow::Result<Duration> {
    let command = format!(
        "\\copy (SELECT {COPY_COLUMNS} FROM signatures WHERE letter_id = {letter} ORDER BY id) to stdout csv header"
    );
    let started = Instant::now();
    let status = std::process::Command::new("psql")
        .arg(url)
        .args(["-X", "-q", "-c", &command])
        .stdout(std::process::Stdio::null())
        .status()?;
    let took = started.elapsed();
    anyhow::ensure!(status.success(), "psql failed: {status}");
    Ok(took)
}

/// Linux only: `echo 5 > /proc/self/clear_refs` sets VmHWM back to the present RSS.
fn reset_rss_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn rss_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Signatures in many scripts, some with commas, quotes and a leading `=`, as a real list
/// of tens of thousands would have: 1 in 20 organisations, 8 in 10 confirmed.
async fn seed(
    db: &DatabaseConnection,
    letter_id: i64,
    total: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    const NAMES: [&str; 8] = [
        "Zəhra Əliyeva",
        "Иван Петров",
        "Νίκος Παπαδόπουλος",
        "ნინო ბერიძე",
        "محمد الأحمد",
        "מרים כהן",
        "李小龙",
        "O'Brien, \"Jack\"",
    ];
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(1_000);
    for i in 0..total {
        let created = now - chrono::Duration::seconds((total - i) as i64);
        let status = if i % 10 < 8 {
            SignatureStatus::Confirmed
        } else {
            SignatureStatus::Pending
        };
        let organisation = i % 20 == 0;
        let email = format!("s{i}@d{}.example.org", i % 500);
        let name = if i % 1_000 == 0 {
            format!("=cmd{i}")
        } else {
            format!("{} {i}", NAMES[i % NAMES.len()])
        };
        batch.push(signature::ActiveModel {
            letter_id: Set(letter_id),
            kind: Set(if organisation {
                SignatureKind::Organisation
            } else {
                SignatureKind::Individual
            }),
            status: Set(status),
            name: Set(name),
            organisation_name: Set(organisation.then(|| format!("Human Rights House {i}"))),
            website: Set(organisation.then(|| format!("https://hrh{i}.example.org"))),
            role: Set(organisation.then(|| "Director".to_owned())),
            email: Set(email.clone()),
            email_normalized: Set(email),
            country: Set("AZ".into()),
            city: Set(Some("Bakı".into())),
            show_publicly: Set(true),
            wants_updates: Set(false),
            confirmation_emails: Set(1),
            client_ip: Set(Some(format!(
                "10.{}.{}.{}",
                (i / 65_536) % 256,
                (i / 256) % 256,
                i % 256
            ))),
            created_at: Set(created),
            confirmed_at: Set((status == SignatureStatus::Confirmed)
                .then(|| created + chrono::Duration::seconds(30))),
            letter_version: Set(1),
            ..Default::default()
        });
        if batch.len() == 1_000 {
            signature::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        signature::Entity::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}
