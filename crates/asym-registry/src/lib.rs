//! `registry.json`: the one file that says which clones and environments exist.
//!
//! This crate's one job is to read and write that file safely. [`Registry`] opens the
//! folder (`ASYM_HOME`); [`Registry::load`] reads it, [`Registry::update`] changes it under
//! a lock, and [`Registry::replace`] overwrites it for `asym doctor`. The in-memory form is
//! always the current schema, [`asym_contract::RegistryData`]; older files are upgraded in
//! memory by the steps in `migrate` and written in the new form only by the next locked write,
//! so a read-only command never rewrites a user's file.
//!
//! The key decision: the lock is taken on a sidecar file, `registry.lock`, not on
//! `registry.json` itself. Every write replaces `registry.json` by renaming a temporary file
//! over it, which gives the path a new inode; a lock held on the old inode would no longer
//! exclude a process that opens the path afterwards. The sidecar is never replaced, so its
//! lock means what it says. Readers take no lock at all: rename is atomic, so they see either
//! the old file or the new one, never a torn one.

mod codec;
mod disk;
mod migrate;

use std::path::{Path, PathBuf};

use asym_contract::{AsymError, RegistryData};

/// The schema this binary writes. Files with an older version are migrated on read; a newer
/// one is refused with `REGISTRY_TOO_NEW`.
pub const SCHEMA_VERSION: u32 = 2;

const FILE_NAME: &str = "registry.json";
const LOCK_NAME: &str = "registry.lock";

#[derive(Debug, Clone)]
pub struct Registry {
    dir: PathBuf,
    path: PathBuf,
}

impl Registry {
    /// `dir` is ASYM_HOME; files are `dir/registry.json` and `dir/registry.lock`.
    /// Creates `dir` (0700) if missing.
    pub fn open(dir: &Path) -> Result<Registry, AsymError> {
        disk::create_private_dir(dir)?;
        Ok(Registry { dir: dir.to_path_buf(), path: dir.join(FILE_NAME) })
    }

    /// The path of `registry.json`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads without the lock. A missing file is an empty registry. An older schema is
    /// migrated in memory only.
    pub fn load(&self) -> Result<RegistryData, AsymError> {
        Ok(self.read()?.data)
    }

    /// Takes the lock, re-reads, runs `f`, and writes only if `f` succeeded and either changed
    /// the data or the file on disk is in an older schema. Returns what `f` returned.
    pub fn update<T>(&self, f: impl FnOnce(&mut RegistryData) -> Result<T, AsymError>) -> Result<T, AsymError> {
        let _lock = self.lock()?;
        // Re-read under the lock: what a caller loaded earlier may be stale by now.
        let current = self.read()?;
        let mut data = current.data.clone();
        let out = f(&mut data)?;
        let outdated = current.version.is_some_and(|v| v < SCHEMA_VERSION);
        if data != current.data || outdated {
            self.write(&data)?;
        }
        Ok(out)
    }

    /// Overwrites the file with `data` under the lock, for `asym doctor`. A file that cannot
    /// be loaded (corrupt, or from a newer binary) is first copied to
    /// `registry.json.corrupt-<unix seconds>` so that nothing is lost for good.
    pub fn replace(&self, data: &RegistryData) -> Result<(), AsymError> {
        let _lock = self.lock()?;
        match self.read() {
            Ok(_) => {}
            Err(AsymError::RegistryCorrupt { .. } | AsymError::RegistryTooNew { .. }) => {
                disk::keep_copy(&self.path)?;
            }
            Err(e) => return Err(e),
        }
        self.write(data)
    }

    fn read(&self) -> Result<codec::Decoded, AsymError> {
        match disk::read_optional(&self.path)? {
            None => Ok(codec::Decoded { data: RegistryData::default(), version: None }),
            Some(bytes) => codec::decode(&bytes, &self.path),
        }
    }

    fn write(&self, data: &RegistryData) -> Result<(), AsymError> {
        let bytes = codec::encode(data)?;
        disk::write_atomic(&self.path, &bytes)
    }

    fn lock(&self) -> Result<disk::Lock, AsymError> {
        disk::Lock::acquire(&self.dir.join(LOCK_NAME))
    }
}
