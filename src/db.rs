//! Opening the database: SQLite (the embedded default) or PostgreSQL, with the settings
//! each needs to take many concurrent signers.

use std::path::Path;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::config::Settings;

/// Connects with the pool size and, on SQLite, WAL, a busy timeout and foreign keys.
/// Creates the directory of a SQLite file when it does not exist yet.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url.as_str();
    if let Some(dir) = sqlite_file(url)
        .and_then(|path| Path::new(path).parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the database directory {}", dir.display()))?;
        }
    }
    let busy_timeout = settings.sqlite_busy_timeout;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact(url)))
}

/// Starts a transaction that writes. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later fails
/// with "database is locked" when another writer got in between, and the busy timeout
/// cannot help it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// Starts a transaction that sees one snapshot throughout and fails rather than act on
/// rows another transaction changed meanwhile (PostgreSQL's REPEATABLE READ; SQLite's
/// single writer gives the same).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    db.begin_with_options(TransactionOptions {
        isolation_level: postgres.then_some(IsolationLevel::RepeatableRead),
        access_mode: postgres.then_some(AccessMode::ReadWrite),
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// The file of a `sqlite:` URL, if it names one.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// True when the error is a serialization failure PostgreSQL asks the client to retry.
pub fn is_serialization_failure(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("40001") || text.contains("could not serialize access")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/u.db?mode=rwc"),
            Some("data/u.db")
        );
        assert_eq!(sqlite_file("sqlite:u.db"), Some("u.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x@y/z"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@db/x"), "postgres://u:***@db/x");
    }
}
