//! `cargo bench --bench limits`: every ratio of the speed goals in one run.
//!
//! Each row measures a path of the service against the limit it is held to (pgbench
//! running the same statements, one SQLite connection running them, `/healthz` in the
//! same binary, a plain pooled lettre loop, ...), under an open-loop load at a fixed
//! arrival rate. The service runs as its own process (the release binary's `serve` or
//! `worker`), so its CPU and memory are its own. Rows are printed as a table and appended,
//! dated, to BENCHMARKS.md. SQLite always; PostgreSQL too when `TEST_DATABASE_URL` names
//! a server (a database is created for the run and dropped).

mod mail;
mod memory;
mod pages;
mod report;
mod signing;
mod support;

use report::Measured;
use support::Env;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let rows = runtime.block_on(async {
        let mut rows: Vec<Measured> = Vec::new();
        for env in Env::all().await? {
            rows.extend(signing::run(&env).await?);
            rows.extend(pages::run(&env).await?);
            rows.extend(mail::run(&env).await?);
            rows.extend(memory::run(&env).await?);
            env.finish().await?;
        }
        anyhow::Ok(rows)
    })?;
    report::print_and_append(&rows)
}
