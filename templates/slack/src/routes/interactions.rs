//! `POST /api/_asym/interactions`: a person interacts with an app, as Slack's
//! client would report it: `{"app_id", "user_id", "type": "shortcut",
//! "callback_id"}` for a global shortcut, or `{"app_id", "user_id", "type":
//! "block_actions", "view_id", "action_id", "value"?}` for a click in one of the
//! app's views. Answers the trigger id (good for three seconds, once) and the
//! payload; when the app has an interactivity request URL the payload is POSTed
//! there, signed, and `delivery` says how that went. Needs the clone's admin
//! token or a workspace admin's user token, like the other control routes.

use asym_clone_kit::CloneCtx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::apps::{db, fail, guard, internal};
use crate::model::interactions::{self, Action};

pub async fn interact(State(ctx): State<CloneCtx>, headers: HeaderMap, body: Bytes) -> Response {
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = guard(&db, &headers).await {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return fail(StatusCode::BAD_REQUEST, "invalid_json");
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let (Some(app_id), Some(user_id)) = (field("app_id"), field("user_id")) else {
        return fail(StatusCode::BAD_REQUEST, "invalid_arguments");
    };
    let action = match field("type").as_deref() {
        Some("shortcut") => match field("callback_id") {
            Some(callback_id) => Action::Shortcut { callback_id },
            None => return fail(StatusCode::BAD_REQUEST, "invalid_arguments"),
        },
        Some("block_actions") => match (field("view_id"), field("action_id")) {
            (Some(view_id), Some(action_id)) => Action::BlockAction { view_id, action_id, value: field("value") },
            _ => return fail(StatusCode::BAD_REQUEST, "invalid_arguments"),
        },
        _ => return fail(StatusCode::BAD_REQUEST, "invalid_type"),
    };
    let done = match interactions::interact(&db, &app_id, &user_id, &action).await {
        Ok(Ok(i)) => i,
        Ok(Err(refusal)) => return fail(StatusCode::NOT_FOUND, refusal.code()),
        Err(e) => return internal(e),
    };
    // No database guard is held while the app is called: the app answers by
    // calling views.open, and a reset must not wait for it.
    drop(db);
    let delivery = match &done.target {
        Some((url, secret)) => {
            let sent = interactions::send(url, secret, &done.payload).await;
            json!({ "request_url": url, "status": sent.status, "error": sent.error, "ok": sent.error.is_none() })
        }
        None => Value::Null,
    };
    Json(json!({
        "ok": true,
        "trigger_id": done.trigger_id,
        "expires_ms": done.expires_ms,
        "payload": done.payload,
        "delivery": delivery,
    }))
    .into_response()
}
