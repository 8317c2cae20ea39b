//! Deployments (create with `auto_merge` and `required_contexts`, list with
//! filters, get, delete when inactive), deployment statuses, the `deployment`
//! and `deployment_status` webhook events, and environments.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{DOCS, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::deployments::{self as model, STATES};
use crate::model::repos::{bool_field, str_field};
use crate::model::{gitdb, hooks};
use crate::objects;
use crate::store::accounts;
use crate::store::deployments::{self as store, DeploymentRow, EnvironmentRow, StatusRow};
use crate::store::repos::RepoRow;
use crate::wire::{Listing, iso, json_value, node_id, now};

type IdPath = Path<(String, String, i64)>;

async fn render(conn: &mut AnyConnection, base: &str, r: &RepoRow, d: &DeploymentRow) -> GhResult<Value> {
    let full = r.full_name();
    let creator = accounts::by_id(&mut *conn, d.creator_id).await?.map(|a| objects::user_ref(base, &a)).unwrap_or(Value::Null);
    let url = format!("{base}/repos/{full}/deployments/{}", d.id);
    Ok(json!({
        "url": url, "id": d.id, "node_id": node_id("Deployment", d.id), "sha": d.sha, "ref": d.ref_name, "task": d.task,
        "payload": serde_json::from_str::<Value>(&d.payload).unwrap_or_else(|_| json!({})),
        "original_environment": d.original_environment, "environment": d.environment, "description": d.description,
        "creator": creator, "created_at": iso(d.created_at), "updated_at": iso(d.updated_at),
        "statuses_url": format!("{url}/statuses"), "repository_url": format!("{base}/repos/{full}"),
        "transient_environment": d.transient_environment, "production_environment": d.production_environment,
        "performed_via_github_app": null,
    }))
}

async fn render_status(conn: &mut AnyConnection, base: &str, r: &RepoRow, s: &StatusRow) -> GhResult<Value> {
    let full = r.full_name();
    let creator = accounts::by_id(&mut *conn, s.creator_id).await?.map(|a| objects::user_ref(base, &a)).unwrap_or(Value::Null);
    let d = format!("{base}/repos/{full}/deployments/{}", s.deployment_id);
    Ok(json!({
        "url": format!("{d}/statuses/{}", s.id), "id": s.id, "node_id": node_id("DeploymentStatus", s.id), "state": s.state,
        "creator": creator, "description": s.description, "environment": s.environment, "target_url": s.target_url,
        "created_at": iso(s.created_at), "updated_at": iso(s.created_at), "deployment_url": d,
        "repository_url": format!("{base}/repos/{full}"), "environment_url": s.environment_url, "log_url": s.log_url,
        "performed_via_github_app": null,
    }))
}

/// The contexts reported on `sha`: the latest commit status per context and the
/// latest check run per name (its conclusion, or `pending` until it completes).
async fn reported_contexts(conn: &mut AnyConnection, r: &RepoRow, sha: &str) -> GhResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in crate::store::statuses::of_sha(&mut *conn, r.id, sha).await? {
        if !out.iter().any(|(c, _)| *c == s.context) {
            out.push((s.context, s.state));
        }
    }
    for run in crate::store::checks::runs_of_sha(&mut *conn, r.id, sha).await? {
        if !out.iter().any(|(c, _)| *c == run.name) {
            // A run still queued or in progress counts as `pending`.
            out.push((run.name, run.conclusion.unwrap_or_else(|| "pending".into())));
        }
    }
    Ok(out)
}

async fn ensure_environment(conn: &mut AnyConnection, r: &RepoRow, name: &str, at: i64) -> GhResult<EnvironmentRow> {
    if let Some(e) = store::environment(&mut *conn, r.id, name).await? {
        return Ok(e);
    }
    let e = EnvironmentRow {
        id: crate::store::next_id(conn).await?,
        repo_id: r.id,
        name: name.to_string(),
        wait_timer: None,
        prevent_self_review: false,
        reviewers: "[]".into(),
        branch_policy: String::new(),
        created_at: at,
        updated_at: at,
    };
    store::insert_environment(&mut *conn, &e).await?;
    Ok(e)
}

fn conflict(message: String, errors: Option<Value>) -> axum::response::Response {
    let docs = format!("{DOCS}/deployments/deployments#create-a-deployment");
    let mut body = json!({ "message": message, "documentation_url": docs, "status": "409" });
    if let Some(e) = errors {
        body["errors"] = e;
    }
    (StatusCode::CONFLICT, axum::Json(body)).into_response()
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let reff = str_field(&v, "ref", "Deployment")?.filter(|s| !s.is_empty()).ok_or_else(|| GhError::missing("Deployment", "ref"))?;
    let task = str_field(&v, "task", "Deployment")?.unwrap_or_else(|| "deploy".into());
    let auto_merge = bool_field(&v, "auto_merge")?.unwrap_or(true);
    let required: Option<Vec<String>> = match v.get("required_contexts") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|c| c.as_str().map(String::from).ok_or_else(|| GhError::invalid("Deployment", "required_contexts")))
                .collect::<GhResult<_>>()?,
        ),
        Some(_) => return Err(GhError::invalid("Deployment", "required_contexts")),
    };
    let payload = model::payload(v.get("payload"))?;
    let environment = str_field(&v, "environment", "Deployment")?.filter(|e| !e.is_empty()).unwrap_or_else(|| "production".into());
    let description = str_field(&v, "description", "Deployment")?;
    let transient = bool_field(&v, "transient_environment")?.unwrap_or(false);
    let production = bool_field(&v, "production_environment")?.unwrap_or(environment == "production");
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let sha = gitdb::resolve(&mut tx, r.id, &reff).await?.ok_or_else(|| GhError::Unprocessable(format!("No ref found for: {reff}")))?;
    // A branch behind the default branch gets the default branch merged in first.
    let is_branch = crate::store::git::get_ref(&mut *tx, r.id, &format!("refs/heads/{reff}")).await?.is_some();
    if auto_merge && is_branch && reff != r.default_branch {
        let default_sha = crate::store::git::get_ref(&mut *tx, r.id, &format!("refs/heads/{}", r.default_branch)).await?;
        if let Some(default_sha) = default_sha {
            let message = format!("Auto-merged {} into {reff} on deployment.", r.default_branch);
            match crate::model::pulls::merge_into(
                &mut tx,
                &r,
                &reff,
                &default_sha,
                &format!("Merge {} into {reff}", r.default_branch),
                &me,
                at,
            )
            .await
            {
                Ok(Some(_)) => {
                    tx.commit().await?;
                    return Ok((StatusCode::ACCEPTED, axum::Json(json!({ "message": message }))).into_response());
                }
                Ok(None) => {}
                Err(GhError::Conflict(_)) => return Ok(conflict(format!("Conflict merging {} into {reff}.", r.default_branch), None)),
                Err(e) => return Err(e),
            }
        }
    }
    let reported = reported_contexts(&mut tx, &r, &sha).await?;
    let (checked, passed) = model::check_contexts(&reported, required.as_deref());
    if !passed {
        let contexts: Vec<Value> = checked.iter().map(|(c, s)| json!({ "context": c, "state": s })).collect();
        let errors = json!([{ "contexts": contexts, "resource": "Deployment", "field": "required_contexts", "code": "invalid" }]);
        return Ok(conflict(format!("Conflict: Commit status checks failed for {reff}."), Some(errors)));
    }
    let d = DeploymentRow {
        id: crate::store::next_id(&mut tx).await?,
        repo_id: r.id,
        sha,
        ref_name: reff,
        task,
        payload,
        original_environment: environment.clone(),
        environment: environment.clone(),
        description,
        creator_id: me.id,
        transient_environment: transient,
        production_environment: production,
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &d).await?;
    ensure_environment(&mut tx, &r, &environment, at).await?;
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    let out = render(&mut conn, &cx.base, &r, &d).await?;
    drop(conn);
    hooks::emit(
        &cx.ctx,
        &cx.db,
        &cx.base,
        &r,
        &me,
        "deployment",
        json!({ "action": "created", "deployment": out, "workflow": null, "workflow_run": null }),
    )
    .await?;
    Ok(created(out))
}

pub async fn list(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut rows = store::of_repo(&*cx.db, r.id).await?;
    for (k, f) in [("sha", 0), ("ref", 1), ("task", 2), ("environment", 3)] {
        if let Some(want) = cx.query.get(k).filter(|s| !s.is_empty()) {
            rows.retain(|d| match f {
                0 => d.sha == want,
                1 => d.ref_name == want,
                2 => d.task == want,
                _ => d.environment == want,
            });
        }
    }
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let mut items = Vec::new();
    for d in page.slice(&rows) {
        items.push(render(&mut conn, &cx.base, &r, &d).await?);
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

async fn find(cx: &Cx, r: &RepoRow, id: i64) -> GhResult<DeploymentRow> {
    store::get(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)
}

pub async fn get(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let d = find(&cx, &r, id).await?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render(&mut conn, &cx.base, &r, &d).await?))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let d = store::get(&mut *tx, r.id, id).await?.ok_or(GhError::NotFound)?;
    let latest = store::statuses_of(&mut *tx, d.id).await?.into_iter().next().map(|s| s.state);
    let all = store::of_repo(&mut *tx, r.id).await?;
    model::deletable(&d, latest.as_deref(), &all)?;
    store::delete(&mut tx, d.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn create_status(cx: Cx, Path((owner, repo, id)): IdPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let state = str_field(&v, "state", "DeploymentStatus")?.ok_or_else(|| GhError::missing("DeploymentStatus", "state"))?;
    if !STATES.contains(&state.as_str()) {
        return Err(GhError::invalid("DeploymentStatus", "state"));
    }
    let description = str_field(&v, "description", "DeploymentStatus")?.unwrap_or_default();
    if description.chars().count() > 140 {
        return Err(GhError::Validation(vec![crate::errors::FieldError::custom(
            "DeploymentStatus",
            "description",
            "description is too long (maximum is 140 characters)",
        )]));
    }
    let log_url = str_field(&v, "log_url", "DeploymentStatus")?;
    let target_url = str_field(&v, "target_url", "DeploymentStatus")?;
    // `log_url` replaces `target_url`; either sets both.
    let url = log_url.or(target_url).unwrap_or_default();
    let environment = str_field(&v, "environment", "DeploymentStatus")?.filter(|e| !e.is_empty());
    let environment_url = str_field(&v, "environment_url", "DeploymentStatus")?.unwrap_or_default();
    let auto_inactive = bool_field(&v, "auto_inactive")?.unwrap_or(true);
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut d = store::get(&mut *tx, r.id, id).await?.ok_or(GhError::NotFound)?;
    if let Some(env) = environment {
        if env != d.environment {
            store::set_environment(&mut *tx, d.id, &env, at).await?;
            ensure_environment(&mut tx, &r, &env, at).await?;
            d.environment = env;
        }
    } else {
        store::touch(&mut *tx, d.id, at).await?;
    }
    d.updated_at = at;
    let s = StatusRow {
        id: crate::store::next_id(&mut tx).await?,
        deployment_id: d.id,
        repo_id: r.id,
        state: state.clone(),
        description,
        environment: d.environment.clone(),
        target_url: url.clone(),
        log_url: url,
        environment_url,
        creator_id: me.id,
        created_at: at,
    };
    store::insert_status(&mut *tx, &s).await?;
    if state == "success" && auto_inactive {
        let all = store::of_repo(&mut *tx, r.id).await?;
        let latest = store::latest_states(&mut *tx, r.id).await?;
        for old in model::superseded(&d, &all, &latest) {
            let inactive = StatusRow {
                id: crate::store::next_id(&mut tx).await?,
                deployment_id: old.id,
                state: "inactive".into(),
                description: String::new(),
                environment: old.environment.clone(),
                target_url: String::new(),
                log_url: String::new(),
                environment_url: String::new(),
                ..s.clone()
            };
            store::insert_status(&mut *tx, &inactive).await?;
        }
    }
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    let out = render_status(&mut conn, &cx.base, &r, &s).await?;
    let dep = render(&mut conn, &cx.base, &r, &d).await?;
    drop(conn);
    let payload = json!({ "action": "created", "deployment_status": out, "deployment": dep, "check_run": null, "workflow": null, "workflow_run": null });
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "deployment_status", payload).await?;
    Ok(created(out))
}

pub async fn list_statuses(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let d = find(&cx, &r, id).await?;
    let rows = store::statuses_of(&*cx.db, d.id).await?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let mut items = Vec::new();
    for s in page.slice(&rows) {
        items.push(render_status(&mut conn, &cx.base, &r, &s).await?);
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn get_status(cx: Cx, Path((owner, repo, id, status_id)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let d = find(&cx, &r, id).await?;
    let s = store::statuses_of(&*cx.db, d.id).await?.into_iter().find(|s| s.id == status_id).ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_status(&mut conn, &cx.base, &r, &s).await?))
}

// ---- environments ----

async fn render_env(conn: &mut AnyConnection, base: &str, r: &RepoRow, e: &EnvironmentRow) -> GhResult<Value> {
    let full = r.full_name();
    let mut rules = Vec::new();
    if let Some(t) = e.wait_timer {
        rules.push(json!({ "id": e.id * 10 + 1, "node_id": node_id("Gate", e.id * 10 + 1), "type": "wait_timer", "wait_timer": t }));
    }
    let reviewers: Vec<(String, i64)> = serde_json::from_str::<Vec<(String, i64)>>(&e.reviewers).unwrap_or_default();
    if !reviewers.is_empty() {
        let mut list = Vec::new();
        for (ty, id) in &reviewers {
            let reviewer = if ty == "Team" {
                match crate::store::teams::by_id(&mut *conn, *id).await? {
                    Some(t) => match accounts::by_id(&mut *conn, t.org_id).await? {
                        Some(org) => crate::model::teams::simple(base, &org, &t),
                        None => Value::Null,
                    },
                    None => Value::Null,
                }
            } else {
                accounts::by_id(&mut *conn, *id).await?.map(|a| objects::user_ref(base, &a)).unwrap_or(Value::Null)
            };
            list.push(json!({ "type": ty, "reviewer": reviewer }));
        }
        rules.push(json!({
            "id": e.id * 10 + 2, "node_id": node_id("Gate", e.id * 10 + 2), "prevent_self_review": e.prevent_self_review,
            "type": "required_reviewers", "reviewers": list,
        }));
    }
    let policy: Value =
        if e.branch_policy.is_empty() { Value::Null } else { serde_json::from_str(&e.branch_policy).unwrap_or(Value::Null) };
    if !policy.is_null() {
        rules.push(json!({ "id": e.id * 10 + 3, "node_id": node_id("Gate", e.id * 10 + 3), "type": "branch_policy" }));
    }
    Ok(json!({
        "id": e.id, "node_id": node_id("Environment", e.id), "name": e.name,
        "url": format!("{base}/repos/{full}/environments/{}", objects::encode_segment(&e.name)),
        "html_url": format!("{base}/{full}/deployments/activity_log?environments_filter={}", objects::encode_segment(&e.name)),
        "created_at": iso(e.created_at), "updated_at": iso(e.updated_at),
        "protection_rules": rules, "deployment_branch_policy": policy,
    }))
}

pub async fn list_envs(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows = store::environments_of(&*cx.db, r.id).await?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let mut items = Vec::new();
    for e in page.slice(&rows) {
        items.push(render_env(&mut conn, &cx.base, &r, &e).await?);
    }
    let mut resp = ok(json!({ "total_count": rows.len(), "environments": items }));
    if let Some(l) = crate::wire::link_header(&cx.url(), rows.len() as i64, page).and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(axum::http::header::LINK, l);
    }
    Ok(resp)
}

pub async fn get_env(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let e = store::environment(&*cx.db, r.id, &name).await?.ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_env(&mut conn, &cx.base, &r, &e).await?))
}

pub async fn put_env(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    if name.is_empty() || name.chars().count() > 255 {
        return Err(GhError::invalid("Environment", "name"));
    }
    let v = json_value(&body).await?;
    let input = model::env_input(&v)?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if let Some(list) = &input.reviewers {
        for (ty, id) in list {
            let known = if ty == "Team" {
                crate::store::teams::by_id(&mut *tx, *id).await?.is_some_and(|t| t.org_id == r.owner_id)
            } else {
                accounts::by_id(&mut *tx, *id).await?.is_some_and(|a| a.kind == "User")
            };
            if !known {
                return Err(GhError::Validation(vec![crate::errors::FieldError::custom(
                    "Environment",
                    "reviewers",
                    format!("{ty} {id} could not be found"),
                )]));
            }
        }
    }
    let mut e = ensure_environment(&mut tx, &r, &name, at).await?;
    if let Some(t) = input.wait_timer {
        e.wait_timer = t.filter(|t| *t > 0);
    }
    if let Some(p) = input.prevent_self_review {
        e.prevent_self_review = p;
    }
    if let Some(list) = input.reviewers {
        e.reviewers = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    }
    if let Some(p) = input.branch_policy {
        e.branch_policy = p;
    }
    e.updated_at = at;
    store::update_environment(&mut *tx, &e).await?;
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_env(&mut conn, &cx.base, &r, &e).await?))
}

pub async fn delete_env(cx: Cx, Path((owner, repo, name)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let e = store::environment(&*cx.db, r.id, &name).await?.ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_environment(&mut *tx, e.id).await?;
    tx.commit().await?;
    Ok(no_content())
}
