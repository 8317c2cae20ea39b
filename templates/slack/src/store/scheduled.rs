//! Scheduled messages (chat.scheduleMessage), waiting for their `post_at`.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, Default, FromRow)]
pub struct ScheduledRow {
    pub id: String,
    pub team_id: String,
    pub channel_id: String,
    /// The scheduler (a human, or the app's bot user): the message's author.
    pub user_id: String,
    pub bot_id: Option<String>,
    pub app_id: Option<String>,
    pub text: String,
    pub blocks: Option<String>,
    pub attachments: Option<String>,
    pub thread_ts: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub reply_broadcast: bool,
    pub username: Option<String>,
    pub icon_url: Option<String>,
    pub icon_emoji: Option<String>,
    pub post_at: i64,
    pub date_created: i64,
}

const COLS: &str = "id, team_id, channel_id, user_id, bot_id, app_id, text, blocks, attachments, thread_ts, reply_broadcast, \
    username, icon_url, icon_emoji, post_at, date_created";

pub async fn insert(db: impl AnyExecutor<'_>, s: &ScheduledRow) -> sqlx::Result<()> {
    sqlx::query(concatcp!(
        "INSERT INTO scheduled_messages (",
        COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&s.id)
    .bind(&s.team_id)
    .bind(&s.channel_id)
    .bind(&s.user_id)
    .bind(&s.bot_id)
    .bind(&s.app_id)
    .bind(&s.text)
    .bind(&s.blocks)
    .bind(&s.attachments)
    .bind(&s.thread_ts)
    .bind(s.reply_broadcast as i64)
    .bind(&s.username)
    .bind(&s.icon_url)
    .bind(&s.icon_emoji)
    .bind(s.post_at)
    .bind(s.date_created)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<ScheduledRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM scheduled_messages WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// Removes a pending message; false when it is gone (posted, or deleted already).
pub async fn delete(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM scheduled_messages WHERE id = $1").bind(id).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// Whether anything is due at `now`: one probe of the `post_at` index.
pub async fn any_due(db: impl AnyExecutor<'_>, now: i64) -> sqlx::Result<bool> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM scheduled_messages WHERE post_at <= $1 LIMIT 1").bind(now).fetch_optional(db).await?;
    Ok(id.is_some())
}

/// Messages due at `now`, earliest first.
pub async fn due(db: impl AnyExecutor<'_>, now: i64, limit: i64) -> sqlx::Result<Vec<ScheduledRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM scheduled_messages WHERE post_at <= $1 ORDER BY post_at, date_created, id LIMIT $2"))
        .bind(now)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Pending messages scheduled by `user` with `post_at` in [`oldest`, `latest`],
/// in `channel` when it is not empty, after the cursor (`after_post_at`,
/// `after_id`), in post_at order.
#[allow(clippy::too_many_arguments)]
pub async fn page(
    db: impl AnyExecutor<'_>,
    user: &str,
    channel: &str,
    oldest: i64,
    latest: i64,
    after_post_at: i64,
    after_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<ScheduledRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        COLS,
        " FROM scheduled_messages WHERE user_id = $1 AND ($2 = '' OR channel_id = $2) AND post_at >= $3 AND post_at <= $4 \
         AND (post_at > $5 OR (post_at = $5 AND id > $6)) ORDER BY post_at, id LIMIT $7"
    ))
    .bind(user)
    .bind(channel)
    .bind(oldest)
    .bind(latest)
    .bind(after_post_at)
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many messages are already scheduled into `channel` within [`from`, `to`].
pub async fn count_in_window(db: impl AnyExecutor<'_>, channel: &str, from: i64, to: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM scheduled_messages WHERE channel_id = $1 AND post_at >= $2 AND post_at <= $3")
        .bind(channel)
        .bind(from)
        .bind(to)
        .fetch_one(db)
        .await
}
