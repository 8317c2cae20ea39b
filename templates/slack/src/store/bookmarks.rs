//! Channel bookmarks.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct BookmarkRow {
    pub id: String,
    pub channel_id: String,
    pub team_id: String,
    pub title: String,
    pub link: String,
    pub emoji: Option<String>,
    pub icon_url: Option<String>,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub sort_rank: String,
    pub date_created: i64,
    pub date_updated: i64,
    pub updated_by: String,
    pub app_id: Option<String>,
}

const COLS: &str = "id, channel_id, team_id, title, link, emoji, icon_url, type, sort_rank, date_created, date_updated, updated_by, app_id";

pub async fn insert(db: impl AnyExecutor<'_>, b: &BookmarkRow) -> sqlx::Result<()> {
    sqlx::query(concatcp!("INSERT INTO bookmarks (", COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
        .bind(&b.id)
        .bind(&b.channel_id)
        .bind(&b.team_id)
        .bind(&b.title)
        .bind(&b.link)
        .bind(&b.emoji)
        .bind(&b.icon_url)
        .bind(&b.kind)
        .bind(&b.sort_rank)
        .bind(b.date_created)
        .bind(b.date_updated)
        .bind(&b.updated_by)
        .bind(&b.app_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, b: &BookmarkRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bookmarks SET title = $2, link = $3, emoji = $4, icon_url = $5, date_updated = $6, updated_by = $7, app_id = $8 \
         WHERE id = $1",
    )
    .bind(&b.id)
    .bind(&b.title)
    .bind(&b.link)
    .bind(&b.emoji)
    .bind(&b.icon_url)
    .bind(b.date_updated)
    .bind(&b.updated_by)
    .bind(&b.app_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM bookmarks WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, channel_id: &str, id: &str) -> sqlx::Result<Option<BookmarkRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM bookmarks WHERE channel_id = $1 AND id = $2"))
        .bind(channel_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A channel's bookmarks in their order.
pub async fn list(db: impl AnyExecutor<'_>, channel_id: &str) -> sqlx::Result<Vec<BookmarkRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM bookmarks WHERE channel_id = $1 ORDER BY sort_rank, date_created, id"))
        .bind(channel_id)
        .fetch_all(db)
        .await
}
