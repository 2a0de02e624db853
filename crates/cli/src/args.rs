//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  every row was applied or skipped for a stated reason
  1  the run failed or some rows failed
  2  invalid usage, config or input (nothing was sent)

Logs go to stderr; set RUST_LOG (e.g. RUST_LOG=info) for more detail.";

/// Export analytics cohorts into Qualtrics XM Directory mailing lists and keep them in sync.
#[derive(Debug, Parser)]
#[command(name = "cohortsync", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Config file (TOML) with the store, destinations and sources.
    #[arg(long, global = true, env = "COHORTSYNC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export a cohort into a destination's mailing list.
    Export(ExportArgs),
    /// Show the history of runs.
    Runs(RunsArgs),
    /// List configured destinations, or check one against Qualtrics.
    Destinations(DestinationsArgs),
    /// List the cohorts of an Amplitude source.
    Cohorts(CohortsArgs),
    /// Export a shipped cohort file, a changed version of it, and an Amplitude cohort into a
    /// built-in Qualtrics simulator, with no config and no network.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// Amplitude's cohort download: a header row with amplitude_id, user_id and user properties.
    Csv,
    /// One JSON object a line: {"user_id": …, "amplitude_id": …, "user_properties": {…}}.
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Removal {
    /// Set the cohort field to "inactive" and keep the contact on the list.
    Inactive,
    /// Set "inactive" and take the contact off the list if cohortsync put it there.
    RemoveFromList,
    /// Send nothing for members who left.
    None,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["file", "source"])))]
pub struct ExportArgs {
    /// Name of the destination in the config file.
    #[arg(long, value_name = "NAME")]
    pub destination: String,

    /// Cohort file to export (Amplitude CSV or JSON Lines); needs --cohort-id and --cohort-name.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// The cohort's ID, e.g. Amplitude's "7khm89cz"; it becomes part of the field name.
    #[arg(long, value_name = "ID", requires = "file", conflicts_with = "source")]
    pub cohort_id: Option<String>,

    /// The cohort's display name; it becomes part of the field name.
    #[arg(long, value_name = "NAME", requires = "file", conflicts_with = "source")]
    pub cohort_name: Option<String>,

    /// File format; by default taken from the extension (.csv, .jsonl, .ndjson).
    #[arg(long, value_enum, requires = "file", conflicts_with = "source")]
    pub format: Option<FileFormat>,

    /// Name of an Amplitude source in the config file to download the cohort from.
    #[arg(long, value_name = "NAME", requires = "amplitude_cohort")]
    pub source: Option<String>,

    /// ID of the Amplitude cohort to download; its name is read from Amplitude.
    #[arg(long, value_name = "ID", requires = "source", conflicts_with = "file")]
    pub amplitude_cohort: Option<String>,

    /// Compute and record the plan without writing to Qualtrics or the snapshot.
    #[arg(long)]
    pub dry_run: bool,

    /// Treatment of members who left the cohort.
    #[arg(long, value_enum, default_value = "inactive")]
    pub removal: Removal,

    /// Prefix of the embedded data field name; "" writes no prefix. Changing it for a cohort
    /// moves the cohort to a new field, like a rename.
    #[arg(long, value_name = "TEXT", default_value = "[Amplitude]")]
    pub field_prefix: String,

    /// Print only a JSON report on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: RunsCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List recent runs, newest first.
    List {
        /// Maximum number of runs to list.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one run, optionally with its row report.
    Show {
        /// The run's ID, as `runs list` shows it.
        run_id: i64,
        /// Include the row report.
        #[arg(long)]
        rows: bool,
        /// Print JSON.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Format of the row report (with --rows).
        #[arg(long, value_enum, requires = "rows")]
        format: Option<RowsFormat>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowsFormat {
    Table,
    Csv,
}

#[derive(Debug, Args)]
pub struct DestinationsArgs {
    #[command(subcommand)]
    pub command: DestinationsCommand,
}

#[derive(Debug, Subcommand)]
pub enum DestinationsCommand {
    /// Check credentials, directory, mailing list and de-duplication of a destination.
    Check {
        /// Name of the destination in the config file.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the configured destinations.
    List,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's store in this file instead of a temporary one.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CohortsArgs {
    #[command(subcommand)]
    pub command: CohortsCommand,
}

#[derive(Debug, Subcommand)]
pub enum CohortsCommand {
    /// List the cohorts of an Amplitude source.
    List {
        /// Name of the source in the config file.
        #[arg(long, value_name = "NAME")]
        source: String,
        /// Include archived cohorts.
        #[arg(long)]
        archived: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
