//! The TOML configuration file: raw shape, validation, and the resolved settings the commands use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cohortsync_domain::EmailProperty;
use cohortsync_qualtrics::{DatacenterId, DirectoryId, MailingListId};
use cohortsync_sources::amplitude::Region;
use serde::Deserialize;
use url::Url;

/// The store used when the config file has no `[store]` table.
pub const DEFAULT_STORE_URL: &str = "sqlite://cohortsync.db";

/// The Amplitude downloads a project may make in a calendar month, as Amplitude documents it.
pub const DEFAULT_MONTHLY_DOWNLOAD_BUDGET: u32 = 500;

/// How long an Amplitude cohort download may take to prepare, in seconds.
///
/// NOTE: an estimate for cohorts near Amplitude's 2 million user limit, not a measured time.
pub const DEFAULT_DOWNLOAD_TIMEOUT_SECS: u64 = 3600;

const EXAMPLE: &str = r#"[store]
url = "sqlite:///var/lib/cohortsync/cohortsync.db"

[[destinations]]
name = "nps-panel"
datacenter_id = "iad1"
directory_id = "POOL_012345678901234"
mailing_list_id = "CG_012345678901234"
email_property = "email"
api_token_env = "QUALTRICS_API_TOKEN""#;

/// A configuration problem, with the file and a valid example in the message.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("invalid config file {path}: {message}\n\nA valid config looks like this:\n{EXAMPLE}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    store: Option<RawStore>,
    #[serde(default)]
    destinations: Vec<RawDestination>,
    #[serde(default)]
    sources: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDestination {
    name: String,
    datacenter_id: String,
    directory_id: String,
    mailing_list_id: String,
    #[serde(default)]
    email_property: Option<String>,
    #[serde(default)]
    api_token_env: Option<String>,
    #[serde(default)]
    oauth: Option<RawOAuth>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    requests_per_minute: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    client_id: String,
    client_secret_env: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    kind: String,
    #[serde(default)]
    region: Option<String>,
    api_key_env: String,
    secret_key_env: String,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    monthly_download_budget: Option<u32>,
    #[serde(default)]
    download_timeout_secs: Option<u64>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub store_url: String,
    pub destinations: Vec<Destination>,
    pub sources: Vec<Source>,
}

/// One Qualtrics mailing list that cohorts are exported into.
#[derive(Debug, Clone)]
pub struct Destination {
    pub name: String,
    pub datacenter_id: DatacenterId,
    pub directory_id: DirectoryId,
    pub mailing_list_id: MailingListId,
    pub email_property: EmailProperty,
    pub credentials: CredentialsRef,
    /// Operator override of `https://{datacenter_id}.qualtrics.com`, e.g. a simulator.
    pub base_url: Option<Url>,
    pub requests_per_minute: Option<u32>,
}

/// The source of a destination's secret. The config file names environment variables only.
#[derive(Debug, Clone)]
pub enum CredentialsRef {
    ApiToken {
        env: String,
    },
    ClientCredentials {
        client_id: String,
        client_secret_env: String,
        scopes: Vec<String>,
    },
}

/// One Amplitude project that cohorts are read from.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub region: Region,
    pub api_key_env: String,
    pub secret_key_env: String,
    /// Operator override of the region's Amplitude host, e.g. a simulator.
    pub base_url: Option<Url>,
    pub monthly_download_budget: u32,
    /// Maximum wait for Amplitude to prepare a cohort download, in seconds.
    pub download_timeout_secs: u64,
}

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        Self::parse(path, &text)
    }

    /// Validates config text; `path` is used in messages only.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;

        let store_url = match raw.store {
            Some(store) if store.url.trim().is_empty() => {
                return Err(invalid(
                    "[store] url is empty; set it to e.g. \"sqlite:///var/lib/cohortsync/cohortsync.db\""
                        .into(),
                ))
            }
            Some(store) => store.url,
            None => DEFAULT_STORE_URL.to_owned(),
        };

        let mut names = BTreeSet::new();
        let mut destinations = Vec::new();
        for raw in raw.destinations {
            let destination = validate_destination(raw).map_err(&invalid)?;
            if !names.insert(destination.name.clone()) {
                return Err(invalid(format!(
                    "destination name {:?} is used twice; give each destination its own name",
                    destination.name
                )));
            }
            destinations.push(destination);
        }

        let mut source_names = BTreeSet::new();
        let mut sources = Vec::new();
        for raw in raw.sources {
            let source = validate_source(raw).map_err(&invalid)?;
            if !source_names.insert(source.name.clone()) {
                return Err(invalid(format!(
                    "source name {:?} is used twice; give each source its own name",
                    source.name
                )));
            }
            sources.push(source);
        }

        Ok(Config {
            path: path.to_owned(),
            store_url,
            destinations,
            sources,
        })
    }

    /// Finds a destination by name, listing the configured names when it is missing.
    pub fn destination(&self, name: &str) -> Result<&Destination, String> {
        self.destinations
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = self.destinations.iter().map(|d| d.name.as_str()).collect();
                format!(
                    "destination {name:?} not found in {}; configured destinations: {}",
                    self.path.display(),
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                )
            })
    }

    /// Finds a source by name, listing the configured names when it is missing.
    pub fn source(&self, name: &str) -> Result<&Source, String> {
        self.sources.iter().find(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.sources.iter().map(|s| s.name.as_str()).collect();
            format!(
                "source {name:?} not found in {}; configured sources: {}",
                self.path.display(),
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            )
        })
    }
}

fn validate_name(kind: &str, name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{kind} name {name:?} is invalid: use ASCII letters, digits, '-', '_' or '.', e.g. \"nps-panel\""
        ))
    }
}

fn validate_env_name(field: &str, owner: &str, value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !value.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{owner}: {field} {value:?} is not an environment variable name; \
             name the variable that holds the secret, e.g. \"QUALTRICS_API_TOKEN\""
        ))
    }
}

fn validate_base_url(owner: &str, value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| {
        format!("{owner}: base_url {value:?} is not a URL ({e}); use e.g. \"http://127.0.0.1:9000\"")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{owner}: base_url {value:?} must be an http or https URL with a host, e.g. \"http://127.0.0.1:9000\""
        ));
    }
    Ok(url)
}

fn validate_destination(raw: RawDestination) -> Result<Destination, String> {
    validate_name("destination", &raw.name)?;
    let owner = format!("destination {:?}", raw.name);

    let datacenter_id: DatacenterId = raw
        .datacenter_id
        .parse()
        .map_err(|e| format!("{owner}: {e}"))?;
    let directory_id: DirectoryId = raw
        .directory_id
        .parse()
        .map_err(|e| format!("{owner}: {e}"))?;
    let mailing_list_id: MailingListId = raw
        .mailing_list_id
        .parse()
        .map_err(|e| format!("{owner}: {e}"))?;

    let email_property = match raw.email_property {
        None => EmailProperty::default(),
        Some(name) if name.trim().is_empty() => {
            return Err(format!(
                "{owner}: email_property is empty; use \"email\", \"[Amplitude] User ID\" or the user property that holds the email"
            ))
        }
        Some(name) => EmailProperty::parse(name.trim()),
    };

    let credentials = match (raw.api_token_env, raw.oauth) {
        (Some(env), None) => {
            validate_env_name("api_token_env", &owner, &env)?;
            CredentialsRef::ApiToken { env }
        }
        (None, Some(oauth)) => {
            if oauth.client_id.trim().is_empty() {
                return Err(format!("{owner}: oauth.client_id is empty; copy the client ID from Qualtrics"));
            }
            validate_env_name("oauth.client_secret_env", &owner, &oauth.client_secret_env)?;
            CredentialsRef::ClientCredentials {
                client_id: oauth.client_id,
                client_secret_env: oauth.client_secret_env,
                scopes: oauth.scopes,
            }
        }
        (Some(_), Some(_)) => {
            return Err(format!(
                "{owner}: both api_token_env and [destinations.oauth] are set; keep one of them"
            ))
        }
        (None, None) => {
            return Err(format!(
                "{owner}: no credentials; set api_token_env = \"QUALTRICS_API_TOKEN\" (the name of the variable holding the token)"
            ))
        }
    };

    let base_url = raw
        .base_url
        .as_deref()
        .map(|value| validate_base_url(&owner, value))
        .transpose()?;

    if raw.requests_per_minute == Some(0) {
        return Err(format!(
            "{owner}: requests_per_minute is 0; leave it out for the default or set a positive number"
        ));
    }

    Ok(Destination {
        name: raw.name,
        datacenter_id,
        directory_id,
        mailing_list_id,
        email_property,
        credentials,
        base_url,
        requests_per_minute: raw.requests_per_minute,
    })
}

fn validate_source(raw: RawSource) -> Result<Source, String> {
    validate_name("source", &raw.name)?;
    let owner = format!("source {:?}", raw.name);
    if raw.kind != "amplitude" {
        return Err(format!(
            "{owner}: kind {:?} is not supported; the only source kind is \"amplitude\"",
            raw.kind
        ));
    }
    let region = match raw.region.as_deref().unwrap_or("us") {
        "us" => Region::Us,
        "eu" => Region::Eu,
        other => {
            return Err(format!(
                "{owner}: region {other:?} is invalid; use \"us\" or \"eu\""
            ))
        }
    };
    validate_env_name("api_key_env", &owner, &raw.api_key_env)?;
    validate_env_name("secret_key_env", &owner, &raw.secret_key_env)?;
    let base_url = raw
        .base_url
        .as_deref()
        .map(|value| validate_base_url(&owner, value))
        .transpose()?;
    let monthly_download_budget = raw
        .monthly_download_budget
        .unwrap_or(DEFAULT_MONTHLY_DOWNLOAD_BUDGET);
    let download_timeout_secs = raw
        .download_timeout_secs
        .unwrap_or(DEFAULT_DOWNLOAD_TIMEOUT_SECS);
    if download_timeout_secs == 0 {
        return Err(format!(
            "{owner}: download_timeout_secs is 0; leave it out for {DEFAULT_DOWNLOAD_TIMEOUT_SECS} or set a positive number of seconds"
        ));
    }
    Ok(Source {
        name: raw.name,
        region,
        api_key_env: raw.api_key_env,
        secret_key_env: raw.secret_key_env,
        base_url,
        monthly_download_budget,
        download_timeout_secs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("test.toml"), text).map_err(|e| e.to_string())
    }

    const DESTINATION: &str = r#"
[[destinations]]
name = "nps-panel"
datacenter_id = "iad1"
directory_id = "POOL_012345678901234"
mailing_list_id = "CG_012345678901234"
api_token_env = "QUALTRICS_API_TOKEN"
"#;

    #[test]
    fn example_parses() {
        let config = parse(EXAMPLE).unwrap();

        assert_eq!(config.store_url, "sqlite:///var/lib/cohortsync/cohortsync.db");
        assert_eq!(config.destinations.len(), 1);
        assert_eq!(config.destinations[0].email_property, EmailProperty::default());
    }

    #[test]
    fn store_defaults_when_absent() {
        let config = parse(DESTINATION).unwrap();

        assert_eq!(config.store_url, DEFAULT_STORE_URL);
    }

    #[test]
    fn unknown_key_is_rejected() {
        let error = parse(&format!("{DESTINATION}api_token = \"secret\"\n")).unwrap_err();

        assert!(error.contains("api_token"), "{error}");
        assert!(error.contains("A valid config looks like this"), "{error}");
    }

    #[test]
    fn duplicate_destination_is_rejected() {
        let error = parse(&format!("{DESTINATION}{DESTINATION}")).unwrap_err();

        assert!(error.contains("used twice"), "{error}");
    }

    #[test]
    fn two_credentials_are_rejected() {
        let text = format!(
            "{DESTINATION}[destinations.oauth]\nclient_id = \"c\"\nclient_secret_env = \"S\"\n"
        );

        let error = parse(&text).unwrap_err();

        assert!(error.contains("keep one of them"), "{error}");
    }

    #[test]
    fn invalid_values_name_the_value() {
        let cases = [
            ("datacenter_id = \"iad1\"", "datacenter_id = \"Iad-1\"", "Iad-1"),
            ("directory_id = \"POOL_012345678901234\"", "directory_id = \"POOL_1\"", "POOL_1"),
            ("api_token_env = \"QUALTRICS_API_TOKEN\"", "api_token_env = \"my token\"", "my token"),
        ];
        for (good, bad, value) in cases {
            let error = parse(&DESTINATION.replace(good, bad)).unwrap_err();
            assert!(error.contains(value), "{bad}: {error}");
        }
    }

    #[test]
    fn base_url_must_be_http() {
        let text = format!("{DESTINATION}base_url = \"ftp://127.0.0.1\"\n");

        let error = parse(&text).unwrap_err();

        assert!(error.contains("http or https"), "{error}");
    }

    #[test]
    fn source_region_and_budget() {
        let text = format!(
            "{DESTINATION}[[sources]]\nname = \"amp\"\nkind = \"amplitude\"\nregion = \"eu\"\n\
             api_key_env = \"K\"\nsecret_key_env = \"S\"\nmonthly_download_budget = 40\n"
        );

        let config = parse(&text).unwrap();

        assert_eq!(config.sources[0].region, Region::Eu);
        assert_eq!(config.sources[0].monthly_download_budget, 40);
        assert_eq!(config.sources[0].download_timeout_secs, DEFAULT_DOWNLOAD_TIMEOUT_SECS);
        let error = parse(&text.replace("\"eu\"", "\"apac\"")).unwrap_err();
        assert!(error.contains("apac"), "{error}");
    }
}
