//! Calls to a running clone: health polling and the admin routes.

use std::time::{Duration, Instant};

use asym_contract::AsymError;
use asym_contract::admin::{ADMIN_TOKEN_HEADER, AdminError};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().expect("building an HTTP client without TLS cannot fail")
}

/// Polls `url` until it answers 2xx as clone `clone_id`; `exited` reports a child
/// that died meanwhile. A health answer naming another clone (a port taken between
/// allocation and bind) is not ours: keep waiting, the child will exit.
pub async fn wait_healthy(
    client: &reqwest::Client,
    url: &str,
    clone_id: &str,
    timeout: Duration,
    mut exited: impl FnMut() -> bool,
) -> Result<(), WaitError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(2);
    loop {
        if let Ok(r) = client.get(url).timeout(Duration::from_millis(500)).send().await
            && r.status().is_success()
        {
            let body: Option<serde_json::Value> = r.json().await.ok();
            let named = body.as_ref().and_then(|b| b.get("clone")).and_then(|c| c.as_str());
            if named.is_none_or(|c| c == clone_id) {
                return Ok(());
            }
        }
        if exited() {
            return Err(WaitError::Exited);
        }
        if started.elapsed() > timeout {
            return Err(WaitError::Timeout(started.elapsed()));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(50));
    }
}

pub enum WaitError {
    Exited,
    Timeout(Duration),
}

pub async fn admin_post<B: Serialize, T: DeserializeOwned>(
    client: &reqwest::Client,
    clone_id: &str,
    origin: &str,
    path: &str,
    admin_token: &str,
    body: &B,
) -> Result<T, AsymError> {
    let unreachable = |reason: String| AsymError::CloneUnreachable { id: clone_id.into(), route: path.into(), reason };
    let resp = client
        .post(format!("{origin}{path}"))
        .header(ADMIN_TOKEN_HEADER, admin_token)
        .json(body)
        .send()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| unreachable(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes).map_err(|e| unreachable(format!("bad response: {e}")));
    }
    let err: AdminError =
        serde_json::from_slice(&bytes).map_err(|_| unreachable(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes))))?;
    Err(from_admin_error(clone_id, err))
}

/// A template's own control route: JSON in, JSON out; a refusal keeps the clone's
/// error code and details in one line.
pub async fn control(
    client: &reqwest::Client,
    clone_id: &str,
    origin: &str,
    path: &str,
    admin_token: &str,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, AsymError> {
    let unreachable = |reason: String| AsymError::CloneUnreachable { id: clone_id.into(), route: path.into(), reason };
    let req = match body {
        Some(b) => client.post(format!("{origin}{path}")).json(b),
        None => client.get(format!("{origin}{path}")),
    };
    let resp = req.header(ADMIN_TOKEN_HEADER, admin_token).send().await.map_err(|e| unreachable(e.to_string()))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|e| unreachable(e.to_string()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| unreachable(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes))))?;
    if status.is_success() && value.get("ok") != Some(&serde_json::Value::Bool(false)) {
        return Ok(value);
    }
    let code = value.get("error").and_then(|e| e.as_str()).unwrap_or("error");
    let details = value.get("errors").map(|e| format!(": {e}")).unwrap_or_default();
    Err(AsymError::ControlRejected { id: clone_id.into(), route: path.into(), reason: format!("HTTP {status} {code}{details}") })
}

/// Maps the clone's named error back to the engine's variant where one exists.
fn from_admin_error(clone_id: &str, e: AdminError) -> AsymError {
    match e.code.as_str() {
        "SEED_VALIDATION" => AsymError::SeedValidation { fixture: String::new(), reason: e.message },
        "NO_PROVISION_SURFACE" => AsymError::NoProvisionSurface { template: e.message },
        "NOT_IMPLEMENTED" => AsymError::NotImplemented { what: e.message },
        "SCHEMA_MISSING" => AsymError::SchemaMissing { id: clone_id.into(), what: e.message },
        "SNAPSHOT_NOT_FOUND" => AsymError::SnapshotNotFound { id: clone_id.into(), name: e.message, known: vec![] },
        "BACKEND_UNREACHABLE" => {
            let backend = if e.message.contains("PostgreSQL") { "PostgreSQL" } else { "Redis" };
            AsymError::BackendUnreachable { backend: backend.into(), reason: e.message }
        }
        _ => AsymError::CloneUnreachable { id: clone_id.into(), route: e.code, reason: e.message },
    }
}
