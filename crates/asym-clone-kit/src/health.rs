//! `GET <healthPath>`: answers as soon as the service can serve.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::CloneCtx;

pub async fn health(State(ctx): State<CloneCtx>) -> Json<Value> {
    Json(json!({
        "ok": true,
        "clone": ctx.id,
        "template": ctx.template.manifest().name,
        "service": ctx.service,
    }))
}
