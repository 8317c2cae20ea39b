//! `asym diff` and `asym env diff`.

use std::collections::BTreeMap;

use asym_contract::diff::CloneDiff;
use asym_contract::{AsymError, Result};

use crate::Engine;

impl Engine {
    /// What a running clone changed since its last reset (or snapshot `since`).
    pub async fn diff(&self, id: &str, since: Option<&str>) -> Result<CloneDiff> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        if let Some(name) = since
            && !rec.snapshots.iter().any(|s| s.name == name)
        {
            return Err(AsymError::SnapshotNotFound {
                id: id.into(),
                name: name.into(),
                known: rec.snapshots.iter().map(|s| s.name.clone()).collect(),
            });
        }
        self.require_running(&rec).await?;
        self.provider.diff(&rec, since).await
    }

    /// Every member's diff, by clone id.
    pub async fn env_diff(&self, name: &str, since: Option<&str>) -> Result<BTreeMap<String, CloneDiff>> {
        let data = self.registry.load()?;
        let env = self.env_record(&data, name)?;
        let mut out = BTreeMap::new();
        for id in &env.members {
            out.insert(id.to_string(), self.diff(id.as_str(), since).await?);
        }
        Ok(out)
    }
}
