//! Members' uploaded profile photos.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

/// A photo without its bytes.
#[derive(Debug, Clone, FromRow)]
pub struct PhotoRow {
    pub user_id: String,
    pub team_id: String,
    pub avatar_hash: String,
    pub mimetype: String,
    pub ext: String,
    pub width: i64,
    pub height: i64,
    pub crop_x: i64,
    pub crop_y: i64,
    pub crop_w: i64,
    pub updated: i64,
}

const COLS: &str = "user_id, team_id, avatar_hash, mimetype, ext, width, height, crop_x, crop_y, crop_w, updated";

pub async fn upsert(db: impl AnyExecutor<'_>, p: &PhotoRow, content: &[u8]) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_photos (user_id, team_id, avatar_hash, mimetype, ext, width, height, crop_x, crop_y, crop_w, updated, content) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT(user_id) DO UPDATE SET avatar_hash = $3, mimetype = $4, ext = $5, width = $6, height = $7, crop_x = $8, \
         crop_y = $9, crop_w = $10, updated = $11, content = $12",
    )
    .bind(&p.user_id)
    .bind(&p.team_id)
    .bind(&p.avatar_hash)
    .bind(&p.mimetype)
    .bind(&p.ext)
    .bind(p.width)
    .bind(p.height)
    .bind(p.crop_x)
    .bind(p.crop_y)
    .bind(p.crop_w)
    .bind(p.updated)
    .bind(content.to_vec())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<Option<PhotoRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM user_photos WHERE user_id = $1")).bind(user_id).fetch_optional(db).await
}

/// The photos of a team's members (users.list renders them).
pub async fn team(db: impl AnyExecutor<'_>, team_id: &str) -> sqlx::Result<Vec<PhotoRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM user_photos WHERE team_id = $1")).bind(team_id).fetch_all(db).await
}

/// The bytes and type of `user_id`'s photo when its hash is `avatar_hash`.
pub async fn content(db: impl AnyExecutor<'_>, user_id: &str, avatar_hash: &str) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as("SELECT mimetype, content FROM user_photos WHERE user_id = $1 AND avatar_hash = $2")
        .bind(user_id)
        .bind(avatar_hash)
        .fetch_optional(db)
        .await
}

pub async fn delete(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM user_photos WHERE user_id = $1").bind(user_id).execute(db).await?.rows_affected() > 0)
}
