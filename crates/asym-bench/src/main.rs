//! `asym-bench`: the figures we report for speed and density.
//!
//! It drives the real `asym` binary in a throwaway `ASYM_HOME`, so what it
//! measures is what a user sees: process start, registry lock, golden copy,
//! health, provision. Timings are reported, never asserted.

mod measure;
mod stats;

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(about = "Benchmark spin, reset, request throughput and clone density")]
pub struct Opts {
    /// The `asym` binary to drive (build it with `cargo build --release -p asym-cli`).
    #[arg(long, default_value = "target/release/asym")]
    pub asym: PathBuf,
    /// Seeded spins to time.
    #[arg(long, default_value_t = 30)]
    pub spins: usize,
    /// Resets to time.
    #[arg(long, default_value_t = 50)]
    pub resets: usize,
    /// Clones to hold at once for the density figure.
    #[arg(long, default_value_t = 100)]
    pub clones: usize,
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Concurrent connections per throughput run.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// First port of the range the benchmark may use.
    #[arg(long, default_value_t = 5000)]
    pub port_start: u16,
    /// Run on the shared backends (ASYM_TEST_DATABASE_URL / ASYM_TEST_REDIS_URL,
    /// default the local PostgreSQL and Redis) instead of the embedded default.
    #[arg(long)]
    pub shared: bool,
    /// Row counts for the reset/restore-vs-size figure (messages written straight
    /// into the clone's database), comma-separated; empty to skip.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    pub rows: Vec<u64>,
    /// Snapshots and restores to time.
    #[arg(long, default_value_t = 10)]
    pub snapshots: usize,
    /// Agent writes spread over an environment of three seeded clones before
    /// `asym env diff` and `asym eval` are timed on it; 0 to skip.
    #[arg(long, default_value_t = 1000)]
    pub scoring_writes: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    anyhow::ensure!(opts.asym.exists(), "no asym binary at {} (build it with `cargo build --release -p asym-cli`)", opts.asym.display());
    let report = measure::run(&opts).await?;
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print();
    }
    Ok(())
}
