//! Issues, issue comments, labels, assignees, milestones, issue events and the
//! timeline, reactions on issues and comments, lock/unlock.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::hooks;
use crate::model::issues::{self as model, Associations};
use crate::model::repos::{comment_body, str_field};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::issues::{self as store, CommentRow, IssueRow, LabelRow, MilestoneRow, ReactionRow};
use crate::store::repos::{self, RepoRow};
use crate::store::{self as st};
use crate::wire::{Listing, json_value, now};

type IssuePath = Path<(String, String, i64)>;

async fn issue_of(cx: &Cx, r: &RepoRow, number: i64) -> GhResult<IssueRow> {
    store::by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)
}

async fn render_issue(cx: &Cx, r: &RepoRow, i: &IssueRow) -> GhResult<Value> {
    let mut conn = cx.db.acquire().await?;
    model::render_one(&mut conn, &cx.base, r, i).await
}

async fn list_in(cx: &Cx, repos_: Vec<RepoRow>, pick: impl Fn(&IssueRow) -> bool) -> Handler {
    let state = model::parse_state(&cx.query)?;
    let f = model::parse_filter(&cx.query)?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let ids: Vec<i64> = repos_.iter().map(|r| r.id).collect();
    let rows = store::of_repos(&mut conn, &ids, &state).await?;
    let rows: Vec<IssueRow> = rows.into_iter().filter(|i| pick(i)).collect();
    let rows = model::filter(&mut conn, rows, &f).await?;
    let total = rows.len() as i64;
    let shown = page.slice(&rows);
    let map: HashMap<i64, RepoRow> = repos_.into_iter().map(|r| (r.id, r)).collect();
    let mut items = model::render(&mut conn, &cx.base, &map, &shown).await?;
    // Issues from other places than the one repository listed carry their repository.
    let embeds: Vec<bool> = shown
        .iter()
        .map(|i| cx.path != format!("/repos/{}/issues", map.get(&i.repo_id).map(|r| r.full_name()).unwrap_or_default()))
        .collect();
    let mut embedded: Vec<Value> =
        shown.iter().zip(&embeds).filter(|(_, e)| **e).map(|(i, _)| objects::repo(&cx.base, &map[&i.repo_id], None)).collect();
    crate::model::repos::with_open_issues(&mut *conn, &mut embedded).await?;
    let mut embedded = embedded.into_iter();
    for (v, e) in items.iter_mut().zip(&embeds) {
        if *e {
            v["repository"] = embedded.next().unwrap_or(Value::Null);
        }
    }
    Ok(Listing { items, total, page, url: cx.url() }.into_response())
}

pub async fn list(cx: Cx, path: RepoPath) -> Handler {
    super::cache::read_through(cx, |cx| list_fresh(cx, path)).await
}

async fn list_fresh(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let f = model::parse_filter(&cx.query)?;
    if !f.is_plain() {
        return list_in(&cx, vec![r], |_| true).await;
    }
    let state = model::parse_state(&cx.query)?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let (rows, total) = store::page_of_repo(&mut conn, r.id, &state, &f.sort, f.direction != "asc", page.per_page, page.offset()).await?;
    let map = HashMap::from([(r.id, r)]);
    let items = model::render(&mut conn, &cx.base, &map, &rows).await?;
    Ok(Listing { items, total, page, url: cx.url() }.into_response())
}

/// `GET /issues` and `/user/issues`: issues across the caller's repositories,
/// chosen by `filter` (`assigned`, `created`, `mentioned`, `subscribed`, `repos`, `all`).
async fn list_for_caller(cx: Cx, org: Option<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let mut rs = repos::reachable(&*cx.db, me.id).await?;
    if let Some(o) = &org {
        let org = accounts::by_login(&*cx.db, o).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)?;
        rs.retain(|r| r.owner_id == org.id);
    }
    let filter = cx.query.get("filter").unwrap_or("assigned").to_string();
    let mut conn = cx.db.acquire().await?;
    let ids: Vec<i64> = rs.iter().map(|r| r.id).collect();
    let all = store::of_repos(&mut conn, &ids, "all").await?;
    let all_ids: Vec<i64> = all.iter().map(|i| i.id).collect();
    let assigned: std::collections::HashSet<i64> =
        store::assignees_of(&mut conn, &all_ids).await?.into_iter().filter(|a| a.1 == me.id).map(|a| a.0).collect();
    let needle = format!("@{}", me.login.to_ascii_lowercase());
    let mentioned: std::collections::HashSet<i64> =
        all.iter().filter(|i| i.body.as_deref().unwrap_or("").to_ascii_lowercase().contains(&needle)).map(|i| i.id).collect();
    drop(conn);
    let pick = move |i: &IssueRow| match filter.as_str() {
        "created" => i.user_id == me.id,
        "mentioned" => mentioned.contains(&i.id),
        "subscribed" => i.user_id == me.id || assigned.contains(&i.id) || mentioned.contains(&i.id),
        "repos" | "all" => true,
        _ => assigned.contains(&i.id),
    };
    list_in(&cx, rs, pick).await
}

pub async fn list_all(cx: Cx) -> Handler {
    list_for_caller(cx, None).await
}

pub async fn list_mine(cx: Cx) -> Handler {
    list_for_caller(cx, None).await
}

pub async fn list_for_org(cx: Cx, Path(org): Path<String>) -> Handler {
    list_for_caller(cx, Some(org)).await
}

/// `title` may be a string or a number on GitHub.
fn title_of(v: &Value) -> GhResult<Option<String>> {
    match v.get("title") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(GhError::invalid("Issue", "title")),
    }
}

fn names_of(v: Option<&Value>, field: &str) -> GhResult<Option<Vec<String>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                Value::Object(o) => {
                    o.get("name").and_then(|n| n.as_str()).map(String::from).ok_or_else(|| GhError::invalid("Issue", field))
                }
                _ => Err(GhError::invalid("Issue", field)),
            })
            .collect::<GhResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(GhError::invalid("Issue", field)),
    }
}

async fn milestone_of(conn: &mut sqlx::AnyConnection, r: &RepoRow, v: &Value) -> GhResult<Option<Option<i64>>> {
    match v.get("milestone") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(m) => {
            let n = m.as_i64().or_else(|| m.as_str().and_then(|s| s.parse().ok())).ok_or_else(|| GhError::invalid("Issue", "milestone"))?;
            let row = store::milestone_by_number(conn, r.id, n).await?.ok_or_else(|| GhError::invalid("Issue", "milestone"))?;
            Ok(Some(Some(row.id)))
        }
    }
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    if !r.has_issues {
        return Err(GhError::Gone("Issues are disabled for this repo".into()));
    }
    let v = json_value(&body).await?;
    let title = title_of(&v)?.filter(|t| !t.trim().is_empty()).ok_or_else(|| GhError::missing("Issue", "title"))?;
    let mut assignees = names_of(v.get("assignees"), "assignees")?.unwrap_or_default();
    if let Some(a) = str_field(&v, "assignee", "Issue")? {
        assignees.insert(0, a);
    }
    let labels = names_of(v.get("labels"), "labels")?.unwrap_or_default();
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let push = perm >= Perm::Triage;
    let milestone = if push { milestone_of(&mut tx, &r, &v).await?.flatten() } else { None };
    let people = if push { model::resolve_assignees(&mut tx, &r, &assignees).await? } else { vec![] };
    let label_rows = if push { model::labels_by_name(&mut tx, r.id, &labels, true).await? } else { vec![] };
    let i = IssueRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        number: store::next_number(&mut tx, r.id).await?,
        title,
        body: str_field(&v, "body", "Issue")?,
        user_id: me.id,
        state: "open".into(),
        state_reason: None,
        locked: false,
        lock_reason: None,
        milestone_id: milestone,
        is_pull: false,
        comments: 0,
        created_at: at,
        updated_at: at,
        closed_at: None,
        closed_by: None,
    };
    store::insert(&mut tx, &i).await?;
    crate::model::notifications::notify_mentions(&mut tx, &i, i.body.as_deref().unwrap_or(""), me.id, at).await?;
    model::add_labels(&mut tx, &i, &label_rows, me.id, at).await?;
    model::add_assignees(&mut tx, &i, &people, me.id, at).await?;
    if milestone.is_some() {
        model::record(&mut tx, &i, me.id, "milestoned", json!({}), at).await?;
    }
    tx.commit().await?;
    let v = render_issue(&cx, &r, &i).await?;
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "issues", json!({ "action": "opened", "issue": v })).await?;
    Ok(created(v))
}

pub async fn get(cx: Cx, path: IssuePath) -> Handler {
    super::cache::read_through(cx, |cx| get_fresh(cx, path)).await
}

async fn get_fresh(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    Ok(ok(render_issue(&cx, &r, &i).await?))
}

pub async fn update(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let mut i = issue_of(&cx, &r, number).await?;
    if perm < Perm::Triage && i.user_id != me.id {
        return Err(GhError::Forbidden("Must have push access to Issue.".into()));
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut actions: Vec<&str> = Vec::new();
    if let Some(t) = title_of(&v)? {
        if t.trim().is_empty() {
            return Err(GhError::missing("Issue", "title"));
        }
        if t != i.title {
            model::record(&mut tx, &i, me.id, "renamed", json!({ "rename": { "from": i.title, "to": t } }), at).await?;
            i.title = t;
            actions.push("edited");
        }
    }
    if v.get("body").is_some() {
        i.body = str_field(&v, "body", "Issue")?;
        actions.push("edited");
    }
    if let Some(m) = milestone_of(&mut tx, &r, &v).await? {
        if m != i.milestone_id {
            model::record(&mut tx, &i, me.id, if m.is_some() { "milestoned" } else { "demilestoned" }, json!({}), at).await?;
        }
        i.milestone_id = m;
    }
    if let Some(names) = names_of(v.get("labels"), "labels")? {
        let wanted = model::labels_by_name(&mut tx, r.id, &names, true).await?;
        let current = store::labels_of(&mut tx, &[i.id]).await?;
        for (_, l) in current.iter().filter(|(_, l)| !wanted.iter().any(|w| w.id == l.id)) {
            model::remove_label(&mut tx, &i, l, me.id, at).await?;
        }
        model::add_labels(&mut tx, &i, &wanted, me.id, at).await?;
    }
    let mut assignees = names_of(v.get("assignees"), "assignees")?;
    if let Some(a) = v.get("assignee") {
        assignees = Some(a.as_str().map(|s| vec![s.to_string()]).unwrap_or_default());
    }
    if let Some(names) = assignees {
        let wanted = model::resolve_assignees(&mut tx, &r, &names).await?;
        let current: Vec<i64> = store::assignees_of(&mut tx, &[i.id]).await?.into_iter().map(|a| a.1).collect();
        let gone: Vec<AccountRow> =
            accounts::by_ids(&mut tx, &current).await?.into_iter().filter(|a| !wanted.iter().any(|w| w.id == a.id)).collect();
        model::remove_assignees(&mut tx, &i, &gone, me.id, at).await?;
        model::add_assignees(&mut tx, &i, &wanted, me.id, at).await?;
    }
    let reason = str_field(&v, "state_reason", "Issue")?;
    if let Some(rs) = &reason
        && !["completed", "not_planned", "reopened", "duplicate"].contains(&rs.as_str())
    {
        return Err(GhError::invalid("Issue", "state_reason"));
    }
    if let Some(state) = str_field(&v, "state", "Issue")? {
        if state != "open" && state != "closed" {
            return Err(GhError::invalid("Issue", "state"));
        }
        if model::set_state(&mut tx, &mut i, &state, reason, me.id, at).await? {
            actions.push(if state == "closed" { "closed" } else { "reopened" });
        }
    }
    i.updated_at = at;
    store::update(&mut tx, &i).await?;
    tx.commit().await?;
    let out = render_issue(&cx, &r, &i).await?;
    actions.dedup();
    for a in actions {
        hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "issues", json!({ "action": a, "issue": out })).await?;
    }
    Ok(ok(out))
}

pub async fn lock(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let reason = str_field(&v, "lock_reason", "Issue")?;
    if let Some(rs) = &reason
        && !["off-topic", "too heated", "resolved", "spam"].contains(&rs.as_str())
    {
        return Err(GhError::invalid("Issue", "lock_reason"));
    }
    let mut i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if !i.locked {
        i.locked = true;
        i.lock_reason = reason.clone();
        model::record(&mut tx, &i, me.id, "locked", json!({ "lock_reason": reason }), at).await?;
        store::update(&mut tx, &i).await?;
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn unlock(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let mut i = issue_of(&cx, &r, number).await?;
    if !i.locked {
        return Err(GhError::Forbidden("Issue is not locked".into()));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    i.locked = false;
    i.lock_reason = None;
    model::record(&mut tx, &i, me.id, "unlocked", json!({}), now()).await?;
    store::update(&mut tx, &i).await?;
    tx.commit().await?;
    Ok(no_content())
}

// ---- comments ----

async fn render_comments(cx: &Cx, r: &RepoRow, rows: &[CommentRow]) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let users = model::users(&mut conn, &cx.base, rows.iter().map(|c| c.user_id).collect()).await?;
    let assoc = Associations::load(&mut conn, &[r]).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let reactions = store::reactions_for(&mut conn, "comment", &ids).await?;
    let mut numbers: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::new();
    for c in rows {
        let n = match numbers.get(&c.issue_id) {
            Some(n) => *n,
            None => {
                let n = store::by_id(&mut *conn, c.issue_id).await?.map(|i| i.number).unwrap_or(0);
                numbers.insert(c.issue_id, n);
                n
            }
        };
        let mine: Vec<ReactionRow> = reactions.iter().filter(|x| x.subject_id == c.id).cloned().collect();
        out.push(objects::comment(&cx.base, &r.full_name(), n, c, users.get(c.user_id), assoc.of(r.id, c.user_id), &mine));
    }
    Ok(out)
}

fn since_filter(cx: &Cx, rows: &mut Vec<CommentRow>) -> GhResult<()> {
    if let Some(s) = cx.query.get("since") {
        let t = crate::wire::parse_iso(s).ok_or_else(|| GhError::invalid("IssueComment", "since"))?;
        rows.retain(|c| c.updated_at >= t);
    }
    Ok(())
}

pub async fn list_comments(cx: Cx, path: IssuePath) -> Handler {
    super::cache::read_through(cx, |cx| list_comments_fresh(cx, path)).await
}

async fn list_comments_fresh(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    let mut rows = store::comments_of_issue(&*cx.db, i.id).await?;
    since_filter(&cx, &mut rows)?;
    let page = cx.query.page()?;
    let shown = page.slice(&rows);
    let items = render_comments(&cx, &r, &shown).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn list_repo_comments(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut rows = store::comments_of_repo(&*cx.db, r.id).await?;
    since_filter(&cx, &mut rows)?;
    if cx.query.get("direction") == Some("desc") {
        rows.reverse();
    }
    let page = cx.query.page()?;
    let shown = page.slice(&rows);
    let items = render_comments(&cx, &r, &shown).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn create_comment(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = comment_body(&v, "IssueComment")?;
    let i = issue_of(&cx, &r, number).await?;
    if i.locked && perm < Perm::Write {
        return Err(GhError::Forbidden("Unable to create comment because issue is locked.".into()));
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let c = CommentRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        issue_id: i.id,
        user_id: me.id,
        body: text,
        created_at: at,
        updated_at: at,
    };
    store::insert_comment(&mut tx, &c).await?;
    crate::model::notifications::notify_mentions(&mut tx, &i, &c.body, me.id, at).await?;
    tx.commit().await?;
    let out = render_comments(&cx, &r, std::slice::from_ref(&c)).await?.pop().unwrap_or(Value::Null);
    let issue_json = render_issue(&cx, &r, &i).await?;
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "issue_comment", json!({ "action": "created", "issue": issue_json, "comment": out }))
        .await?;
    Ok(created(out))
}

async fn comment_of(cx: &Cx, r: &RepoRow, id: i64) -> GhResult<CommentRow> {
    store::comment(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)
}

pub async fn get_comment(cx: Cx, Path((owner, repo, id)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    Ok(ok(render_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn update_comment(cx: Cx, Path((owner, repo, id)): IssuePath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = comment_body(&v, "IssueComment")?;
    let mut c = comment_of(&cx, &r, id).await?;
    access::may_change_comment(c.user_id, me.id, perm, "update")?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_comment(&mut *tx, c.id, &text, at).await?;
    tx.commit().await?;
    c.body = text;
    c.updated_at = at;
    Ok(ok(render_comments(&cx, &r, &[c]).await?.pop().unwrap_or(Value::Null)))
}

pub async fn delete_comment(cx: Cx, Path((owner, repo, id)): IssuePath) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let c = comment_of(&cx, &r, id).await?;
    access::may_change_comment(c.user_id, me.id, perm, "delete")?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_comment(&mut tx, &c).await?;
    tx.commit().await?;
    Ok(no_content())
}

// ---- labels ----

fn normalize_color(c: &str) -> GhResult<String> {
    let c = c.trim_start_matches('#').to_ascii_lowercase();
    if c.len() == 6 && c.bytes().all(|b| b.is_ascii_hexdigit()) { Ok(c) } else { Err(GhError::invalid("Label", "color")) }
}

pub async fn list_labels(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = store::labels_of_repo(&*cx.db, r.id).await?;
    let items = rows.iter().map(|l| objects::label(&cx.base, &r.full_name(), l)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn create_label(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let name = str_field(&v, "name", "Label")?.filter(|n| !n.trim().is_empty()).ok_or_else(|| GhError::missing("Label", "name"))?;
    let color = match str_field(&v, "color", "Label")? {
        Some(c) => normalize_color(&c)?,
        None => "ededed".into(),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::label_by_name(&mut *tx, r.id, &name).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::new("Label", "name", "already_exists")]));
    }
    let l = LabelRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        name,
        color,
        description: str_field(&v, "description", "Label")?,
        is_default: false,
    };
    store::insert_label(&mut *tx, &l).await?;
    tx.commit().await?;
    Ok(created(objects::label(&cx.base, &r.full_name(), &l)))
}

pub async fn get_label(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let l = store::label_by_name(&*cx.db, r.id, &name).await?.ok_or(GhError::NotFound)?;
    Ok(ok(objects::label(&cx.base, &r.full_name(), &l)))
}

pub async fn update_label(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut l = store::label_by_name(&mut *tx, r.id, &name).await?.ok_or(GhError::NotFound)?;
    if let Some(n) = str_field(&v, "new_name", "Label")?.or(str_field(&v, "name", "Label")?) {
        if !n.eq_ignore_ascii_case(&l.name) && store::label_by_name(&mut *tx, r.id, &n).await?.is_some() {
            return Err(GhError::Validation(vec![FieldError::new("Label", "name", "already_exists")]));
        }
        l.name = n;
    }
    if let Some(c) = str_field(&v, "color", "Label")? {
        l.color = normalize_color(&c)?;
    }
    if v.get("description").is_some() {
        l.description = str_field(&v, "description", "Label")?;
    }
    store::update_label(&mut *tx, &l).await?;
    tx.commit().await?;
    Ok(ok(objects::label(&cx.base, &r.full_name(), &l)))
}

pub async fn delete_label(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let l = store::label_by_name(&mut *tx, r.id, &name).await?.ok_or(GhError::NotFound)?;
    store::delete_label(&mut tx, l.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

async fn issue_labels_json(cx: &Cx, r: &RepoRow, i: &IssueRow) -> GhResult<Value> {
    let mut conn = cx.db.acquire().await?;
    let rows = store::labels_of(&mut conn, &[i.id]).await?;
    Ok(Value::Array(rows.iter().map(|(_, l)| objects::label(&cx.base, &r.full_name(), l)).collect()))
}

pub async fn list_issue_labels(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    Ok(ok(issue_labels_json(&cx, &r, &i).await?))
}

/// The label names of a body that is either `["a","b"]` or `{"labels": [...]}`.
fn label_body(v: &Value) -> GhResult<Vec<String>> {
    let list = if v.is_array() { Some(v) } else { v.get("labels") };
    names_of(list, "labels")?.ok_or_else(|| GhError::missing("Label", "labels"))
}

pub async fn add_labels(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let names = label_body(&json_value(&body).await?)?;
    let i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let labels = model::labels_by_name(&mut tx, r.id, &names, true).await?;
    model::add_labels(&mut tx, &i, &labels, me.id, at).await?;
    store::touch(&mut *tx, i.id, at).await?;
    tx.commit().await?;
    let out = issue_labels_json(&cx, &r, &i).await?;
    for l in &labels {
        let issue_json = render_issue(&cx, &r, &i).await?;
        hooks::emit(
            &cx.ctx,
            &cx.db,
            &cx.base,
            &r,
            &me,
            "issues",
            json!({ "action": "labeled", "issue": issue_json, "label": objects::label(&cx.base, &r.full_name(), l) }),
        )
        .await?;
    }
    Ok(ok(out))
}

pub async fn set_labels(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let names = if v.as_object().is_some_and(|o| o.is_empty()) { vec![] } else { label_body(&v)? };
    let i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let wanted = model::labels_by_name(&mut tx, r.id, &names, true).await?;
    let current = store::labels_of(&mut tx, &[i.id]).await?;
    for (_, l) in current.iter().filter(|(_, l)| !wanted.iter().any(|w| w.id == l.id)) {
        model::remove_label(&mut tx, &i, l, me.id, at).await?;
    }
    model::add_labels(&mut tx, &i, &wanted, me.id, at).await?;
    store::touch(&mut *tx, i.id, at).await?;
    tx.commit().await?;
    Ok(ok(issue_labels_json(&cx, &r, &i).await?))
}

pub async fn remove_all_labels(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    for (_, l) in store::labels_of(&mut tx, &[i.id]).await? {
        model::remove_label(&mut tx, &i, &l, me.id, at).await?;
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn remove_label(cx: Cx, Path((owner, repo, number, name)): Path<(String, String, i64, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let l = store::label_by_name(&mut *tx, r.id, &name).await?.ok_or_else(|| GhError::NotFoundMsg("Label does not exist".into()))?;
    if !model::remove_label(&mut tx, &i, &l, me.id, at).await? {
        return Err(GhError::NotFoundMsg("Label does not exist".into()));
    }
    tx.commit().await?;
    Ok(ok(issue_labels_json(&cx, &r, &i).await?))
}

// ---- assignees ----

pub async fn list_assignees(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let people = model::assignable(&mut conn, &r).await?;
    let items = people.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn check_assignee(cx: Cx, Path((owner, repo, user)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let people = model::assignable(&mut conn, &r).await?;
    if people.iter().any(|a| a.login.eq_ignore_ascii_case(&user)) { Ok(no_content()) } else { Err(GhError::NotFound) }
}

pub async fn check_issue_assignee(cx: Cx, Path((owner, repo, _number, user)): Path<(String, String, i64, String)>) -> Handler {
    check_assignee(cx, Path((owner, repo, user))).await
}

fn assignee_body(v: &Value) -> GhResult<Vec<String>> {
    names_of(v.get("assignees"), "assignees")?.ok_or_else(|| GhError::missing("Issue", "assignees"))
}

pub async fn add_assignees(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let names = assignee_body(&json_value(&body).await?)?;
    let i = issue_of(&cx, &r, number).await?;
    if perm >= Perm::Triage {
        let at = now();
        let mut tx = asym_store::begin_write(&cx.db).await?;
        // Unassignable logins are ignored here, as on GitHub.
        let pool = model::assignable(&mut tx, &r).await?;
        let people: Vec<AccountRow> = pool.into_iter().filter(|a| names.iter().any(|n| n.eq_ignore_ascii_case(&a.login))).collect();
        model::add_assignees(&mut tx, &i, &people, me.id, at).await?;
        store::touch(&mut *tx, i.id, at).await?;
        tx.commit().await?;
    }
    let i = issue_of(&cx, &r, number).await?;
    Ok(created(render_issue(&cx, &r, &i).await?))
}

pub async fn remove_assignees(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Triage).await?;
    let me = cx.caller.require()?.clone();
    let names = assignee_body(&json_value(&body).await?)?;
    let i = issue_of(&cx, &r, number).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut people = Vec::new();
    for n in &names {
        if let Some(a) = accounts::by_login(&mut *tx, n).await? {
            people.push(a);
        }
    }
    model::remove_assignees(&mut tx, &i, &people, me.id, at).await?;
    store::touch(&mut *tx, i.id, at).await?;
    tx.commit().await?;
    let i = issue_of(&cx, &r, number).await?;
    Ok(ok(render_issue(&cx, &r, &i).await?))
}

// ---- milestones ----

async fn render_milestone(cx: &Cx, r: &RepoRow, m: &MilestoneRow) -> GhResult<Value> {
    let creator = accounts::by_id(&*cx.db, m.creator_id).await?.map(|a| objects::user_ref(&cx.base, &a)).unwrap_or(Value::Null);
    let counts = store::milestone_counts(&*cx.db, m.id).await?;
    Ok(objects::milestone(&cx.base, &r.full_name(), m, &creator, counts))
}

pub async fn list_milestones(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let state = model::parse_state(&cx.query)?;
    let mut rows = store::milestones_of(&*cx.db, r.id).await?;
    rows.retain(|m| state == "all" || m.state == state);
    let mut items = Vec::new();
    for m in &rows {
        items.push(render_milestone(&cx, &r, m).await?);
    }
    match cx.query.get("sort").unwrap_or("due_on") {
        "completeness" => items.sort_by_key(|v| {
            let (o, c) = (v["open_issues"].as_i64().unwrap_or(0), v["closed_issues"].as_i64().unwrap_or(0));
            if o + c == 0 { 0 } else { c * 1000 / (o + c) }
        }),
        "due_on" => items.sort_by_key(|v| (v["due_on"].is_null(), v["due_on"].as_str().unwrap_or("").to_string())),
        _ => return Err(GhError::invalid("Milestone", "sort")),
    }
    if cx.query.get("direction") == Some("desc") {
        items.reverse();
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

fn due_of(v: &Value) -> GhResult<Option<Option<i64>>> {
    match v.get("due_on") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(crate::wire::parse_iso(s).ok_or_else(|| GhError::invalid("Milestone", "due_on"))?))),
        Some(_) => Err(GhError::invalid("Milestone", "due_on")),
    }
}

pub async fn create_milestone(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let title =
        str_field(&v, "title", "Milestone")?.filter(|t| !t.trim().is_empty()).ok_or_else(|| GhError::missing("Milestone", "title"))?;
    let state = str_field(&v, "state", "Milestone")?.unwrap_or_else(|| "open".into());
    if state != "open" && state != "closed" {
        return Err(GhError::invalid("Milestone", "state"));
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::milestones_of(&mut *tx, r.id).await?.iter().any(|m| m.title == title) {
        return Err(GhError::Validation(vec![FieldError::new("Milestone", "title", "already_exists")]));
    }
    let m = MilestoneRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        number: store::next_milestone_number(&mut *tx, r.id).await?,
        title,
        description: str_field(&v, "description", "Milestone")?,
        closed_at: (state == "closed").then_some(at),
        state,
        due_on: due_of(&v)?.flatten(),
        creator_id: me.id,
        created_at: at,
        updated_at: at,
    };
    store::insert_milestone(&mut *tx, &m).await?;
    tx.commit().await?;
    Ok(created(render_milestone(&cx, &r, &m).await?))
}

pub async fn get_milestone(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let m = store::milestone_by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)?;
    Ok(ok(render_milestone(&cx, &r, &m).await?))
}

pub async fn update_milestone(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let mut m = store::milestone_by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)?;
    let at = now();
    if let Some(t) = str_field(&v, "title", "Milestone")? {
        m.title = t;
    }
    if v.get("description").is_some() {
        m.description = str_field(&v, "description", "Milestone")?;
    }
    if let Some(d) = due_of(&v)? {
        m.due_on = d;
    }
    if let Some(s) = str_field(&v, "state", "Milestone")? {
        if s != "open" && s != "closed" {
            return Err(GhError::invalid("Milestone", "state"));
        }
        if s != m.state {
            m.closed_at = (s == "closed").then_some(at);
        }
        m.state = s;
    }
    m.updated_at = at;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_milestone(&mut *tx, &m).await?;
    tx.commit().await?;
    Ok(ok(render_milestone(&cx, &r, &m).await?))
}

pub async fn delete_milestone(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let m = store::milestone_by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_milestone(&mut tx, m.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// ---- events and timeline ----

async fn render_events(cx: &Cx, r: &RepoRow, rows: &[store::EventRow], with_issue: bool) -> GhResult<Vec<Value>> {
    let mut conn = cx.db.acquire().await?;
    let mut ids: Vec<i64> = rows.iter().map(|e| e.actor_id).collect();
    for e in rows {
        let data = serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null);
        ids.extend(data["assignee"].as_i64());
        ids.extend(data["requested_reviewer"].as_i64());
    }
    let users = model::users(&mut conn, &cx.base, ids).await?;
    let mut out = Vec::new();
    let full = r.full_name();
    for e in rows {
        let data: Value = serde_json::from_str(&e.data).unwrap_or_else(|_| json!({}));
        let commit = data["commit_id"].as_str().map(String::from);
        let mut v = json!({
            "id": e.id, "node_id": crate::wire::node_id("IssueEvent", e.id),
            "url": format!("{}/repos/{full}/issues/events/{}", cx.base, e.id),
            "actor": users.get(e.actor_id), "event": e.event,
            "commit_id": commit, "commit_url": commit.as_ref().map(|c| format!("{}/repos/{full}/commits/{c}", cx.base)),
            "created_at": crate::wire::iso(e.created_at), "performed_via_github_app": null,
        });
        if let Some(l) = data.get("label") {
            v["label"] = l.clone();
        }
        if let Some(a) = data["assignee"].as_i64() {
            v["assignee"] = users.get(a);
            v["assigner"] = users.get(e.actor_id);
        }
        if let Some(a) = data["requested_reviewer"].as_i64() {
            v["requested_reviewer"] = users.get(a);
            v["review_requester"] = users.get(e.actor_id);
        }
        if let Some(t) = data.get("requested_team") {
            v["requested_team"] = t.clone();
            v["review_requester"] = users.get(e.actor_id);
        }
        if let Some(x) = data.get("rename") {
            v["rename"] = x.clone();
        }
        if let Some(x) = data.get("lock_reason") {
            v["lock_reason"] = x.clone();
        }
        if let Some(x) = data.get("state_reason") {
            v["state_reason"] = x.clone();
        }
        if with_issue && let Some(i) = store::by_id(&mut *conn, e.issue_id).await? {
            v["issue"] = model::render_one(&mut conn, &cx.base, r, &i).await?;
        }
        out.push(v);
    }
    Ok(out)
}

pub async fn list_events(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    let rows = store::events_of_issue(&*cx.db, i.id).await?;
    let page = cx.query.page()?;
    let items = render_events(&cx, &r, &page.slice(&rows), false).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn list_repo_events(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = store::events_of_repo(&*cx.db, r.id).await?;
    let page = cx.query.page()?;
    let items = render_events(&cx, &r, &page.slice(&rows), true).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn get_event(cx: Cx, Path((owner, repo, id)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let e = store::event(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?;
    Ok(ok(render_events(&cx, &r, &[e], true).await?.pop().unwrap_or(Value::Null)))
}

/// Issue events, comments (`commented`) and reviews (`reviewed`) in time order.
pub async fn timeline(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    let events = store::events_of_issue(&*cx.db, i.id).await?;
    let mut items: Vec<(i64, i64, Value)> =
        render_events(&cx, &r, &events, false).await?.into_iter().zip(&events).map(|(v, e)| (e.created_at, e.id, v)).collect();
    let comments = store::comments_of_issue(&*cx.db, i.id).await?;
    for (v, c) in render_comments(&cx, &r, &comments).await?.into_iter().zip(&comments) {
        let mut v = v;
        v["event"] = Value::from("commented");
        v["actor"] = v["user"].clone();
        items.push((c.created_at, c.id, v));
    }
    if i.is_pull {
        let mut conn = cx.db.acquire().await?;
        let reviews = crate::store::pulls::reviews_of(&mut *conn, i.id).await?;
        let users = model::users(&mut conn, &cx.base, reviews.iter().map(|x| x.user_id).collect()).await?;
        for rv in reviews.iter().filter(|x| x.state != "PENDING") {
            let mut v = objects::review(&cx.base, &r.full_name(), i.number, rv, users.get(rv.user_id), "NONE");
            v["event"] = Value::from("reviewed");
            items.push((rv.submitted_at.unwrap_or(0), rv.id, v));
        }
    }
    items.sort_by_key(|x| (x.0, x.1));
    let all: Vec<Value> = items.into_iter().map(|x| x.2).collect();
    Ok(Listing::of(all, cx.query.page()?, cx.url()).into_response())
}

// ---- reactions ----

pub const REACTIONS: &[&str] = &["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

pub async fn react(cx: &Cx, subject: &str, subject_id: i64, body: &Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let v = json_value(body).await?;
    let content = str_field(&v, "content", "Reaction")?.ok_or_else(|| GhError::missing("Reaction", "content"))?;
    if !REACTIONS.contains(&content.as_str()) {
        return Err(GhError::invalid("Reaction", "content"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let row =
        ReactionRow { id: st::next_id(&mut tx).await?, subject: subject.into(), subject_id, user_id: me.id, content, created_at: now() };
    let (stored, new) = store::add_reaction(&mut tx, &row).await?;
    tx.commit().await?;
    let v = objects::reaction(&stored, &objects::user_ref(&cx.base, &me));
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(v)).into_response())
}

pub async fn list_reactions(cx: &Cx, subject: &str, id: i64) -> Handler {
    let mut rows = store::reactions_of(&*cx.db, subject, id).await?;
    if let Some(c) = cx.query.get("content") {
        rows.retain(|r| r.content == c);
    }
    let mut conn = cx.db.acquire().await?;
    let users = model::users(&mut conn, &cx.base, rows.iter().map(|r| r.user_id).collect()).await?;
    let items = rows.iter().map(|r| objects::reaction(r, &users.get(r.user_id))).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn unreact(cx: &Cx, subject: &str, subject_id: i64, reaction: i64) -> Handler {
    let me = cx.caller.require()?;
    let rows = store::reactions_of(&*cx.db, subject, subject_id).await?;
    if !rows.iter().any(|r| r.id == reaction && r.user_id == me.id) {
        return Err(GhError::NotFound);
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_reaction(&mut *tx, subject, subject_id, reaction).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn react_issue(cx: Cx, Path((owner, repo, number)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    react(&cx, "issue", i.id, &body).await
}

pub async fn list_issue_reactions(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    list_reactions(&cx, "issue", i.id).await
}

pub async fn unreact_issue(cx: Cx, Path((owner, repo, number, reaction)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let i = issue_of(&cx, &r, number).await?;
    unreact(&cx, "issue", i.id, reaction).await
}

pub async fn react_comment(cx: Cx, Path((owner, repo, id)): IssuePath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    react(&cx, "comment", c.id, &body).await
}

pub async fn list_comment_reactions(cx: Cx, Path((owner, repo, id)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    list_reactions(&cx, "comment", c.id).await
}

pub async fn unreact_comment(cx: Cx, Path((owner, repo, id, reaction)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let c = comment_of(&cx, &r, id).await?;
    unreact(&cx, "comment", c.id, reaction).await
}

/// Labels of the issues in a milestone.
pub async fn milestone_labels(cx: Cx, Path((owner, repo, number)): IssuePath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let m = store::milestone_by_number(&*cx.db, r.id, number).await?.ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    let ids: Vec<i64> =
        store::of_repos(&mut conn, &[r.id], "all").await?.into_iter().filter(|i| i.milestone_id == Some(m.id)).map(|i| i.id).collect();
    let mut labels: Vec<LabelRow> = Vec::new();
    for (_, l) in store::labels_of(&mut conn, &ids).await? {
        if !labels.iter().any(|x| x.id == l.id) {
            labels.push(l);
        }
    }
    labels.sort_by(|a, b| a.name.cmp(&b.name));
    let items = labels.iter().map(|l| objects::label(&cx.base, &r.full_name(), l)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}
