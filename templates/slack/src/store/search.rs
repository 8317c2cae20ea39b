//! The reads behind search.messages: the messages a member may find, and the
//! lookups its `in:` modifier needs.

use const_format::concatcp;
use sqlx::any::AnyExecutor;

use crate::store::messages::{MessageRow, READ};

/// Messages of the team's conversations that `viewer` can see (every public
/// channel, and the private ones, DMs and group DMs it is in), with ts in
/// [`oldest`, `latest`), newest first, at most `limit`. Join/leave and other
/// system messages are not searchable; thread replies are.
pub async fn candidates(
    db: impl AnyExecutor<'_>,
    team_id: &str,
    viewer: &str,
    oldest: &str,
    latest: &str,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        READ,
        " FROM messages WHERE channel_id IN (\
            SELECT c.id FROM channels c WHERE c.team_id = $1 \
            AND (c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 \
                 OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.user_id = $2))) \
         AND ts >= $3 AND ts < $4 \
         AND (subtype IS NULL OR subtype IN ('thread_broadcast', 'bot_message', 'me_message', 'file_share')) \
         ORDER BY ts DESC LIMIT $5"
    ))
    .bind(team_id)
    .bind(viewer)
    .bind(oldest)
    .bind(latest)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A team's channel id by name.
pub async fn channel_by_name(db: impl AnyExecutor<'_>, team_id: &str, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM channels WHERE team_id = $1 AND name = $2").bind(team_id).bind(name).fetch_optional(db).await
}

/// The DM between `a` and `b` (a self-DM when they are the same member).
pub async fn im_between(db: impl AnyExecutor<'_>, team_id: &str, a: &str, b: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT c.id FROM channels c WHERE c.team_id = $1 AND c.is_im = 1 \
         AND EXISTS (SELECT 1 FROM channel_members x WHERE x.channel_id = c.id AND x.user_id = $2) \
         AND EXISTS (SELECT 1 FROM channel_members y WHERE y.channel_id = c.id AND y.user_id = $3) \
         AND (SELECT COUNT(*) FROM channel_members z WHERE z.channel_id = c.id AND z.user_id NOT IN ($2, $3)) = 0",
    )
    .bind(team_id)
    .bind(a)
    .bind(b)
    .fetch_all(db)
    .await
}
