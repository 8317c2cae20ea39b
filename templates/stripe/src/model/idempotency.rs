//! `Idempotency-Key`: the first response to a key is kept in the clone's key-value
//! store for Stripe's 24 hours and replayed for a repeat with the same method,
//! path and parameters; other parameters answer `idempotency_error` (400), and a
//! repeat while the first is still running answers 409. As in Stripe, a request
//! that fails validation (400, 401, 404) is not kept, so it can be retried.

use std::time::Duration;

use asym_store::Kv;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::errors::{StripeError, StripeResult};

pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a key stays claimed by a request that never finished (a crash).
const PENDING_TTL: Duration = Duration::from_secs(60);

fn kv_key(key: &str) -> String {
    format!("stripe:idem:{key}")
}

pub fn fingerprint(method: &str, path: &str, params: &Value) -> String {
    hex::encode(Sha256::digest(format!("{method} {path} {params}").as_bytes()))
}

pub enum Begin {
    Fresh,
    Replay { status: u16, body: String },
}

pub async fn begin(kv: &dyn Kv, key: &str, fp: &str) -> StripeResult<Begin> {
    if key.len() > 255 {
        return Err(StripeError::invalid("Idempotency keys can be no longer than 255 characters."));
    }
    let pending = json!({ "fp": fp, "state": "pending" }).to_string();
    if kv.set_nx(&kv_key(key), pending.as_bytes(), Some(PENDING_TTL)).await? {
        return Ok(Begin::Fresh);
    }
    let Some(raw) = kv.get(&kv_key(key)).await? else {
        // Expired between the two calls: claim it again.
        kv.set(&kv_key(key), pending.as_bytes(), Some(PENDING_TTL)).await?;
        return Ok(Begin::Fresh);
    };
    let stored: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    if stored["fp"] != json!(fp) {
        return Err(StripeError::Idempotency {
            message: format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
            ),
            conflict: false,
        });
    }
    if stored["state"] == "pending" {
        return Err(StripeError::Idempotency {
            message: format!(
                "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): {key}. Please try again later."
            ),
            conflict: true,
        });
    }
    Ok(Begin::Replay { status: stored["status"].as_u64().unwrap_or(200) as u16, body: stored["body"].as_str().unwrap_or("{}").to_string() })
}

/// Keeps the response (or releases the key when the request did not run).
pub async fn finish(kv: &dyn Kv, key: &str, fp: &str, status: u16, body: &str) -> StripeResult<()> {
    let kept = status < 400 || status == 402 || status >= 500;
    if kept {
        let v = json!({ "fp": fp, "state": "done", "status": status, "body": body }).to_string();
        kv.set(&kv_key(key), v.as_bytes(), Some(TTL)).await?;
    } else {
        kv.del(&kv_key(key)).await?;
    }
    Ok(())
}
