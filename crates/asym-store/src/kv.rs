//! The clone's key-value namespace (rate limits, idempotency keys, sessions). Every
//! key goes through [`Kv`], which applies the clone's prefix, so no caller can
//! forget it. The embedded default is [`MemoryKv`], one map per clone process;
//! [`crate::redis_kv::RedisKv`] puts the same keys under `<id>:` on a shared Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::StoreResult;
use crate::redis_kv::RedisKv;

/// One key of a clone, without its prefix, as a snapshot stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvEntry {
    pub key: String,
    /// The value as base64 (values are bytes).
    pub value: String,
    /// Milliseconds left to live, when the key expires.
    pub ttl_ms: Option<u64>,
}

/// The key-value store named by a service's `ASYM_KV_URL`: `memory` or `redis://…`.
pub async fn open_kv(url: &str, prefix: &str) -> StoreResult<std::sync::Arc<dyn Kv>> {
    if url == "memory" {
        return Ok(std::sync::Arc::new(MemoryKv::new(prefix)));
    }
    Ok(std::sync::Arc::new(RedisKv::connect(url, prefix).await?))
}

#[async_trait]
pub trait Kv: Send + Sync {
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<()>;
    /// Sets only when absent; true when it set.
    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<bool>;
    /// Adds `by` and returns the new value; `ttl` applies when the key is created.
    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> StoreResult<i64>;
    async fn del(&self, key: &str) -> StoreResult<()>;
    /// Removes every key of this clone (reset, destroy); returns how many.
    async fn clear(&self) -> StoreResult<u64>;
    /// Every live key of this clone (snapshot).
    async fn export(&self) -> StoreResult<Vec<KvEntry>>;
    /// Replaces this clone's keys by `entries` (restore).
    async fn import(&self, entries: &[KvEntry]) -> StoreResult<()>;
}

pub(crate) fn encode(value: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(value)
}

pub(crate) fn decode(entry: &KvEntry) -> StoreResult<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(&entry.value)
        .map_err(|e| crate::StoreError::Config(format!("snapshot key `{}` is not base64: {e}", entry.key)))
}

/// A stored value and the instant it expires, if it does.
type Entry = (Vec<u8>, Option<Instant>);

#[derive(Default)]
pub struct MemoryKv {
    prefix: String,
    map: Mutex<HashMap<String, Entry>>,
}

impl MemoryKv {
    pub fn new(prefix: impl Into<String>) -> Self {
        MemoryKv { prefix: prefix.into(), map: Mutex::default() }
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    fn live(entry: &(Vec<u8>, Option<Instant>)) -> bool {
        entry.1.is_none_or(|t| t > Instant::now())
    }
}

#[async_trait]
impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(&self.key(key)).filter(|e| Self::live(e)).map(|e| e.0.clone()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<()> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(self.key(key), (value.to_vec(), ttl.map(|t| Instant::now() + t)));
        Ok(())
    }

    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<bool> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let k = self.key(key);
        if map.get(&k).is_some_and(Self::live) {
            return Ok(false);
        }
        map.insert(k, (value.to_vec(), ttl.map(|t| Instant::now() + t)));
        Ok(true)
    }

    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> StoreResult<i64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let k = self.key(key);
        let current = map.get(&k).filter(|e| Self::live(e)).map(|e| (String::from_utf8_lossy(&e.0).parse::<i64>().unwrap_or(0), e.1));
        let (n, expiry) = match current {
            Some((n, exp)) => (n + by, exp),
            None => (by, ttl.map(|t| Instant::now() + t)),
        };
        map.insert(k, (n.to_string().into_bytes(), expiry));
        Ok(n)
    }

    async fn del(&self, key: &str) -> StoreResult<()> {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.key(key));
        Ok(())
    }

    async fn clear(&self) -> StoreResult<u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.len() as u64;
        map.clear();
        Ok(n)
    }

    async fn export(&self) -> StoreResult<Vec<KvEntry>> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut out: Vec<KvEntry> = map
            .iter()
            .filter(|(_, e)| Self::live(e))
            .map(|(k, (v, exp))| KvEntry {
                key: k.strip_prefix(&self.prefix).unwrap_or(k).to_string(),
                value: encode(v),
                ttl_ms: exp.map(|t| t.saturating_duration_since(now).as_millis() as u64),
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn import(&self, entries: &[KvEntry]) -> StoreResult<()> {
        let decoded: Vec<(String, Entry)> = entries
            .iter()
            .map(|e| Ok((self.key(&e.key), (decode(e)?, e.ttl_ms.map(|ms| Instant::now() + Duration::from_millis(ms))))))
            .collect::<StoreResult<_>>()?;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.clear();
        map.extend(decoded);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn prefix_is_applied_and_clear_empties() {
        let kv = MemoryKv::new("slack-a1b2:");
        kv.set("k", b"v", None).await.unwrap();
        assert!(kv.map.lock().unwrap().contains_key("slack-a1b2:k"));
        assert_eq!(kv.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(kv.clear().await.unwrap(), 1);
        assert_eq!(kv.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_keys_are_absent_and_set_nx_respects_live_keys() {
        let kv = MemoryKv::new("p:");
        assert!(kv.set_nx("a", b"1", Some(Duration::from_millis(0))).await.unwrap());
        assert_eq!(kv.get("a").await.unwrap(), None);
        assert!(kv.set_nx("a", b"2", None).await.unwrap());
        assert!(!kv.set_nx("a", b"3", None).await.unwrap());
        assert_eq!(kv.incr("n", 2, None).await.unwrap(), 2);
        assert_eq!(kv.incr("n", 3, None).await.unwrap(), 5);
    }

    #[tokio::test]
    async fn export_then_import_round_trips() {
        let kv = MemoryKv::new("p:");
        kv.set("a", b"1", None).await.unwrap();
        kv.set("b", b"\x00\xff", Some(Duration::from_secs(60))).await.unwrap();
        let snap = kv.export().await.unwrap();
        assert_eq!(snap.len(), 2);
        assert_eq!(snap[0].key, "a");
        assert!(snap[1].ttl_ms.is_some_and(|t| t > 50_000));
        kv.set("c", b"later", None).await.unwrap();
        kv.import(&snap).await.unwrap();
        assert_eq!(kv.get("c").await.unwrap(), None);
        assert_eq!(kv.get("b").await.unwrap().as_deref(), Some(&b"\x00\xff"[..]));
    }
}
