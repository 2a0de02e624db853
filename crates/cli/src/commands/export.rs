//! `cohortsync export`: read a cohort from a file or Amplitude, run the engine, report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use cohortsync_domain::{CohortId, CohortName, FieldName, FieldPrefix, Member};
use cohortsync_engine::{EngineSettings, ExportRequest, RemovalMode, RunReport};
use cohortsync_qualtrics::QualtricsClient;
use cohortsync_sources::amplitude::DownloadOptions;
use cohortsync_sources::file::{read_members, CohortFormat};
use cohortsync_store::Store;

use crate::amplitude;
use crate::args::{ExportArgs, FileFormat, Removal};
use crate::config::{Config, Destination};
use crate::connect;
use crate::failure::Failure;
use crate::output;

/// A cohort ready to export: who it is and its members, read in full.
struct Cohort {
    id: CohortId,
    name: CohortName,
    source: String,
    members: Vec<Member>,
}

pub async fn run(config_path: Option<&Path>, args: ExportArgs) -> Result<ExitCode, Failure> {
    let json = args.json;
    let result = run_export(config_path, args).await;
    if let (true, Err(failure)) = (json, &result) {
        // With --json stdout carries a report even when no run could start.
        let report = serde_json::json!({
            "run_id": null,
            "status": "failed",
            "error": format!("{:#}", failure.error),
            "exit_code": failure.exit_code,
        });
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON values serialize"));
    }
    result
}

async fn run_export(config_path: Option<&Path>, args: ExportArgs) -> Result<ExitCode, Failure> {
    let config = connect::load_config(config_path)?;
    let destination = config
        .destination(&args.destination)
        .map_err(|message| Failure::usage(anyhow!(message)))?;
    let prefix = FieldPrefix::new(&args.field_prefix).map_err(Failure::usage)?;
    let client = connect::qualtrics_client(destination)?;

    let (cohort, store) = match (&args.file, &args.source) {
        (Some(file), _) => {
            let cohort = cohort_from_file(file, &args, &prefix)?;
            (cohort, connect::open_store(&config).await?)
        }
        (None, Some(source)) => {
            let store = connect::open_store(&config).await?;
            let cohort =
                cohort_from_amplitude(&config, destination, &client, source, &args, &prefix, &store)
                    .await?;
            (cohort, store)
        }
        (None, None) => {
            return Err(Failure::usage(anyhow!(
                "nothing to export: pass --file PATH, or --source NAME with --amplitude-cohort ID"
            )))
        }
    };

    let request = ExportRequest {
        destination: connect::engine_destination(destination),
        cohort_id: cohort.id,
        cohort_name: cohort.name,
        field_prefix: prefix,
        removal: removal_mode(args.removal),
        dry_run: args.dry_run,
        source: cohort.source,
        members: cohort.members,
    };
    let report = export(&client, &store, request, args.json).await?;
    output::print_report(&report, args.json);
    if report.credentials_rejected {
        eprintln!(
            "hint: Qualtrics rejected the credentials of destination {:?}: {}",
            destination.name,
            connect::credentials_hint(destination)
        );
    }
    Ok(output::exit_code(&report))
}

/// Rejects a cohort whose field name cannot be built, e.g. an ID too long to fit 200
/// characters, as invalid input before anything is read or sent.
fn check_field_name(prefix: &FieldPrefix, name: &CohortName, id: &CohortId) -> Result<(), Failure> {
    FieldName::build(prefix, name, id)
        .map(drop)
        .map_err(Failure::usage)
}

/// Reads and checks the whole file before anything is sent.
fn cohort_from_file(file: &Path, args: &ExportArgs, prefix: &FieldPrefix) -> Result<Cohort, Failure> {
    let (Some(id), Some(name)) = (&args.cohort_id, &args.cohort_name) else {
        return Err(Failure::usage(anyhow!(
            "--file needs --cohort-id and --cohort-name, e.g. --cohort-id 7khm89cz --cohort-name \"Power users\""
        )));
    };
    let id = CohortId::new(id).map_err(Failure::usage)?;
    let name = CohortName::new(name).map_err(Failure::usage)?;
    check_field_name(prefix, &name, &id)?;
    let format = args.format.map(|format| match format {
        FileFormat::Csv => CohortFormat::Csv,
        FileFormat::Jsonl => CohortFormat::Jsonl,
    });
    let members = read_members(file, format).map_err(|e| {
        Failure::usage(anyhow::Error::new(e).context("nothing was sent to Qualtrics"))
    })?;
    Ok(Cohort {
        id,
        name,
        source: format!("file:{}", file.display()),
        members,
    })
}

/// Downloads a cohort from an Amplitude source with only the properties the destination needs.
async fn cohort_from_amplitude(
    config: &Config,
    destination: &Destination,
    qualtrics: &QualtricsClient,
    source_name: &str,
    args: &ExportArgs,
    prefix: &FieldPrefix,
    store: &Store,
) -> Result<Cohort, Failure> {
    let source = config
        .source(source_name)
        .map_err(|message| Failure::usage(anyhow!(message)))?;
    let id = args
        .amplitude_cohort
        .as_deref()
        .context("--source needs --amplitude-cohort ID")
        .and_then(|id| CohortId::new(id).map_err(anyhow::Error::new))
        .map_err(Failure::usage)?;
    let client = amplitude::client(source)?;
    let info = amplitude::find_cohort(&client, source, &id).await?;
    let name = CohortName::new(&info.name)
        .with_context(|| format!("cohort {id} in source {:?}", source.name))
        .map_err(Failure::failed)?;
    check_field_name(prefix, &name, &id)?;

    // A download spends monthly quota, so the destination is checked first.
    if let Err(error) = qualtrics
        .get_mailing_list(&destination.directory_id, &destination.mailing_list_id)
        .await
    {
        let hint = if matches!(error.status(), Some(401 | 403)) {
            format!("; {}", connect::credentials_hint(destination))
        } else {
            String::new()
        };
        return Err(Failure::failed(anyhow!(
            "destination {:?} is not usable, so nothing was downloaded: {error}{hint}",
            destination.name
        )));
    }

    let options = DownloadOptions {
        prop_keys: amplitude::prop_keys(&destination.email_property),
        max_wait: std::time::Duration::from_secs(source.download_timeout_secs),
        ..DownloadOptions::default()
    };
    let members = amplitude::download_members(&client, store, source, &id, &options).await?;
    Ok(Cohort {
        id,
        name,
        source: format!("amplitude:{}", source.name),
        members,
    })
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

pub fn removal_mode(removal: Removal) -> RemovalMode {
    match removal {
        Removal::Inactive => RemovalMode::Inactive,
        Removal::RemoveFromList => RemovalMode::RemoveFromList,
        Removal::None => RemovalMode::None,
    }
}
