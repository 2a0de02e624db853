//! `qualtrics-sim` binary: serves the simulator on a loopback address until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use qualtrics_sim::{Seed, Simulator};

/// Qualtrics XM Directory simulator for local development and tests.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8181")]
    listen: SocketAddr,
    /// Seed JSON file; the built-in example seed when omitted.
    #[arg(long)]
    seed: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let args = Args::parse();
    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)
            .with_context(|| format!("Failed to load seed {}", path.display()))?,
        None => Seed::example(),
    };
    let simulator = Simulator::start_on(args.listen, seed)
        .await
        .with_context(|| format!("Failed to listen on {}", args.listen))?;

    let stop_signal = install_stop_signal()?;
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "qualtrics-sim listening on {}",
        simulator.base_url()
    )?;
    stdout.flush()?;

    stop_signal.await;
    tracing::info!("stop signal received");
    simulator.shutdown().await;
    Ok(())
}

/// Installs the Ctrl-C and SIGTERM handlers and returns a future that ends on either.
///
/// The handlers are installed before the address line is printed, so a signal sent right
/// after that line stops the server cleanly instead of killing it.
#[cfg(unix)]
fn install_stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt =
        signal(SignalKind::interrupt()).context("Failed to install the Ctrl-C handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("Failed to install the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn install_stop_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "failed to listen for Ctrl-C; stopping");
        }
    })
}
