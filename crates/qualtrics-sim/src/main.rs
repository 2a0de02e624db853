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

    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "qualtrics-sim listening on {}",
        simulator.base_url()
    )?;
    stdout.flush()?;

    wait_for_stop_signal().await?;
    tracing::info!("stop signal received");
    simulator.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_stop_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).context("Failed to install the SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("Failed to listen for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_stop_signal() -> anyhow::Result<()> {
    tokio::signal::ctrl_c()
        .await
        .context("Failed to listen for Ctrl-C")
}
