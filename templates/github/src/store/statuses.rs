//! Commit statuses.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct StatusRow {
    pub id: i64,
    pub repo_id: i64,
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub creator_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, repo_id, sha, state, context, description, target_url, creator_id, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, s: &StatusRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO commit_statuses ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
        .bind(s.id)
        .bind(s.repo_id)
        .bind(&s.sha)
        .bind(&s.state)
        .bind(&s.context)
        .bind(&s.description)
        .bind(&s.target_url)
        .bind(s.creator_id)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Statuses of one commit, newest first.
pub async fn of_sha(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Vec<StatusRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM commit_statuses WHERE repo_id = $1 AND sha = $2 ORDER BY id DESC")))
        .bind(repo)
        .bind(sha)
        .fetch_all(db)
        .await
}
