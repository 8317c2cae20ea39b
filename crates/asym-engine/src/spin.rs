//! Spin: reserve an id and ports under the registry lock, make storage, start the
//! services, provision credentials, record the clone as running. Any failure after
//! the reservation is rolled back: processes stopped, folder removed, row deleted.

use std::time::Instant;

use asym_contract::{AsymError, CloneId, CloneInstance, CloneRecord, CloneState, Result, SeedSpec};
use rand::RngExt;

use crate::{Engine, Progress, ports};

#[derive(Debug, Clone, Default)]
pub struct SpinRequest {
    pub template: String,
    pub mode: Option<String>,
    pub seed: Option<String>,
    pub name: Option<String>,
    pub expose: bool,
    pub rate_limits: bool,
}

pub struct Spun {
    /// With tokens in clear: spin prints them once.
    pub instance: CloneInstance,
    pub millis: f64,
}

impl Engine {
    /// Checks what can be checked before anything is made.
    pub fn validate_spin(&self, req: &SpinRequest) -> Result<()> {
        let entry = self.catalog.get(&req.template)?;
        entry.manifest.mode(req.mode.as_deref())?;
        if let Some(f) = &req.seed {
            self.catalog.check_fixture(&req.template, f)?;
        }
        if let Some(n) = &req.name {
            CloneId::parse(n)?;
        }
        Ok(())
    }

    pub async fn spin(&self, req: &SpinRequest, progress: &dyn Progress) -> Result<Spun> {
        // A generated id can be taken on a shared server by another home: draw again.
        let mut attempts = 0;
        loop {
            match self.spin_once(req, progress).await {
                Err(AsymError::StorageExists { .. }) if req.name.is_none() && attempts < 5 => attempts += 1,
                other => return other,
            }
        }
    }

    async fn spin_once(&self, req: &SpinRequest, progress: &dyn Progress) -> Result<Spun> {
        let started = Instant::now();
        self.validate_spin(req)?;
        let entry = self.catalog.get(&req.template)?.clone();
        let mode = entry.manifest.mode(req.mode.as_deref())?.clone();
        progress.step(&format!("reserving {} ({} mode)", req.template, mode.name));
        let rec = self.reserve(req, &entry.manifest, &mode.services)?;
        let id = rec.id.clone();
        let made = async {
            let mut rec = rec.clone();
            self.provider.create(&rec, &entry).await?;
            progress.step(&format!("starting {id}"));
            rec.runtime = self.provider.start(&rec, &entry).await?;
            if entry.manifest.provision {
                progress.step(&format!("provisioning {id}"));
                rec.tokens = self.provider.provision(&rec, None, None).await?;
            }
            rec.state = CloneState::Running;
            self.save(rec)
        }
        .await;
        match made {
            Ok(rec) => {
                let data = self.registry.load()?;
                let status = self.provider.status(&rec).await?;
                Ok(Spun { instance: self.instance(&data, &rec, &status, true), millis: started.elapsed().as_secs_f64() * 1000.0 })
            }
            Err(e) => {
                progress.step(&format!("rolling back {id}"));
                // StorageExists means the storage belongs to someone else: leave it be.
                let ours = !matches!(e, AsymError::StorageExists { .. });
                if ours && let Err(cleanup) = self.provider.destroy(&rec).await {
                    tracing::warn!("rollback of {id} left something behind: {cleanup}");
                }
                let _ = self.registry.update(|d| {
                    d.clones.remove(&id);
                    d.remove_member(&id);
                    Ok(())
                });
                Err(e)
            }
        }
    }

    fn reserve(&self, req: &SpinRequest, manifest: &asym_contract::TemplateManifest, services: &[String]) -> Result<CloneRecord> {
        let now = asym_contract::time::now_rfc3339();
        let admin_token = hex::encode(rand::rng().random::<[u8; 24]>());
        let range = self.config.port_range;
        let provider = self.provider.clone();
        let rec = self.registry.update(|data| {
            let id = match &req.name {
                Some(n) => {
                    let id = CloneId::parse(n)?;
                    if data.clones.contains_key(&id) {
                        return Err(AsymError::CloneExists { id: n.clone() });
                    }
                    id
                }
                None => loop {
                    let id = CloneId::generate(&manifest.name)?;
                    if !data.clones.contains_key(&id) {
                        break id;
                    }
                },
            };
            let ports = ports::allocate(range, &data.used_ports(), services.len(), req.expose)?;
            let mut rec = CloneRecord {
                id: id.clone(),
                template: manifest.name.clone(),
                mode: req.mode.clone().unwrap_or_else(|| manifest.default_mode().name.clone()),
                provider: provider.name().into(),
                database: String::new(),
                redis_prefix: manifest.redis.prefix_template.replace("{id}", id.as_str()),
                kv_url: self.config.redis_url.clone().unwrap_or_else(|| "memory".into()),
                snapshots: Vec::new(),
                ports: services.iter().cloned().zip(ports).collect(),
                state: CloneState::Creating,
                seed: SeedSpec { fixtures: req.seed.iter().cloned().collect() },
                tokens: Default::default(),
                expose: req.expose,
                rate_limits: req.rate_limits,
                admin_token,
                runtime: serde_json::Value::Null,
                created_at: now.clone(),
                updated_at: now,
            };
            rec.database = provider.database_for(&rec);
            data.clones.insert(id, rec.clone());
            Ok(rec)
        })?;
        Ok(rec)
    }
}
