//! Clone storage: one database per clone behind [`StoreHandle`] (a SQLite file, or
//! a database `clone_<id>` on a shared PostgreSQL), a key-value namespace per clone
//! behind [`Kv`] (in-process, or a key prefix on a shared Redis), golden images
//! ([`golden`]) that spin copies and reset restores, and named snapshots.
//!
//! The key decision: migrations and fixtures run once per (template, migrations
//! hash, fixture packs) to build a golden image; every clone starts as a copy of it
//! and reset swaps that copy back while the clone keeps running. Spin and reset
//! therefore cost a file copy (SQLite) or `CREATE DATABASE … TEMPLATE` (PostgreSQL),
//! not a migration.

pub mod destroy;
pub mod golden;
pub mod handle;
pub mod inline_sqlite;
pub mod kv;
pub mod migrate;
pub mod pool;
pub mod postgres;
pub mod redis_kv;
pub mod sqlite;
pub mod target;

pub use golden::{GoldenKey, GoldenStore};
pub use handle::{Db, StoreHandle, materialize};
pub use kv::{Kv, KvEntry, MemoryKv, open_kv};
pub use migrate::Migration;
pub use pool::{Flag, Pool, WriteTx, begin_write};
pub use target::{Image, Target};

/// Errors from storage, mapped to [`asym_contract::AsymError`] at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Config(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("seed `{fixture}` is invalid: {reason}")]
    Seed { fixture: String, reason: String },
}

impl StoreError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io { context: context.into(), source }
    }
}

impl From<StoreError> for asym_contract::AsymError {
    fn from(e: StoreError) -> Self {
        use asym_contract::AsymError;
        match e {
            StoreError::Io { context, source } => AsymError::Io { context, source },
            StoreError::Seed { fixture, reason } => AsymError::SeedValidation { fixture, reason },
            StoreError::Unreachable(reason) => {
                let backend = if reason.starts_with("PostgreSQL") { "PostgreSQL" } else { "Redis" };
                AsymError::BackendUnreachable { backend: backend.into(), reason }
            }
            other => AsymError::Database { target: "clone database".into(), reason: other.to_string() },
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
