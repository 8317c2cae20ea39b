//! The key-value store on a real Redis: prefixes isolate clones, clear touches only
//! its own prefix, snapshots round-trip, and the client survives a Redis restart.

mod backends;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use asym_store::redis_kv::RedisKv;
use asym_store::{Kv, MemoryKv};
use backends::{redis_url, unique};

async fn redis(prefix: &str) -> RedisKv {
    RedisKv::connect(&redis_url(), prefix)
        .await
        .unwrap_or_else(|e| panic!("the Redis tests need a server: {e} (scripts/services.sh starts one)"))
}

async fn behaves_like_a_kv(kv: &dyn Kv) {
    assert_eq!(kv.get("missing").await.unwrap(), None);
    kv.set("k", b"v", None).await.unwrap();
    assert_eq!(kv.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
    assert!(kv.set_nx("once", b"1", None).await.unwrap());
    assert!(!kv.set_nx("once", b"2", None).await.unwrap());
    assert_eq!(kv.get("once").await.unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(kv.incr("n", 2, Some(Duration::from_secs(60))).await.unwrap(), 2);
    assert_eq!(kv.incr("n", 3, Some(Duration::from_secs(60))).await.unwrap(), 5);
    kv.set("short", b"x", Some(Duration::from_millis(30))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(kv.get("short").await.unwrap(), None, "expired keys are gone");
    kv.del("k").await.unwrap();
    assert_eq!(kv.get("k").await.unwrap(), None);

    let snap = kv.export().await.unwrap();
    let keys: Vec<&str> = snap.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["n", "once"]);
    assert!(snap[0].ttl_ms.is_some() && snap[1].ttl_ms.is_none());
    kv.set("after", b"1", None).await.unwrap();
    kv.import(&snap).await.unwrap();
    assert_eq!(kv.get("after").await.unwrap(), None);
    assert_eq!(kv.get("n").await.unwrap().as_deref(), Some(&b"5"[..]));
    assert_eq!(kv.clear().await.unwrap(), 2);
    assert!(kv.export().await.unwrap().is_empty());
}

#[tokio::test]
async fn memory_kv_contract() {
    behaves_like_a_kv(&MemoryKv::new("m:")).await;
}

#[tokio::test]
async fn redis_kv_contract() {
    let kv = redis(&format!("{}:", unique("kv"))).await;
    behaves_like_a_kv(&kv).await;
}

#[tokio::test]
async fn clear_touches_only_its_own_prefix_even_with_glob_characters() {
    let base = unique("iso");
    let a = redis(&format!("{base}*:")).await;
    let b = redis(&format!("{base}x:")).await;
    a.set("k", b"a", None).await.unwrap();
    b.set("k", b"b", None).await.unwrap();
    assert_eq!(b.get("k").await.unwrap().as_deref(), Some(&b"b"[..]), "same key, other clone");
    assert_eq!(a.clear().await.unwrap(), 1);
    assert_eq!(b.get("k").await.unwrap().as_deref(), Some(&b"b"[..]), "a's clear left b alone");
    b.clear().await.unwrap();
}

#[tokio::test]
async fn clear_removes_many_keys_in_batches() {
    let kv = redis(&format!("{}:", unique("many"))).await;
    for i in 0..1_200 {
        kv.set(&format!("k{i}"), b"1", None).await.unwrap();
    }
    assert_eq!(kv.clear().await.unwrap(), 1_200);
    assert_eq!(kv.get("k7").await.unwrap(), None);
}

struct PrivateRedis(Child, u16);

impl PrivateRedis {
    fn start(port: u16) -> PrivateRedis {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/services.sh installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        PrivateRedis(child, port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_client_recovers_after_redis_restarts() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = PrivateRedis::start(port);
    let kv = RedisKv::connect(&format!("redis://127.0.0.1:{}/", server.1), "r:").await.unwrap();
    kv.set("k", b"1", None).await.unwrap();
    drop(server);
    let down = kv.get("k").await;
    assert!(down.is_err(), "a command while Redis is down is an error, not a hang");
    let _server = PrivateRedis::start(port);
    let mut recovered = false;
    for _ in 0..50 {
        if kv.set("k", b"2", None).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the client reconnects by itself");
    assert_eq!(kv.get("k").await.unwrap().as_deref(), Some(&b"2"[..]));
}

#[tokio::test]
async fn an_unreachable_redis_is_a_named_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = match RedisKv::connect(&format!("redis://127.0.0.1:{port}/"), "x:").await {
        Ok(_) => panic!("nothing listens on {port}"),
        Err(e) => asym_contract::AsymError::from(e),
    };
    assert_eq!(err.code(), "BACKEND_UNREACHABLE", "{err}");
}
