//! Client for Amplitude's Behavioral Cohorts API: list cohorts and download one as CSV.
//!
//! A download requests a job, polls its status with backoff until it completes, fetches the
//! file (following the pre-signed redirect and renewing it once when it has expired) and
//! streams it to a temporary file that [`crate::file`]'s CSV reader parses.

mod client;
mod download;
mod error;
mod http;
mod settings;
mod timestamp;

pub use self::client::{AmplitudeClient, CohortInfo};
pub use self::download::{DownloadOptions, DownloadedCohort};
pub use self::error::AmplitudeError;
pub use self::settings::{AmplitudeSettings, Region, UnknownRegion};
