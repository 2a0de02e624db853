//! `cohortsync export`: read a cohort, run the engine, report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use cohortsync_domain::{CohortId, CohortName, FieldPrefix};
use cohortsync_engine::{EngineSettings, ExportRequest, RemovalMode, RunReport};
use cohortsync_qualtrics::QualtricsClient;
use cohortsync_sources::file::{read_members, CohortFormat};
use cohortsync_store::Store;

use crate::args::{ExportArgs, FileFormat, Removal};
use crate::connect;
use crate::failure::Failure;
use crate::output;

pub async fn run(config_path: Option<&Path>, args: ExportArgs) -> Result<ExitCode, Failure> {
    let config = connect::load_config(config_path)?;
    let destination = config
        .destination(&args.destination)
        .map_err(|message| Failure::usage(anyhow::anyhow!(message)))?;

    let cohort = CohortArgs::parse(&args)?;
    let format = args.format.map(|format| match format {
        FileFormat::Csv => CohortFormat::Csv,
        FileFormat::Jsonl => CohortFormat::Jsonl,
    });
    // The whole file is read and checked before anything is sent.
    let members = read_members(&args.file, format).map_err(|e| {
        Failure::usage(anyhow::Error::new(e).context("nothing was sent to Qualtrics"))
    })?;

    let client = connect::qualtrics_client(destination)?;
    let store = connect::open_store(&config).await?;
    let request = ExportRequest {
        destination: connect::engine_destination(destination),
        cohort_id: cohort.id,
        cohort_name: cohort.name,
        field_prefix: cohort.prefix,
        removal: removal_mode(args.removal),
        dry_run: args.dry_run,
        source: format!("file:{}", args.file.display()),
        members,
    };
    let report = export(&client, &store, request, args.json).await?;
    output::print_report(&report, args.json);
    Ok(output::exit_code(&report))
}

/// Runs the engine with a progress bar on a terminal.
pub async fn export(
    client: &QualtricsClient,
    store: &Store,
    request: ExportRequest,
    quiet: bool,
) -> Result<RunReport, Failure> {
    let progress = output::ProgressBar::new(quiet);
    cohortsync_engine::run_export(client, store, &EngineSettings::default(), request, &progress)
        .await
        .context("export failed")
        .map_err(Failure::failed)
}

/// The cohort identity from the command line, validated.
pub struct CohortArgs {
    pub id: CohortId,
    pub name: CohortName,
    pub prefix: FieldPrefix,
}

impl CohortArgs {
    fn parse(args: &ExportArgs) -> Result<CohortArgs, Failure> {
        Ok(CohortArgs {
            id: CohortId::new(&args.cohort_id).map_err(Failure::usage)?,
            name: CohortName::new(&args.cohort_name).map_err(Failure::usage)?,
            prefix: FieldPrefix::new(&args.field_prefix).map_err(Failure::usage)?,
        })
    }
}

pub fn removal_mode(removal: Removal) -> RemovalMode {
    match removal {
        Removal::Inactive => RemovalMode::Inactive,
        Removal::RemoveFromList => RemovalMode::RemoveFromList,
        Removal::None => RemovalMode::None,
    }
}
