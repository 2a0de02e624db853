//! Bulk imports (`transactioncontacts`): the job model shared by the request handlers and the
//! worker task that applies rows at `importContactsPerSecond`.

mod handlers;
mod worker;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde_json::Value;

use crate::model::ContactInput;

pub use handlers::{import_report, import_status, start_import};
pub use worker::run_worker;

/// Maximum contacts in one import request.
pub const MAX_IMPORT_CONTACTS: usize = 10_000;
/// Maximum import request body, in bytes (5 MB).
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// Default and maximum page size of the import report.
// NOTE: assumed; the report page size is not documented.
const REPORT_PAGE_SIZE: usize = 500;
/// How often the worker applies rows while jobs are active.
const WORKER_TICK: Duration = Duration::from_millis(10);
/// Rows applied per worker step at most, so a large import does not hold the state lock
/// long enough to stall other requests.
const MAX_ROWS_PER_STEP: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobStatus {
    InProgress,
    Completed,
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::InProgress => "in_progress",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }
}

struct ImportRow {
    source_index: usize,
    input: ContactInput,
}

struct ImportJob {
    directory_id: String,
    list_id: String,
    rows: Vec<ImportRow>,
    /// Rows applied so far; the next row to apply is `rows[processed]`.
    processed: usize,
    status: JobStatus,
    will_fail: bool,
    added: usize,
    updated: usize,
    failed: usize,
    report: Vec<Value>,
}

impl ImportJob {
    fn percent_complete(&self) -> u64 {
        match self.status {
            JobStatus::Completed | JobStatus::Failed => 100,
            JobStatus::InProgress if self.rows.is_empty() => 0,
            JobStatus::InProgress => (self.processed * 100 / self.rows.len()) as u64,
        }
    }
}

/// Import jobs of the brand: every job by ID, and the unfinished ones in arrival order.
#[derive(Default)]
pub struct ImportJobs {
    jobs: HashMap<String, ImportJob>,
    active: VecDeque<String>,
    /// Rows the worker may still apply from time already elapsed.
    budget: f64,
}
