//! Amplitude sources: clients from config, the monthly download budget, cohort downloads.

use anyhow::{anyhow, Context};
use cohortsync_domain::{CohortId, EmailProperty, Member};
use cohortsync_sources::amplitude::{
    AmplitudeClient, AmplitudeError, AmplitudeSettings, CohortInfo, DownloadOptions,
};
use cohortsync_store::{Store, StoreError};
use sha2::{Digest, Sha256};

use crate::config::Source;
use crate::connect::secret_from_env;
use crate::failure::Failure;

/// Builds a client for a source, reading its keys from the environment.
pub fn client(source: &Source) -> Result<AmplitudeClient, Failure> {
    let owner = format!("source {:?}", source.name);
    let api_key = secret_from_env(&source.api_key_env, "Amplitude API key", &owner)?;
    let secret_key = secret_from_env(&source.secret_key_env, "Amplitude secret key", &owner)?;
    let mut settings = AmplitudeSettings::new(source.region);
    settings.base_url = source.base_url.clone();
    AmplitudeClient::new(settings, api_key, secret_key)
        .with_context(|| format!("source {:?}", source.name))
        .map_err(Failure::usage)
}

/// Derives a stable, non-secret key for a project in the download ledger from a prefix of the
/// SHA-256 of its API key, so the count follows the project even when the source is renamed.
pub fn project_key(source: &Source) -> String {
    let api_key = std::env::var(&source.api_key_env).unwrap_or_default();
    let digest = Sha256::digest(api_key.trim().as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("amplitude:{hex}")
}

/// Lists the source's cohorts; rejected keys name the variables that hold them.
pub async fn list_cohorts(client: &AmplitudeClient, source: &Source) -> Result<Vec<CohortInfo>, Failure> {
    client.list_cohorts().await.map_err(|error| {
        let hint = match error {
            AmplitudeError::Unauthorized { .. } => format!(
                "; check the keys in environment variables {} and {}",
                source.api_key_env, source.secret_key_env
            ),
            _ => String::new(),
        };
        Failure::failed(anyhow!(
            "reading the cohorts of source {:?} failed: {error}{hint}",
            source.name
        ))
    })
}

/// Finds a cohort by ID among the source's cohorts.
pub async fn find_cohort(client: &AmplitudeClient, source: &Source, id: &CohortId) -> Result<CohortInfo, Failure> {
    let cohorts = list_cohorts(client, source).await?;
    cohorts.into_iter().find(|c| &c.id == id).ok_or_else(|| {
        Failure::usage(anyhow!(
            "cohort {id} not found in source {:?}; `cohortsync cohorts list --source {}` lists its cohorts",
            source.name,
            source.name
        ))
    })
}

/// Lists the user properties a destination needs from Amplitude: its email property, or none
/// when the user ID is the email.
pub fn prop_keys(email_property: &EmailProperty) -> Vec<String> {
    match email_property {
        EmailProperty::UserId => Vec::new(),
        EmailProperty::Property(name) => vec![name.clone()],
    }
}

/// Downloads a cohort's members, first taking one download from the project's monthly budget.
pub async fn download_members(
    client: &AmplitudeClient,
    store: &Store,
    source: &Source,
    cohort: &CohortId,
    options: &DownloadOptions,
) -> Result<Vec<Member>, Failure> {
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let key = project_key(source);
    match store
        .reserve_download(&key, &month, source.monthly_download_budget)
        .await
    {
        Ok(used) => tracing::info!(
            source = %source.name,
            used,
            budget = source.monthly_download_budget,
            "reserved an Amplitude cohort download"
        ),
        Err(StoreError::QuotaExceeded { used, budget }) => {
            return Err(Failure::failed(anyhow!(
                "source {:?} has used {used} of its {budget} Amplitude cohort downloads in {month} \
                 (monthly_download_budget; Amplitude allows about 500 a month per project); \
                 nothing was downloaded or sent. Wait for next month or raise \
                 monthly_download_budget in the config if the project has quota left",
                source.name
            )))
        }
        Err(error) => return Err(Failure::failed(error)),
    }

    let downloaded = client
        .download_cohort(cohort, options)
        .await
        .with_context(|| format!("downloading cohort {cohort} from source {:?}", source.name))
        .map_err(Failure::failed)?;
    let reader = downloaded
        .members()
        .context("reading the downloaded cohort")
        .map_err(Failure::failed)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading the downloaded cohort {cohort}"))
        .map_err(Failure::failed)
}
