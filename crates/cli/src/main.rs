//! The `cohortsync` command: parse arguments, resolve the config, run one command.

mod amplitude;
mod args;
mod commands;
mod config;
mod connect;
mod failure;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {:#}", failure.error);
            ExitCode::from(failure.exit_code)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Export(args) => commands::export::run(cli.config.as_deref(), args).await,
        Command::Runs(args) => commands::runs::run(cli.config.as_deref(), args).await,
        Command::Destinations(args) => commands::destinations::run(cli.config.as_deref(), args).await,
        Command::Cohorts(args) => commands::cohorts::run(cli.config.as_deref(), args).await,
        Command::Demo(args) => commands::demo::run(args).await,
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings and errors).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
