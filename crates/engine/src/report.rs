//! The result of a run as the CLI prints it and the JSON report carries it.

use serde::Serialize;

/// The outcome of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every row was applied or skipped for a stated reason.
    Succeeded,
    /// Some rows failed; the rest were applied.
    PartiallyFailed,
    /// The run stopped before finishing, or no row could be applied.
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::PartiallyFailed => "partially_failed",
            RunStatus::Failed => "failed",
        }
    }
}

/// Row counts of a run. `entered` and `left` count rows applied (planned, in a dry run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Members the source reported, skipped ones included.
    pub members: u64,
    pub entered: u64,
    pub left: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// Skipped members by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SkippedByReason {
    pub missing_email: u64,
    pub invalid_email: u64,
    pub duplicate_email: u64,
}

/// The field name had to be cut to fit Qualtrics' 200-character limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldShortening {
    /// Characters of the full name before the cut.
    pub original_chars: usize,
    /// Characters of the name written.
    pub written_chars: usize,
}

/// The record of one run: what it wrote, skipped and failed.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: i64,
    pub status: RunStatus,
    pub dry_run: bool,
    pub destination: String,
    pub cohort_id: String,
    pub cohort_name: String,
    /// The embedded data field written.
    pub field: String,
    /// Set when the field name was shortened.
    pub field_shortened: Option<FieldShortening>,
    /// The old field set to `inactive` because the cohort was renamed.
    pub renamed_from: Vec<String>,
    pub removal: String,
    pub counts: Counts,
    pub skipped_by_reason: SkippedByReason,
    /// HTTP requests sent to Qualtrics, retries included.
    pub requests: u64,
    /// The reason the run failed as a whole, when it did.
    pub error: Option<String>,
    /// Qualtrics rejected the destination's credentials (401) or their permissions (403).
    pub credentials_rejected: bool,
    pub warnings: Vec<String>,
}
