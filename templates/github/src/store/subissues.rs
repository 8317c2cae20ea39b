//! Sub-issues (one parent per issue, ordered under it) and issue dependencies
//! (`blocked_id` is blocked by `blocking_id`).

use sqlx::AnyConnection;
use sqlx::any::AnyExecutor;

use super::issues::{ISSUE_COLS, IssueRow};

fn cols(alias: &str) -> String {
    ISSUE_COLS.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

/// The parent of `child`, if it has one.
pub async fn parent_of(db: impl AnyExecutor<'_>, child: i64) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM sub_issues s JOIN issues i ON i.id = s.parent_id WHERE s.child_id = $1",
        cols("i")
    )))
    .bind(child)
    .fetch_optional(db)
    .await
}

/// The sub-issues of `parent`, in their order.
pub async fn children(db: impl AnyExecutor<'_>, parent: i64) -> sqlx::Result<Vec<IssueRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM sub_issues s JOIN issues i ON i.id = s.child_id WHERE s.parent_id = $1 ORDER BY s.position, s.child_id",
        cols("i")
    )))
    .bind(parent)
    .fetch_all(db)
    .await
}

pub async fn add(db: impl AnyExecutor<'_>, parent: i64, child: i64, position: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO sub_issues (child_id, parent_id, position, created_at) VALUES ($1, $2, $3, $4)")
        .bind(child)
        .bind(parent)
        .bind(position)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Unlinks `child` from whatever parent it has.
pub async fn detach(db: impl AnyExecutor<'_>, child: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sub_issues WHERE child_id = $1").bind(child).execute(db).await?.rows_affected())
}

pub async fn set_position(db: impl AnyExecutor<'_>, child: i64, position: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sub_issues SET position = $2 WHERE child_id = $1").bind(child).bind(position).execute(db).await?;
    Ok(())
}

/// The position after the last sub-issue of `parent`.
pub async fn next_position(db: impl AnyExecutor<'_>, parent: i64) -> sqlx::Result<i64> {
    let max: Option<i64> =
        sqlx::query_scalar("SELECT MAX(position) FROM sub_issues WHERE parent_id = $1").bind(parent).fetch_one(db).await?;
    Ok(max.map_or(0, |m| m + 1))
}

/// `(parent, total, closed)` for each of `parents` that has sub-issues.
pub async fn summaries(conn: &mut AnyConnection, parents: &[i64]) -> sqlx::Result<Vec<(i64, i64, i64)>> {
    if parents.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT s.parent_id, COUNT(*), SUM(CASE WHEN i.state = 'closed' THEN 1 ELSE 0 END) FROM sub_issues s \
         JOIN issues i ON i.id = s.child_id WHERE s.parent_id IN ({}) GROUP BY s.parent_id",
        super::placeholders(1, parents.len())
    );
    let mut q = sqlx::query_as::<_, (i64, i64, i64)>(sqlx::AssertSqlSafe(sql.as_str()));
    for p in parents {
        q = q.bind(*p);
    }
    q.fetch_all(conn).await
}

/// `(child, parent owner login, parent repo name, parent number)` for each of
/// `children` that has a parent.
pub async fn parents_of(conn: &mut AnyConnection, children: &[i64]) -> sqlx::Result<Vec<(i64, String, String, i64)>> {
    if children.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT s.child_id, a.login, r.name, p.number FROM sub_issues s JOIN issues p ON p.id = s.parent_id \
         JOIN repos r ON r.id = p.repo_id JOIN accounts a ON a.id = r.owner_id WHERE s.child_id IN ({})",
        super::placeholders(1, children.len())
    );
    let mut q = sqlx::query_as::<_, (i64, String, String, i64)>(sqlx::AssertSqlSafe(sql.as_str()));
    for c in children {
        q = q.bind(*c);
    }
    q.fetch_all(conn).await
}

// dependencies

/// The issues `issue` is blocked by (`blocking`: false) or blocks (`blocking`: true), oldest link first.
pub async fn dependencies(db: impl AnyExecutor<'_>, issue: i64, blocking: bool) -> sqlx::Result<Vec<IssueRow>> {
    let (mine, other) = if blocking { ("blocking_id", "blocked_id") } else { ("blocked_id", "blocking_id") };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM issue_dependencies d JOIN issues i ON i.id = d.{other} WHERE d.{mine} = $1 ORDER BY d.created_at, i.id",
        cols("i")
    )))
    .bind(issue)
    .fetch_all(db)
    .await
}

pub async fn add_dependency(db: impl AnyExecutor<'_>, blocked: i64, blocking: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO issue_dependencies (blocked_id, blocking_id, created_at) VALUES ($1, $2, $3)")
        .bind(blocked)
        .bind(blocking)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn remove_dependency(db: impl AnyExecutor<'_>, blocked: i64, blocking: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM issue_dependencies WHERE blocked_id = $1 AND blocking_id = $2")
        .bind(blocked)
        .bind(blocking)
        .execute(db)
        .await?
        .rows_affected())
}

/// Every link touching `issues`: `(blocked, blocking, blocking issue open, blocked issue open)`.
pub async fn links_of(conn: &mut AnyConnection, issues: &[i64]) -> sqlx::Result<Vec<(i64, i64, String, String)>> {
    if issues.is_empty() {
        return Ok(vec![]);
    }
    let n = issues.len();
    let sql = format!(
        "SELECT d.blocked_id, d.blocking_id, b.state, k.state FROM issue_dependencies d JOIN issues b ON b.id = d.blocking_id \
         JOIN issues k ON k.id = d.blocked_id WHERE d.blocked_id IN ({}) OR d.blocking_id IN ({})",
        super::placeholders(1, n),
        super::placeholders(n + 1, n)
    );
    let mut q = sqlx::query_as::<_, (i64, i64, String, String)>(sqlx::AssertSqlSafe(sql.as_str()));
    for i in issues.iter().chain(issues) {
        q = q.bind(*i);
    }
    q.fetch_all(conn).await
}
