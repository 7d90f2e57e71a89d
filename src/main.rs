//! The `undersigned` command: serve, run the worker alone, migrate, load the demo letter.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use tokio_util::sync::CancellationToken;
use undersigned::auth::accounts::{self, By};
use undersigned::auth::audit::Actor;
use undersigned::entities::StaffRole;
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
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffCommand,
    },
    /// Manage partner API keys (as on the workspace's API keys screen).
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyCommand,
    },
    /// Check a proof document (an inclusion or consistency proof of a signature list, or
    /// the published entries of a snapshot) offline, without trusting the service; needs
    /// no settings and no database.
    Verify {
        /// The proof document (JSON); `-` reads standard input.
        proof: PathBuf,
        /// The root you obtained elsewhere (the printed letter, the delivery receipt, the
        /// letter page): the proof must lead to it.
        #[arg(long)]
        root: Option<String>,
    },
    /// Export a letter's signatures as CSV or JSON Lines, to a file or stdout. The
    /// command line is the operator's: personal columns (email, client_ip) may be asked
    /// for. Recorded in the audit log with the actor `cli`.
    Export(ExportArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// The letter's address (slug).
    #[arg(long)]
    letter: String,
    /// `csv` (RFC 4180) or `jsonl` (JSON Lines).
    #[arg(long, default_value = "csv")]
    format: String,
    /// Start a CSV file with a UTF-8 byte-order mark, for spreadsheet programs.
    #[arg(long)]
    bom: bool,
    /// Columns separated by commas, from: id, kind, status, name, organisation_name,
    /// country, city, occupation, website, role, version, show_publicly, wants_updates,
    /// created_at, confirmed_at, email, client_ip. Default: id to version, and
    /// confirmed_at.
    #[arg(long)]
    columns: Option<String>,
    /// `individual` or `organisation`.
    #[arg(long)]
    kind: Option<String>,
    /// `pending`, `confirmed`, `held`, `rejected` or `invalidated`.
    #[arg(long)]
    status: Option<String>,
    /// Only signatures of this version of the letter.
    #[arg(long)]
    version: Option<String>,
    /// Signed on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    since: Option<String>,
    /// Signed on or before this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    until: Option<String>,
    /// Write here instead of stdout (the file is replaced).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create an account and print its one-time link for setting a password.
    Add {
        email: String,
        #[arg(long, value_enum)]
        role: Role,
    },
    /// List the accounts: email, role, state, last sign-in.
    List,
    /// Disable an account and end its sessions.
    Disable { email: String },
    /// Print a new one-time link; the old links, password and sessions end.
    Reset { email: String },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Make a key and print it (only its hash is kept: it is never shown again).
    Add {
        /// Whom it is for.
        name: String,
        /// A letter (slug) it may sign for; repeat for several. Without any, every letter.
        #[arg(long = "letter")]
        letters: Vec<String>,
    },
    /// Revoke a key by its id (shown by the workspace's API keys screen).
    Revoke { id: i64 },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Role {
    Admin,
    Editor,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Verify { proof, root }) = &cli.command {
        return verify(proof, root.as_deref());
    }
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
    if matches!(command, Command::Export(_)) {
        telemetry::init_stderr(&settings)?;
    } else {
        telemetry::init(&settings)?;
    }
    let clock = Clock::System;
    match command {
        Command::Serve { no_migrate } => {
            if no_migrate {
                settings.migrate_on_start = false;
            }
            let database = db::redact(settings.database_url());
            let base_url = settings.base_url.clone();
            let app = Application::build(settings, clock.clone()).await?;
            println!(
                "undersigned is listening on {base_url} (port {})",
                app.port()
            );
            println!("database: {database}");
            println!("mail: {}", app.mailer().describe());
            if app.state().settings.serves_dev_mailbox() {
                println!("development mailbox: {base_url}dev/mailbox");
            }
            // Without any staff account nobody could sign in: print a link that lets the
            // person at this console create the first admin (the token is not logged).
            if let Some(link) =
                accounts::first_admin_link(&app.state().db, &base_url, clock.now()).await?
            {
                tracing::info!("no staff account yet: a first-admin link was printed");
                println!("no staff account yet; create the first admin within 24 hours at:");
                println!("  {link}");
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
            undersigned::abuse::quarantine::backfill(&conn)
                .await
                .context("filling in canonical addresses and name skeletons")?;
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
        Command::Staff { action } => {
            let conn = startup::connect_and_migrate(&settings).await?;
            staff(&conn, &settings, action, clock.now()).await
        }
        Command::ApiKey { action } => {
            let conn = startup::connect_and_migrate(&settings).await?;
            api_key(&conn, action, clock.now()).await
        }
        Command::Export(args) => {
            let conn = startup::connect_and_migrate(&settings).await?;
            export(&conn, &settings, args, &clock).await
        }
        Command::Verify { proof, root } => match verify(&proof, root.as_deref()) {
            code if code == ExitCode::SUCCESS => Ok(()),
            _ => anyhow::bail!("the proof was not verified"),
        },
    }
}

/// `undersigned verify`: 0 when the proof holds, 1 when it does not, 2 when it cannot be
/// read.
fn verify(path: &std::path::Path, root: Option<&str>) -> ExitCode {
    use std::io::Read;
    use undersigned::merkle::proof::{Document, ProofError};

    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| e.to_string())
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let text = match text {
        Ok(text) => text,
        Err(e) => {
            eprintln!("undersigned: cannot read the proof: {e}");
            return ExitCode::from(2);
        }
    };
    match Document::parse(&text).and_then(|doc| doc.verify(root)) {
        Ok(said) => {
            println!("verified: {said}");
            ExitCode::SUCCESS
        }
        Err(
            e @ (ProofError::Unreadable(_) | ProofError::UnknownFormat(_) | ProofError::BadHash(_)),
        ) => {
            eprintln!("undersigned: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            println!("NOT verified: {e}");
            ExitCode::from(1)
        }
    }
}

/// `undersigned export`: the same `Spec` and `Exporter` as the workspace's download.
async fn export(
    conn: &sea_orm::DatabaseConnection,
    settings: &Settings,
    args: ExportArgs,
    clock: &Clock,
) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    use undersigned::export::{self, RawSpec, Spec};

    let raw = RawSpec {
        format: &args.format,
        bom: args.bom,
        columns: args.columns.as_deref().into_iter().collect(),
        kind: args.kind.as_deref().unwrap_or(""),
        status: args.status.as_deref().unwrap_or(""),
        version: args.version.as_deref().unwrap_or(""),
        since: args.since.as_deref().unwrap_or(""),
        until: args.until.as_deref().unwrap_or(""),
    };
    let spec = Spec::parse(&raw).map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("--{}: {}", e.field, e.message))
            .collect();
        anyhow::anyhow!("{}", lines.join("\n"))
    })?;
    let letter = undersigned::store::letters::find_by_slug(conn, &args.letter)
        .await
        .context("reading the letter")?
        .ok_or_else(|| anyhow::anyhow!("no letter has the address {:?}", args.letter))?;
    export::record_start(conn, Actor::Cli, letter.id, &spec, None, clock.now())
        .await
        .context("recording the export in the audit log")?;
    // A bar only for a person watching: on a terminal, on stderr, never in a pipe's output.
    let bar = if std::io::stderr().is_terminal() {
        let total = export::count(conn, letter.id, &spec.filters)
            .await
            .context("counting the signatures")?;
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} signatures ({per_sec}, {eta} left)",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let rows = export::write_to(
        conn,
        letter.id,
        &spec,
        settings.export_page_size,
        &mut out,
        |n| bar.set_position(n),
    )
    .await
    .context("writing the export")?;
    drop(out);
    bar.finish_and_clear();
    export::record_finish(conn, Actor::Cli, letter.id, rows, None, clock.now())
        .await
        .context("recording the end of the export")?;
    if let Some(path) = &args.output {
        eprintln!("{rows} signatures written to {}", path.display());
    }
    Ok(())
}

/// The `api-key` subcommands; each is recorded in the audit log with the actor `cli`.
async fn api_key(
    conn: &sea_orm::DatabaseConnection,
    action: ApiKeyCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use undersigned::api::keys::{self, MAX_NAME_CHARS, Scope};
    match action {
        ApiKeyCommand::Add { name, letters } => {
            let name = name.trim();
            if name.is_empty()
                || name.chars().count() > MAX_NAME_CHARS
                || name.chars().any(char::is_control)
            {
                anyhow::bail!("a key's name has 1 to {MAX_NAME_CHARS} characters");
            }
            let scope = if letters.is_empty() {
                Scope::AllLetters
            } else {
                let mut ids = Vec::new();
                for slug in &letters {
                    match undersigned::store::letters::find_by_slug(conn, slug).await? {
                        Some(letter) => ids.push(letter.id),
                        None => anyhow::bail!("no letter has the slug {slug:?}"),
                    }
                }
                Scope::Letters(ids)
            };
            let txn = undersigned::db::begin_write(conn).await?;
            let (row, key) = keys::create(&txn, name, &scope, Actor::Cli, None, now).await?;
            txn.commit().await.context("saving the API key")?;
            eprintln!(
                "API key {} made for {name:?}; it is not shown again:",
                row.id
            );
            println!("{key}");
        }
        ApiKeyCommand::Revoke { id } => {
            let txn = undersigned::db::begin_write(conn).await?;
            let revoked = keys::revoke(&txn, id, Actor::Cli, None, now).await?;
            txn.commit().await.context("revoking the API key")?;
            if revoked {
                println!("API key {id} revoked");
            } else {
                anyhow::bail!("no live API key has the id {id}");
            }
        }
    }
    Ok(())
}

/// The `staff` subcommands; each is recorded in the audit log with the actor `cli`.
async fn staff(
    conn: &sea_orm::DatabaseConnection,
    settings: &Settings,
    action: StaffCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    match action {
        StaffCommand::Add { email, role } => {
            let role = match role {
                Role::Admin => StaffRole::Admin,
                Role::Editor => StaffRole::Editor,
            };
            let link =
                accounts::add(conn, &email, role, &settings.base_url, By::cli(), now).await?;
            println!("account created; it can set its password once, within 24 hours, at:");
            println!("  {link}");
        }
        StaffCommand::List => {
            let all = accounts::list(conn)
                .await
                .context("listing staff accounts")?;
            if all.is_empty() {
                println!("no staff accounts");
            }
            for account in all {
                let last = account
                    .last_sign_in_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "never signed in".into());
                println!(
                    "{}\t{}\t{}\t{}",
                    account.email,
                    accounts::role_name(account.role),
                    accounts::state_name(&account),
                    last
                );
            }
        }
        StaffCommand::Disable { email } => {
            accounts::disable(conn, &email, By::cli(), now).await?;
            println!("{email} is disabled and signed out everywhere");
        }
        StaffCommand::Reset { email } => {
            let link = accounts::reset(conn, &email, &settings.base_url, By::cli(), now).await?;
            println!("old links and sessions ended; the new one-time link (24 hours):");
            println!("  {link}");
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_staff_commands_parse() {
        let cli = Cli::try_parse_from([
            "undersigned",
            "staff",
            "add",
            "a@example.org",
            "--role",
            "editor",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Staff { action: StaffCommand::Add { ref email, role: Role::Editor } }) if email == "a@example.org"
        ));
        for args in [
            vec!["undersigned", "staff", "list"],
            vec!["undersigned", "staff", "disable", "a@example.org"],
            vec!["undersigned", "staff", "reset", "a@example.org"],
        ] {
            assert!(Cli::try_parse_from(args).is_ok());
        }
        // A role is required and must be one of the two.
        assert!(Cli::try_parse_from(["undersigned", "staff", "add", "a@example.org"]).is_err());
        assert!(
            Cli::try_parse_from([
                "undersigned",
                "staff",
                "add",
                "a@example.org",
                "--role",
                "owner"
            ])
            .is_err()
        );
    }

    #[test]
    fn the_export_command_parses() {
        let cli = Cli::try_parse_from([
            "undersigned",
            "export",
            "--letter",
            "free-them",
            "--format",
            "jsonl",
            "--columns",
            "id,name,email",
            "--since",
            "2026-11-01",
            "--output",
            "out.jsonl",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Export(ref a)) if a.letter == "free-them"
                && a.format == "jsonl"
                && a.columns.as_deref() == Some("id,name,email")
                && a.since.as_deref() == Some("2026-11-01")
                && !a.bom
                && a.output.as_deref() == Some(std::path::Path::new("out.jsonl"))
        ));
        // The letter is required.
        assert!(Cli::try_parse_from(["undersigned", "export"]).is_err());
    }
}
