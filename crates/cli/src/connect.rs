//! Turning configuration into live objects: the store, Qualtrics clients, engine requests.

use std::num::NonZeroU32;
use std::path::Path;

use anyhow::{anyhow, Context};
use cohortsync_engine::Destination as EngineDestination;
use cohortsync_qualtrics::{Credentials, OAuthApp, QualtricsClient, SecretString, Settings};
use cohortsync_store::Store;

use crate::config::{Config, CredentialsRef, Destination};
use crate::failure::Failure;

/// Loads the config file named by `--config` or `COHORTSYNC_CONFIG`.
pub fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let path = path.ok_or_else(|| {
        Failure::usage(anyhow!(
            "no config file: pass --config FILE or set COHORTSYNC_CONFIG (see `cohortsync demo` to try it without one)"
        ))
    })?;
    Config::load(path).map_err(Failure::usage)
}

/// Opens the store named in the config.
pub async fn open_store(config: &Config) -> Result<Store, Failure> {
    Store::open(&config.store_url)
        .await
        .with_context(|| format!("opening the store {}", config.store_url))
        .map_err(Failure::failed)
}

/// Reads a secret from the environment variable the config names. `owner` names whose secret
/// it is in the error, e.g. `destination "nps-panel"`.
pub fn secret_from_env(variable: &str, secret_kind: &str, owner: &str) -> Result<SecretString, Failure> {
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Ok(SecretString::from(value.trim().to_owned())),
        Ok(_) => Err(Failure::usage(anyhow!(
            "environment variable {variable} is empty; set it to the {secret_kind} of {owner}"
        ))),
        Err(_) => Err(Failure::usage(anyhow!(
            "environment variable {variable} is not set; set it to the {secret_kind} of {owner}"
        ))),
    }
}

/// Builds a Qualtrics client for a destination, reading its secret from the environment.
pub fn qualtrics_client(destination: &Destination) -> Result<QualtricsClient, Failure> {
    let owner = format!("destination {:?}", destination.name);
    let credentials = match &destination.credentials {
        CredentialsRef::ApiToken { env } => {
            Credentials::ApiToken(secret_from_env(env, "Qualtrics API token", &owner)?)
        }
        CredentialsRef::ClientCredentials {
            client_id,
            client_secret_env,
            scopes,
        } => Credentials::ClientCredentials {
            app: OAuthApp {
                client_id: client_id.clone(),
                client_secret: secret_from_env(
                    client_secret_env,
                    "Qualtrics OAuth client secret",
                    &owner,
                )?,
            },
            scopes: scopes.clone(),
        },
    };
    let mut settings = Settings::new(destination.datacenter_id.clone());
    settings.base_url = destination.base_url.clone();
    if let Some(per_minute) = destination.requests_per_minute.and_then(NonZeroU32::new) {
        settings.requests_per_minute = per_minute;
    }
    QualtricsClient::new(settings, credentials)
        .with_context(|| format!("destination {:?}", destination.name))
        .map_err(Failure::usage)
}

/// Converts a configured destination into the engine's view of it.
pub fn engine_destination(destination: &Destination) -> EngineDestination {
    EngineDestination {
        name: destination.name.clone(),
        directory_id: destination.directory_id.clone(),
        mailing_list_id: destination.mailing_list_id.clone(),
        email_property: destination.email_property.clone(),
    }
}

/// Describes where to fix rejected credentials, naming the environment variable the config uses.
pub fn credentials_hint(destination: &Destination) -> String {
    match &destination.credentials {
        CredentialsRef::ApiToken { env } => {
            format!("check the API token in environment variable {env}")
        }
        CredentialsRef::ClientCredentials {
            client_id,
            client_secret_env,
            ..
        } => format!(
            "check OAuth client {client_id} and its secret in environment variable {client_secret_env}"
        ),
    }
}
