//! The control plane between the engine and a running clone: the environment a
//! service process is started with, and the admin routes it serves. Built-in and
//! external (any-language) services get exactly the same contract.

use serde::{Deserialize, Serialize};

use crate::{CloneTokens, SeedSpec};

/// Environment variables every service process receives.
pub mod env {
    pub const CLONE_ID: &str = "ASYM_CLONE_ID";
    pub const TEMPLATE: &str = "ASYM_TEMPLATE";
    pub const SERVICE: &str = "ASYM_SERVICE";
    pub const PORT: &str = "ASYM_PORT";
    pub const BIND: &str = "ASYM_BIND";
    /// `sqlite:///abs/path/db.sqlite` (embedded) or `postgres://…/clone_<id>`.
    pub const DATABASE_URL: &str = "ASYM_DATABASE_URL";
    /// `memory` (embedded, in-process) or `redis://…`.
    pub const KV_URL: &str = "ASYM_KV_URL";
    pub const KV_PREFIX: &str = "ASYM_KV_PREFIX";
    pub const ADMIN_TOKEN: &str = "ASYM_ADMIN_TOKEN";
    /// Folder of golden images shared by all clones of this home.
    pub const GOLDEN_DIR: &str = "ASYM_GOLDEN_DIR";
    /// Fixture packs the database starts from, comma-separated.
    pub const SEED: &str = "ASYM_SEED";
    /// Public base URL of this service, as agents reach it.
    pub const PUBLIC_URL: &str = "ASYM_PUBLIC_URL";
    /// The clone's own folder (`$ASYM_HOME/clones/<id>`): snapshots of its keys live there.
    pub const STATE_DIR: &str = "ASYM_STATE_DIR";
    /// `on` (the product's rate limits) or `off`.
    pub const RATE_LIMITS: &str = "ASYM_RATE_LIMITS";
    /// `off` turns the request journal off (to measure what it costs).
    pub const JOURNAL: &str = "ASYM_JOURNAL";
    /// Extra `Host` names (comma-separated) the MCP endpoints accept besides
    /// loopback: the names remote agents use to reach an `--expose`d clone.
    pub const MCP_ALLOWED_HOSTS: &str = "ASYM_MCP_ALLOWED_HOSTS";
}

/// The `Host` names MCP endpoints accept: loopback, plus `ASYM_MCP_ALLOWED_HOSTS`.
pub fn mcp_allowed_hosts() -> Vec<String> {
    let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].iter().map(|h| h.to_string()).collect();
    if let Ok(extra) = std::env::var(env::MCP_ALLOWED_HOSTS) {
        hosts.extend(extra.split(',').map(str::trim).filter(|h| !h.is_empty()).map(String::from));
    }
    hosts
}

pub const ADMIN_TOKEN_HEADER: &str = "x-asym-admin-token";
pub const PROVISION_PATH: &str = "/_asym/admin/provision";
pub const SEED_PATH: &str = "/_asym/admin/seed";
pub const RESET_PATH: &str = "/_asym/admin/reset";
pub const SNAPSHOT_PATH: &str = "/_asym/admin/snapshot";
pub const DIFF_PATH: &str = "/_asym/admin/diff";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffRequest {
    /// The seed the clone was reset to (its golden image).
    pub seed: SeedSpec,
    /// Compare with this snapshot instead of the seeded state.
    #[serde(default)]
    pub since: Option<String>,
}
pub const RESTORE_PATH: &str = "/_asym/admin/restore";
pub const STATE_PATH: &str = "/_asym/admin/state";

/// The current rows of some of a clone's resources (what `asym eval` reads).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateRequest {
    /// Resource names (`messages`); empty means every resource.
    #[serde(default)]
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateResponse {
    /// The requested resources the template has; unknown names are left out.
    pub resources: std::collections::BTreeMap<String, Vec<crate::diff::Row>>,
    /// Every resource name the template has.
    pub known: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotRequest {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreRequest {
    pub name: String,
    /// The clone's current tokens, re-applied over whatever the snapshot held.
    pub tokens: CloneTokens,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionRequest {
    /// Re-apply these tokens (after a reset) instead of minting new ones.
    #[serde(default)]
    pub tokens: Option<CloneTokens>,
    /// Tokens to revoke (rotation).
    #[serde(default)]
    pub revoke: Option<CloneTokens>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionResponse {
    pub tokens: CloneTokens,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedRequest {
    pub fixture: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub seed: SeedSpec,
    pub tokens: CloneTokens,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetResponse {
    pub millis: f64,
}

/// The error body every admin route answers with on failure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdminError {
    pub code: String,
    pub message: String,
}
