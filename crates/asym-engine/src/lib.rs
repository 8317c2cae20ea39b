//! The service layer the CLI calls: spin, start, stop, reset, destroy, seed, tokens,
//! environments and doctor, over a registry, a template catalog and a
//! `dyn CloneProvider`.
//!
//! The key decision: every read-modify-write of the registry goes through
//! [`asym_registry::Registry::update`] (an exclusive lock, then a re-read), and spin
//! *reserves* its id and ports in the registry before anything is started. Twenty
//! concurrent spins therefore get twenty distinct ids and port sets, and a spin that
//! fails is rolled back out of the registry.
//!
//! Architecture invariant: the engine never prints. It reports through return values
//! and the [`Progress`] callback; the CLI renders.

pub mod catalog;
mod clone_file;
mod control;
pub mod diff;
pub mod doctor;
pub mod env;
mod eval;
mod lifecycle;
pub mod ports;
mod snapshot;
mod spin;
pub mod trace;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use asym_contract::{AsymError, CloneId, CloneInstance, CloneProvider, CloneRecord, CloneState, CloneStatus, Config, RegistryData, Result};
use asym_registry::Registry;

pub use catalog::{BuiltinTemplate, Catalog};
pub use spin::{SpinRequest, Spun};

/// Progress of long operations, for a spinner on a terminal.
pub trait Progress: Send + Sync {
    fn step(&self, what: &str);
}

pub struct NoProgress;
impl Progress for NoProgress {
    fn step(&self, _: &str) {}
}

pub struct Engine {
    home: PathBuf,
    config: Config,
    registry: Registry,
    catalog: Catalog,
    provider: Arc<dyn CloneProvider>,
}

impl Engine {
    pub fn new(home: &Path, config: Config, catalog: Catalog, provider: Arc<dyn CloneProvider>) -> Result<Engine> {
        Ok(Engine { home: home.to_path_buf(), config, registry: Registry::open(home)?, catalog, provider })
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn record(&self, data: &RegistryData, id: &str) -> Result<CloneRecord> {
        let key = CloneId::parse(id).map_err(|_| AsymError::CloneNotFound { id: id.into() })?;
        data.clones.get(&key).cloned().ok_or_else(|| AsymError::CloneNotFound { id: id.into() })
    }

    /// The clone as users see it; tokens redacted unless `show_tokens`.
    pub fn instance(&self, data: &RegistryData, rec: &CloneRecord, status: &CloneStatus, show_tokens: bool) -> CloneInstance {
        let manifest = self.catalog.get(&rec.template).ok().map(|e| &e.manifest);
        let url = |svc: &str| {
            let base = manifest.and_then(|m| m.service(svc)).map(|s| s.base_path.as_str()).unwrap_or("/");
            rec.url(svc, base)
        };
        let api = if rec.ports.contains_key("api") { url("api") } else { rec.ports.keys().next().and_then(|s| url(s)) };
        CloneInstance {
            id: rec.id.clone(),
            template: rec.template.clone(),
            mode: rec.mode.clone(),
            state: status.state,
            api,
            web: url("web"),
            mcp: manifest.and_then(|m| m.mcp.as_deref()).and_then(|svc| rec.url(svc, "/mcp")),
            ports: rec.ports.clone(),
            env: data.env_of(&rec.id).map(|e| e.name.clone()),
            seed: rec.seed.clone(),
            tokens: if show_tokens { rec.tokens.clone() } else { rec.tokens.redacted() },
            database: asym_contract::record::redact_url(&rec.database),
            redis_prefix: rec.redis_prefix.clone(),
            expose: rec.expose,
            services: status.services.clone(),
            created_at: rec.created_at.clone(),
            updated_at: rec.updated_at.clone(),
        }
    }

    /// Every clone, reconciled with what is actually running (tokens redacted).
    pub async fn list(&self) -> Result<Vec<CloneInstance>> {
        let data = self.registry.load()?;
        let mut out = Vec::with_capacity(data.clones.len());
        for rec in data.clones.values() {
            let status = self.provider.status(rec).await?;
            out.push(self.instance(&data, rec, &status, false));
        }
        Ok(out)
    }

    pub async fn get(&self, id: &str, show_tokens: bool) -> Result<CloneInstance> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        let status = self.provider.status(&rec).await?;
        Ok(self.instance(&data, &rec, &status, show_tokens))
    }

    async fn require_running(&self, rec: &CloneRecord) -> Result<()> {
        let status = self.provider.status(rec).await?;
        if status.state == CloneState::Running {
            Ok(())
        } else {
            Err(AsymError::CloneNotRunning { id: rec.id.to_string(), state: status.state.to_string() })
        }
    }

    /// Writes `rec` into the registry (keeping membership) and mirrors it into the
    /// clone's folder, from which `doctor` can rebuild a lost registry.
    fn save(&self, mut rec: CloneRecord) -> Result<CloneRecord> {
        rec.updated_at = asym_contract::time::now_rfc3339();
        let saved = rec.clone();
        self.registry.update(move |d| {
            d.clones.insert(rec.id.clone(), rec);
            Ok(())
        })?;
        clone_file::write(&self.home, &saved);
        Ok(saved)
    }
}
