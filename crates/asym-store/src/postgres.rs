//! PostgreSQL server operations: databases per clone, golden template databases
//! and snapshot databases. `CREATE`/`DROP DATABASE` cannot take bound names, so
//! every name is checked against `[a-z0-9_]{1,63}` and quoted before use.

use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection};
use url::Url;

use crate::{StoreError, StoreResult};

const MAX_NAME: usize = 63;

pub fn check_name(name: &str) -> StoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok { Ok(()) } else { Err(StoreError::Config(format!("`{name}` is not a valid database name (use [a-z0-9_], at most 63)"))) }
}

fn quoted(name: &str) -> StoreResult<String> {
    check_name(name)?;
    Ok(format!("\"{name}\""))
}

/// `clone_<id>` with hyphens as underscores, as the brief names them.
pub fn clone_db_name(clone_id: &str) -> String {
    fit(&format!("clone_{}", clone_id.replace('-', "_")))
}

/// Prefix shared by every snapshot database of one clone.
pub fn snapshot_prefix(clone_id: &str) -> String {
    format!("s_{}__", short(&clone_id.replace('-', "_"), 36))
}

pub fn snapshot_db_name(clone_id: &str, snapshot: &str) -> String {
    fit(&format!("{}{}", snapshot_prefix(clone_id), snapshot.replace('-', "_")))
}

/// Keeps a name within PostgreSQL's 63 bytes, replacing the tail by a hash.
fn fit(name: &str) -> String {
    if name.len() <= MAX_NAME {
        name.to_string()
    } else {
        format!("{}_{}", &name[..50], &hex::encode(Sha256::digest(name.as_bytes()))[..12])
    }
}

fn short(s: &str, max: usize) -> String {
    if s.len() <= max { s.to_string() } else { format!("{}{}", &s[..max - 9], &hex::encode(Sha256::digest(s.as_bytes()))[..9]) }
}

/// The same server, connected to its maintenance database.
pub fn server_url(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_path("/postgres");
    u
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &Url, name: &str) -> Url {
    let mut u = url.clone();
    u.set_path(&format!("/{name}"));
    u
}

pub async fn admin(url: &Url) -> StoreResult<PgConnection> {
    PgConnection::connect(server_url(url).as_str())
        .await
        .map_err(|e| StoreError::Unreachable(format!("PostgreSQL at {}: {e}", redact(url))))
}

/// The URL without its password, for messages.
pub fn redact(url: &Url) -> String {
    let mut u = url.clone();
    if u.password().is_some() {
        let _ = u.set_password(Some("***"));
    }
    format!("{}:{}", u.host_str().unwrap_or("?"), u.port().unwrap_or(5432))
}

pub async fn exists(conn: &mut PgConnection, name: &str) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1").bind(name).fetch_one(&mut *conn).await?;
    Ok(n > 0)
}

/// An empty database with byte-order collation, so text sorts as on SQLite.
pub async fn create_empty(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    let sql = format!("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'", quoted(name)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

pub async fn create_from(conn: &mut PgConnection, name: &str, template: &str) -> StoreResult<()> {
    let sql = format!("CREATE DATABASE {} TEMPLATE {}", quoted(name)?, quoted(template)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// Drops `name` if it exists, ending its sessions first.
pub async fn drop_database(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quoted(name)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

pub async fn rename(conn: &mut PgConnection, from: &str, to: &str) -> StoreResult<()> {
    let sql = format!("ALTER DATABASE {} RENAME TO {}", quoted(from)?, quoted(to)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// Golden images are template databases nobody connects to.
pub async fn seal_as_template(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    let sql = format!("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", quoted(name)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// Snapshots are copied from, never connected to.
pub async fn seal(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    let sql = format!("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false", quoted(name)?);
    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    Ok(())
}

/// Drops a golden template database (template databases refuse a plain DROP).
pub async fn drop_template(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    if exists(conn, name).await? {
        let sql = format!("ALTER DATABASE {} WITH IS_TEMPLATE false", quoted(name)?);
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await?;
        drop_database(conn, name).await?;
    }
    Ok(())
}

pub async fn list_prefixed(conn: &mut PgConnection, prefix: &str) -> StoreResult<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname")
        .bind(prefix)
        .fetch_all(&mut *conn)
        .await?;
    Ok(names)
}

/// Session-level advisory lock keyed by `name`: concurrent golden builders on one
/// server serialize here. Released by `unlock` or when the session ends.
pub async fn lock(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_lock($1)").bind(lock_key(name)).execute(&mut *conn).await?;
    Ok(())
}

pub async fn unlock(conn: &mut PgConnection, name: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(lock_key(name)).execute(&mut *conn).await?;
    Ok(())
}

fn lock_key(name: &str) -> i64 {
    let d = Sha256::digest(name.as_bytes());
    i64::from_be_bytes(d[..8].try_into().expect("a SHA-256 digest has 8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_fit() {
        assert!(check_name("clone_slack_a1b2").is_ok());
        for bad in ["", "Clone", "a-b", "x\"; DROP DATABASE y; --", "1abc", &"a".repeat(64)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(clone_db_name("slack-a1b2"), "clone_slack_a1b2");
        let long = clone_db_name(&"a-".repeat(30));
        assert!(long.len() <= 63 && check_name(&long).is_ok(), "{long}");
        let snap = snapshot_db_name(&"b-".repeat(24), &"c".repeat(48));
        assert!(snap.len() <= 63 && check_name(&snap).is_ok(), "{snap}");
        assert!(snapshot_db_name("slack-a1b2", "before").starts_with(&snapshot_prefix("slack-a1b2")));
    }
}
