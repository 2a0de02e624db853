//! Durable state of cohortsync in SQLite: snapshots, runs with row reports, and the download
//! ledger that counts Amplitude cohort downloads against the monthly quota.

mod downloads;
mod error;
mod open;
mod run_types;
mod runs;
mod snapshot;

pub use cohortsync_domain::{MemberState, SnapshotRow};
pub use error::StoreError;
pub use open::Store;
pub use run_types::{
    NewRun, RowOperation, RowOutcome, RowReport, Run, RunCounts, RunId, RunStatus,
};
pub use snapshot::SnapshotEntry;
