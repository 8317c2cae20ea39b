//! Forks: `POST /repos/{owner}/{repo}/forks` makes a repository that shares the
//! parent's git objects and branches (`fork: true`, `parent`, `source`);
//! `GET …/forks` lists them. Pull requests from a fork are in `pulls.rs`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::Value;

use super::{Cx, Handler, RepoPath};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::repos::{self as model, bool_field, str_field};
use crate::objects;
use crate::store::repos::{self, RepoRow};
use crate::store::{accounts, git as gstore};
use crate::wire::{Listing, json_value, now};

/// Adds `parent`, `source` and the fork counts to a full repository object.
pub async fn decorate(cx: &Cx, r: &RepoRow, v: &mut Value) -> GhResult<()> {
    let forks = repos::forks_of(&*cx.db, r.id).await?.len() as i64;
    v["forks_count"] = forks.into();
    v["forks"] = forks.into();
    if let Some(pid) = r.parent_id
        && let Some(parent) = repos::by_id(&*cx.db, pid).await?
    {
        let parent_json = objects::repo(&cx.base, &parent, None);
        let source = match r.source_id {
            Some(sid) if sid != pid => repos::by_id(&*cx.db, sid).await?.unwrap_or(parent),
            _ => parent,
        };
        let mut embedded = [parent_json, objects::repo(&cx.base, &source, None)];
        model::with_open_issues(&*cx.db, &mut embedded).await?;
        let [parent_json, source_json] = embedded;
        v["parent"] = parent_json;
        v["source"] = source_json;
    }
    Ok(())
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let me = cx.caller.require()?.clone();
    let v = if body.iter().all(|b| b.is_ascii_whitespace()) { Value::Object(Default::default()) } else { json_value(&body).await? };
    let new_owner = match str_field(&v, "organization", "Fork")? {
        Some(org) => {
            let o = accounts::by_login(&*cx.db, &org).await?.filter(|a| a.kind == "Organization").ok_or_else(|| {
                GhError::Validation(vec![FieldError::custom("Fork", "organization", format!("{org} is not a valid organization"))])
            })?;
            if accounts::member_role(&*cx.db, o.id, me.id).await?.is_none() {
                return Err(GhError::Forbidden("You must be a member of the organization to fork into it.".into()));
            }
            o
        }
        None => me.clone(),
    };
    let name = str_field(&v, "name", "Fork")?.unwrap_or_else(|| r.name.clone());
    let default_only = bool_field(&v, "default_branch_only")?.unwrap_or(false);
    let root = r.source_id.unwrap_or(r.id);
    if new_owner.id == r.owner_id {
        return Err(GhError::Validation(vec![FieldError::custom("Fork", "owner", "A repository cannot be forked into its own owner.")]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    // Forking again answers the fork that exists, as GitHub does.
    if let Some(existing) = repos::in_network_of(&mut *tx, root, &new_owner.login).await?.into_iter().find(|f| f.id != root) {
        tx.commit().await?;
        let mut out = objects::repo(&cx.base, &existing, Some(Perm::Admin));
        decorate(&cx, &existing, &mut out).await?;
        return Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response());
    }
    if !model::valid_name(&name) {
        return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name is invalid")]));
    }
    if repos::by_name(&mut *tx, &new_owner.login, &name).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name already exists on this account")]));
    }
    let at = now();
    let f = RepoRow {
        id: crate::store::next_id(&mut tx).await?,
        owner_id: new_owner.id,
        owner_login: new_owner.login.clone(),
        owner_kind: new_owner.kind.clone(),
        name,
        description: r.description.clone(),
        homepage: r.homepage.clone(),
        private: r.private,
        default_branch: r.default_branch.clone(),
        // GitHub turns issues off on a new fork.
        has_issues: false,
        has_projects: r.has_projects,
        has_wiki: r.has_wiki,
        archived: false,
        topics: "[]".into(),
        allow_merge_commit: true,
        allow_squash_merge: true,
        allow_rebase_merge: true,
        delete_branch_on_merge: false,
        created_at: at,
        updated_at: at,
        pushed_at: r.pushed_at,
        parent_id: Some(r.id),
        source_id: Some(root),
    };
    repos::insert(&mut *tx, &f).await?;
    repos::share_objects(&mut *tx, r.id, f.id).await?;
    for (reff, sha) in gstore::refs(&mut *tx, r.id, "refs/").await? {
        let keep = if default_only {
            reff == format!("refs/heads/{}", r.default_branch)
        } else {
            reff.starts_with("refs/heads/") || reff.starts_with("refs/tags/")
        };
        if keep {
            gstore::create_ref(&mut *tx, f.id, &reff, &sha).await?;
        }
    }
    tx.commit().await?;
    let mut out = objects::repo(&cx.base, &f, Some(Perm::Admin));
    decorate(&cx, &f, &mut out).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(out)).into_response())
}

pub async fn list(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = repos::forks_of(&*cx.db, r.id).await?;
    let mut rows = model::visible_of(&cx.db, &cx.caller, rows).await?;
    match cx.query.get("sort").unwrap_or("newest") {
        "newest" => rows.sort_by_key(|(f, _)| std::cmp::Reverse((f.created_at, f.id))),
        "oldest" => rows.sort_by_key(|(f, _)| (f.created_at, f.id)),
        "stargazers" | "watchers" => {}
        _ => return Err(GhError::invalid("Repository", "sort")),
    }
    let page = cx.query.page()?;
    let mut items: Vec<Value> = page.slice(&rows).iter().map(|(f, p)| objects::repo(&cx.base, f, Some(*p))).collect();
    model::with_open_issues(&*cx.db, &mut items).await?;
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}
