//! `clones/<id>/clone.json`: a copy of each record next to the clone's data, so
//! `asym doctor` can rebuild the registry from what exists on disk.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use asym_contract::CloneRecord;

pub fn path(home: &Path, id: &str) -> PathBuf {
    home.join("clones").join(id).join("clone.json")
}

/// Best effort: the registry is the source of truth; this is its backup.
pub fn write(home: &Path, rec: &CloneRecord) {
    let target = path(home, rec.id.as_str());
    let Some(dir) = target.parent() else { return };
    if !dir.exists() {
        return;
    }
    let tmp = dir.join(".clone.json.tmp");
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).mode(0o600).open(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(rec).map_err(std::io::Error::other)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        tracing::warn!("could not mirror {}: {e}", target.display());
    }
}

pub fn read_all(home: &Path) -> Vec<Result<CloneRecord, String>> {
    let Ok(entries) = std::fs::read_dir(home.join("clones")) else { return Vec::new() };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path().join("clone.json");
        if !p.exists() {
            out.push(Err(format!("{} has no clone.json", e.path().display())));
            continue;
        }
        out.push(
            std::fs::read(&p)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display()))),
        );
    }
    out
}
