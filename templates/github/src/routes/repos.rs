//! Repositories: create (for the user or an org), get, update, delete, list,
//! topics and collaborators.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::repos::{self as model, NewRepo, bool_field, str_field};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::repos::{self, RepoRow};
use crate::wire::{Listing, json_value, now};

async fn render_list(cx: &Cx, rows: &[(RepoRow, Perm)]) -> GhResult<axum::response::Response> {
    let page = cx.query.page()?;
    let mut items: Vec<Value> = page.slice(rows).iter().map(|(r, p)| objects::repo(&cx.base, r, Some(*p))).collect();
    model::with_open_issues(&*cx.db, &mut items).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn list_mine(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    let kind = cx.query.get("type").unwrap_or("all");
    let visibility = cx.query.get("visibility").unwrap_or("all");
    let rows = repos::reachable(&*cx.db, me.id).await?;
    let mut rows = model::visible_of(&cx.db, &cx.caller, rows).await?;
    rows.retain(|(r, _)| match kind {
        "owner" => r.owner_id == me.id,
        "member" => r.owner_id != me.id,
        "public" => !r.private,
        "private" => r.private,
        _ => true,
    });
    rows.retain(|(r, _)| match visibility {
        "public" => !r.private,
        "private" => r.private,
        _ => true,
    });
    model::sort(&mut rows, cx.query.get("sort").unwrap_or("full_name"), cx.query.get("direction"))?;
    render_list(&cx, &rows).await
}

pub async fn list_for_user(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let rows = repos::of_owner(&*cx.db, u.id).await?;
    let mut rows = model::visible_of(&cx.db, &cx.caller, rows).await?;
    // Like GitHub, this list shows public repositories only, even to their owner.
    rows.retain(|(r, _)| !r.private);
    model::sort(&mut rows, cx.query.get("sort").unwrap_or("full_name"), cx.query.get("direction"))?;
    render_list(&cx, &rows).await
}

pub async fn list_for_org(cx: Cx, Path(org): Path<String>) -> Handler {
    let o = accounts::by_login(&*cx.db, &org).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)?;
    let rows = repos::of_owner(&*cx.db, o.id).await?;
    let mut rows = model::visible_of(&cx.db, &cx.caller, rows).await?;
    match cx.query.get("type").unwrap_or("all") {
        "public" => rows.retain(|(r, _)| !r.private),
        "private" => rows.retain(|(r, _)| r.private),
        "forks" => rows.retain(|(r, _)| r.parent_id.is_some()),
        "sources" => rows.retain(|(r, _)| r.parent_id.is_none()),
        "all" | "member" => {}
        _ => return Err(GhError::invalid("Repository", "type")),
    }
    model::sort(&mut rows, cx.query.get("sort").unwrap_or("created"), cx.query.get("direction"))?;
    render_list(&cx, &rows).await
}

async fn create_in(cx: &Cx, owner: &AccountRow, body: &Bytes) -> Handler {
    let me = cx.caller.require()?;
    let v = json_value(body).await?;
    let name = str_field(&v, "name", "Repository")?.ok_or_else(|| GhError::missing("Repository", "name"))?;
    let visibility = str_field(&v, "visibility", "Repository")?;
    let private = bool_field(&v, "private")?.unwrap_or(matches!(visibility.as_deref(), Some("private") | Some("internal")));
    let n = NewRepo {
        name,
        description: str_field(&v, "description", "Repository")?,
        homepage: str_field(&v, "homepage", "Repository")?,
        private,
        auto_init: bool_field(&v, "auto_init")?.unwrap_or(false),
        has_issues: bool_field(&v, "has_issues")?.unwrap_or(true),
        has_projects: bool_field(&v, "has_projects")?.unwrap_or(true),
        has_wiki: bool_field(&v, "has_wiki")?.unwrap_or(true),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let r = model::create(&mut tx, owner, me, n, now()).await?;
    tx.commit().await?;
    Ok(created(objects::repo(&cx.base, &r, Some(Perm::Admin))))
}

pub async fn create_for_me(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    create_in(&cx, &me, &body).await
}

pub async fn create_for_org(cx: Cx, Path(org): Path<String>, body: Bytes) -> Handler {
    let me = cx.caller.require()?;
    let o = accounts::by_login(&*cx.db, &org).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)?;
    if accounts::member_role(&*cx.db, o.id, me.id).await?.is_none() {
        return Err(GhError::NotFound);
    }
    create_in(&cx, &o, &body).await
}

pub async fn get(cx: Cx, path: RepoPath) -> Handler {
    super::cache::read_through(cx, |cx| get_fresh(cx, path)).await
}

async fn get_fresh(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, p) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut v = objects::repo(&cx.base, &r, Some(p));
    crate::model::repos::with_open_issues(&*cx.db, std::slice::from_mut(&mut v)).await?;
    super::forks::decorate(&cx, &r, &mut v).await?;
    Ok(ok(v))
}

pub async fn update(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (mut r, p) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let v = json_value(&body).await?;
    if let Some(name) = str_field(&v, "name", "Repository")? {
        if !model::valid_name(&name) {
            return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name is invalid")]));
        }
        if !name.eq_ignore_ascii_case(&r.name) && repos::by_name(&*cx.db, &r.owner_login, &name).await?.is_some() {
            return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name already exists on this account")]));
        }
        r.name = name;
    }
    if let Some(d) = str_field(&v, "description", "Repository")? {
        r.description = Some(d);
    }
    if let Some(h) = str_field(&v, "homepage", "Repository")? {
        r.homepage = Some(h);
    }
    if let Some(b) = bool_field(&v, "private")? {
        r.private = b;
    }
    if let Some(vis) = str_field(&v, "visibility", "Repository")? {
        r.private = vis != "public";
    }
    if let Some(b) = str_field(&v, "default_branch", "Repository")? {
        if crate::store::git::get_ref(&*cx.db, r.id, &format!("refs/heads/{b}")).await?.is_none() {
            return Err(GhError::Validation(vec![FieldError::custom(
                "Repository",
                "default_branch",
                format!("The branch {b} was not found. Please push that ref first or create it via the Git Data API."),
            )]));
        }
        r.default_branch = b;
    }
    for (k, f) in [
        ("has_issues", &mut r.has_issues),
        ("has_projects", &mut r.has_projects),
        ("has_wiki", &mut r.has_wiki),
        ("archived", &mut r.archived),
        ("allow_merge_commit", &mut r.allow_merge_commit),
        ("allow_squash_merge", &mut r.allow_squash_merge),
        ("allow_rebase_merge", &mut r.allow_rebase_merge),
        ("delete_branch_on_merge", &mut r.delete_branch_on_merge),
    ] {
        if let Some(b) = bool_field(&v, k)? {
            *f = b;
        }
    }
    r.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::update(&mut *tx, &r).await?;
    tx.commit().await?;
    Ok(ok(objects::repo(&cx.base, &r, Some(p))))
}

pub async fn delete(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::delete(&mut tx, r.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn topics(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    Ok(ok(json!({ "names": r.topic_list() })))
}

pub async fn set_topics(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (mut r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let v = json_value(&body).await?;
    let names = v.get("names").and_then(|n| n.as_array()).ok_or_else(|| GhError::missing("Repository", "names"))?;
    let mut topics = Vec::new();
    for n in names {
        let t = n.as_str().unwrap_or("").to_ascii_lowercase();
        let valid = !t.is_empty() && t.len() <= 50 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && !t.starts_with('-');
        if !valid {
            return Err(GhError::Validation(vec![FieldError::custom("Repository", "topics", format!("{t} is not a valid topic"))]));
        }
        if !topics.contains(&t) {
            topics.push(t);
        }
    }
    r.topics = serde_json::to_string(&topics).unwrap_or_else(|_| "[]".into());
    r.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::update(&mut *tx, &r).await?;
    tx.commit().await?;
    Ok(ok(json!({ "names": topics })))
}

pub async fn collaborators(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let mut conn = cx.db.acquire().await?;
    let people = crate::model::issues::assignable(&mut conn, &r).await?;
    drop(conn);
    let mut items = Vec::new();
    for a in &people {
        let caller = access::Caller { user: Some(a.clone()), ..Default::default() };
        let p = access::permission(&cx.db, &caller, &r).await?;
        let mut v = objects::user_ref(&cx.base, a);
        v["permissions"] = json!({ "admin": p >= Perm::Admin, "maintain": p >= Perm::Maintain, "push": p >= Perm::Write, "triage": p >= Perm::Triage, "pull": p >= Perm::Read });
        v["role_name"] = Value::from(p.name());
        items.push(v);
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn is_collaborator(cx: Cx, Path((owner, repo, user)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Read).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    // A collaborator is whoever reaches the repository beyond the public's read:
    // its owner, org owners, org members through the base permission, direct and
    // team collaborators.
    let org = if r.owner_kind == "Organization" { r.owner_id } else { -1 };
    let standing = repos::standing_of(&*cx.db, org, r.id, u.id).await?;
    if r.owner_id == u.id || standing.iter().any(|s| access::standing_perm(s) > Perm::None) {
        Ok(no_content())
    } else {
        Err(GhError::NotFound)
    }
}

pub async fn add_collaborator(cx: Cx, Path((owner, repo, user)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.filter(|a| a.kind == "User").ok_or(GhError::NotFound)?;
    let v = json_value(&body).await?;
    let perm = str_field(&v, "permission", "Repository")?.unwrap_or_else(|| "push".into());
    if Perm::parse(&perm) == Perm::None {
        return Err(GhError::invalid("Repository", "permission"));
    }
    if r.owner_kind == "User" {
        // A user-owned repository invites the collaborator (`201`, or `204` when they already are one).
        return super::invitations::invite(&cx, &r, &u, &perm).await;
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::set_collaborator(&mut tx, r.id, u.id, &perm).await?;
    tx.commit().await?;
    // An organization's repository adds the collaborator at once.
    Ok(no_content())
}

pub async fn remove_collaborator(cx: Cx, Path((owner, repo, user)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::remove_collaborator(&mut *tx, r.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn collaborator_permission(cx: Cx, Path((owner, repo, user)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Read).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let caller = access::Caller { user: Some(u.clone()), ..Default::default() };
    let p = access::permission(&cx.db, &caller, &r).await?;
    let legacy = match p {
        Perm::Admin => "admin",
        Perm::Maintain | Perm::Write => "write",
        Perm::Triage | Perm::Read => "read",
        Perm::None => "none",
    };
    let mut uv = objects::user_ref(&cx.base, &u);
    uv["permissions"] = json!({ "admin": p >= Perm::Admin, "maintain": p >= Perm::Maintain, "push": p >= Perm::Write, "triage": p >= Perm::Triage, "pull": p >= Perm::Read });
    Ok(ok(json!({ "permission": legacy, "role_name": p.name(), "user": uv })))
}

/// `POST /repos/{o}/{r}/transfer`: 202 with the repository under its new owner.
pub async fn transfer(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let req = crate::model::transfer::parse(&v)?;
    let moved = crate::model::transfer::transfer(&cx.db, &r, &me, &req, now()).await?;
    let p = access::permission(&cx.db, &cx.caller, &moved).await?;
    Ok((axum::http::StatusCode::ACCEPTED, axum::Json(objects::repo(&cx.base, &moved, Some(p)))).into_response())
}
