//! Seed file: the brand, credentials, directories, lists, contacts, limits and faults a
//! simulator starts with.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::ids;

/// Starting state of a simulator, read from JSON with camelCase keys.
///
/// Unknown keys are rejected at every level, so a typo in a seed file fails loudly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Brand (tenant) ID returned by `whoami`.
    pub brand_id: String,
    /// Datacenter ID such as `iad1`, returned by `whoami`.
    pub datacenter_id: String,
    /// User ID returned by `whoami`; a `UR_` ID is derived from the brand when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// User name returned by `whoami`; `api-user@<brandId>` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// API tokens accepted in `X-API-TOKEN`, each 40 alphanumeric characters.
    #[serde(default)]
    pub api_tokens: Vec<String>,
    /// OAuth clients accepted at `/oauth2/token` and `/oauth2/auth`.
    #[serde(default)]
    pub oauth_clients: Vec<SeedOAuthClient>,
    /// XM directories with their mailing lists and contacts.
    #[serde(default)]
    pub directories: Vec<SeedDirectory>,
    /// Rate limits and import speed.
    #[serde(default)]
    pub limits: Limits,
    /// Random faults applied to every endpoint.
    #[serde(default)]
    pub faults: Faults,
}

/// One OAuth 2.0 client registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOAuthClient {
    pub client_id: String,
    pub client_secret: String,
    /// Redirect URIs allowed for the authorization-code grant, compared exactly.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Scopes the client may request, for example `read:directories` or `offline`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Lifetime of issued access tokens in seconds; 3600 when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_secs: Option<u64>,
}

/// One XM directory (`POOL_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedDirectory {
    pub directory_id: String,
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub deduplication_criteria: DeduplicationCriteria,
    #[serde(default)]
    pub mailing_lists: Vec<SeedMailingList>,
    #[serde(default)]
    pub contacts: Vec<SeedContact>,
}

/// Fields a directory uses to match an incoming contact to a stored one.
///
/// The simulator acts on `email` only; the other flags are stored and returned by
/// `GET /directories`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeduplicationCriteria {
    pub email: bool,
    pub first_name: bool,
    pub last_name: bool,
    pub external_data_reference: bool,
    pub phone: bool,
}

/// One mailing list (`CG_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedMailingList {
    pub mailing_list_id: String,
    pub name: String,
}

/// One contact; its `CID_` ID is generated when omitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ext_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub unsubscribed: bool,
    #[serde(default)]
    pub embedded_data: BTreeMap<String, String>,
    /// Lists of the same directory this contact is a member of.
    #[serde(default)]
    pub mailing_list_ids: Vec<String>,
}

/// Rate limits and import speed for one brand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Limits {
    /// Leaky-bucket size and drain rate for every API request of the brand.
    pub brand_requests_per_minute: u32,
    /// Leaky-bucket size and drain rate for single contact creates (`create_contact`).
    pub contact_creates_per_minute: u32,
    /// Rows per second that import jobs process; 0 keeps every job in progress.
    pub import_contacts_per_second: u32,
    /// Whether a 429 carries a `Retry-After` header.
    pub retry_after_header: bool,
    /// Import jobs that run at once per brand.
    pub max_running_imports: usize,
    /// Import jobs that may wait behind the running ones; one more is rejected with 429.
    pub max_queued_imports: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            brand_requests_per_minute: 3000,
            contact_creates_per_minute: 500,
            import_contacts_per_second: 1000,
            retry_after_header: true,
            max_running_imports: 25,
            max_queued_imports: 100,
        }
    }
}

/// Random faults; every rate is a probability from 0.0 to 1.0 per request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Faults {
    /// Share of requests that get a 500, 503 or 504 (picked at random) with the error envelope.
    pub error_rate: f64,
    /// Delay added before every response, in milliseconds.
    pub latency_ms: u64,
    /// Share of requests whose TCP connection is closed without any HTTP response.
    pub drop_rate: f64,
    /// Share of accepted import jobs that end with status `failed` and change nothing.
    pub import_failure_rate: f64,
}

/// A seed that cannot be read or does not describe a valid brand.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid seed JSON: {0} (see the seed keys in the qualtrics-sim README)")]
    Json(#[from] serde_json::Error),
    #[error("invalid seed: {0}")]
    Invalid(String),
}

const EXAMPLE_SEED: &str = include_str!("../seeds/example.json");

impl Seed {
    /// Parses and validates a seed from JSON text.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let seed: Seed = serde_json::from_str(text)?;
        seed.validate()?;
        Ok(seed)
    }

    /// Reads, parses and validates a seed file.
    pub fn from_file(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Seed::from_json(&text)
    }

    /// Returns the seed shipped as `seeds/example.json`.
    pub fn example() -> Seed {
        Seed::from_json(EXAMPLE_SEED).expect("seeds/example.json is a valid seed")
    }

    /// Checks ID formats, uniqueness and cross references.
    pub fn validate(&self) -> Result<(), SeedError> {
        let invalid = |message: String| Err(SeedError::Invalid(message));

        if self.brand_id.trim().is_empty() {
            return invalid(
                "brandId is empty; set it to the brand name, e.g. \"examplebrand\"".into(),
            );
        }
        let dc_ok = !self.datacenter_id.is_empty()
            && self
                .datacenter_id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !dc_ok {
            return invalid(format!(
                "datacenterId {:?} must be lowercase letters and digits, e.g. \"iad1\"",
                self.datacenter_id
            ));
        }
        for token in &self.api_tokens {
            if token.len() != 40 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
                return invalid(format!(
                    "apiTokens entry of {} characters must be 40 ASCII letters and digits",
                    token.len()
                ));
            }
        }
        validate_oauth_clients(&self.oauth_clients)?;
        validate_directories(&self.directories)?;
        validate_rates(&self.faults)?;
        Ok(())
    }
}

fn validate_oauth_clients(clients: &[SeedOAuthClient]) -> Result<(), SeedError> {
    let mut seen = HashSet::new();
    for client in clients {
        if client.client_id.is_empty() || client.client_secret.is_empty() {
            return Err(SeedError::Invalid(
                "oauthClients entries need a non-empty clientId and clientSecret".into(),
            ));
        }
        if !seen.insert(client.client_id.as_str()) {
            return Err(SeedError::Invalid(format!(
                "oauthClients clientId {:?} appears twice; give each client its own ID",
                client.client_id
            )));
        }
        for uri in &client.redirect_uris {
            if url::Url::parse(uri).is_err() {
                return Err(SeedError::Invalid(format!(
                    "redirectUris entry {uri:?} of client {:?} is not an absolute URL",
                    client.client_id
                )));
            }
        }
    }
    Ok(())
}

fn validate_directories(directories: &[SeedDirectory]) -> Result<(), SeedError> {
    let mut seen_ids = HashSet::new();
    for directory in directories {
        check_id(
            "directoryId",
            &directory.directory_id,
            ids::DIRECTORY_PREFIX,
        )?;
        let mut list_ids = HashSet::new();
        for list in &directory.mailing_lists {
            check_id(
                "mailingListId",
                &list.mailing_list_id,
                ids::MAILING_LIST_PREFIX,
            )?;
            if !list_ids.insert(list.mailing_list_id.as_str())
                || !seen_ids.insert(list.mailing_list_id.clone())
            {
                return Err(SeedError::Invalid(format!(
                    "mailingListId {} appears twice; give each list its own ID",
                    list.mailing_list_id
                )));
            }
        }
        if !seen_ids.insert(directory.directory_id.clone()) {
            return Err(SeedError::Invalid(format!(
                "directoryId {} appears twice; give each directory its own ID",
                directory.directory_id
            )));
        }
        for contact in &directory.contacts {
            if let Some(id) = &contact.contact_id {
                check_id("contactId", id, ids::CONTACT_PREFIX)?;
                if !seen_ids.insert(id.clone()) {
                    return Err(SeedError::Invalid(format!(
                        "contactId {id} appears twice; give each contact its own ID"
                    )));
                }
            }
            for list_id in &contact.mailing_list_ids {
                if !list_ids.contains(list_id.as_str()) {
                    return Err(SeedError::Invalid(format!(
                        "contact {:?} names mailing list {list_id}, which directory {} does not have",
                        contact.email.as_deref().unwrap_or("(no email)"),
                        directory.directory_id
                    )));
                }
            }
        }
    }
    Ok(())
}

fn validate_rates(faults: &Faults) -> Result<(), SeedError> {
    let rates = [
        ("errorRate", faults.error_rate),
        ("dropRate", faults.drop_rate),
        ("importFailureRate", faults.import_failure_rate),
    ];
    for (name, rate) in rates {
        if !(0.0..=1.0).contains(&rate) {
            return Err(SeedError::Invalid(format!(
                "faults.{name} is {rate}; use a probability from 0.0 to 1.0"
            )));
        }
    }
    Ok(())
}

fn check_id(key: &str, value: &str, prefix: &str) -> Result<(), SeedError> {
    if ids::is_valid(value, prefix) {
        Ok(())
    } else {
        Err(SeedError::Invalid(format!(
            "{key} {value:?} must be {prefix} followed by {} letters and digits, e.g. {}",
            ids::ID_BODY_LEN,
            ids::example(prefix)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_seed_is_valid() {
        let seed = Seed::example();
        assert_eq!(seed.datacenter_id, "iad1");
        assert_eq!(seed.directories[0].contacts.len(), 5);
    }

    #[test]
    fn unknown_key_is_named() {
        let error = Seed::from_json(r#"{"brandId": "b", "datacenterId": "iad1", "limitz": {}}"#)
            .unwrap_err();
        assert!(error.to_string().contains("limitz"), "{error}");
    }

    #[test]
    fn nested_unknown_key_is_named() {
        let text = r#"{"brandId": "b", "datacenterId": "iad1", "faults": {"errorRat": 0.1}}"#;
        let error = Seed::from_json(text).unwrap_err();
        assert!(error.to_string().contains("errorRat"), "{error}");
    }

    #[test]
    fn malformed_directory_id_is_rejected() {
        let text = r#"{"brandId": "b", "datacenterId": "iad1",
            "directories": [{"directoryId": "POOL_short", "name": "d"}]}"#;
        let error = Seed::from_json(text).unwrap_err();
        assert!(error.to_string().contains("POOL_short"), "{error}");
    }

    #[test]
    fn unknown_list_reference_is_rejected() {
        let text = r#"{"brandId": "b", "datacenterId": "iad1",
            "directories": [{"directoryId": "POOL_123456789012345", "name": "d",
              "contacts": [{"email": "a@example.com", "mailingListIds": ["CG_123456789012345"]}]}]}"#;
        let error = Seed::from_json(text).unwrap_err();
        assert!(error.to_string().contains("CG_123456789012345"), "{error}");
    }

    #[test]
    fn short_api_token_is_rejected() {
        let text = r#"{"brandId": "b", "datacenterId": "iad1", "apiTokens": ["abc"]}"#;
        assert!(Seed::from_json(text).is_err());
    }
}
