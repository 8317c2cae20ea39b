//! Environments: a named set of clones, made from an environment.yaml (sequential,
//! continue-all) or ad hoc with `spin --group`. Membership lives only here.

use std::path::Path;

use asym_contract::{AsymError, CloneId, CloneInstance, CloneState, EnvName, EnvState, Environment, Result};
use serde::Serialize;

use crate::{Engine, Progress, SpinRequest};

/// What happened to one member in an operation that continues past failures.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOutcome {
    pub template: String,
    pub id: Option<String>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub millis: Option<f64>,
    /// Spun members carry their instance (tokens in clear: spin prints them once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone: Option<CloneInstance>,
}

impl MemberOutcome {
    fn failed(template: &str, id: Option<String>, e: &AsymError) -> Self {
        MemberOutcome {
            template: template.into(),
            id,
            ok: false,
            code: Some(e.code().into()),
            error: Some(e.to_string()),
            millis: None,
            clone: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvReport {
    pub name: String,
    pub state: Option<EnvState>,
    pub members: Vec<MemberOutcome>,
}

impl EnvReport {
    pub fn all_ok(&self) -> bool {
        self.members.iter().all(|m| m.ok)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvView {
    pub name: String,
    pub state: EnvState,
    pub spec: Option<String>,
    pub members: Vec<CloneInstance>,
    pub created_at: String,
    pub updated_at: String,
}

impl Engine {
    /// `asym env spin <file>`: every member is checked before anything is spun.
    pub async fn env_spin(&self, path: &Path, progress: &dyn Progress) -> Result<EnvReport> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| AsymError::EnvSpecInvalid { path: shown.clone(), reason: format!("cannot read it: {e}") })?;
        let spec = asym_spec::parse_env_spec(&shown, &text)?;
        let name = EnvName::parse(&spec.name)?;
        let requests: Vec<SpinRequest> = spec
            .clones
            .iter()
            .map(|c| SpinRequest {
                template: c.template.clone(),
                mode: c.mode.clone(),
                seed: c.seed.clone(),
                name: c.name.clone(),
                expose: false,
                rate_limits: c.rate_limits.unwrap_or(true),
            })
            .collect();
        for r in &requests {
            self.validate_spin(r)?;
        }
        if self.registry.load()?.environments.contains_key(&name) {
            return Err(AsymError::EnvExists { name: name.to_string() });
        }
        let spec_path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string();
        self.spin_into(&name, Some(spec_path), &requests, progress).await
    }

    /// Spins `requests` one after another into environment `name`, continuing past
    /// failures; a failed member is rolled back and not recorded.
    pub async fn spin_into(
        &self,
        name: &EnvName,
        spec: Option<String>,
        requests: &[SpinRequest],
        progress: &dyn Progress,
    ) -> Result<EnvReport> {
        let mut members = Vec::new();
        for req in requests {
            match self.spin(req, progress).await {
                Ok(spun) => {
                    let id = spun.instance.id.clone();
                    self.join(name, &id, spec.clone())?;
                    members.push(MemberOutcome {
                        template: req.template.clone(),
                        id: Some(id.to_string()),
                        ok: true,
                        code: None,
                        error: None,
                        millis: Some(spun.millis),
                        clone: Some(spun.instance),
                    });
                }
                Err(e) => members.push(MemberOutcome::failed(&req.template, req.name.clone(), &e)),
            }
        }
        let failed = members.iter().any(|m| !m.ok);
        let state = self.registry.update(|d| {
            Ok(d.environments.get_mut(name).map(|env| {
                if failed {
                    env.state = EnvState::Partial;
                }
                env.state
            }))
        })?;
        Ok(EnvReport { name: name.to_string(), state, members })
    }

    fn join(&self, name: &EnvName, id: &CloneId, spec: Option<String>) -> Result<()> {
        let now = asym_contract::time::now_rfc3339();
        self.registry.update(|d| {
            let env = d.environments.entry(name.clone()).or_insert_with(|| Environment {
                name: name.clone(),
                members: Vec::new(),
                spec,
                state: EnvState::Running,
                created_at: now.clone(),
                updated_at: now.clone(),
            });
            if !env.members.contains(id) {
                env.members.push(id.clone());
            }
            env.updated_at = now;
            let states: Vec<CloneState> = env.members.iter().filter_map(|m| d.clones.get(m)).map(|c| c.state).collect();
            if let Some(env) = d.environments.get_mut(name) {
                env.state = EnvState::roll_up(&states);
            }
            Ok(())
        })
    }

    pub async fn env_list(&self) -> Result<Vec<EnvView>> {
        let data = self.registry.load()?;
        let mut out = Vec::new();
        for env in data.environments.values() {
            out.push(self.env_view(&data, env).await?);
        }
        Ok(out)
    }

    pub async fn env_status(&self, name: &str) -> Result<EnvView> {
        let data = self.registry.load()?;
        let env = self.env_record(&data, name)?;
        self.env_view(&data, &env).await
    }

    async fn env_view(&self, data: &asym_contract::RegistryData, env: &Environment) -> Result<EnvView> {
        let mut members = Vec::new();
        for id in &env.members {
            if let Some(rec) = data.clones.get(id) {
                let status = self.provider.status(rec).await?;
                members.push(self.instance(data, rec, &status, false));
            }
        }
        let states: Vec<CloneState> = members.iter().map(|m| m.state).collect();
        Ok(EnvView {
            name: env.name.to_string(),
            state: EnvState::roll_up(&states),
            spec: env.spec.clone(),
            members,
            created_at: env.created_at.clone(),
            updated_at: env.updated_at.clone(),
        })
    }

    pub(crate) fn env_record(&self, data: &asym_contract::RegistryData, name: &str) -> Result<Environment> {
        let key = EnvName::parse(name).map_err(|_| AsymError::EnvNotFound { name: name.into() })?;
        data.environments.get(&key).cloned().ok_or_else(|| AsymError::EnvNotFound { name: name.into() })
    }

    pub async fn env_reset(&self, name: &str) -> Result<EnvReport> {
        self.each_member(name, |id| async move { self.reset(&id).await.map(Some) }).await
    }

    /// Snapshot `snap` of every member (continue-all).
    pub async fn env_snapshot(&self, name: &str, snap: &str) -> Result<EnvReport> {
        asym_contract::ids::check_snapshot_name(snap)?;
        self.each_member(name, |id| async move { self.snapshot(&id, snap).await.map(Some) }).await
    }

    /// Restores every member to its snapshot `snap` (continue-all).
    pub async fn env_restore(&self, name: &str, snap: &str) -> Result<EnvReport> {
        self.each_member(name, |id| async move { self.restore(&id, snap).await.map(Some) }).await
    }

    /// Destroys every member; the environment goes with its last member.
    pub async fn env_destroy(&self, name: &str) -> Result<EnvReport> {
        self.each_member(name, |id| async move { self.destroy(&id).await.map(|_| None) }).await
    }

    async fn each_member<F, Fut>(&self, name: &str, op: F) -> Result<EnvReport>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<Option<f64>>>,
    {
        let data = self.registry.load()?;
        let env = self.env_record(&data, name)?;
        let mut members = Vec::new();
        for id in &env.members {
            let template = data.clones.get(id).map(|c| c.template.clone()).unwrap_or_default();
            match op(id.to_string()).await {
                Ok(millis) => members.push(MemberOutcome {
                    template,
                    id: Some(id.to_string()),
                    ok: true,
                    code: None,
                    error: None,
                    millis,
                    clone: None,
                }),
                Err(e) => members.push(MemberOutcome::failed(&template, Some(id.to_string()), &e)),
            }
        }
        let after = self.registry.load()?;
        let state = match after.environments.get(&env.name) {
            Some(e) => Some(self.env_view(&after, e).await?.state),
            None => None,
        };
        Ok(EnvReport { name: name.into(), state, members })
    }
}
