//! Structured logs with tracing.

use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber, writing to stdout; call once, before anything logs.
pub fn init(settings: &Settings) -> anyhow::Result<()> {
    install(settings, false)
}

/// The same, writing to stderr: for commands whose stdout is data (`undersigned export`).
pub fn init_stderr(settings: &Settings) -> anyhow::Result<()> {
    install(settings, true)
}

fn install(settings: &Settings, stderr: bool) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&settings.log)
        .map_err(|e| anyhow::anyhow!("setting `log` is not a valid filter: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(move || -> Box<dyn std::io::Write> {
            if stderr {
                Box::new(std::io::stderr())
            } else {
                Box::new(std::io::stdout())
            }
        });
    let result = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("installing the log subscriber: {e}"))
}
