//! Repository webhooks: after a change commits, every active hook of the
//! repository subscribed to the event (or to `*`) gets a POST with GitHub's
//! headers (`X-GitHub-Event`, `X-GitHub-Delivery`, `X-GitHub-Hook-ID`,
//! `X-Hub-Signature-256: sha256=<hmac of the exact body>`, and the legacy SHA-1
//! `X-Hub-Signature`), sent from a task so
//! the request that caused it does not wait. Each attempt is logged in
//! `hook_deliveries` (the deliveries API and the control plane read it).

use std::time::{Duration, Instant};

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::{HEX, random_string};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::errors::GhResult;
use crate::objects;
use crate::store::accounts::AccountRow;
use crate::store::hooks::{self as store, DeliveryRow, HookRow};
use crate::store::repos::RepoRow;
use crate::wire::now;

pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The legacy `X-Hub-Signature` (HMAC-SHA1), written out by hand: the `hmac`
/// crate of the workspace and `sha1` 0.11 speak different `digest` versions.
pub fn sign_sha1(secret: &str, body: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut key = secret.as_bytes().to_vec();
    if key.len() > 64 {
        key = Sha1::digest(&key).to_vec();
    }
    key.resize(64, 0);
    let pad = |b: u8| key.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let mut inner = Sha1::new();
    inner.update(pad(0x36));
    inner.update(body);
    let mut outer = Sha1::new();
    outer.update(pad(0x5c));
    outer.update(inner.finalize());
    format!("sha1={}", hex::encode(outer.finalize()))
}

pub fn guid() -> String {
    let h = random_string(32, HEX);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

fn subscribed(h: &HookRow, event: &str) -> bool {
    let events: Vec<String> = serde_json::from_str(&h.events).unwrap_or_default();
    event == "ping" || events.iter().any(|e| e == event || e == "*")
}

/// Adds `repository`, `sender` (and `organization`) to `payload` and queues a
/// delivery to every subscribed hook of `repo`.
pub async fn emit(
    ctx: &CloneCtx,
    db: &asym_store::Pool,
    base: &str,
    repo: &RepoRow,
    sender: &AccountRow,
    event: &str,
    mut payload: Value,
) -> GhResult<()> {
    let hooks = store::for_repo_event(db, repo.id, org_of(repo)).await?;
    let targets: Vec<HookRow> = hooks.into_iter().filter(|h| h.active && subscribed(h, event)).collect();
    if targets.is_empty() {
        return Ok(());
    }
    payload["repository"] = objects::repo(base, repo, None);
    payload["sender"] = objects::user_ref(base, sender);
    if repo.owner_kind == "Organization" {
        payload["organization"] =
            json!({ "login": repo.owner_login, "id": repo.owner_id, "node_id": crate::wire::node_id("Organization", repo.owner_id) });
    }
    for h in targets {
        spawn_delivery(ctx.clone(), h, event.to_string(), payload.clone(), false);
    }
    Ok(())
}

/// Adds `organization` and `sender` to `payload` and queues a delivery to every
/// subscribed hook of `org` (organization events: `organization`, `membership`).
pub async fn emit_org(
    ctx: &CloneCtx,
    db: &asym_store::Pool,
    base: &str,
    org: &AccountRow,
    sender: &AccountRow,
    event: &str,
    mut payload: Value,
) -> GhResult<()> {
    let targets: Vec<HookRow> = store::of_org(db, org.id).await?.into_iter().filter(|h| h.active && subscribed(h, event)).collect();
    if targets.is_empty() {
        return Ok(());
    }
    payload["organization"] = objects::org_simple(base, org);
    payload["sender"] = objects::user_ref(base, sender);
    for h in targets {
        spawn_delivery(ctx.clone(), h, event.to_string(), payload.clone(), false);
    }
    Ok(())
}

/// The organization whose hooks also hear `repo`'s events (-1: none).
fn org_of(repo: &RepoRow) -> i64 {
    if repo.owner_kind == "Organization" { repo.owner_id } else { -1 }
}

/// Whether any hook (the repository's or its organization's) would hear an
/// event of `repo`, so callers can skip rendering a payload nobody receives.
pub async fn any_for(db: &asym_store::Pool, repo: &RepoRow) -> GhResult<bool> {
    Ok(!store::for_repo_event(db, repo.id, org_of(repo)).await?.is_empty())
}

pub fn spawn_delivery(ctx: CloneCtx, hook: HookRow, event: String, payload: Value, redelivery: bool) {
    tokio::spawn(async move {
        if let Err(e) = deliver(&ctx, &hook, &event, &payload, redelivery).await {
            tracing::warn!("webhook delivery to hook {} failed to log: {e}", hook.id);
        }
    });
}

async fn deliver(ctx: &CloneCtx, hook: &HookRow, event: &str, payload: &Value, redelivery: bool) -> GhResult<()> {
    let config: Value = serde_json::from_str(&hook.config).unwrap_or_else(|_| json!({}));
    let url = config["url"].as_str().unwrap_or("").to_string();
    let form = config["content_type"].as_str() == Some("form");
    let json_text = payload.to_string();
    let body: Vec<u8> = if form {
        serde_urlencoded::to_string([("payload", json_text.as_str())]).unwrap_or_default().into_bytes()
    } else {
        json_text.clone().into_bytes()
    };
    let id = guid();
    let store_handle = ctx.store.as_ref().ok_or_else(|| crate::errors::GhError::Internal("no database".into()))?;
    // An organization's hook is installed on the organization.
    let (target_id, target_type) = match store::org_of(&*store_handle.db().await?, hook.id).await? {
        Some(org) => (org, "organization"),
        None => (hook.repo_id, "repository"),
    };
    let mut headers: Vec<(String, String)> = vec![
        ("Accept".into(), "*/*".into()),
        ("User-Agent".into(), "GitHub-Hookshot/asymmetric".into()),
        ("X-GitHub-Event".into(), event.into()),
        ("X-GitHub-Delivery".into(), id.clone()),
        ("X-GitHub-Hook-ID".into(), hook.id.to_string()),
        ("X-GitHub-Hook-Installation-Target-ID".into(), target_id.to_string()),
        ("X-GitHub-Hook-Installation-Target-Type".into(), target_type.into()),
        ("Content-Type".into(), if form { "application/x-www-form-urlencoded".into() } else { "application/json".into() }),
    ];
    if let Some(secret) = config["secret"].as_str().filter(|s| !s.is_empty()) {
        headers.push(("X-Hub-Signature".into(), sign_sha1(secret, &body)));
        headers.push(("X-Hub-Signature-256".into(), sign(secret, &body)));
    }
    let started = Instant::now();
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| crate::errors::GhError::Internal(e.to_string()))?;
    let mut req = client.post(&url).body(body);
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let (status_code, status, resp_headers, resp_body) = match req.send().await {
        Ok(resp) => {
            let code = resp.status().as_u16() as i64;
            let hs: serde_json::Map<String, Value> =
                resp.headers().iter().map(|(k, v)| (k.to_string(), Value::from(v.to_str().unwrap_or("")))).collect();
            let text = resp.text().await.unwrap_or_default();
            let status = if (200..300).contains(&code) { "OK".to_string() } else { format!("Invalid HTTP Response: {code}") };
            (code, status, Value::Object(hs), text)
        }
        Err(e) => (0, if e.is_timeout() { "timed out".into() } else { "failed to connect to host".into() }, json!({}), String::new()),
    };
    let duration = started.elapsed().as_secs_f64();
    let db = store_handle.db().await?;
    let mut tx = asym_store::begin_write(&db).await?;
    let row = DeliveryRow {
        id: crate::store::next_id(&mut tx).await?,
        hook_id: hook.id,
        // The repository the event is about (an org hook's ping has none: 0).
        repo_id: payload["repository"]["id"].as_i64().unwrap_or(hook.repo_id),
        guid: id,
        event: event.into(),
        action: payload["action"].as_str().map(String::from),
        status_code,
        status,
        delivered_at: now(),
        duration,
        redelivery,
        request: json!({ "headers": headers.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect::<serde_json::Map<_, _>>(), "payload": payload }).to_string(),
        response: json!({ "headers": resp_headers, "payload": resp_body }).to_string(),
    };
    store::insert_delivery(&mut *tx, &row).await?;
    tx.commit().await?;
    Ok(())
}

/// `hook-delivery-item` (list) or `hook-delivery` (one, with request and response).
pub fn delivery_json(base: &str, full: &str, d: &DeliveryRow, detail: bool) -> Value {
    let mut v = json!({
        "id": d.id, "guid": d.guid, "delivered_at": crate::wire::iso(d.delivered_at), "redelivery": d.redelivery,
        "duration": d.duration, "status": d.status, "status_code": d.status_code, "event": d.event, "action": d.action,
        "installation_id": null, "repository_id": if d.repo_id == 0 { Value::Null } else { Value::from(d.repo_id) }, "throttled_at": null,
    });
    if detail {
        v["url"] = Value::from(format!("{base}/repos/{full}/hooks/{}/deliveries/{}", d.hook_id, d.id));
        v["request"] = serde_json::from_str(&d.request).unwrap_or(Value::Null);
        let mut resp: Value = serde_json::from_str(&d.response).unwrap_or(Value::Null);
        if let Some(p) = resp.get("payload").and_then(|p| p.as_str()).map(String::from) {
            resp["payload"] = Value::from(p);
        }
        v["response"] = resp;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_rfc_2202_and_4231_vectors() {
        // RFC 2202 test case 2 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256).
        assert_eq!(sign_sha1("Jefe", b"what do ya want for nothing?"), "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
