//! The control routes the engine drives (`/_asym/admin/*`), guarded by the clone's
//! admin token. They live under `/_asym`, a namespace no cloned product uses.

use std::time::Instant;

use asym_contract::AsymError;
use std::path::PathBuf;

use asym_contract::admin::{
    ADMIN_TOKEN_HEADER, AdminError, PROVISION_PATH, ProvisionRequest, ProvisionResponse, RESET_PATH, RESTORE_PATH, ResetRequest,
    ResetResponse, RestoreRequest, SEED_PATH, SNAPSHOT_PATH, SeedRequest, SnapshotRequest,
};
use asym_contract::{CloneTokens, SeedResult, admin};
use asym_store::{GoldenStore, Image, KvEntry, StoreHandle, Target, postgres};
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
    /// The clone's folder; key-value snapshots are written under it.
    pub state_dir: PathBuf,
    pub journal: crate::journal::Journal,
    /// The fixture packs the clone's database started from.
    pub seed: Vec<String>,
}

pub fn router(state: AdminState) -> Router {
    Router::new()
        .route(PROVISION_PATH, post(provision))
        .route(SEED_PATH, post(seed))
        .route(RESET_PATH, post(reset))
        .route(SNAPSHOT_PATH, post(snapshot))
        .route(RESTORE_PATH, post(restore))
        .route(admin::DIFF_PATH, post(diff))
        .route(admin::STATE_PATH, post(current_state))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), require_admin_token))
        .with_state(state)
}

/// Every admin route needs the clone's admin token, checked before the body is read.
async fn require_admin_token(State(s): State<AdminState>, req: Request, next: axum::middleware::Next) -> Response {
    if authorized(&s, req.headers()) { next.run(req).await } else { unauthorized() }
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
            AsymError::SnapshotNotFound { .. } => StatusCode::NOT_FOUND,
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

async fn provision(State(s): State<AdminState>, AdminJson(req): AdminJson<ProvisionRequest>) -> Response {
    run(async {
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let first = req.tokens.is_none() && req.revoke.is_none();
        let db = store.db().await?;
        let tokens = s.ctx.template.provision(&s.ctx, &db, req).await?;
        drop(db);
        if first {
            // The spin's own provisioning is part of the starting point of `asym diff`.
            let footprint = s.ctx.template.provision_footprint(&s.ctx.id);
            crate::diff::record_baseline(s.ctx.template.resources(), s.ctx.template.documents(), &footprint, store, &s.state_dir).await?;
        }
        Ok(ProvisionResponse { tokens })
    })
    .await
}

async fn seed(State(s): State<AdminState>, AdminJson(req): AdminJson<SeedRequest>) -> Response {
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

async fn reset(State(s): State<AdminState>, AdminJson(req): AdminJson<ResetRequest>) -> Response {
    run(async {
        let started = Instant::now();
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let golden = golden::ensure(&s.golden, store.target(), &s.ctx.template, &req.seed.fixtures).await?;
        store.replace_with(&golden).await?;
        s.ctx.kv.clear().await?;
        s.journal.truncate().await;
        reapply(&s, store, req.tokens).await?;
        let footprint = s.ctx.template.provision_footprint(&s.ctx.id);
        crate::diff::record_baseline(s.ctx.template.resources(), s.ctx.template.documents(), &footprint, store, &s.state_dir).await?;
        Ok(ResetResponse { millis: started.elapsed().as_secs_f64() * 1000.0 })
    })
    .await
}

async fn snapshot(State(s): State<AdminState>, AdminJson(req): AdminJson<SnapshotRequest>) -> Response {
    run(async {
        let started = Instant::now();
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let (image, kv_file) = snapshot_paths(&s, store, &req.name);
        store.copy_to(&image).await?;
        let keys = s.ctx.kv.export().await?;
        write_json(&kv_file, &keys)?;
        Ok(ResetResponse { millis: started.elapsed().as_secs_f64() * 1000.0 })
    })
    .await
}

async fn restore(State(s): State<AdminState>, AdminJson(req): AdminJson<RestoreRequest>) -> Response {
    run(async {
        let started = Instant::now();
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let (image, kv_file) = snapshot_paths(&s, store, &req.name);
        let missing = || AsymError::SnapshotNotFound { id: s.ctx.id.clone(), name: req.name.clone(), known: vec![] };
        // Check before anything is dropped: a restore of a missing snapshot changes nothing.
        if !image_exists(store, &image).await? || !kv_file.exists() {
            return Err(missing().into());
        }
        let text = std::fs::read_to_string(&kv_file).map_err(|e| AsymError::io(format!("reading {}", kv_file.display()), e))?;
        let keys: Vec<KvEntry> = serde_json::from_str(&text)?;
        store.replace_with(&image).await?;
        s.ctx.kv.import(&keys).await?;
        reapply(&s, store, req.tokens).await?;
        Ok(ResetResponse { millis: started.elapsed().as_secs_f64() * 1000.0 })
    })
    .await
}

async fn diff(State(s): State<AdminState>, AdminJson(req): AdminJson<admin::DiffRequest>) -> Response {
    run(async {
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let (image, since) = match &req.since {
            Some(name) => {
                let (image, _) = snapshot_paths(&s, store, name);
                if !image_exists(store, &image).await? {
                    return Err(AsymError::SnapshotNotFound { id: s.ctx.id.clone(), name: name.clone(), known: vec![] }.into());
                }
                (image, name.clone())
            }
            None => (golden::ensure(&s.golden, store.target(), &s.ctx.template, &req.seed.fixtures).await?, "reset".to_string()),
        };
        // Against the seeded state, what provisioning did at reset is not a change.
        let baseline = if req.since.is_none() { crate::diff::load_baseline(&s.state_dir) } else { None };
        Ok(crate::diff::compute(s.ctx.template.resources(), s.ctx.template.documents(), store, &image, since, baseline.as_ref()).await?)
    })
    .await
}

async fn current_state(State(s): State<AdminState>, AdminJson(req): AdminJson<admin::StateRequest>) -> Response {
    run(async {
        let store = s.ctx.store.as_ref().ok_or_else(no_db)?;
        let all = s.ctx.template.resources();
        // Unknown names are left out; the caller names them against `known`.
        let wanted: Vec<_> =
            all.iter().filter(|r| req.resources.is_empty() || req.resources.iter().any(|n| n == r.name)).copied().collect();
        Ok(admin::StateResponse {
            resources: crate::diff::current(&wanted, s.ctx.template.documents(), store).await?,
            known: all.iter().map(|r| r.name.to_string()).collect(),
        })
    })
    .await
}

/// Tokens minted at spin (or rotated since) outlive resets and restores.
async fn reapply(s: &AdminState, store: &StoreHandle, tokens: CloneTokens) -> Result<(), AsymError> {
    if !tokens.is_empty() {
        let db = store.db().await?;
        let again = admin::ProvisionRequest { tokens: Some(tokens), revoke: None };
        s.ctx.template.provision(&s.ctx, &db, again).await?;
    }
    Ok(())
}

fn snapshot_paths(s: &AdminState, store: &StoreHandle, name: &str) -> (Image, PathBuf) {
    let dir = s.state_dir.join("snapshots");
    let image = match store.target() {
        Target::Sqlite { .. } => Image::File(dir.join(format!("{name}.sqlite"))),
        Target::Postgres { .. } => Image::Database(postgres::snapshot_db_name(&s.ctx.id, name)),
    };
    (image, dir.join(format!("{name}.kv.json")))
}

async fn image_exists(store: &StoreHandle, image: &Image) -> Result<bool, AsymError> {
    Ok(match (store.target(), image) {
        (_, Image::File(path)) => path.exists(),
        (Target::Postgres { url, .. }, Image::Database(name)) => {
            let mut admin = postgres::admin(url).await?;
            postgres::exists(&mut admin, name).await?
        }
        _ => false,
    })
}

fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<(), AsymError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| AsymError::io(format!("creating {}", dir.display()), e))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(value)?).map_err(|e| AsymError::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, path).map_err(|e| AsymError::io(format!("writing {}", path.display()), e))
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
