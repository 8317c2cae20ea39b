//! The clone's key-value namespace (rate limits, idempotency keys, sessions). Every
//! key goes through [`Kv`], which applies the clone's prefix, so no caller can
//! forget it. The embedded default is [`MemoryKv`], one map per clone process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::StoreResult;

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
}
