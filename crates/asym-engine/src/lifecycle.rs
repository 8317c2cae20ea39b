//! start, stop, reset, destroy, seed and tokens for one clone.

use asym_contract::{AsymError, CloneInstance, CloneState, CloneTokens, LogRequest, Result, SeedResult};
use futures_util::stream::BoxStream;

use crate::{Engine, ports};

impl Engine {
    /// Starts a stopped (or crashed) clone on its saved ports, with its data.
    pub async fn start(&self, id: &str) -> Result<CloneInstance> {
        let data = self.registry.load()?;
        let mut rec = self.record(&data, id)?;
        let status = self.provider.status(&rec).await?;
        if status.state == CloneState::Running {
            return Ok(self.instance(&data, &rec, &status, false));
        }
        // Leftovers of a crash (one service of two alive) are stopped first.
        self.provider.stop(&rec).await?;
        for port in rec.ports.values() {
            if !ports::is_free(*port, rec.expose) {
                return Err(AsymError::PortInUse { port: *port });
            }
        }
        let entry = self.catalog.get(&rec.template)?.clone();
        match self.provider.start(&rec, &entry).await {
            Ok(runtime) => {
                rec.runtime = runtime;
                rec.state = CloneState::Running;
                let rec = self.save(rec)?;
                self.get(rec.id.as_str(), false).await
            }
            Err(e) => {
                rec.state = CloneState::Failed;
                rec.runtime = serde_json::Value::Null;
                self.save(rec)?;
                Err(e)
            }
        }
    }

    pub async fn stop(&self, id: &str) -> Result<CloneInstance> {
        let data = self.registry.load()?;
        let mut rec = self.record(&data, id)?;
        self.provider.stop(&rec).await?;
        rec.state = CloneState::Stopped;
        rec.runtime = serde_json::Value::Null;
        self.save(rec)?;
        self.get(id, false).await
    }

    /// Back to the seeded state without a restart; returns the clone's time in ms.
    pub async fn reset(&self, id: &str) -> Result<f64> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        self.require_running(&rec).await?;
        self.provider.reset(&rec).await
    }

    pub async fn destroy(&self, id: &str) -> Result<()> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        self.provider.destroy(&rec).await?;
        self.registry.update(|d| {
            d.clones.remove(&rec.id);
            d.remove_member(&rec.id);
            Ok(())
        })
    }

    pub async fn seed(&self, id: &str, fixture: Option<&str>) -> Result<SeedResult> {
        let data = self.registry.load()?;
        let mut rec = self.record(&data, id)?;
        let fixture = fixture.ok_or(AsymError::NothingToSeed)?;
        self.catalog.check_fixture(&rec.template, fixture)?;
        self.require_running(&rec).await?;
        let mut result = self.provider.seed(&rec, fixture).await.map_err(|e| match e {
            AsymError::SeedValidation { reason, .. } => AsymError::SeedValidation { fixture: fixture.into(), reason },
            other => other,
        })?;
        result.fixture = fixture.into();
        rec.seed = rec.seed.then(fixture);
        self.save(rec)?;
        Ok(result)
    }

    /// The clone's credentials; `reprovision` mints new ones and revokes the old.
    pub async fn tokens(&self, id: &str, reprovision: bool) -> Result<CloneTokens> {
        let data = self.registry.load()?;
        let mut rec = self.record(&data, id)?;
        let entry = self.catalog.get(&rec.template)?;
        if !entry.manifest.provision {
            return Err(AsymError::NoProvisionSurface { template: rec.template.clone() });
        }
        if !reprovision {
            return Ok(rec.tokens);
        }
        self.require_running(&rec).await?;
        let old = rec.tokens.clone();
        rec.tokens = self.provider.provision(&rec, None, Some(&old)).await?;
        let rec = self.save(rec)?;
        Ok(rec.tokens)
    }

    pub async fn logs(&self, id: &str, req: &LogRequest) -> Result<BoxStream<'static, Result<String>>> {
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        self.provider.logs(&rec, req).await
    }
}
