//! The `undersigned` command: serve, run the worker alone, migrate, load the demo letter.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use tokio_util::sync::CancellationToken;
use undersigned::{Application, Clock, Settings, backup, db, demo, startup, telemetry};

#[derive(Parser)]
#[command(
    name = "undersigned",
    version,
    about = "Open letters with email-verified signatures"
)]
struct Cli {
    /// A TOML file of settings; `UNDERSIGNED_*` environment variables override it.
    #[arg(long, global = true, env = "UNDERSIGNED_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web site with the outbox worker beside it (the default).
    Serve {
        /// Do not apply pending migrations on start.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Run the outbox worker and count roll-up alone, for scaling out.
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the sample open letter (running it again changes nothing).
    Demo,
    /// Copy the SQLite database to PATH while the service runs (for PostgreSQL, print
    /// the `pg_dump` command instead).
    Backup {
        /// Where the copy goes; it must not exist yet.
        path: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("undersigned: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("undersigned: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(
        cli.command.unwrap_or(Command::Serve { no_migrate: false }),
        settings,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("undersigned: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    telemetry::init(&settings)?;
    let clock = Clock::System;
    match command {
        Command::Serve { no_migrate } => {
            if no_migrate {
                settings.migrate_on_start = false;
            }
            let database = db::redact(settings.database_url());
            let base_url = settings.base_url.clone();
            let app = Application::build(settings, clock).await?;
            println!(
                "undersigned is listening on {base_url} (port {})",
                app.port()
            );
            println!("database: {database}");
            println!("mail: {}", app.mailer().describe());
            if app.state().settings.serves_dev_mailbox() {
                println!("development mailbox: {base_url}dev/mailbox");
            }
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Worker => {
            println!(
                "undersigned worker: database {}",
                db::redact(settings.database_url())
            );
            startup::run_worker(settings, clock, shutdown_signal()).await
        }
        Command::Migrate => {
            let conn = db::connect(&settings).await?;
            Migrator::up(&conn, None)
                .await
                .context("applying migrations")?;
            println!(
                "migrations applied to {}",
                db::redact(settings.database_url())
            );
            Ok(())
        }
        Command::Demo => {
            let conn = startup::connect_and_migrate(&settings).await?;
            let now = clock.now();
            if demo::load(&conn, now).await? {
                println!(
                    "sample letter loaded: {}letters/{}",
                    settings.base_url,
                    demo::DEMO_SLUG
                );
            } else {
                println!(
                    "sample letter already present: {}letters/{}",
                    settings.base_url,
                    demo::DEMO_SLUG
                );
            }
            Ok(())
        }
        Command::Backup { path } => {
            let conn = db::connect(&settings).await?;
            match backup::backup(&conn, settings.database_url(), &path).await? {
                backup::Backup::Written => println!("backup written to {}", path.display()),
                backup::Backup::PgDump(command) => {
                    println!("PostgreSQL is backed up with pg_dump; run:\n{command}")
                }
            }
            conn.close().await.context("closing the database")?;
            Ok(())
        }
    }
}

/// A token cancelled on Ctrl-C or SIGTERM.
fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        trigger.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutting down: finishing requests in flight");
        trigger.cancel();
    });
    token
}
