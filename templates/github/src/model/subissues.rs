//! Sub-issues and issue dependencies: GitHub's rules for linking issues (one
//! parent per issue, at most 100 sub-issues, eight levels of nesting, no cycles,
//! sub-issues from any repository of the same owner; dependencies without
//! cycles, at most 50 per direction), and the `sub_issues_summary`,
//! `parent_issue_url` and `issue_dependencies_summary` every issue carries.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{FieldError, GhError, GhResult};
use crate::store::issues::{self as issues, IssueRow};
use crate::store::repos::RepoRow;
use crate::store::subissues as store;

/// The most sub-issues one issue may have.
pub const MAX_SUB_ISSUES: usize = 100;
/// The deepest a tree of sub-issues may be (the top issue is level 1).
pub const MAX_DEPTH: usize = 8;
/// The most issues one issue may be blocked by, or block.
pub const MAX_DEPENDENCIES: usize = 50;

fn refused(resource: &'static str, field: &str, message: impl Into<String>) -> GhError {
    GhError::Validation(vec![FieldError::custom(resource, field, message)])
}

/// The ancestors of `issue`, nearest first.
async fn ancestors(conn: &mut AnyConnection, issue: i64) -> GhResult<Vec<i64>> {
    let mut out = Vec::new();
    let mut at = issue;
    while let Some(p) = store::parent_of(&mut *conn, at).await? {
        if out.contains(&p.id) {
            break;
        }
        out.push(p.id);
        at = p.id;
    }
    Ok(out)
}

/// The number of levels of the tree under `issue`, itself included.
async fn height(conn: &mut AnyConnection, issue: i64) -> GhResult<usize> {
    let mut level = vec![issue];
    let mut h = 0;
    let mut seen = HashSet::new();
    while !level.is_empty() && h <= MAX_DEPTH {
        h += 1;
        let mut next = Vec::new();
        for i in level {
            if seen.insert(i) {
                next.extend(store::children(&mut *conn, i).await?.into_iter().map(|c| c.id));
            }
        }
        level = next;
    }
    Ok(h)
}

/// Makes issue `child_id` a sub-issue of `parent` (in `parent_repo`); with
/// `replace_parent` it leaves any parent it had. Answers the sub-issue.
pub async fn add(
    conn: &mut AnyConnection,
    parent: &IssueRow,
    parent_repo: &RepoRow,
    child_id: i64,
    replace_parent: bool,
    now: i64,
) -> GhResult<IssueRow> {
    let child = issues::by_id(&mut *conn, child_id).await?.ok_or(GhError::NotFound)?;
    let child_repo = crate::store::repos::by_id(&mut *conn, child.repo_id).await?.ok_or(GhError::NotFound)?;
    if child_repo.owner_id != parent_repo.owner_id {
        return Err(refused("Issue", "sub_issue_id", "The sub-issue must belong to the same repository owner as the parent issue"));
    }
    if child.is_pull {
        return Err(refused("Issue", "sub_issue_id", "Pull requests cannot be added as sub-issues"));
    }
    if child.id == parent.id {
        return Err(refused("Issue", "sub_issue_id", "An issue cannot be a sub-issue of itself"));
    }
    if let Some(current) = store::parent_of(&mut *conn, child.id).await? {
        if current.id == parent.id {
            return Err(refused("Issue", "sub_issue_id", "Issue may not contain duplicate sub-issues"));
        }
        if !replace_parent {
            return Err(refused("Issue", "sub_issue_id", "Sub issue may only have one parent"));
        }
    }
    let above = ancestors(conn, parent.id).await?;
    if above.contains(&child.id) {
        return Err(refused("Issue", "sub_issue_id", "An issue cannot be a sub-issue of one of its own sub-issues"));
    }
    if store::children(&mut *conn, parent.id).await?.len() >= MAX_SUB_ISSUES {
        return Err(refused("Issue", "sub_issue_id", format!("Parent cannot have more than {MAX_SUB_ISSUES} sub-issues")));
    }
    if above.len() + 1 + height(conn, child.id).await? > MAX_DEPTH {
        return Err(refused("Issue", "sub_issue_id", format!("Sub-issues cannot be nested more than {MAX_DEPTH} levels deep")));
    }
    store::detach(&mut *conn, child.id).await?;
    let pos = store::next_position(&mut *conn, parent.id).await?;
    store::add(&mut *conn, parent.id, child.id, pos, now).await?;
    Ok(child)
}

/// Unlinks sub-issue `child_id` from `parent`; answers the sub-issue.
pub async fn remove(conn: &mut AnyConnection, parent: &IssueRow, child_id: i64) -> GhResult<IssueRow> {
    let child = issues::by_id(&mut *conn, child_id).await?.ok_or(GhError::NotFound)?;
    match store::parent_of(&mut *conn, child.id).await? {
        Some(p) if p.id == parent.id => {}
        _ => return Err(GhError::NotFound),
    }
    store::detach(&mut *conn, child.id).await?;
    Ok(child)
}

/// Moves sub-issue `child_id` of `parent` to just after `after_id` or just
/// before `before_id` (exactly one of them, itself a sub-issue of `parent`).
pub async fn reprioritize(
    conn: &mut AnyConnection,
    parent: &IssueRow,
    child_id: i64,
    after: Option<i64>,
    before: Option<i64>,
) -> GhResult<IssueRow> {
    let (anchor, after_it) = match (after, before) {
        (Some(a), None) => (a, true),
        (None, Some(b)) => (b, false),
        (Some(_), Some(_)) => return Err(refused("Issue", "after_id", "Only one of after_id or before_id may be given")),
        (None, None) => return Err(refused("Issue", "after_id", "One of after_id or before_id is required")),
    };
    let mut order: Vec<IssueRow> = store::children(&mut *conn, parent.id).await?;
    let from = order.iter().position(|i| i.id == child_id).ok_or(GhError::NotFound)?;
    if anchor == child_id {
        return Err(refused(
            "Issue",
            if after_it { "after_id" } else { "before_id" },
            "A sub-issue cannot be positioned relative to itself",
        ));
    }
    if !order.iter().any(|i| i.id == anchor) {
        return Err(refused(
            "Issue",
            if after_it { "after_id" } else { "before_id" },
            format!("{anchor} is not a sub-issue of issue #{}", parent.number),
        ));
    }
    let moved = order.remove(from);
    let at = order.iter().position(|i| i.id == anchor).unwrap_or(0);
    order.insert(if after_it { at + 1 } else { at }, moved.clone());
    for (n, i) in order.iter().enumerate() {
        store::set_position(&mut *conn, i.id, n as i64).await?;
    }
    Ok(moved)
}

/// Records that `blocked` is blocked by `blocking`: not itself, not twice, not
/// in a cycle, at most [`MAX_DEPENDENCIES`] each way.
pub async fn add_dependency(conn: &mut AnyConnection, blocked: &IssueRow, blocking: &IssueRow, now: i64) -> GhResult<()> {
    if blocked.id == blocking.id {
        return Err(refused("IssueDependency", "issue_id", "An issue cannot be blocked by itself"));
    }
    let current = store::dependencies(&mut *conn, blocked.id, false).await?;
    if current.iter().any(|i| i.id == blocking.id) {
        return Err(refused("IssueDependency", "issue_id", "This issue is already blocked by that issue"));
    }
    if current.len() >= MAX_DEPENDENCIES {
        return Err(refused("IssueDependency", "issue_id", format!("An issue can be blocked by at most {MAX_DEPENDENCIES} issues")));
    }
    if store::dependencies(&mut *conn, blocking.id, true).await?.len() >= MAX_DEPENDENCIES {
        return Err(refused("IssueDependency", "issue_id", format!("An issue can block at most {MAX_DEPENDENCIES} issues")));
    }
    // A cycle: `blocking` is (transitively) blocked by `blocked` already.
    let mut stack = vec![blocking.id];
    let mut seen = HashSet::new();
    while let Some(i) = stack.pop() {
        if i == blocked.id {
            return Err(refused("IssueDependency", "issue_id", "Adding this dependency would create a circular dependency"));
        }
        if seen.insert(i) {
            stack.extend(store::dependencies(&mut *conn, i, false).await?.into_iter().map(|x| x.id));
        }
    }
    store::add_dependency(&mut *conn, blocked.id, blocking.id, now).await?;
    Ok(())
}

/// What the issue objects of `ids` say about their links.
#[derive(Default)]
pub struct Links {
    summaries: HashMap<i64, (i64, i64)>,
    parents: HashMap<i64, (String, String, i64)>,
    /// issue → (open blockers, all blockers, open issues it blocks, all it blocks)
    dependencies: HashMap<i64, (i64, i64, i64, i64)>,
}

impl Links {
    pub async fn load(conn: &mut AnyConnection, ids: &[i64]) -> GhResult<Links> {
        let mut l = Links::default();
        for (p, total, closed) in store::summaries(&mut *conn, ids).await? {
            l.summaries.insert(p, (total, closed));
        }
        for (c, owner, repo, number) in store::parents_of(&mut *conn, ids).await? {
            l.parents.insert(c, (owner, repo, number));
        }
        let wanted: HashSet<i64> = ids.iter().copied().collect();
        for (blocked, blocking, blocking_state, blocked_state) in store::links_of(&mut *conn, ids).await? {
            if wanted.contains(&blocked) {
                let e = l.dependencies.entry(blocked).or_default();
                e.1 += 1;
                e.0 += i64::from(blocking_state == "open");
            }
            if wanted.contains(&blocking) {
                let e = l.dependencies.entry(blocking).or_default();
                e.3 += 1;
                e.2 += i64::from(blocked_state == "open");
            }
        }
        Ok(l)
    }

    /// Adds `sub_issues_summary`, `parent_issue_url` and `issue_dependencies_summary` to issue `id`'s object.
    pub fn apply(&self, base: &str, id: i64, v: &mut Value) {
        let (total, completed) = self.summaries.get(&id).copied().unwrap_or((0, 0));
        v["sub_issues_summary"] = json!({
            "total": total,
            "completed": completed,
            "percent_completed": if total == 0 { 0 } else { completed * 100 / total },
        });
        v["parent_issue_url"] = match self.parents.get(&id) {
            Some((owner, repo, number)) => Value::from(format!("{base}/repos/{owner}/{repo}/issues/{number}")),
            None => Value::Null,
        };
        let (blocked_by, total_blocked_by, blocking, total_blocking) = self.dependencies.get(&id).copied().unwrap_or_default();
        v["issue_dependencies_summary"] = json!({
            "blocked_by": blocked_by,
            "blocking": blocking,
            "total_blocked_by": total_blocked_by,
            "total_blocking": total_blocking,
        });
    }
}
