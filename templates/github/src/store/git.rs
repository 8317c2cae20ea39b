//! Git objects and refs of each repository.

use sqlx::any::AnyExecutor;

/// Stores an object under its id (a no-op when it is already there).
pub async fn put_object(db: impl AnyExecutor<'_>, repo: i64, sha: &str, kind: &str, data: &[u8]) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO git_objects (repo_id, sha, kind, data) VALUES ($1, $2, $3, $4) ON CONFLICT (repo_id, sha) DO NOTHING")
        .bind(repo)
        .bind(sha)
        .bind(kind)
        .bind(data)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn get_object(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as("SELECT kind, data FROM git_objects WHERE repo_id = $1 AND sha = $2").bind(repo).bind(sha).fetch_optional(db).await
}

/// Full object ids starting with `prefix` (abbreviated shas).
pub async fn expand_prefix(db: impl AnyExecutor<'_>, repo: i64, prefix: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT sha FROM git_objects WHERE repo_id = $1 AND sha LIKE $2 AND kind = 'commit' LIMIT 2")
        .bind(repo)
        .bind(format!("{prefix}%"))
        .fetch_all(db)
        .await
}

pub async fn get_ref(db: impl AnyExecutor<'_>, repo: i64, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT sha FROM git_refs WHERE repo_id = $1 AND name = $2").bind(repo).bind(name).fetch_optional(db).await
}

/// Refs whose name starts with `prefix`, by name.
pub async fn refs(db: impl AnyExecutor<'_>, repo: i64, prefix: &str) -> sqlx::Result<Vec<(String, String)>> {
    let all: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sha FROM git_refs WHERE repo_id = $1 ORDER BY name").bind(repo).fetch_all(db).await?;
    Ok(all.into_iter().filter(|(n, _)| n.starts_with(prefix)).collect())
}

pub async fn create_ref(db: impl AnyExecutor<'_>, repo: i64, name: &str, sha: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO git_refs (repo_id, name, sha) VALUES ($1, $2, $3)").bind(repo).bind(name).bind(sha).execute(db).await?;
    Ok(())
}

pub async fn set_ref(db: impl AnyExecutor<'_>, repo: i64, name: &str, sha: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("UPDATE git_refs SET sha = $3 WHERE repo_id = $1 AND name = $2")
        .bind(repo)
        .bind(name)
        .bind(sha)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn delete_ref(db: impl AnyExecutor<'_>, repo: i64, name: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM git_refs WHERE repo_id = $1 AND name = $2").bind(repo).bind(name).execute(db).await?.rows_affected())
}
