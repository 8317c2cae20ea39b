//! The Checks API: check runs (create, update, get, list for a ref or a suite,
//! annotations, rerequest) and check suites (create, get, list for a ref,
//! rerequest, auto-trigger preferences), with the `check_run` and `check_suite`
//! webhook events. The rules live in `model::checks`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::{Cx, Handler, RepoPath, created, json as ok};
use crate::errors::{GhError, GhResult};
use crate::git;
use crate::model::access::{self, Perm};
use crate::model::checks::{self as model, APP_ID, SuiteFacts};
use crate::model::{gitdb, hooks};
use crate::store::accounts::AccountRow;
use crate::store::checks::{self as store, AnnotationRow, RunRow, SuiteRow};
use crate::store::repos::RepoRow;
use crate::wire::{Page, json_value, link_header, now};

type IdPath = Path<(String, String, String)>;

fn id_of(s: &str) -> GhResult<i64> {
    s.parse().map_err(|_| GhError::NotFound)
}

async fn suite_facts(conn: &mut AnyConnection, base: &str, r: &RepoRow, s: &SuiteRow) -> GhResult<SuiteFacts> {
    let runs = store::runs_of_suite(&mut *conn, s.id).await?;
    let c = gitdb::commit(conn, r.id, &s.head_sha).await?;
    let head_commit = match &c {
        Some(c) => json!({
            "id": s.head_sha, "tree_id": c.tree, "message": c.message, "timestamp": crate::wire::iso(c.committer.date),
            "author": { "name": c.author.name, "email": c.author.email },
            "committer": { "name": c.committer.name, "email": c.committer.email },
        }),
        None => Value::Null,
    };
    let pulls = store::open_pulls_at(&mut *conn, r.id, &s.head_sha).await?;
    Ok(SuiteFacts {
        latest_runs: model::latest(runs).len() as i64,
        before: c.and_then(|c| c.parents.first().cloned()),
        head_commit,
        pulls: model::pulls_json(base, r, &s.head_sha, &pulls),
    })
}

async fn render_suite(conn: &mut AnyConnection, base: &str, r: &RepoRow, s: &SuiteRow) -> GhResult<Value> {
    let facts = suite_facts(conn, base, r, s).await?;
    Ok(model::suite_json(base, r, s, facts))
}

async fn render_run(conn: &mut AnyConnection, base: &str, r: &RepoRow, run: &RunRow) -> GhResult<Value> {
    let count = store::annotation_count(&mut *conn, run.id).await?;
    let pulls = store::open_pulls_at(&mut *conn, r.id, &run.head_sha).await?;
    Ok(model::run_json(base, r, run, count, model::pulls_json(base, r, &run.head_sha, &pulls)))
}

/// The branch a suite reports: the default branch or another branch whose tip is `sha`.
async fn branch_at(conn: &mut AnyConnection, r: &RepoRow, sha: &str) -> GhResult<Option<String>> {
    let tips = crate::store::git::refs(&mut *conn, r.id, "refs/heads/").await?;
    let mut at: Vec<String> =
        tips.into_iter().filter(|(_, s)| s == sha).map(|(n, _)| n.trim_start_matches("refs/heads/").to_string()).collect();
    at.sort_by_key(|n| *n != r.default_branch);
    Ok(at.into_iter().next())
}

/// The suite of `sha` for the clone's app, created (queued) if missing.
async fn suite_of(conn: &mut AnyConnection, r: &RepoRow, sha: &str, at: i64) -> GhResult<(SuiteRow, bool)> {
    if let Some(s) = store::suite_for(&mut *conn, r.id, APP_ID, sha).await? {
        return Ok((s, false));
    }
    let s = SuiteRow {
        id: crate::store::next_id(conn).await?,
        repo_id: r.id,
        app_id: APP_ID,
        head_sha: sha.to_string(),
        head_branch: branch_at(conn, r, sha).await?,
        status: "queued".into(),
        conclusion: None,
        created_at: at,
        updated_at: at,
    };
    store::insert_suite(&mut *conn, &s).await?;
    Ok((s, true))
}

/// Recomputes a suite's state from its runs; returns the suite and whether it just completed.
async fn roll_up(conn: &mut AnyConnection, s: &SuiteRow, at: i64) -> GhResult<(SuiteRow, bool)> {
    let runs = store::runs_of_suite(&mut *conn, s.id).await?;
    let (status, conclusion) = model::rollup(&runs);
    let completed_now = status == "completed" && (s.status != "completed" || s.conclusion != conclusion);
    if status != s.status || conclusion != s.conclusion {
        store::set_suite_state(&mut *conn, s.id, &status, conclusion.as_deref(), at).await?;
        return Ok((SuiteRow { status, conclusion, updated_at: at, ..s.clone() }, completed_now));
    }
    Ok((s.clone(), false))
}

async fn store_annotations(conn: &mut AnyConnection, run: i64, list: Vec<model::NewAnnotation>) -> GhResult<()> {
    for a in list {
        let row = AnnotationRow {
            id: crate::store::next_id(conn).await?,
            run_id: run,
            path: a.path,
            start_line: a.start_line,
            end_line: a.end_line,
            start_column: a.start_column,
            end_column: a.end_column,
            annotation_level: a.level,
            message: a.message,
            title: a.title,
            raw_details: a.raw_details,
        };
        store::insert_annotation(&mut *conn, &row).await?;
    }
    Ok(())
}

async fn emit_run(cx: &Cx, r: &RepoRow, me: &AccountRow, action: &str, run: &RunRow) -> GhResult<()> {
    if !hooks::any_for(&cx.db, r).await? {
        return Ok(());
    }
    let mut conn = cx.db.acquire().await?;
    let mut v = render_run(&mut conn, &cx.base, r, run).await?;
    if let Some(s) = store::suite(&mut *conn, r.id, run.suite_id).await? {
        let mut suite = render_suite(&mut conn, &cx.base, r, &s).await?;
        if let Some(o) = suite.as_object_mut() {
            o.remove("repository");
        }
        v["check_suite"] = suite;
    }
    drop(conn);
    hooks::emit(&cx.ctx, &cx.db, &cx.base, r, me, "check_run", json!({ "action": action, "check_run": v })).await
}

async fn emit_suite(cx: &Cx, r: &RepoRow, me: &AccountRow, action: &str, s: &SuiteRow) -> GhResult<()> {
    if !hooks::any_for(&cx.db, r).await? {
        return Ok(());
    }
    let mut conn = cx.db.acquire().await?;
    let mut v = render_suite(&mut conn, &cx.base, r, s).await?;
    drop(conn);
    if let Some(o) = v.as_object_mut() {
        o.remove("repository");
    }
    hooks::emit(&cx.ctx, &cx.db, &cx.base, r, me, "check_suite", json!({ "action": action, "check_suite": v })).await
}

pub async fn create_run(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let head_sha = match v.get("head_sha") {
        None | Some(Value::Null) => return Err(model::invalid("\"head_sha\" wasn't supplied.")),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(model::invalid(format!("For 'properties/head_sha', {other} is not a string."))),
    };
    let at = now();
    let mut run = RunRow {
        id: 0,
        repo_id: r.id,
        suite_id: 0,
        name: String::new(),
        head_sha: head_sha.clone(),
        external_id: None,
        details_url: None,
        status: "queued".into(),
        conclusion: None,
        started_at: None,
        completed_at: None,
        output_title: None,
        output_summary: None,
        output_text: None,
        output_images: "[]".into(),
        actions: "[]".into(),
        created_at: at,
        updated_at: at,
    };
    let annotations = model::apply(&mut run, &v, true, at)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if !git::is_sha(&head_sha) || gitdb::commit(&mut tx, r.id, &head_sha).await?.is_none() {
        return Err(GhError::Unprocessable(format!("No commit found for SHA: {head_sha}")));
    }
    let (suite, _) = suite_of(&mut tx, &r, &head_sha, at).await?;
    run.id = crate::store::next_id(&mut tx).await?;
    run.suite_id = suite.id;
    store::insert_run(&mut *tx, &run).await?;
    store_annotations(&mut tx, run.id, annotations).await?;
    let (suite, completed) = roll_up(&mut tx, &suite, at).await?;
    tx.commit().await?;
    emit_run(&cx, &r, &me, "created", &run).await?;
    if completed {
        emit_suite(&cx, &r, &me, "completed", &suite).await?;
    }
    let mut conn = cx.db.acquire().await?;
    Ok(created(render_run(&mut conn, &cx.base, &r, &run).await?))
}

async fn find_run(cx: &Cx, r: &RepoRow, id: &str) -> GhResult<RunRow> {
    store::run(&*cx.db, r.id, id_of(id)?).await?.ok_or(GhError::NotFound)
}

pub async fn get_run(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let run = find_run(&cx, &r, &id).await?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_run(&mut conn, &cx.base, &r, &run).await?))
}

pub async fn update_run(cx: Cx, Path((owner, repo, id)): IdPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut run = store::run(&mut *tx, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    let was_completed = run.status == "completed";
    let annotations = model::apply(&mut run, &v, false, at)?;
    run.updated_at = at;
    store::update_run(&mut *tx, &run).await?;
    store_annotations(&mut tx, run.id, annotations).await?;
    let suite = store::suite(&mut *tx, r.id, run.suite_id).await?.ok_or(GhError::NotFound)?;
    let (suite, suite_completed) = roll_up(&mut tx, &suite, at).await?;
    tx.commit().await?;
    if run.status == "completed" && !was_completed {
        emit_run(&cx, &r, &me, "completed", &run).await?;
    }
    if suite_completed {
        emit_suite(&cx, &r, &me, "completed", &suite).await?;
    }
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_run(&mut conn, &cx.base, &r, &run).await?))
}

pub async fn annotations(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let run = find_run(&cx, &r, &id).await?;
    let rows = store::annotations_of(&*cx.db, run.id).await?;
    let items: Vec<Value> = rows.iter().map(|a| model::annotation_json(&cx.base, &r, &run.head_sha, a)).collect();
    Ok(crate::wire::Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// Rerequesting a run resets its suite to `queued` and sends `check_run`
/// `rerequested`; the run itself is unchanged until the app updates it.
pub async fn rerequest_run(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let run = find_run(&cx, &r, &id).await?;
    if run.status != "completed" {
        return Err(GhError::Unprocessable("This check run is not rerequestable".into()));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::set_suite_state(&mut *tx, run.suite_id, "queued", None, now()).await?;
    tx.commit().await?;
    emit_run(&cx, &r, &me, "rerequested", &run).await?;
    Ok(created(json!({})))
}

fn status_filter(cx: &Cx) -> GhResult<Option<String>> {
    match cx.query.get("status") {
        None | Some("") => Ok(None),
        Some(s) if ["queued", "in_progress", "completed"].contains(&s) => Ok(Some(s.to_string())),
        Some(_) => Err(GhError::invalid("CheckRun", "status")),
    }
}

fn app_filter(cx: &Cx) -> GhResult<Option<i64>> {
    cx.query
        .get("app_id")
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| GhError::invalid("CheckRun", "app_id")))
        .transpose()
}

/// `check_name`, `status`, `filter` (`latest`, the default, or `all`) and `app_id`.
async fn filtered_runs(cx: &Cx, rows: Vec<RunRow>) -> GhResult<Vec<RunRow>> {
    let status = status_filter(cx)?;
    let app = app_filter(cx)?;
    let rows = match cx.query.get("filter").unwrap_or("latest") {
        "latest" | "" => model::latest(rows),
        "all" => rows,
        _ => return Err(GhError::invalid("CheckRun", "filter")),
    };
    let name = cx.query.get("check_name");
    Ok(rows
        .into_iter()
        .filter(|x| name.is_none_or(|n| x.name == n))
        .filter(|x| status.as_deref().is_none_or(|s| x.status == s))
        .filter(|_| app.is_none_or(|a| a == APP_ID))
        .collect())
}

async fn resolve_ref(conn: &mut AnyConnection, r: &RepoRow, reff: &str) -> GhResult<String> {
    gitdb::resolve(conn, r.id, reff).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {reff}")))
}

pub async fn runs_for_ref(cx: Cx, Path((owner, repo, reff)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let sha = resolve_ref(&mut conn, &r, &reff).await?;
    let rows = store::runs_of_sha(&mut *conn, r.id, &sha).await?;
    let rows = filtered_runs(&cx, rows).await?;
    let mut items = Vec::new();
    for run in page.slice(&rows) {
        items.push(render_run(&mut conn, &cx.base, &r, &run).await?);
    }
    Ok(wrapped_page(&cx, "check_runs", items, rows.len() as i64, page))
}

/// `{total_count, <key>: [...]}` for a page cut from `total` items, with GitHub's `Link` header.
fn wrapped_page(cx: &Cx, key: &str, items: Vec<Value>, total: i64, page: Page) -> Response {
    let link = link_header(&cx.url(), total, page);
    let mut body = json!({ "total_count": total });
    body[key] = Value::Array(items);
    let mut resp = axum::Json(body).into_response();
    if let Some(l) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LINK, l);
    }
    resp
}

pub async fn runs_of_suite(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let page = cx.query.page()?;
    let suite = store::suite(&*cx.db, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    let rows = store::runs_of_suite(&mut *conn, suite.id).await?;
    let rows = filtered_runs(&cx, rows).await?;
    let mut items = Vec::new();
    for run in page.slice(&rows) {
        items.push(render_run(&mut conn, &cx.base, &r, &run).await?);
    }
    Ok(wrapped_page(&cx, "check_runs", items, rows.len() as i64, page))
}

pub async fn create_suite(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let head_sha = match v.get("head_sha") {
        None | Some(Value::Null) => return Err(model::invalid("\"head_sha\" wasn't supplied.")),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(model::invalid(format!("For 'properties/head_sha', {other} is not a string."))),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if !git::is_sha(&head_sha) || gitdb::commit(&mut tx, r.id, &head_sha).await?.is_none() {
        return Err(GhError::Unprocessable(format!("No commit found for SHA: {head_sha}")));
    }
    let (suite, is_new) = suite_of(&mut tx, &r, &head_sha, now()).await?;
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    let v = render_suite(&mut conn, &cx.base, &r, &suite).await?;
    Ok(if is_new { created(v) } else { ok(v) })
}

pub async fn get_suite(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let suite = store::suite(&*cx.db, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render_suite(&mut conn, &cx.base, &r, &suite).await?))
}

pub async fn suites_for_ref(cx: Cx, Path((owner, repo, reff)): IdPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let page = cx.query.page()?;
    let app = app_filter(&cx)?;
    let name = cx.query.get("check_name").map(String::from);
    let mut conn = cx.db.acquire().await?;
    let sha = resolve_ref(&mut conn, &r, &reff).await?;
    let mut kept = Vec::new();
    for s in store::suites_of_sha(&mut *conn, r.id, &sha).await? {
        if app.is_some_and(|a| a != s.app_id) {
            continue;
        }
        if let Some(n) = &name
            && !store::runs_of_suite(&mut *conn, s.id).await?.iter().any(|x| &x.name == n)
        {
            continue;
        }
        kept.push(s);
    }
    let mut items = Vec::new();
    for s in page.slice(&kept) {
        items.push(render_suite(&mut conn, &cx.base, &r, &s).await?);
    }
    Ok(wrapped_page(&cx, "check_suites", items, kept.len() as i64, page))
}

/// Rerequesting a suite resets it to `queued` and sends `check_suite` `rerequested`.
pub async fn rerequest_suite(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let suite = store::suite(&*cx.db, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::set_suite_state(&mut *tx, suite.id, "queued", None, at).await?;
    tx.commit().await?;
    let suite = SuiteRow { status: "queued".into(), conclusion: None, updated_at: at, ..suite };
    emit_suite(&cx, &r, &me, "rerequested", &suite).await?;
    Ok(created(json!({})))
}

fn prefs_json(cx: &Cx, r: &RepoRow, prefs: &[(i64, i64)]) -> Value {
    json!({
        "preferences": { "auto_trigger_checks": prefs.iter().map(|(a, s)| json!({ "app_id": a, "setting": *s != 0 })).collect::<Vec<_>>() },
        "repository": crate::objects::repo(&cx.base, r, None),
    })
}

pub async fn set_preferences(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let v = json_value(&body).await?;
    let list = match v.get("auto_trigger_checks") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(other) => return Err(model::invalid(format!("For 'properties/auto_trigger_checks', {other} is not an array."))),
    };
    let mut parsed = Vec::new();
    for item in &list {
        let app = item.get("app_id").and_then(Value::as_i64).ok_or_else(|| model::invalid("\"app_id\" wasn't supplied."))?;
        let setting = match item.get("setting") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => return Err(model::invalid("\"setting\" wasn't supplied.")),
            Some(other) => return Err(model::invalid(format!("For 'properties/setting', {other} is not a boolean."))),
        };
        parsed.push((app, setting));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    for (app, setting) in parsed {
        store::set_pref(&mut tx, r.id, app, setting).await?;
    }
    let prefs = store::prefs_of(&mut *tx, r.id).await?;
    tx.commit().await?;
    Ok((StatusCode::OK, axum::Json(prefs_json(&cx, &r, &prefs))).into_response())
}

/// After a push to a branch: GitHub creates a check suite for the new head for
/// each app that reports checks on the repository (here: the clone's app, once
/// it has reported any) unless its auto-trigger preference is off, and sends
/// `check_suite` `requested`.
pub(super) async fn pushed(cx: &Cx, r: &RepoRow, me: &AccountRow, sha: &str) -> GhResult<()> {
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let uses_checks: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM check_suites WHERE repo_id = $1 AND app_id = $2")
        .bind(r.id)
        .bind(APP_ID)
        .fetch_one(&mut *tx)
        .await?;
    let off = store::prefs_of(&mut *tx, r.id).await?.iter().any(|(a, s)| *a == APP_ID && *s == 0);
    if uses_checks == 0 || off {
        return Ok(());
    }
    let (suite, is_new) = suite_of(&mut tx, r, sha, now()).await?;
    tx.commit().await?;
    if is_new {
        emit_suite(cx, r, me, "requested", &suite).await?;
    }
    Ok(())
}
