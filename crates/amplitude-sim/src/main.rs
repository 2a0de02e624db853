//! The `amplitude-sim` binary: serves a seed on a loopback address until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use amplitude_sim::{Seed, Simulator};
use anyhow::Context;
use clap::Parser;

/// Amplitude Behavioral Cohorts API simulator for local tests and demos.
///
/// Exit codes: 0 after Ctrl-C, 1 when the seed cannot be read or the address cannot be bound.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seed JSON file with projects, cohorts, members and limits; the bundled example when absent.
    #[arg(long)]
    seed: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();

    let seed = match &args.seed {
        Some(path) => Seed::from_file(path)?,
        None => Seed::example(),
    };
    let sim = Simulator::start_on(args.listen, seed)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    println!("amplitude-sim listening on {}", sim.base_url());

    tokio::signal::ctrl_c()
        .await
        .context("failed to wait for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
