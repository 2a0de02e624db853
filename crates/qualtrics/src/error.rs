//! Errors returned by the client.

use std::time::Duration;

use crate::ids::IdError;

/// Everything a Qualtrics call can fail with.
///
/// No variant carries a credential or bearer token, so errors are safe to log and show.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Qualtrics returned a non-success status (after any retries).
    #[error(
        "Qualtrics {endpoint} failed with HTTP {status}: {} ({}; request ID {})",
        error_message.as_deref().unwrap_or("no error message"),
        error_code.as_deref().unwrap_or("no error code"),
        request_id.as_deref().unwrap_or("none")
    )]
    Api {
        /// Client-side name of the call, e.g. `list_contacts`.
        endpoint: &'static str,
        /// HTTP status code.
        status: u16,
        /// `meta.error.errorCode`, e.g. `DCD_7` for an unknown token.
        error_code: Option<String>,
        /// `meta.error.errorMessage`.
        error_message: Option<String>,
        /// `meta.requestId`, to quote to Qualtrics support.
        request_id: Option<String>,
    },

    /// The connection failed or broke before a complete response arrived.
    #[error("network error calling Qualtrics {endpoint} (request sent: {request_sent}): {source}")]
    Network {
        /// Client-side name of the call.
        endpoint: &'static str,
        /// `false` only when the connection could not be opened, so Qualtrics never saw the request.
        request_sent: bool,
        /// The underlying transport error.
        #[source]
        source: reqwest::Error,
    },

    /// One attempt took longer than the per-attempt timeout.
    #[error("Qualtrics {endpoint} timed out after {timeout:?}; raise attempt_timeout if the account is slow")]
    Timeout {
        /// Client-side name of the call.
        endpoint: &'static str,
        /// The per-attempt timeout that expired.
        timeout: Duration,
    },

    /// A response body did not have the expected shape.
    #[error("invalid response from Qualtrics {endpoint}: {message}")]
    InvalidResponse {
        /// Client-side name of the call.
        endpoint: &'static str,
        /// Description of the problem with the body.
        message: String,
    },

    /// The OAuth token endpoint rejected the credentials or the grant.
    #[error("Qualtrics OAuth token request failed: {message}")]
    OAuth {
        /// HTTP status of the token response, when one arrived.
        status: Option<u16>,
        /// The OAuth error code and description, or the transport failure.
        message: String,
    },

    /// A request was rejected before sending because it breaks a documented limit.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// Settings could not be turned into a working client.
    #[error("invalid Qualtrics settings: {0}")]
    InvalidSettings(String),

    /// An identifier in a response or argument is invalid.
    #[error(transparent)]
    InvalidId(#[from] IdError),

    /// A bulk import ended with status `failed`.
    #[error("Qualtrics import {import_id} failed at {percent_complete}%")]
    ImportFailed {
        /// The import job ID.
        import_id: String,
        /// Progress reported with the failure.
        percent_complete: f64,
    },

    /// A bulk import did not finish within the poll policy's limit.
    #[error("Qualtrics import {import_id} still {status:?} after {waited:?}; poll again later or raise the poll limit")]
    ImportTimedOut {
        /// The import job ID.
        import_id: String,
        /// The last status seen.
        status: String,
        /// Time spent polling.
        waited: Duration,
    },
}

impl Error {
    /// Returns the HTTP status of an API or OAuth error, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::OAuth { status, .. } => *status,
            _ => None,
        }
    }

    /// Returns the Qualtrics `errorCode` of an API error, if any.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { error_code, .. } => error_code.as_deref(),
            _ => None,
        }
    }

    /// Returns the Qualtrics `requestId` of an API error, if any.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}
