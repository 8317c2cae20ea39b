//! GitHub's primary rate limits, counted per token in fixed windows in the
//! clone's key-value store: `core` 5,000 requests an hour (60 for anonymous
//! callers), `search` 30 a minute (10 anonymous), `code_search` 10 a minute. A clone spun with
//! `--no-rate-limits` counts nothing and sends no `X-RateLimit-*` headers.
//! `ASYM_GITHUB_RATE_LIMIT` (in the clone's environment) changes the hourly
//! `core` limit of authenticated callers.

use std::time::Duration;

use asym_store::Kv;

use crate::model::access::Caller;
use crate::wire::now;

#[derive(Debug, Clone, Copy)]
pub struct State {
    pub limit: i64,
    pub used: i64,
    pub reset: i64,
    pub resource: &'static str,
}

impl State {
    pub fn exhausted(self) -> State {
        State { used: self.limit, ..self }
    }
}

/// (limit, window seconds) of a resource.
pub fn limits(resource: &str, authenticated: bool) -> (i64, i64) {
    match (resource, authenticated) {
        ("code_search", _) => (10, 60),
        ("search", true) => (30, 60),
        ("search", false) => (10, 60),
        (_, true) => (core_limit(), 3600),
        (_, false) => (60, 3600),
    }
}

/// The hourly `core` limit: 5,000 unless `ASYM_GITHUB_RATE_LIMIT` says otherwise.
pub fn core_limit() -> i64 {
    static LIMIT: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| {
        std::env::var("ASYM_GITHUB_RATE_LIMIT").ok().and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0).unwrap_or(5000)
    });
    *LIMIT
}

fn subject(caller: &Caller) -> String {
    caller.token_hash.clone().unwrap_or_else(|| "anonymous".into())
}

fn key(caller: &Caller, resource: &str, window: i64, at: i64) -> (String, i64) {
    let slot = at / window;
    (format!("rl:{resource}:{}:{slot}", subject(caller)), (slot + 1) * window)
}

pub async fn hit(kv: &dyn Kv, caller: &Caller, resource: &'static str) -> State {
    let (limit, window) = limits(resource, caller.user.is_some());
    let (k, reset) = key(caller, resource, window, now());
    // A store failure must not take the API down: the call goes through.
    let used = kv.incr(&k, 1, Some(Duration::from_secs(window as u64))).await.unwrap_or(1);
    State { limit, used, reset, resource }
}

pub async fn refund(kv: &dyn Kv, caller: &Caller, resource: &str) {
    let (_, window) = limits(resource, caller.user.is_some());
    let (k, _) = key(caller, resource, window, now());
    let _ = kv.incr(&k, -1, Some(Duration::from_secs(window as u64))).await;
}

/// The current state without counting a request.
pub async fn peek(kv: &dyn Kv, caller: &Caller, resource: &'static str) -> State {
    let (limit, window) = limits(resource, caller.user.is_some());
    let (k, reset) = key(caller, resource, window, now());
    let used = kv.get(&k).await.ok().flatten().and_then(|v| String::from_utf8(v).ok()).and_then(|s| s.trim().parse().ok()).unwrap_or(0);
    State { limit, used, reset, resource }
}
