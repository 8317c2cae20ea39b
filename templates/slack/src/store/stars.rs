//! Saved items, formerly stars (stars.*).

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct StarRow {
    pub user_id: String,
    pub item_key: String,
    pub team_id: String,
    pub item_type: String,
    pub channel_id: Option<String>,
    pub ts: Option<String>,
    pub file_id: Option<String>,
    pub created: i64,
    pub created_us: i64,
}

const COLS: &str = "user_id, item_key, team_id, item_type, channel_id, ts, file_id, created, created_us";

/// Saves an item; false when the member had saved it already.
pub async fn insert(db: impl AnyExecutor<'_>, s: &StarRow) -> sqlx::Result<bool> {
    let n = sqlx::query(
        "INSERT INTO stars (user_id, item_key, team_id, item_type, channel_id, ts, file_id, created, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT(user_id, item_key) DO NOTHING",
    )
    .bind(&s.user_id)
    .bind(&s.item_key)
    .bind(&s.team_id)
    .bind(&s.item_type)
    .bind(&s.channel_id)
    .bind(&s.ts)
    .bind(&s.file_id)
    .bind(s.created)
    .bind(s.created_us)
    .execute(db)
    .await?;
    Ok(n.rows_affected() > 0)
}

pub async fn delete(db: impl AnyExecutor<'_>, user_id: &str, item_key: &str) -> sqlx::Result<bool> {
    let n = sqlx::query("DELETE FROM stars WHERE user_id = $1 AND item_key = $2").bind(user_id).bind(item_key).execute(db).await?;
    Ok(n.rows_affected() > 0)
}

/// A member's saved items, newest first, after the `(created_us, item_key)` cursor.
pub async fn page(db: impl AnyExecutor<'_>, user_id: &str, before_us: i64, limit: i64, offset: i64) -> sqlx::Result<Vec<StarRow>> {
    sqlx::query_as(const_format::concatcp!(
        "SELECT ",
        COLS,
        " FROM stars WHERE user_id = $1 AND created_us < $2 ORDER BY created_us DESC, item_key LIMIT $3 OFFSET $4"
    ))
    .bind(user_id)
    .bind(before_us)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM stars WHERE user_id = $1").bind(user_id).fetch_one(db).await
}

/// The `channel:ts` keys of the messages `user_id` saved (search's `is:saved`).
pub async fn saved_messages(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as("SELECT channel_id, ts FROM stars WHERE user_id = $1 AND item_type = 'message'").bind(user_id).fetch_all(db).await
}
