//! How a clone opens its SQLite file: WAL for concurrent readers, a busy timeout so
//! writers queue instead of failing, foreign keys on.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StoreResult;

pub async fn open(path: &Path, create: bool) -> StoreResult<SqlitePool> {
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .idle_timeout(Some(Duration::from_secs(60)))
        .connect_with(opts)
        .await?;
    Ok(pool)
}

/// A transaction that takes the write lock up front. A deferred transaction that
/// reads and then writes cannot wait for the lock (SQLite answers
/// `SQLITE_BUSY_SNAPSHOT` at once), so every read-then-write goes through here.
pub async fn begin_write(pool: &SqlitePool) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Parses `sqlite:///abs/path` (or `sqlite:relative`) into a path.
pub fn path_from_url(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    Some(std::path::PathBuf::from(rest))
}

pub fn url_from_path(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Checks a connection string is one this build can open.
pub fn check_url(url: &str) -> StoreResult<()> {
    if url.starts_with("sqlite:") {
        SqliteConnectOptions::from_str(url)?;
        Ok(())
    } else {
        Err(crate::StoreError::Unsupported(format!("the database `{}` (shared PostgreSQL)", redact_url(url))))
    }
}

fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_urls() {
        assert_eq!(path_from_url("sqlite:///tmp/a.db").unwrap(), Path::new("/tmp/a.db"));
        assert_eq!(path_from_url("sqlite:a.db?mode=rwc").unwrap(), Path::new("a.db"));
        assert!(path_from_url("postgres://x").is_none());
    }

    #[test]
    fn postgres_is_a_named_not_built_error_with_the_password_hidden() {
        let e = check_url("postgres://u:secret@h/db").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
