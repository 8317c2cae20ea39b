//! What every clone server shares: the [`Template`] trait a product implements,
//! [`serve`] (the process behind one clone service), the health route and the
//! admin routes the engine drives (provision, seed, reset), and `/mcp` (the
//! template's MCP tools, each a request to its own API).
//!
//! The key decision: a template supplies migrations, fixtures, a seeder, a
//! provisioner and routers, and nothing else. Golden images, reset, the key-value
//! namespace and the control plane are done here once, so no template writes its
//! own reset and none can forget the clone's key prefix.
//!
//! Architecture invariant: this crate knows nothing about the CLI, the registry or
//! providers; it only reads the service environment of `asym_contract::admin`.

pub mod admin;
pub mod diff;
pub mod golden;
pub mod health;
pub mod journal;
pub mod mcp;
pub mod secrets;
pub mod serve;
pub mod template;

pub use mcp::{McpTool, ToolRequest};
pub use serve::{ServeSettings, serve};
pub use template::{CloneCtx, Fixture, Template};
