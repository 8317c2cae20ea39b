//! The command line, as clap structs only. Behaviour lives in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "asym", version, about = "Spin up isolated, stateful, wire-faithful clones of SaaS products", long_about = None)]
pub struct Cli {
    /// Machine-readable JSON on stdout (no colour, no progress).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Spin up one or more clones, seeded, and print their endpoints and tokens.
    Spin(SpinArgs),
    /// Clones and their state (tokens redacted).
    #[command(alias = "ls")]
    Status(StatusArgs),
    /// Start a stopped or crashed clone on its saved ports, with its data.
    Start(IdArg),
    /// Stop a clone's services; its data is kept.
    Stop(IdArg),
    /// Restore a clone to its clean seeded state, in place.
    Reset(IdArg),
    /// Remove a clone: processes, database, key namespace, snapshots, folder and registry row.
    Destroy(IdArg),
    /// Save a running clone's database and keys as a named snapshot.
    Snapshot(SnapshotArgs),
    /// Bring a running clone back to a named snapshot (its tokens are kept).
    Restore(SnapshotArgs),
    /// List a clone's snapshots.
    Snapshots(IdArg),
    /// Show a clone's service logs.
    Logs(LogsArgs),
    /// Show the requests a clone served since its last reset (the request journal).
    Trace(TraceArgs),
    /// What a clone's data looks like now against its last reset (or a snapshot).
    Diff(DiffArgs),
    /// Score an environment (or one clone) against a checks file; exit 0 when every
    /// required check passes, 1 when one fails, 2 on errors.
    Eval(EvalArgs),
    /// Serve reset, diff, eval and trace over local HTTP for training loops.
    Api(ApiArgs),
    /// Apps inside a clone (Slack: an app from a manifest, with its own tokens and event subscriptions).
    Apps {
        #[command(subcommand)]
        command: AppsCommand,
    },
    /// Event deliveries a clone made to apps' request URLs (status, attempts, errors).
    Deliveries(DeliveriesArgs),
    /// Apply a fixture pack to a running clone; reset replays it.
    Seed(SeedArgs),
    /// Print a clone's credentials (the only command besides spin that shows them).
    Tokens(TokensArgs),
    /// Environments: several clones spun, reset and destroyed together.
    Env {
        #[command(subcommand)]
        command: EnvCommand,
    },
    /// Check the machine and the registry; rebuild a corrupt registry.
    Doctor,
    /// Fidelity score of a template against the real product's API spec.
    Verify { template: String },
    /// A clone's MCP tools over stdio (for clients that launch a command).
    Mcp(McpArgs),
    /// Runs one clone service (used by the local provider; not for people).
    #[command(name = "__serve", hide = true)]
    Serve,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The clone.
    pub id: String,
    /// Snapshot name: lowercase letters, digits and `-`.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct SpinArgs {
    /// Templates to spin (`asym ls --templates` lists them).
    #[arg(required = true)]
    pub templates: Vec<String>,
    /// Service set to run (the template's first mode by default).
    #[arg(long)]
    pub mode: Option<String>,
    /// Fixture pack to seed with.
    #[arg(long)]
    pub seed: Option<String>,
    /// Put the clones in this environment (made if missing).
    #[arg(long)]
    pub group: Option<String>,
    /// Clone id instead of `<template>-<4 hex>` (one template only).
    #[arg(long)]
    pub name: Option<String>,
    /// Bind 0.0.0.0 instead of 127.0.0.1.
    #[arg(long)]
    pub expose: bool,
    /// Turn the product's rate limits off (for high-throughput training runs).
    #[arg(long)]
    pub no_rate_limits: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// One clone; all when absent.
    pub id: Option<String>,
    /// List the templates instead, with their modes and fixtures.
    #[arg(long)]
    pub templates: bool,
}

#[derive(Debug, Args)]
pub struct IdArg {
    pub id: String,
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create an app from a manifest (JSON, the product's manifest format); prints its credentials.
    Create {
        id: String,
        /// The manifest file.
        #[arg(long)]
        manifest: PathBuf,
    },
    /// List a clone's apps.
    Ls { id: String },
}

#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    pub id: String,
    /// Only this app's deliveries.
    #[arg(long)]
    pub app: Option<String>,
    /// At most this many (newest last).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The clone (or, for `env diff`, the environment).
    pub id: String,
    /// Compare with this snapshot instead of the seeded state.
    #[arg(long)]
    pub since: Option<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The environment (or a single clone).
    #[arg(required_unless_present = "schema")]
    pub target: Option<String>,
    /// The checks file (YAML; `asym eval --schema` prints its JSON Schema).
    #[arg(required_unless_present = "schema")]
    pub checks: Option<PathBuf>,
    /// Compare with this snapshot instead of the last reset.
    #[arg(long)]
    pub since: Option<String>,
    /// Print the JSON Schema of checks files and exit.
    #[arg(long, conflicts_with_all = ["target", "checks", "since"])]
    pub schema: bool,
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// The clone.
    pub id: String,
    /// Which of the clone's credentials the tools act with (`asym tokens ID` lists
    /// them); default: the bot token, or the template's only one.
    #[arg(long)]
    pub credential: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// Port to listen on (127.0.0.1 only).
    #[arg(long, default_value_t = 7700)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The clone (or, for `env trace`, the environment).
    pub id: String,
    #[command(flatten)]
    pub filter: TraceFilterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TraceFilterArgs {
    /// Keep printing requests as they arrive.
    #[arg(long, short)]
    pub follow: bool,
    /// Only this status: a code (`429`), a class (`4xx`) or `error` (HTTP or product errors).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this RPC (`chat.postMessage`), or a prefix with `*` (`chat.*`).
    #[arg(long)]
    pub method: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    pub id: String,
    /// Keep printing as the services write.
    #[arg(long, short)]
    pub follow: bool,
    /// Only this service.
    #[arg(long)]
    pub service: Option<String>,
    /// Only the last N lines of each log.
    #[arg(long, short = 'n')]
    pub tail: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Volume {
    Small,
    Medium,
    Large,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    pub id: String,
    /// Fixture pack to apply.
    #[arg(long)]
    pub fixture: Option<String>,
    /// Generate data for the template's entities instead.
    #[arg(long)]
    pub generate: bool,
    #[arg(long, value_enum, requires = "generate")]
    pub volume: Option<Volume>,
    /// Generate with an LLM.
    #[arg(long)]
    pub ai: bool,
}

#[derive(Debug, Args)]
pub struct TokensArgs {
    pub id: String,
    /// Mint new credentials and revoke the old ones.
    #[arg(long)]
    pub reprovision: bool,
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Spin every clone of an environment.yaml, one after another.
    Spin { file: PathBuf },
    /// One environment with its members.
    Status { name: String },
    /// All environments.
    Ls,
    /// Reset every member.
    Reset { name: String },
    /// Destroy every member and the environment.
    Destroy { name: String },
    /// Every member's request journal, merged by time.
    Trace(TraceArgs),
    /// Every member's changes since its last reset (or a snapshot).
    Diff(DiffArgs),
    /// Snapshot every member under one name.
    Snapshot { name: String, snapshot: String },
    /// Restore every member to a snapshot taken with `env snapshot`.
    Restore { name: String, snapshot: String },
    /// Every member's MCP tools through one server: over stdio, or over streamable
    /// HTTP on 127.0.0.1 with `--port`.
    Mcp {
        name: String,
        /// Serve over HTTP at http://127.0.0.1:PORT/mcp instead of stdio.
        #[arg(long)]
        port: Option<u16>,
    },
    /// Print the JSON Schema of environment.yaml.
    Schema,
}
