//! The request a caller gives the engine: the destination, the cohort, its members and options.

use cohortsync_domain::{CohortId, CohortName, EmailProperty, FieldPrefix, Member};
use cohortsync_qualtrics::{DirectoryId, MailingListId, PollPolicy};
use serde::{Deserialize, Serialize};

/// The Qualtrics mailing list a run writes to.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The destination's configured name; the store keys snapshots by it.
    pub name: String,
    pub directory_id: DirectoryId,
    pub mailing_list_id: MailingListId,
    /// The member property that contains the email address.
    pub email_property: EmailProperty,
}

/// The treatment in Qualtrics of members who left the cohort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovalMode {
    /// Set the cohort field to `inactive`; the contact stays on the list.
    #[default]
    Inactive,
    /// Set the field to `inactive` and take the contact off the list, but only when cohortsync
    /// put it there.
    RemoveFromList,
    /// Send nothing for leaving members.
    None,
}

impl RemovalMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalMode::Inactive => "inactive",
            RemovalMode::RemoveFromList => "remove-from-list",
            RemovalMode::None => "none",
        }
    }
}

/// One export run.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub destination: Destination,
    pub cohort_id: CohortId,
    pub cohort_name: CohortName,
    pub field_prefix: FieldPrefix,
    pub removal: RemovalMode,
    /// Compute and record the plan, but write nothing to Qualtrics or the snapshot.
    pub dry_run: bool,
    /// The origin of the members, for the run history, e.g. `file:cohort.csv`.
    pub source: String,
    /// Every member of the cohort as the source reported it, already read in full so that a
    /// broken input fails the run before anything is sent.
    pub members: Vec<Member>,
}

/// Tuning of how a run writes to Qualtrics.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// A write phase (entering or leaving rows) with at least this many rows goes through bulk
    /// imports; smaller ones use single-contact calls.
    ///
    /// A single-contact write costs one request per row (two for an update, which reads the
    /// contact first). Contact creates are limited to about 500 a minute per brand, so 50
    /// creates fit well inside one minute's allowance and return a per-row result at once.
    /// An import costs about three requests plus polling whatever its size, and Qualtrics
    /// processes it in the background, so past a few dozen rows it finishes sooner and spends
    /// far less of the rate limit.
    pub bulk_threshold: usize,
    /// Maximum contacts in one import request (Qualtrics accepts at most 10,000).
    pub import_batch_size: usize,
    /// Maximum bytes of one import request body (Qualtrics accepts at most 5 MB).
    pub import_max_bytes: usize,
    /// Single-contact calls in flight at once. The account's rate limiter still paces them.
    pub concurrency: usize,
    /// Rows confirmed in the store per transaction on the single-contact path. At 1 every row
    /// is recorded as soon as Qualtrics confirms it, so a killed run repeats only the calls that
    /// were in flight. Larger values trade that for fewer store writes.
    pub confirm_every: usize,
    /// The polling schedule for an import's progress.
    pub import_poll: PollPolicy,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            bulk_threshold: 50,
            import_batch_size: 10_000,
            import_max_bytes: 5_000_000,
            concurrency: 4,
            confirm_every: 1,
            import_poll: PollPolicy::default(),
        }
    }
}
