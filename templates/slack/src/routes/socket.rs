//! Socket Mode's WebSocket (`GET /link/?ticket=…`, the URL apps.connections.open
//! hands out) and the control route that mints app-level tokens:
//! `POST /api/_asym/apps/<app_id>/tokens` with `{"name", "scopes":
//! ["connections:write"]}` answers `{"ok": true, "token": "xapp-…"}` (admin
//! token or a workspace admin's user token, like the other control routes).

use asym_clone_kit::CloneCtx;
use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use super::apps::{db, fail, guard, internal};
use crate::model::socket_mode::{self, MintRefusal};

#[derive(serde::Deserialize)]
pub struct LinkQuery {
    ticket: Option<String>,
}

/// The clone's key for its sockets and send loop (one process may serve several clones in tests).
fn clone_key(ctx: &CloneCtx) -> String {
    format!("{}|{}", ctx.id, ctx.public_url)
}

pub async fn link(State(ctx): State<CloneCtx>, Query(q): Query<LinkQuery>, ws: WebSocketUpgrade) -> Response {
    let Some(app_id) = q.ticket.as_deref().and_then(socket_mode::take_ticket) else {
        return (StatusCode::UNAUTHORIZED, "invalid or expired ticket").into_response();
    };
    let Some(store) = ctx.store.clone() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no database").into_response();
    };
    // Events are routed to apps by the Events API loop.
    crate::model::delivery::ensure_running(&ctx);
    let key = clone_key(&ctx);
    ws.on_upgrade(move |socket| session(socket, store, key, app_id))
}

async fn session(socket: WebSocket, store: asym_store::StoreHandle, key: String, app_id: String) {
    let mut reg = socket_mode::register(&store, &key, &app_id);
    let (mut sink, mut stream) = socket.split();
    if sink.send(Message::Text(reg.hello.clone().into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            out = reg.rx.recv() => {
                let Some(frame) = out else { break };
                if sink.send(Message::Text(frame.into())).await.is_err() {
                    break;
                }
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Err(e) = socket_mode::receive(&store, &key, text.as_str()).await {
                        tracing::debug!("socket mode ack failed: {e}");
                    }
                }
                Some(Ok(Message::Ping(p))) => {
                    if sink.send(Message::Pong(p)).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    drop(reg);
}

/// `POST /api/_asym/apps/<app_id>/tokens`.
pub async fn mint(State(ctx): State<CloneCtx>, Path(app_id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = guard(&db, &headers).await {
        return r;
    }
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return fail(StatusCode::BAD_REQUEST, "invalid_json"),
        }
    };
    let name = body.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).unwrap_or("app-token").to_string();
    let scopes: Vec<String> = match body.get("scopes") {
        None => vec![socket_mode::CONNECTIONS_WRITE.to_string()],
        Some(Value::Array(items)) => items.iter().filter_map(|s| s.as_str().map(String::from)).collect(),
        Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect(),
        Some(_) => return fail(StatusCode::BAD_REQUEST, "invalid_scopes"),
    };
    match socket_mode::mint(&db, &app_id, &name, &scopes).await {
        Ok(Ok(token)) => Json(json!({ "ok": true, "app_id": app_id, "name": name, "scopes": scopes, "token": token })).into_response(),
        Ok(Err(MintRefusal::AppNotFound)) => fail(StatusCode::NOT_FOUND, "app_not_found"),
        Ok(Err(MintRefusal::NoScopes)) => fail(StatusCode::BAD_REQUEST, "invalid_scopes"),
        Ok(Err(MintRefusal::InvalidScope(s))) => {
            (StatusCode::BAD_REQUEST, Json(json!({ "ok": false, "error": "invalid_scope", "scope": s }))).into_response()
        }
        Err(e) => internal(e),
    }
}
