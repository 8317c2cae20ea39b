//! `asym api`: reset, diff, eval and trace over local HTTP, so that a training
//! loop runs thousands of episodes without starting the CLI for each step.
//!
//! Bound to 127.0.0.1 only: it can reset and read every clone of this ASYM_HOME.
//! Errors are the CLI's own codes in `{"error": {code, message, hint}}`.

use std::sync::Arc;

use asym_contract::{AsymError, Result};
use asym_engine::Engine;
use asym_engine::trace::TraceFilter;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::Exit;
use crate::args::ApiArgs;
use crate::printer::Printer;

type Shared = Arc<Engine>;

pub async fn run(engine: Engine, p: &Printer, a: &ApiArgs) -> Result<Exit> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], a.port));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => AsymError::PortInUse { port: a.port },
        _ => AsymError::io(format!("listening on {addr}"), e),
    })?;
    let url = format!("http://{addr}/v1");
    if p.json {
        p.json(&serde_json::json!({ "url": url }));
    } else {
        p.line(format!("asym api listening on {url} (Ctrl-C stops it)"));
    }
    axum::serve(listener, router(Arc::new(engine)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| AsymError::io("serving the api", e))?;
    Ok(Exit::Success)
}

pub fn router(engine: Shared) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { axum::Json(serde_json::json!({ "ok": true })) }))
        .route("/v1/envs/{name}", get(env_status))
        .route("/v1/envs/{name}/reset", post(env_reset))
        .route("/v1/envs/{name}/diff", get(env_diff))
        .route("/v1/envs/{name}/trace", get(env_trace))
        .route("/v1/envs/{name}/eval", post(eval))
        .route("/v1/clones/{id}", get(clone_status))
        .route("/v1/clones/{id}/reset", post(clone_reset))
        .route("/v1/clones/{id}/diff", get(clone_diff))
        .route("/v1/clones/{id}/trace", get(clone_trace))
        .route("/v1/clones/{id}/eval", post(eval))
        .fallback(|| async {
            ApiError(AsymError::NotImplemented { what: "this route of `asym api` (see README: the episode loop)".into() })
        })
        .with_state(engine)
}

struct ApiError(AsymError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = match e.code() {
            c if c.ends_with("_NOT_FOUND") => StatusCode::NOT_FOUND,
            "CHECKS_INVALID" | "INVALID_NAME" => StatusCode::UNPROCESSABLE_ENTITY,
            "CLONE_NOT_RUNNING" => StatusCode::CONFLICT,
            "NOT_IMPLEMENTED" => StatusCode::NOT_IMPLEMENTED,
            "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_GATEWAY,
        };
        let body = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string(), "hint": e.hint() } });
        (status, axum::Json(body)).into_response()
    }
}

/// A query string this API does not take is a named error, not axum's plain text.
fn query<T>(q: std::result::Result<Query<T>, QueryRejection>) -> Result<T> {
    q.map(|Query(v)| v).map_err(|e| AsymError::InvalidName { kind: "query", value: String::new(), reason: e.body_text() })
}

fn reply<T: Serialize>(r: Result<T>) -> Response {
    match r {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SinceQuery {
    since: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceQuery {
    status: Option<String>,
    method: Option<String>,
}

async fn env_status(State(e): State<Shared>, Path(name): Path<String>) -> Response {
    reply(e.env_status(&name).await)
}

async fn env_reset(State(e): State<Shared>, Path(name): Path<String>) -> Response {
    reply(e.env_reset(&name).await)
}

async fn env_diff(
    State(e): State<Shared>,
    Path(name): Path<String>,
    q: std::result::Result<Query<SinceQuery>, QueryRejection>,
) -> Response {
    match query(q) {
        Ok(q) => reply(e.env_diff(&name, q.since.as_deref()).await),
        Err(err) => ApiError(err).into_response(),
    }
}

async fn clone_status(State(e): State<Shared>, Path(id): Path<String>) -> Response {
    reply(e.get(&id, false).await)
}

async fn clone_reset(State(e): State<Shared>, Path(id): Path<String>) -> Response {
    reply(e.reset(&id).await.map(|millis| serde_json::json!({ "id": id, "millis": millis })))
}

async fn clone_diff(
    State(e): State<Shared>,
    Path(id): Path<String>,
    q: std::result::Result<Query<SinceQuery>, QueryRejection>,
) -> Response {
    match query(q) {
        Ok(q) => reply(e.diff(&id, q.since.as_deref()).await),
        Err(err) => ApiError(err).into_response(),
    }
}

async fn env_trace(
    State(e): State<Shared>,
    Path(name): Path<String>,
    q: std::result::Result<Query<TraceQuery>, QueryRejection>,
) -> Response {
    match query(q) {
        Ok(q) => reply(collect(e.env_trace(&name, TraceFilter { status: q.status, method: q.method }, false).await).await),
        Err(err) => ApiError(err).into_response(),
    }
}

async fn clone_trace(
    State(e): State<Shared>,
    Path(id): Path<String>,
    q: std::result::Result<Query<TraceQuery>, QueryRejection>,
) -> Response {
    match query(q) {
        Ok(q) => reply(collect(e.trace(&id, TraceFilter { status: q.status, method: q.method }, false).await).await),
        Err(err) => ApiError(err).into_response(),
    }
}

async fn collect<T>(stream: Result<futures_util::stream::BoxStream<'static, Result<T>>>) -> Result<Vec<T>> {
    let mut s = stream?;
    let mut out = Vec::new();
    while let Some(t) = s.next().await {
        out.push(t?);
    }
    Ok(out)
}

/// The body is the checks file itself (YAML, or JSON, which is YAML too).
async fn eval(
    State(e): State<Shared>,
    Path(target): Path<String>,
    q: std::result::Result<Query<SinceQuery>, QueryRejection>,
    body: String,
) -> Response {
    match query(q) {
        Ok(q) => reply(e.eval(&target, "request body", &body, q.since.as_deref()).await),
        Err(err) => ApiError(err).into_response(),
    }
}
