//! `cohortsync demo`: exports into a Qualtrics simulator started in-process, first a shipped
//! cohort file and a changed version of it, then a cohort downloaded from an Amplitude
//! simulator, with no config file and no network beyond loopback.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use cohortsync_domain::{CohortId, CohortName, EmailProperty, FieldPrefix, DEFAULT_FIELD_PREFIX};
use cohortsync_engine::{Destination, ExportRequest, RemovalMode, RunReport};
use cohortsync_qualtrics::{Credentials, DatacenterId, QualtricsClient, SecretString, Settings};
use cohortsync_sources::amplitude::{AmplitudeClient, AmplitudeSettings, DownloadOptions, Region};
use cohortsync_sources::file::{CohortFormat, MemberReader};
use cohortsync_store::Store;
use qualtrics_sim::{Seed, Simulator};

use crate::args::DemoArgs;
use crate::commands::export::export;
use crate::failure::{Failure, EXIT_FAILED, EXIT_OK};
use crate::output;

const WEEK_1: &str = include_str!("../../demo/power-users-week1.csv");
const WEEK_2: &str = include_str!("../../demo/power-users-week2.csv");
const COHORT_ID: &str = "7khm89cz";
const COHORT_NAME: &str = "Power users";
/// "Trial users, week 1" in the Amplitude simulator's example seed.
const AMPLITUDE_COHORT_ID: &str = "4fq2xk7m";

pub async fn run(args: DemoArgs) -> Result<ExitCode, Failure> {
    let seed = Seed::example();
    let token = seed
        .api_tokens
        .first()
        .cloned()
        .context("the simulator's example seed has no API token")
        .map_err(Failure::failed)?;
    let directory = seed
        .directories
        .first()
        .context("the simulator's example seed has no directory")
        .map_err(Failure::failed)?;
    let directory_id = directory.directory_id.clone();
    let list = directory
        .mailing_lists
        .first()
        .context("the simulator's example seed has no mailing list")
        .map_err(Failure::failed)?;
    let (list_id, list_name) = (list.mailing_list_id.clone(), list.name.clone());

    let simulator = Simulator::start(seed)
        .await
        .context("starting the Qualtrics simulator")
        .map_err(Failure::failed)?;
    println!("Qualtrics simulator listening on {}", simulator.base_url());

    let temp = tempfile::tempdir()
        .context("creating a temporary directory for the demo store")
        .map_err(Failure::failed)?;
    let store_path = args
        .store
        .clone()
        .unwrap_or_else(|| temp.path().join("cohortsync-demo.db"));
    let store = Store::open(&format!("sqlite://{}", store_path.display()))
        .await
        .context("opening the demo store")
        .map_err(Failure::failed)?;

    let mut settings = Settings::new(DatacenterId::try_from("iad1".to_owned()).map_err(Failure::failed)?);
    settings.base_url = Some(
        simulator
            .base_url()
            .parse()
            .context("the simulator's address is not a URL")
            .map_err(Failure::failed)?,
    );
    let client = QualtricsClient::new(settings, Credentials::ApiToken(SecretString::from(token)))
        .map_err(Failure::failed)?;
    let destination = Destination {
        name: "demo-nps-panel".to_owned(),
        directory_id: directory_id.parse().map_err(Failure::failed)?,
        mailing_list_id: list_id.parse().map_err(Failure::failed)?,
        email_property: EmailProperty::default(),
    };
    println!(
        "Destination: mailing list {list_id} {list_name:?} in directory {directory_id}\n"
    );

    let mut failed = false;
    for (week, csv) in [("week 1", WEEK_1), ("week 2", WEEK_2)] {
        println!("== Export of cohort {COHORT_NAME:?} ({COHORT_ID}), {week}");
        let report = export_text(&client, &store, &destination, csv, week).await?;
        print!("{}", output::summary(&report, false));
        failed |= report.counts.failed > 0;
        print_members(&client, &destination, &report.field).await?;
        println!();
    }

    println!("== Export of a cohort downloaded from the Amplitude simulator");
    let report = export_from_amplitude(&client, &store, &destination).await?;
    print!("{}", output::summary(&report, false));
    failed |= report.counts.failed > 0;
    print_members(&client, &destination, &report.field).await?;
    println!();

    simulator.shutdown().await;
    println!("Done. Every contact above was read back from the simulator through the Qualtrics API.");
    Ok(ExitCode::from(if failed { EXIT_FAILED } else { EXIT_OK }))
}

async fn export_text(
    client: &QualtricsClient,
    store: &Store,
    destination: &Destination,
    csv: &str,
    label: &str,
) -> Result<RunReport, Failure> {
    let members = MemberReader::new(csv.as_bytes(), CohortFormat::Csv)
        .and_then(|reader| reader.collect::<Result<Vec<_>, _>>())
        .context("reading the demo cohort")
        .map_err(Failure::failed)?;
    let request = ExportRequest {
        destination: destination.clone(),
        cohort_id: CohortId::new(COHORT_ID).map_err(Failure::failed)?,
        cohort_name: CohortName::new(COHORT_NAME).map_err(Failure::failed)?,
        field_prefix: FieldPrefix::new(DEFAULT_FIELD_PREFIX).map_err(Failure::failed)?,
        removal: RemovalMode::Inactive,
        dry_run: false,
        source: format!("demo:{label}"),
        members,
    };
    export(client, store, request, true).await
}

/// Downloads a cohort of the example Amplitude project, with only the email property, and
/// exports it.
async fn export_from_amplitude(
    client: &QualtricsClient,
    store: &Store,
    destination: &Destination,
) -> Result<RunReport, Failure> {
    let seed = amplitude_sim::Seed::example();
    let project = seed
        .projects
        .first()
        .context("the Amplitude simulator's example seed has no project")
        .map_err(Failure::failed)?;
    let (api_key, secret_key) = (project.api_key.clone(), project.secret_key.clone());
    let amplitude = amplitude_sim::Simulator::start(seed)
        .await
        .context("starting the Amplitude simulator")
        .map_err(Failure::failed)?;
    println!("Amplitude simulator listening on {}", amplitude.base_url());

    let settings = AmplitudeSettings::new(Region::Us)
        .with_base_url(&amplitude.base_url())
        .map_err(Failure::failed)?;
    let source = AmplitudeClient::new(
        settings,
        SecretString::from(api_key),
        SecretString::from(secret_key),
    )
    .map_err(Failure::failed)?;
    let cohort_id = CohortId::new(AMPLITUDE_COHORT_ID).map_err(Failure::failed)?;
    let info = source
        .list_cohorts()
        .await
        .map_err(Failure::failed)?
        .into_iter()
        .find(|c| c.id == cohort_id)
        .context("the Amplitude simulator's example seed lacks the demo cohort")
        .map_err(Failure::failed)?;
    let options = DownloadOptions {
        prop_keys: vec!["email".to_owned()],
        poll_initial: Duration::from_millis(50),
        ..DownloadOptions::default()
    };
    let downloaded = source
        .download_cohort(&cohort_id, &options)
        .await
        .map_err(Failure::failed)?;
    let members = downloaded
        .members()
        .map_err(Failure::failed)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::failed)?;
    println!(
        "Downloaded {} members of {:?} ({}) with the email property",
        members.len(),
        info.name,
        cohort_id
    );
    amplitude.shutdown().await;

    let request = ExportRequest {
        destination: destination.clone(),
        cohort_id,
        cohort_name: CohortName::new(&info.name).map_err(Failure::failed)?,
        field_prefix: FieldPrefix::new(DEFAULT_FIELD_PREFIX).map_err(Failure::failed)?,
        removal: RemovalMode::Inactive,
        dry_run: false,
        source: "demo:amplitude".to_owned(),
        members,
    };
    export(client, store, request, true).await
}

/// Prints the list's members with the cohort field and the fields cohortsync must not touch.
async fn print_members(
    client: &QualtricsClient,
    destination: &Destination,
    field: &str,
) -> Result<(), Failure> {
    let members = client
        .list_all_mailing_list_contacts(&destination.directory_id, &destination.mailing_list_id, true)
        .await
        .context("reading the mailing list back")
        .map_err(Failure::failed)?;
    println!("  Mailing list members read back ({}):", members.len());
    println!("    {:<28} {:<9} {:<20} OTHER FIELDS", "EMAIL", "THIS RUN", "CONTACT");
    for member in members {
        let embedded = member.embedded_data.unwrap_or_default();
        let state = embedded.get(field).map(String::as_str).unwrap_or("-");
        let others: Vec<String> = embedded
            .iter()
            .filter(|(key, _)| key.as_str() != field)
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        println!(
            "    {:<28} {:<9} {:<20}{}{}",
            member.email.as_deref().unwrap_or("(no email)"),
            state,
            member.contact_id,
            if member.unsubscribed { "  unsubscribed" } else { "" },
            if others.is_empty() { String::new() } else { format!("  {}", others.join(" ")) }
        );
    }
    Ok(())
}
