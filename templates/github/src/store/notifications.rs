//! Notification threads: one per (user, issue or pull request).

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ThreadRow {
    pub id: i64,
    pub user_id: i64,
    pub repo_id: i64,
    pub issue_id: i64,
    pub reason: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub unread: bool,
    pub updated_at: i64,
    pub last_read_at: Option<i64>,
}

const SELECT: &str = "SELECT id, user_id, repo_id, issue_id, reason, unread, updated_at, last_read_at FROM notifications";

/// Marks the user's thread on `issue` unread with `reason`; true when it was new.
pub async fn touch(conn: &mut sqlx::AnyConnection, id: i64, user: i64, repo: i64, issue: i64, reason: &str, at: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("UPDATE notifications SET reason = $3, unread = 1, updated_at = $4 WHERE user_id = $1 AND issue_id = $2")
        .bind(user)
        .bind(issue)
        .bind(reason)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO notifications (id, user_id, repo_id, issue_id, reason, unread, updated_at, last_read_at) VALUES ($1, $2, $3, $4, $5, 1, $6, NULL)",
    )
    .bind(id)
    .bind(user)
    .bind(repo)
    .bind(issue)
    .bind(reason)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The user's threads, most recently updated first (`repo` narrows to one repository).
pub async fn of_user(db: impl AnyExecutor<'_>, user: i64, repo: Option<i64>) -> sqlx::Result<Vec<ThreadRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE user_id = $1 AND ($2 < 0 OR repo_id = $2) ORDER BY updated_at DESC, id DESC"
    )))
    .bind(user)
    .bind(repo.unwrap_or(-1))
    .fetch_all(db)
    .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<ThreadRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id).fetch_optional(db).await
}

/// Marks read the user's threads updated at or before `before` (in `repo` when given).
pub async fn mark_read(db: impl AnyExecutor<'_>, user: i64, repo: Option<i64>, before: i64, at: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET unread = 0, last_read_at = $4 WHERE user_id = $1 AND ($2 < 0 OR repo_id = $2) AND updated_at <= $3 AND unread = 1",
    )
    .bind(user)
    .bind(repo.unwrap_or(-1))
    .bind(before)
    .bind(at)
    .execute(db)
    .await?
    .rows_affected())
}

pub async fn mark_thread_read(db: impl AnyExecutor<'_>, id: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notifications SET unread = 0, last_read_at = $2 WHERE id = $1").bind(id).bind(at).execute(db).await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notifications WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}
