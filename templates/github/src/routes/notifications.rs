//! Notifications of the authenticated user (`/notifications`, the threads, and
//! `/repos/{owner}/{repo}/notifications`): threads for mentions, assignments and
//! review requests, read and unread, marked read in bulk or one by one.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, json as ok, no_content};
use crate::errors::{GhError, GhResult};
use crate::model::access;
use crate::model::repos::{bool_field, str_field};
use crate::objects;
use crate::store::notifications::{self as store, ThreadRow};
use crate::store::{issues as istore, repos};
use crate::wire::{Listing, iso, iso_opt, now, parse_iso};

async fn render(cx: &Cx, t: &ThreadRow) -> GhResult<Option<Value>> {
    let mut conn = cx.db.acquire().await?;
    let (Some(r), Some(i)) = (repos::by_id(&mut *conn, t.repo_id).await?, istore::by_id(&mut *conn, t.issue_id).await?) else {
        return Ok(None);
    };
    let kind = if i.is_pull { "pulls" } else { "issues" };
    let subject_url = format!("{}/repos/{}/{kind}/{}", cx.base, r.full_name(), i.number);
    let u = format!("{}/notifications/threads/{}", cx.base, t.id);
    Ok(Some(json!({
        "id": t.id.to_string(), "repository": objects::repo(&cx.base, &r, None),
        "subject": {
            "title": i.title, "url": subject_url, "latest_comment_url": subject_url,
            "type": if i.is_pull { "PullRequest" } else { "Issue" },
        },
        "reason": t.reason, "unread": t.unread, "updated_at": iso(t.updated_at), "last_read_at": iso_opt(t.last_read_at),
        "url": u, "subscription_url": format!("{u}/subscription"),
    })))
}

fn flag(cx: &Cx, k: &str) -> GhResult<bool> {
    match cx.query.get(k) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(GhError::invalid("Notification", k)),
    }
}

fn time(cx: &Cx, k: &str) -> GhResult<Option<i64>> {
    cx.query.get(k).map(|s| parse_iso(s).ok_or_else(|| GhError::invalid("Notification", k))).transpose()
}

async fn list_in(cx: Cx, repo: Option<i64>) -> Handler {
    let me = cx.caller.require()?;
    let all = flag(&cx, "all")?;
    let participating = flag(&cx, "participating")?;
    let since = time(&cx, "since")?;
    let before = time(&cx, "before")?;
    let mut out = Vec::new();
    for t in store::of_user(&*cx.db, me.id, repo).await? {
        if (!all && !t.unread)
            || (participating && !matches!(t.reason.as_str(), "mention" | "assign" | "review_requested" | "author" | "comment"))
            || since.is_some_and(|s| t.updated_at < s)
            || before.is_some_and(|b| t.updated_at >= b)
        {
            continue;
        }
        if let Some(v) = render(&cx, &t).await? {
            out.push(v);
        }
    }
    Ok(Listing::of(out, cx.query.page()?, cx.url()).into_response())
}

pub async fn list(cx: Cx) -> Handler {
    list_in(cx, None).await
}

pub async fn list_for_repo(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    list_in(cx, Some(r.id)).await
}

async fn mark_in(cx: Cx, repo: Option<i64>, body: Bytes) -> Handler {
    let me = cx.caller.require()?;
    let v = if body.iter().all(|b| b.is_ascii_whitespace()) { json!({}) } else { crate::wire::json_value(&body).await? };
    let at = now();
    let before = match str_field(&v, "last_read_at", "Notification")? {
        Some(s) => parse_iso(&s).ok_or_else(|| GhError::invalid("Notification", "last_read_at"))?,
        None => at,
    };
    if bool_field(&v, "read")? != Some(false) {
        let mut tx = asym_store::begin_write(&cx.db).await?;
        store::mark_read(&mut *tx, me.id, repo, before, at).await?;
        tx.commit().await?;
    }
    Ok(StatusCode::RESET_CONTENT.into_response())
}

pub async fn mark_read(cx: Cx, body: Bytes) -> Handler {
    mark_in(cx, None, body).await
}

pub async fn mark_repo_read(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    mark_in(cx, Some(r.id), body).await
}

async fn thread_of(cx: &Cx, id: &str) -> GhResult<ThreadRow> {
    let me = cx.caller.require()?;
    let id: i64 = id.parse().map_err(|_| GhError::NotFound)?;
    store::by_id(&*cx.db, id).await?.filter(|t| t.user_id == me.id).ok_or(GhError::NotFound)
}

pub async fn get_thread(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = thread_of(&cx, &id).await?;
    Ok(ok(render(&cx, &t).await?.ok_or(GhError::NotFound)?))
}

pub async fn mark_thread_read(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = thread_of(&cx, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::mark_thread_read(&mut *tx, t.id, now()).await?;
    tx.commit().await?;
    Ok(StatusCode::RESET_CONTENT.into_response())
}

pub async fn mark_thread_done(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = thread_of(&cx, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut *tx, t.id).await?;
    tx.commit().await?;
    Ok(no_content())
}
