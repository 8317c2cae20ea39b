//! Numbered SQL migrations embedded in a template, applied in order, and hashed so
//! a golden image is rebuilt whenever a migration changes.

use sha2::{Digest, Sha256};

use crate::StoreResult;
use crate::pool::{Pool, begin_write};

#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

pub fn hash(migrations: &[Migration]) -> String {
    let mut h = Sha256::new();
    for m in migrations {
        h.update(m.name.as_bytes());
        h.update([0]);
        h.update(m.sql.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..8])
}

pub async fn apply(pool: &Pool, migrations: &[Migration]) -> StoreResult<()> {
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS _asym_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)").execute(pool).await?;
    for m in migrations {
        let done: Option<(String,)> =
            sqlx::query_as("SELECT name FROM _asym_migrations WHERE name = $1").bind(m.name).fetch_optional(pool).await?;
        if done.is_some() {
            continue;
        }
        let mut tx = begin_write(pool).await?;
        sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO _asym_migrations (name, applied_at) VALUES ($1, CURRENT_TIMESTAMP)")
            .bind(m.name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
