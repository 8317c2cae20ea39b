//! The engine behind the verbs. `local` runs services as detached processes; a
//! container or Kubernetes provider implements the same trait. The CLI and the
//! engine hold a `dyn CloneProvider` and never look inside one.

use std::path::PathBuf;

use async_trait::async_trait;
use futures_util::stream::BoxStream;

use crate::{AsymError, CloneRecord, CloneStatus, CloneTokens, Config, Result, SeedResult, TemplateManifest};

/// A resolved template: its manifest, where it lives (for external commands and
/// fixture files), and the fixture names it offers.
#[derive(Debug, Clone)]
pub struct CatalogEntry {
    pub manifest: TemplateManifest,
    /// `None` for templates built into the binary.
    pub dir: Option<PathBuf>,
    pub fixtures: Vec<String>,
}

impl CatalogEntry {
    pub fn builtin(&self) -> bool {
        self.dir.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct ProviderContext {
    pub home: PathBuf,
    pub config: Config,
}

#[derive(Debug, Clone, Default)]
pub struct LogRequest {
    pub service: Option<String>,
    pub tail: Option<usize>,
    pub follow: bool,
}

#[async_trait]
pub trait CloneProvider: Send + Sync {
    fn name(&self) -> &'static str;

    /// The `database` string a new clone will use (a file path or a database name).
    fn database_for(&self, record: &CloneRecord) -> String;

    /// Makes the clone's storage: folder, database, key namespace.
    async fn create(&self, record: &CloneRecord, template: &CatalogEntry) -> Result<()>;

    /// Starts every service of the clone's mode on its recorded ports and waits for
    /// health. Returns the provider's runtime data to store on the record.
    async fn start(&self, record: &CloneRecord, template: &CatalogEntry) -> Result<serde_json::Value>;

    /// Stops the services; data is kept.
    async fn stop(&self, record: &CloneRecord) -> Result<()>;

    /// Stops the services and removes storage, database and key namespace.
    async fn destroy(&self, record: &CloneRecord) -> Result<()>;

    /// What is actually running, reconciled with the record.
    async fn status(&self, record: &CloneRecord) -> Result<CloneStatus>;

    async fn logs(&self, record: &CloneRecord, req: &LogRequest) -> Result<BoxStream<'static, Result<String>>>;

    /// Mints credentials, or re-applies `existing` ones; `revoke` are invalidated.
    async fn provision(&self, record: &CloneRecord, existing: Option<&CloneTokens>, revoke: Option<&CloneTokens>) -> Result<CloneTokens>;

    /// Applies a fixture pack to the running clone.
    async fn seed(&self, record: &CloneRecord, fixture: &str) -> Result<SeedResult>;

    /// Restores the clean seeded state (`record.seed`) and re-applies `record.tokens`.
    /// Returns the time the clone spent on it, in milliseconds.
    async fn reset(&self, record: &CloneRecord) -> Result<f64>;

    /// The clone's request journal as JSON lines (see [`crate::journal`]), then what
    /// is appended when `follow`.
    async fn journal(&self, record: &CloneRecord, follow: bool) -> Result<BoxStream<'static, Result<String>>>;

    /// Calls one of the template's control-plane routes (`GET` when `body` is
    /// `None`, else `POST`) with the clone's admin token; returns its JSON.
    async fn control(&self, record: &CloneRecord, path: &str, body: Option<&serde_json::Value>) -> Result<serde_json::Value>;

    /// What changed since the last reset, or since snapshot `since`.
    async fn diff(&self, record: &CloneRecord, since: Option<&str>) -> Result<crate::diff::CloneDiff>;

    /// The current rows of `resources` (all of them when empty), by resource name.
    async fn state(&self, record: &CloneRecord, resources: &[String]) -> Result<crate::admin::StateResponse>;

    /// Whether the storage backends clones use are reachable (for `asym doctor`).
    async fn backends(&self) -> Vec<BackendHealth>;

    /// Copies the clone's database and keys to snapshot `name`; returns milliseconds.
    async fn snapshot(&self, _record: &CloneRecord, _name: &str) -> Result<f64> {
        Err(AsymError::NotImplemented { what: format!("snapshots on the {} provider", self.name()) })
    }

    /// Brings the clone back to snapshot `name`, tokens re-applied; returns milliseconds.
    async fn restore(&self, _record: &CloneRecord, _name: &str) -> Result<f64> {
        Err(AsymError::NotImplemented { what: format!("restore on the {} provider", self.name()) })
    }
}

/// One storage backend as `asym doctor` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackendHealth {
    /// `database` or `key-value`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// One line that fixes it, when it is not ok.
    pub fix: Option<String>,
}
