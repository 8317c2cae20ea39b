//! Messages, keyed by (channel, ts).

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, Default, FromRow)]
pub struct MessageRow {
    pub channel_id: String,
    pub ts: String,
    pub user_id: Option<String>,
    pub bot_id: Option<String>,
    pub app_id: Option<String>,
    pub subtype: Option<String>,
    pub text: String,
    pub blocks: Option<String>,
    pub attachments: Option<String>,
    pub thread_ts: Option<String>,
    pub reply_count: i64,
    pub latest_reply: Option<String>,
    pub edited_by: Option<String>,
    pub edited_ts: Option<String>,
    pub username: Option<String>,
    pub icon_url: Option<String>,
    pub icon_emoji: Option<String>,
    /// Author of the thread's parent, for replies (read-only; derived on SELECT).
    #[sqlx(default)]
    pub parent_user_id: Option<String>,
}

/// Replies stay in their thread unless broadcast.
const TOP_LEVEL: &str = "AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast') ORDER BY ts DESC LIMIT $4";

const COLS: &str = "channel_id, ts, user_id, bot_id, app_id, subtype, text, blocks, attachments, thread_ts, reply_count, \
    latest_reply, edited_by, edited_ts, username, icon_url, icon_emoji";

/// What reads select: the stored columns plus the thread parent's author.
const READ: &str = concatcp!(
    COLS,
    ", (SELECT p.user_id FROM messages p WHERE p.channel_id = messages.channel_id AND p.ts = messages.thread_ts) AS parent_user_id"
);

/// Inserts `m`; false when its ts is taken (the caller picks the next one).
pub async fn insert(db: impl AnyExecutor<'_>, m: &MessageRow) -> sqlx::Result<bool> {
    let r = sqlx::query(concatcp!(
        "INSERT INTO messages (",
        COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT(channel_id, ts) DO NOTHING"
    ))
    .bind(&m.channel_id)
    .bind(&m.ts)
    .bind(&m.user_id)
    .bind(&m.bot_id)
    .bind(&m.app_id)
    .bind(&m.subtype)
    .bind(&m.text)
    .bind(&m.blocks)
    .bind(&m.attachments)
    .bind(&m.thread_ts)
    .bind(m.reply_count)
    .bind(&m.latest_reply)
    .bind(&m.edited_by)
    .bind(&m.edited_ts)
    .bind(&m.username)
    .bind(&m.icon_url)
    .bind(&m.icon_emoji)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn latest_ts(db: impl AnyExecutor<'_>, channel: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT MAX(ts) FROM messages WHERE channel_id = $1").bind(channel).fetch_one(db).await
}

pub async fn get(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<Option<MessageRow>> {
    sqlx::query_as(concatcp!("SELECT ", READ, " FROM messages WHERE channel_id = $1 AND ts = $2"))
        .bind(channel)
        .bind(ts)
        .fetch_optional(db)
        .await
}

/// Counts a new reply on its parent.
pub async fn note_reply(db: impl AnyExecutor<'_>, channel: &str, parent_ts: &str, reply_ts: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET reply_count = reply_count + 1, latest_reply = $3, thread_ts = COALESCE(thread_ts, ts) \
         WHERE channel_id = $1 AND ts = $2",
    )
    .bind(channel)
    .bind(parent_ts)
    .bind(reply_ts)
    .execute(db)
    .await?;
    Ok(())
}

/// The users who replied in a thread, in order of first reply.
pub async fn reply_users(db: impl AnyExecutor<'_>, channel: &str, thread_ts: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT user_id FROM messages WHERE channel_id = $1 AND thread_ts = $2 AND ts <> $2 AND user_id IS NOT NULL \
         GROUP BY user_id ORDER BY MIN(ts)",
    )
    .bind(channel)
    .bind(thread_ts)
    .fetch_all(db)
    .await
}

/// Channel history, newest first: top-level messages and thread parents (replies
/// stay in their thread unless broadcast), strictly inside (`oldest`, `latest`).
pub async fn history(
    db: impl AnyExecutor<'_>,
    channel: &str,
    oldest: &str,
    latest: &str,
    inclusive: bool,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    const EXCLUSIVE: &str = concatcp!("SELECT ", READ, " FROM messages WHERE channel_id = $1 AND ts > $2 AND ts < $3 ", TOP_LEVEL);
    const INCLUSIVE: &str = concatcp!("SELECT ", READ, " FROM messages WHERE channel_id = $1 AND ts >= $2 AND ts <= $3 ", TOP_LEVEL);
    sqlx::query_as(if inclusive { INCLUSIVE } else { EXCLUSIVE }).bind(channel).bind(oldest).bind(latest).bind(limit).fetch_all(db).await
}
