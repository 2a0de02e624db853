//! Errors from the store.

use std::io;
use std::path::PathBuf;

/// Errors from opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "invalid database URL: {reason}; use sqlite:///absolute/path.db, sqlite://relative.db \
         or sqlite::memory:"
    )]
    InvalidUrl { reason: String },
    #[error(
        "unsupported database {scheme:?}: only SQLite is supported so far; \
         use a URL such as sqlite:///var/lib/cohortsync/state.db"
    )]
    UnsupportedDatabase { scheme: String },
    #[error("failed to create the database directory {}: {source}", path.display())]
    CreateDirectory { path: PathBuf, source: io::Error },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("failed to apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "Amplitude download quota reached: {used} of {budget} downloads used this month; \
         wait for next month or raise the budget"
    )]
    QuotaExceeded { used: u32, budget: u32 },
    #[error("invalid month {month:?}: expected YYYY-MM, e.g. \"2026-12\"")]
    InvalidMonth { month: String },
    #[error("run {run_id} not found")]
    RunNotFound { run_id: i64 },
    #[error("run {run_id} is already {status}, so it cannot be finished again")]
    RunNotRunning { run_id: i64, status: String },
    #[error(
        "no snapshot row for {email:?} in destination {destination:?}, cohort {cohort_id:?}; \
         confirm the row before setting its contact ID"
    )]
    SnapshotRowNotFound {
        destination: String,
        cohort_id: String,
        email: String,
    },
    #[error(
        "invalid value {value:?} in column {column}; the database was changed outside cohortsync"
    )]
    InvalidStoredValue { column: &'static str, value: String },
}
