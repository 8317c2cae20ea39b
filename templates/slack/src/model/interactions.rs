//! What a person does with an app that Slack turns into an interaction payload
//! with a trigger id: invoking a global shortcut, or clicking a button (any
//! element with an `action_id`) in one of the app's views. The clone mints the
//! trigger id (good for one views.open / views.push within three seconds) and,
//! when the app's manifest enables interactivity with a request URL, POSTs the
//! payload there as Slack does: `application/x-www-form-urlencoded` with one
//! `payload` field holding the JSON, signed with the app's signing secret
//! (`X-Slack-Signature`, `X-Slack-Request-Timestamp`). Slack does not retry
//! interactions; the outcome of the one attempt is returned.

use std::sync::LazyLock;
use std::time::Duration;

use asym_clone_kit::secrets::{DIGITS, HEX, random_string};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::apps::now_millis;
use crate::model::delivery::signature;
use crate::model::views::{TRIGGER_TTL_MS, render};
use crate::store::views::{self, TriggerRow};
use crate::store::workspace;
use crate::wire::{now_secs, now_ts};

/// What a person did.
#[derive(Debug, Clone)]
pub enum Action {
    /// A global shortcut of the app (`callback_id` as in the manifest's `features.shortcuts`).
    Shortcut { callback_id: String },
    /// A click on the element `action_id` in view `view_id`.
    BlockAction { view_id: String, action_id: String, value: Option<String> },
}

/// A minted trigger and the payload Slack would send the app.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub trigger_id: String,
    pub expires_ms: i64,
    pub payload: Value,
    /// Where the payload goes, with the secret that signs it.
    pub target: Option<(String, String)>,
}

/// Why an interaction cannot happen (the control route answers 4xx).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    AppNotFound,
    UserNotFound,
    UnknownShortcut,
    ViewNotFound,
    ActionNotFound,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::AppNotFound => "app_not_found",
            Refusal::UserNotFound => "user_not_found",
            Refusal::UnknownShortcut => "unknown_shortcut",
            Refusal::ViewNotFound => "view_not_found",
            Refusal::ActionNotFound => "action_not_found",
        }
    }
}

/// Slack's trigger ids: `<digits>.<digits>.<32 hex>`.
fn new_trigger_id() -> String {
    format!("{}.{}.{}", random_string(13, DIGITS), random_string(12, DIGITS), random_string(32, HEX))
}

/// Whether `blocks` hold an interactive element with `action_id`; returns its block and element.
fn find_action<'a>(blocks: &'a Value, action_id: &str) -> Option<(&'a Value, &'a Value)> {
    fn walk<'a>(v: &'a Value, action_id: &str) -> Option<&'a Value> {
        match v {
            Value::Object(o) => {
                if o.get("action_id").and_then(Value::as_str) == Some(action_id) {
                    return Some(v);
                }
                o.values().find_map(|x| walk(x, action_id))
            }
            Value::Array(items) => items.iter().find_map(|x| walk(x, action_id)),
            _ => None,
        }
    }
    blocks.as_array()?.iter().find_map(|b| walk(b, action_id).map(|el| (b, el)))
}

pub async fn interact(db: &Pool, app_id: &str, user_id: &str, action: &Action) -> SlackResult<Result<Interaction, Refusal>> {
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let Some(app) = crate::store::apps::list(&mut *tx).await?.into_iter().find(|a| a.id == app_id) else {
        return Ok(Err(Refusal::AppNotFound));
    };
    let Some(user) = workspace::user(&mut *tx, user_id).await?.filter(|u| u.team_id == app.team_id && !u.is_bot && !u.deleted) else {
        return Ok(Err(Refusal::UserNotFound));
    };
    let team = workspace::team(&mut *tx, &app.team_id).await?.ok_or(SlackError::Code("team_not_found"))?;
    let manifest: Option<Value> = views::app_manifest(&mut *tx, app_id).await?.and_then(|m| serde_json::from_str(&m).ok());
    let trigger_id = new_trigger_id();
    let user_obj = json!({ "id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id });
    let team_obj = json!({ "id": team.id, "domain": team.domain });
    let token = app.verification_token.clone().unwrap_or_default();
    let (kind, view_id, payload) = match action {
        Action::Shortcut { callback_id } => {
            // An app made from a manifest has the global shortcuts it declares.
            if let Some(m) = &manifest {
                let declared = m.pointer("/features/shortcuts").and_then(Value::as_array).is_some_and(|list| {
                    list.iter().any(|s| s["callback_id"].as_str() == Some(callback_id) && s["type"].as_str() == Some("global"))
                });
                if !declared {
                    return Ok(Err(Refusal::UnknownShortcut));
                }
            }
            let payload = json!({
                "type": "shortcut",
                "token": token,
                "action_ts": now_ts(),
                "team": team_obj,
                "user": { "id": user.id, "username": user.name, "team_id": user.team_id },
                "is_enterprise_install": false,
                "enterprise": null,
                "callback_id": callback_id,
                "trigger_id": trigger_id,
            });
            ("shortcut", None, payload)
        }
        Action::BlockAction { view_id, action_id, value } => {
            let Some(view) = views::get(&mut *tx, view_id)
                .await?
                .filter(|v| v.app_id == app_id && v.user_id == user.id && (v.is_open || v.kind == "home"))
            else {
                return Ok(Err(Refusal::ViewNotFound));
            };
            let rendered = render(&view);
            let Some((block, element)) = find_action(&rendered["blocks"], action_id) else {
                return Ok(Err(Refusal::ActionNotFound));
            };
            let mut act = json!({
                "action_id": action_id,
                "block_id": block["block_id"],
                "type": element["type"],
                "action_ts": now_ts(),
            });
            if let Some(t) = element.get("text") {
                act["text"] = t.clone();
            }
            match (value, element.get("value")) {
                (Some(v), _) => act["value"] = json!(v),
                (None, Some(v)) => act["value"] = v.clone(),
                _ => {}
            }
            let payload = json!({
                "type": "block_actions",
                "user": user_obj,
                "api_app_id": app_id,
                "token": token,
                "container": { "type": "view", "view_id": view.id },
                "trigger_id": trigger_id,
                "team": team_obj,
                "enterprise": null,
                "is_enterprise_install": false,
                "view": rendered,
                "actions": [act],
            });
            ("block_actions", Some(view.id.clone()), payload)
        }
    };
    let expires_ms = now + TRIGGER_TTL_MS;
    views::insert_trigger(
        &mut *tx,
        &TriggerRow {
            trigger_id: trigger_id.clone(),
            team_id: app.team_id.clone(),
            app_id: app_id.to_string(),
            user_id: user.id.clone(),
            kind: kind.to_string(),
            view_id,
            created_ms: now,
            expires_ms,
            used_ms: None,
        },
    )
    .await?;
    tx.commit().await?;
    let enabled = manifest.as_ref().and_then(|m| m.pointer("/settings/interactivity/is_enabled")).and_then(Value::as_bool) == Some(true);
    let url = manifest.as_ref().and_then(|m| m.pointer("/settings/interactivity/request_url")).and_then(Value::as_str);
    let target = match (enabled, url, app.signing_secret) {
        (true, Some(u), Some(secret)) if !u.trim().is_empty() => Some((u.trim().to_string(), secret)),
        _ => None,
    };
    Ok(Ok(Interaction { trigger_id, expires_ms, payload, target }))
}

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Slackbot 1.0 (+https://api.slack.com/robots)")
        .build()
        .expect("an HTTP client without TLS always builds")
});

/// The outcome of POSTing a payload to the app: its HTTP status, or why there was none.
#[derive(Debug, Clone)]
pub struct Sent {
    pub status: Option<u16>,
    pub error: Option<&'static str>,
}

/// POSTs `payload` to `url` as Slack sends interactions: the form field
/// `payload`, signed; Slack waits three seconds for the app's answer.
pub async fn send(url: &str, signing_secret: &str, payload: &Value) -> Sent {
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap_or_default();
    let ts = now_secs().to_string();
    let sig = signature(signing_secret, &ts, &body);
    let req = CLIENT
        .post(url)
        .timeout(Duration::from_millis(TRIGGER_TTL_MS as u64))
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", ts)
        .header("X-Slack-Signature", sig)
        .body(body);
    match req.send().await {
        Ok(resp) if resp.status().is_success() => Sent { status: Some(resp.status().as_u16()), error: None },
        Ok(resp) => Sent { status: Some(resp.status().as_u16()), error: Some("http_error") },
        Err(e) if e.is_timeout() => Sent { status: None, error: Some("http_timeout") },
        Err(e) if e.is_connect() => Sent { status: None, error: Some("connection_failed") },
        Err(_) => Sent { status: None, error: Some("unknown_error") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_in_nested_elements() {
        let blocks = json!([
            { "type": "section", "block_id": "s1", "text": { "type": "mrkdwn", "text": "hi" } },
            { "type": "actions", "block_id": "a1", "elements": [{ "type": "button", "action_id": "go", "value": "v" }] }
        ]);
        let (block, el) = find_action(&blocks, "go").unwrap();
        assert_eq!(block["block_id"], json!("a1"));
        assert_eq!(el["value"], json!("v"));
        assert!(find_action(&blocks, "stop").is_none());
        assert!(crate::model::views::well_formed_trigger(&new_trigger_id()));
    }
}
