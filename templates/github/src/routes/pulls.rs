//! Pull requests, merges, reviews, review comments and requested reviewers.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::issues::{self as imodel, Associations};
use crate::model::pulls::{self as model, MergeRequest};
use crate::model::repos::{bool_field, str_field};
use crate::model::{content, gitdb, hooks};
use crate::objects;
use crate::store::accounts;
use crate::store::issues::{self as istore, IssueRow};
use crate::store::pulls::{self as store, PullRow, ReviewCommentRow, ReviewRow};
use crate::store::repos::RepoRow;
use crate::store::{self as st, git as gstore};
use crate::wire::{Listing, json_value, now};

type PrPath = Path<(String, String, i64)>;

async fn pull_of(cx: &Cx, r: &RepoRow, number: i64) -> GhResult<(IssueRow, PullRow)> {
    let i = istore::by_number(&*cx.db, r.id, number).await?.filter(|i| i.is_pull).ok_or(GhError::NotFound)?;
    let p = store::of_issue(&*cx.db, i.id).await?.ok_or(GhError::NotFound)?;
    Ok((i, p))
}

async fn render(cx: &Cx, r: &RepoRow, i: &IssueRow, p: &PullRow, full: bool) -> GhResult<Value> {
    let mut conn = cx.db.acquire().await?;
    model::render(&mut conn, &cx.base, r, i, p, full).await
}

pub async fn list(cx: Cx, path: RepoPath) -> Handler {
    super::cache::read_through(cx, |cx| list_fresh(cx, path)).await
}

async fn list_fresh(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let state = imodel::parse_state(&cx.query)?;
    let mut conn = cx.db.acquire().await?;
    let rows: Vec<IssueRow> = istore::of_repos(&mut conn, &[r.id], &state).await?.into_iter().filter(|i| i.is_pull).collect();
    let pulls = model::rows_for(&mut conn, &rows).await?;
    let head = cx.query.get("head").map(|h| h.split_once(':').map(|x| x.1).unwrap_or(h).to_string());
    let base = cx.query.get("base").map(String::from);
    let mut rows: Vec<IssueRow> = rows
        .into_iter()
        .filter(|i| {
            let p = &pulls[&i.id];
            head.as_ref().is_none_or(|h| &p.head_ref == h) && base.as_ref().is_none_or(|b| &p.base_ref == b)
        })
        .collect();
    match cx.query.get("sort").unwrap_or("created") {
        "created" => rows.sort_by_key(|i| (i.created_at, i.id)),
        "updated" => rows.sort_by_key(|i| (i.updated_at, i.id)),
        "popularity" => rows.sort_by_key(|i| (i.comments, i.id)),
        "long-running" => rows.sort_by_key(|i| (std::cmp::Reverse(i.created_at), i.id)),
        _ => return Err(GhError::invalid("PullRequest", "sort")),
    }
    if cx.query.get("direction").unwrap_or("desc") == "desc" {
        rows.reverse();
    }
    drop(conn);
    let page = cx.query.page()?;
    let shown = page.slice(&rows);
    let mut items = Vec::new();
    for i in &shown {
        items.push(render(&cx, &r, i, &pulls[&i.id], false).await?);
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Read).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let head_spec = str_field(&v, "head", "PullRequest")?.ok_or_else(|| GhError::missing("PullRequest", "head"))?;
    let base_ref = str_field(&v, "base", "PullRequest")?.ok_or_else(|| GhError::missing("PullRequest", "base"))?;
    let issue_number = v.get("issue").and_then(|n| n.as_i64());
    let title = str_field(&v, "title", "PullRequest")?;
    if title.as_deref().is_none_or(|t| t.trim().is_empty()) && issue_number.is_none() {
        return Err(GhError::missing("PullRequest", "title"));
    }
    // `user:branch` names a branch of `user`'s repository in this one's fork network.
    let (head_ref, head_repo) = match head_spec.split_once(':') {
        Some((o, b)) if o.eq_ignore_ascii_case(&r.owner_login) => (b.to_string(), None),
        Some((o, b)) => {
            let root = r.source_id.unwrap_or(r.id);
            let mut found = None;
            for f in crate::store::repos::in_network_of(&*cx.db, root, o).await? {
                if f.id != r.id && access::permission(&cx.db, &cx.caller, &f).await? > Perm::None {
                    found = Some(f);
                    break;
                }
            }
            match found {
                Some(f) => (b.to_string(), Some(f)),
                None => return Err(GhError::Validation(vec![FieldError::new("PullRequest", "head", "invalid")])),
            }
        }
        None => (head_spec.clone(), None),
    };
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let head_sha = gstore::get_ref(&mut *tx, head_repo.as_ref().map_or(r.id, |f| f.id), &format!("refs/heads/{head_ref}")).await?;
    if let Some(f) = &head_repo
        && head_sha.is_some()
    {
        crate::store::repos::share_objects(&mut *tx, f.id, r.id).await?;
    }
    let base_sha = gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{base_ref}")).await?;
    let mut errors = Vec::new();
    if head_sha.is_none() {
        errors.push(FieldError::new("PullRequest", "head", "invalid"));
    }
    if base_sha.is_none() {
        errors.push(FieldError::new("PullRequest", "base", "invalid"));
    }
    if !errors.is_empty() {
        return Err(GhError::Validation(errors));
    }
    let (head_sha, base_sha) = (head_sha.unwrap_or_default(), base_sha.unwrap_or_default());
    let ahead = match gitdb::merge_base(&mut tx, r.id, &base_sha, &head_sha).await? {
        Some(m) => gitdb::commits_between(&mut tx, r.id, &m, &head_sha).await?.len(),
        None => 0,
    };
    if ahead == 0 {
        return Err(GhError::Validation(vec![FieldError::custom(
            "PullRequest",
            "",
            format!("No commits between {base_ref} and {head_ref}"),
        )]));
    }
    let same_head = match &head_repo {
        None => store::open_with_head(&mut *tx, r.id, &head_ref).await?,
        Some(f) => store::open_from_fork(&mut *tx, f.id, &head_ref).await?.into_iter().map(|(_, p)| p).collect(),
    };
    let head_owner = head_repo.as_ref().map_or(r.owner_login.clone(), |f| f.owner_login.clone());
    for p in same_head {
        if p.base_ref == base_ref {
            return Err(GhError::Validation(vec![FieldError::custom(
                "PullRequest",
                "",
                format!("A pull request already exists for {head_owner}:{head_ref}."),
            )]));
        }
    }
    let i = IssueRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        number: istore::next_number(&mut tx, r.id).await?,
        title: title.unwrap_or_default(),
        body: str_field(&v, "body", "PullRequest")?,
        user_id: me.id,
        state: "open".into(),
        state_reason: None,
        locked: false,
        lock_reason: None,
        milestone_id: None,
        is_pull: true,
        comments: 0,
        created_at: at,
        updated_at: at,
        closed_at: None,
        closed_by: None,
    };
    istore::insert(&mut tx, &i).await?;
    let p = PullRow {
        issue_id: i.id,
        id: st::next_id(&mut tx).await?,
        head_ref,
        head_sha,
        base_ref,
        base_sha,
        draft: bool_field(&v, "draft")?.unwrap_or(false),
        merged: false,
        merged_at: None,
        merged_by: None,
        merge_commit_sha: None,
        maintainer_can_modify: bool_field(&v, "maintainer_can_modify")?.unwrap_or(true),
        head_repo_id: head_repo.as_ref().map(|f| f.id),
    };
    store::insert(&mut *tx, &p).await?;
    crate::model::notifications::notify_mentions(&mut tx, &i, i.body.as_deref().unwrap_or(""), me.id, at).await?;
    tx.commit().await?;
    let out = render(&cx, &r, &i, &p, true).await?;
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "pull_request", json!({ "action": "opened", "number": i.number, "pull_request": out }))
        .await?;
    Ok(created(out))
}

pub async fn get(cx: Cx, path: PrPath) -> Handler {
    super::cache::read_through(cx, |cx| get_fresh(cx, path)).await
}

async fn get_fresh(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, p) = pull_of(&cx, &r, number).await?;
    if cx.wants("diff") {
        let mut conn = cx.db.acquire().await?;
        let s = model::standing(&mut conn, &r, &p).await?;
        let old = match &s.merge_base {
            Some(m) => gitdb::files_at(&mut conn, r.id, m).await?,
            None => crate::git::Files::new(),
        };
        let new = gitdb::files_at(&mut conn, r.id, &s.head_sha).await?;
        return Ok(super::media("diff", content::unified_diff(&mut conn, r.id, &old, &new).await?.into_bytes()));
    }
    Ok(ok(render(&cx, &r, &i, &p, true).await?))
}

pub async fn update(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (mut i, mut p) = pull_of(&cx, &r, number).await?;
    if perm < Perm::Write && i.user_id != me.id {
        return Err(GhError::Forbidden("Must have push access to Pull Request.".into()));
    }
    let v = json_value(&body).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut action = "edited";
    if let Some(t) = str_field(&v, "title", "PullRequest")? {
        i.title = t;
    }
    if v.get("body").is_some() {
        i.body = str_field(&v, "body", "PullRequest")?;
    }
    if let Some(b) = str_field(&v, "base", "PullRequest")? {
        let sha = gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{b}"))
            .await?
            .ok_or_else(|| GhError::Validation(vec![FieldError::new("PullRequest", "base", "invalid")]))?;
        p.base_ref = b;
        p.base_sha = sha;
    }
    if let Some(m) = bool_field(&v, "maintainer_can_modify")? {
        p.maintainer_can_modify = m;
    }
    if let Some(state) = str_field(&v, "state", "PullRequest")? {
        if state != "open" && state != "closed" {
            return Err(GhError::invalid("PullRequest", "state"));
        }
        if p.merged && state == "open" {
            return Err(GhError::Validation(vec![FieldError::custom("PullRequest", "state", "Cannot reopen a merged pull request")]));
        }
        if imodel::set_state(&mut tx, &mut i, &state, None, me.id, at).await? {
            action = if state == "closed" { "closed" } else { "reopened" };
        }
    }
    i.updated_at = at;
    istore::update(&mut tx, &i).await?;
    store::update(&mut *tx, &p).await?;
    tx.commit().await?;
    let out = render(&cx, &r, &i, &p, true).await?;
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "pull_request", json!({ "action": action, "number": i.number, "pull_request": out }))
        .await?;
    Ok(ok(out))
}

pub async fn files(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (_, p) = pull_of(&cx, &r, number).await?;
    let mut conn = cx.db.acquire().await?;
    let s = model::standing(&mut conn, &r, &p).await?;
    let (items, _, _) = model::files(&mut conn, &cx.base, &r, &s).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn commits(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (_, p) = pull_of(&cx, &r, number).await?;
    let mut conn = cx.db.acquire().await?;
    let s = model::standing(&mut conn, &r, &p).await?;
    let people = content::people_by_email(&mut conn).await?;
    let items = s.commits.iter().map(|(sha, c)| content::commit_json(&cx.base, &r, sha, c, &people)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn is_merged(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (_, p) = pull_of(&cx, &r, number).await?;
    if p.merged { Ok(no_content()) } else { Err(GhError::NotFound) }
}

pub async fn merge(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let req = MergeRequest {
        method: str_field(&v, "merge_method", "PullRequest")?.unwrap_or_else(|| "merge".into()),
        title: str_field(&v, "commit_title", "PullRequest")?,
        message: str_field(&v, "commit_message", "PullRequest")?,
        sha: str_field(&v, "sha", "PullRequest")?,
    };
    let (mut i, mut p) = pull_of(&cx, &r, number).await?;
    if !p.merged && i.state == "open" && !p.draft {
        crate::model::protection::check_merge(&cx.db, &r, &me, perm, &i, &p, &req.method).await?;
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let sha = model::merge(&mut tx, &r, &mut i, &mut p, &me, &req, now()).await?;
    tx.commit().await?;
    let out = render(&cx, &r, &i, &p, true).await?;
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "pull_request", json!({ "action": "closed", "number": i.number, "pull_request": out }))
        .await?;
    Ok(ok(json!({ "sha": sha, "merged": true, "message": "Pull Request successfully merged" })))
}

// ---- reviews ----

async fn render_reviews(cx: &Cx, r: &RepoRow, number: i64, rows: &[ReviewRow]) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let users = imodel::users(&mut conn, &cx.base, rows.iter().map(|x| x.user_id).collect()).await?;
    let assoc = Associations::load(&mut conn, &[r]).await?;
    Ok(rows.iter().map(|x| objects::review(&cx.base, &r.full_name(), number, x, users.get(x.user_id), assoc.of(r.id, x.user_id))).collect())
}

pub async fn list_reviews(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, _) = pull_of(&cx, &r, number).await?;
    let me = cx.caller.id();
    let rows: Vec<ReviewRow> =
        store::reviews_of(&*cx.db, i.id).await?.into_iter().filter(|x| x.state != "PENDING" || Some(x.user_id) == me).collect();
    let items = render_reviews(&cx, &r, number, &rows).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

fn review_state(event: Option<&str>) -> GhResult<&'static str> {
    match event {
        None | Some("") | Some("PENDING") => Ok("PENDING"),
        Some("APPROVE") => Ok("APPROVED"),
        Some("REQUEST_CHANGES") => Ok("CHANGES_REQUESTED"),
        Some("COMMENT") => Ok("COMMENTED"),
        Some(_) => Err(GhError::invalid("PullRequestReview", "event")),
    }
}

fn check_review(state: &str, body: &str, own: bool) -> GhResult<()> {
    if own && (state == "APPROVED" || state == "CHANGES_REQUESTED") {
        let what = if state == "APPROVED" { "approve" } else { "request changes on" };
        return Err(GhError::Unprocessable(format!("Unprocessable Entity: Can not {what} your own pull request")));
    }
    if body.trim().is_empty() && (state == "CHANGES_REQUESTED") {
        return Err(GhError::Unprocessable("Unprocessable Entity: Review Can not request changes without a body".into()));
    }
    Ok(())
}

pub async fn create_review(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, p) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    let text = str_field(&v, "body", "PullRequestReview")?.unwrap_or_default();
    let state = review_state(str_field(&v, "event", "PullRequestReview")?.as_deref())?;
    let comments = v.get("comments").and_then(|c| c.as_array()).cloned().unwrap_or_default();
    if state == "COMMENTED" && text.trim().is_empty() && comments.is_empty() {
        return Err(GhError::Unprocessable("Unprocessable Entity: Review Can not comment without a body or comments".into()));
    }
    check_review(state, &text, i.user_id == me.id)?;
    let commit_id = str_field(&v, "commit_id", "PullRequestReview")?.unwrap_or_else(|| p.head_sha.clone());
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let rv = ReviewRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        issue_id: i.id,
        user_id: me.id,
        body: text,
        state: state.into(),
        commit_id: commit_id.clone(),
        submitted_at: (state != "PENDING").then_some(at),
    };
    store::insert_review(&mut *tx, &rv).await?;
    for c in &comments {
        let path = c.get("path").and_then(|x| x.as_str()).ok_or_else(|| GhError::missing("PullRequestReviewComment", "path"))?;
        let b = c.get("body").and_then(|x| x.as_str()).ok_or_else(|| GhError::missing("PullRequestReviewComment", "body"))?;
        let line = c.get("line").or(c.get("position")).and_then(|x| x.as_i64());
        let side = c.get("side").and_then(|x| x.as_str()).unwrap_or("RIGHT");
        let hunk = diff_hunk(&mut tx, &r, &p, path).await?;
        let cid = st::next_id(&mut tx).await?;
        store::insert_review_comment(
            &mut *tx,
            &ReviewCommentRow {
                id: cid,
                repo_id: r.id,
                issue_id: i.id,
                review_id: Some(rv.id),
                user_id: me.id,
                body: b.into(),
                path: path.into(),
                line,
                side: side.into(),
                commit_id: commit_id.clone(),
                diff_hunk: hunk,
                in_reply_to: None,
                created_at: at,
                updated_at: at,
            },
        )
        .await?;
    }
    if state != "PENDING" {
        store::unrequest(&mut *tx, i.id, me.id).await?;
    }
    tx.commit().await?;
    let out = render_reviews(&cx, &r, number, std::slice::from_ref(&rv)).await?.pop().unwrap_or(Value::Null);
    if state != "PENDING" {
        let pr = render(&cx, &r, &i, &p, false).await?;
        hooks::emit(
            &cx.ctx,
            &cx.db,
            &cx.base,
            &r,
            &me,
            "pull_request_review",
            json!({ "action": "submitted", "review": out, "pull_request": pr }),
        )
        .await?;
    }
    Ok(ok(out))
}

/// The patch of `path` in the pull request (the review comment's `diff_hunk`);
/// a path the pull request does not change is GitHub's 422.
async fn diff_hunk(conn: &mut sqlx::AnyConnection, r: &RepoRow, p: &PullRow, path: &str) -> GhResult<String> {
    let s = model::standing(conn, r, p).await?;
    let (files, _, _) = model::files(conn, "", r, &s).await?;
    match files.iter().find(|f| f["filename"] == path) {
        Some(f) => Ok(f["patch"].as_str().unwrap_or("").to_string()),
        None => Err(GhError::Validation(vec![FieldError::custom(
            "PullRequestReviewComment",
            "pull_request_review_thread.path",
            "could not be resolved",
        )])),
    }
}

async fn review_of(cx: &Cx, i: &IssueRow, id: i64) -> GhResult<ReviewRow> {
    store::review(&*cx.db, i.id, id).await?.ok_or(GhError::NotFound)
}

pub async fn get_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, _) = pull_of(&cx, &r, number).await?;
    let rv = review_of(&cx, &i, id).await?;
    Ok(ok(render_reviews(&cx, &r, number, &[rv]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn update_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, _) = pull_of(&cx, &r, number).await?;
    let mut rv = review_of(&cx, &i, id).await?;
    if rv.user_id != me.id {
        return Err(GhError::Forbidden("You can only update your own reviews.".into()));
    }
    let v = json_value(&body).await?;
    rv.body = str_field(&v, "body", "PullRequestReview")?.ok_or_else(|| GhError::missing("PullRequestReview", "body"))?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_review(&mut *tx, &rv).await?;
    tx.commit().await?;
    Ok(ok(render_reviews(&cx, &r, number, &[rv]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn delete_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, _) = pull_of(&cx, &r, number).await?;
    let rv = review_of(&cx, &i, id).await?;
    if rv.user_id != me.id {
        return Err(GhError::NotFound);
    }
    if rv.state != "PENDING" {
        return Err(GhError::Unprocessable("Unprocessable Entity: Can not delete a non-pending review".into()));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_review(&mut tx, rv.id).await?;
    tx.commit().await?;
    Ok(ok(render_reviews(&cx, &r, number, &[rv]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn submit_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, _) = pull_of(&cx, &r, number).await?;
    let mut rv = review_of(&cx, &i, id).await?;
    if rv.user_id != me.id {
        return Err(GhError::NotFound);
    }
    if rv.state != "PENDING" {
        return Err(GhError::Unprocessable("Unprocessable Entity: Can not submit a non-pending review".into()));
    }
    let v = json_value(&body).await?;
    let state = review_state(Some(
        str_field(&v, "event", "PullRequestReview")?.ok_or_else(|| GhError::missing("PullRequestReview", "event"))?.as_str(),
    ))?;
    if state == "PENDING" {
        return Err(GhError::invalid("PullRequestReview", "event"));
    }
    if let Some(b) = str_field(&v, "body", "PullRequestReview")? {
        rv.body = b;
    }
    check_review(state, &rv.body, i.user_id == me.id)?;
    rv.state = state.into();
    rv.submitted_at = Some(now());
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_review(&mut *tx, &rv).await?;
    store::unrequest(&mut *tx, i.id, me.id).await?;
    tx.commit().await?;
    Ok(ok(render_reviews(&cx, &r, number, &[rv]).await?.pop().unwrap_or(Value::Null)))
}

// ---- review comments ----

async fn render_review_comments(cx: &Cx, r: &RepoRow, rows: &[ReviewCommentRow]) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let users = imodel::users(&mut conn, &cx.base, rows.iter().map(|x| x.user_id).collect()).await?;
    let assoc = Associations::load(&mut conn, &[r]).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let reactions = istore::reactions_for(&mut conn, "review_comment", &ids).await?;
    let mut out = Vec::new();
    for c in rows {
        let n = istore::by_id(&mut *conn, c.issue_id).await?.map(|i| i.number).unwrap_or(0);
        let mine: Vec<_> = reactions.iter().filter(|x| x.subject_id == c.id).cloned().collect();
        out.push(objects::review_comment(&cx.base, &r.full_name(), n, c, users.get(c.user_id), assoc.of(r.id, c.user_id), &mine));
    }
    Ok(out)
}

pub async fn list_review_comments(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, _) = pull_of(&cx, &r, number).await?;
    let rows = store::review_comments_of(&*cx.db, i.id).await?;
    let items = render_review_comments(&cx, &r, &rows).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn review_comments_of_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, _) = pull_of(&cx, &r, number).await?;
    review_of(&cx, &i, id).await?;
    let rows: Vec<ReviewCommentRow> =
        store::review_comments_of(&*cx.db, i.id).await?.into_iter().filter(|c| c.review_id == Some(id)).collect();
    let items = render_review_comments(&cx, &r, &rows).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn list_repo_review_comments(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = store::review_comments_of_repo(&*cx.db, r.id).await?;
    let items = render_review_comments(&cx, &r, &rows).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn create_review_comment(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, p) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    let text = str_field(&v, "body", "PullRequestReviewComment")?.ok_or_else(|| GhError::missing("PullRequestReviewComment", "body"))?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let reply_to = v.get("in_reply_to").and_then(|x| x.as_i64());
    let (path, line, side, commit_id, hunk) = match reply_to {
        Some(parent) => {
            let pc = store::review_comment(&mut *tx, r.id, parent).await?.ok_or(GhError::NotFound)?;
            (pc.path, pc.line, pc.side, pc.commit_id, pc.diff_hunk)
        }
        None => {
            let path =
                str_field(&v, "path", "PullRequestReviewComment")?.ok_or_else(|| GhError::missing("PullRequestReviewComment", "path"))?;
            let commit_id = str_field(&v, "commit_id", "PullRequestReviewComment")?
                .ok_or_else(|| GhError::missing("PullRequestReviewComment", "commit_id"))?;
            let line = v.get("line").or(v.get("position")).and_then(|x| x.as_i64());
            if line.is_none() && v.get("subject_type").and_then(|s| s.as_str()) != Some("file") {
                return Err(GhError::missing("PullRequestReviewComment", "line"));
            }
            let side = str_field(&v, "side", "PullRequestReviewComment")?.unwrap_or_else(|| "RIGHT".into());
            let hunk = diff_hunk(&mut tx, &r, &p, &path).await?;
            (path, line, side, commit_id, hunk)
        }
    };
    let c = ReviewCommentRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        issue_id: i.id,
        review_id: None,
        user_id: me.id,
        body: text,
        path,
        line,
        side,
        commit_id,
        diff_hunk: hunk,
        in_reply_to: reply_to,
        created_at: at,
        updated_at: at,
    };
    store::insert_review_comment(&mut *tx, &c).await?;
    tx.commit().await?;
    Ok(created(render_review_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

/// `POST …/pulls/{n}/comments/{comment_id}/replies`: a reply in the comment's
/// thread (`in_reply_to_id` is the thread's first comment: replies to replies
/// join the thread).
pub async fn reply_review_comment(
    cx: Cx,
    Path((owner, repo, number, comment_id)): Path<(String, String, i64, i64)>,
    body: Bytes,
) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let (i, _) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    let text = str_field(&v, "body", "PullRequestReviewComment")?.ok_or_else(|| GhError::missing("PullRequestReviewComment", "body"))?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let parent = store::review_comment(&mut *tx, r.id, comment_id).await?.filter(|c| c.issue_id == i.id).ok_or(GhError::NotFound)?;
    let c = ReviewCommentRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        issue_id: i.id,
        review_id: None,
        user_id: me.id,
        body: text,
        path: parent.path.clone(),
        line: parent.line,
        side: parent.side.clone(),
        commit_id: parent.commit_id.clone(),
        diff_hunk: parent.diff_hunk.clone(),
        in_reply_to: Some(parent.in_reply_to.unwrap_or(parent.id)),
        created_at: at,
        updated_at: at,
    };
    store::insert_review_comment(&mut *tx, &c).await?;
    tx.commit().await?;
    Ok(created(render_review_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn get_review_comment(cx: Cx, Path((owner, repo, id)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = store::review_comment(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?;
    Ok(ok(render_review_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn update_review_comment(cx: Cx, Path((owner, repo, id)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let mut c = store::review_comment(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?;
    if c.user_id != me.id {
        return Err(GhError::Forbidden("You can only edit your own comments.".into()));
    }
    let v = json_value(&body).await?;
    c.body = str_field(&v, "body", "PullRequestReviewComment")?.ok_or_else(|| GhError::missing("PullRequestReviewComment", "body"))?;
    c.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_review_comment(&mut *tx, c.id, &c.body, c.updated_at).await?;
    tx.commit().await?;
    Ok(ok(render_review_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn delete_review_comment(cx: Cx, Path((owner, repo, id)): PrPath) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let c = store::review_comment(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?;
    if c.user_id != me.id && perm < Perm::Write {
        return Err(GhError::Forbidden("You can only delete your own comments.".into()));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_review_comment(&mut *tx, c.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// ---- requested reviewers ----

pub async fn requested_reviewers(cx: Cx, Path((owner, repo, number)): PrPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (i, _) = pull_of(&cx, &r, number).await?;
    let ids = store::requested(&*cx.db, i.id).await?;
    let mut conn = cx.db.acquire().await?;
    let users = imodel::users(&mut conn, &cx.base, ids.to_vec()).await?;
    let teams = crate::model::pulls::requested_teams(&mut conn, &cx.base, i.id).await?;
    Ok(ok(json!({ "users": ids.iter().map(|id| users.get(*id)).collect::<Vec<_>>(), "teams": teams })))
}

fn reviewer_logins(v: &Value) -> GhResult<Vec<String>> {
    name_list(v, "reviewers")
}

fn name_list(v: &Value, k: &str) -> GhResult<Vec<String>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a.iter().map(|x| x.as_str().map(String::from).ok_or_else(|| GhError::invalid("PullRequest", k))).collect(),
        Some(_) => Err(GhError::invalid("PullRequest", k)),
    }
}

fn not_collaborator(r: &crate::store::repos::RepoRow) -> GhError {
    GhError::Unprocessable(format!(
        "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {} repository.",
        r.full_name()
    ))
}

/// The teams named by `team_reviewers` (slugs): teams of the repository's org
/// with access to the repository.
async fn reviewer_teams(
    tx: &mut sqlx::AnyConnection,
    r: &crate::store::repos::RepoRow,
    slugs: &[String],
) -> GhResult<Vec<crate::store::teams::TeamRow>> {
    let mut out = Vec::new();
    for slug in slugs {
        let t = if r.owner_kind == "Organization" { crate::store::teams::by_slug(&mut *tx, r.owner_id, slug).await? } else { None };
        let Some(t) = t else { return Err(not_collaborator(r)) };
        if crate::store::teams::repo_permission(&mut *tx, t.id, r.id).await?.is_none() {
            return Err(not_collaborator(r));
        }
        out.push(t);
    }
    Ok(out)
}

pub async fn request_reviewers(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let (i, p) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    let logins = reviewer_logins(&v)?;
    let slugs = name_list(&v, "team_reviewers")?;
    if v.get("reviewers").is_none() && v.get("team_reviewers").is_none() {
        return Err(GhError::missing("PullRequest", "reviewers"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let pool = imodel::assignable(&mut tx, &r).await?;
    let teams = reviewer_teams(&mut tx, &r, &slugs).await?;
    if !teams.is_empty() {
        let org = accounts::by_id(&mut *tx, r.owner_id).await?.ok_or(GhError::NotFound)?;
        for t in &teams {
            crate::store::teams::request(&mut *tx, i.id, t.id).await?;
            let members: Vec<i64> = crate::store::teams::members(&mut *tx, t.id).await?.into_iter().map(|(u, _)| u).collect();
            crate::model::notifications::notify(&mut tx, &i, &members, "review_requested", cx.caller.require()?.id, now()).await?;
            let team = crate::model::teams::simple(&cx.base, &org, t);
            imodel::record(&mut tx, &i, cx.caller.require()?.id, "review_requested", json!({ "requested_team": team }), now()).await?;
        }
    }
    for l in &logins {
        let Some(a) = pool.iter().find(|a| a.login.eq_ignore_ascii_case(l)) else {
            return Err(not_collaborator(&r));
        };
        if a.id == i.user_id {
            return Err(GhError::Unprocessable("Review cannot be requested from pull request author.".into()));
        }
        store::request(&mut *tx, i.id, a.id).await?;
        crate::model::notifications::notify(&mut tx, &i, &[a.id], "review_requested", cx.caller.require()?.id, now()).await?;
        imodel::record(&mut tx, &i, cx.caller.require()?.id, "review_requested", json!({ "requested_reviewer": a.id }), now()).await?;
    }
    tx.commit().await?;
    Ok(created(render(&cx, &r, &i, &p, false).await?))
}

pub async fn remove_requested_reviewers(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let (i, p) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    if v.get("reviewers").is_none() {
        return Err(GhError::missing("PullRequest", "reviewers"));
    }
    let logins = reviewer_logins(&v)?;
    let slugs = name_list(&v, "team_reviewers")?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    for l in &logins {
        if let Some(a) = accounts::by_login(&mut *tx, l).await? {
            store::unrequest(&mut *tx, i.id, a.id).await?;
        }
    }
    if r.owner_kind == "Organization" {
        for slug in &slugs {
            if let Some(t) = crate::store::teams::by_slug(&mut *tx, r.owner_id, slug).await? {
                crate::store::teams::unrequest(&mut *tx, i.id, t.id).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(ok(render(&cx, &r, &i, &p, false).await?))
}

/// `PUT …/pulls/{n}/update-branch`: merges the base into the head branch.
pub async fn update_branch(cx: Cx, Path((owner, repo, number)): PrPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let (i, p) = pull_of(&cx, &r, number).await?;
    let v = json_value(&body).await?;
    if p.head_repo_id.is_some() {
        return Err(GhError::Unprocessable("Updating the head branch of a pull request from a fork is not built in this clone.".into()));
    }
    if let Some(expected) = str_field(&v, "expected_head_sha", "PullRequest")?
        && expected != p.head_sha
    {
        return Err(GhError::Unprocessable("expected head sha didn't match current head ref.".into()));
    }
    if i.state != "open" {
        return Err(GhError::Unprocessable("Pull request is closed".into()));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let base_sha = gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{}", p.base_ref)).await?.ok_or(GhError::NotFound)?;
    let message = format!("Merge branch '{}' into {}", p.base_ref, p.head_ref);
    let merged = model::merge_into(&mut tx, &r, &p.head_ref, &base_sha, &message, &me, now()).await?;
    if merged.is_none() {
        return Err(GhError::Unprocessable("There are no new commits on the base branch.".into()));
    }
    tx.commit().await?;
    Ok((
        axum::http::StatusCode::ACCEPTED,
        axum::Json(
            json!({ "message": "Updating pull request branch.", "url": format!("{}/repos/{}/pulls/{number}", cx.base, r.full_name()) }),
        ),
    )
        .into_response())
}

async fn review_comment_id(cx: &Cx, owner: &str, repo: &str, id: i64) -> GhResult<i64> {
    let (r, _) = access::repo(&cx.db, &cx.caller, owner, repo).await?;
    Ok(store::review_comment(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?.id)
}

pub async fn react_review_comment(cx: Cx, Path((owner, repo, id)): PrPath, body: Bytes) -> Handler {
    let cid = review_comment_id(&cx, &owner, &repo, id).await?;
    super::issues::react(&cx, "review_comment", cid, &body).await
}

pub async fn list_review_comment_reactions(cx: Cx, Path((owner, repo, id)): PrPath) -> Handler {
    let cid = review_comment_id(&cx, &owner, &repo, id).await?;
    super::issues::list_reactions(&cx, "review_comment", cid).await
}

pub async fn unreact_review_comment(cx: Cx, Path((owner, repo, id, reaction)): Path<(String, String, i64, i64)>) -> Handler {
    let cid = review_comment_id(&cx, &owner, &repo, id).await?;
    super::issues::unreact(&cx, "review_comment", cid, reaction).await
}

/// `PUT …/reviews/{id}/dismissals`: an approval or change request becomes `DISMISSED`.
pub async fn dismiss_review(cx: Cx, Path((owner, repo, number, id)): Path<(String, String, i64, i64)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let (i, p) = pull_of(&cx, &r, number).await?;
    crate::model::protection::check_dismiss(&cx.db, &r, &me, perm, &p.base_ref).await?;
    let mut rv = review_of(&cx, &i, id).await?;
    let v = json_value(&body).await?;
    let message = str_field(&v, "message", "PullRequestReview")?.ok_or_else(|| GhError::missing("PullRequestReview", "message"))?;
    if rv.state != "APPROVED" && rv.state != "CHANGES_REQUESTED" {
        return Err(GhError::Unprocessable(format!("Can not dismiss a {} pull request review", rv.state.to_ascii_lowercase())));
    }
    rv.state = "DISMISSED".into();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_review(&mut *tx, &rv).await?;
    imodel::record(
        &mut tx,
        &i,
        me.id,
        "review_dismissed",
        json!({ "dismissed_review": { "state": "dismissed", "review_id": rv.id, "dismissal_message": message } }),
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(ok(render_reviews(&cx, &r, number, &[rv]).await?.pop().unwrap_or(Value::Null)))
}
