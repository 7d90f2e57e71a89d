//! `undersigned backup PATH`: an online copy of the SQLite database, or the `pg_dump`
//! command that does the same for PostgreSQL.

use std::path::Path;

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

/// What a backup request did.
#[derive(Debug, PartialEq, Eq)]
pub enum Backup {
    /// The SQLite database was copied to the path.
    Written,
    /// PostgreSQL is backed up by its own tool: run this command (the password, if any,
    /// goes in `PGPASSWORD` or `~/.pgpass`, never on a command line).
    PgDump(String),
}

/// Copies a SQLite database to `dest` while the service keeps serving, or says how to
/// dump a PostgreSQL one.
///
/// `VACUUM INTO` writes a consistent, compacted copy from one read snapshot through the
/// connection the service already has: readers and writers carry on (in WAL mode a
/// writer is not blocked by the snapshot), unlike copying the file, which can catch a
/// half-written page or miss what still sits in the WAL. It refuses an existing file, so a
/// backup never overwrites another.
pub async fn backup(
    db: &DatabaseConnection,
    database_url: &str,
    dest: &Path,
) -> anyhow::Result<Backup> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            if dest.exists() {
                bail!(
                    "{} exists already; a backup never overwrites",
                    dest.display()
                );
            }
            let Some(path) = dest.to_str() else {
                bail!("the backup path {} is not valid UTF-8", dest.display());
            };
            db.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "VACUUM INTO ?",
                [path.into()],
            ))
            .await
            .with_context(|| format!("writing the backup to {}", dest.display()))?;
            Ok(Backup::Written)
        }
        DatabaseBackend::Postgres => Ok(Backup::PgDump(pg_dump_command(database_url, dest))),
        other => bail!("backups are not supported for {other:?}"),
    }
}

/// A `pg_dump` command writing plain SQL to `dest`, restorable with
/// `psql -v ON_ERROR_STOP=1 -d NEW_DATABASE -f FILE`. Owner and grants are left out so
/// the dump restores under another role.
pub fn pg_dump_command(database_url: &str, dest: &Path) -> String {
    let url = match url::Url::parse(database_url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => database_url.to_string(),
    };
    format!(
        "pg_dump --no-owner --no-privileges --file {} {}",
        shell_quote(&dest.display().to_string()),
        shell_quote(&url)
    )
}

/// Single-quotes a word for a POSIX shell.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pg_dump_command_leaves_the_password_out() {
        let command = pg_dump_command(
            "postgres://app:secret@db.internal:5432/letters",
            Path::new("/backups/it's.sql"),
        );
        assert_eq!(
            command,
            r"pg_dump --no-owner --no-privileges --file '/backups/it'\''s.sql' 'postgres://app@db.internal:5432/letters'"
        );
    }
}
