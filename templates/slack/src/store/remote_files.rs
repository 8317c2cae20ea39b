//! Remote files (files.remote.*): rows of `files` with mode 'external', and the
//! columns only they use.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

/// What a remote file has beyond a file row.
#[derive(Debug, Clone, FromRow)]
pub struct RemoteRow {
    pub id: String,
    pub team_id: String,
    pub app_id: String,
    pub user_id: String,
    pub external_id: String,
    pub external_url: String,
    pub has_preview: i64,
    pub created: i64,
}

const COLS: &str = "id, team_id, app_id, user_id, external_id, external_url, \
    CAST(CASE WHEN preview_image IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_preview, created";

pub struct NewRemote<'a> {
    pub id: &'a str,
    pub team_id: &'a str,
    pub app_id: &'a str,
    pub user_id: &'a str,
    pub upload_key: &'a str,
    pub external_id: &'a str,
    pub external_url: &'a str,
    pub title: &'a str,
    pub filetype: &'a str,
    pub pretty_type: &'a str,
    pub created: i64,
    pub completed_us: i64,
}

pub async fn insert(db: impl AnyExecutor<'_>, r: &NewRemote<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO files (id, team_id, user_id, upload_key, state, name, title, mode, mimetype, filetype, pretty_type, \
         declared_length, size, created, completed_us, external_id, external_url, app_id) \
         VALUES ($1, $2, $3, $4, 'complete', $5, $5, 'external', 'application/vnd.slack-remote', $6, $7, 0, 0, $8, $9, $10, $11, $12)",
    )
    .bind(r.id)
    .bind(r.team_id)
    .bind(r.user_id)
    .bind(r.upload_key)
    .bind(r.title)
    .bind(r.filetype)
    .bind(r.pretty_type)
    .bind(r.created)
    .bind(r.completed_us)
    .bind(r.external_id)
    .bind(r.external_url)
    .bind(r.app_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, team_id: &str, id: &str) -> sqlx::Result<Option<RemoteRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files WHERE team_id = $1 AND id = $2 AND mode = 'external' AND state = 'complete'"))
        .bind(team_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_external_id(db: impl AnyExecutor<'_>, app_id: &str, external_id: &str) -> sqlx::Result<Option<RemoteRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files WHERE app_id = $1 AND external_id = $2 AND mode = 'external'"))
        .bind(app_id)
        .bind(external_id)
        .fetch_optional(db)
        .await
}

/// The remote fields of file `id` (None for a file that is not remote).
pub async fn fields(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<RemoteRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files WHERE id = $1 AND mode = 'external'")).bind(id).fetch_optional(db).await
}

/// Changes what is given (None leaves a field as it is).
pub struct Changes<'a> {
    pub title: Option<&'a str>,
    pub external_url: Option<&'a str>,
    pub filetype: Option<(&'a str, &'a str)>,
    pub preview: Option<(&'a [u8], &'a str)>,
    pub indexable: Option<&'a str>,
}

pub async fn update(db: impl AnyExecutor<'_>, id: &str, c: &Changes<'_>) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE files SET name = COALESCE($2, name), title = COALESCE($2, title), external_url = COALESCE($3, external_url), \
         filetype = COALESCE($4, filetype), pretty_type = COALESCE($5, pretty_type), \
         preview_image = COALESCE($6, preview_image), preview_mimetype = COALESCE($7, preview_mimetype), \
         indexable_contents = COALESCE($8, indexable_contents) WHERE id = $1 AND mode = 'external'",
    )
    .bind(id)
    .bind(c.title)
    .bind(c.external_url)
    .bind(c.filetype.map(|f| f.0))
    .bind(c.filetype.map(|f| f.1))
    .bind(c.preview.map(|p| p.0.to_vec()))
    .bind(c.preview.map(|p| p.1))
    .bind(c.indexable)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One page of an app's remote files, newest first, optionally only those
/// shared in `channel` and created within `[ts_from, ts_to]`.
#[allow(clippy::too_many_arguments)]
pub async fn list(
    db: impl AnyExecutor<'_>,
    team_id: &str,
    app_id: &str,
    channel: &str,
    ts_from: i64,
    ts_to: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT f.id FROM files f WHERE f.team_id = $1 AND f.app_id = $2 AND f.mode = 'external' AND f.state = 'complete' \
         AND ($3 = '' OR EXISTS (SELECT 1 FROM file_shares s WHERE s.file_id = f.id AND s.channel_id = $3)) \
         AND f.created >= $4 AND f.created <= $5 ORDER BY f.created DESC, f.completed_us DESC, f.id DESC LIMIT $6 OFFSET $7",
    )
    .bind(team_id)
    .bind(app_id)
    .bind(channel)
    .bind(ts_from)
    .bind(ts_to)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}
