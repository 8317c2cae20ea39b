//! `$ASYM_HOME/config.json`: the port range, shared backends and default provider.
//! Parsing is strict (unknown keys are errors with a did-you-mean hint); see
//! `asym-spec` for the parser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl Default for PortRange {
    fn default() -> Self {
        PortRange { start: 3000, end: 3999 }
    }
}

impl PortRange {
    pub fn contains(&self, p: u16) -> bool {
        (self.start..=self.end).contains(&p)
    }
    pub fn iter(&self) -> impl Iterator<Item = u16> {
        self.start..=self.end
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub port_range: PortRange,
    /// Shared PostgreSQL (`postgres://…`); absent means one SQLite file per clone.
    #[serde(default)]
    pub database_url: Option<String>,
    /// Shared Redis (`redis://…`); absent means an in-process store per clone.
    #[serde(default)]
    pub redis_url: Option<String>,
    #[serde(default = "default_provider")]
    pub provider: String,
}

fn default_provider() -> String {
    "local".into()
}

impl Default for Config {
    fn default() -> Self {
        Config { port_range: PortRange::default(), database_url: None, redis_url: None, provider: default_provider() }
    }
}
