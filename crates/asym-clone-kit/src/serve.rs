//! One clone service as a process: read the service environment, open (or create
//! from the golden image) the clone database, serve product + health + admin routes
//! until SIGTERM, then checkpoint and close.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use asym_contract::AsymError;
use asym_contract::admin::env;
use asym_store::{GoldenStore, StoreHandle, Target, materialize, open_kv};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::admin::{self, AdminState};
use crate::journal::{self, Journal};
use crate::{CloneCtx, Template, golden, health};

/// Bodies above this are refused before a handler sees them.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub clone_id: String,
    pub template: String,
    pub service: String,
    pub port: u16,
    pub bind: String,
    pub database_url: String,
    pub kv_url: String,
    pub kv_prefix: String,
    pub admin_token: String,
    pub golden_dir: PathBuf,
    pub seed: Vec<String>,
    pub public_url: String,
    pub state_dir: PathBuf,
    pub rate_limits: bool,
}

impl ServeSettings {
    pub fn from_env() -> Result<Self, AsymError> {
        fn var(name: &str) -> Result<String, AsymError> {
            std::env::var(name).map_err(|_| AsymError::Internal(format!("the service environment lacks {name}")))
        }
        let port = var(env::PORT)?;
        Ok(ServeSettings {
            clone_id: var(env::CLONE_ID)?,
            template: var(env::TEMPLATE)?,
            service: var(env::SERVICE)?,
            port: port.parse().map_err(|_| AsymError::Internal(format!("{} is not a port: {port}", env::PORT)))?,
            bind: var(env::BIND)?,
            database_url: var(env::DATABASE_URL)?,
            kv_url: var(env::KV_URL)?,
            kv_prefix: var(env::KV_PREFIX)?,
            admin_token: var(env::ADMIN_TOKEN)?,
            golden_dir: PathBuf::from(var(env::GOLDEN_DIR)?),
            seed: var(env::SEED)?.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            public_url: var(env::PUBLIC_URL)?,
            state_dir: PathBuf::from(var(env::STATE_DIR)?),
            rate_limits: std::env::var(env::RATE_LIMITS).map(|v| v != "off").unwrap_or(true),
        })
    }
}

/// Where a clone serves its MCP tools, on the service that has them.
pub const MCP_PATH: &str = "/mcp";

/// Builds the full router of one service; also what tests drive with `oneshot`.
pub async fn app(template: Arc<dyn Template>, s: &ServeSettings) -> Result<(Router, CloneCtx), AsymError> {
    let manifest = template.manifest();
    let spec = manifest.service(&s.service).ok_or_else(|| AsymError::ServiceNotFound {
        template: manifest.name.clone(),
        service: s.service.clone(),
        known: manifest.services.iter().map(|x| x.name.clone()).collect(),
    })?;
    let golden = GoldenStore::new(&s.golden_dir);
    let store = if template.uses_database(&s.service) { Some(open_store(&template, &golden, s).await?) } else { None };
    let kv = open_kv(&s.kv_url, &s.kv_prefix).await?;
    let ctx = CloneCtx {
        id: s.clone_id.clone(),
        service: s.service.clone(),
        public_url: s.public_url.clone(),
        store,
        kv,
        template: template.clone(),
        rate_limits: s.rate_limits,
    };
    let product = template.router(&s.service).ok_or_else(|| AsymError::ServiceNotFound {
        template: manifest.name.clone(),
        service: s.service.clone(),
        known: vec![],
    })?;
    let journal_on = std::env::var(env::JOURNAL).map(|v| v != "off").unwrap_or(true);
    let journal = Journal::open(journal_on.then(|| s.state_dir.join("journal.jsonl")));
    let layered = product
        .route_layer(middleware::from_fn_with_state(ctx.clone(), with_db))
        .route_layer(middleware::from_fn_with_state(journal.clone(), journal::record));
    // MCP tool calls go through the very routes and layers the HTTP API serves.
    let api: Router = layered.clone().with_state(ctx.clone());
    let mut app = layered.route(&spec.health_path, get(health::health)).with_state(ctx.clone()).merge(admin::router(AdminState {
        ctx: ctx.clone(),
        admin_token: s.admin_token.clone(),
        golden,
        state_dir: s.state_dir.clone(),
        journal,
        seed: s.seed.clone(),
    }));
    let tools = template.mcp_tools(&s.service);
    if !tools.is_empty() {
        app = app.nest_service(MCP_PATH, crate::mcp::service(&manifest.name, tools, api));
    }
    Ok((app.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)), ctx))
}

pub async fn serve(template: Arc<dyn Template>, s: ServeSettings) -> Result<(), AsymError> {
    let (app, ctx) = app(template, &s).await?;
    let addr: SocketAddr =
        format!("{}:{}", s.bind, s.port).parse().map_err(|_| AsymError::Internal(format!("bad bind address {}:{}", s.bind, s.port)))?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            AsymError::PortInUse { port: s.port }
        } else {
            AsymError::io(format!("binding {addr}"), e)
        }
    })?;
    tracing::info!(clone = %s.clone_id, service = %s.service, %addr, "serving");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| AsymError::io("serving", e))?;
    if let Some(store) = &ctx.store {
        store.close().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn open_store(template: &Arc<dyn Template>, golden: &GoldenStore, s: &ServeSettings) -> Result<StoreHandle, AsymError> {
    let target = Target::parse(&s.database_url)?;
    let image = golden::ensure(golden, &target, template, &s.seed).await?;
    materialize(&target, &image).await?;
    let store = StoreHandle::open(target).await?;
    let db = store.db().await?;
    let migrated = sqlx::query("SELECT name FROM _asym_migrations LIMIT 1").fetch_optional(&*db).await;
    if migrated.is_err() {
        return Err(AsymError::SchemaMissing { id: s.clone_id.clone(), what: "migrations table".into() });
    }
    drop(db);
    Ok(store)
}

async fn with_db(State(ctx): State<CloneCtx>, mut req: Request, next: Next) -> Response {
    if let Some(store) = &ctx.store {
        match store.db().await {
            Ok(db) => {
                req.extensions_mut().insert(db);
            }
            Err(e) => {
                return (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
            }
        }
    }
    next.run(req).await
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("installing the SIGINT handler");
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}

/// Logs to stderr, which the provider sends to the service's log file.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ASYM_LOG").unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(std::io::stderr).try_init();
}
