//! One export run of a cohort into a Qualtrics mailing list.
//!
//! A run reads the cohort's members (already parsed by a source), keys them by email, compares
//! them with the destination's last confirmed snapshot, writes the difference to Qualtrics, and
//! confirms each row in the store as Qualtrics confirms it. A run that stops halfway keeps every
//! confirmed row, so the next run neither repeats nor misses work.

mod apply;
mod progress;
mod report;
mod request;
mod run;

pub use progress::{NoProgress, Progress};
pub use report::{Counts, FieldShortening, RunReport, RunStatus, SkippedByReason};
pub use request::{Destination, EngineSettings, ExportRequest, RemovalMode};
pub use run::{run_export, EngineError};
