//! Secret API keys, stored as SHA-256 hashes.

use sqlx::any::AnyExecutor;

pub async fn exists(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM api_keys WHERE hash = $1").bind(hash).fetch_optional(db).await?.is_some())
}

pub async fn insert(db: impl AnyExecutor<'_>, hash: &str, last4: &str, created: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO api_keys (hash, last4, created) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING")
        .bind(hash)
        .bind(last4)
        .bind(created)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM api_keys WHERE hash = $1").bind(hash).execute(db).await?;
    Ok(())
}

pub async fn delete_all(db: impl AnyExecutor<'_>) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM api_keys").execute(db).await?;
    Ok(())
}
