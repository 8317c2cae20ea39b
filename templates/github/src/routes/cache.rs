//! Answers to repeated reads, kept while the database has not changed.
//!
//! Agents poll: the same issue list, the same pull request, again and again.
//! A read whose answer depends only on the database, the URL, the `Accept`
//! header and the caller is answered from here while the database is at the
//! version the answer was rendered at ([`asym_store::Db::version`], which every
//! commit moves, from any connection or process). Authentication and the rate
//! limit still run for every request (they come before the handler), and the
//! `ETag` is still the body's. A database without a cheap version (PostgreSQL)
//! is never cached.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{LazyLock, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;

use super::{Cx, Handler};
use crate::errors::GhError;

/// Bytes of bodies kept across the process; the oldest answers go first.
const BUDGET: usize = 8 << 20;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    db: String,
    /// Path and every query parameter, in the order sent.
    target: String,
    accept: String,
    /// The token (its hash) and whom it names: what the caller may see.
    caller: (Option<String>, Option<i64>),
}

struct Entry {
    version: (u64, i64),
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<Key, Entry>,
    order: VecDeque<Key>,
    bytes: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// The answer `render` gives, from the cache when the database has not changed
/// since it was last rendered for this request. Only `200 OK` answers are kept.
pub async fn read_through<F, Fut>(cx: Cx, render: F) -> Handler
where
    F: FnOnce(Cx) -> Fut,
    Fut: Future<Output = Handler>,
{
    let Some(version) = cx.db.version() else { return render(cx).await };
    let key = Key {
        db: cx.db.connect_options().database_url.to_string(),
        target: format!("{}?{}", cx.path, serde_urlencoded::to_string(&cx.query.0).unwrap_or_default()),
        accept: cx.accept.clone(),
        caller: (cx.caller.token_hash.clone(), cx.caller.id()),
    };
    if let Some(hit) = lookup(&key, version) {
        return Ok(hit);
    }
    let resp = render(cx).await?;
    if resp.status() != StatusCode::OK {
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.map_err(|e| GhError::Internal(format!("reading the response: {e}")))?.to_bytes();
    keep(key, Entry { version, headers: parts.headers.clone(), body: body.clone() });
    Ok(Response::from_parts(parts, Body::from(body)))
}

fn lookup(key: &Key, version: (u64, i64)) -> Option<Response> {
    let cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    // A stale entry stays until this answer is rendered again and replaces it.
    let entry = cache.entries.get(key).filter(|e| e.version == version)?;
    let mut resp = Response::new(Body::from(entry.body.clone()));
    *resp.headers_mut() = entry.headers.clone();
    Some(resp)
}

fn keep(key: Key, entry: Entry) {
    if entry.body.len() > BUDGET / 8 {
        return;
    }
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    cache.bytes += entry.body.len();
    if let Some(old) = cache.entries.insert(key.clone(), entry) {
        cache.bytes -= old.body.len();
    } else {
        cache.order.push_back(key);
    }
    while cache.bytes > BUDGET {
        let Some(oldest) = cache.order.pop_front() else { break };
        if let Some(e) = cache.entries.remove(&oldest) {
            cache.bytes -= e.body.len();
        }
    }
}
