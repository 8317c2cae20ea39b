//! `clone.manifest.json`: what a template is, which services it runs and how it is
//! stored and seeded. Built-in templates embed theirs; `ASYM_TEMPLATES_DIR` adds more.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::AsymError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateManifest {
    pub name: String,
    pub display_name: String,
    pub real_product: String,
    pub services: Vec<ServiceSpec>,
    /// Named service sets; the first is the default.
    pub modes: Vec<ModeSpec>,
    pub database: DatabaseSpec,
    pub redis: RedisSpec,
    pub seed: SeedSection,
    /// The template mints credentials at spin (`POST /_asym/admin/provision`).
    #[serde(default)]
    pub provision: bool,
    /// Named control-plane routes of the first service, guarded by the admin token
    /// (`apps` → `/api/_asym/apps`): `asym apps` and `asym deliveries` use them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub control: std::collections::BTreeMap<String, String>,
    /// The service that serves the template's MCP tools at `/mcp`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    /// The port the service listens on inside a container; the local provider
    /// allocates host ports from the configured range instead.
    pub port: u16,
    pub health_path: String,
    /// The path agents use as the base URL (e.g. `/api` for Slack, `/` for Stripe).
    #[serde(default = "default_base_path")]
    pub base_path: String,
    /// An external program (any language) that serves this service. It receives
    /// `ASYM_PORT`, `ASYM_BIND`, `ASYM_DATABASE_URL`, `ASYM_KV_PREFIX`, `ASYM_CLONE_ID`
    /// and `ASYM_ADMIN_TOKEN`. Absent: the service is built into the binary.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Other services of this clone whose URL this one receives as `ASYM_<NAME>_URL`.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

fn default_base_path() -> String {
    "/".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModeSpec {
    pub name: String,
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSpec {
    pub migrations: String,
    #[serde(default = "default_db_name")]
    pub name_template: String,
}
fn default_db_name() -> String {
    "clone_{id}".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedisSpec {
    #[serde(default = "default_prefix")]
    pub prefix_template: String,
}
fn default_prefix() -> String {
    "{id}:".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedSection {
    /// Glob of fixture files relative to the template folder, e.g. `fixtures/*.json`.
    pub fixtures: String,
    /// Entities `asym seed --generate` can make, with their counts per volume.
    #[serde(default)]
    pub generate: BTreeMap<String, GenerateCounts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateCounts {
    pub small: u32,
    pub medium: u32,
    pub large: u32,
}

impl TemplateManifest {
    /// Parse and check the cross-references serde cannot: modes name real services,
    /// the default mode exists, names are unique.
    pub fn from_json(path: &str, text: &str) -> Result<Self, AsymError> {
        let m: TemplateManifest =
            serde_json::from_str(text).map_err(|e| AsymError::ManifestInvalid { path: path.into(), reason: e.to_string() })?;
        m.validate(path)?;
        Ok(m)
    }

    pub fn validate(&self, path: &str) -> Result<(), AsymError> {
        let bad = |reason: String| AsymError::ManifestInvalid { path: path.into(), reason };
        crate::CloneId::parse(&format!("{}-0000", self.name)).map_err(|e| bad(format!("name: {e}")))?;
        if self.services.is_empty() {
            return Err(bad("`services` is empty".into()));
        }
        if self.modes.is_empty() {
            return Err(bad("`modes` is empty; the first mode is the default".into()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.services {
            if !seen.insert(&s.name) {
                return Err(bad(format!("service `{}` is declared twice", s.name)));
            }
            if !s.health_path.starts_with('/') {
                return Err(bad(format!("service `{}`: healthPath must start with `/`", s.name)));
            }
            if let Some(cmd) = &s.command
                && cmd.is_empty()
            {
                return Err(bad(format!("service `{}`: command is empty", s.name)));
            }
            for d in &s.depends_on {
                if self.service(d).is_none() {
                    return Err(bad(format!("service `{}` depends on unknown service `{d}`", s.name)));
                }
            }
        }
        if let Some(svc) = &self.mcp
            && self.service(svc).is_none()
        {
            return Err(bad(format!("`mcp` names unknown service `{svc}`")));
        }
        for m in &self.modes {
            if m.services.is_empty() {
                return Err(bad(format!("mode `{}` has no services", m.name)));
            }
            for s in &m.services {
                if self.service(s).is_none() {
                    return Err(bad(format!("mode `{}` names unknown service `{s}`", m.name)));
                }
            }
        }
        Ok(())
    }

    pub fn service(&self, name: &str) -> Option<&ServiceSpec> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn default_mode(&self) -> &ModeSpec {
        &self.modes[0]
    }

    pub fn mode(&self, name: Option<&str>) -> Result<&ModeSpec, AsymError> {
        match name {
            None => Ok(self.default_mode()),
            Some(n) => self.modes.iter().find(|m| m.name == n).ok_or_else(|| AsymError::ModeNotFound {
                template: self.name.clone(),
                mode: n.into(),
                known: self.modes.iter().map(|m| m.name.clone()).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"{
      "name": "demo", "displayName": "Demo", "realProduct": "https://demo.test",
      "services": [{"name": "api", "port": 3001, "healthPath": "/api/health"}],
      "modes": [{"name": "api", "services": ["api"]}],
      "database": {"migrations": "migrations"}, "redis": {},
      "seed": {"fixtures": "fixtures/*.json"}
    }"#;

    #[test]
    fn parses_a_minimal_manifest_with_defaults() {
        let m = TemplateManifest::from_json("m.json", OK).unwrap();
        assert_eq!(m.database.name_template, "clone_{id}");
        assert_eq!(m.redis.prefix_template, "{id}:");
        assert_eq!(m.default_mode().name, "api");
    }

    #[test]
    fn unknown_mode_service_is_an_error() {
        let text = OK.replace(r#""services": ["api"]"#, r#""services": ["web"]"#);
        let e = TemplateManifest::from_json("m.json", &text).unwrap_err();
        assert_eq!(e.code(), "MANIFEST_INVALID");
        assert!(e.to_string().contains("unknown service `web`"), "{e}");
    }

    #[test]
    fn unknown_key_is_an_error() {
        let text = OK.replace(r#""redis": {}"#, r#""redis": {}, "colour": 1"#);
        let e = TemplateManifest::from_json("m.json", &text).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}
