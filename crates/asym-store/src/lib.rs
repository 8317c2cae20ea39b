//! Clone storage: one SQLite database per clone ([`StoreHandle`]), a key-value
//! namespace per clone ([`Kv`], in-process by default), and golden images
//! ([`golden`]) that spin copies and reset restores.
//!
//! The key decision: migrations and fixtures run once per (template, migrations
//! hash, fixture packs) to build a golden file; every clone starts as a byte copy of
//! it and reset swaps that copy back while the clone keeps running. Spin and reset
//! therefore cost a file copy, not a migration.
//!
//! Shared PostgreSQL and Redis slot in behind [`StoreHandle`] and [`Kv`]; until they
//! are built, asking for them is a named `NOT_IMPLEMENTED` error.

pub mod golden;
pub mod handle;
pub mod kv;
pub mod migrate;
pub mod sqlite;

pub use golden::{GoldenKey, GoldenStore};
pub use handle::{Db, StoreHandle};
pub use kv::{Kv, MemoryKv};
pub use migrate::Migration;

/// Errors from storage, mapped to [`asym_contract::AsymError`] at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Unsupported(String),
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
            StoreError::Sqlx(e) => AsymError::Database { target: "clone database".into(), reason: e.to_string() },
            StoreError::Io { context, source } => AsymError::Io { context, source },
            StoreError::Unsupported(what) => AsymError::NotImplemented { what },
            StoreError::Seed { fixture, reason } => AsymError::SeedValidation { fixture, reason },
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
