//! Who reacted with what, and when: the record behind reactions.list. The
//! rendered reactions of a message live on the message itself (`messages.reactions`).

use sqlx::any::AnyExecutor;

/// Records `user`'s `name` reaction; false when it already exists.
pub async fn insert(db: impl AnyExecutor<'_>, channel: &str, ts: &str, name: &str, user: &str, created_us: i64) -> sqlx::Result<bool> {
    let r =
        sqlx::query("INSERT INTO reactions (channel_id, ts, name, user_id, created_us) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind(channel)
            .bind(ts)
            .bind(name)
            .bind(user)
            .bind(created_us)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Removes `user`'s `name` reaction; false when there was none.
pub async fn delete(db: impl AnyExecutor<'_>, channel: &str, ts: &str, name: &str, user: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM reactions WHERE channel_id = $1 AND ts = $2 AND name = $3 AND user_id = $4")
        .bind(channel)
        .bind(ts)
        .bind(name)
        .bind(user)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Forgets every reaction on a message (deleted, or turned into a tombstone).
pub async fn delete_for_message(db: impl AnyExecutor<'_>, channel: &str, ts: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM reactions WHERE channel_id = $1 AND ts = $2").bind(channel).bind(ts).execute(db).await?;
    Ok(())
}

/// Messages `user` reacted to in conversations `viewer` can see (public ones, and
/// those `viewer` is in), most recently reacted first: (channel, ts).
const ITEMS_WHERE: &str = "FROM reactions r JOIN channels c ON c.id = r.channel_id \
    WHERE r.user_id = $1 AND c.team_id = $2 \
      AND ((c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0) \
           OR EXISTS (SELECT 1 FROM channel_members m WHERE m.channel_id = c.id AND m.user_id = $3))";

pub async fn items(
    db: impl AnyExecutor<'_>,
    user: &str,
    team: &str,
    viewer: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(const_format::concatcp!(
        "SELECT r.channel_id, r.ts, MAX(r.created_us) AS last ",
        ITEMS_WHERE,
        " GROUP BY r.channel_id, r.ts ORDER BY last DESC, r.channel_id, r.ts LIMIT $4 OFFSET $5"
    ))
    .bind(user)
    .bind(team)
    .bind(viewer)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(c, t, _)| (c, t)).collect())
}

pub async fn item_count(db: impl AnyExecutor<'_>, user: &str, team: &str, viewer: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(const_format::concatcp!(
        "SELECT COUNT(*) FROM (SELECT r.channel_id, r.ts ",
        ITEMS_WHERE,
        " GROUP BY r.channel_id, r.ts) AS items"
    ))
    .bind(user)
    .bind(team)
    .bind(viewer)
    .fetch_one(db)
    .await
}
