//! Reminders (reminders.*).

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ReminderRow {
    pub id: String,
    pub team_id: String,
    pub creator: String,
    pub user_id: String,
    pub text: String,
    pub time: i64,
    pub complete_ts: i64,
    pub recurrence: Option<String>,
    pub created_us: i64,
}

const COLS: &str = "id, team_id, creator, user_id, text, time, complete_ts, recurrence, created_us";

pub async fn insert(db: impl AnyExecutor<'_>, r: &ReminderRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO reminders (id, team_id, creator, user_id, text, time, complete_ts, recurrence, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.team_id)
    .bind(&r.creator)
    .bind(&r.user_id)
    .bind(&r.text)
    .bind(r.time)
    .bind(r.complete_ts)
    .bind(&r.recurrence)
    .bind(r.created_us)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<ReminderRow>> {
    sqlx::query_as(const_format::concatcp!("SELECT ", COLS, " FROM reminders WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// Reminders created by or for `user`, oldest first.
pub async fn of_user(db: impl AnyExecutor<'_>, user: &str) -> sqlx::Result<Vec<ReminderRow>> {
    sqlx::query_as(const_format::concatcp!("SELECT ", COLS, " FROM reminders WHERE user_id = $1 OR creator = $1 ORDER BY created_us, id"))
        .bind(user)
        .fetch_all(db)
        .await
}

pub async fn complete(db: impl AnyExecutor<'_>, id: &str, at: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("UPDATE reminders SET complete_ts = $2 WHERE id = $1 AND complete_ts = 0").bind(id).bind(at).execute(db).await?;
    Ok(n.rows_affected() > 0)
}

pub async fn delete(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM reminders WHERE id = $1").bind(id).execute(db).await?.rows_affected() > 0)
}
