//! The control routes the engine drives (`/_asym/admin/*`), guarded by the clone's
//! admin token. They live under `/_asym`, a namespace no cloned product uses.

use std::time::Instant;

use asym_contract::AsymError;
use asym_contract::admin::{
    ADMIN_TOKEN_HEADER, AdminError, PROVISION_PATH, ProvisionRequest, ProvisionResponse, RESET_PATH, ResetRequest, ResetResponse,
    SEED_PATH, SeedRequest,
};
use asym_contract::{SeedResult, admin};
use asym_store::GoldenStore;
use asym_store::golden::restore_file;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::{CloneCtx, golden, secrets};

#[derive(Clone)]
pub struct AdminState {
    pub ctx: CloneCtx,
    pub admin_token: String,
    pub golden: GoldenStore,
}

pub fn router(state: AdminState) -> Router {
    Router::new().route(PROVISION_PATH, post(provision)).route(SEED_PATH, post(seed)).route(RESET_PATH, post(reset)).with_state(state)
}

/// An [`AsymError`] rendered as the admin error body.
pub struct AdminFailure(AsymError);

impl<E: Into<AsymError>> From<E> for AdminFailure {
    fn from(e: E) -> Self {
        AdminFailure(e.into())
    }
}

impl IntoResponse for AdminFailure {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            AsymError::FixtureNotFound { .. } | AsymError::SeedValidation { .. } | AsymError::InvalidName { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AsymError::NotImplemented { .. } | AsymError::NoProvisionSurface { .. } => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::warn!(code = self.0.code(), "admin request failed: {}", self.0);
        (status, Json(AdminError { code: self.0.code().into(), message: self.0.to_string() })).into_response()
    }
}

fn authorized(state: &AdminState, headers: &HeaderMap) -> bool {
    let given = headers.get(ADMIN_TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    secrets::same_secret(given, &state.admin_token)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(AdminError { code: "ADMIN_UNAUTHORIZED".into(), message: format!("missing or wrong `{ADMIN_TOKEN_HEADER}`") }),
    )
        .into_response()
}

/// JSON body whose rejection is rendered as an admin error, not axum's plain text.
pub struct AdminJson<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AdminJson<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(AdminJson(v)),
            Err(e) => {
                Err((StatusCode::BAD_REQUEST, Json(AdminError { code: "ADMIN_BAD_REQUEST".into(), message: e.body_text() }))
                    .into_response())
            }
        }
    }
}

async fn provision(State(s): State<AdminState>, headers: HeaderMap, AdminJson(req): AdminJson<ProvisionRequest>) -> Response {
    if !authorized(&s, &headers) {
        return unauthorized();
    }
    run(async {
        let db = s.ctx.store.as_ref().ok_or_else(no_db)?.db().await?;
        let tokens = s.ctx.template.provision(&s.ctx, &db, req).await?;
        Ok(ProvisionResponse { tokens })
    })
    .await
}

async fn seed(State(s): State<AdminState>, headers: HeaderMap, AdminJson(req): AdminJson<SeedRequest>) -> Response {
    if !authorized(&s, &headers) {
        return unauthorized();
    }
    run(async {
        let template = &s.ctx.template;
        let fixture = template.fixture(&req.fixture).ok_or_else(|| AsymError::FixtureNotFound {
            template: template.manifest().name.clone(),
            fixture: req.fixture.clone(),
            known: template.fixtures().iter().map(|f| f.name.to_string()).collect(),
        })?;
        let started = Instant::now();
        let db = s.ctx.store.as_ref().ok_or_else(no_db)?.db().await?;
        let rows = template.seed(&db, fixture).await?;
        Ok(SeedResult { fixture: fixture.name.into(), rows, millis: started.elapsed().as_millis() as u64 })
    })
    .await
}

async fn reset(State(s): State<AdminState>, headers: HeaderMap, AdminJson(req): AdminJson<ResetRequest>) -> Response {
    if !authorized(&s, &headers) {
        return unauthorized();
    }
    run(async {
        let started = Instant::now();
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let golden = golden::ensure(&s.golden, &s.ctx.template, &req.seed.fixtures).await?;
        store.swap(|db| restore_file(&golden, db)).await?;
        s.ctx.kv.clear().await?;
        if !req.tokens.is_empty() {
            let db = store.db().await?;
            let again = admin::ProvisionRequest { tokens: Some(req.tokens), revoke: None };
            s.ctx.template.provision(&s.ctx, &db, again).await?;
        }
        Ok(ResetResponse { millis: started.elapsed().as_secs_f64() * 1000.0 })
    })
    .await
}

fn no_db() -> AsymError {
    AsymError::Internal("this service does not hold the clone database; send admin calls to the api service".into())
}

async fn run<T: serde::Serialize>(f: impl Future<Output = Result<T, AdminFailure>>) -> Response {
    match f.await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}
