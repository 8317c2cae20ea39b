//! Socket Mode. An app-level token (`xapp-…`) with `connections:write` calls
//! apps.connections.open and gets a one-time WebSocket URL
//! (`ws://<clone>/link/?ticket=…&app_id=…`). On that socket the clone says
//! `hello`, then sends each Events API delivery of the app as an `events_api`
//! envelope (`envelope_id`, `payload`: the same `event_callback` body HTTP
//! delivery signs, `accepts_response_payload`, `retry_attempt`,
//! `retry_reason`). The app acknowledges with `{"envelope_id": …}`; an envelope
//! not acknowledged within the events timeout (`ASYM_SLACK_EVENTS_TIMEOUT_MS`,
//! 3 s) is sent again, on any open connection of the app, with `retry_reason:
//! "timeout"`, as many times as HTTP delivery retries; then it is given up.
//! Apps in Socket Mode get no HTTP deliveries; deliveries wait while an app has
//! no connection open. Every attempt is logged in `event_deliveries`, like HTTP
//! attempts.
//!
//! App-level tokens come from app creation (`settings.socket_mode_enabled` in
//! the manifest given to `POST /api/_asym/apps`) or from
//! `POST /api/_asym/apps/<app_id>/tokens`; only their hash is stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use asym_clone_kit::secrets::{ALNUM, DIGITS, HEX, hash_token, random_string};
use asym_store::{Pool, StoreHandle};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use crate::errors::{SlackError, SlackResult};
use crate::model::apps::now_millis;
use crate::model::delivery::Settings;
use crate::store::apps::{self as app_store, DueDelivery, LogRow};
use crate::store::socket_mode as store;

/// The scope apps.connections.open needs.
pub const CONNECTIONS_WRITE: &str = "connections:write";
/// Scopes an app-level token may hold.
pub const APP_LEVEL_SCOPES: &[&str] = &["authorizations:read", "app_configurations:write", CONNECTIONS_WRITE];
/// How long a WebSocket URL may be used, once.
const TICKET_TTL: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);
const DUE_LIMIT: i64 = 200;

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::from_env);

/// A fresh app-level token, in Slack's shape: `xapp-1-A…-<digits>-<64 hex>`.
fn new_app_token(app_id: &str) -> String {
    format!("xapp-1-{app_id}-{}-{}", random_string(13, DIGITS), random_string(64, HEX))
}

/// Mints an app-level token for `app_id` (stored hashed); returns it in plain text.
pub async fn mint_app_token(tx: &mut asym_store::WriteTx, app_id: &str, team_id: &str, name: &str, scopes: &[&str]) -> SlackResult<String> {
    let token = new_app_token(app_id);
    store::insert_app_token(&mut **tx, &hash_token(&token), app_id, team_id, name, &scopes.join(","), crate::wire::now_secs()).await?;
    Ok(token)
}

/// Why an app-level token could not be minted.
#[derive(Debug, PartialEq, Eq)]
pub enum MintRefusal {
    AppNotFound,
    InvalidScope(String),
    NoScopes,
}

/// `POST /api/_asym/apps/<app_id>/tokens`: a new app-level token for any app.
pub async fn mint(db: &Pool, app_id: &str, name: &str, scopes: &[String]) -> SlackResult<Result<String, MintRefusal>> {
    if scopes.is_empty() {
        return Ok(Err(MintRefusal::NoScopes));
    }
    if let Some(bad) = scopes.iter().find(|s| !APP_LEVEL_SCOPES.contains(&s.as_str())) {
        return Ok(Err(MintRefusal::InvalidScope(bad.clone())));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let Some(team_id) = store::app_team(&mut *tx, app_id).await? else {
        return Ok(Err(MintRefusal::AppNotFound));
    };
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let token = mint_app_token(&mut tx, app_id, &team_id, name, &scopes).await?;
    tx.commit().await?;
    Ok(Ok(token))
}

/// What an `xapp-` token on any other method gets: Slack's `not_allowed_token_type`
/// when the token exists, `invalid_auth` otherwise.
pub async fn app_token_elsewhere(db: &Pool, token: &str) -> SlackError {
    match store::app_token(db, &hash_token(token)).await {
        Ok(Some(_)) => SlackError::Code("not_allowed_token_type"),
        Ok(None) => SlackError::InvalidAuth,
        Err(e) => e.into(),
    }
}

struct Ticket {
    app_id: String,
    expires: Instant,
}

static TICKETS: LazyLock<Mutex<HashMap<String, Ticket>>> = LazyLock::new(Default::default);

/// apps.connections.open: with an app-level token holding `connections:write`.
pub async fn connections_open(db: &Pool, token: Option<&str>, origin: &str) -> SlackResult<Value> {
    let token = token.filter(|t| !t.is_empty()).ok_or(SlackError::NotAuthed)?;
    if !token.starts_with("xapp-") {
        // A bot or user token is a real token of the wrong type.
        return match crate::model::auth::authenticate(db, Some(token)).await {
            Ok(_) => Err(SlackError::Code("not_allowed_token_type")),
            Err(e) => Err(e),
        };
    }
    let row = store::app_token(db, &hash_token(token)).await?.ok_or(SlackError::InvalidAuth)?;
    if !row.scopes.split(',').any(|s| s == CONNECTIONS_WRITE) {
        return Err(SlackError::MissingScope { needed: CONNECTIONS_WRITE.into(), provided: row.scopes.clone() });
    }
    let ticket = format!(
        "{}-{}-{}-{}-{}",
        random_string(8, HEX),
        random_string(4, HEX),
        random_string(4, HEX),
        random_string(4, HEX),
        random_string(12, HEX)
    );
    {
        let mut tickets = TICKETS.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        tickets.retain(|_, t| t.expires > now);
        tickets.insert(ticket.clone(), Ticket { app_id: row.app_id.clone(), expires: now + TICKET_TTL });
    }
    let ws_origin = origin.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    Ok(json!({ "url": format!("{ws_origin}/link/?ticket={ticket}&app_id={}", row.app_id) }))
}

/// Exchanges a ticket (once, before it expires) for the app it was issued to.
pub fn take_ticket(ticket: &str) -> Option<String> {
    let t = TICKETS.lock().unwrap_or_else(|e| e.into_inner()).remove(ticket)?;
    (t.expires > Instant::now()).then_some(t.app_id)
}

// -- connections --

/// One open socket of an app: frames queued for it.
struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<String>,
}

/// The open sockets of one app on one clone, and a round-robin counter.
type Sockets = (u64, Vec<Conn>);
/// An envelope sent and not acknowledged yet: (clone key, queue id, attempts after the send).
type Unacked = (String, String, i64);

/// Open sockets per `<clone key>|<app id>`.
static CONNS: LazyLock<Mutex<HashMap<String, Sockets>>> = LazyLock::new(Default::default);
/// Envelopes sent and not acknowledged yet, by envelope id.
static PENDING: LazyLock<Mutex<HashMap<String, Unacked>>> = LazyLock::new(Default::default);
/// The running send loops, one per clone key.
static LOOPS: LazyLock<Mutex<HashMap<String, Arc<Notify>>>> = LazyLock::new(Default::default);
static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A registered socket; dropping it unregisters it.
pub struct Registration {
    key: String,
    id: u64,
    pub rx: mpsc::UnboundedReceiver<String>,
    pub hello: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut conns = CONNS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, list)) = conns.get_mut(&self.key) {
            list.retain(|c| c.id != self.id);
        }
    }
}

/// Registers a socket of `app_id` on clone `clone_key`, starts the clone's send
/// loop and returns the `hello` to send first.
pub fn register(store: &StoreHandle, clone_key: &str, app_id: &str) -> Registration {
    let key = format!("{clone_key}|{app_id}");
    let (tx, rx) = mpsc::unbounded_channel();
    let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let n = {
        let mut conns = CONNS.lock().unwrap_or_else(|e| e.into_inner());
        let entry = conns.entry(key.clone()).or_default();
        entry.1.push(Conn { id, tx });
        entry.1.len()
    };
    let hello = json!({
        "type": "hello",
        "num_connections": n,
        "debug_info": { "host": "applink-asym-1", "build_number": 1, "approximate_connection_time": 18060 },
        "connection_info": { "app_id": app_id },
    })
    .to_string();
    if let Some(wake) = ensure_running(store, clone_key) {
        wake.notify_one();
    }
    Registration { key, id, rx, hello }
}

/// Sends a frame to one open socket of the app (round robin); false when it has none.
fn send_to(clone_key: &str, app_id: &str, frame: String) -> bool {
    let mut conns = CONNS.lock().unwrap_or_else(|e| e.into_inner());
    let Some((next, list)) = conns.get_mut(&format!("{clone_key}|{app_id}")) else {
        return false;
    };
    list.retain(|c| !c.tx.is_closed());
    if list.is_empty() {
        return false;
    }
    let at = (*next as usize) % list.len();
    *next = next.wrapping_add(1);
    list[at].tx.send(frame).is_ok()
}

/// The apps with an open socket on clone `clone_key`.
fn connected_apps(clone_key: &str) -> Vec<String> {
    let prefix = format!("{clone_key}|");
    let conns = CONNS.lock().unwrap_or_else(|e| e.into_inner());
    conns
        .iter()
        .filter(|(k, (_, l))| k.starts_with(&prefix) && l.iter().any(|c| !c.tx.is_closed()))
        .map(|(k, _)| k[prefix.len()..].to_string())
        .collect()
}

fn ensure_running(store: &StoreHandle, clone_key: &str) -> Option<Arc<Notify>> {
    let mut loops = LOOPS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = loops.get(clone_key) {
        return Some(n.clone());
    }
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let wake = Arc::new(Notify::new());
    loops.insert(clone_key.to_string(), wake.clone());
    handle.spawn(run(store.clone(), clone_key.to_string(), wake.clone()));
    Some(wake)
}

async fn run(store: StoreHandle, clone_key: String, wake: Arc<Notify>) {
    loop {
        if let Err(e) = pass(&store, &clone_key).await {
            tracing::debug!("socket mode pass failed: {e}");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

fn log_row(d: &DueDelivery, attempt: i64, error: Option<&str>, at_ms: i64) -> LogRow {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    LogRow {
        id: format!("{at_ms:013}{:06}{}", SEQ.fetch_add(1, Ordering::Relaxed) % 1_000_000, random_string(4, ALNUM)),
        queue_id: d.id.clone(),
        event_id: d.event_id.clone(),
        app_id: d.app_id.clone(),
        event_type: d.event_type.clone(),
        attempt,
        status: None,
        error: error.map(String::from),
        at_ms,
    }
}

/// Sends every due delivery of an app with an open socket; a due delivery that
/// was sent before was not acknowledged in time.
async fn pass(store: &StoreHandle, clone_key: &str) -> Result<(), String> {
    let apps = connected_apps(clone_key);
    if apps.is_empty() {
        return Ok(());
    }
    let db = store.db().await.map_err(|e| e.to_string())?;
    let mut due = Vec::new();
    for app in &apps {
        due.extend(store::due(&*db, app, now_millis(), DUE_LIMIT).await.map_err(|e| e.to_string())?);
    }
    let retries = SETTINGS.backoff.len() as i64;
    for d in due {
        let now = now_millis();
        let mut tx = asym_store::begin_write(&db).await.map_err(|e| e.to_string())?;
        if d.attempts > 0 {
            // The previous envelope timed out.
            app_store::log_attempt(&mut *tx, &log_row(&d, d.attempts - 1, Some("timeout"), now)).await.map_err(|e| e.to_string())?;
        }
        if d.attempts > retries {
            store::give_up(&mut *tx, &d.id, d.attempts).await.map_err(|e| e.to_string())?;
            PENDING.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, (_, queue_id, _)| *queue_id != d.id);
            tx.commit().await.map_err(|e| e.to_string())?;
            continue;
        }
        let next = now + SETTINGS.timeout.as_millis() as i64;
        let recorded =
            app_store::record_attempt(&mut *tx, &d.id, d.attempts, "pending", Some("timeout"), next).await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        if !recorded {
            continue;
        }
        let envelope_id = format!(
            "{}-{}-{}-{}-{}",
            random_string(8, HEX),
            random_string(4, HEX),
            random_string(4, HEX),
            random_string(4, HEX),
            random_string(12, HEX)
        );
        let payload: Value = serde_json::from_str(&d.body).unwrap_or(Value::Null);
        let frame = json!({
            "envelope_id": envelope_id,
            "payload": payload,
            "type": "events_api",
            "accepts_response_payload": false,
            "retry_attempt": d.attempts,
            "retry_reason": if d.attempts == 0 { "" } else { "timeout" },
        })
        .to_string();
        {
            let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
            // An envelope that timed out is no longer acknowledged by its old id.
            pending.retain(|_, (_, queue_id, _)| *queue_id != d.id);
            pending.insert(envelope_id, (clone_key.to_string(), d.id.clone(), d.attempts + 1));
        }
        // A socket that closed meanwhile: the envelope times out and goes to another.
        send_to(clone_key, &d.app_id, frame);
    }
    Ok(())
}

/// A frame from the app: an acknowledgement `{"envelope_id": …}` completes that
/// delivery. Returns whether it acknowledged a pending envelope.
pub async fn receive(store: &StoreHandle, clone_key: &str, text: &str) -> Result<bool, String> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Ok(false);
    };
    let Some(envelope_id) = v.get("envelope_id").and_then(Value::as_str) else {
        return Ok(false);
    };
    let pending = {
        let mut p = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        match p.get(envelope_id) {
            Some((key, _, _)) if key == clone_key => p.remove(envelope_id),
            _ => None,
        }
    };
    let Some((_, queue_id, attempts)) = pending else {
        return Ok(false);
    };
    let db = store.db().await.map_err(|e| e.to_string())?;
    let mut tx = asym_store::begin_write(&db).await.map_err(|e| e.to_string())?;
    let done = store::acked(&mut *tx, &queue_id, attempts).await.map_err(|e| e.to_string())?;
    if done {
        let row: Option<(String, String, String)> = sqlx::query_as("SELECT event_id, app_id, event_type FROM event_queue WHERE id = $1")
            .bind(&queue_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        if let Some((event_id, app_id, event_type)) = row {
            let d = DueDelivery {
                id: queue_id,
                app_id,
                event_id,
                event_type,
                body: String::new(),
                attempts,
                last_error: None,
                request_url: String::new(),
                signing_secret: String::new(),
            };
            app_store::log_attempt(&mut *tx, &log_row(&d, attempts - 1, None, now_millis())).await.map_err(|e| e.to_string())?;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_tokens_and_tickets_look_like_slacks() {
        let t = new_app_token("A0123456789");
        assert!(t.starts_with("xapp-1-A0123456789-"));
        assert_eq!(t.rsplit('-').next().map(str::len), Some(64));
        TICKETS.lock().unwrap().insert("t1".into(), Ticket { app_id: "A1".into(), expires: Instant::now() + TICKET_TTL });
        assert_eq!(take_ticket("t1").as_deref(), Some("A1"));
        assert_eq!(take_ticket("t1"), None, "a ticket is good once");
        TICKETS.lock().unwrap().insert("t2".into(), Ticket { app_id: "A1".into(), expires: Instant::now() });
        assert_eq!(take_ticket("t2"), None, "an expired ticket is refused");
    }
}
