//! What the registry holds: clone records and environments, and the status views
//! built from them. A clone never stores its environment; membership lives only in
//! [`Environment::members`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{CloneId, EnvName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloneState {
    /// Reserved in the registry; storage and processes are being made.
    Creating,
    Running,
    Stopped,
    /// Spin or start failed; `asym start` retries, `asym destroy` cleans up.
    Failed,
    /// The registry says running but a service process is gone (found by `status`).
    Crashed,
}

impl CloneState {
    pub fn as_str(self) -> &'static str {
        match self {
            CloneState::Creating => "creating",
            CloneState::Running => "running",
            CloneState::Stopped => "stopped",
            CloneState::Failed => "failed",
            CloneState::Crashed => "crashed",
        }
    }
}

impl std::fmt::Display for CloneState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Credentials minted for a clone (e.g. `bot` → `xoxb-…`, `user` → `xoxp-…`).
/// Plain text here (the registry file is 0600); the clone's database stores hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CloneTokens(pub BTreeMap<String, String>);

impl CloneTokens {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the recognisable prefix (`xoxb-`) and hides the secret part.
    pub fn redacted(&self) -> CloneTokens {
        CloneTokens(self.0.iter().map(|(k, v)| (k.clone(), redact(v))).collect())
    }
}

pub fn redact(token: &str) -> String {
    let keep = token.find(['-', '_']).map(|i| i + 1).unwrap_or(0).min(12);
    format!("{}…", &token[..keep])
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`; anything
/// without a password (paths, URLs without credentials) is returned unchanged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// The fixture packs applied to a clone, in order; reset replays exactly these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedSpec {
    pub fixtures: Vec<String>,
}

impl SeedSpec {
    pub fn is_empty(&self) -> bool {
        self.fixtures.is_empty()
    }
    pub fn then(&self, fixture: &str) -> SeedSpec {
        let mut fixtures = self.fixtures.clone();
        fixtures.push(fixture.to_string());
        SeedSpec { fixtures }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedResult {
    pub fixture: String,
    /// Rows written per table.
    pub rows: BTreeMap<String, u64>,
    pub millis: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloneRecord {
    pub id: CloneId,
    pub template: String,
    pub mode: String,
    pub provider: String,
    /// SQLite path (embedded) or `postgres://…/clone_<id>` (shared PostgreSQL).
    pub database: String,
    pub redis_prefix: String,
    /// `memory` (in-process) or the shared Redis URL the clone's keys live on.
    #[serde(default = "memory_kv")]
    pub kv_url: String,
    /// Named snapshots, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snapshots: Vec<SnapshotRecord>,
    /// Host port per service of the clone's mode.
    pub ports: BTreeMap<String, u16>,
    pub state: CloneState,
    #[serde(default)]
    pub seed: SeedSpec,
    #[serde(default)]
    pub tokens: CloneTokens,
    #[serde(default)]
    pub expose: bool,
    /// The product's rate limits apply (the default); off for high-throughput runs.
    #[serde(default = "yes")]
    pub rate_limits: bool,
    /// Secret for the clone's control routes (`/_asym/admin/*`); never printed.
    pub admin_token: String,
    /// Owned by the provider (the local one keeps pid + start time per service).
    #[serde(default)]
    pub runtime: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
}

fn yes() -> bool {
    true
}

fn memory_kv() -> String {
    "memory".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRecord {
    pub name: String,
    pub created_at: String,
}

impl CloneRecord {
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    pub fn url(&self, service: &str, base_path: &str) -> Option<String> {
        let port = self.ports.get(service)?;
        let base = if base_path == "/" { "" } else { base_path.trim_end_matches('/') };
        Some(format!("http://{}:{port}{base}", self.host()))
    }

    pub fn origin(&self, service: &str) -> Option<String> {
        self.url(service, "/")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    pub name: String,
    pub port: u16,
    pub pid: Option<u32>,
    pub alive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloneStatus {
    pub state: CloneState,
    pub services: Vec<ServiceStatus>,
}

/// A clone as users see it: the record with endpoints resolved and state reconciled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloneInstance {
    pub id: CloneId,
    pub template: String,
    pub mode: String,
    pub state: CloneState,
    pub api: Option<String>,
    pub web: Option<String>,
    /// The clone's MCP endpoint (streamable HTTP), when its template has tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<String>,
    pub ports: BTreeMap<String, u16>,
    pub env: Option<EnvName>,
    pub seed: SeedSpec,
    pub tokens: CloneTokens,
    pub database: String,
    pub redis_prefix: String,
    pub expose: bool,
    pub services: Vec<ServiceStatus>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvState {
    Running,
    Partial,
    Stopped,
    Failed,
}

impl EnvState {
    /// `running` when all members are up, `stopped` when none is, `failed` when
    /// every member failed, `partial` otherwise.
    pub fn roll_up(states: &[CloneState]) -> EnvState {
        let running = states.iter().filter(|s| **s == CloneState::Running).count();
        let failed = states.iter().filter(|s| matches!(s, CloneState::Failed | CloneState::Crashed)).count();
        if !states.is_empty() && running == states.len() {
            EnvState::Running
        } else if running > 0 {
            EnvState::Partial
        } else if !states.is_empty() && failed == states.len() {
            EnvState::Failed
        } else if failed > 0 {
            EnvState::Partial
        } else {
            EnvState::Stopped
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EnvState::Running => "running",
            EnvState::Partial => "partial",
            EnvState::Stopped => "stopped",
            EnvState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    pub name: EnvName,
    pub members: Vec<CloneId>,
    /// The yaml that made it, or null when made with `spin --group`.
    pub spec: Option<String>,
    pub state: EnvState,
    pub created_at: String,
    pub updated_at: String,
}

/// Everything in `registry.json`, in the current schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryData {
    pub clones: BTreeMap<CloneId, CloneRecord>,
    pub environments: BTreeMap<EnvName, Environment>,
}

impl RegistryData {
    pub fn env_of(&self, id: &CloneId) -> Option<&Environment> {
        self.environments.values().find(|e| e.members.contains(id))
    }

    pub fn used_ports(&self) -> std::collections::BTreeSet<u16> {
        self.clones.values().flat_map(|c| c.ports.values().copied()).collect()
    }

    /// Drops `id` from every environment and removes environments left empty.
    pub fn remove_member(&mut self, id: &CloneId) {
        for env in self.environments.values_mut() {
            env.members.retain(|m| m != id);
        }
        self.environments.retain(|_, e| !e.members.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CloneState::*;

    #[test]
    fn env_state_rolls_up_from_members() {
        assert_eq!(EnvState::roll_up(&[Running, Running]), EnvState::Running);
        assert_eq!(EnvState::roll_up(&[Running, Stopped]), EnvState::Partial);
        assert_eq!(EnvState::roll_up(&[Stopped, Stopped]), EnvState::Stopped);
        assert_eq!(EnvState::roll_up(&[Failed, Crashed]), EnvState::Failed);
        assert_eq!(EnvState::roll_up(&[Failed, Stopped]), EnvState::Partial);
    }

    #[test]
    fn url_passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:s3cret@h:5432/clone_x"), "postgres://u:***@h:5432/clone_x");
        assert_eq!(redact_url("redis://:s3cret@h:6379/"), "redis://:***@h:6379/");
        assert_eq!(redact_url("postgres://postgres@h/clone_x"), "postgres://postgres@h/clone_x");
        assert_eq!(redact_url("/home/a/clones/x/db.sqlite"), "/home/a/clones/x/db.sqlite");
    }

    #[test]
    fn redaction_keeps_only_the_prefix() {
        assert_eq!(redact("xoxb-1234-5678-abcdef"), "xoxb-…");
        assert_eq!(redact("sk_test_abc"), "sk_…");
        assert_eq!(redact("secret"), "…");
    }

    #[test]
    fn removing_the_last_member_removes_the_env() {
        let id = CloneId::parse("slack-0001").unwrap();
        let mut r = RegistryData::default();
        let name = EnvName::parse("acme").unwrap();
        r.environments.insert(
            name.clone(),
            Environment {
                name,
                members: vec![id.clone()],
                spec: None,
                state: EnvState::Running,
                created_at: String::new(),
                updated_at: String::new(),
            },
        );
        r.remove_member(&id);
        assert!(r.environments.is_empty());
    }
}
