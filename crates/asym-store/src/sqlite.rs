//! How a clone opens its SQLite file: WAL for concurrent readers, NORMAL sync, a
//! larger page cache. Pragmas are per connection, so they run on every new
//! connection of the pool; the busy timeout and foreign keys, which every
//! connection needs (images and readers too), are set by the driver when it
//! opens one (`inline_sqlite`).

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use crate::StoreResult;

/// Run on every new connection (WAL is persistent, the others are not). An 8 MiB
/// page cache per connection (SQLite's default is 2 MiB) keeps a busy clone's
/// JSON documents in memory: perf showed a tenth of a Stripe confirmation in
/// pread. It fills only as pages are read, so an idle clone does not pay for it.
/// Temporary storage in memory: each write is a savepoint of a shared
/// transaction (`begin_write`), and SQLite keeps a savepoint's undo pages in a
/// temporary file once they pass 64 KiB, which perf showed as a sixth of a
/// Stripe confirmation's CPU in `pwrite`.
pub const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;";

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
        Err(crate::StoreError::Config(format!("`{}` is neither a sqlite: nor a postgres:// url", asym_contract::record::redact_url(url))))
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
    fn unknown_schemes_are_named_with_the_password_hidden() {
        let e = check_url("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
