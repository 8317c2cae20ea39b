//! A clone's database that can be swapped while the clone runs. Each request holds
//! a read guard ([`Db`]) for its whole life; reset takes the write guard, so it
//! waits for in-flight requests and new ones wait for it: no request ever reads a
//! half-restored file.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::SqlitePool;
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use crate::{StoreError, StoreResult, sqlite};

#[derive(Clone)]
pub struct StoreHandle {
    path: PathBuf,
    pool: Arc<RwLock<Option<SqlitePool>>>,
}

/// The database for one request. Deref to the pool.
#[derive(Clone)]
pub struct Db(Arc<OwnedRwLockReadGuard<Option<SqlitePool>, SqlitePool>>);

impl Deref for Db {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.0
    }
}

impl StoreHandle {
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let pool = sqlite::open(path, false).await?;
        Ok(StoreHandle { path: path.to_path_buf(), pool: Arc::new(RwLock::new(Some(pool))) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn db(&self) -> StoreResult<Db> {
        let guard = self.pool.clone().read_owned().await;
        OwnedRwLockReadGuard::try_map(guard, |p| p.as_ref())
            .map(|g| Db(Arc::new(g)))
            .map_err(|_| StoreError::Unsupported("the clone database is closed (the clone is shutting down)".into()))
    }

    /// Closes the pool, lets `replace` change the file, and reopens it.
    pub async fn swap<F>(&self, replace: F) -> StoreResult<()>
    where
        F: FnOnce(&Path) -> StoreResult<()>,
    {
        let mut guard = self.pool.write().await;
        if let Some(pool) = guard.take() {
            pool.close().await;
        }
        let replaced = replace(&self.path);
        // Reopen even when replacing failed, so the clone keeps serving what it had.
        let reopened = sqlite::open(&self.path, false).await;
        match reopened {
            Ok(p) => *guard = Some(p),
            Err(e) => {
                replaced?;
                return Err(e);
            }
        }
        replaced
    }

    /// Checkpoints and closes for a graceful shutdown.
    pub async fn close(&self) {
        let mut guard = self.pool.write().await;
        if let Some(pool) = guard.take() {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await;
            pool.close().await;
        }
    }
}
