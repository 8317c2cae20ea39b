//! The clone's control plane: `GET /api/_asym/deliveries?endpoint_id=&event_id=&limit=&cursor=`,
//! the webhook delivery log (every attempt, oldest first), for `asym deliveries`.
//! It needs the clone's admin token (`x-asym-admin-token`) or the account's secret key.

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::same_secret;
use asym_contract::admin::{ADMIN_TOKEN_HEADER, env};
use asym_store::Db;
use axum::Extension;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::model::auth;
use crate::store::webhooks;

fn fail(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "ok": false, "error": error }))).into_response()
}

pub async fn deliveries(
    State(_ctx): State<CloneCtx>,
    Extension(db): Extension<Db>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Some(given) = headers.get(ADMIN_TOKEN_HEADER) {
        let expected = std::env::var(env::ADMIN_TOKEN).unwrap_or_default();
        if expected.is_empty() || !same_secret(given.to_str().unwrap_or(""), &expected) {
            return fail(StatusCode::UNAUTHORIZED, "invalid_auth");
        }
    } else if auth::authenticate(&db, headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())).await.is_err() {
        return fail(StatusCode::UNAUTHORIZED, "invalid_auth");
    }
    let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(_) => return fail(StatusCode::BAD_REQUEST, "invalid_query"),
    };
    let arg = |k: &str| pairs.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
    let limit = match arg("limit").map(|l| l.parse::<i64>()) {
        None => 100,
        Some(Ok(n)) if n > 0 => n.min(1000),
        Some(_) => return fail(StatusCode::BAD_REQUEST, "invalid_limit"),
    };
    // `app_id` is what `asym deliveries --app` sends; here it names a webhook endpoint.
    let endpoint = arg("endpoint_id").or_else(|| arg("app_id"));
    let after = arg("cursor").unwrap_or_default();
    let rows = match webhooks::log(&*db, endpoint.as_deref(), arg("event_id").as_deref(), &after, limit + 1).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("reading the delivery log: {e}");
            return fail(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
        }
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
                "endpoint_id": r.endpoint_id,
                "app_id": r.endpoint_id,
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
