//! The Amplitude API client and the cohort listing.

use chrono::{DateTime, Utc};
use cohortsync_domain::CohortId;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::http::{error_from_response, send_with_retry};
use super::timestamp::epoch_to_utc;
use super::{AmplitudeError, AmplitudeSettings};

/// One cohort as the cohort list reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortInfo {
    pub id: CohortId,
    pub name: String,
    pub description: Option<String>,
    /// Member count at the last computation, when reported.
    pub size: Option<u64>,
    pub last_computed: Option<DateTime<Utc>>,
    pub last_modified: Option<DateTime<Utc>>,
    pub archived: bool,
    pub published: bool,
}

/// A client for one Amplitude project, authenticated with its API key and secret key.
pub struct AmplitudeClient {
    pub(super) http: reqwest::Client,
    pub(super) settings: AmplitudeSettings,
    pub(super) base_url: String,
    api_key: SecretString,
    secret_key: SecretString,
}

impl std::fmt::Debug for AmplitudeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmplitudeClient")
            .field("region", &self.settings.region)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl AmplitudeClient {
    /// Creates a client. It sends nothing until a call is made.
    pub fn new(
        settings: AmplitudeSettings,
        api_key: SecretString,
        secret_key: SecretString,
    ) -> Result<Self, AmplitudeError> {
        if api_key.expose_secret().trim().is_empty() || secret_key.expose_secret().trim().is_empty()
        {
            return Err(AmplitudeError::Settings(
                "the Amplitude API key or secret key is empty; copy both from the project's settings in Amplitude"
                    .into(),
            ));
        }
        // Redirects are followed by hand, because the pre-signed download URL must be fetched
        // without the Basic auth header and its expiry needs its own handling.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .build()
            .map_err(|error| {
                AmplitudeError::Settings(format!("failed to build the HTTP client: {error}"))
            })?;
        let base_url = settings.effective_base_url();
        Ok(Self {
            http,
            settings,
            base_url,
            api_key,
            secret_key,
        })
    }

    /// Returns the settings the client was built with.
    pub fn settings(&self) -> &AmplitudeSettings {
        &self.settings
    }

    /// Builds an authenticated GET of `path` below the base URL.
    pub(super) fn get(&self, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{path_and_query}", self.base_url))
            .basic_auth(
                self.api_key.expose_secret(),
                Some(self.secret_key.expose_secret()),
            )
    }

    /// Lists every cohort of the project, archived ones included.
    ///
    /// A cohort whose ID is empty or contains whitespace is skipped with a warning, because
    /// it could never be synced.
    #[tracing::instrument(skip_all, fields(region = %self.settings.region))]
    pub async fn list_cohorts(&self) -> Result<Vec<CohortInfo>, AmplitudeError> {
        const ENDPOINT: &str = "list_cohorts";
        let response =
            send_with_retry(&self.settings, ENDPOINT, || self.get("/api/3/cohorts")).await?;
        if response.status() != StatusCode::OK {
            return Err(error_from_response(ENDPOINT, response).await);
        }
        let body: Value =
            response
                .json()
                .await
                .map_err(|error| AmplitudeError::InvalidResponse {
                    endpoint: ENDPOINT,
                    message: format!("the body is not JSON: {error}"),
                })?;
        let Some(items) = body.get("cohorts").and_then(Value::as_array) else {
            return Err(AmplitudeError::InvalidResponse {
                endpoint: ENDPOINT,
                message: "the body has no \"cohorts\" array".into(),
            });
        };

        let mut cohorts = Vec::with_capacity(items.len());
        for item in items {
            match parse_cohort(item) {
                Ok(cohort) => cohorts.push(cohort),
                Err(reason) => tracing::warn!(%reason, "skipping a cohort in the Amplitude list"),
            }
        }
        tracing::debug!(count = cohorts.len(), "listed Amplitude cohorts");
        Ok(cohorts)
    }
}

/// Reads one entry of the cohort list. IDs may be strings or numbers.
fn parse_cohort(item: &Value) -> Result<CohortInfo, String> {
    let raw_id = match &item["id"] {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => return Err(format!("cohort id is {other}, not a string")),
    };
    let id = CohortId::new(&raw_id).map_err(|error| error.to_string())?;
    let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    let flag = |key: &str, default: bool| item.get(key).and_then(Value::as_bool).unwrap_or(default);
    Ok(CohortInfo {
        id,
        name: text("name").unwrap_or_default(),
        description: text("description").filter(|description| !description.is_empty()),
        size: item.get("size").and_then(Value::as_u64),
        last_computed: item.get("lastComputed").and_then(epoch_to_utc),
        last_modified: item.get("lastMod").and_then(epoch_to_utc),
        archived: flag("archived", false),
        published: flag("published", true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_cohort_reads_both_time_units() {
        let item = json!({
            "id": "7khm89cz", "name": "Trial", "size": 12, "description": "",
            "lastComputed": 1_700_000_000_000_i64, "lastMod": 1_700_000_000, "archived": true
        });

        let cohort = parse_cohort(&item).unwrap();

        assert_eq!(cohort.id.as_str(), "7khm89cz");
        assert_eq!(cohort.size, Some(12));
        assert_eq!(cohort.description, None);
        assert_eq!(cohort.last_computed, cohort.last_modified);
        assert!(cohort.archived);
        assert!(cohort.published);
    }

    #[test]
    fn parse_cohort_rejects_missing_id() {
        let error = parse_cohort(&json!({"name": "x"})).unwrap_err();

        assert!(error.contains("cohort id"), "{error}");
    }
}
