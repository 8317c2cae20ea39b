//! `asym eval`: scores what an agent did to an environment against a checks file.
//!
//! Pure functions over facts the engine gathers (each member's diff since reset,
//! the current rows of the resources the checks name, the request journal), so
//! that scoring is the same whether it runs from the CLI, the trainer API or a
//! test. The file format and its validation live in `asym-spec`.
//!
//! The shape follows the known failure of end-state scoring: an exact-state hash
//! fails a run that did everything right plus one harmless write. Here each check
//! looks only at the records it selects, and collateral damage is its own,
//! separately weighted `strict` check.

mod evaluate;
mod matching;
mod plan;
mod render;

pub use evaluate::{CheckResult, CloneFacts, Report, evaluate};
pub use plan::{Plan, plan};
