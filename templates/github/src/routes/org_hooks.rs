//! Organization webhooks: CRUD, config, ping, deliveries and redelivery. An
//! org hook is a `hooks` row of the organization; it hears the events of every
//! repository the org owns and the org's own events, delivered and signed by
//! the same machinery as repository hooks (`model::hooks`). Owners only; 404
//! for anyone else.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::orgs::as_owner;
use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::hooks as model;
use crate::model::repos::bool_field;
use crate::objects;
use crate::store::accounts::AccountRow;
use crate::store::hooks::{self as store, HookRow};
use crate::store::{self as st};
use crate::wire::{Listing, iso, json_value, now};

type HookPath = Path<(String, i64)>;
type DeliveryPath = Path<(String, i64, i64)>;

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

/// The hook's config after applying `patch` (`url`, `content_type`, `secret`,
/// `insecure_ssl`), checked as GitHub checks it.
fn apply_config(patch: Option<&Value>, current: Option<Value>) -> GhResult<Value> {
    let mut cfg = current.unwrap_or_else(|| json!({ "content_type": "form", "insecure_ssl": "0" }));
    if let Some(c) = patch {
        let obj = c.as_object().ok_or_else(|| GhError::invalid("Hook", "config"))?;
        for (k, val) in obj {
            if !matches!(k.as_str(), "url" | "content_type" | "secret" | "insecure_ssl") {
                return Err(GhError::invalid("Hook", k));
            }
            cfg[k] = match (k.as_str(), val) {
                // GitHub keeps `insecure_ssl` as a string ("0" or "1").
                ("insecure_ssl", Value::Number(n)) => Value::from(n.to_string()),
                _ => val.clone(),
            };
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
    if !matches!(cfg["insecure_ssl"].as_str(), Some("0") | Some("1")) {
        return Err(GhError::invalid("Hook", "insecure_ssl"));
    }
    Ok(cfg)
}

/// `webhook-config`: the secret masked.
fn config_json(h: &HookRow) -> Value {
    let mut config: Value = serde_json::from_str(&h.config).unwrap_or_else(|_| json!({}));
    if config.get("secret").is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty())) {
        config["secret"] = Value::from("********");
    }
    config
}

/// `org-hook`.
fn render(cx: &Cx, org: &AccountRow, h: &HookRow) -> Value {
    let u = format!("{}/orgs/{}/hooks/{}", cx.base, org.login, h.id);
    json!({
        "id": h.id, "url": u, "ping_url": format!("{u}/pings"), "deliveries_url": format!("{u}/deliveries"),
        "name": "web", "events": serde_json::from_str::<Value>(&h.events).unwrap_or_else(|_| json!([])),
        "active": h.active, "config": config_json(h),
        "updated_at": iso(h.updated_at), "created_at": iso(h.created_at), "type": "Organization",
    })
}

async fn hook_of(cx: &Cx, org: &AccountRow, id: i64) -> GhResult<HookRow> {
    store::get_of_org(&*cx.db, org.id, id).await?.ok_or(GhError::NotFound)
}

fn same_url(h: &HookRow, cfg: &Value) -> bool {
    serde_json::from_str::<Value>(&h.config).ok().and_then(|c| c["url"].as_str().map(String::from)).as_deref() == cfg["url"].as_str()
}

pub async fn list(cx: Cx, Path(org): Path<String>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let items = store::of_org(&*cx.db, o.id).await?.iter().map(|h| render(&cx, &o, h)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn create(cx: Cx, Path(org): Path<String>, body: Bytes) -> Handler {
    let (me, o) = as_owner(&cx, &org).await?;
    let v = json_value(&body).await?;
    match v.get("name").map(|n| n.as_str()) {
        Some(Some("web")) => {}
        None => return Err(GhError::missing("Hook", "name")),
        Some(n) => {
            let n = n.unwrap_or("");
            return Err(GhError::Validation(vec![FieldError::custom("Hook", "name", format!("{n} is not a valid hook name"))]));
        }
    }
    if v.get("config").is_none() {
        return Err(GhError::missing("Hook", "config"));
    }
    let cfg = apply_config(v.get("config"), None)?;
    let events = events_of(&v)?.unwrap_or_else(|| vec!["push".into()]);
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::of_org(&mut *tx, o.id).await?.iter().any(|h| same_url(h, &cfg)) {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "", "Hook already exists on this organization")]));
    }
    let h = HookRow {
        id: st::next_id(&mut tx).await?,
        repo_id: 0,
        active: bool_field(&v, "active")?.unwrap_or(true),
        events: serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()),
        config: cfg.to_string(),
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &h).await?;
    store::set_org(&mut *tx, h.id, o.id).await?;
    tx.commit().await?;
    let out = render(&cx, &o, &h);
    // GitHub pings a new hook at once.
    ping(&cx, &o, &me, &h, out.clone());
    Ok(created(out))
}

fn ping(cx: &Cx, org: &AccountRow, me: &AccountRow, h: &HookRow, hook_json: Value) {
    let payload = json!({
        "zen": "Keep it logically awesome.", "hook_id": h.id, "hook": hook_json,
        "organization": objects::org_simple(&cx.base, org), "sender": objects::user_ref(&cx.base, me),
    });
    model::spawn_delivery(cx.ctx.clone(), h.clone(), "ping".into(), payload, false);
}

pub async fn get(cx: Cx, Path((org, id)): HookPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let h = hook_of(&cx, &o, id).await?;
    Ok(ok(render(&cx, &o, &h)))
}

pub async fn update(cx: Cx, Path((org, id)): HookPath, body: Bytes) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let mut h = hook_of(&cx, &o, id).await?;
    let v = json_value(&body).await?;
    if let Some(n) = v.get("name").and_then(|n| n.as_str())
        && n != "web"
    {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "name", format!("{n} is not a valid hook name"))]));
    }
    let cfg = apply_config(v.get("config"), serde_json::from_str(&h.config).ok())?;
    h.config = cfg.to_string();
    if let Some(e) = events_of(&v)? {
        h.events = serde_json::to_string(&e).unwrap_or_default();
    }
    if let Some(a) = bool_field(&v, "active")? {
        h.active = a;
    }
    h.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::of_org(&mut *tx, o.id).await?.iter().any(|x| x.id != h.id && same_url(x, &cfg)) {
        return Err(GhError::Validation(vec![FieldError::custom("Hook", "", "Hook already exists on this organization")]));
    }
    store::update(&mut *tx, &h).await?;
    tx.commit().await?;
    Ok(ok(render(&cx, &o, &h)))
}

pub async fn delete(cx: Cx, Path((org, id)): HookPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::delete_of_org(&mut *tx, o.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn get_config(cx: Cx, Path((org, id)): HookPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    Ok(ok(config_json(&hook_of(&cx, &o, id).await?)))
}

pub async fn update_config(cx: Cx, Path((org, id)): HookPath, body: Bytes) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let mut h = hook_of(&cx, &o, id).await?;
    let v = json_value(&body).await?;
    let cfg = apply_config(Some(&v), serde_json::from_str(&h.config).ok())?;
    h.config = cfg.to_string();
    h.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update(&mut *tx, &h).await?;
    tx.commit().await?;
    Ok(ok(config_json(&h)))
}

pub async fn pings(cx: Cx, Path((org, id)): HookPath) -> Handler {
    let (me, o) = as_owner(&cx, &org).await?;
    let h = hook_of(&cx, &o, id).await?;
    ping(&cx, &o, &me, &h, render(&cx, &o, &h));
    Ok(no_content())
}

fn delivery_json(cx: &Cx, org: &AccountRow, d: &crate::store::hooks::DeliveryRow, detail: bool) -> Value {
    let mut v = model::delivery_json(&cx.base, "", d, detail);
    if detail {
        v["url"] = Value::from(format!("{}/orgs/{}/hooks/{}/deliveries/{}", cx.base, org.login, d.hook_id, d.id));
    }
    v
}

pub async fn deliveries(cx: Cx, Path((org, id)): HookPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let h = hook_of(&cx, &o, id).await?;
    let items = store::deliveries_of(&*cx.db, h.id).await?.iter().map(|d| delivery_json(&cx, &o, d, false)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn delivery(cx: Cx, Path((org, id, delivery)): DeliveryPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let h = hook_of(&cx, &o, id).await?;
    let d = store::delivery(&*cx.db, h.id, delivery).await?.ok_or(GhError::NotFound)?;
    Ok(ok(delivery_json(&cx, &o, &d, true)))
}

pub async fn redeliver(cx: Cx, Path((org, id, delivery)): DeliveryPath) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let h = hook_of(&cx, &o, id).await?;
    let d = store::delivery(&*cx.db, h.id, delivery).await?.ok_or(GhError::NotFound)?;
    let req: Value = serde_json::from_str(&d.request).unwrap_or(Value::Null);
    model::spawn_delivery(cx.ctx.clone(), h, d.event.clone(), req["payload"].clone(), true);
    Ok((StatusCode::ACCEPTED, axum::Json(json!({}))).into_response())
}
