//! Shared simulator state behind one mutex: brand, credentials, directories, switches, the
//! request log and import jobs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use crate::faults::FaultState;
use crate::ids;
use crate::imports::ImportJobs;
use crate::model::Directory;
use crate::oauth::OAuthState;
use crate::seed::{Limits, Seed};

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// Endpoint name such as `create_contact`, or `unknown` for unmatched paths.
    pub endpoint: String,
    /// HTTP status sent, or 0 when the connection was dropped without a response.
    pub status: u16,
}

pub struct State {
    pub brand_id: String,
    pub datacenter_id: String,
    pub user_id: String,
    pub user_name: String,
    pub api_tokens: HashSet<String>,
    pub oauth: OAuthState,
    pub directories: Vec<Directory>,
    pub limits: Limits,
    pub faults: FaultState,
    pub put_merges_embedded_data: bool,
    pub log: Vec<RecordedRequest>,
    pub imports: ImportJobs,
    /// Source of sequence numbers for contacts and memberships, so paging order is stable.
    pub next_seq: u64,
}

/// State shared by the handlers, the front service and the import worker.
pub struct Shared {
    state: Mutex<State>,
    /// Wakes the import worker when a job is queued or the import speed changes.
    pub import_wakeup: Notify,
}

pub type SharedState = Arc<Shared>;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

impl Shared {
    pub fn from_seed(seed: Seed) -> SharedState {
        let now = now_ms();
        let user_id = seed
            .user_id
            .clone()
            .unwrap_or_else(|| ids::generate(ids::USER_PREFIX));
        let mut next_seq = 1;
        let directories = seed
            .directories
            .iter()
            .map(|directory| Directory::from_seed(directory, &user_id, now, &mut next_seq))
            .collect();
        let state = State {
            user_name: seed
                .user_name
                .clone()
                .unwrap_or_else(|| format!("api-user@{}", seed.brand_id)),
            brand_id: seed.brand_id,
            datacenter_id: seed.datacenter_id,
            user_id,
            api_tokens: seed.api_tokens.into_iter().collect(),
            oauth: OAuthState::new(seed.oauth_clients),
            directories,
            limits: seed.limits,
            faults: FaultState::new(seed.faults),
            put_merges_embedded_data: false,
            log: Vec::new(),
            imports: ImportJobs::default(),
            next_seq,
        };
        Arc::new(Shared {
            state: Mutex::new(state),
            import_wakeup: Notify::new(),
        })
    }

    /// Locks the state; a poisoned lock is taken over because every writer leaves the
    /// state consistent between statements that can panic.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    pub fn directory(&self, directory_id: &str) -> Option<&Directory> {
        self.directories
            .iter()
            .find(|directory| directory.id == directory_id)
    }

    pub fn directory_mut(&mut self, directory_id: &str) -> Option<&mut Directory> {
        self.directories
            .iter_mut()
            .find(|directory| directory.id == directory_id)
    }
}
