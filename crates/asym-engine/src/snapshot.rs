//! Named snapshots of one clone: `asym snapshot`, `asym restore`, `asym snapshots`.
//! The clone copies its own database and keys (an admin route); the registry
//! keeps the list, so listing works while the clone is stopped.

use asym_contract::ids::check_snapshot_name;
use asym_contract::{AsymError, Result, SnapshotRecord};

use crate::Engine;

impl Engine {
    /// Takes (or replaces) snapshot `name` of a running clone; returns ms.
    pub async fn snapshot(&self, id: &str, name: &str) -> Result<f64> {
        check_snapshot_name(name)?;
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        self.require_running(&rec).await?;
        let millis = self.provider.snapshot(&rec, name).await?;
        let now = asym_contract::time::now_rfc3339();
        self.registry.update(|d| {
            if let Some(c) = d.clones.get_mut(&rec.id) {
                c.snapshots.retain(|s| s.name != name);
                c.snapshots.push(SnapshotRecord { name: name.into(), created_at: now });
            }
            Ok(())
        })?;
        Ok(millis)
    }

    /// Brings a running clone back to snapshot `name`, tokens kept; returns ms.
    pub async fn restore(&self, id: &str, name: &str) -> Result<f64> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        if !rec.snapshots.iter().any(|s| s.name == name) {
            return Err(AsymError::SnapshotNotFound {
                id: id.into(),
                name: name.into(),
                known: rec.snapshots.iter().map(|s| s.name.clone()).collect(),
            });
        }
        self.require_running(&rec).await?;
        self.provider.restore(&rec, name).await
    }

    pub fn snapshots(&self, id: &str) -> Result<Vec<SnapshotRecord>> {
        let data = self.registry.load()?;
        Ok(self.record(&data, id)?.snapshots)
    }
}
