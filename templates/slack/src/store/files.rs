//! Files, their bytes, and where they were shared. Reads never select `content`
//! except [`content`], so listing files does not pull their bytes.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct FileRow {
    pub id: String,
    pub team_id: String,
    pub user_id: String,
    pub upload_key: String,
    pub state: String,
    pub name: String,
    pub title: String,
    pub alt_txt: Option<String>,
    pub snippet_type: Option<String>,
    pub mode: String,
    pub mimetype: String,
    pub filetype: String,
    pub pretty_type: String,
    pub declared_length: i64,
    pub size: i64,
    pub preview: Option<String>,
    pub lines: i64,
    #[sqlx(try_from = "asym_store::Flag")]
    pub preview_truncated: bool,
    pub created: i64,
    /// The secret of the file's public URL while it is shared publicly.
    pub public_secret: Option<String>,
}

pub const PENDING: &str = "pending";
pub const UPLOADED: &str = "uploaded";
pub const COMPLETE: &str = "complete";

const COLS: &str = "f.id, f.team_id, f.user_id, f.upload_key, f.state, f.name, f.title, f.alt_txt, f.snippet_type, f.mode, \
    f.mimetype, f.filetype, f.pretty_type, f.declared_length, f.size, f.preview, f.lines, f.preview_truncated, f.created, f.public_secret";

/// A new upload ticket (state `pending`, no bytes yet).
pub async fn insert_ticket(db: impl AnyExecutor<'_>, f: &FileRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO files (id, team_id, user_id, upload_key, state, name, title, alt_txt, snippet_type, mode, mimetype, \
         filetype, pretty_type, declared_length, size, preview, lines, preview_truncated, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(&f.id)
    .bind(&f.team_id)
    .bind(&f.user_id)
    .bind(&f.upload_key)
    .bind(&f.state)
    .bind(&f.name)
    .bind(&f.title)
    .bind(&f.alt_txt)
    .bind(&f.snippet_type)
    .bind(&f.mode)
    .bind(&f.mimetype)
    .bind(&f.filetype)
    .bind(&f.pretty_type)
    .bind(f.declared_length)
    .bind(f.size)
    .bind(&f.preview)
    .bind(f.lines)
    .bind(f.preview_truncated as i64)
    .bind(f.created)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files f WHERE f.id = $1")).bind(id).fetch_optional(db).await
}

pub async fn by_upload_key(db: impl AnyExecutor<'_>, key: &str) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files f WHERE f.upload_key = $1")).bind(key).fetch_optional(db).await
}

/// A text file's first lines, shown in its `preview`.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub text: Option<String>,
    pub lines: i64,
    pub truncated: bool,
}

/// Stores the uploaded bytes of a ticket not completed yet (a retried upload
/// replaces the first); false when the ticket is gone or already completed.
pub async fn store_content(db: impl AnyExecutor<'_>, id: &str, content: Vec<u8>, preview: &Preview) -> sqlx::Result<bool> {
    let size = content.len() as i64;
    let r = sqlx::query(
        "UPDATE files SET content = $2, size = $3, preview = $4, lines = $5, preview_truncated = $6, state = 'uploaded' \
         WHERE id = $1 AND state IN ('pending', 'uploaded')",
    )
    .bind(id)
    .bind(content)
    .bind(size)
    .bind(&preview.text)
    .bind(preview.lines)
    .bind(preview.truncated as i64)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Completes an uploaded file: it becomes visible with its title. False when the
/// file has no bytes yet or was completed already.
/// `completed_us` orders files completed in the same second.
pub async fn complete(db: impl AnyExecutor<'_>, id: &str, title: &str, created: i64, completed_us: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE files SET state = 'complete', title = $2, created = $3, completed_us = $4 WHERE id = $1 AND state = 'uploaded'",
    )
    .bind(id)
    .bind(title)
    .bind(created)
    .bind(completed_us)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The bytes of a complete file.
pub async fn content(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> =
        sqlx::query_as("SELECT content FROM files WHERE id = $1 AND state = 'complete'").bind(id).fetch_optional(db).await?;
    Ok(row.and_then(|(c,)| c))
}

/// Sets (Some) or clears (None) the secret of a file's public URL.
pub async fn set_public_secret(db: impl AnyExecutor<'_>, id: &str, secret: Option<&str>) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE files SET public_secret = $2 WHERE id = $1 AND state = 'complete'").bind(id).bind(secret).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// A complete file of `team_id` shared publicly under `secret`, with its bytes.
pub async fn public_file(db: impl AnyExecutor<'_>, team_id: &str, id: &str, secret: &str) -> sqlx::Result<Option<(FileRow, Vec<u8>)>> {
    #[derive(FromRow)]
    struct WithContent {
        #[sqlx(flatten)]
        file: FileRow,
        content: Option<Vec<u8>>,
    }
    let row: Option<WithContent> = sqlx::query_as(concatcp!(
        "SELECT ",
        COLS,
        ", f.content FROM files f WHERE f.team_id = $1 AND f.id = $2 AND f.state = 'complete' AND f.public_secret = $3"
    ))
    .bind(team_id)
    .bind(id)
    .bind(secret)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|r| r.content.map(|c| (r.file, c))))
}

/// Deletes the file and its bytes; its shares stay for the tombstones.
pub async fn delete(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM files WHERE id = $1").bind(id).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// A deleted message takes its file shares with it (the files stay).
pub async fn delete_message_shares(db: impl AnyExecutor<'_>, channel_id: &str, ts: &str) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM file_shares WHERE channel_id = $1 AND ts = $2").bind(channel_id).bind(ts).execute(db).await?;
    Ok(r.rows_affected())
}

pub struct NewShare<'a> {
    pub file_id: &'a str,
    pub channel_id: &'a str,
    pub ts: &'a str,
    pub thread_ts: Option<&'a str>,
    pub user_id: &'a str,
    pub seq: i64,
}

pub async fn insert_share(db: impl AnyExecutor<'_>, s: NewShare<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO file_shares (file_id, channel_id, ts, thread_ts, user_id, seq) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(s.file_id)
    .bind(s.channel_id)
    .bind(s.ts)
    .bind(s.thread_ts)
    .bind(s.user_id)
    .bind(s.seq)
    .execute(db)
    .await?;
    Ok(())
}

/// One share of a file, with what its rendering needs from the channel and the
/// thread (the share message's own, or its parent's when shared in a thread).
#[derive(Debug, Clone, FromRow)]
pub struct ShareRow {
    pub channel_id: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    pub user_id: String,
    pub channel_name: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_private: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_im: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_mpim: bool,
    /// Whether the viewer may see the channel (public, or a member).
    #[sqlx(try_from = "asym_store::Flag")]
    pub visible: bool,
    pub reply_count: i64,
    pub latest_reply: Option<String>,
}

/// Shares of `file_id` in share order, with visibility for `viewer`.
pub async fn shares(db: impl AnyExecutor<'_>, file_id: &str, viewer: &str) -> sqlx::Result<Vec<ShareRow>> {
    sqlx::query_as(
        "SELECT s.channel_id, s.ts, s.thread_ts, s.user_id, c.name AS channel_name, c.is_private, c.is_im, c.is_mpim, \
         CASE WHEN (c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0) \
              OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.user_id = $2) THEN 1 ELSE 0 END AS visible, \
         COALESCE(m.reply_count, 0) AS reply_count, m.latest_reply \
         FROM file_shares s JOIN channels c ON c.id = s.channel_id \
         LEFT JOIN messages m ON m.channel_id = s.channel_id AND m.ts = COALESCE(s.thread_ts, s.ts) \
         WHERE s.file_id = $1 ORDER BY s.ts, s.channel_id",
    )
    .bind(file_id)
    .bind(viewer)
    .fetch_all(db)
    .await
}

/// The files a share message carries, in upload order.
pub async fn message_files(db: impl AnyExecutor<'_>, channel_id: &str, ts: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT file_id FROM file_shares WHERE channel_id = $1 AND ts = $2 ORDER BY seq, file_id")
        .bind(channel_id)
        .bind(ts)
        .fetch_all(db)
        .await
}

/// Channels a file was shared in (for `file_deleted`'s `channel_ids`).
pub async fn share_channels(db: impl AnyExecutor<'_>, file_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT channel_id FROM file_shares WHERE file_id = $1 ORDER BY channel_id")
        .bind(file_id)
        .fetch_all(db)
        .await
}

/// A file `viewer` may see: its own, or one shared where the viewer can read.
const VISIBLE: &str = "(f.user_id = $2 OR EXISTS (SELECT 1 FROM file_shares s JOIN channels c ON c.id = s.channel_id \
     WHERE s.file_id = f.id AND ((c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0) \
     OR EXISTS (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.user_id = $2))))";

/// A complete file of `team_id` that `viewer` may see.
pub async fn visible(db: impl AnyExecutor<'_>, team_id: &str, viewer: &str, id: &str) -> sqlx::Result<Option<FileRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM files f WHERE f.team_id = $1 AND f.id = $3 AND f.state = 'complete' AND ", VISIBLE))
        .bind(team_id)
        .bind(viewer)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// files.list's filters. Empty strings and zero flags mean "no filter".
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub user: String,
    pub channel: String,
    pub ts_from: i64,
    pub ts_to: i64,
    pub all_types: bool,
    pub images: bool,
    pub snippets: bool,
    pub pdfs: bool,
    pub zips: bool,
    pub gdocs: bool,
    pub spaces: bool,
}

const LIST_WHERE: &str = concatcp!(
    " FROM files f WHERE f.team_id = $1 AND f.state = 'complete' AND ",
    VISIBLE,
    " AND ($3 = '' OR f.user_id = $3) \
     AND ($4 = '' OR EXISTS (SELECT 1 FROM file_shares s2 WHERE s2.file_id = f.id AND s2.channel_id = $4)) \
     AND f.created >= $5 AND f.created <= $6 \
     AND ($7 = 1 OR ($8 = 1 AND f.mimetype LIKE 'image/%') OR ($9 = 1 AND f.mode = 'snippet') \
          OR ($10 = 1 AND f.filetype = 'pdf') OR ($11 = 1 AND f.filetype = 'zip') \
          OR ($12 = 1 AND f.filetype IN ('gdoc', 'gsheet', 'gpres')) OR ($13 = 1 AND f.filetype IN ('space', 'post')))"
);

macro_rules! bind_filter {
    ($q:expr, $team:expr, $viewer:expr, $f:expr) => {
        $q.bind($team)
            .bind($viewer)
            .bind(&$f.user)
            .bind(&$f.channel)
            .bind($f.ts_from)
            .bind($f.ts_to)
            .bind($f.all_types as i64)
            .bind($f.images as i64)
            .bind($f.snippets as i64)
            .bind($f.pdfs as i64)
            .bind($f.zips as i64)
            .bind($f.gdocs as i64)
            .bind($f.spaces as i64)
    };
}

/// One page of files, newest first.
pub async fn list(
    db: impl AnyExecutor<'_>,
    team_id: &str,
    viewer: &str,
    f: &ListFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<FileRow>> {
    let q = sqlx::query_as(concatcp!(
        "SELECT ",
        COLS,
        LIST_WHERE,
        " ORDER BY f.created DESC, f.completed_us DESC, f.id DESC LIMIT $14 OFFSET $15"
    ));
    bind_filter!(q, team_id, viewer, f).bind(limit).bind(offset).fetch_all(db).await
}

pub async fn count(db: impl AnyExecutor<'_>, team_id: &str, viewer: &str, f: &ListFilter) -> sqlx::Result<i64> {
    let q = sqlx::query_scalar(concatcp!("SELECT COUNT(*)", LIST_WHERE));
    bind_filter!(q, team_id, viewer, f).fetch_one(db).await
}
