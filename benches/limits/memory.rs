//! Memory flat: the resident memory of `serve` idle after start and one warm page, and
//! again after a signing burst (at half the rate the signing row kept up with) and an
//! idle spell. The ratio after/idle is held to at most 1.5.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::report::Measured;
use crate::signing::SigningTarget;
use crate::support::{self, Env};

pub async fn run(env: &Env) -> anyhow::Result<Vec<Measured>> {
    let burst = support::seconds("BENCH_MEMORY_BURST_SECS", 60.0, 5.0);
    let idle = support::seconds("BENCH_MEMORY_IDLE_SECS", 60.0, 5.0);
    let rate = support::setting(
        "BENCH_MEMORY_RATE",
        env.signing_rate().await.map(|r| r * 0.5).unwrap_or(200.0),
        env.signing_rate().await.map(|r| r * 0.5).unwrap_or(200.0),
    )
    .max(10.0);
    // `start` fetches each letter's page once (its form stamp): the warm page.
    let target = SigningTarget::start(env, "memory", 1).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = target.service.rss_mib()?;
    let next = AtomicU64::new(0);
    let load = support::open_loop(rate, burst, 2048, |_| {
        target.sign(next.fetch_add(1, Ordering::Relaxed))
    })
    .await?;
    eprintln!(
        "  {} memory: {before:.1} MiB idle; burst of {rate:.0}/s for {:.0} s: {}/{} ok, p99 {:.1} ms",
        env.label,
        burst.as_secs_f64(),
        load.ok,
        load.sent,
        load.p99_ms
    );
    tokio::time::sleep(idle).await;
    let after = target.service.rss_mib()?;
    eprintln!(
        "  {} memory: {after:.1} MiB after {:.0} s idle",
        env.label,
        idle.as_secs_f64()
    );
    target.service.stop().await?;
    Ok(vec![Measured {
        name: format!(
            "memory flat (RSS after {:.0} s of signing at {rate:.0}/s and {:.0} s idle)",
            burst.as_secs_f64(),
            idle.as_secs_f64()
        ),
        database: env.label.into(),
        value: after,
        baseline: before,
        baseline_name: "idle after start and one page".into(),
        unit: " MiB".into(),
        p50_ms: Some(load.p50_ms),
        p99_ms: Some(load.p99_ms),
        goal: 1.5,
        lower_is_better: true,
    }])
}
