//! Template control planes: `asym apps` and `asym deliveries` call the routes a
//! template names in its manifest's `control` map.

use asym_contract::{AsymError, Result};
use serde_json::Value;

use crate::Engine;

impl Engine {
    /// Calls the control route `name` of a running clone (`GET` without a body).
    pub async fn control(&self, id: &str, name: &str, query: &str, body: Option<&Value>) -> Result<Value> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        let manifest = &self.catalog.get(&rec.template)?.manifest;
        let path = manifest.control.get(name).ok_or_else(|| AsymError::NotImplemented {
            what: format!("`{name}` for template `{}` (its manifest names no such control route)", rec.template),
        })?;
        self.require_running(&rec).await?;
        let path = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        self.provider.control(&rec, &path, body).await
    }
}
