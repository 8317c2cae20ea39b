//! Comments on commits.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct CommitCommentRow {
    pub id: i64,
    pub repo_id: i64,
    pub commit_id: String,
    pub user_id: i64,
    pub body: String,
    pub path: Option<String>,
    pub position: Option<i64>,
    pub line: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, repo_id, commit_id, user_id, body, path, position, line, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, c: &CommitCommentRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO commit_comments ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
        .bind(c.id)
        .bind(c.repo_id)
        .bind(&c.commit_id)
        .bind(c.user_id)
        .bind(&c.body)
        .bind(&c.path)
        .bind(c.position)
        .bind(c.line)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_body(db: impl AnyExecutor<'_>, id: i64, body: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE commit_comments SET body = $2, updated_at = $3 WHERE id = $1").bind(id).bind(body).bind(now).execute(db).await?;
    Ok(())
}

pub async fn delete(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM reactions WHERE subject = 'commit_comment' AND subject_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM commit_comments WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<CommitCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM commit_comments WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A commit's comments, oldest first.
pub async fn of_commit(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Vec<CommitCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM commit_comments WHERE repo_id = $1 AND commit_id = $2 ORDER BY id")))
        .bind(repo)
        .bind(sha)
        .fetch_all(db)
        .await
}

/// A repository's commit comments, oldest first.
pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<CommitCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM commit_comments WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}
