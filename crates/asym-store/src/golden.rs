//! Golden images: one per (template, migrations hash, fixture packs), built once
//! and copied by spin and reset. On SQLite a checkpointed file built under a file
//! lock; on PostgreSQL a template database built under an advisory lock.

use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::pool::{self, Pool};
use crate::target::{Image, Target};
use crate::{StoreError, StoreResult, postgres};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldenKey {
    pub template: String,
    pub migrations_hash: String,
    pub fixtures: Vec<String>,
}

impl GoldenKey {
    /// A file name that changes whenever any part of the key does.
    pub fn file_name(&self) -> String {
        let packs = if self.fixtures.is_empty() { "empty".to_string() } else { self.fixtures.join("+") };
        let safe = packs.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+')) && packs.len() <= 64;
        let packs = if safe { packs } else { hex::encode(&Sha256::digest(packs.as_bytes())[..8]) };
        format!("{}-{}-{}.sqlite", self.template, self.migrations_hash, packs)
    }

    /// The template database's name on PostgreSQL (`g_<template>_<hash>`).
    pub fn database_name(&self) -> String {
        let t: String =
            self.template.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(24).collect();
        let all = hex::encode(&Sha256::digest(self.file_name().as_bytes())[..8]);
        format!("g_{t}_{all}")
    }
}

#[derive(Debug, Clone)]
pub struct GoldenStore {
    dir: PathBuf,
}

impl GoldenStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        GoldenStore { dir: dir.into() }
    }

    pub fn path(&self, key: &GoldenKey) -> PathBuf {
        self.dir.join(key.file_name())
    }

    /// The golden image for `key` on the backend of `target`, built with `build`
    /// if it does not exist yet.
    pub async fn ensure<F, Fut>(&self, target: &Target, key: &GoldenKey, build: F) -> StoreResult<Image>
    where
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = StoreResult<()>>,
    {
        match target {
            Target::Sqlite { .. } => self.ensure_file(key, build).await.map(Image::File),
            Target::Postgres { url, .. } => ensure_database(url, key, build).await.map(Image::Database),
        }
    }

    /// Concurrent builders (clones spun at once) serialize on a lock file; the
    /// loser finds the file built and returns it.
    async fn ensure_file<F, Fut>(&self, key: &GoldenKey, build: F) -> StoreResult<PathBuf>
    where
        F: FnOnce(Pool) -> Fut,
        Fut: Future<Output = StoreResult<()>>,
    {
        let target = self.path(key);
        if target.exists() {
            return Ok(target);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| StoreError::io(format!("creating {}", self.dir.display()), e))?;
        let lock_path = target.with_extension("lock");
        let lock = tokio::task::spawn_blocking(move || -> std::io::Result<File> {
            let f = File::options().create(true).truncate(false).write(true).open(&lock_path)?;
            f.lock()?;
            Ok(f)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("golden lock task: {e}")))?
        .map_err(|e| StoreError::io("locking the golden image", e))?;
        if target.exists() {
            return Ok(target);
        }
        let work = target.with_extension(format!("build-{}", std::process::id()));
        let staged = target.with_extension(format!("staged-{}", std::process::id()));
        remove_db_files(&work)?;
        let _ = std::fs::remove_file(&staged);
        let pool = pool::connect(&Target::Sqlite { path: work.clone() }, true).await?;
        let built = build(pool.clone()).await;
        if built.is_ok() {
            // VACUUM INTO writes one self-contained, checkpointed file: copying a live
            // WAL database instead would lose whatever sits in the -wal file.
            sqlx::query("VACUUM INTO $1").bind(staged.to_string_lossy().into_owned()).execute(&pool).await?;
        }
        pool.close().await;
        remove_db_files(&work)?;
        built?;
        std::fs::rename(&staged, &target).map_err(|e| StoreError::io("publishing the golden image", e))?;
        sync_dir(&self.dir);
        drop(lock);
        Ok(target)
    }
}

/// Builds `g_…` as `g_…_build`, then renames and seals it, under an advisory lock
/// so that two clones spun at once on one server build it once.
async fn ensure_database<F, Fut>(server: &url::Url, key: &GoldenKey, build: F) -> StoreResult<String>
where
    F: FnOnce(Pool) -> Fut,
    Fut: Future<Output = StoreResult<()>>,
{
    let name = key.database_name();
    let mut admin = postgres::admin(server).await?;
    if postgres::exists(&mut admin, &name).await? {
        return Ok(name);
    }
    postgres::lock(&mut admin, &name).await?;
    let result = async {
        if postgres::exists(&mut admin, &name).await? {
            return Ok(());
        }
        let work = format!("{name}_build");
        postgres::drop_database(&mut admin, &work).await?;
        postgres::create_empty(&mut admin, &work).await?;
        let target = Target::Postgres { url: postgres::with_database(server, &work), name: work.clone() };
        let pool = pool::connect(&target, false).await?;
        let built = build(pool.clone()).await;
        pool.close().await;
        if let Err(e) = built {
            postgres::drop_database(&mut admin, &work).await?;
            return Err(e);
        }
        postgres::rename(&mut admin, &work, &name).await?;
        postgres::seal_as_template(&mut admin, &name).await
    }
    .await;
    postgres::unlock(&mut admin, &name).await?;
    result.map(|()| name)
}

/// Replaces the database at `db` with a copy of `golden`. The caller must have
/// closed every connection to `db`. A crash midway leaves either the old or the new
/// file, never a torn one (copy to a temporary name, then rename).
pub fn restore_file(golden: &Path, db: &Path) -> StoreResult<()> {
    let tmp = db.with_extension("restoring");
    std::fs::copy(golden, &tmp).map_err(|e| StoreError::io(format!("copying {}", golden.display()), e))?;
    for suffix in ["-wal", "-shm"] {
        remove_if_exists(&sidecar(db, suffix))?;
    }
    std::fs::rename(&tmp, db).map_err(|e| StoreError::io(format!("replacing {}", db.display()), e))?;
    if let Some(dir) = db.parent() {
        sync_dir(dir);
    }
    Ok(())
}

pub fn remove_db_files(db: &Path) -> StoreResult<()> {
    remove_if_exists(db)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        remove_if_exists(&sidecar(db, suffix))?;
    }
    Ok(())
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_if_exists(p: &Path) -> StoreResult<()> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(format!("removing {}", p.display()), e)),
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
