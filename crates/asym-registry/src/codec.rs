//! Bytes to [`RegistryData`] and back: version check, migration, and the invariants a
//! file must hold before it is trusted or written.

use std::path::Path;

use asym_contract::{AsymError, RegistryData};
use serde::Serialize;
use serde_json::Value;

use crate::{SCHEMA_VERSION, migrate};

pub(crate) struct Decoded {
    pub data: RegistryData,
    /// The schema of the file as found; `None` when there was no file.
    pub version: Option<u32>,
}

/// The on-disk form: `schemaVersion` first, then the fields of [`RegistryData`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OnDisk<'a> {
    schema_version: u32,
    #[serde(flatten)]
    data: &'a RegistryData,
}

pub(crate) fn decode(bytes: &[u8], path: &Path) -> Result<Decoded, AsymError> {
    let corrupt = |reason: String| AsymError::RegistryCorrupt { path: path.to_path_buf(), reason };
    // serde's "EOF while parsing" would be true but less helpful for a truncated write.
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(corrupt("the file is empty".into()));
    }
    let raw: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let version = migrate::version_of(&raw).map_err(corrupt)?;
    if version > SCHEMA_VERSION {
        return Err(AsymError::RegistryTooNew { path: path.to_path_buf(), found: version, supported: SCHEMA_VERSION });
    }
    let data: RegistryData = if version == SCHEMA_VERSION {
        // From the bytes rather than `raw`: only then does serde's message carry line and
        // column. `schemaVersion` is not a field of RegistryData and is skipped.
        serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?
    } else {
        let upgraded = migrate::upgrade(raw, version).map_err(corrupt)?;
        serde_json::from_value(upgraded).map_err(|e| corrupt(format!("after migrating from schema {version}: {e}")))?
    };
    check(&data).map_err(corrupt)?;
    Ok(Decoded { data, version: Some(version) })
}

pub(crate) fn encode(data: &RegistryData) -> Result<Vec<u8>, AsymError> {
    // A file we would refuse to read must never be written; this is a caller's bug.
    check(data).map_err(|reason| AsymError::Internal(format!("refusing to write an inconsistent registry: {reason}")))?;
    let mut out = serde_json::to_vec_pretty(&OnDisk { schema_version: SCHEMA_VERSION, data })?;
    out.push(b'\n');
    Ok(out)
}

/// The maps are keyed by id and name; a key that disagrees with its value would make
/// lookups and listings tell different stories.
fn check(data: &RegistryData) -> Result<(), String> {
    if let Some((key, c)) = data.clones.iter().find(|(k, c)| **k != c.id) {
        return Err(format!("clone under key `{key}` has id `{}`", c.id));
    }
    if let Some((key, e)) = data.environments.iter().find(|(k, e)| **k != e.name) {
        return Err(format!("environment under key `{key}` has name `{}`", e.name));
    }
    Ok(())
}
