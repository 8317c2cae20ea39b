//! The `asymmetric` command line (alias `asym`). Layered as uv's is: clap structs
//! (`args`), settings resolution (`setup`), one module per verb (`commands/`), and
//! one [`printer::Printer`] that owns all output.
//!
//! Architecture invariant: the CLI depends on `asym-contract` and `asym-engine`, and
//! names a provider only in `setup` to construct it. Errors are rendered in one
//! place, as `error[CODE]: …` plus a `hint:` line; named errors exit 1, anything
//! unexpected exits 2, and a panic never prints a stack trace.

/// Clones answer by building and dropping many small JSON values: perf showed a
/// quarter of a busy clone's time in glibc's malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod args;
mod builtin;
mod commands;
mod printer;
mod setup;

use std::process::ExitCode;

use asym_contract::AsymError;
use clap::Parser;

use crate::args::{Cli, Command};
use crate::printer::Printer;

/// What a command asks the process to exit with.
pub enum Exit {
    Success,
    /// A named failure already reported (e.g. some env members failed).
    Failure,
}

pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("error[INTERNAL]: {msg}{at}");
        eprintln!("  hint: this is a bug in asymmetric; please report it with the command you ran");
        std::process::exit(2);
    }));
    let cli = Cli::parse();
    let printer = Printer::new(cli.json);
    if let Command::Serve = cli.command {
        return commands::serve::run();
    }
    // `asym eval` keeps exit 1 for "a required check failed"; its errors exit 2.
    let error_exit = matches!(cli.command, Command::Eval(_)).then_some(2u8);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&printer, &AsymError::io("starting the async runtime", e)),
    };
    match runtime.block_on(commands::run(cli.command, &printer)) {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Failure) => ExitCode::from(1),
        Err(e) => {
            let code = fail(&printer, &e);
            error_exit.map(ExitCode::from).unwrap_or(code)
        }
    }
}

fn fail(printer: &Printer, e: &AsymError) -> ExitCode {
    printer.error(e);
    if printer.json {
        printer.json(&serde_json::json!({ "error": { "code": e.code(), "message": e.to_string(), "hint": e.hint() } }));
    }
    ExitCode::from(e.exit_code() as u8)
}
