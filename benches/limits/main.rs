//! `cargo bench --bench limits`: every ratio of the speed goals in one run.
//!
//! Each row measures a path of the service against the limit it is held to (pgbench
//! running the same statements, one SQLite connection running them, `/healthz` in the
//! same binary, a plain pooled lettre loop, ...), under an open-loop load at a fixed
//! arrival rate. The service runs as its own process (the release binary's `serve` or
//! `worker`), so its CPU and memory are its own. Rows are printed as a table and appended,
//! dated, to BENCHMARKS.md. SQLite always; PostgreSQL too when `TEST_DATABASE_URL` names
//! a server (a database is created for the run and dropped). BENCHMARKS.md ("The limits
//! bench") says what each row measures and which `BENCH_*` settings change the run.

#[path = "../common/mod.rs"]
mod common;
mod mail;
mod memory;
mod pages;
mod report;
mod signing;
mod support;

use std::future::Future;
use std::time::Instant;

use report::Measured;
use support::Env;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    let (rows, failures) = runtime.block_on(async {
        let mut rows: Vec<Measured> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        for env in Env::all().await? {
            // A group of rows that fails is reported and the others still run, so one
            // missing tool or broken path does not cost the whole run.
            collect(
                &env,
                "signing",
                signing::run(&env),
                &mut rows,
                &mut failures,
            )
            .await;
            if support::wants("pages") {
                collect(&env, "pages", pages::run(&env), &mut rows, &mut failures).await;
            }
            if support::wants("mail") {
                collect(&env, "mail", mail::run(&env), &mut rows, &mut failures).await;
            }
            if support::wants("memory") {
                collect(&env, "memory", memory::run(&env), &mut rows, &mut failures).await;
            }
            env.finish().await?;
        }
        anyhow::Ok((rows, failures))
    })?;
    report::print_and_append(&rows, &failures, started.elapsed())?;
    anyhow::ensure!(
        failures.is_empty(),
        "{} group(s) of rows failed",
        failures.len()
    );
    Ok(())
}

async fn collect(
    env: &Env,
    group: &str,
    run: impl Future<Output = anyhow::Result<Vec<Measured>>>,
    rows: &mut Vec<Measured>,
    failures: &mut Vec<String>,
) {
    eprintln!("{}: {group}", env.label);
    match run.await {
        Ok(measured) => rows.extend(measured),
        Err(e) => {
            eprintln!("{}: the {group} rows failed: {e:#}", env.label);
            failures.push(format!("{} {group}: {e:#}", env.label));
        }
    }
}
