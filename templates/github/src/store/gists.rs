//! Gists: the gist rows (with the current files), their revisions, stars and comments.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct GistRow {
    pub id: String,
    pub seq: i64,
    pub owner_id: i64,
    pub description: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_public: bool,
    pub fork_of: Option<String>,
    /// The current files, `{filename: content}` as JSON.
    pub files: String,
    /// The current revision's commit sha.
    pub version: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct RevisionRow {
    pub gist_id: String,
    pub version: String,
    pub seq: i64,
    pub user_id: i64,
    pub files: String,
    pub additions: i64,
    pub deletions: i64,
    pub committed_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub gist_id: String,
    pub user_id: i64,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, seq, owner_id, description, is_public, fork_of, files, version, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, g: &GistRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO gists (id, seq, owner_id, description, is_public, fork_of, files, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&g.id)
    .bind(g.seq)
    .bind(g.owner_id)
    .bind(&g.description)
    .bind(g.is_public as i64)
    .bind(&g.fork_of)
    .bind(&g.files)
    .bind(&g.version)
    .bind(g.created_at)
    .bind(g.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Writes a gist's description, files, version and `updated_at`.
pub async fn update(db: impl AnyExecutor<'_>, g: &GistRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE gists SET description = $2, files = $3, version = $4, updated_at = $5 WHERE id = $1")
        .bind(&g.id)
        .bind(&g.description)
        .bind(&g.files)
        .bind(&g.version)
        .bind(g.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<GistRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM gists WHERE id = $1"))).bind(id).fetch_optional(db).await
}

/// Gists newest first: of `owner` (all, or only public ones), or every public gist
/// (`owner` none); `since` keeps those updated at or after it.
pub async fn list(db: impl AnyExecutor<'_>, owner: Option<i64>, public_only: bool, since: i64) -> sqlx::Result<Vec<GistRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM gists WHERE ($1 < 0 OR owner_id = $1) AND ($2 = 0 OR is_public = 1) AND updated_at >= $3 \
         ORDER BY created_at DESC, seq DESC"
    )))
    .bind(owner.unwrap_or(-1))
    .bind(public_only as i64)
    .bind(since)
    .fetch_all(db)
    .await
}

/// The gists `user` starred, newest star first.
pub async fn starred(db: impl AnyExecutor<'_>, user: i64, since: i64) -> sqlx::Result<Vec<GistRow>> {
    let cols = COLS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM gists g JOIN gist_stars s ON s.gist_id = g.id WHERE s.user_id = $1 AND g.updated_at >= $2 \
         ORDER BY s.created_at DESC, g.seq DESC"
    )))
    .bind(user)
    .bind(since)
    .fetch_all(db)
    .await
}

/// The forks of `id`, oldest first.
pub async fn forks_of(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Vec<GistRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM gists WHERE fork_of = $1 ORDER BY seq"))).bind(id).fetch_all(db).await
}

/// `user`'s fork of `id`, if they made one.
pub async fn fork_by(db: impl AnyExecutor<'_>, id: &str, user: i64) -> sqlx::Result<Option<GistRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM gists WHERE fork_of = $1 AND owner_id = $2 ORDER BY seq")))
        .bind(id)
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn delete(conn: &mut sqlx::AnyConnection, id: &str) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM gist_comments WHERE gist_id = $1",
        "DELETE FROM gist_stars WHERE gist_id = $1",
        "DELETE FROM gist_revisions WHERE gist_id = $1",
        "DELETE FROM gists WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

// revisions

pub async fn insert_revision(db: impl AnyExecutor<'_>, r: &RevisionRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO gist_revisions (gist_id, version, seq, user_id, files, additions, deletions, committed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&r.gist_id)
    .bind(&r.version)
    .bind(r.seq)
    .bind(r.user_id)
    .bind(&r.files)
    .bind(r.additions)
    .bind(r.deletions)
    .bind(r.committed_at)
    .execute(db)
    .await?;
    Ok(())
}

/// A gist's revisions, newest first.
pub async fn revisions(db: impl AnyExecutor<'_>, gist: &str) -> sqlx::Result<Vec<RevisionRow>> {
    sqlx::query_as(
        "SELECT gist_id, version, seq, user_id, files, additions, deletions, committed_at FROM gist_revisions \
         WHERE gist_id = $1 ORDER BY seq DESC",
    )
    .bind(gist)
    .fetch_all(db)
    .await
}

pub async fn revision(db: impl AnyExecutor<'_>, gist: &str, version: &str) -> sqlx::Result<Option<RevisionRow>> {
    sqlx::query_as(
        "SELECT gist_id, version, seq, user_id, files, additions, deletions, committed_at FROM gist_revisions \
         WHERE gist_id = $1 AND version = $2",
    )
    .bind(gist)
    .bind(version)
    .fetch_optional(db)
    .await
}

// stars

pub async fn is_starred(db: impl AnyExecutor<'_>, gist: &str, user: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gist_stars WHERE gist_id = $1 AND user_id = $2")
        .bind(gist)
        .bind(user)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

pub async fn star(conn: &mut sqlx::AnyConnection, gist: &str, user: i64, now: i64) -> sqlx::Result<()> {
    if !is_starred(&mut *conn, gist, user).await? {
        sqlx::query("INSERT INTO gist_stars (gist_id, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(gist)
            .bind(user)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn unstar(db: impl AnyExecutor<'_>, gist: &str, user: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM gist_stars WHERE gist_id = $1 AND user_id = $2").bind(gist).bind(user).execute(db).await?;
    Ok(())
}

// comments

pub async fn insert_comment(db: impl AnyExecutor<'_>, c: &CommentRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO gist_comments (id, gist_id, user_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(c.id)
        .bind(&c.gist_id)
        .bind(c.user_id)
        .bind(&c.body)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn comments(db: impl AnyExecutor<'_>, gist: &str) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as("SELECT id, gist_id, user_id, body, created_at, updated_at FROM gist_comments WHERE gist_id = $1 ORDER BY id")
        .bind(gist)
        .fetch_all(db)
        .await
}

pub async fn comment(db: impl AnyExecutor<'_>, gist: &str, id: i64) -> sqlx::Result<Option<CommentRow>> {
    sqlx::query_as("SELECT id, gist_id, user_id, body, created_at, updated_at FROM gist_comments WHERE gist_id = $1 AND id = $2")
        .bind(gist)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn update_comment(db: impl AnyExecutor<'_>, id: i64, body: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE gist_comments SET body = $2, updated_at = $3 WHERE id = $1").bind(id).bind(body).bind(now).execute(db).await?;
    Ok(())
}

pub async fn delete_comment(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM gist_comments WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// How many comments each of `ids` has, in one query.
pub async fn comment_counts(db: impl AnyExecutor<'_>, ids: &[String]) -> sqlx::Result<std::collections::HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql =
        format!("SELECT gist_id, COUNT(*) FROM gist_comments WHERE gist_id IN ({}) GROUP BY gist_id", super::placeholders(1, ids.len()));
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(db).await?.into_iter().collect())
}

/// How many public and secret gists `owner` has.
pub async fn counts_of(db: impl AnyExecutor<'_>, owner: i64) -> sqlx::Result<(i64, i64)> {
    let (public, secret): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT SUM(CASE WHEN is_public = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN is_public = 1 THEN 0 ELSE 1 END) FROM gists WHERE owner_id = $1",
    )
    .bind(owner)
    .fetch_one(db)
    .await?;
    Ok((public.unwrap_or(0), secret.unwrap_or(0)))
}
