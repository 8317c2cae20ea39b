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
    /// The rendered reactions, `[{name, users, count}]` as JSON (chat family).
    #[sqlx(default)]
    pub reactions: Option<String>,
    /// Who pinned the message to its channel, and when (Unix seconds).
    #[sqlx(default)]
    pub pinned_by: Option<String>,
    #[sqlx(default)]
    pub pinned_at: Option<i64>,
    /// App unfurls of the message's links (chat.unfurl), a JSON array.
    #[sqlx(default)]
    pub unfurls: Option<String>,
}

/// Replies stay in their thread unless broadcast.
const TOP_LEVEL: &str = "AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast') ORDER BY ts DESC LIMIT $4";

const COLS: &str = "channel_id, ts, user_id, bot_id, app_id, subtype, text, blocks, attachments, thread_ts, reply_count, \
    latest_reply, edited_by, edited_ts, username, icon_url, icon_emoji, reactions, pinned_by, pinned_at";

/// What reads select: the stored columns plus the thread parent's author.
pub(crate) const READ: &str = concatcp!(
    COLS,
    ", (SELECT p.user_id FROM messages p WHERE p.channel_id = messages.channel_id AND p.ts = messages.thread_ts) AS parent_user_id, unfurls"
);

/// Stores the app unfurls of a message; false when it is gone.
pub async fn set_unfurls(db: impl AnyExecutor<'_>, channel: &str, ts: &str, unfurls: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE messages SET unfurls = $3 WHERE channel_id = $1 AND ts = $2")
        .bind(channel)
        .bind(ts)
        .bind(unfurls)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Inserts `m`; false when its ts is taken (the caller picks the next one).
pub async fn insert(db: impl AnyExecutor<'_>, m: &MessageRow) -> sqlx::Result<bool> {
    let r = sqlx::query(concatcp!(
        "INSERT INTO messages (",
        COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
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
    .bind(&m.reactions)
    .bind(&m.pinned_by)
    .bind(m.pinned_at)
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

// -- chat family: edits, deletes, threads, reactions, pins, link_names lookups --

/// Replaces a message's content after chat.update (`subtype` for a reply that is
/// now broadcast), marking it edited by `edited_by` at `edited_ts`.
pub struct Edit<'a> {
    pub text: &'a str,
    pub blocks: Option<&'a str>,
    pub attachments: Option<&'a str>,
    pub subtype: Option<&'a str>,
    pub edited_by: &'a str,
    pub edited_ts: &'a str,
}

pub async fn update_content(db: impl AnyExecutor<'_>, channel: &str, ts: &str, e: &Edit<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET text = $3, blocks = $4, attachments = $5, subtype = $6, edited_by = $7, edited_ts = $8 \
         WHERE channel_id = $1 AND ts = $2",
    )
    .bind(channel)
    .bind(ts)
    .bind(e.text)
    .bind(e.blocks)
    .bind(e.attachments)
    .bind(e.subtype)
    .bind(e.edited_by)
    .bind(e.edited_ts)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM messages WHERE channel_id = $1 AND ts = $2").bind(channel).bind(ts).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// The author of a tombstone: Slack's system user.
pub const SLACKBOT: &str = "USLACKBOT";
pub const TOMBSTONE_TEXT: &str = "This message was deleted.";

/// Turns a deleted thread parent into Slack's tombstone: its thread stays, its
/// content, author, reactions and pin go.
pub async fn tombstone(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET user_id = $3, bot_id = NULL, app_id = NULL, subtype = 'tombstone', text = $4, blocks = NULL, \
         attachments = NULL, edited_by = NULL, edited_ts = NULL, username = NULL, icon_url = NULL, icon_emoji = NULL, \
         reactions = NULL, pinned_by = NULL, pinned_at = NULL WHERE channel_id = $1 AND ts = $2",
    )
    .bind(channel)
    .bind(ts)
    .bind(SLACKBOT)
    .bind(TOMBSTONE_TEXT)
    .execute(db)
    .await?;
    Ok(())
}

/// Recounts a thread after one of its replies went: `reply_count`, and
/// `latest_reply` (Slack's `0000000000.000000` once no reply is left).
pub async fn recount_thread(db: impl AnyExecutor<'_>, channel: &str, parent_ts: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE messages SET \
           reply_count = (SELECT COUNT(*) FROM messages r WHERE r.channel_id = $1 AND r.thread_ts = $2 AND r.ts <> $2), \
           latest_reply = COALESCE((SELECT MAX(r.ts) FROM messages r WHERE r.channel_id = $1 AND r.thread_ts = $2 AND r.ts <> $2), \
                                   '0000000000.000000') \
         WHERE channel_id = $1 AND ts = $2",
    )
    .bind(channel)
    .bind(parent_ts)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_reactions(db: impl AnyExecutor<'_>, channel: &str, ts: &str, reactions: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE messages SET reactions = $3 WHERE channel_id = $1 AND ts = $2")
        .bind(channel)
        .bind(ts)
        .bind(reactions)
        .execute(db)
        .await?;
    Ok(())
}

/// Pins (`Some`) or unpins (`None`) a message in its channel.
pub async fn set_pin(db: impl AnyExecutor<'_>, channel: &str, ts: &str, pin: Option<(&str, i64)>) -> sqlx::Result<()> {
    sqlx::query("UPDATE messages SET pinned_by = $3, pinned_at = $4 WHERE channel_id = $1 AND ts = $2")
        .bind(channel)
        .bind(ts)
        .bind(pin.map(|p| p.0))
        .bind(pin.map(|p| p.1))
        .execute(db)
        .await?;
    Ok(())
}

/// A channel's pinned messages, most recently pinned first.
pub async fn pinned(db: impl AnyExecutor<'_>, channel: &str) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        READ,
        " FROM messages WHERE channel_id = $1 AND pinned_at IS NOT NULL ORDER BY pinned_at DESC, ts DESC"
    ))
    .bind(channel)
    .fetch_all(db)
    .await
}

pub async fn pin_count(db: impl AnyExecutor<'_>, channel: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE channel_id = $1 AND pinned_at IS NOT NULL").bind(channel).fetch_one(db).await
}

/// `link_names`: a live user of the team by `name`.
pub async fn user_id_by_name(db: impl AnyExecutor<'_>, team: &str, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM users WHERE team_id = $1 AND name = $2 AND deleted = 0 ORDER BY id LIMIT 1")
        .bind(team)
        .bind(name)
        .fetch_optional(db)
        .await
}

/// `link_names` and `channel=#name`: a named conversation of the team.
pub async fn channel_id_by_name(db: impl AnyExecutor<'_>, team: &str, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM channels WHERE team_id = $1 AND name = $2 AND is_im = 0 AND is_mpim = 0")
        .bind(team)
        .bind(name)
        .fetch_optional(db)
        .await
}

/// Takes the message's row lock for the rest of the transaction (a no-op write),
/// so read-modify-writes of its reactions or pin queue up on PostgreSQL as they
/// do on SQLite. False when there is no such message.
pub async fn lock(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE messages SET reactions = reactions WHERE channel_id = $1 AND ts = $2")
        .bind(channel)
        .bind(ts)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
