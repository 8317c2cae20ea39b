//! Conversation management: membership changes, names, topics, archive state,
//! DMs and group DMs, read cursors, threads and system-message fields.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

use crate::store::messages::{MessageRow, READ};

/// One member's own state in a conversation.
#[derive(Debug, Clone, FromRow)]
pub struct MemberState {
    pub last_read: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_open: bool,
}

pub async fn member_state(db: impl AnyExecutor<'_>, channel: &str, user: &str) -> sqlx::Result<Option<MemberState>> {
    sqlx::query_as("SELECT last_read, is_open FROM channel_members WHERE channel_id = $1 AND user_id = $2")
        .bind(channel)
        .bind(user)
        .fetch_optional(db)
        .await
}

/// Whether any conversation of the team already uses `name`.
pub async fn name_taken(db: impl AnyExecutor<'_>, team: &str, name: &str) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM channels WHERE team_id = $1 AND name = $2").bind(team).bind(name).fetch_one(db).await?;
    Ok(n > 0)
}

pub async fn remove_member(db: impl AnyExecutor<'_>, channel: &str, user: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM channel_members WHERE channel_id = $1 AND user_id = $2").bind(channel).bind(user).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_archived(db: impl AnyExecutor<'_>, channel: &str, archived: bool, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE channels SET is_archived = $2, updated = $3 WHERE id = $1")
        .bind(channel)
        .bind(archived as i64)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_name(db: impl AnyExecutor<'_>, channel: &str, name: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE channels SET name = $2, updated = $3 WHERE id = $1").bind(channel).bind(name).bind(now).execute(db).await?;
    Ok(())
}

/// Remembers `name` as the channel's most recent former name.
pub async fn push_previous_name(db: impl AnyExecutor<'_>, channel: &str, name: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO channel_previous_names (channel_id, seq, name, renamed) \
         SELECT $1, COALESCE(MAX(p.seq), 0) + 1, $2, $3 FROM channel_previous_names p WHERE p.channel_id = $1",
    )
    .bind(channel)
    .bind(name)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Former names, most recent first.
pub async fn previous_names(db: impl AnyExecutor<'_>, channel: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT name FROM channel_previous_names WHERE channel_id = $1 ORDER BY seq DESC").bind(channel).fetch_all(db).await
}

pub async fn set_topic(db: impl AnyExecutor<'_>, channel: &str, topic: &str, creator: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE channels SET topic = $2, topic_creator = $3, topic_last_set = $4, updated = $4 WHERE id = $1")
        .bind(channel)
        .bind(topic)
        .bind(creator)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_purpose(db: impl AnyExecutor<'_>, channel: &str, purpose: &str, creator: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE channels SET purpose = $2, purpose_creator = $3, purpose_last_set = $4, updated = $4 WHERE id = $1")
        .bind(channel)
        .bind(purpose)
        .bind(creator)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_open(db: impl AnyExecutor<'_>, channel: &str, user: &str, open: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE channel_members SET is_open = $3 WHERE channel_id = $1 AND user_id = $2")
        .bind(channel)
        .bind(user)
        .bind(open as i64)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_last_read(db: impl AnyExecutor<'_>, channel: &str, user: &str, ts: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE channel_members SET last_read = $3 WHERE channel_id = $1 AND user_id = $2")
        .bind(channel)
        .bind(user)
        .bind(ts)
        .execute(db)
        .await?;
    Ok(())
}

/// Member ids of a conversation after `after`, in id order, at most `limit`.
pub async fn members_page(db: impl AnyExecutor<'_>, channel: &str, after: &str, limit: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM channel_members WHERE channel_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3")
        .bind(channel)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The DM between `a` and `b` (`a == b`: `a`'s DM with themselves).
pub async fn find_im(db: impl AnyExecutor<'_>, team: &str, a: &str, b: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT c.id FROM channels c WHERE c.team_id = $1 AND c.is_im = 1 \
         AND EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = $2) \
         AND EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = $3) \
         AND (SELECT COUNT(*) FROM channel_members m WHERE m.channel_id = c.id) = $4 \
         ORDER BY c.id LIMIT 1",
    )
    .bind(team)
    .bind(a)
    .bind(b)
    .bind(if a == b { 1i64 } else { 2i64 })
    .fetch_optional(db)
    .await
}

/// The group DM whose members are exactly `members` (at least two).
pub async fn find_mpim(db: impl AnyExecutor<'_>, team: &str, members: &[String]) -> sqlx::Result<Option<String>> {
    // Candidates: group DMs of the first member with the same member count; the
    // caller's list is small (at most nine), so the rest is checked in one query.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.id, m2.user_id FROM channels c \
         JOIN channel_members m ON m.channel_id = c.id AND m.user_id = $2 \
         JOIN channel_members m2 ON m2.channel_id = c.id \
         WHERE c.team_id = $1 AND c.is_mpim = 1 \
         AND (SELECT COUNT(*) FROM channel_members k WHERE k.channel_id = c.id) = $3 \
         ORDER BY c.id, m2.user_id",
    )
    .bind(team)
    .bind(members.first().map(String::as_str).unwrap_or(""))
    .bind(members.len() as i64)
    .fetch_all(db)
    .await?;
    let mut want: Vec<&str> = members.iter().map(String::as_str).collect();
    want.sort_unstable();
    let mut i = 0;
    while i < rows.len() {
        let id = &rows[i].0;
        let mut have = Vec::new();
        while i < rows.len() && rows[i].0 == *id {
            have.push(rows[i].1.as_str());
            i += 1;
        }
        if have == want {
            return Ok(Some(id.clone()));
        }
    }
    Ok(None)
}

/// Replies of the thread `root`, oldest first, after `after` (a cursor: strictly
/// later), inside (`oldest`, `latest`) — bounds included when `inclusive`.
#[allow(clippy::too_many_arguments)]
pub async fn thread_replies(
    db: impl AnyExecutor<'_>,
    channel: &str,
    root: &str,
    after: &str,
    oldest: &str,
    latest: &str,
    inclusive: bool,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    const EXCLUSIVE: &str = concatcp!(
        "SELECT ",
        READ,
        " FROM messages WHERE channel_id = $1 AND thread_ts = $2 AND ts <> $2 AND ts > $3 AND ts > $4 AND ts < $5 ORDER BY ts LIMIT $6"
    );
    const INCLUSIVE: &str = concatcp!(
        "SELECT ",
        READ,
        " FROM messages WHERE channel_id = $1 AND thread_ts = $2 AND ts <> $2 AND ts > $3 AND ts >= $4 AND ts <= $5 ORDER BY ts LIMIT $6"
    );
    sqlx::query_as(if inclusive { INCLUSIVE } else { EXCLUSIVE })
        .bind(channel)
        .bind(root)
        .bind(after)
        .bind(oldest)
        .bind(latest)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Top-level messages after `last_read` (what Slack counts as unread).
pub async fn unread_count(db: impl AnyExecutor<'_>, channel: &str, last_read: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE channel_id = $1 AND ts > $2 \
         AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast')",
    )
    .bind(channel)
    .bind(last_read)
    .fetch_one(db)
    .await
}

/// Stores the extra top-level fields of a message (a JSON object).
pub async fn set_message_fields(db: impl AnyExecutor<'_>, channel: &str, ts: &str, fields: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO message_fields (channel_id, ts, fields) VALUES ($1, $2, $3) \
         ON CONFLICT (channel_id, ts) DO UPDATE SET fields = excluded.fields",
    )
    .bind(channel)
    .bind(ts)
    .bind(fields)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn message_fields(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT fields FROM message_fields WHERE channel_id = $1 AND ts = $2")
        .bind(channel)
        .bind(ts)
        .fetch_optional(db)
        .await
}
