//! Views (modals and App Home tabs) and the trigger ids that open them.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ViewRow {
    pub id: String,
    pub team_id: String,
    pub app_id: String,
    pub bot_id: String,
    pub user_id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub external_id: Option<String>,
    pub root_view_id: String,
    pub previous_view_id: Option<String>,
    pub depth: i64,
    pub hash: String,
    pub body: String,
    pub state: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_open: bool,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLS: &str = "id, team_id, app_id, bot_id, user_id, type, external_id, root_view_id, previous_view_id, depth, hash, body, \
    state, is_open, created_ms, updated_ms";

pub async fn insert(db: impl AnyExecutor<'_>, v: &ViewRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO views (id, team_id, app_id, bot_id, user_id, type, external_id, root_view_id, previous_view_id, depth, hash, \
         body, state, is_open, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&v.id)
    .bind(&v.team_id)
    .bind(&v.app_id)
    .bind(&v.bot_id)
    .bind(&v.user_id)
    .bind(&v.kind)
    .bind(&v.external_id)
    .bind(&v.root_view_id)
    .bind(&v.previous_view_id)
    .bind(v.depth)
    .bind(&v.hash)
    .bind(&v.body)
    .bind(&v.state)
    .bind(v.is_open as i64)
    .bind(v.created_ms)
    .bind(v.updated_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM views WHERE id = $1")).bind(id).fetch_optional(db).await
}

pub async fn by_external_id(db: impl AnyExecutor<'_>, team_id: &str, external_id: &str) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM views WHERE team_id = $1 AND external_id = $2"))
        .bind(team_id)
        .bind(external_id)
        .fetch_optional(db)
        .await
}

/// Whether another view of the team already uses `external_id`.
pub async fn external_id_taken(db: impl AnyExecutor<'_>, team_id: &str, external_id: &str, except: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM views WHERE team_id = $1 AND external_id = $2 AND id <> $3")
        .bind(team_id)
        .bind(external_id)
        .bind(except)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// The App Home view an app published for a user.
pub async fn home(db: impl AnyExecutor<'_>, app_id: &str, user_id: &str) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM views WHERE app_id = $1 AND user_id = $2 AND type = 'home'"))
        .bind(app_id)
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// The open views of a modal stack, root first.
pub async fn open_stack(db: impl AnyExecutor<'_>, root_view_id: &str) -> sqlx::Result<Vec<ViewRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM views WHERE root_view_id = $1 AND is_open = 1 ORDER BY depth"))
        .bind(root_view_id)
        .fetch_all(db)
        .await
}

/// Replaces a view's payload, external id and hash; false when `old_hash` is no
/// longer its hash (someone else wrote it meanwhile).
pub async fn rewrite(
    db: impl AnyExecutor<'_>,
    id: &str,
    old_hash: &str,
    body: &str,
    external_id: Option<&str>,
    hash: &str,
    now_ms: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE views SET body = $3, external_id = $4, hash = $5, updated_ms = $6 WHERE id = $1 AND hash = $2")
        .bind(id)
        .bind(old_hash)
        .bind(body)
        .bind(external_id)
        .bind(hash)
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Closes every open modal of `app_id` shown to `user_id` (a new views.open
/// replaces them on the screen).
pub async fn close_modals(db: impl AnyExecutor<'_>, app_id: &str, user_id: &str, now_ms: i64) -> sqlx::Result<u64> {
    let r =
        sqlx::query("UPDATE views SET is_open = 0, updated_ms = $3 WHERE app_id = $1 AND user_id = $2 AND type = 'modal' AND is_open = 1")
            .bind(app_id)
            .bind(user_id)
            .bind(now_ms)
            .execute(db)
            .await?;
    Ok(r.rows_affected())
}

/// The topmost open modal of `app_id` shown to `user_id`.
pub async fn top_modal(db: impl AnyExecutor<'_>, app_id: &str, user_id: &str) -> sqlx::Result<Option<ViewRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        COLS,
        " FROM views WHERE app_id = $1 AND user_id = $2 AND type = 'modal' AND is_open = 1 ORDER BY created_ms DESC, depth DESC LIMIT 1"
    ))
    .bind(app_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct TriggerRow {
    pub trigger_id: String,
    pub team_id: String,
    pub app_id: String,
    pub user_id: String,
    pub kind: String,
    pub view_id: Option<String>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

pub async fn insert_trigger(db: impl AnyExecutor<'_>, t: &TriggerRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO view_triggers (trigger_id, team_id, app_id, user_id, kind, view_id, created_ms, expires_ms, used_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
    )
    .bind(&t.trigger_id)
    .bind(&t.team_id)
    .bind(&t.app_id)
    .bind(&t.user_id)
    .bind(&t.kind)
    .bind(&t.view_id)
    .bind(t.created_ms)
    .bind(t.expires_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn trigger(db: impl AnyExecutor<'_>, trigger_id: &str) -> sqlx::Result<Option<TriggerRow>> {
    sqlx::query_as(
        "SELECT trigger_id, team_id, app_id, user_id, kind, view_id, created_ms, expires_ms, used_ms FROM view_triggers WHERE trigger_id = $1",
    )
    .bind(trigger_id)
    .fetch_optional(db)
    .await
}

/// Exchanges a trigger; false when it was exchanged already.
pub async fn use_trigger(db: impl AnyExecutor<'_>, trigger_id: &str, now_ms: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE view_triggers SET used_ms = $2 WHERE trigger_id = $1 AND used_ms IS NULL")
        .bind(trigger_id)
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// An app's bot id (views carry it).
pub async fn app_bot_id(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT bot_id FROM apps WHERE id = $1").bind(app_id).fetch_optional(db).await
}

/// The manifest an app was made from (None for the provisioned default app).
pub async fn app_manifest(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT manifest FROM app_settings WHERE app_id = $1").bind(app_id).fetch_optional(db).await
}
