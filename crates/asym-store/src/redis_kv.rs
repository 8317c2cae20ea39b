//! [`Kv`] on a shared Redis: every key under the clone's prefix (`<id>:`). Clear
//! walks the prefix with SCAN and removes in batches with UNLINK, never FLUSHDB.
//! `ConnectionManager` reconnects by itself after Redis restarts; a command sent
//! while it is down fails with a named error instead of hanging.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, SetExpiry, SetOptions};

use crate::kv::{KvEntry, decode, encode};
use crate::{Kv, StoreError, StoreResult};

const SCAN_BATCH: usize = 500;

#[derive(Clone)]
pub struct RedisKv {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisKv {
    pub async fn connect(url: &str, prefix: &str) -> StoreResult<Self> {
        let unreachable =
            |e: redis::RedisError| StoreError::Unreachable(format!("Redis at {}: {e}", asym_contract::record::redact_url(url)));
        let client = redis::Client::open(url).map_err(|e| StoreError::Config(format!("redis url: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config).await.map_err(unreachable)?;
        Ok(RedisKv { conn, prefix: prefix.to_string() })
    }

    fn key(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    /// Every key under the prefix (glob characters in the prefix escaped).
    async fn keys(&self) -> StoreResult<Vec<String>> {
        let pattern = format!("{}*", escape_glob(&self.prefix));
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        let mut keys = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) =
                redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_BATCH).query_async(&mut conn).await?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        Ok(keys)
    }

    async fn unlink_all(&self, keys: &[String]) -> StoreResult<()> {
        let mut conn = self.conn.clone();
        for chunk in keys.chunks(SCAN_BATCH) {
            let _: i64 = redis::cmd("UNLINK").arg(chunk).query_async(&mut conn).await?;
        }
        Ok(())
    }
}

fn options(ttl: Option<Duration>) -> SetOptions {
    match ttl {
        Some(t) => SetOptions::default().with_expiration(SetExpiry::PX(t.as_millis().max(1) as u64)),
        None => SetOptions::default(),
    }
}

#[async_trait]
impl Kv for RedisKv {
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.conn.clone().get(self.key(key)).await?)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<()> {
        let _: () = self.conn.clone().set_options(self.key(key), value, options(ttl)).await?;
        Ok(())
    }

    async fn set_nx(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> StoreResult<bool> {
        let set: Option<String> =
            self.conn.clone().set_options(self.key(key), value, options(ttl).conditional_set(redis::ExistenceCheck::NX)).await?;
        Ok(set.is_some())
    }

    async fn incr(&self, key: &str, by: i64, ttl: Option<Duration>) -> StoreResult<i64> {
        let k = self.key(key);
        let mut pipe = redis::pipe();
        pipe.atomic().incr(&k, by);
        if let Some(t) = ttl {
            // NX: the expiry is set once, when the counter is created.
            pipe.cmd("PEXPIRE").arg(&k).arg(t.as_millis().max(1) as u64).arg("NX").ignore();
        }
        let (n,): (i64,) = pipe.query_async(&mut self.conn.clone()).await?;
        Ok(n)
    }

    async fn del(&self, key: &str) -> StoreResult<()> {
        let _: i64 = redis::cmd("UNLINK").arg(self.key(key)).query_async(&mut self.conn.clone()).await?;
        Ok(())
    }

    async fn clear(&self) -> StoreResult<u64> {
        let keys = self.keys().await?;
        self.unlink_all(&keys).await?;
        Ok(keys.len() as u64)
    }

    async fn export(&self) -> StoreResult<Vec<KvEntry>> {
        let mut conn = self.conn.clone();
        let mut out = Vec::new();
        for k in self.keys().await? {
            let (value, ttl): (Option<Vec<u8>>, i64) = redis::pipe().get(&k).pttl(&k).query_async(&mut conn).await?;
            if let Some(v) = value {
                let key = k.strip_prefix(&self.prefix).unwrap_or(&k).to_string();
                out.push(KvEntry { key, value: encode(&v), ttl_ms: (ttl > 0).then_some(ttl as u64) });
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn import(&self, entries: &[KvEntry]) -> StoreResult<()> {
        self.clear().await?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for e in entries {
            let ttl = e.ttl_ms.map(Duration::from_millis);
            pipe.set_options(self.key(&e.key), decode(e)?, options(ttl)).ignore();
        }
        let _: () = pipe.query_async(&mut self.conn.clone()).await?;
        Ok(())
    }
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(super::escape_glob("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:");
    }
}
