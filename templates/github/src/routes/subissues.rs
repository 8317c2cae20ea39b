//! Sub-issues (list, add, remove, reprioritize, the parent) and issue
//! dependencies (blocked by, blocking). Linking takes triage access to the
//! issue's repository (as on GitHub) and sight of the other issue.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::Value;

use super::{Cx, Handler, created, json as ok};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::issues as issues_model;
use crate::model::repos::bool_field;
use crate::model::subissues as model;
use crate::store::issues::{self as istore, IssueRow};
use crate::store::repos::{self, RepoRow};
use crate::store::subissues as store;
use crate::wire::{Listing, json_value, now};

type IssuePath = Path<(String, String, i64)>;

/// An integer field of a body (`None` when absent or null).
fn int_field(v: &Value, k: &str, resource: &'static str) -> GhResult<Option<i64>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => {
            x.as_i64().map(Some).ok_or_else(|| GhError::Validation(vec![FieldError::custom(resource, k, format!("{k} is not an integer"))]))
        }
    }
}

fn required_int(v: &Value, k: &str, resource: &'static str) -> GhResult<i64> {
    int_field(v, k, resource)?.ok_or_else(|| GhError::missing(resource, k))
}

async fn issue_in(cx: &Cx, owner: &str, repo: &str, number: i64, need: Perm) -> GhResult<(RepoRow, IssueRow)> {
    let (r, _) = if need > Perm::Read {
        access::repo_with(&cx.db, &cx.caller, owner, repo, need).await?
    } else {
        access::repo(&cx.db, &cx.caller, owner, repo).await?
    };
    let i = istore::by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)?;
    Ok((r, i))
}

/// An issue by id in a repository the caller may see.
async fn visible_issue(cx: &Cx, id: i64) -> GhResult<IssueRow> {
    let i = istore::by_id(&*cx.db, id).await?.ok_or(GhError::NotFound)?;
    let r = repos::by_id(&*cx.db, i.repo_id).await?.ok_or(GhError::NotFound)?;
    if access::permission(&cx.db, &cx.caller, &r).await? == Perm::None {
        return Err(GhError::NotFound);
    }
    Ok(i)
}

/// Renders issues of any repositories.
async fn render(cx: &Cx, rows: &[IssueRow]) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let mut map: HashMap<i64, RepoRow> = HashMap::new();
    for i in rows {
        if !map.contains_key(&i.repo_id)
            && let Some(r) = repos::by_id(&mut *conn, i.repo_id).await?
        {
            map.insert(r.id, r);
        }
    }
    issues_model::render(&mut conn, &cx.base, &map, rows).await
}

async fn render_one(cx: &Cx, i: &IssueRow) -> GhResult<Value> {
    Ok(render(cx, std::slice::from_ref(i)).await?.pop().unwrap_or(Value::Null))
}

/// Issues the caller may see, rendered and paged.
async fn listing(cx: &Cx, rows: Vec<IssueRow>) -> Handler {
    let mut seen = Vec::with_capacity(rows.len());
    let mut perms: HashMap<i64, bool> = HashMap::new();
    for i in rows {
        let ok = match perms.get(&i.repo_id) {
            Some(ok) => *ok,
            None => {
                let ok = match repos::by_id(&*cx.db, i.repo_id).await? {
                    Some(r) => access::permission(&cx.db, &cx.caller, &r).await? != Perm::None,
                    None => false,
                };
                perms.insert(i.repo_id, ok);
                ok
            }
        };
        if ok {
            seen.push(i);
        }
    }
    let page = cx.query.page()?;
    let total = seen.len() as i64;
    let items = render(cx, &page.slice(&seen)).await?;
    Ok(Listing { items, total, page, url: cx.url() }.into_response())
}

// sub-issues

/// `GET /repos/{o}/{r}/issues/{n}/sub_issues`.
pub async fn list(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (_, parent) = issue_in(&cx, &owner, &repo, number, Perm::Read).await?;
    let rows = store::children(&*cx.db, parent.id).await?;
    listing(&cx, rows).await
}

/// `GET /repos/{o}/{r}/issues/{n}/parent`: 404 when the issue has none.
pub async fn parent(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (_, i) = issue_in(&cx, &owner, &repo, number, Perm::Read).await?;
    let p = store::parent_of(&*cx.db, i.id).await?.ok_or(GhError::NotFound)?;
    let p = visible_issue(&cx, p.id).await?;
    Ok(ok(render_one(&cx, &p).await?))
}

/// `POST /repos/{o}/{r}/issues/{n}/sub_issues` `{sub_issue_id, replace_parent}`: 201 with the parent.
pub async fn add(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let child = required_int(&v, "sub_issue_id", "Issue")?;
    let replace = bool_field(&v, "replace_parent")?.unwrap_or(false);
    let (r, parent) = issue_in(&cx, &owner, &repo, number, Perm::Triage).await?;
    let child_row = visible_issue(&cx, child).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    model::add(&mut tx, &parent, &r, child_row.id, replace, now()).await?;
    tx.commit().await?;
    Ok(created(render_one(&cx, &parent).await?))
}

/// `DELETE /repos/{o}/{r}/issues/{n}/sub_issue` `{sub_issue_id}`: the parent.
pub async fn remove(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let child = required_int(&v, "sub_issue_id", "Issue")?;
    let (_, parent) = issue_in(&cx, &owner, &repo, number, Perm::Triage).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    model::remove(&mut tx, &parent, child).await?;
    tx.commit().await?;
    Ok(ok(render_one(&cx, &parent).await?))
}

/// `PATCH /repos/{o}/{r}/issues/{n}/sub_issues/priority` `{sub_issue_id, after_id | before_id}`: the parent.
pub async fn reprioritize(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let child = required_int(&v, "sub_issue_id", "Issue")?;
    let after = int_field(&v, "after_id", "Issue")?;
    let before = int_field(&v, "before_id", "Issue")?;
    let (_, parent) = issue_in(&cx, &owner, &repo, number, Perm::Triage).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    model::reprioritize(&mut tx, &parent, child, after, before).await?;
    tx.commit().await?;
    Ok(ok(render_one(&cx, &parent).await?))
}

// dependencies

/// `GET /repos/{o}/{r}/issues/{n}/dependencies/blocked_by`.
pub async fn blocked_by(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (_, i) = issue_in(&cx, &owner, &repo, number, Perm::Read).await?;
    let rows = store::dependencies(&*cx.db, i.id, false).await?;
    listing(&cx, rows).await
}

/// `GET /repos/{o}/{r}/issues/{n}/dependencies/blocking`.
pub async fn blocking(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (_, i) = issue_in(&cx, &owner, &repo, number, Perm::Read).await?;
    let rows = store::dependencies(&*cx.db, i.id, true).await?;
    listing(&cx, rows).await
}

/// `POST /repos/{o}/{r}/issues/{n}/dependencies/blocked_by` `{issue_id}`: 201 with the blocked issue.
pub async fn add_blocked_by(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let blocker = required_int(&v, "issue_id", "IssueDependency")?;
    let (_, i) = issue_in(&cx, &owner, &repo, number, Perm::Triage).await?;
    let blocker = visible_issue(&cx, blocker).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    model::add_dependency(&mut tx, &i, &blocker, now()).await?;
    tx.commit().await?;
    Ok(created(render_one(&cx, &i).await?))
}

/// `DELETE /repos/{o}/{r}/issues/{n}/dependencies/blocked_by/{issue_id}`: the blocked issue.
pub async fn remove_blocked_by(cx: Cx, Path((owner, repo, number, blocker)): Path<(String, String, i64, String)>) -> Handler {
    let blocker: i64 = blocker.parse().map_err(|_| GhError::NotFound)?;
    let (_, i) = issue_in(&cx, &owner, &repo, number, Perm::Triage).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::remove_dependency(&mut *tx, i.id, blocker).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(ok(render_one(&cx, &i).await?))
}
