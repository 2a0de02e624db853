//! `cohortsync destinations`: list them, and check one against Qualtrics.

use std::path::Path;
use std::process::ExitCode;

use cohortsync_qualtrics::QualtricsClient;
use serde::Serialize;

use crate::args::{DestinationsArgs, DestinationsCommand};
use crate::config::{CredentialsRef, Destination};
use crate::connect;
use crate::failure::{Failure, EXIT_FAILED, EXIT_OK};

pub async fn run(config_path: Option<&Path>, args: DestinationsArgs) -> Result<ExitCode, Failure> {
    let config = connect::load_config(config_path)?;
    match args.command {
        DestinationsCommand::List => {
            for destination in &config.destinations {
                let credentials = match &destination.credentials {
                    CredentialsRef::ApiToken { env } => format!("API token from ${env}"),
                    CredentialsRef::ClientCredentials { client_id, .. } => {
                        format!("OAuth client {client_id}")
                    }
                };
                let host = destination
                    .base_url
                    .as_ref()
                    .map(|url| format!("  base_url: {url}"))
                    .unwrap_or_default();
                println!(
                    "{}  {} {} {}  email: {}  {credentials}{host}",
                    destination.name,
                    destination.datacenter_id,
                    destination.directory_id,
                    destination.mailing_list_id,
                    destination.email_property
                );
            }
            Ok(ExitCode::from(EXIT_OK))
        }
        DestinationsCommand::Check { name, json } => {
            let destination = config
                .destination(&name)
                .map_err(|message| Failure::usage(anyhow::anyhow!(message)))?;
            let client = connect::qualtrics_client(destination)?;
            let checks = check(&client, destination).await;
            let passed = checks.iter().all(|c| c.verdict != Verdict::Failed);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&checks).expect("checks always serialize")
                );
            } else {
                println!("Destination {}:", destination.name);
                for check in &checks {
                    println!("  {:<14} {:<7} {}", check.name, check.verdict.as_str(), check.detail);
                }
            }
            Ok(ExitCode::from(if passed { EXIT_OK } else { EXIT_FAILED }))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    Warning,
    Failed,
    Skipped,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warning => "warning",
            Verdict::Failed => "FAILED",
            Verdict::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

/// Runs the checks in order; a check that depends on a failed one is skipped.
pub async fn check(client: &QualtricsClient, destination: &Destination) -> Vec<Check> {
    let mut checks = Vec::new();

    match client.whoami().await {
        Ok(me) => checks.push(Check {
            name: "credentials",
            verdict: Verdict::Ok,
            detail: format!(
                "accepted for user {} in brand {}",
                me.user_name.as_deref().unwrap_or("(unnamed)"),
                me.brand_id.as_deref().unwrap_or("(unknown)")
            ),
        }),
        Err(error) => {
            checks.push(Check {
                name: "credentials",
                verdict: Verdict::Failed,
                detail: format!("{error}; {}", connect::credentials_hint(destination)),
            });
            for name in ["directory", "mailing list", "deduplication"] {
                checks.push(skipped(name, "credentials failed"));
            }
            return checks;
        }
    }

    let directories = match client.list_directories().await {
        Ok(directories) => directories,
        Err(error) => {
            checks.push(Check {
                name: "directory",
                verdict: Verdict::Failed,
                detail: format!("listing directories failed: {error}"),
            });
            checks.push(skipped("mailing list", "directory check failed"));
            checks.push(skipped("deduplication", "directory check failed"));
            return checks;
        }
    };
    let Some(directory) = directories
        .iter()
        .find(|d| d.directory_id == destination.directory_id)
    else {
        checks.push(Check {
            name: "directory",
            verdict: Verdict::Failed,
            detail: format!(
                "{} not found; these credentials see: {}",
                destination.directory_id,
                directories
                    .iter()
                    .map(|d| d.directory_id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
        checks.push(skipped("mailing list", "directory not found"));
        checks.push(skipped("deduplication", "directory not found"));
        return checks;
    };
    checks.push(Check {
        name: "directory",
        verdict: Verdict::Ok,
        detail: format!(
            "{} {:?}",
            directory.directory_id,
            directory.name.as_deref().unwrap_or_default()
        ),
    });

    match client
        .get_mailing_list(&destination.directory_id, &destination.mailing_list_id)
        .await
    {
        Ok(list) => checks.push(Check {
            name: "mailing list",
            verdict: Verdict::Ok,
            detail: format!(
                "{} {:?}",
                list.mailing_list_id,
                list.name.as_deref().unwrap_or_default()
            ),
        }),
        Err(error) => checks.push(Check {
            name: "mailing list",
            verdict: Verdict::Failed,
            detail: format!(
                "{} not readable in {}: {error}; check mailing_list_id",
                destination.mailing_list_id, destination.directory_id
            ),
        }),
    }

    checks.push(if directory.deduplication_criteria.email {
        Check {
            name: "deduplication",
            verdict: Verdict::Ok,
            detail: "the directory de-duplicates contacts on email".to_owned(),
        }
    } else {
        Check {
            name: "deduplication",
            verdict: Verdict::Warning,
            detail: "the directory does not de-duplicate on email: exports look up every new \
                     email before creating a contact, which is slower and cannot use bulk imports"
                .to_owned(),
        }
    });
    checks
}

fn skipped(name: &'static str, because: &str) -> Check {
    Check {
        name,
        verdict: Verdict::Skipped,
        detail: format!("not checked: {because}"),
    }
}
