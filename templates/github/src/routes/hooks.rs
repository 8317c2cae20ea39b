//! Repository webhooks: CRUD, ping, test push, deliveries and redelivery.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::hooks as model;
use crate::objects;
use crate::store::hooks::{self as store, HookRow};
use crate::store::repos::RepoRow;
use crate::store::{self as st};
use crate::wire::{Listing, json_value, now};

type HookPath = Path<(String, String, i64)>;

fn events_of(v: &Value) -> GhResult<Option<Vec<String>>> {
    match v.get("events") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|e| e.as_str().map(String::from).ok_or_else(|| GhError::invalid("Hook", "events")))
            .collect::<GhResult<_>>()
            .map(Some),
        Some(_) => Err(GhError::invalid("Hook", "events")),
    }
}

fn config_of(v: &Value, current: Option<Value>) -> GhResult<Value> {
    let mut cfg = current.unwrap_or_else(|| json!({ "content_type": "form", "insecure_ssl": "0" }));
    if let Some(c) = v.get("config") {
        let obj = c.as_object().ok_or_else(|| GhError::invalid("Hook", "config"))?;
        for (k, val) in obj {
            cfg[k] = val.clone();
        }
    }
    let url = cfg["url"].as_str().unwrap_or("");
    if url.is_empty() {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "url", "url cannot be blank")]));
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(GhError::Validation(vec![FieldError::custom(
            "Hook",
            "url",
            "url is not supported because it isn't reachable over the public Internet",
        )]));
    }
    if let Some(ct) = cfg["content_type"].as_str()
        && ct != "json"
        && ct != "form"
    {
        return Err(GhError::invalid("Hook", "content_type"));
    }
    Ok(cfg)
}

async fn render(cx: &Cx, r: &RepoRow, h: &HookRow) -> GhResult<Value> {
    let last = store::deliveries_of(&*cx.db, h.id).await?.into_iter().next();
    let last = match last {
        Some(d) => {
            json!({ "code": d.status_code, "status": if (200..300).contains(&d.status_code) { "active" } else { "failed" }, "message": d.status })
        }
        None => json!({ "code": null, "status": "unused", "message": null }),
    };
    Ok(objects::hook(&cx.base, &r.full_name(), h, last))
}

async fn hook_of(cx: &Cx, r: &RepoRow, id: i64) -> GhResult<HookRow> {
    store::get(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)
}

pub async fn list(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut items = Vec::new();
    for h in store::of_repo(&*cx.db, r.id).await? {
        items.push(render(&cx, &r, &h).await?);
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    if let Some(n) = v.get("name").and_then(|n| n.as_str())
        && n != "web"
    {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "name", format!("{n} is not a valid hook name"))]));
    }
    let cfg = config_of(&v, None)?;
    let events = events_of(&v)?.unwrap_or_else(|| vec!["push".into()]);
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let existing = store::of_repo(&mut *tx, r.id).await?;
    if existing.iter().any(|h| {
        serde_json::from_str::<Value>(&h.config).ok().and_then(|c| c["url"].as_str().map(String::from)).as_deref() == cfg["url"].as_str()
    }) {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "", "Hook already exists on this repository")]));
    }
    let h = HookRow {
        id: st::next_id(&mut tx).await?,
        repo_id: r.id,
        active: crate::model::repos::bool_field(&v, "active")?.unwrap_or(true),
        events: serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()),
        config: cfg.to_string(),
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &h).await?;
    tx.commit().await?;
    // GitHub pings a new hook at once.
    let hook_json = objects::hook(&cx.base, &r.full_name(), &h, json!({ "code": null, "status": "unused", "message": null }));
    ping_payload(&cx, &r, &me, &h, hook_json.clone()).await?;
    Ok(created(hook_json))
}

async fn ping_payload(cx: &Cx, r: &RepoRow, me: &crate::store::accounts::AccountRow, h: &HookRow, hook_json: Value) -> GhResult<()> {
    const ZEN: &str = "Keep it logically awesome.";
    let mut payload = json!({ "zen": ZEN, "hook_id": h.id, "hook": hook_json });
    payload["repository"] = objects::repo(&cx.base, r, None);
    payload["sender"] = objects::user_ref(&cx.base, me);
    model::spawn_delivery(cx.ctx.clone(), h.clone(), "ping".into(), payload, false);
    Ok(())
}

pub async fn get(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let h = hook_of(&cx, &r, id).await?;
    Ok(ok(render(&cx, &r, &h).await?))
}

pub async fn update(cx: Cx, Path((owner, repo, id)): HookPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut h = hook_of(&cx, &r, id).await?;
    let v = json_value(&body).await?;
    h.config = config_of(&v, serde_json::from_str(&h.config).ok())?.to_string();
    if let Some(e) = events_of(&v)? {
        h.events = serde_json::to_string(&e).unwrap_or_default();
    }
    let mut events: Vec<String> = serde_json::from_str(&h.events).unwrap_or_default();
    if let Some(add) = v.get("add_events").and_then(|a| a.as_array()) {
        for e in add.iter().filter_map(|e| e.as_str()) {
            if !events.iter().any(|x| x == e) {
                events.push(e.to_string());
            }
        }
    }
    if let Some(rm) = v.get("remove_events").and_then(|a| a.as_array()) {
        events.retain(|e| !rm.iter().any(|x| x.as_str() == Some(e)));
    }
    h.events = serde_json::to_string(&events).unwrap_or_default();
    if let Some(a) = crate::model::repos::bool_field(&v, "active")? {
        h.active = a;
    }
    h.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update(&mut *tx, &h).await?;
    tx.commit().await?;
    Ok(ok(render(&cx, &r, &h).await?))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::delete(&mut *tx, r.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn ping(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let me = cx.caller.require()?.clone();
    let h = hook_of(&cx, &r, id).await?;
    let hook_json = render(&cx, &r, &h).await?;
    ping_payload(&cx, &r, &me, &h, hook_json).await?;
    Ok(no_content())
}

/// `POST …/tests`: a `push` event for the latest commit of the default branch,
/// when the hook subscribes to `push`.
pub async fn test_push(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let me = cx.caller.require()?.clone();
    let h = hook_of(&cx, &r, id).await?;
    let events: Vec<String> = serde_json::from_str(&h.events).unwrap_or_default();
    if events.iter().any(|e| e == "push" || e == "*")
        && let Some(sha) = crate::store::git::get_ref(&*cx.db, r.id, &format!("refs/heads/{}", r.default_branch)).await?
    {
        let mut payload = json!({ "ref": format!("refs/heads/{}", r.default_branch), "before": sha, "after": sha, "commits": [], "created": false, "deleted": false, "forced": false });
        payload["repository"] = objects::repo(&cx.base, &r, None);
        payload["sender"] = objects::user_ref(&cx.base, &me);
        model::spawn_delivery(cx.ctx.clone(), h, "push".into(), payload, false);
    }
    Ok(no_content())
}

pub async fn deliveries(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let h = hook_of(&cx, &r, id).await?;
    let rows = store::deliveries_of(&*cx.db, h.id).await?;
    let items = rows.iter().map(|d| model::delivery_json(&cx.base, &r.full_name(), d, false)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn delivery(cx: Cx, Path((owner, repo, id, delivery)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let h = hook_of(&cx, &r, id).await?;
    let d = store::delivery(&*cx.db, h.id, delivery).await?.ok_or(GhError::NotFound)?;
    Ok(ok(model::delivery_json(&cx.base, &r.full_name(), &d, true)))
}

pub async fn redeliver(cx: Cx, Path((owner, repo, id, delivery)): Path<(String, String, i64, i64)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let h = hook_of(&cx, &r, id).await?;
    let d = store::delivery(&*cx.db, h.id, delivery).await?.ok_or(GhError::NotFound)?;
    let req: Value = serde_json::from_str(&d.request).unwrap_or(Value::Null);
    model::spawn_delivery(cx.ctx.clone(), h, d.event.clone(), req["payload"].clone(), true);
    Ok((axum::http::StatusCode::ACCEPTED, axum::Json(json!({}))).into_response())
}

// ---- hook configuration, repository_dispatch ----

fn masked_config(h: &HookRow) -> Value {
    let mut config: Value = serde_json::from_str(&h.config).unwrap_or_else(|_| json!({}));
    if config.get("secret").is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty())) {
        config["secret"] = Value::from("********");
    }
    config
}

/// `GET …/hooks/{id}/config`: the `webhook-config` (the secret masked).
pub async fn get_config(cx: Cx, Path((owner, repo, id)): HookPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let h = hook_of(&cx, &r, id).await?;
    Ok(ok(masked_config(&h)))
}

/// `PATCH …/hooks/{id}/config`: `url`, `content_type`, `secret`, `insecure_ssl`.
pub async fn update_config(cx: Cx, Path((owner, repo, id)): HookPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut h = hook_of(&cx, &r, id).await?;
    let v = json_value(&body).await?;
    let obj = v.as_object().ok_or(GhError::BadJson)?;
    for k in obj.keys() {
        if !["url", "content_type", "secret", "insecure_ssl"].contains(&k.as_str()) {
            return Err(GhError::Unprocessable(format!(
                "Invalid request.\n\n{k} is not a permitted key. Permitted keys: url, content_type, secret, insecure_ssl."
            )));
        }
    }
    if let Some(s) = obj.get("insecure_ssl")
        && !matches!(s, Value::String(_) | Value::Number(_))
    {
        return Err(GhError::invalid("Hook", "insecure_ssl"));
    }
    let mut cfg = config_of(&json!({ "config": v }), serde_json::from_str(&h.config).ok())?;
    if let Some(Value::Number(n)) = cfg.get("insecure_ssl").cloned() {
        cfg["insecure_ssl"] = Value::from(n.to_string());
    }
    h.config = cfg.to_string();
    h.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update(&mut *tx, &h).await?;
    tx.commit().await?;
    Ok(ok(masked_config(&h)))
}

/// `POST /repos/{o}/{r}/dispatches`: a `repository_dispatch` event to the
/// repository's hooks subscribed to it; 204.
pub async fn dispatch(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let invalid = |m: String| GhError::Unprocessable(format!("Invalid request.\n\n{m}"));
    let event_type = match v.get("event_type") {
        None | Some(Value::Null) => return Err(invalid("\"event_type\" wasn't supplied.".into())),
        Some(Value::String(s)) if s.is_empty() => return Err(invalid("event_type is too short (minimum is 1 character).".into())),
        Some(Value::String(s)) if s.chars().count() > 100 => {
            return Err(invalid("event_type is too long (maximum is 100 characters).".into()));
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(invalid(format!("For 'properties/event_type', {other} is not a string."))),
    };
    let client_payload = match v.get("client_payload") {
        None | Some(Value::Null) => json!({}),
        Some(Value::Object(o)) if o.len() > 10 => {
            return Err(invalid(format!("No more than 10 properties are allowed; {} were supplied.", o.len())));
        }
        Some(o @ Value::Object(_)) => o.clone(),
        Some(other) => return Err(invalid(format!("For 'properties/client_payload', {other} is not an object."))),
    };
    let payload = json!({ "action": event_type, "branch": r.default_branch, "client_payload": client_payload });
    model::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "repository_dispatch", payload).await?;
    Ok(no_content())
}
