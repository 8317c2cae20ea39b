//! The contract every asymmetric crate speaks: ids, records, manifests, the
//! [`CloneProvider`] trait and the one named error enum, [`AsymError`].
//!
//! This crate holds data and signatures only. It knows nothing about processes,
//! SQL, HTTP servers or terminals, so that the CLI, the engine, the providers and
//! the templates can all depend on it without depending on each other.
//!
//! The key decision: every failure a user can meet is a variant of [`AsymError`]
//! with a stable `code()` (`CLONE_NOT_FOUND`, `PORT_IN_USE`, ...) and one actionable
//! line, so the edge renders errors in one place and scripts can match on codes.

pub mod admin;
pub mod config;
pub mod diff;
pub mod error;
pub mod ids;
pub mod journal;
pub mod manifest;
pub mod provider;
pub mod record;
pub mod time;

pub use config::{Config, PortRange};
pub use error::{AsymError, Result};
pub use ids::{CloneId, EnvName};
pub use manifest::{ModeSpec, ServiceSpec, TemplateManifest};
pub use provider::{BackendHealth, CatalogEntry, CloneProvider, LogRequest, ProviderContext};
pub use record::{
    CloneInstance, CloneRecord, CloneState, CloneStatus, CloneTokens, EnvState, Environment, RegistryData, SeedResult, SeedSpec,
    ServiceStatus, SnapshotRecord,
};
