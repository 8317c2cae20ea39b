//! The local provider: every clone service is a detached process of our own binary
//! (`asymmetric __serve`) or of a template's external command, with its port, database
//! and key prefix in its environment, its output in `clones/<id>/logs/<service>.log`.
//!
//! The key decision: a process is identified by pid *and* start time, so a pid the
//! kernel recycled after a crash is never taken for a live clone; `status` compares
//! both and reports `crashed`.
//!
//! Architecture invariant: nothing here is visible to the CLI; it sees a
//! `dyn CloneProvider` from `asym-contract`.

mod client;
mod logs;
mod process;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use asym_contract::admin::{self, ProvisionRequest, ProvisionResponse, ResetRequest, ResetResponse, SeedRequest};
use asym_contract::{
    AsymError, BackendHealth, CatalogEntry, CloneProvider, CloneRecord, CloneState, CloneStatus, CloneTokens, LogRequest, ProviderContext,
    Result, SeedResult, ServiceSpec, ServiceStatus,
};
use async_trait::async_trait;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};

pub use process::ProcessId;

/// What the local provider keeps on a record: the process of each service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Runtime {
    pub services: BTreeMap<String, ProcessId>,
}

impl Runtime {
    fn of(record: &CloneRecord) -> Runtime {
        serde_json::from_value(record.runtime.clone()).unwrap_or_default()
    }
}

pub struct LocalProvider {
    home: PathBuf,
    /// Shared PostgreSQL server, when configured; clones get `clone_<id>` on it.
    database_url: Option<String>,
    redis_url: Option<String>,
    serve_exe: PathBuf,
    http: reqwest::Client,
    health_timeout: Duration,
}

impl LocalProvider {
    /// `serve_exe` is the binary that runs built-in services (`<exe> __serve`).
    pub fn new(ctx: &ProviderContext, serve_exe: PathBuf) -> Self {
        let ms = std::env::var("ASYM_HEALTH_TIMEOUT_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(15_000);
        LocalProvider {
            home: ctx.home.clone(),
            database_url: ctx.config.database_url.clone(),
            redis_url: ctx.config.redis_url.clone(),
            serve_exe,
            http: client::http(),
            health_timeout: Duration::from_millis(ms),
        }
    }

    pub fn clone_dir(&self, id: &str) -> PathBuf {
        self.home.join("clones").join(id)
    }

    fn admin_origin(&self, record: &CloneRecord) -> Result<String> {
        let first = record.ports.keys().next().cloned().unwrap_or_default();
        let service = self.admin_service(record).unwrap_or(first);
        record.origin(&service).ok_or_else(|| AsymError::Internal(format!("clone {} has no ports", record.id)))
    }

    /// Admin calls go to the service that holds the database: the clone's first
    /// service in manifest order, recorded as `adminService` at start.
    fn admin_service(&self, record: &CloneRecord) -> Option<String> {
        record.runtime.get("adminService").and_then(|v| v.as_str()).map(String::from)
    }

    async fn admin<B: Serialize, T: serde::de::DeserializeOwned>(&self, record: &CloneRecord, path: &str, body: &B) -> Result<T> {
        let origin = self.admin_origin(record)?;
        client::admin_post(&self.http, record.id.as_str(), &origin, path, &record.admin_token, body).await
    }

    fn env_for(&self, record: &CloneRecord, template: &CatalogEntry, spec: &ServiceSpec) -> Result<Vec<(String, String)>> {
        let port = record.ports.get(&spec.name).copied().ok_or_else(|| AsymError::Internal(format!("no port for {}", spec.name)))?;
        let public = record.url(&spec.name, &spec.base_path).unwrap_or_default();
        let mut env = vec![
            (admin::env::CLONE_ID.into(), record.id.to_string()),
            (admin::env::TEMPLATE.into(), record.template.clone()),
            (admin::env::SERVICE.into(), spec.name.clone()),
            (admin::env::PORT.into(), port.to_string()),
            (admin::env::BIND.into(), if record.expose { "0.0.0.0".into() } else { "127.0.0.1".into() }),
            (admin::env::DATABASE_URL.into(), database_url(record)),
            (admin::env::KV_URL.into(), record.kv_url.clone()),
            (admin::env::KV_PREFIX.into(), record.redis_prefix.clone()),
            (admin::env::ADMIN_TOKEN.into(), record.admin_token.clone()),
            (admin::env::GOLDEN_DIR.into(), self.home.join("golden").display().to_string()),
            (admin::env::SEED.into(), record.seed.fixtures.join(",")),
            (admin::env::PUBLIC_URL.into(), public),
            (admin::env::STATE_DIR.into(), self.clone_dir(record.id.as_str()).display().to_string()),
            (admin::env::RATE_LIMITS.into(), if record.rate_limits { "on".into() } else { "off".into() }),
        ];
        for dep in &spec.depends_on {
            let base = template.manifest.service(dep).map(|s| s.base_path.as_str()).unwrap_or("/");
            if let Some(url) = record.url(dep, base) {
                env.push((format!("ASYM_{}_URL", dep.to_ascii_uppercase().replace('-', "_")), url));
            }
        }
        Ok(env)
    }

    async fn start_service(&self, record: &CloneRecord, template: &CatalogEntry, spec: &ServiceSpec) -> Result<ProcessId> {
        let dir = self.clone_dir(record.id.as_str());
        let log = process::log_path(&dir, &spec.name);
        let mut env = self.env_for(record, template, spec)?;
        if spec.command.is_none() && std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
            // The serving binary allocates with mimalloc, which by default commits
            // its first arena up front: 10 MiB more per idle clone. Read at start,
            // so it is set here rather than by the process itself.
            env.push(("MIMALLOC_ARENA_EAGER_COMMIT".into(), "0".into()));
        }
        let serve_args = ["__serve".to_string()];
        let (program, args, cwd): (PathBuf, &[String], Option<&Path>) = match &spec.command {
            Some(cmd) => (PathBuf::from(&cmd[0]), &cmd[1..], template.dir.as_deref()),
            None => (self.serve_exe.clone(), &serve_args[..], None),
        };
        let started_at = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let failed = |reason: String| AsymError::CloneStartFailed { id: record.id.to_string(), service: spec.name.clone(), reason };
        let (mut child, pid) = process::spawn(process::Spawn { program: &program, args, cwd, env, log: &log })
            .map_err(|e| failed(format!("could not run {}: {e}", program.display())))?;
        let origin = record.origin(&spec.name).unwrap_or_default();
        let health = format!("{origin}{}", spec.health_path);
        let waited =
            client::wait_healthy(&self.http, &health, record.id.as_str(), self.health_timeout, || matches!(child.try_wait(), Ok(Some(_))))
                .await;
        match waited {
            Ok(()) => Ok(pid),
            Err(client::WaitError::Exited) => {
                let said = log_since(&log, started_at);
                if said.contains("PORT_IN_USE") {
                    let port = record.ports.get(&spec.name).copied().unwrap_or_default();
                    return Err(AsymError::PortInUse { port });
                }
                let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("it exited without a message");
                Err(failed(last.trim().to_string()))
            }
            Err(client::WaitError::Timeout(waited)) => {
                process::stop(&pid, Duration::from_secs(2));
                let _ = child.try_wait();
                Err(AsymError::HealthTimeout {
                    id: record.id.to_string(),
                    service: spec.name.clone(),
                    waited_ms: waited.as_millis() as u64,
                })
            }
        }
    }
}

fn log_since(path: &Path, offset: u64) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    String::from_utf8_lossy(bytes.get(offset as usize..).unwrap_or_default()).into_owned()
}

/// Services of the clone's mode, dependencies first.
fn start_order<'a>(record: &CloneRecord, template: &'a CatalogEntry) -> Vec<&'a ServiceSpec> {
    let wanted: Vec<&ServiceSpec> = template.manifest.services.iter().filter(|s| record.ports.contains_key(&s.name)).collect();
    let mut done: Vec<&ServiceSpec> = Vec::new();
    while done.len() < wanted.len() {
        let before = done.len();
        for s in &wanted {
            let ready = s.depends_on.iter().all(|d| done.iter().any(|x| &x.name == d) || !record.ports.contains_key(d));
            if ready && !done.iter().any(|x| x.name == s.name) {
                done.push(s);
            }
        }
        if done.len() == before {
            // A cycle; the manifest check should have caught it. Start the rest as listed.
            done.extend(wanted.iter().filter(|s| !done.iter().any(|x| x.name == s.name)).copied().collect::<Vec<_>>());
        }
    }
    done
}

#[async_trait]
impl CloneProvider for LocalProvider {
    fn name(&self) -> &'static str {
        "local"
    }

    fn database_for(&self, record: &CloneRecord) -> String {
        match self.database_url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
            Some(server) => {
                asym_store::postgres::with_database(&server, &asym_store::postgres::clone_db_name(record.id.as_str())).to_string()
            }
            None => self.clone_dir(record.id.as_str()).join("db.sqlite").display().to_string(),
        }
    }

    async fn create(&self, record: &CloneRecord, template: &CatalogEntry) -> Result<()> {
        // On a shared server the id may already be taken by another home: refuse
        // rather than adopt someone else's data.
        if let asym_store::Target::Postgres { url, name } = asym_store::Target::parse(&database_url(record))? {
            let mut admin = asym_store::postgres::admin(&url).await?;
            if asym_store::postgres::exists(&mut admin, &name).await? {
                return Err(AsymError::StorageExists { what: format!("database `{name}`") });
            }
            // Built-in services copy their golden image in; an external service is
            // handed an empty database of its own to migrate as it likes.
            if template.manifest.services.iter().any(|s| s.command.is_some()) {
                asym_store::postgres::create_empty(&mut admin, &name).await?;
            }
        }
        let dir = self.clone_dir(record.id.as_str());
        std::fs::create_dir_all(dir.join("logs")).map_err(|e| AsymError::io(format!("creating {}", dir.display()), e))?;
        Ok(())
    }

    async fn start(&self, record: &CloneRecord, template: &CatalogEntry) -> Result<serde_json::Value> {
        let mut runtime = Runtime::default();
        let order = start_order(record, template);
        for spec in &order {
            match self.start_service(record, template, spec).await {
                Ok(pid) => {
                    runtime.services.insert(spec.name.clone(), pid);
                }
                Err(e) => {
                    for pid in runtime.services.values() {
                        process::stop(pid, Duration::from_secs(5));
                    }
                    return Err(e);
                }
            }
        }
        let mut value = serde_json::to_value(&runtime)?;
        let admin_service = template.manifest.services.iter().find(|s| record.ports.contains_key(&s.name)).map(|s| s.name.clone());
        value["adminService"] = serde_json::Value::from(admin_service);
        Ok(value)
    }

    async fn stop(&self, record: &CloneRecord) -> Result<()> {
        let runtime = Runtime::of(record);
        let pids: Vec<ProcessId> = runtime.services.values().rev().copied().collect();
        tokio::task::spawn_blocking(move || {
            for pid in pids {
                process::stop(&pid, Duration::from_secs(10));
            }
        })
        .await
        .map_err(|e| AsymError::Internal(format!("stopping: {e}")))?;
        Ok(())
    }

    async fn destroy(&self, record: &CloneRecord) -> Result<()> {
        self.stop(record).await?;
        // Shared backends first: if one is unreachable the folder (and the registry
        // row) stay, so `asym destroy` can be run again once it is back.
        asym_store::destroy::destroy_database(&database_url(record), record.id.as_str()).await?;
        asym_store::destroy::destroy_keys(&record.kv_url, &record.redis_prefix).await?;
        let dir = self.clone_dir(record.id.as_str());
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(AsymError::io(format!("removing {}", dir.display()), e)),
        }
    }

    async fn status(&self, record: &CloneRecord) -> Result<CloneStatus> {
        let runtime = Runtime::of(record);
        let services: Vec<ServiceStatus> = record
            .ports
            .iter()
            .map(|(name, port)| {
                let pid = runtime.services.get(name);
                ServiceStatus { name: name.clone(), port: *port, pid: pid.map(|p| p.pid), alive: pid.is_some_and(process::alive) }
            })
            .collect();
        let state = match record.state {
            CloneState::Running if services.iter().all(|s| s.alive) => CloneState::Running,
            CloneState::Running => CloneState::Crashed,
            other => other,
        };
        Ok(CloneStatus { state, services })
    }

    async fn logs(&self, record: &CloneRecord, req: &LogRequest) -> Result<BoxStream<'static, Result<String>>> {
        let dir = self.clone_dir(record.id.as_str());
        let services: Vec<String> = match &req.service {
            Some(s) if record.ports.contains_key(s) => vec![s.clone()],
            Some(s) => {
                return Err(AsymError::ServiceNotFound {
                    template: record.template.clone(),
                    service: s.clone(),
                    known: record.ports.keys().cloned().collect(),
                });
            }
            None => record.ports.keys().cloned().collect(),
        };
        let files = services.into_iter().map(|s| logs::LogFile { path: process::log_path(&dir, &s), service: s }).collect();
        logs::stream(files, req.tail, req.follow)
    }

    async fn control(&self, record: &CloneRecord, path: &str, body: Option<&serde_json::Value>) -> Result<serde_json::Value> {
        let origin = self.admin_origin(record)?;
        client::control(&self.http, record.id.as_str(), &origin, path, &record.admin_token, body).await
    }

    async fn diff(&self, record: &CloneRecord, since: Option<&str>) -> Result<asym_contract::diff::CloneDiff> {
        let req = admin::DiffRequest { seed: record.seed.clone(), since: since.map(String::from) };
        self.admin(record, admin::DIFF_PATH, &req).await
    }

    async fn state(&self, record: &CloneRecord, resources: &[String]) -> Result<admin::StateResponse> {
        self.admin(record, admin::STATE_PATH, &admin::StateRequest { resources: resources.to_vec() }).await
    }

    async fn journal(&self, record: &CloneRecord, follow: bool) -> Result<BoxStream<'static, Result<String>>> {
        let path = self.clone_dir(record.id.as_str()).join("journal.jsonl");
        logs::stream(vec![logs::LogFile { service: "journal".into(), path }], None, follow)
    }

    async fn provision(&self, record: &CloneRecord, existing: Option<&CloneTokens>, revoke: Option<&CloneTokens>) -> Result<CloneTokens> {
        let req = ProvisionRequest { tokens: existing.cloned(), revoke: revoke.cloned() };
        let resp: ProvisionResponse = self.admin(record, admin::PROVISION_PATH, &req).await?;
        Ok(resp.tokens)
    }

    async fn seed(&self, record: &CloneRecord, fixture: &str) -> Result<SeedResult> {
        self.admin(record, admin::SEED_PATH, &SeedRequest { fixture: fixture.into() }).await
    }

    async fn reset(&self, record: &CloneRecord) -> Result<f64> {
        let req = ResetRequest { seed: record.seed.clone(), tokens: record.tokens.clone() };
        let resp: ResetResponse = self.admin(record, admin::RESET_PATH, &req).await?;
        Ok(resp.millis)
    }

    async fn backends(&self) -> Vec<BackendHealth> {
        let database = match &self.database_url {
            None => BackendHealth { name: "database".into(), ok: true, detail: "embedded SQLite, one file per clone".into(), fix: None },
            Some(raw) => {
                let probe = async {
                    let url = url::Url::parse(raw).map_err(|e| e.to_string())?;
                    asym_store::postgres::admin(&url).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>(asym_store::postgres::redact(&url))
                };
                match probe.await {
                    Ok(at) => {
                        BackendHealth { name: "database".into(), ok: true, detail: format!("shared PostgreSQL at {at} answers"), fix: None }
                    }
                    Err(e) => BackendHealth {
                        name: "database".into(),
                        ok: false,
                        detail: e,
                        fix: Some(
                            "start PostgreSQL (`service postgresql start`), or unset ASYM_DATABASE_URL / `databaseUrl` for embedded SQLite"
                                .into(),
                        ),
                    },
                }
            }
        };
        let kv = match &self.redis_url {
            None => BackendHealth { name: "key-value".into(), ok: true, detail: "in-process store per clone".into(), fix: None },
            Some(url) => match asym_store::redis_kv::RedisKv::connect(url, "asym-doctor:").await {
                Ok(_) => BackendHealth { name: "key-value".into(), ok: true, detail: "shared Redis answers".into(), fix: None },
                Err(e) => BackendHealth {
                    name: "key-value".into(),
                    ok: false,
                    detail: e.to_string(),
                    fix: Some(
                        "start Redis (`redis-server --daemonize yes`), or unset ASYM_REDIS_URL / `redisUrl` for the in-process store"
                            .into(),
                    ),
                },
            },
        };
        vec![database, kv]
    }

    async fn snapshot(&self, record: &CloneRecord, name: &str) -> Result<f64> {
        let resp: ResetResponse = self.admin(record, admin::SNAPSHOT_PATH, &admin::SnapshotRequest { name: name.into() }).await?;
        Ok(resp.millis)
    }

    async fn restore(&self, record: &CloneRecord, name: &str) -> Result<f64> {
        let req = admin::RestoreRequest { name: name.into(), tokens: record.tokens.clone() };
        let resp: ResetResponse = self.admin(record, admin::RESTORE_PATH, &req).await?;
        Ok(resp.millis)
    }
}

/// The URL the clone's services open: its SQLite file, or its PostgreSQL database.
fn database_url(record: &CloneRecord) -> String {
    if record.database.starts_with("postgres://") || record.database.starts_with("postgresql://") {
        record.database.clone()
    } else {
        format!("sqlite://{}", record.database)
    }
}
