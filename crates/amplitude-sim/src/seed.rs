//! Seed data: the projects, cohorts, members and limits a simulator starts with.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The bundled example seed: one US project with two cohorts and one EU project.
const EXAMPLE_SEED: &str = include_str!("../seeds/example.json");

/// Errors from reading or validating a seed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid seed JSON: {0} (see the amplitude-sim README for the keys)")]
    Json(#[from] serde_json::Error),
    #[error("invalid seed: {0}")]
    Invalid(String),
}

/// Everything a simulator serves at start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    pub projects: Vec<SeedProject>,
    #[serde(default)]
    pub limits: Limits,
}

/// The Amplitude data center a project lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Us,
    Eu,
}

/// One Amplitude project, reached with its API key and secret key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedProject {
    pub api_key: String,
    pub secret_key: String,
    pub region: Region,
    /// When true, `/file` returns the CSV body itself instead of a 302 to a download URL.
    #[serde(default)]
    pub inline_file: bool,
    #[serde(default)]
    pub cohorts: Vec<SeedCohort>,
}

/// One behavioral cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedCohort {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub archived: bool,
    #[serde(default = "default_true")]
    pub published: bool,
    /// When true, download jobs for this cohort stay `JOB INPROGRESS` forever.
    #[serde(default)]
    pub never_completes: bool,
    #[serde(default)]
    pub members: Vec<SeedMember>,
}

/// One cohort member with its user properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMember {
    /// The project's own user ID. Anonymous users have none, and their CSV cell is empty.
    #[serde(default)]
    pub user_id: Option<String>,
    pub amplitude_id: u64,
    #[serde(default)]
    pub user_properties: BTreeMap<String, serde_json::Value>,
}

impl SeedMember {
    /// Creates a member with a user ID and no properties.
    pub fn new(user_id: impl Into<String>, amplitude_id: u64) -> Self {
        Self {
            user_id: Some(user_id.into()),
            amplitude_id,
            user_properties: BTreeMap::new(),
        }
    }

    /// Adds one user property.
    pub fn with_property(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.user_properties.insert(key.into(), value.into());
        self
    }
}

/// Quotas, rate limits and timings, shared by every project on one simulator. Every key is
/// optional and defaults to Amplitude's documented value, except `jobSeconds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Limits {
    /// Cohort download requests allowed per project before 429 (Amplitude: 500 a month).
    pub monthly_downloads: u32,
    /// Seconds from a download request until its job completes; fractions allowed, 0 = at once.
    pub job_seconds: f64,
    /// Seconds a pre-signed download URL stays valid (Amplitude: 60).
    pub download_url_seconds: f64,
    /// Download jobs per project that may be running at once (Amplitude: 5).
    pub concurrent_jobs: u32,
    /// Single-cohort calls per project that may be in flight at once (Amplitude: 4).
    pub parallel_requests: u32,
    /// Single-cohort calls allowed per project in each window (Amplitude: 60).
    pub requests_per_window: u32,
    /// Length of the rate window in seconds (Amplitude: 600).
    pub window_seconds: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            monthly_downloads: 500,
            job_seconds: 0.0,
            download_url_seconds: 60.0,
            concurrent_jobs: 5,
            parallel_requests: 4,
            requests_per_window: 60,
            window_seconds: 600.0,
        }
    }
}

fn default_true() -> bool {
    true
}

impl Seed {
    /// Parses and validates a seed from JSON text.
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        let seed: Seed = serde_json::from_str(text)?;
        seed.validate()?;
        Ok(seed)
    }

    /// Reads, parses and validates a seed file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Returns the bundled example seed (`seeds/example.json`).
    pub fn example() -> Self {
        Self::from_json(EXAMPLE_SEED).expect("the bundled example seed is valid")
    }

    /// Checks what serde cannot: unique, non-empty keys and IDs, and non-negative timings.
    pub fn validate(&self) -> Result<(), SeedError> {
        let invalid = |message: String| Err(SeedError::Invalid(message));
        let mut api_keys = HashSet::new();
        for project in &self.projects {
            if project.api_key.is_empty() || project.secret_key.is_empty() {
                return invalid("a project has an empty apiKey or secretKey; give both".into());
            }
            if !api_keys.insert(project.api_key.as_str()) {
                return invalid(format!(
                    "apiKey {:?} is used by two projects; make each unique",
                    project.api_key
                ));
            }
            let mut cohort_ids = HashSet::new();
            for cohort in &project.cohorts {
                if cohort.id.is_empty() {
                    return invalid(format!(
                        "project {:?} has a cohort with an empty id",
                        project.api_key
                    ));
                }
                if !cohort_ids.insert(cohort.id.as_str()) {
                    return invalid(format!(
                        "cohort id {:?} appears twice in project {:?}; make each unique",
                        cohort.id, project.api_key
                    ));
                }
            }
        }

        let limits = &self.limits;
        let timings = [
            ("jobSeconds", limits.job_seconds),
            ("downloadUrlSeconds", limits.download_url_seconds),
            ("windowSeconds", limits.window_seconds),
        ];
        for (key, value) in timings {
            if !value.is_finite() || value < 0.0 {
                return invalid(format!(
                    "limits.{key} is {value}; use a number of seconds of 0 or more"
                ));
            }
        }
        Ok(())
    }
}
