//! Branch protection: one row per protected branch, its settings as JSON.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ProtectionRow {
    pub repo_id: i64,
    pub branch: String,
    pub id: i64,
    pub config: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "repo_id, branch, id, config, created_at, updated_at";

pub async fn get(db: impl AnyExecutor<'_>, repo: i64, branch: &str) -> sqlx::Result<Option<ProtectionRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM branch_protections WHERE repo_id = $1 AND branch = $2")))
        .bind(repo)
        .bind(branch)
        .fetch_optional(db)
        .await
}

/// Inserts the row, or replaces its settings and `updated_at`.
pub async fn put(db: impl AnyExecutor<'_>, p: &ProtectionRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO branch_protections ({COLS}) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (repo_id, branch) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at"
    )))
    .bind(p.repo_id)
    .bind(&p.branch)
    .bind(p.id)
    .bind(&p.config)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, repo: i64, branch: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM branch_protections WHERE repo_id = $1 AND branch = $2")
        .bind(repo)
        .bind(branch)
        .execute(db)
        .await?
        .rows_affected())
}

/// The protected branch names of a repository.
pub async fn branches_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT branch FROM branch_protections WHERE repo_id = $1 ORDER BY branch").bind(repo).fetch_all(db).await
}

/// Moves a branch's protection with a rename.
pub async fn rename(db: impl AnyExecutor<'_>, repo: i64, from: &str, to: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE branch_protections SET branch = $3 WHERE repo_id = $1 AND branch = $2")
        .bind(repo)
        .bind(from)
        .bind(to)
        .execute(db)
        .await?;
    Ok(())
}
