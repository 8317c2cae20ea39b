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
pub async fn begin_write(pool: &Pool) -> sqlx::Result<WriteTx> {
    if !is_sqlite(pool) {
        return Ok(WriteTx { tx: pool.begin().await?, _lane: None });
    }
    let lane = lane(pool.connect_options().database_url.path()).lock_owned().await;
    Ok(WriteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _lane: Some(lane) })
}

/// The write lane of one SQLite file.
fn lane(path: &str) -> Arc<tokio::sync::Mutex<()>> {
    static LANES: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = LazyLock::new(Default::default);
    let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
    lanes.entry(path.to_string()).or_default().clone()
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
    tx: Transaction<'static, Any>,
    _lane: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
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
