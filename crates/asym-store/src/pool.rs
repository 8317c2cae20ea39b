//! One pool type for both backends: sqlx's `Any` driver, restricted to the types
//! both dialects map the same way — TEXT, BIGINT/INTEGER (flags are 0/1
//! integers), DOUBLE PRECISION and BLOB. `Any` fails on types outside that set
//! (BOOLEAN on SQLite, NUMERIC, TIMESTAMPTZ, UUID on PostgreSQL), so migrations
//! never declare them and queries never produce them (no SUM over BIGINT, which
//! is NUMERIC on PostgreSQL; cast it).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, Executor, Transaction};

use crate::target::Target;
use crate::{StoreError, StoreResult, sqlite};

pub type Pool = sqlx::AnyPool;

pub async fn connect(target: &Target, create: bool) -> StoreResult<Pool> {
    crate::inline_sqlite::install();
    let opts = AnyPoolOptions::new().max_connections(4).min_connections(1).idle_timeout(Some(Duration::from_secs(60)));
    match target {
        Target::Sqlite { path } => {
            let url = format!("{}{}", sqlite::url_from_path(path), if create { "?mode=rwc" } else { "?mode=rw" });
            let pool = opts
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(sqlite::PRAGMAS).await?;
                        Ok(())
                    })
                })
                .connect(&url)
                .await?;
            Ok(pool)
        }
        // A shared server serves hundreds of clones: each keeps few connections,
        // and none while idle.
        Target::Postgres { url, name } => {
            opts.max_connections(3).min_connections(0).acquire_timeout(Duration::from_secs(5)).connect(url.as_str()).await.map_err(|e| {
                match e {
                    sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000") => StoreError::Missing(format!("database `{name}`")),
                    other => StoreError::Sqlx(other),
                }
            })
        }
    }
}

/// A transaction that writes. On SQLite it takes the write lock up front (a
/// deferred transaction that reads and then writes cannot wait for the lock:
/// SQLite answers `SQLITE_BUSY_SNAPSHOT` at once), and writers of one database
/// queue on an in-process lane first, so they wait on a fair async lock instead of
/// SQLite's busy handler, which sleeps up to 100 ms between tries.
///
/// Writers queued on one SQLite lane share a commit (group commit): each runs in
/// a savepoint of one open transaction, and the transaction commits once the
/// writers that queued behind it have added their work. A commit writes every
/// page it touched to the log, and concurrent writers touch the same pages (the
/// tail of a table, its indexes), so one commit for many writers writes a
/// fraction of the pages. `commit` still returns only after the real commit: an
/// answer is never sent for work a crash could lose.
pub async fn begin_write(pool: &Pool) -> sqlx::Result<WriteTx> {
    if !is_sqlite(pool) {
        return Ok(WriteTx { inner: Inner::Shared(pool.begin().await?) });
    }
    let lane = lane(pool.connect_options().database_url.path());
    let mut writer = lane.clone().lock_owned().await;
    if writer.batch.as_ref().is_some_and(|b| b.members >= MAX_BATCH) {
        commit_batch(&mut writer).await;
    }
    if writer.batch.is_none() {
        let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        writer.next_id += 1;
        writer.batch = Some(Batch { tx, id: writer.next_id, members: 0, done: tokio::sync::watch::channel(None).0 });
    }
    if let Err(e) = batch_tx(&mut writer).execute("SAVEPOINT asym_write").await {
        let _ = close_if_unclaimed(&mut writer).await;
        return Err(e);
    }
    Ok(WriteTx { inner: Inner::Lane { writer, lane } })
}

/// Writers that share one commit at most; bounds how long the first waits.
const MAX_BATCH: usize = 64;

/// The write lane of one SQLite file: the lock writers queue on, and the
/// transaction their savepoints live in.
type Lane = Arc<tokio::sync::Mutex<Writer>>;

#[derive(Default)]
struct Writer {
    batch: Option<Batch>,
    next_id: u64,
}

/// One open transaction and the writers whose released savepoints it holds.
struct Batch {
    tx: Transaction<'static, Any>,
    id: u64,
    /// Writers that released their savepoint and wait for the commit.
    members: usize,
    /// The commit's outcome, once known.
    done: tokio::sync::watch::Sender<Option<Result<(), String>>>,
}

fn lane(path: &str) -> Lane {
    static LANES: LazyLock<Mutex<HashMap<String, Lane>>> = LazyLock::new(Default::default);
    let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
    // Every write looks its lane up: allocate the key only for a new file.
    if let Some(lane) = lanes.get(path) {
        return lane.clone();
    }
    lanes.entry(path.to_string()).or_default().clone()
}

fn batch_tx(writer: &mut Writer) -> &mut sqlx::AnyConnection {
    // A lane guard handed to a WriteTx always holds an open batch.
    &mut writer.batch.as_mut().expect("a writer holds an open batch").tx
}

/// Commits the open batch and tells its members.
async fn commit_batch(writer: &mut Writer) {
    if let Some(b) = writer.batch.take() {
        let outcome = b.tx.commit().await.map_err(|e| e.to_string());
        b.done.send_replace(Some(outcome));
    }
}

/// Ends the current writer's savepoint: released (kept) or rolled back. A batch
/// no released writer is waiting on is closed at once; one that has members is
/// committed by them.
async fn end_savepoint(writer: &mut Writer, keep: bool) -> sqlx::Result<()> {
    let ended = if keep {
        batch_tx(writer).execute("RELEASE asym_write").await.map(drop)
    } else {
        let tx = batch_tx(writer);
        match tx.execute("ROLLBACK TO asym_write").await {
            Ok(_) => tx.execute("RELEASE asym_write").await.map(drop),
            Err(e) => Err(e),
        }
    };
    if let Err(e) = ended {
        // The transaction is in an unknown state: give up on all of it.
        if let Some(b) = writer.batch.take() {
            let _ = b.tx.rollback().await;
            b.done.send_replace(Some(Err(format!("a write in the same commit failed: {e}"))));
        }
        return Err(e);
    }
    if !keep {
        close_if_unclaimed(writer).await?;
    }
    Ok(())
}

/// Rolls back the open batch when no released writer waits on it: it holds
/// nothing anyone will commit.
async fn close_if_unclaimed(writer: &mut Writer) -> sqlx::Result<()> {
    if writer.batch.as_ref().is_some_and(|b| b.members == 0)
        && let Some(b) = writer.batch.take()
    {
        b.tx.rollback().await?;
    }
    Ok(())
}

/// One connection to a PostgreSQL image (a readable twin or a scratch copy), for
/// reading it once.
pub async fn connect_reader(url: &str) -> StoreResult<Pool> {
    crate::inline_sqlite::install();
    Ok(AnyPoolOptions::new().max_connections(1).acquire_timeout(Duration::from_secs(5)).connect(url).await?)
}

/// A read-only pool on an image file (a golden image or a snapshot), which must
/// not gain `-wal`/`-shm` files or change in any way.
pub async fn connect_image(path: &std::path::Path) -> StoreResult<Pool> {
    crate::inline_sqlite::install();
    let url = format!("{}?mode=ro&immutable=1", sqlite::url_from_path(path));
    Ok(AnyPoolOptions::new().max_connections(1).connect(&url).await?)
}

/// A write transaction (and, on SQLite, its place in the write lane until it
/// ends). Derefs to the connection, so `&mut *tx` is an executor.
pub struct WriteTx {
    inner: Inner,
}

enum Inner {
    /// PostgreSQL: a transaction of its own.
    Shared(Transaction<'static, Any>),
    /// SQLite: a savepoint in the lane's batch, while `writer` is held.
    Lane { writer: tokio::sync::OwnedMutexGuard<Writer>, lane: Lane },
    /// Committed or rolled back.
    Ended,
}

impl WriteTx {
    pub async fn commit(mut self) -> sqlx::Result<()> {
        let (mut writer, lane) = match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Shared(tx) => return tx.commit().await,
            Inner::Lane { writer, lane } => (writer, lane),
            Inner::Ended => return Ok(()),
        };
        end_savepoint(&mut writer, true).await?;
        let Some(batch) = writer.batch.as_mut() else {
            return Err(sqlx::Error::Protocol("the write's transaction ended before it committed".into()));
        };
        batch.members += 1;
        let (id, mut done) = (batch.id, batch.done.subscribe());
        // Let the writers queued behind this one add their work, then commit the
        // batch unless one of them already did.
        drop(writer);
        Finisher { lane: Some(lane), id }.finish().await;
        match done.wait_for(Option::is_some).await.as_deref() {
            Ok(Some(Ok(()))) => Ok(()),
            Ok(Some(Err(e))) => Err(sqlx::Error::Protocol(format!("the commit failed: {e}"))),
            _ => Err(sqlx::Error::Protocol("the commit was abandoned".into())),
        }
    }

    pub async fn rollback(mut self) -> sqlx::Result<()> {
        match std::mem::replace(&mut self.inner, Inner::Ended) {
            Inner::Shared(tx) => tx.rollback().await,
            Inner::Lane { mut writer, .. } => end_savepoint(&mut writer, false).await,
            Inner::Ended => Ok(()),
        }
    }

    fn ended() -> ! {
        panic!("a write used after it committed or rolled back")
    }
}

/// Commits batch `id` unless a writer already did. Run by the writer that
/// released its savepoint; if that writer's request is dropped while it waits,
/// by a task of its own, so a batch is never left open.
struct Finisher {
    lane: Option<Lane>,
    id: u64,
}

impl Finisher {
    async fn finish(mut self) {
        let Some(lane) = self.lane.clone() else { return };
        let mut writer = lane.lock_owned().await;
        if writer.batch.as_ref().is_some_and(|b| b.id == self.id) {
            commit_batch(&mut writer).await;
        }
        self.lane = None;
    }
}

impl Drop for Finisher {
    fn drop(&mut self) {
        if let Some(lane) = self.lane.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let id = self.id;
            rt.spawn(Finisher { lane: Some(lane), id }.finish());
        }
    }
}

impl Drop for WriteTx {
    /// A write dropped without commit or rollback (an error returned with `?`)
    /// rolls its savepoint back before the lane moves on.
    fn drop(&mut self) {
        if let Inner::Lane { mut writer, .. } = std::mem::replace(&mut self.inner, Inner::Ended)
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = end_savepoint(&mut writer, false).await;
            });
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        match &self.inner {
            Inner::Shared(tx) => tx,
            Inner::Lane { writer, .. } => &writer.batch.as_ref().expect("a writer holds an open batch").tx,
            Inner::Ended => Self::ended(),
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.inner {
            Inner::Shared(tx) => tx,
            Inner::Lane { writer, .. } => batch_tx(writer),
            Inner::Ended => Self::ended(),
        }
    }
}

pub fn is_sqlite(pool: &Pool) -> bool {
    pool.connect_options().database_url.scheme().starts_with("sqlite")
}

/// A 0/1 integer column read as `bool`: the `Any` driver has no boolean that both
/// dialects share. Row fields use `#[sqlx(try_from = "asym_store::Flag")]`; binds
/// pass `flag as i64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Flag(<i64 as sqlx::Decode<'r, Any>>::decode(value)? != 0))
    }
}
