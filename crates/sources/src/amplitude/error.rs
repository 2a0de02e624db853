//! Errors from the Amplitude client. None of them contains the API key or secret key.

use std::time::Duration;

/// Errors from listing or downloading Amplitude cohorts.
#[derive(Debug, thiserror::Error)]
pub enum AmplitudeError {
    #[error("{0}")]
    Settings(String),
    #[error(
        "Amplitude rejected the credentials (HTTP 401 from {endpoint}): the API key or secret key \
         is wrong, or they belong to another project or region; copy both from the project's \
         settings in Amplitude"
    )]
    Unauthorized { endpoint: &'static str },
    #[error(
        "Amplitude quota or rate limit reached (HTTP 429 from {endpoint}): {message}; \
         wait{} before trying again, and note that each cohort download counts against the \
         project's monthly download quota",
        retry_after.map(|wait| format!(" {} seconds", wait.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        endpoint: &'static str,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("Amplitude cohort {cohort_id} not found (HTTP 404); check the cohort ID, project and region")]
    CohortNotFound { cohort_id: String },
    #[error("Amplitude {endpoint} failed with HTTP {status}: {body}")]
    Status {
        endpoint: &'static str,
        status: u16,
        /// The first few hundred characters of the response body.
        body: String,
    },
    #[error("request to Amplitude {endpoint} failed: {source}")]
    Http {
        endpoint: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("invalid response from Amplitude {endpoint}: {message}")]
    InvalidResponse {
        endpoint: &'static str,
        message: String,
    },
    #[error(
        "download of Amplitude cohort {cohort_id} timed out: request {request_id} was not complete \
         after {waited:?} (max_wait); raise max_wait for large cohorts or retry later"
    )]
    Timeout {
        cohort_id: String,
        request_id: String,
        waited: Duration,
    },
    #[error("download of Amplitude cohort {cohort_id} failed: request {request_id} reported status {status:?}")]
    JobFailed {
        cohort_id: String,
        request_id: String,
        status: String,
    },
    #[error(
        "download link of Amplitude cohort {cohort_id} (request {request_id}) expired again after \
         it was renewed; check that this machine's clock is right and retry"
    )]
    DownloadLinkExpired {
        cohort_id: String,
        request_id: String,
    },
    #[error("failed to write the downloaded cohort to a temporary file: {0}")]
    TempFile(#[source] std::io::Error),
}

impl AmplitudeError {
    /// Returns true when a later attempt of the same call could succeed without a change of
    /// settings: rate limits, timeouts, 5xx and connection failures.
    pub fn is_transient(&self) -> bool {
        match self {
            AmplitudeError::RateLimited { .. } | AmplitudeError::Timeout { .. } => true,
            AmplitudeError::Status { status, .. } => *status >= 500,
            AmplitudeError::Http { .. } | AmplitudeError::DownloadLinkExpired { .. } => true,
            _ => false,
        }
    }
}
