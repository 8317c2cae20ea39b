//! Clone ids and environment names: lowercase, url- and database-safe, so that one
//! id can name a folder, a PostgreSQL database (`clone_<id>`) and a Redis prefix.

use std::fmt;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::AsymError;

const MAX_LEN: usize = 48;

fn validate(kind: &'static str, s: &str) -> Result<(), AsymError> {
    let bad = |reason: &str| AsymError::InvalidName { kind, value: s.to_string(), reason: reason.to_string() };
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    if s.len() > MAX_LEN {
        return Err(bad(&format!("it is longer than {MAX_LEN} characters")));
    }
    if !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(bad("use lowercase letters, digits and `-` only"));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(bad("it may not start or end with `-`"));
    }
    Ok(())
}

/// A snapshot name: the same alphabet as ids, so it can name files and databases.
pub fn check_snapshot_name(s: &str) -> Result<(), AsymError> {
    validate("snapshot name", s)
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CloneId(String);

impl CloneId {
    pub fn parse(s: &str) -> Result<Self, AsymError> {
        validate("clone id", s)?;
        Ok(CloneId(s.to_string()))
    }

    /// `<template>-<4 hex>`, e.g. `slack-a1b2`.
    pub fn generate(template: &str) -> Result<Self, AsymError> {
        let n: u16 = rand::rng().random();
        Self::parse(&format!("{template}-{n:04x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `clone_<id>` with hyphens as underscores: the shared-database name.
    pub fn database_name(&self) -> String {
        format!("clone_{}", self.0.replace('-', "_"))
    }
}

impl TryFrom<String> for CloneId {
    type Error = AsymError;
    fn try_from(s: String) -> Result<Self, AsymError> {
        Self::parse(&s)
    }
}
impl From<CloneId> for String {
    fn from(id: CloneId) -> String {
        id.0
    }
}
impl fmt::Display for CloneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnvName(String);

impl EnvName {
    pub fn parse(s: &str) -> Result<Self, AsymError> {
        validate("environment name", s)?;
        Ok(EnvName(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for EnvName {
    type Error = AsymError;
    fn try_from(s: String) -> Result<Self, AsymError> {
        Self::parse(&s)
    }
}
impl From<EnvName> for String {
    fn from(n: EnvName) -> String {
        n.0
    }
}
impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_template_and_four_hex() {
        let id = CloneId::generate("slack").unwrap();
        let (t, h) = id.as_str().rsplit_once('-').unwrap();
        assert_eq!(t, "slack");
        assert_eq!(h.len(), 4);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn database_name_replaces_hyphens() {
        assert_eq!(CloneId::parse("slack-a1b2").unwrap().database_name(), "clone_slack_a1b2");
    }

    #[test]
    fn rejects_names_that_cannot_be_a_folder_or_database() {
        for bad in ["", "Slack", "a b", "../x", "-a", "a-", "x;drop"] {
            let err = CloneId::parse(bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_NAME", "{bad}");
        }
    }
}
