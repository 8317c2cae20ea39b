//! One module per verb. Each parses nothing (clap did), calls the engine, renders.

pub mod api;
mod apps;
mod diff;
mod doctor;
mod env;
mod eval;
mod lifecycle;
mod logs;
mod mcp;
mod seed;
pub mod serve;
mod snapshot;
mod spin;
mod status;
mod tokens;
mod trace;

use asym_contract::{AsymError, Result};

use crate::Exit;
use crate::args::Command;
use crate::printer::Printer;
use crate::setup;

pub async fn run(command: Command, p: &Printer) -> Result<Exit> {
    match command {
        Command::Status(a) if a.templates => status::templates(p, &setup::catalog()?),
        Command::Env { command: crate::args::EnvCommand::Schema } => env::schema(p),
        Command::Eval(a) if a.schema => eval::schema(p),
        Command::Verify { template } => {
            setup::catalog()?.get(&template)?;
            Err(AsymError::NotImplemented { what: format!("`asym verify` (the fidelity score of `{template}`)") })
        }
        Command::Serve => unreachable!("handled before the runtime starts"),
        command => {
            let engine = setup::engine()?;
            match command {
                Command::Spin(a) => spin::run(&engine, p, a).await,
                Command::Status(a) => status::run(&engine, p, a.id.as_deref()).await,
                Command::Start(a) => lifecycle::start(&engine, p, &a.id).await,
                Command::Stop(a) => lifecycle::stop(&engine, p, &a.id).await,
                Command::Reset(a) => lifecycle::reset(&engine, p, &a.id).await,
                Command::Destroy(a) => lifecycle::destroy(&engine, p, &a.id).await,
                Command::Snapshot(a) => snapshot::take(&engine, p, &a.id, &a.name).await,
                Command::Restore(a) => snapshot::restore(&engine, p, &a.id, &a.name).await,
                Command::Snapshots(a) => snapshot::list(&engine, p, &a.id),
                Command::Logs(a) => logs::run(&engine, p, a).await,
                Command::Trace(a) => trace::run(&engine, p, &a, false).await,
                Command::Diff(a) => diff::run(&engine, p, &a).await,
                Command::Eval(a) => eval::run(&engine, p, &a).await,
                Command::Api(a) => api::run(engine, p, &a).await,
                Command::Mcp(a) => mcp::run(&engine, &a).await,
                Command::Apps { command } => apps::run(&engine, p, command).await,
                Command::Deliveries(a) => apps::deliveries(&engine, p, a).await,
                Command::Seed(a) => seed::run(&engine, p, a).await,
                Command::Tokens(a) => tokens::run(&engine, p, a).await,
                Command::Env { command } => env::run(&engine, p, command).await,
                Command::Doctor => doctor::run(&engine, p).await,
                _ => unreachable!("matched above"),
            }
        }
    }
}
