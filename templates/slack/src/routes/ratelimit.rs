//! Slack's rate limits, answered as Slack answers them: HTTP 429, `Retry-After`,
//! `{"ok":false,"error":"ratelimited"}`. Counted per method and token in fixed
//! windows in the clone's key-value store (so they are per clone, cleared by reset,
//! and shared by every process of the clone on Redis). `chat.postMessage` is
//! limited per channel instead, about one message per second with short bursts.
//! A clone spun with `--no-rate-limits` skips all of this.

use std::time::{SystemTime, UNIX_EPOCH};

use asym_store::Kv;
use axum::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::dispatch::Tier;

/// Calls allowed per window, and the window in seconds.
pub fn limit(tier: Tier) -> (i64, u64) {
    match tier {
        Tier::T1 => (1, 60),
        Tier::T2 => (20, 60),
        Tier::T3 => (50, 60),
        Tier::T4 => (100, 60),
        Tier::Special => (5, 5),
    }
}

/// `Err(seconds)` when the call is over the limit: the caller should retry after it.
pub async fn check(kv: &dyn Kv, tier: Tier, method: &str, subject: &str) -> Result<(), u64> {
    let (max, window) = limit(tier);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let slot = now / window;
    let key = format!("rl:{method}:{subject}:{slot}");
    // A store failure must not take the API down: the call goes through.
    match kv.incr(&key, 1, Some(std::time::Duration::from_secs(window))).await {
        Ok(n) if n > max => Err((slot + 1) * window - now),
        _ => Ok(()),
    }
}

pub fn ratelimited(retry_after: u64) -> Response {
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, Json(json!({ "ok": false, "error": "ratelimited" }))).into_response();
    resp.headers_mut().insert("retry-after", HeaderValue::from(retry_after.max(1)));
    resp
}

#[cfg(test)]
mod tests {
    use asym_store::MemoryKv;

    use super::*;

    #[tokio::test]
    async fn the_call_over_the_tier_limit_is_refused_with_a_retry_after() {
        let kv = MemoryKv::new("t:");
        for _ in 0..20 {
            assert!(check(&kv, Tier::T2, "users.list", "tok").await.is_ok());
        }
        let retry = check(&kv, Tier::T2, "users.list", "tok").await.unwrap_err();
        assert!((1..=60).contains(&retry), "{retry}");
        assert!(check(&kv, Tier::T2, "users.list", "other-token").await.is_ok(), "limits are per token");
        assert!(check(&kv, Tier::T2, "conversations.list", "tok").await.is_ok(), "and per method");
    }
}
