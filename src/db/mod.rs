//! Opening the database: SQLite (the embedded default) or PostgreSQL, with the settings
//! each needs to take many concurrent signers.

pub mod batch;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use anyhow::Context;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    DbErr, IsolationLevel, RuntimeErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx,
};

use crate::config::Settings;

/// Connects with the pool size and, on SQLite, WAL, a busy timeout and foreign keys.
/// Creates the directory of a SQLite file when it does not exist yet.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
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
    let statement_timeout = format!("{}ms", settings.database_statement_timeout.as_millis());
    // A connection left inside a transaction (a client that vanished mid-request, a bug)
    // is ended by the server rather than holding its locks and outbox claims.
    let idle_in_transaction = format!(
        "{}ms",
        settings
            .database_statement_timeout
            .as_millis()
            .saturating_mul(6)
    );
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        // Fail fast in an outage: a request waits this long for a connection, then gets
        // a 503 page with Retry-After instead of hanging.
        .acquire_timeout(settings.database_acquire_timeout)
        .connect_timeout(settings.database_acquire_timeout)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        })
        .map_sqlx_postgres_opts(move |o| {
            o.options([
                ("statement_timeout", statement_timeout.as_str()),
                (
                    "idle_in_transaction_session_timeout",
                    idle_in_transaction.as_str(),
                ),
            ])
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

/// A boxed future borrowing the transaction it runs in, as `write` takes it.
pub type TxnFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 't>>;

/// Most attempts `write` makes when the database asks for a retry.
const WRITE_ATTEMPTS: u32 = 5;

/// Runs `work` in a write transaction (see `begin_write`) and commits it, on a task of its
/// own: if the request that asked for it goes away (the client hung up), the transaction
/// still runs to its commit or rollback, so no pooled connection is ever handed back with
/// a transaction open. A serialization failure or deadlock is retried with a new
/// transaction, so `work` must be safe to run again (it reads what it needs inside).
pub async fn write<T, F>(db: &DatabaseConnection, work: F) -> Result<T, DbErr>
where
    T: Send + 'static,
    F: for<'t> Fn(&'t DatabaseTransaction) -> TxnFuture<'t, T> + Send + Sync + 'static,
{
    let db = db.clone();
    let task = tokio::spawn(async move {
        let mut attempt = 1;
        loop {
            let txn = begin_write(&db).await?;
            let result = match work(&txn).await {
                Ok(value) => txn.commit().await.map(|()| value),
                Err(e) => {
                    // The rollback's own failure says less than the error that caused it.
                    let _ = txn.rollback().await;
                    Err(e)
                }
            };
            match result {
                Err(e) if is_retryable(&e) && attempt < WRITE_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "write transaction retried");
                    attempt += 1;
                }
                other => return other,
            }
        }
    });
    task.await
        .map_err(|e| DbErr::Custom(format!("the write transaction's task failed: {e}")))?
}

/// The SQLSTATE (PostgreSQL) or extended result code (SQLite) of a database error.
pub fn sqlstate(err: &DbErr) -> Option<String> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
    }
}

/// True for the failures PostgreSQL asks the client to retry: serialization failure
/// (40001) and deadlock (40P01), recognised by SQLSTATE rather than by message text.
pub fn is_retryable(err: &DbErr) -> bool {
    matches!(sqlstate(err).as_deref(), Some("40001" | "40P01"))
}

/// True when the database is out of reach or refusing work for now (no connection, the
/// server shutting down or starting, too many connections, a statement cancelled by its
/// timeout, SQLite's lock held past the busy timeout): the client should be told to try
/// again soon, not that something is broken.
pub fn is_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(d) => d.code().is_some_and(|code| {
                    code.starts_with("08")
                        || matches!(
                            code.as_ref(),
                            "57P01" | "57P02" | "57P03" | "53300" | "57014" | "5" | "517" | "6"
                        )
                }),
                _ => false,
            }
        }
        _ => false,
    }
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
