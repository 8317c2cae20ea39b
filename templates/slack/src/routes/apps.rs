//! The clone's control-plane routes for apps and events, and the web login:
//!
//! - `POST /api/_asym/apps`: create an app from a Slack app manifest (with
//!   `settings.socket_mode_enabled: true` the answer carries `app_token`, an
//!   app-level `xapp-…` token with `connections:write` for apps.connections.open;
//!   `POST /api/_asym/apps/<app_id>/tokens` mints more, see `routes/socket.rs`);
//! - `GET /api/_asym/apps`: list the workspace's apps;
//! - `GET /api/_asym/deliveries`: the Events API delivery log;
//! - `POST /api/auth/login`: email and password of a seeded person → a JWT.
//!
//! The first three need the clone's admin token (`x-asym-admin-token`) or the
//! user token of a workspace admin (`Authorization: Bearer xoxp-…`).

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::same_secret;
use asym_contract::admin::{ADMIN_TOKEN_HEADER, env};
use asym_store::Db;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::errors::SlackError;
use crate::model::auth::{self, TokenKind};
use crate::model::{apps, delivery, web_login};
use crate::store::{apps as app_store, workspace};
use crate::wire::now_secs;

pub(super) fn fail(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "ok": false, "error": error }))).into_response()
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("internal error: {e}");
    fail(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
}

pub(super) async fn db(ctx: &CloneCtx) -> Result<Db, Response> {
    let store = ctx.store.as_ref().ok_or_else(|| fail(StatusCode::SERVICE_UNAVAILABLE, "no_database"))?;
    store.db().await.map_err(|e| fail(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()))
}

/// The admin token of the clone, or the user token (or web login) of an admin.
pub(super) async fn guard(db: &Db, headers: &HeaderMap) -> Result<(), Response> {
    if let Some(given) = headers.get(ADMIN_TOKEN_HEADER) {
        let expected = std::env::var(env::ADMIN_TOKEN).unwrap_or_default();
        let given = given.to_str().unwrap_or("");
        return if !expected.is_empty() && same_secret(given, &expected) {
            Ok(())
        } else {
            Err(fail(StatusCode::UNAUTHORIZED, "invalid_auth"))
        };
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let who = match auth::authenticate(db, bearer).await {
        Ok(p) => p,
        Err(SlackError::NotAuthed) => return Err(fail(StatusCode::UNAUTHORIZED, "not_authed")),
        Err(SlackError::InvalidAuth) => return Err(fail(StatusCode::UNAUTHORIZED, "invalid_auth")),
        Err(SlackError::Code("not_allowed_token_type")) => return Err(fail(StatusCode::FORBIDDEN, "not_allowed_token_type")),
        Err(e) => return Err(internal(e)),
    };
    if who.kind == TokenKind::Bot {
        return Err(fail(StatusCode::FORBIDDEN, "not_allowed_token_type"));
    }
    let user = workspace::user(&**db, &who.user_id).await.map_err(internal)?;
    match user {
        Some(u) if u.is_admin || u.is_owner => Ok(()),
        _ => Err(fail(StatusCode::FORBIDDEN, "not_an_admin")),
    }
}

/// `POST /api/_asym/apps`.
pub async fn create(State(ctx): State<CloneCtx>, headers: HeaderMap, body: Bytes) -> Response {
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = guard(&db, &headers).await {
        return r;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "ok": false, "error": "invalid_json" }))).into_response();
    };
    let manifest = match apps::parse(&body) {
        Ok(m) => m,
        Err(errors) => {
            let errors: Vec<Value> = errors.iter().map(apps::ManifestError::to_json).collect();
            return (StatusCode::BAD_REQUEST, Json(json!({ "ok": false, "error": "invalid_manifest", "errors": errors }))).into_response();
        }
    };
    let created = match apps::create(&db, &manifest).await {
        Ok(c) => c,
        Err(SlackError::Code(code)) => return fail(StatusCode::CONFLICT, code),
        Err(e) => return internal(e),
    };
    // No database guard is held while the request URL is called: a reset must not
    // wait for someone else's server.
    drop(db);
    let mut subscriptions = Value::Null;
    if manifest.socket_mode {
        // Events go over the app's WebSocket: Slack does not verify the request URL.
        subscriptions = json!({
            "request_url": manifest.request_url,
            "socket_mode_enabled": true,
            "bot_events": manifest.bot_events,
            "user_events": manifest.user_events,
        });
    } else if let Some(url) = &manifest.request_url {
        let verified = delivery::verify_url(url, &created.verification_token, &created.signing_secret).await;
        let db = match self::db(&ctx).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        if let Err(e) = app_store::set_url_verified(&*db, &created.app_id, verified.is_ok()).await {
            return internal(e);
        }
        subscriptions = json!({
            "request_url": url,
            "url_verified": verified.is_ok(),
            "bot_events": manifest.bot_events,
            "user_events": manifest.user_events,
        });
        if let Err(reason) = verified {
            subscriptions["url_verification_error"] = json!(reason);
        }
    }
    if let Some(wake) = delivery::ensure_running(&ctx) {
        wake.notify_one();
    }
    let mut out = json!({
        "ok": true,
        "app_id": created.app_id,
        "team_id": created.team_id,
        "credentials": {
            "client_id": created.client_id,
            "client_secret": created.client_secret,
            "verification_token": created.verification_token,
            "signing_secret": created.signing_secret,
        },
        "bot_token": created.bot_token,
        "bot_user_id": created.bot_user_id,
        "bot_id": created.bot_id,
        "scopes": { "bot": manifest.bot_scopes, "user": manifest.user_scopes },
    });
    if let Some(t) = &created.app_token {
        out["app_token"] = json!(t);
    }
    if let Some(t) = &created.user_token {
        out["user_token"] = json!(t);
        out["authed_user_id"] = json!(created.installer_user_id);
    }
    if !subscriptions.is_null() {
        out["event_subscriptions"] = subscriptions;
    }
    Json(out).into_response()
}

/// `GET /api/_asym/apps`.
pub async fn list(State(ctx): State<CloneCtx>, headers: HeaderMap) -> Response {
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = guard(&db, &headers).await {
        return r;
    }
    delivery::ensure_running(&ctx);
    match apps::list(&db).await {
        Ok(list) => Json(json!({ "ok": true, "apps": list })).into_response(),
        Err(e) => internal(e),
    }
}

/// `GET /api/_asym/deliveries?app_id=&event_id=&limit=&cursor=`: every attempt,
/// oldest first.
pub async fn deliveries(State(ctx): State<CloneCtx>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if let Err(r) = guard(&db, &headers).await {
        return r;
    }
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(_) => return fail(StatusCode::BAD_REQUEST, "invalid_arg_name"),
    };
    let arg = |k: &str| pairs.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
    let limit = match arg("limit").map(|l| l.parse::<i64>()) {
        None => 100,
        Some(Ok(n)) if n > 0 => n.min(1000),
        Some(_) => return fail(StatusCode::BAD_REQUEST, "invalid_limit"),
    };
    let after = arg("cursor").unwrap_or_default();
    let rows = match app_store::log(&*db, arg("app_id").as_deref(), arg("event_id").as_deref(), &after, limit + 1).await {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let more = rows.len() as i64 > limit;
    let rows = &rows[..rows.len().min(limit as usize)];
    let next = if more { rows.last().map(|r| r.id.clone()).unwrap_or_default() } else { String::new() };
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "event_id": r.event_id,
                "app_id": r.app_id,
                "event_type": r.event_type,
                "attempt": r.attempt,
                "status": r.status,
                "error": r.error,
                "ok": r.error.is_none(),
                "time": r.at_ms as f64 / 1000.0,
            })
        })
        .collect();
    Json(json!({ "ok": true, "deliveries": list, "response_metadata": { "next_cursor": next } })).into_response()
}

/// `POST /api/auth/login` with `{"email", "password"}`.
pub async fn login(State(ctx): State<CloneCtx>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(email), Some(password)) = (body.get("email").and_then(Value::as_str), body.get("password").and_then(Value::as_str)) else {
        return fail(StatusCode::BAD_REQUEST, "invalid_arguments");
    };
    let db = match db(&ctx).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    match web_login::login(&db, email, password, now_secs()).await {
        Ok((token, user)) => {
            let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let ip = crate::model::oauth::client_ip(h("x-forwarded-for"), h("x-real-ip"));
            let (team, id) = (user["team_id"].as_str().unwrap_or_default(), user["id"].as_str().unwrap_or_default());
            if let Err(e) = crate::model::oauth::record_sign_in(&db, team, id, &ip, h("user-agent").unwrap_or_default()).await {
                return internal(e);
            }
            Json(json!({ "ok": true, "token": token, "user": user })).into_response()
        }
        Err(web_login::LoginError::InvalidCredentials) => fail(StatusCode::UNAUTHORIZED, "invalid_credentials"),
        Err(web_login::LoginError::Db(e)) => internal(e),
    }
}
