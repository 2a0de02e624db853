//! Names of the simulated endpoints, the request log and the fault switches keyed by them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// One simulated Amplitude endpoint. The `/_sim` control routes are not endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /api/3/cohorts`
    ListCohorts,
    /// `GET /api/5/cohorts/request/{cohort_id}`
    RequestCohort,
    /// `GET /api/5/cohorts/request-status/{request_id}`
    RequestStatus,
    /// `GET /api/5/cohorts/request/{request_id}/file`
    File,
    /// `GET /_sim/download/{token}`, the pre-signed download URL.
    Download,
}

impl Endpoint {
    /// Every endpoint, in the order of a download.
    pub const ALL: [Endpoint; 5] = [
        Endpoint::ListCohorts,
        Endpoint::RequestCohort,
        Endpoint::RequestStatus,
        Endpoint::File,
        Endpoint::Download,
    ];

    /// Returns the endpoint's name as used in the README and by `FromStr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ListCohorts => "list_cohorts",
            Endpoint::RequestCohort => "request_cohort",
            Endpoint::RequestStatus => "request_status",
            Endpoint::File => "file",
            Endpoint::Download => "download",
        }
    }

    /// True for the calls about one cohort, which share the parallel and windowed rate limits.
    pub fn is_single_cohort_call(self) -> bool {
        matches!(
            self,
            Endpoint::RequestCohort | Endpoint::RequestStatus | Endpoint::File
        )
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for an endpoint name that is not one of [`Endpoint::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown endpoint {0:?}; expected list_cohorts, request_cohort, request_status, file or download")]
pub struct UnknownEndpoint(pub String);

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Endpoint::ALL
            .into_iter()
            .find(|endpoint| endpoint.as_str() == name)
            .ok_or_else(|| UnknownEndpoint(name.to_string()))
    }
}

/// One request the simulator handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub endpoint: Endpoint,
    /// Path and query as received, for example `/api/5/cohorts/request/4fq2xk7m?props=0`.
    pub uri: String,
    /// The API key from Basic auth, when the header was present and well formed.
    pub api_key: Option<String>,
    /// The status code the simulator returned.
    pub status: u16,
}

/// Standing faults: every call to a listed endpoint fails with the given 5xx status until cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    pub fail_always: HashMap<Endpoint, u16>,
}

impl Faults {
    /// No standing faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Makes every call to `endpoint` fail with `status`.
    pub fn always(mut self, endpoint: Endpoint, status: u16) -> Self {
        self.fail_always.insert(endpoint, status);
        self
    }
}
