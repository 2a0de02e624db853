//! Types that describe runs and their row reports.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::StoreError;

/// The database ID of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Lifecycle state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    Running,
    Succeeded,
    /// Some rows failed and the others were applied.
    PartiallyFailed,
    Failed,
    /// The process stopped while the run was `running`; set when the next run starts.
    Interrupted,
}

impl RunStatus {
    /// Returns the stored form, e.g. `partially_failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::PartiallyFailed => "partially_failed",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, StoreError> {
        Ok(match value {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "partially_failed" => Self::PartiallyFailed,
            "failed" => Self::Failed,
            "interrupted" => Self::Interrupted,
            other => return Err(invalid("runs.status", other)),
        })
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The description of a run to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// Destination name, as configured.
    pub destination: String,
    pub cohort_id: String,
    pub cohort_name: String,
    /// The embedded data field name the run writes.
    pub field_name: String,
    /// The origin of the members, e.g. `amplitude` or a file path.
    pub source: String,
    pub dry_run: bool,
}

/// Member and row totals of a finished run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    pub members: u64,
    pub entered: u64,
    pub left: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: RunId,
    pub destination: String,
    pub cohort_id: String,
    pub cohort_name: String,
    pub field_name: String,
    pub source: String,
    pub dry_run: bool,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    /// Set by `finish_run`, or when the run is marked interrupted.
    pub finished_at: Option<DateTime<Utc>>,
    /// Set by `finish_run` only.
    pub counts: Option<RunCounts>,
    /// Qualtrics requests the run sent; set by `finish_run` only.
    pub requests: Option<u64>,
    pub message: Option<String>,
}

/// The operation planned or attempted for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowOperation {
    Create,
    Update,
    SetInactive,
    RemoveFromList,
    Skip,
    /// No change was needed (an unchanged member).
    None,
}

impl RowOperation {
    /// Returns the stored form, e.g. `set_inactive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::SetInactive => "set_inactive",
            Self::RemoveFromList => "remove_from_list",
            Self::Skip => "skip",
            Self::None => "none",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, StoreError> {
        Ok(match value {
            "create" => Self::Create,
            "update" => Self::Update,
            "set_inactive" => Self::SetInactive,
            "remove_from_list" => Self::RemoveFromList,
            "skip" => Self::Skip,
            "none" => Self::None,
            other => return Err(invalid("run_rows.operation", other)),
        })
    }
}

/// The result of one row's operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowOutcome {
    Applied,
    Skipped,
    Failed,
    /// Computed by a dry run and not sent.
    Planned,
}

impl RowOutcome {
    /// Returns the stored form, e.g. `applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
            Self::Planned => "planned",
        }
    }

    pub(crate) fn parse(value: &str) -> Result<Self, StoreError> {
        Ok(match value {
            "applied" => Self::Applied,
            "skipped" => Self::Skipped,
            "failed" => Self::Failed,
            "planned" => Self::Planned,
            other => return Err(invalid("run_rows.outcome", other)),
        })
    }
}

/// One line of a run's row report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The email as read (raw for a skipped member), or `None` when the member had none.
    pub email: Option<String>,
    pub user_id: Option<String>,
    pub operation: RowOperation,
    pub outcome: RowOutcome,
    /// A skip code such as `missing_email`, or Qualtrics' error message for a failed row.
    pub reason: Option<String>,
    pub contact_id: Option<String>,
}

pub(crate) fn invalid(column: &'static str, value: &str) -> StoreError {
    StoreError::InvalidStoredValue {
        column,
        value: value.to_owned(),
    }
}
