//! One measured ratio, printed and appended to BENCHMARKS.md.

use std::io::Write;

/// A path measured against its limit in the same run.
#[derive(Clone, Debug)]
pub struct Measured {
    /// What was measured, e.g. "P1 signing".
    pub name: String,
    /// "SQLite" or "PostgreSQL".
    pub database: String,
    /// The path's figure (e.g. signings/s).
    pub value: f64,
    /// The limit's figure in the same unit, measured in the same run.
    pub baseline: f64,
    /// What the baseline is, e.g. "pgbench, same statements".
    pub baseline_name: String,
    /// The unit of `value` and `baseline`, e.g. "/s" or "MiB".
    pub unit: String,
    /// Latency percentiles of the path at the measured rate, when it has them.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The goal for `value / baseline` (for memory, the ceiling: lower is better).
    pub goal: f64,
    /// True when a lower ratio is better (memory).
    pub lower_is_better: bool,
}

impl Measured {
    pub fn ratio(&self) -> f64 {
        if self.baseline > 0.0 {
            self.value / self.baseline
        } else {
            0.0
        }
    }

    pub fn met(&self) -> bool {
        if self.lower_is_better {
            self.ratio() <= self.goal
        } else {
            self.ratio() >= self.goal
        }
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1} ms"))
        .unwrap_or_else(|| "-".into())
}

/// The rows as a Markdown table.
pub fn table(rows: &[Measured]) -> String {
    let mut out = String::from(
        "| path | database | value | baseline | ratio | goal | p50 | p99 |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let goal = if r.lower_is_better { "≤" } else { "≥" };
        out.push_str(&format!(
            "| {} | {} | {:.0}{} | {:.0}{} ({}) | {:.2} | {goal} {:.2} {} | {} | {} |\n",
            r.name,
            r.database,
            r.value,
            r.unit,
            r.baseline,
            r.unit,
            r.baseline_name,
            r.ratio(),
            r.goal,
            if r.met() { "met" } else { "**not met**" },
            ms(r.p50_ms),
            ms(r.p99_ms),
        ));
    }
    out
}

/// Prints the table and appends it under a dated heading to BENCHMARKS.md, with how long
/// the run took, the machine's load when it ended, and the groups of rows that failed.
pub fn print_and_append(
    rows: &[Measured],
    failures: &[String],
    took: std::time::Duration,
) -> anyhow::Result<()> {
    let mut table = table(rows);
    for failure in failures {
        table.push_str(&format!("\n**Failed:** {failure}\n"));
    }
    let cpu = crate::support::cpu_notes();
    if !cpu.is_empty() {
        table
            .push_str("\nService CPU per request over each climb (user + system, from /proc):\n\n");
        for line in cpu {
            table.push_str(&format!("- {line}\n"));
        }
    }
    println!("{table}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let mut file = std::fs::OpenOptions::new().append(true).open(&path)?;
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    write!(
        file,
        "\n### `cargo bench --bench limits`, {date} ({:.0} s; load average {load} at the end)\n\n{table}",
        took.as_secs_f64()
    )?;
    Ok(())
}
