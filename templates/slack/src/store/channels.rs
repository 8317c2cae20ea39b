//! Channels (public, private, DMs, group DMs) and their members.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ChannelRow {
    pub id: String,
    pub team_id: String,
    pub name: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_private: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_im: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_mpim: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_general: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_archived: bool,
    pub creator: String,
    pub topic: String,
    pub topic_creator: String,
    pub topic_last_set: i64,
    pub purpose: String,
    pub purpose_creator: String,
    pub purpose_last_set: i64,
    pub created: i64,
    pub updated: i64,
    /// Number of members (filled by the queries below).
    pub num_members: i64,
}

pub(crate) const COLS: &str = "c.id, c.team_id, c.name, c.is_private, c.is_im, c.is_mpim, c.is_general, c.is_archived, c.creator, \
    c.topic, c.topic_creator, c.topic_last_set, c.purpose, c.purpose_creator, c.purpose_last_set, c.created, c.updated, \
    (SELECT COUNT(*) FROM channel_members m WHERE m.channel_id = c.id) AS num_members";

pub async fn insert(db: impl AnyExecutor<'_>, c: &ChannelRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO channels (id, team_id, name, is_private, is_im, is_mpim, is_general, is_archived, creator, topic, \
         topic_creator, topic_last_set, purpose, purpose_creator, purpose_last_set, created, updated) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&c.id)
    .bind(&c.team_id)
    .bind(&c.name)
    .bind(c.is_private as i64)
    .bind(c.is_im as i64)
    .bind(c.is_mpim as i64)
    .bind(c.is_general as i64)
    .bind(c.is_archived as i64)
    .bind(&c.creator)
    .bind(&c.topic)
    .bind(&c.topic_creator)
    .bind(c.topic_last_set)
    .bind(&c.purpose)
    .bind(&c.purpose_creator)
    .bind(c.purpose_last_set)
    .bind(c.created)
    .bind(c.updated)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<ChannelRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM channels c WHERE c.id = $1")).bind(id).fetch_optional(db).await
}

/// Channels of a team after the cursor `after` (by id), at most `limit`, of the
/// requested kinds, that `viewer` may see (public ones, and non-public ones it is
/// in); with `member`, only those `member` belongs to (users.conversations).
#[allow(clippy::too_many_arguments)]
pub async fn page(
    db: impl AnyExecutor<'_>,
    team_id: &str,
    viewer: &str,
    member: Option<&str>,
    kinds: &ChannelKinds,
    exclude_archived: bool,
    after: &str,
    limit: i64,
) -> sqlx::Result<Vec<ChannelRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        COLS,
        " FROM channels c WHERE c.team_id = $1 AND c.id > $2 \
         AND ( ($3 = 1 AND c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0) \
            OR ($4 = 1 AND c.is_private = 1 AND c.is_im = 0 AND c.is_mpim = 0) \
            OR ($5 = 1 AND c.is_im = 1) OR ($6 = 1 AND c.is_mpim = 1) ) \
         AND (c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0 \
              OR EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = $7)) \
         AND ($8 = 0 OR c.is_archived = 0) \
         AND ($10 IS NULL OR EXISTS (SELECT 1 FROM channel_members b WHERE b.channel_id = c.id AND b.user_id = $10)) \
         ORDER BY c.id LIMIT $9"
    ))
    .bind(team_id)
    .bind(after)
    .bind(kinds.public as i64)
    .bind(kinds.private as i64)
    .bind(kinds.im as i64)
    .bind(kinds.mpim as i64)
    .bind(viewer)
    .bind(exclude_archived as i64)
    .bind(limit)
    .bind(member)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelKinds {
    pub public: bool,
    pub private: bool,
    pub im: bool,
    pub mpim: bool,
}

pub async fn add_member(db: impl AnyExecutor<'_>, channel: &str, user: &str, joined: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("INSERT INTO channel_members (channel_id, user_id, joined) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(channel)
        .bind(user)
        .bind(joined)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds `user` to every open public channel of `team`, as an admin inviting an
/// installed app everywhere would.
pub async fn join_public_channels(db: impl AnyExecutor<'_>, team: &str, user: &str, joined: i64) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "INSERT INTO channel_members (channel_id, user_id, joined) \
         SELECT id, $2, $3 FROM channels WHERE team_id = $1 AND is_private = 0 AND is_im = 0 AND is_mpim = 0 AND is_archived = 0 \
         ON CONFLICT DO NOTHING",
    )
    .bind(team)
    .bind(user)
    .bind(joined)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

pub async fn is_member(db: impl AnyExecutor<'_>, channel: &str, user: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channel_members WHERE channel_id = $1 AND user_id = $2")
        .bind(channel)
        .bind(user)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// The other member of a DM, for `conversations.info` (`user` field).
pub async fn im_peer(db: impl AnyExecutor<'_>, channel: &str, viewer: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT user_id FROM channel_members WHERE channel_id = $1 AND user_id <> $2 ORDER BY user_id LIMIT 1")
        .bind(channel)
        .bind(viewer)
        .fetch_optional(db)
        .await
}
