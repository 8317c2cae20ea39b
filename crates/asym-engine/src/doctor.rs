//! `asym doctor`: checks the machine and the registry, and rebuilds a registry that
//! no longer parses from the `clone.json` kept in each clone's folder.

use std::collections::BTreeSet;

use asym_contract::{AsymError, CloneState, RegistryData, Result};
use serde::Serialize;

use crate::{Engine, clone_file, ports};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

fn check(name: &str, ok: bool, detail: String, fix: Option<String>) -> Check {
    Check { name: name.into(), ok, detail, fix: if ok { None } else { fix } }
}

impl Engine {
    pub async fn doctor(&self) -> Result<DoctorReport> {
        let mut checks = Vec::new();
        let data = match self.registry.load() {
            Ok(d) => {
                checks.push(check("registry", true, format!("{} clones, {} environments", d.clones.len(), d.environments.len()), None));
                d
            }
            Err(AsymError::RegistryCorrupt { reason, .. }) => {
                let rebuilt = self.rebuild_registry()?;
                checks.push(Check {
                    name: "registry".into(),
                    ok: true,
                    detail: format!(
                        "was corrupt ({reason}); rebuilt with {} clones from their folders (the corrupt file was kept beside it; environments were not recoverable)",
                        rebuilt.clones.len()
                    ),
                    fix: None,
                });
                rebuilt
            }
            Err(e) => return Err(e),
        };

        let range = self.config.port_range;
        let used: BTreeSet<u16> = data.used_ports();
        let free = range.iter().filter(|p| !used.contains(p)).take(200).filter(|p| ports::is_free(*p, false)).count();
        checks.push(check(
            "ports",
            free > 0,
            format!(
                "range {}-{}: {} held by clones, {}{} free to bind",
                range.start,
                range.end,
                used.len(),
                free,
                if free == 200 { "+" } else { "" }
            ),
            Some("widen `portRange` in config.json or destroy unused clones".into()),
        ));

        for b in self.provider.backends().await {
            checks.push(check(&b.name, b.ok, b.detail, b.fix));
        }

        for rec in data.clones.values() {
            let status = self.provider.status(rec).await?;
            match (rec.state, status.state) {
                (CloneState::Running, CloneState::Crashed) => {
                    let dead: Vec<String> = status.services.iter().filter(|s| !s.alive).map(|s| s.name.clone()).collect();
                    checks.push(check(
                        &format!("clone {}", rec.id),
                        false,
                        format!("recorded running but service(s) {} are gone (stale pid)", dead.join(", ")),
                        Some(format!("`asym start {}` restarts it with its data; `asym logs {}` shows why it died", rec.id, rec.id)),
                    ));
                }
                (CloneState::Creating, _) | (CloneState::Failed, _) => checks.push(check(
                    &format!("clone {}", rec.id),
                    false,
                    format!("left in state `{}` by an interrupted or failed command", rec.state),
                    Some(format!("`asym start {}` retries it, `asym destroy {}` removes it", rec.id, rec.id)),
                )),
                _ => {}
            }
        }
        Ok(DoctorReport { checks })
    }

    fn rebuild_registry(&self) -> Result<RegistryData> {
        let mut data = RegistryData::default();
        for rec in clone_file::read_all(&self.home).into_iter().flatten() {
            data.clones.insert(rec.id.clone(), rec);
        }
        self.registry.replace(&data)?;
        Ok(data)
    }
}
