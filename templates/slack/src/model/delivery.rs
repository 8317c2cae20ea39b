//! Events API delivery. A background loop in the clone process reads the events
//! outbox, routes each event to the apps that subscribed to it (`bot_events` /
//! `user_events` of their manifest) and can see it, queues Slack's
//! `event_callback` envelope for each, and POSTs it to the app's request URL,
//! signed with the app's signing secret (`X-Slack-Signature`,
//! `X-Slack-Request-Timestamp`). A non-2xx answer, no answer within the timeout
//! or a refused connection is retried (`X-Slack-Retry-Num`,
//! `X-Slack-Retry-Reason`), by default 3 times after 0.5 s, 1 s and 2 s. Every
//! attempt is logged in `event_deliveries`.
//!
//! The loop holds the database only between HTTP calls, through
//! `StoreHandle::db()` each time, so a reset (which swaps the database) waits
//! for no delivery and the loop carries on with the new database.
//!
//! Settings (environment of the clone process): `ASYM_SLACK_EVENTS_TIMEOUT_MS`
//! (default 3000) and `ASYM_SLACK_EVENTS_RETRY_MS` (default `500,1000,2000`: one
//! delay per retry).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::{Pool, StoreHandle};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::ids;
use crate::model::apps::now_millis;
use crate::model::web_login::hmac_sha256;
use crate::store::apps::{self, DueDelivery, LogRow, NewDelivery, OutboxEvent, Subscriber};
use crate::store::channels;
use crate::wire::now_secs;

/// Outbox events routed per pass.
const BATCH: i64 = 200;
/// Deliveries looked at per pass.
const DUE_LIMIT: i64 = 500;
/// How far before the newest routed event a pass looks again, for events whose
/// transaction committed late.
const LOOKBACK_MS: i64 = 10_000;
const POLL_ACTIVE: Duration = Duration::from_millis(100);
const POLL_IDLE: Duration = Duration::from_millis(1000);
const USER_AGENT: &str = "Slackbot 1.0 (+https://api.slack.com/robots)";

#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub backoff: Vec<Duration>,
}

impl Settings {
    pub fn from_env() -> Self {
        let timeout = std::env::var("ASYM_SLACK_EVENTS_TIMEOUT_MS").ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(3000);
        let backoff = std::env::var("ASYM_SLACK_EVENTS_RETRY_MS")
            .ok()
            .map(|v| v.split(',').filter_map(|x| x.trim().parse::<u64>().ok()).map(Duration::from_millis).collect())
            .unwrap_or_else(|| vec![Duration::from_millis(500), Duration::from_millis(1000), Duration::from_millis(2000)]);
        Settings { timeout: Duration::from_millis(timeout), backoff }
    }
}

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::from_env);

/// One HTTP client for the process: no proxy (request URLs are usually local),
/// no redirects (Slack does not follow them either).
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .expect("an HTTP client without TLS always builds")
});

/// The running loops of this process, one per clone, with the handle that wakes each.
static LOOPS: LazyLock<Mutex<HashMap<String, Arc<Notify>>>> = LazyLock::new(Default::default);

/// Starts the clone's delivery loop unless it runs already; returns its wake-up handle.
pub fn ensure_running(ctx: &CloneCtx) -> Option<Arc<Notify>> {
    let store = ctx.store.clone()?;
    let key = format!("{}|{}", ctx.id, ctx.public_url);
    let mut loops = LOOPS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = loops.get(&key) {
        return Some(n.clone());
    }
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let wake = Arc::new(Notify::new());
    loops.insert(key, wake.clone());
    handle.spawn(run(store, wake.clone()));
    Some(wake)
}

/// `v0=` and the hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the signing secret.
pub fn signature(signing_secret: &str, timestamp: &str, body: &str) -> String {
    format!("v0={}", hex::encode(hmac_sha256(signing_secret.as_bytes(), format!("v0:{timestamp}:{body}").as_bytes())))
}

fn signed(url: &str, signing_secret: &str, body: String) -> reqwest::RequestBuilder {
    let ts = now_secs().to_string();
    let sig = signature(signing_secret, &ts, &body);
    CLIENT
        .post(url)
        .timeout(SETTINGS.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Slack-Request-Timestamp", ts)
        .header("X-Slack-Signature", sig)
        .body(body)
}

/// Sends Slack's `url_verification` challenge; `Err` says why the URL failed.
pub async fn verify_url(url: &str, verification_token: &str, signing_secret: &str) -> Result<(), String> {
    let challenge = random_string(52, ALNUM);
    let body = json!({ "token": verification_token, "challenge": challenge, "type": "url_verification" }).to_string();
    let resp = signed(url, signing_secret, body).send().await.map_err(|e| {
        if e.is_timeout() {
            format!("Your URL didn't respond within {} ms.", SETTINGS.timeout.as_millis())
        } else {
            format!("Your URL could not be reached: {e}")
        }
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("Your URL responded with an HTTP error {}.", status.as_u16()));
    }
    let text = resp.text().await.map_err(|e| format!("Your URL's response could not be read: {e}"))?;
    let text = text.trim();
    let echoed = text == challenge
        || serde_json::from_str::<Value>(text).ok().and_then(|v| v.get("challenge").and_then(Value::as_str).map(|c| c == challenge))
            == Some(true)
        || serde_urlencoded::from_str::<Vec<(String, String)>>(text)
            .is_ok_and(|p| p.iter().any(|(k, v)| k == "challenge" && *v == challenge));
    if echoed { Ok(()) } else { Err("Your URL didn't respond with the value of the challenge parameter.".into()) }
}

/// Apps whose delivery is in flight (one at a time per app, so each app gets its
/// events in order); a guard frees the slot however the delivery ends.
#[derive(Clone, Default)]
struct InFlight(Arc<Mutex<HashSet<String>>>);

struct Slot(InFlight, String);

impl InFlight {
    fn take(&self, app: &str) -> Option<Slot> {
        let mut set = self.0.lock().unwrap_or_else(|e| e.into_inner());
        set.insert(app.to_string()).then(|| Slot(self.clone(), app.to_string()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.1);
    }
}

async fn run(store: StoreHandle, wake: Arc<Notify>) {
    let inflight = InFlight::default();
    loop {
        let pause = match pass(&store, &wake, &inflight).await {
            Ok(Pass::MoreToRoute) => Duration::ZERO,
            Ok(Pass::Active) => POLL_ACTIVE,
            Ok(Pass::Idle) => POLL_IDLE,
            Err(e) => {
                // The database is being swapped or the process is stopping.
                tracing::debug!("event delivery pass failed: {e}");
                POLL_IDLE
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }
}

enum Pass {
    MoreToRoute,
    Active,
    Idle,
}

async fn pass(store: &StoreHandle, wake: &Arc<Notify>, inflight: &InFlight) -> Result<Pass, String> {
    let db = store.db().await.map_err(|e| e.to_string())?;
    let subs = apps::subscribers(&*db).await.map_err(|e| e.to_string())?;
    if subs.is_empty() {
        return Ok(Pass::Idle);
    }
    let routed = route_batch(&db, &subs).await.map_err(|e| e.to_string())?;
    let due = apps::due(&*db, now_millis(), DUE_LIMIT).await.map_err(|e| e.to_string())?;
    drop(db);
    for d in due {
        if let Some(slot) = inflight.take(&d.app_id) {
            tokio::spawn(deliver(store.clone(), d, slot, wake.clone()));
        }
    }
    Ok(if routed as i64 >= BATCH { Pass::MoreToRoute } else { Pass::Active })
}

/// Routes the next outbox events to the subscribed apps; returns how many it read.
async fn route_batch(db: &Pool, subs: &[Subscriber]) -> sqlx::Result<usize> {
    let first_app = subs.iter().map(|s| s.created_ms).min().unwrap_or(0);
    let mark = apps::fanout_mark(db).await?.unwrap_or(0);
    let since = (mark - LOOKBACK_MS).max(first_app - LOOKBACK_MS);
    let events = apps::unrouted(db, since, BATCH).await?;
    if events.is_empty() {
        return Ok(0);
    }
    let mut tx = asym_store::begin_write(db).await?;
    for ev in &events {
        if !apps::mark_routed(&mut *tx, &ev.id, ev.created_ms).await? {
            continue;
        }
        let Ok(payload) = serde_json::from_str::<Value>(&ev.payload) else { continue };
        for sub in subs
            .iter()
            .filter(|s| s.team_id == ev.team_id && s.created_ms <= ev.created_ms && s.uninstalled_ms.is_none_or(|u| ev.created_ms <= u))
        {
            for out in route(&mut tx, sub, ev, &payload).await? {
                let body = envelope(sub, ev, &out);
                let id = format!("{}-{}", out.event_id, sub.app_id);
                let d = NewDelivery {
                    id: &id,
                    app_id: &sub.app_id,
                    event_id: &out.event_id,
                    event_type: &out.kind,
                    body: &body,
                    created_ms: ev.created_ms,
                };
                apps::enqueue(&mut *tx, &d).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(events.len())
}

/// One event for one app: the inner event and who it is delivered for.
#[derive(Debug, Clone)]
struct Outgoing {
    event_id: String,
    kind: String,
    inner: Value,
    channel: Option<String>,
    /// The authorization: the bot user, or the user who installed the app.
    user_id: String,
    is_bot: bool,
}

fn subscribed(list: &str, name: &str) -> bool {
    list.split(',').any(|x| x == name)
}

/// `message.channels` and the like: the subscription that covers a message in a
/// conversation of this `channel_type`.
fn message_subscription(channel_type: &str) -> &'static str {
    match channel_type {
        "group" => "message.groups",
        "im" => "message.im",
        "mpim" => "message.mpim",
        "app_home" => "message.app_home",
        _ => "message.channels",
    }
}

async fn member(tx: &mut asym_store::WriteTx, channel: Option<&str>, user: Option<&str>) -> sqlx::Result<bool> {
    match (channel, user) {
        (Some(c), Some(u)) => channels::is_member(&mut **tx, c, u).await,
        (None, Some(_)) => Ok(true),
        _ => Ok(false),
    }
}

/// Which events `sub` receives for outbox event `ev`. Bot subscriptions see the
/// conversations the bot is in, user subscriptions those the installing user is
/// in; public channel lifecycle events (`channel_*`) reach every subscriber;
/// `app_mention` is derived from messages that mention the app's bot user.
async fn route(tx: &mut asym_store::WriteTx, sub: &Subscriber, ev: &OutboxEvent, payload: &Value) -> sqlx::Result<Vec<Outgoing>> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or(&ev.kind).to_string();
    // `channel` is an id (`message`, `member_joined_channel`), a conversation
    // object (`im_created`, `channel_created`) or, for reactions and pins,
    // `item.channel`.
    let channel = payload
        .get("channel")
        .and_then(|c| c.as_str().or_else(|| c.get("id").and_then(Value::as_str)))
        .or_else(|| payload.pointer("/item/channel").and_then(Value::as_str))
        .map(String::from);
    let mut payload = payload.clone();
    if let Some(target) = payload.as_object_mut().and_then(|o| o.remove(crate::events::FOR_APP))
        && target.as_str() != Some(sub.app_id.as_str())
    {
        return Ok(Vec::new());
    }
    // An event about one member's own state reaches only the apps acting as them.
    let for_user = payload.as_object_mut().and_then(|o| o.remove(crate::events::FOR_USER)).and_then(|v| v.as_str().map(String::from));
    let payload = &payload;
    let event_id = format!("Ev{}", ev.id.get(1..).unwrap_or(&ev.id));
    let installer = sub.installer_user_id.as_deref();
    let mut out = Vec::new();
    let (bot_wants, user_wants, needs_membership) = if kind == "message" {
        let name = message_subscription(payload.get("channel_type").and_then(Value::as_str).unwrap_or("channel"));
        (
            subscribed(&sub.bot_events, name) || subscribed(&sub.bot_events, "message"),
            subscribed(&sub.user_events, name) || subscribed(&sub.user_events, "message"),
            true,
        )
    } else {
        (subscribed(&sub.bot_events, &kind), subscribed(&sub.user_events, &kind), !kind.starts_with("channel_"))
    };
    let gate = if needs_membership { channel.as_deref() } else { None };
    let bot_for = for_user.as_deref().is_none_or(|u| u == sub.bot_user_id);
    let user_for = for_user.as_deref().is_none_or(|u| Some(u) == installer);
    let bot_sees = bot_wants && bot_for && member(tx, gate, Some(&sub.bot_user_id)).await?;
    let user_sees = !bot_sees && user_wants && user_for && member(tx, gate, installer).await?;
    if bot_sees || user_sees {
        out.push(Outgoing {
            event_id: event_id.clone(),
            kind: kind.clone(),
            inner: payload.clone(),
            channel: channel.clone(),
            user_id: if bot_sees { sub.bot_user_id.clone() } else { installer.unwrap_or_default().to_string() },
            is_bot: bot_sees,
        });
    }
    if kind == "message" && subscribed(&sub.bot_events, "app_mention") && mentions(payload, &sub.bot_user_id) {
        let in_channel = member(tx, channel.as_deref(), Some(&sub.bot_user_id)).await?;
        if in_channel {
            let mut inner = payload.clone();
            if let Some(o) = inner.as_object_mut() {
                o.insert("type".into(), json!("app_mention"));
                o.remove("channel_type");
            }
            let id = ids::derived('E', &format!("{}/app_mention/{}", ev.id, sub.app_id));
            out.push(Outgoing {
                event_id: format!("Ev{}", &id[1..]),
                kind: "app_mention".into(),
                inner,
                channel,
                user_id: sub.bot_user_id.clone(),
                is_bot: true,
            });
        }
    }
    Ok(out)
}

/// Whether a new message's text mentions `user` (`<@U123>` or `<@U123|name>`).
fn mentions(payload: &Value, user: &str) -> bool {
    let subtype = payload.get("subtype").and_then(Value::as_str);
    if matches!(subtype, Some("message_changed" | "message_deleted" | "message_replied")) {
        return false;
    }
    let text = payload.get("text").and_then(Value::as_str).unwrap_or("");
    text.contains(&format!("<@{user}>")) || text.contains(&format!("<@{user}|"))
}

/// Slack's `event_callback` envelope, as the exact text that is sent and signed.
fn envelope(sub: &Subscriber, ev: &OutboxEvent, out: &Outgoing) -> String {
    let mut context = json!({ "et": out.kind, "tid": ev.team_id, "aid": sub.app_id });
    if let Some(c) = &out.channel {
        context["cid"] = json!(c);
    }
    json!({
        "token": sub.verification_token,
        "team_id": ev.team_id,
        "context_team_id": ev.team_id,
        "context_enterprise_id": null,
        "api_app_id": sub.app_id,
        "event": out.inner,
        "type": "event_callback",
        "event_id": out.event_id,
        "event_time": ev.created_ms / 1000,
        "authorizations": [{
            "enterprise_id": null,
            "team_id": ev.team_id,
            "user_id": out.user_id,
            "is_bot": out.is_bot,
            "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
        "event_context": format!("4-{}", URL_SAFE_NO_PAD.encode(context.to_string())),
    })
    .to_string()
}

/// Log ids sort in the order attempts were made.
fn log_id(at_ms: i64) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    format!("{at_ms:013}{:06}{}", SEQ.fetch_add(1, Ordering::Relaxed) % 1_000_000, random_string(4, ALNUM))
}

async fn deliver(store: StoreHandle, d: DueDelivery, slot: Slot, wake: Arc<Notify>) {
    let attempt = d.attempts;
    // The pass that listed this delivery may have read it before the previous
    // delivery to the app (holding the slot) recorded it: check again, under the slot.
    match still_due(&store, &d, attempt).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::debug!("checking delivery {} failed: {e}", d.id);
            return;
        }
    }
    let mut req = signed(&d.request_url, &d.signing_secret, d.body.clone());
    if attempt > 0 {
        req = req
            .header("X-Slack-Retry-Num", attempt.to_string())
            .header("X-Slack-Retry-Reason", d.last_error.as_deref().unwrap_or("http_error"));
    }
    let (status, error, no_retry) = match req.send().await {
        Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16() as i64), None, false),
        Ok(resp) => {
            // An app may ask not to be sent this event again.
            let no_retry = resp.headers().get("x-slack-no-retry").is_some_and(|v| v.as_bytes() == b"1");
            (Some(resp.status().as_u16() as i64), Some("http_error"), no_retry)
        }
        Err(e) if e.is_timeout() => (None, Some("http_timeout"), false),
        Err(e) if e.is_connect() => (None, Some("connection_failed"), false),
        Err(e) if e.is_redirect() => (None, Some("too_many_redirects"), false),
        Err(_) => (None, Some("unknown_error"), false),
    };
    let now = now_millis();
    let retries = SETTINGS.backoff.len() as i64;
    let (state, next_ms) = match error {
        None => ("delivered", now),
        Some(_) if no_retry || attempt >= retries => ("failed", now),
        Some(_) => ("pending", now + SETTINGS.backoff[attempt as usize].as_millis() as i64),
    };
    let log = LogRow {
        id: log_id(now),
        queue_id: d.id.clone(),
        event_id: d.event_id.clone(),
        app_id: d.app_id.clone(),
        event_type: d.event_type.clone(),
        attempt,
        status,
        error: error.map(String::from),
        at_ms: now,
    };
    if let Err(e) = record(&store, &d, attempt, state, error, next_ms, &log).await {
        tracing::debug!("recording delivery {} failed: {e}", d.id);
    }
    drop(slot);
    wake.notify_one();
}

async fn still_due(store: &StoreHandle, d: &DueDelivery, attempt: i64) -> Result<bool, String> {
    let db = store.db().await.map_err(|e| e.to_string())?;
    apps::still_due(&*db, &d.id, attempt, now_millis()).await.map_err(|e| e.to_string())
}

async fn record(
    store: &StoreHandle,
    d: &DueDelivery,
    attempt: i64,
    state: &str,
    error: Option<&str>,
    next_ms: i64,
    log: &LogRow,
) -> Result<(), String> {
    let db = store.db().await.map_err(|e| e.to_string())?;
    let mut tx = asym_store::begin_write(&db).await.map_err(|e| e.to_string())?;
    // Nothing is logged for a delivery the database no longer has (reset meanwhile).
    if apps::record_attempt(&mut *tx, &d.id, attempt, state, error, next_ms).await.map_err(|e| e.to_string())? {
        apps::log_attempt(&mut *tx, log).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_slacks_v0_scheme() {
        // The example of Slack's "Verifying requests from Slack" guide.
        let secret = "8f742231b10e8888abcd99yyyzzz85a5";
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(signature(secret, "1531420618", body), "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
    }

    #[test]
    fn message_subscriptions_follow_channel_types() {
        assert_eq!(message_subscription("channel"), "message.channels");
        assert_eq!(message_subscription("group"), "message.groups");
        assert_eq!(message_subscription("im"), "message.im");
        assert_eq!(message_subscription("mpim"), "message.mpim");
        assert!(subscribed("message.channels,app_mention", "app_mention"));
        assert!(!subscribed("message.channels", "message"));
    }

    #[test]
    fn mentions_need_the_exact_user() {
        assert!(mentions(&json!({ "text": "hey <@U1BOT> look" }), "U1BOT"));
        assert!(mentions(&json!({ "text": "<@U1BOT|triage> look" }), "U1BOT"));
        assert!(!mentions(&json!({ "text": "hey <@U1BOTX>" }), "U1BOT"));
        assert!(!mentions(&json!({ "text": "<@U1BOT>", "subtype": "message_changed" }), "U1BOT"));
    }
}
