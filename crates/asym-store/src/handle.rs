//! A clone's database that can be swapped while the clone runs. Each request holds
//! a read guard ([`Db`]) for its whole life; reset, restore and snapshot take the
//! write guard, so they wait for in-flight requests and new ones wait for them: no
//! request ever reads a half-restored database.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use crate::golden::restore_file;
use crate::pool::{self, Pool};
use crate::target::{Image, Target};
use crate::{StoreError, StoreResult, postgres};

#[derive(Clone)]
pub struct StoreHandle {
    target: Target,
    pool: Arc<RwLock<Option<Pool>>>,
    /// Bumped whenever the database is replaced, so caches of what it holds can
    /// tell they are stale.
    generation: Arc<AtomicU64>,
    /// SQLite: reads the database's change counter.
    probe: Option<Arc<Probe>>,
}

/// The database for one request. Deref to the pool.
#[derive(Clone)]
pub struct Db(Arc<OwnedRwLockReadGuard<Option<Pool>, Pool>>, u64, Option<Arc<Probe>>);

impl Db {
    /// Which database this is: changes with every reset, restore and snapshot swap.
    pub fn generation(&self) -> u64 {
        self.1
    }

    /// A value that changes whenever what the database holds does: with every
    /// commit, from any connection or process, and every swap. `None` where no
    /// such value is cheap to read (PostgreSQL): callers must not cache then.
    pub fn version(&self) -> Option<(u64, i64)> {
        Some((self.1, self.2.as_ref()?.data_version()?))
    }
}

/// A connection of its own that never writes, on which SQLite's `data_version`
/// changes whenever another connection (of this process or any other) commits.
struct Probe {
    path: PathBuf,
    conn: std::sync::Mutex<Option<rusqlite::Connection>>,
}

impl Probe {
    fn data_version(&self) -> Option<i64> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if conn.is_none() {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            *conn = rusqlite::Connection::open_with_flags(&self.path, flags).ok();
        }
        match conn.as_ref()?.query_row("PRAGMA data_version", [], |r| r.get(0)) {
            Ok(v) => Some(v),
            Err(_) => {
                *conn = None;
                None
            }
        }
    }

    /// Drops the connection: the file under it was replaced.
    fn forget(&self) {
        *self.conn.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl Deref for Db {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        &self.0
    }
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);

/// Copies the write-ahead log back into the database in the background, so that
/// writers do not: left to SQLite, the commit that fills the log checkpoints it
/// (copies and fsyncs) while holding the clone's write lane, and perf showed a
/// Stripe confirmation spending a third of its time there. A passive checkpoint
/// runs beside readers and writers; SQLite's own, at its default 1,000 pages,
/// remains the backstop. Ends when the handle is gone; skips a tick while a reset
/// holds the database.
/// A tick finds nothing to do, with one `stat`, while the log has not been
/// written since the last checkpoint: an idle clone costs no thread and no query.
/// (A write the file clock cannot tell from the last checkpoint's waits for the
/// next write; SQLite's own checkpoint still bounds the log.)
async fn checkpointer(pool: Weak<RwLock<Option<Pool>>>, db: PathBuf) {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let written = || std::fs::metadata(&wal).and_then(|m| m.modified()).ok();
    let mut checkpointed = None;
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let now = written();
        if now.is_none() || now == checkpointed {
            continue;
        }
        let Some(lock) = pool.upgrade() else { return };
        let Ok(guard) = lock.try_read() else { continue };
        let Some(p) = guard.as_ref().cloned() else { continue };
        // The embedded driver runs a statement on the calling thread: a checkpoint
        // copies and fsyncs for milliseconds, so it runs on a blocking thread, not
        // on one of the workers that serve requests.
        let runtime = tokio::runtime::Handle::current();
        let ran = tokio::task::spawn_blocking(move || runtime.block_on(sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&p))).await;
        match ran {
            Ok(Ok(_)) => checkpointed = now,
            Ok(Err(e)) => tracing::debug!("background checkpoint failed: {e}"),
            Err(_) => {}
        }
        drop(guard);
    }
}

/// Creates the clone's database from `image` unless it exists already (spin, or
/// a start after a crash that happened before the first copy).
pub async fn materialize(target: &Target, image: &Image) -> StoreResult<()> {
    match (target, image) {
        (Target::Sqlite { path }, Image::File(src)) => {
            if !path.exists() {
                restore_file(src, path)?;
            }
            Ok(())
        }
        (Target::Postgres { url, name }, Image::Database(src)) => {
            let mut admin = postgres::admin(url).await?;
            if !postgres::exists(&mut admin, name).await? {
                postgres::create_from(&mut admin, name, src).await?;
            }
            Ok(())
        }
        (_, other) => Err(StoreError::Config(format!("{other:?} is not an image of this backend"))),
    }
}

impl StoreHandle {
    pub async fn open(target: Target) -> StoreResult<Self> {
        let pool = pool::connect(&target, false).await?;
        let probe = match &target {
            Target::Sqlite { path } => Some(Arc::new(Probe { path: path.clone(), conn: Default::default() })),
            Target::Postgres { .. } => None,
        };
        let handle = StoreHandle { target, pool: Arc::new(RwLock::new(Some(pool))), generation: Arc::default(), probe };
        if let Target::Sqlite { path } = &handle.target {
            tokio::spawn(checkpointer(Arc::downgrade(&handle.pool), path.clone()));
        }
        Ok(handle)
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub async fn db(&self) -> StoreResult<Db> {
        let guard = self.pool.clone().read_owned().await;
        // Read under the guard: a swap holds the write guard while it bumps.
        let generation = self.generation.load(Ordering::Acquire);
        OwnedRwLockReadGuard::try_map(guard, |p| p.as_ref()).map(|g| Db(Arc::new(g), generation, self.probe.clone())).map_err(|_| {
            StoreError::Unavailable(
                "the clone database is closed: a reset failed midway or the clone is stopping; run `asym reset` again".into(),
            )
        })
    }

    /// Replaces the clone's database by a copy of `image` (reset, restore). The
    /// pool is closed first and reopened after. Idempotent: a reset that failed
    /// midway is finished by the next one.
    pub async fn replace_with(&self, image: &Image) -> StoreResult<()> {
        let mut guard = self.pool.write().await;
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(pool) = guard.take() {
            pool.close().await;
        }
        if let Some(p) = &self.probe {
            p.forget();
        }
        let replaced = match (&self.target, image) {
            (Target::Sqlite { path }, Image::File(src)) => restore_file(src, path),
            (Target::Postgres { url, name }, Image::Database(src)) => {
                let mut admin = postgres::admin(url).await?;
                postgres::drop_database(&mut admin, name).await?;
                postgres::create_from(&mut admin, name, src).await
            }
            (_, other) => Err(StoreError::Config(format!("{other:?} is not an image of this backend"))),
        };
        // Reopen even when replacing failed, so the clone keeps serving what it has.
        match pool::connect(&self.target, false).await {
            Ok(p) => *guard = Some(p),
            Err(e) => {
                replaced?;
                return Err(e);
            }
        }
        replaced
    }

    /// Copies the clone's current database to `image` (a named snapshot).
    pub async fn copy_to(&self, image: &Image) -> StoreResult<()> {
        let mut guard = self.pool.write().await;
        self.generation.fetch_add(1, Ordering::AcqRel);
        match (&self.target, image) {
            (Target::Sqlite { .. }, Image::File(dest)) => {
                let pool = guard.as_ref().ok_or_else(|| StoreError::Unavailable("the clone database is closed".into()))?;
                let staged = dest.with_extension("staged");
                let _ = std::fs::remove_file(&staged);
                if let Some(dir) = dest.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(format!("creating {}", dir.display()), e))?;
                }
                sqlx::query("VACUUM INTO $1").bind(staged.to_string_lossy().into_owned()).execute(pool).await?;
                std::fs::rename(&staged, dest).map_err(|e| StoreError::io(format!("writing {}", dest.display()), e))
            }
            (Target::Postgres { url, name }, Image::Database(dest)) => {
                // CREATE DATABASE … TEMPLATE needs the source without sessions.
                if let Some(pool) = guard.take() {
                    pool.close().await;
                }
                let copied = async {
                    let mut admin = postgres::admin(url).await?;
                    postgres::drop_database(&mut admin, dest).await?;
                    postgres::create_from(&mut admin, dest, name).await?;
                    postgres::seal(&mut admin, dest).await
                }
                .await;
                *guard = Some(pool::connect(&self.target, false).await?);
                copied
            }
            (_, other) => Err(StoreError::Config(format!("{other:?} is not an image of this backend"))),
        }
    }

    /// Checkpoints (SQLite) and closes for a graceful shutdown.
    pub async fn close(&self) {
        let mut guard = self.pool.write().await;
        if let Some(pool) = guard.take() {
            if pool::is_sqlite(&pool) {
                let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await;
            }
            pool.close().await;
        }
    }
}
