//! The trait a cloned product implements, and the context its handlers receive.

use std::collections::BTreeMap;
use std::sync::Arc;

use asym_contract::admin::ProvisionRequest;
use asym_contract::{AsymError, CloneTokens, TemplateManifest};
use asym_store::{Db, Kv, Migration, Pool, StoreHandle, StoreResult};
use async_trait::async_trait;
use axum::Router;

/// A named seed pack shipped with the template (e.g. Slack's `acme-corp`).
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub name: &'static str,
    pub text: &'static str,
}

#[async_trait]
pub trait Template: Send + Sync + 'static {
    fn manifest(&self) -> &TemplateManifest;
    fn migrations(&self) -> &'static [Migration];
    fn fixtures(&self) -> &'static [Fixture];

    /// Whether `service` reads the clone database (only those processes open it, so a
    /// reset never swaps a file under another process).
    fn uses_database(&self, service: &str) -> bool;

    /// Writes `fixture` into `pool` through the template's model; returns rows per table.
    async fn seed(&self, pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>>;

    /// Mints credentials, or re-applies the given ones after a reset.
    async fn provision(&self, _ctx: &CloneCtx, _db: &Db, _req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
        Err(AsymError::NoProvisionSurface { template: self.manifest().name.clone() })
    }

    /// The product routes of one service; `None` when the template has no such service.
    fn router(&self, service: &str) -> Option<Router<CloneCtx>>;

    /// What provisioning writes for clone `clone_id` (see [`asym_contract::diff::Footprint`]).
    fn provision_footprint(&self, _clone_id: &str) -> Vec<asym_contract::diff::Footprint> {
        Vec::new()
    }

    /// The tables `asym diff` compares, under the product's names; none by default.
    fn resources(&self) -> &'static [asym_contract::diff::Resource] {
        &[]
    }

    /// The MCP tools `service` offers at `/mcp` (none by default); each becomes
    /// a request to the service's own API.
    fn mcp_tools(&self, _service: &str) -> &'static [crate::mcp::McpTool] {
        &[]
    }

    /// Resources kept as one JSON document per record: (resource, column). `asym
    /// diff` and `asym eval` see the document's fields as the record's fields.
    fn documents(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    fn fixture(&self, name: &str) -> Option<&'static Fixture> {
        self.fixtures().iter().find(|f| f.name == name)
    }
}

/// Shared by every handler of one clone service.
#[derive(Clone)]
pub struct CloneCtx {
    pub id: String,
    pub service: String,
    /// The base URL agents use for this service (e.g. `http://127.0.0.1:3001/api`).
    pub public_url: String,
    /// `None` for services that do not read the database.
    pub store: Option<StoreHandle>,
    pub kv: Arc<dyn Kv>,
    pub template: Arc<dyn Template>,
    /// Whether the product's rate limits apply to this clone.
    pub rate_limits: bool,
}
