//! Issues, labels, assignees, milestones, comments, issue events and reactions.

use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct IssueRow {
    pub id: i64,
    pub repo_id: i64,
    pub number: i64,
    pub title: String,
    pub body: Option<String>,
    pub user_id: i64,
    pub state: String,
    pub state_reason: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub locked: bool,
    pub lock_reason: Option<String>,
    pub milestone_id: Option<i64>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_pull: bool,
    pub comments: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<i64>,
}

pub const ISSUE_COLS: &str = "id, repo_id, number, title, body, user_id, state, state_reason, locked, lock_reason, milestone_id, is_pull, comments, created_at, updated_at, closed_at, closed_by";

/// Allocates the repository's next issue/pull request number.
pub async fn next_number(conn: &mut AnyConnection, repo: i64) -> sqlx::Result<i64> {
    let n: i64 = sqlx::query_scalar("UPDATE repos SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number")
        .bind(repo)
        .fetch_one(conn)
        .await?;
    Ok(n - 1)
}

pub async fn insert(conn: &mut AnyConnection, i: &IssueRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO issues ({ISSUE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    )))
    .bind(i.id)
    .bind(i.repo_id)
    .bind(i.number)
    .bind(&i.title)
    .bind(&i.body)
    .bind(i.user_id)
    .bind(&i.state)
    .bind(&i.state_reason)
    .bind(i.locked as i64)
    .bind(&i.lock_reason)
    .bind(i.milestone_id)
    .bind(i.is_pull as i64)
    .bind(i.comments)
    .bind(i.created_at)
    .bind(i.updated_at)
    .bind(i.closed_at)
    .bind(i.closed_by)
    .execute(&mut *conn)
    .await?;
    tally(conn, i.repo_id, &i.state, 1).await
}

pub async fn update(conn: &mut AnyConnection, i: &IssueRow) -> sqlx::Result<()> {
    let was: String = sqlx::query_scalar("SELECT state FROM issues WHERE id = $1").bind(i.id).fetch_one(&mut *conn).await?;
    sqlx::query(
        "UPDATE issues SET title = $2, body = $3, state = $4, state_reason = $5, locked = $6, lock_reason = $7, milestone_id = $8, \
         comments = $9, updated_at = $10, closed_at = $11, closed_by = $12 WHERE id = $1",
    )
    .bind(i.id)
    .bind(&i.title)
    .bind(&i.body)
    .bind(&i.state)
    .bind(&i.state_reason)
    .bind(i.locked as i64)
    .bind(&i.lock_reason)
    .bind(i.milestone_id)
    .bind(i.comments)
    .bind(i.updated_at)
    .bind(i.closed_at)
    .bind(i.closed_by)
    .execute(&mut *conn)
    .await?;
    if was != i.state {
        tally(&mut *conn, i.repo_id, &was, -1).await?;
        tally(conn, i.repo_id, &i.state, 1).await?;
    }
    Ok(())
}

/// Moves a repository's count of issues in `state` by `by`. The counts answer the
/// Link header's `last` page and `open_issues_count` without counting rows: a
/// repository with thousands of issues made every list page pay for that count.
async fn tally(conn: &mut AnyConnection, repo: i64, state: &str, by: i64) -> sqlx::Result<()> {
    let (open, closed) = if state == "open" { (by, 0) } else { (0, by) };
    sqlx::query(
        "INSERT INTO issue_tallies (repo_id, open_count, closed_count) VALUES ($1, $2, $3) \
         ON CONFLICT (repo_id) DO UPDATE SET open_count = issue_tallies.open_count + excluded.open_count, closed_count = issue_tallies.closed_count + excluded.closed_count",
    )
    .bind(repo)
    .bind(open)
    .bind(closed)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many issues (pull requests included) a repository has in `state`
/// (`open`, `closed` or `all`).
pub async fn count_of_repo(db: impl AnyExecutor<'_>, repo: i64, state: &str) -> sqlx::Result<i64> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT open_count, closed_count FROM issue_tallies WHERE repo_id = $1").bind(repo).fetch_optional(db).await?;
    let (open, closed) = row.unwrap_or((0, 0));
    Ok(match state {
        "open" => open,
        "closed" => closed,
        _ => open + closed,
    })
}

pub async fn touch(db: impl AnyExecutor<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE issues SET updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(db).await?;
    Ok(())
}

pub async fn by_number(db: impl AnyExecutor<'_>, repo: i64, number: i64) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ISSUE_COLS} FROM issues WHERE repo_id = $1 AND number = $2")))
        .bind(repo)
        .bind(number)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ISSUE_COLS} FROM issues WHERE id = $1"))).bind(id).fetch_optional(db).await
}

/// Issues of the given repositories (and state, when not `all`), newest first.
pub async fn of_repos(conn: &mut AnyConnection, repos: &[i64], state: &str) -> sqlx::Result<Vec<IssueRow>> {
    if repos.is_empty() {
        return Ok(vec![]);
    }
    let n = repos.len();
    let sql = format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE repo_id IN ({}) AND (${} = 'all' OR state = ${}) ORDER BY created_at DESC, id DESC",
        super::placeholders(1, n),
        n + 1,
        n + 1
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
    for r in repos {
        q = q.bind(*r);
    }
    q.bind(state).fetch_all(conn).await
}

#[derive(Debug, Clone, FromRow)]
pub struct LabelRow {
    pub id: i64,
    pub repo_id: i64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_default: bool,
}

const LABEL_COLS: &str = "l.id, l.repo_id, l.name, l.color, l.description, l.is_default";

pub async fn insert_label(db: impl AnyExecutor<'_>, l: &LabelRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO labels (id, repo_id, name, color, description, is_default) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(l.id)
        .bind(l.repo_id)
        .bind(&l.name)
        .bind(&l.color)
        .bind(&l.description)
        .bind(l.is_default as i64)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_label(db: impl AnyExecutor<'_>, l: &LabelRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE labels SET name = $2, color = $3, description = $4 WHERE id = $1")
        .bind(l.id)
        .bind(&l.name)
        .bind(&l.color)
        .bind(&l.description)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_label(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM issue_labels WHERE label_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM labels WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn label_by_name(db: impl AnyExecutor<'_>, repo: i64, name: &str) -> sqlx::Result<Option<LabelRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LABEL_COLS} FROM labels l WHERE l.repo_id = $1 AND lower(l.name) = lower($2)")))
        .bind(repo)
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn labels_of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<LabelRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {LABEL_COLS} FROM labels l WHERE l.repo_id = $1 ORDER BY l.name")))
        .bind(repo)
        .fetch_all(db)
        .await
}

/// (issue id, label) for the given issues.
pub async fn labels_of(conn: &mut AnyConnection, issues: &[i64]) -> sqlx::Result<Vec<(i64, LabelRow)>> {
    if issues.is_empty() {
        return Ok(vec![]);
    }
    #[derive(FromRow)]
    struct Row {
        issue_id: i64,
        #[sqlx(flatten)]
        label: LabelRow,
    }
    let sql = format!(
        "SELECT il.issue_id, {LABEL_COLS} FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id IN ({}) ORDER BY l.name",
        super::placeholders(1, issues.len())
    );
    let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.as_str()));
    for i in issues {
        q = q.bind(*i);
    }
    Ok(q.fetch_all(conn).await?.into_iter().map(|r| (r.issue_id, r.label)).collect())
}

pub async fn add_issue_label(db: impl AnyExecutor<'_>, issue: i64, label: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("INSERT INTO issue_labels (issue_id, label_id) VALUES ($1, $2) ON CONFLICT (issue_id, label_id) DO NOTHING")
        .bind(issue)
        .bind(label)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub async fn remove_issue_label(db: impl AnyExecutor<'_>, issue: i64, label: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM issue_labels WHERE issue_id = $1 AND label_id = $2")
        .bind(issue)
        .bind(label)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

/// (issue id, user id) for the given issues.
pub async fn assignees_of(conn: &mut AnyConnection, issues: &[i64]) -> sqlx::Result<Vec<(i64, i64)>> {
    if issues.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT issue_id, user_id FROM issue_assignees WHERE issue_id IN ({}) ORDER BY user_id",
        super::placeholders(1, issues.len())
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
    for i in issues {
        q = q.bind(*i);
    }
    q.fetch_all(conn).await
}

pub async fn add_assignee(db: impl AnyExecutor<'_>, issue: i64, user: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("INSERT INTO issue_assignees (issue_id, user_id) VALUES ($1, $2) ON CONFLICT (issue_id, user_id) DO NOTHING")
        .bind(issue)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub async fn remove_assignee(db: impl AnyExecutor<'_>, issue: i64, user: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM issue_assignees WHERE issue_id = $1 AND user_id = $2")
        .bind(issue)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected()
        > 0)
}

#[derive(Debug, Clone, FromRow)]
pub struct MilestoneRow {
    pub id: i64,
    pub repo_id: i64,
    pub number: i64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub due_on: Option<i64>,
    pub creator_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

const MILESTONE_COLS: &str = "id, repo_id, number, title, description, state, due_on, creator_id, created_at, updated_at, closed_at";

pub async fn insert_milestone(db: impl AnyExecutor<'_>, m: &MilestoneRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO milestones ({MILESTONE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(m.id)
    .bind(m.repo_id)
    .bind(m.number)
    .bind(&m.title)
    .bind(&m.description)
    .bind(&m.state)
    .bind(m.due_on)
    .bind(m.creator_id)
    .bind(m.created_at)
    .bind(m.updated_at)
    .bind(m.closed_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_milestone(db: impl AnyExecutor<'_>, m: &MilestoneRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE milestones SET title = $2, description = $3, state = $4, due_on = $5, updated_at = $6, closed_at = $7 WHERE id = $1",
    )
    .bind(m.id)
    .bind(&m.title)
    .bind(&m.description)
    .bind(&m.state)
    .bind(m.due_on)
    .bind(m.updated_at)
    .bind(m.closed_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_milestone(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE issues SET milestone_id = NULL WHERE milestone_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM milestones WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn milestone_by_number(db: impl AnyExecutor<'_>, repo: i64, number: i64) -> sqlx::Result<Option<MilestoneRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {MILESTONE_COLS} FROM milestones WHERE repo_id = $1 AND number = $2")))
        .bind(repo)
        .bind(number)
        .fetch_optional(db)
        .await
}

pub async fn milestone_by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<MilestoneRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {MILESTONE_COLS} FROM milestones WHERE id = $1"))).bind(id).fetch_optional(db).await
}

pub async fn milestones_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<MilestoneRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {MILESTONE_COLS} FROM milestones WHERE repo_id = $1 ORDER BY number")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn next_milestone_number(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<i64> {
    let n: Option<i64> = sqlx::query_scalar("SELECT MAX(number) FROM milestones WHERE repo_id = $1").bind(repo).fetch_one(db).await?;
    Ok(n.unwrap_or(0) + 1)
}

/// (open, closed) issue counts of a milestone.
pub async fn milestone_counts(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<(i64, i64)> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, CAST(COUNT(*) AS BIGINT) FROM issues WHERE milestone_id = $1 GROUP BY state")
            .bind(id)
            .fetch_all(db)
            .await?;
    let get = |s: &str| rows.iter().find(|r| r.0 == s).map(|r| r.1).unwrap_or(0);
    Ok((get("open"), get("closed")))
}

#[derive(Debug, Clone, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub repo_id: i64,
    pub issue_id: i64,
    pub user_id: i64,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COMMENT_COLS: &str = "id, repo_id, issue_id, user_id, body, created_at, updated_at";

pub async fn insert_comment(conn: &mut AnyConnection, c: &CommentRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO comments ({COMMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
        .bind(c.id)
        .bind(c.repo_id)
        .bind(c.issue_id)
        .bind(c.user_id)
        .bind(&c.body)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE issues SET comments = comments + 1, updated_at = $2 WHERE id = $1")
        .bind(c.issue_id)
        .bind(c.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn update_comment(db: impl AnyExecutor<'_>, id: i64, body: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE comments SET body = $2, updated_at = $3 WHERE id = $1").bind(id).bind(body).bind(now).execute(db).await?;
    Ok(())
}

pub async fn delete_comment(conn: &mut AnyConnection, c: &CommentRow) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM comments WHERE id = $1").bind(c.id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM reactions WHERE subject = 'comment' AND subject_id = $1").bind(c.id).execute(&mut *conn).await?;
    sqlx::query("UPDATE issues SET comments = comments - 1 WHERE id = $1").bind(c.issue_id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn comment(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<CommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COMMENT_COLS} FROM comments WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn comments_of_issue(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COMMENT_COLS} FROM comments WHERE issue_id = $1 ORDER BY id")))
        .bind(issue)
        .fetch_all(db)
        .await
}

pub async fn comments_of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COMMENT_COLS} FROM comments WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub repo_id: i64,
    pub issue_id: i64,
    pub actor_id: i64,
    pub event: String,
    pub data: String,
    pub created_at: i64,
}

pub async fn insert_event(db: impl AnyExecutor<'_>, e: &EventRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO issue_events (id, repo_id, issue_id, actor_id, event, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(e.id)
        .bind(e.repo_id)
        .bind(e.issue_id)
        .bind(e.actor_id)
        .bind(&e.event)
        .bind(&e.data)
        .bind(e.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn events_of_issue(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as("SELECT id, repo_id, issue_id, actor_id, event, data, created_at FROM issue_events WHERE issue_id = $1 ORDER BY id")
        .bind(issue)
        .fetch_all(db)
        .await
}

pub async fn events_of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as("SELECT id, repo_id, issue_id, actor_id, event, data, created_at FROM issue_events WHERE repo_id = $1 ORDER BY id DESC")
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn event(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<EventRow>> {
    sqlx::query_as("SELECT id, repo_id, issue_id, actor_id, event, data, created_at FROM issue_events WHERE repo_id = $1 AND id = $2")
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ReactionRow {
    pub id: i64,
    pub subject: String,
    pub subject_id: i64,
    pub user_id: i64,
    pub content: String,
    pub created_at: i64,
}

/// Inserts unless the same person already reacted so; returns the stored row and
/// whether it is new.
pub async fn add_reaction(conn: &mut AnyConnection, r: &ReactionRow) -> sqlx::Result<(ReactionRow, bool)> {
    let n = sqlx::query(
        "INSERT INTO reactions (id, subject, subject_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (subject, subject_id, user_id, content) DO NOTHING",
    )
    .bind(r.id)
    .bind(&r.subject)
    .bind(r.subject_id)
    .bind(r.user_id)
    .bind(&r.content)
    .bind(r.created_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let row = sqlx::query_as(
        "SELECT id, subject, subject_id, user_id, content, created_at FROM reactions WHERE subject = $1 AND subject_id = $2 AND user_id = $3 AND content = $4",
    )
    .bind(&r.subject)
    .bind(r.subject_id)
    .bind(r.user_id)
    .bind(&r.content)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row, n > 0))
}

pub async fn reactions_of(db: impl AnyExecutor<'_>, subject: &str, id: i64) -> sqlx::Result<Vec<ReactionRow>> {
    sqlx::query_as(
        "SELECT id, subject, subject_id, user_id, content, created_at FROM reactions WHERE subject = $1 AND subject_id = $2 ORDER BY id",
    )
    .bind(subject)
    .bind(id)
    .fetch_all(db)
    .await
}

pub async fn delete_reaction(db: impl AnyExecutor<'_>, subject: &str, subject_id: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM reactions WHERE subject = $1 AND subject_id = $2 AND id = $3")
        .bind(subject)
        .bind(subject_id)
        .bind(id)
        .execute(db)
        .await?
        .rows_affected())
}

/// Reactions on many subjects of one kind at once.
pub async fn reactions_for(conn: &mut AnyConnection, subject: &str, ids: &[i64]) -> sqlx::Result<Vec<ReactionRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT id, subject, subject_id, user_id, content, created_at FROM reactions WHERE subject = $1 AND subject_id IN ({}) ORDER BY id",
        super::placeholders(2, ids.len())
    );
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(subject);
    for i in ids {
        q = q.bind(*i);
    }
    q.fetch_all(conn).await
}

/// (issue id, merged_at) of the pull requests among `issues`.
pub async fn merged_at_of(conn: &mut AnyConnection, issues: &[i64]) -> sqlx::Result<Vec<(i64, Option<i64>)>> {
    if issues.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("SELECT issue_id, merged_at FROM pulls WHERE issue_id IN ({})", super::placeholders(1, issues.len()));
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
    for i in issues {
        q = q.bind(*i);
    }
    q.fetch_all(conn).await
}

/// One page of a repository's issues by `created_at`/`updated_at`/`comments`
/// (the list without filters), and how many there are in all.
pub async fn page_of_repo(
    conn: &mut AnyConnection,
    repo: i64,
    state: &str,
    sort: &str,
    desc: bool,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<IssueRow>, i64)> {
    let col = match sort {
        "updated" => "updated_at",
        "comments" => "comments",
        _ => "created_at",
    };
    let dir = if desc { "DESC" } else { "ASC" };
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLS} FROM issues WHERE repo_id = $1 AND ($2 = 'all' OR state = $2) ORDER BY {col} {dir}, id {dir} LIMIT $3 OFFSET $4"
    )))
    .bind(repo)
    .bind(state)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    // The Link header's `last` needs the count on every page.
    let total = count_of_repo(&mut *conn, repo, state).await?;
    Ok((rows, total))
}
