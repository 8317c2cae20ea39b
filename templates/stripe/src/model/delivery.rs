//! Webhook delivery. Events queue one row per listening endpoint in the
//! transaction that emits them; a background loop in the clone process POSTs
//! each body to the endpoint's URL, signed as Stripe signs
//! (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the
//! whsec_ secret>`), and retries a non-2xx answer, a timeout or a refused
//! connection with backoff. Every attempt is logged (`GET /api/_asym/deliveries`,
//! `asym deliveries`).
//!
//! The loop holds the database only between HTTP calls, so a reset never waits
//! on someone else's server. Settings: `ASYM_STRIPE_WEBHOOK_TIMEOUT_MS` (default
//! 5000) and `ASYM_STRIPE_WEBHOOK_RETRY_MS` (default `1000,5000,30000,120000`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::StoreHandle;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::Notify;

use crate::model::{now_millis, now_secs};
use crate::store::objects::{self, Kind};
use crate::store::webhooks::{self, Attempt, Due};

const USER_AGENT: &str = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";
const DUE_LIMIT: i64 = 200;

struct Settings {
    timeout: Duration,
    backoff: Vec<Duration>,
}

static SETTINGS: LazyLock<Settings> = LazyLock::new(|| {
    let timeout = std::env::var("ASYM_STRIPE_WEBHOOK_TIMEOUT_MS").ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(5000);
    let backoff = std::env::var("ASYM_STRIPE_WEBHOOK_RETRY_MS")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse::<u64>().ok()).map(Duration::from_millis).collect())
        .unwrap_or_else(|| [1000, 5000, 30_000, 120_000].into_iter().map(Duration::from_millis).collect());
    Settings { timeout: Duration::from_millis(timeout), backoff }
});

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .http1_title_case_headers()
        .build()
        .expect("an HTTP client without TLS always builds")
});

static WAKE: LazyLock<Arc<Notify>> = LazyLock::new(|| Arc::new(Notify::new()));
static LOOPS: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// Wakes the delivery loop (an event was queued).
pub fn poke() {
    WAKE.notify_one();
}

/// Starts the clone's delivery loop unless it runs already.
pub fn ensure_running(ctx: &CloneCtx) {
    let Some(store) = ctx.store.clone() else { return };
    let key = format!("{}|{}", ctx.id, ctx.public_url);
    let mut loops = LOOPS.lock().unwrap_or_else(|e| e.into_inner());
    if loops.contains(&key) {
        return;
    }
    let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
    loops.insert(key);
    handle.spawn(run(store));
}

/// Stripe's signature header for `body` sent at `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Clone, Default)]
struct InFlight(Arc<Mutex<HashMap<String, ()>>>);

impl InFlight {
    fn take(&self, id: &str) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_string(), ()).is_none()
    }
    fn release(&self, id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

async fn run(store: StoreHandle) {
    let inflight = InFlight::default();
    loop {
        let pause = match pass(&store, &inflight).await {
            Ok(true) => Duration::from_millis(100),
            Ok(false) => Duration::from_millis(1000),
            Err(e) => {
                tracing::debug!("webhook delivery pass failed: {e}");
                Duration::from_millis(1000)
            }
        };
        tokio::select! {
            _ = WAKE.notified() => {}
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// One pass; true while deliveries are pending.
async fn pass(store: &StoreHandle, inflight: &InFlight) -> Result<bool, String> {
    let db = store.db().await.map_err(|e| e.to_string())?;
    let due = webhooks::due(&*db, now_millis(), DUE_LIMIT).await.map_err(|e| e.to_string())?;
    let pending = if due.is_empty() { webhooks::pending_count(&*db).await.map_err(|e| e.to_string())? } else { 1 };
    drop(db);
    for d in due {
        if inflight.take(&d.id) {
            let (store, inflight) = (store.clone(), inflight.clone());
            tokio::spawn(async move {
                let id = d.id.clone();
                if let Err(e) = deliver(&store, d).await {
                    tracing::debug!("webhook delivery {id} failed to record: {e}");
                }
                inflight.release(&id);
                poke();
            });
        }
    }
    Ok(pending > 0)
}

fn log_id(at_ms: i64) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!("{at_ms:013}{:06}{}", SEQ.fetch_add(1, Ordering::Relaxed) % 1_000_000, random_string(4, ALNUM))
}

async fn deliver(store: &StoreHandle, d: Due) -> Result<(), String> {
    let (url, secret) = {
        let db = store.db().await.map_err(|e| e.to_string())?;
        let endpoint = objects::get(&*db, Kind::WebhookEndpoint, &d.endpoint_id).await.map_err(|e| e.to_string())?;
        let secret = objects::endpoint_secret(&*db, &d.endpoint_id).await.map_err(|e| e.to_string())?;
        (endpoint.and_then(|e| e["url"].as_str().map(String::from)), secret)
    };
    let attempt = d.attempts;
    let (status, error): (Option<i64>, Option<String>) = match (url, secret) {
        (Some(url), Some(secret)) => {
            let t = now_secs();
            let sent = CLIENT
                .post(&url)
                .timeout(SETTINGS.timeout)
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .header("Stripe-Signature", signature(&secret, t, &d.body))
                .body(d.body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => (Some(r.status().as_u16() as i64), None),
                Ok(r) => (Some(r.status().as_u16() as i64), Some("http_error".into())),
                Err(e) if e.is_timeout() => (None, Some("timeout".into())),
                Err(e) if e.is_connect() => (None, Some("connection_failed".into())),
                Err(_) => (None, Some("unknown_error".into())),
            }
        }
        _ => (None, Some("endpoint_deleted".into())),
    };
    let now = now_millis();
    let gone = error.as_deref() == Some("endpoint_deleted");
    let (state, next) = match &error {
        None => ("delivered", now),
        Some(_) if gone || attempt as usize >= SETTINGS.backoff.len() => ("failed", now),
        Some(_) => ("pending", now + SETTINGS.backoff[attempt as usize].as_millis() as i64),
    };
    let db = store.db().await.map_err(|e| e.to_string())?;
    let mut tx = asym_store::begin_write(&db).await.map_err(|e| e.to_string())?;
    if webhooks::record(&mut *tx, &d.id, attempt, state, error.as_deref(), next).await.map_err(|e| e.to_string())? {
        let log = Attempt {
            id: log_id(now),
            delivery_id: d.id.clone(),
            event_id: d.event_id.clone(),
            endpoint_id: d.endpoint_id.clone(),
            event_type: d.event_type.clone(),
            attempt,
            status,
            error,
            at_ms: now,
        };
        webhooks::log_attempt(&mut *tx, &log).await.map_err(|e| e.to_string())?;
        if state == "delivered"
            && let Some(mut ev) = objects::get(&mut *tx, Kind::Event, &d.event_id).await.map_err(|e| e.to_string())?
        {
            let left = (ev["pending_webhooks"].as_i64().unwrap_or(1) - 1).max(0);
            ev["pending_webhooks"] = serde_json::json!(left);
            objects::save(&mut *tx, Kind::Event, &ev).await.map_err(|e| e.to_string())?;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_stripes_scheme() {
        // HMAC-SHA256 of "1700000000.{}" under "whsec_test", computed with Python's hmac.
        assert_eq!(
            signature("whsec_test", 1_700_000_000, "{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
