//! Commit comments (with reactions), the pull requests a commit belongs to, and
//! renaming a branch.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::git::{self, Files};
use crate::model::access::{self, Perm};
use crate::model::issues::{Associations, users};
use crate::model::repos::{comment_body, str_field};
use crate::model::{gitdb, hooks};
use crate::objects;
use crate::store::commit_comments::{self as store, CommitCommentRow};
use crate::store::git as gstore;
use crate::store::repos::RepoRow;
use crate::wire::{Listing, iso, json_value, node_id, now};

type IdPath = Path<(String, String, i64)>;

const SUBJECT: &str = "commit_comment";

async fn render(cx: &Cx, r: &RepoRow, rows: &[CommitCommentRow]) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let people = users(&mut conn, &cx.base, rows.iter().map(|c| c.user_id).collect()).await?;
    let assoc = Associations::load(&mut conn, &[r]).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let reactions = crate::store::issues::reactions_for(&mut conn, SUBJECT, &ids).await?;
    let full = r.full_name();
    Ok(rows
        .iter()
        .map(|c| {
            let u = format!("{}/repos/{full}/comments/{}", cx.base, c.id);
            let mine: Vec<_> = reactions.iter().filter(|x| x.subject_id == c.id).cloned().collect();
            json!({
                "html_url": format!("{}/{full}/commit/{}#commitcomment-{}", cx.base, c.commit_id, c.id),
                "url": u, "id": c.id, "node_id": node_id("CommitComment", c.id), "body": c.body,
                "path": c.path, "position": c.position, "line": c.line, "commit_id": c.commit_id,
                "user": people.get(c.user_id), "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
                "author_association": assoc.of(r.id, c.user_id),
                "reactions": objects::reactions_summary(&format!("{u}/reactions"), &mine),
            })
        })
        .collect())
}

fn int_field(v: &Value, k: &str) -> GhResult<Option<i64>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 1) => Ok(n.as_i64()),
        Some(_) => Err(GhError::invalid("CommitComment", k)),
    }
}

pub async fn create(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = comment_body(&v, "CommitComment")?;
    let path = str_field(&v, "path", "CommitComment")?;
    let position = int_field(&v, "position")?;
    let line = int_field(&v, "line")?;
    if path.is_none() && (position.is_some() || line.is_some()) {
        return Err(GhError::missing("CommitComment", "path"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let full =
        gitdb::resolve(&mut tx, r.id, &sha).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {sha}")))?;
    let c = gitdb::commit(&mut tx, r.id, &full).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {sha}")))?;
    if let Some(p) = &path {
        // A file comment sits on a path the commit changes.
        let new = gitdb::flatten(&mut tx, r.id, &c.tree).await?;
        let old = match c.parents.first() {
            Some(p) => gitdb::files_at(&mut tx, r.id, p).await?,
            None => Files::new(),
        };
        if !git::changes(&old, &new).iter().any(|ch| &ch.path == p) {
            return Err(GhError::Validation(vec![FieldError::new("CommitComment", "path", "invalid")]));
        }
    }
    let at = now();
    let row = CommitCommentRow {
        id: crate::store::next_id(&mut tx).await?,
        repo_id: r.id,
        commit_id: full,
        user_id: me.id,
        body: text,
        path,
        position,
        line,
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &row).await?;
    tx.commit().await?;
    let out = render(&cx, &r, &[row]).await?.pop().unwrap_or(Value::Null);
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "commit_comment", json!({ "action": "created", "comment": out })).await?;
    Ok(created(out))
}

pub async fn list_for_commit(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let full =
        gitdb::resolve(&mut conn, r.id, &sha).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {sha}")))?;
    let rows = store::of_commit(&mut *conn, r.id, &full).await?;
    drop(conn);
    let page = cx.query.page()?;
    let items = render(&cx, &r, &page.slice(&rows)).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn list_for_repo(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = store::of_repo(&*cx.db, r.id).await?;
    let page = cx.query.page()?;
    let items = render(&cx, &r, &page.slice(&rows)).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

async fn comment_of(cx: &Cx, r: &RepoRow, id: i64) -> GhResult<CommitCommentRow> {
    store::get(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)
}

pub async fn get(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    Ok(ok(render(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn update(cx: Cx, Path((owner, repo, id)): IdPath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = comment_body(&v, "CommitComment")?;
    let mut c = comment_of(&cx, &r, id).await?;
    access::may_change_comment(c.user_id, me.id, perm, "update")?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_body(&mut *tx, c.id, &text, at).await?;
    tx.commit().await?;
    c.body = text;
    c.updated_at = at;
    Ok(ok(render(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let c = comment_of(&cx, &r, id).await?;
    access::may_change_comment(c.user_id, me.id, perm, "delete")?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut tx, c.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn react(cx: Cx, Path((owner, repo, id)): IdPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    super::issues::react(&cx, SUBJECT, c.id, &body).await
}

pub async fn list_reactions(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    super::issues::list_reactions(&cx, SUBJECT, c.id).await
}

pub async fn unreact(cx: Cx, Path((owner, repo, id, reaction)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    super::issues::unreact(&cx, SUBJECT, c.id, reaction).await
}

/// Pull requests of this repository the commit is part of: its head, one of its
/// commits, or the commit its merge made.
pub async fn pulls_of_commit(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let full =
        gitdb::resolve(&mut conn, r.id, &sha).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {sha}")))?;
    let issue_ids: Vec<i64> =
        sqlx::query_scalar("SELECT p.issue_id FROM pulls p JOIN issues i ON i.id = p.issue_id WHERE i.repo_id = $1 ORDER BY i.number DESC")
            .bind(r.id)
            .fetch_all(&mut *conn)
            .await?;
    let mut items = Vec::new();
    for issue_id in issue_ids {
        let (Some(i), Some(p)) =
            (crate::store::issues::by_id(&mut *conn, issue_id).await?, crate::store::pulls::of_issue(&mut *conn, issue_id).await?)
        else {
            continue;
        };
        let mut hit = p.head_sha == full || p.merge_commit_sha.as_deref() == Some(full.as_str());
        if !hit && p.head_repo_id.is_none() {
            hit = gitdb::commits_between(&mut conn, r.id, &p.base_sha, &p.head_sha).await?.iter().any(|(s, _)| *s == full);
        }
        if hit {
            items.push(crate::model::pulls::render(&mut conn, &cx.base, &r, &i, &p, false).await?);
        }
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// `POST /repos/{o}/{r}/branches/{branch}/rename`: moves the ref, and with it the
/// open pull requests that name the branch and the default branch.
pub async fn rename_branch(cx: Cx, Path((owner, repo, rest)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let Some(branch) = rest.strip_suffix("/rename").map(String::from) else {
        // Another `POST …/branches/{branch}/…` operation of GitHub's: branch protection.
        return super::protection::post(cx, owner, repo, rest, body).await;
    };
    let (mut r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let new_name = str_field(&v, "new_name", "Branch")?.filter(|n| !n.is_empty()).ok_or_else(|| GhError::missing("Branch", "new_name"))?;
    if branch == r.default_branch && perm < Perm::Admin {
        return Err(GhError::Forbidden("Must have admin rights to Repository.".into()));
    }
    let valid = !new_name.starts_with('/')
        && !new_name.ends_with('/')
        && !new_name.contains("..")
        && !new_name.contains("//")
        && !new_name.ends_with(".lock")
        && !new_name.chars().any(|c| c.is_whitespace() || "~^:?*[\\".contains(c));
    if !valid {
        return Err(GhError::Validation(vec![FieldError::custom("Branch", "new_name", format!("{new_name} is not a valid branch name"))]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let old_ref = format!("refs/heads/{branch}");
    let sha = gstore::get_ref(&mut *tx, r.id, &old_ref).await?.ok_or_else(|| GhError::NotFoundMsg("Branch not found".into()))?;
    if new_name == branch {
        return Err(GhError::Validation(vec![FieldError::custom("Branch", "new_name", "New branch name is the same as the old name")]));
    }
    if gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{new_name}")).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom("Branch", "new_name", format!("Branch {new_name} already exists"))]));
    }
    gstore::delete_ref(&mut *tx, r.id, &old_ref).await?;
    gstore::create_ref(&mut *tx, r.id, &format!("refs/heads/{new_name}"), &sha).await?;
    crate::store::protection::rename(&mut *tx, r.id, &branch, &new_name).await?;
    for (col, repo_col) in [("base_ref", "i.repo_id"), ("head_ref", "i.repo_id")] {
        let sql = format!(
            "UPDATE pulls SET {col} = $3 WHERE {col} = $2 AND issue_id IN (SELECT i.id FROM issues i WHERE {repo_col} = $1 AND i.state = 'open')"
        );
        let sql = if col == "head_ref" { format!("{sql} AND head_repo_id IS NULL") } else { sql };
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(r.id).bind(&branch).bind(&new_name).execute(&mut *tx).await?;
    }
    // Pull requests from this repository (a fork) into another follow the branch too.
    sqlx::query(
        "UPDATE pulls SET head_ref = $3 WHERE head_repo_id = $1 AND head_ref = $2 AND issue_id IN (SELECT id FROM issues WHERE state = 'open')",
    )
    .bind(r.id)
    .bind(&branch)
    .bind(&new_name)
    .execute(&mut *tx)
    .await?;
    if r.default_branch == branch {
        r.default_branch = new_name.clone();
        r.updated_at = now();
        crate::store::repos::update(&mut *tx, &r).await?;
    }
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    let c = gitdb::must_commit(&mut conn, r.id, &sha).await?;
    let people = crate::model::content::people_by_email(&mut conn).await?;
    let commit = crate::model::content::commit_json(&cx.base, &r, &sha, &c, &people);
    let protection = crate::model::protection::load(&cx.db, r.id, &new_name).await?;
    Ok(created(super::git::branch_json(&cx, &r, &new_name, commit, protection.as_ref())))
}

/// `GET /repos/{o}/{r}/commits/{sha}/branches-where-head`: the branches whose
/// tip is the commit.
pub async fn branches_where_head(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let full = match gitdb::resolve(&mut conn, r.id, &sha).await? {
        Some(s) if gitdb::commit(&mut conn, r.id, &s).await?.is_some() => s,
        _ => return Err(GhError::Unprocessable(format!("No commit found for SHA: {sha}"))),
    };
    let guarded = crate::store::protection::branches_of(&mut *conn, r.id).await?;
    let items: Vec<Value> = gstore::refs(&mut *conn, r.id, "refs/heads/")
        .await?
        .into_iter()
        .filter(|(_, s)| *s == full)
        .map(|(name, s)| {
            let n = name.trim_start_matches("refs/heads/").to_string();
            let protected = guarded.contains(&n);
            json!({ "name": n, "commit": { "sha": s, "url": format!("{}/repos/{}/commits/{s}", cx.base, r.full_name()) }, "protected": protected })
        })
        .collect();
    Ok(super::json(Value::Array(items)))
}
