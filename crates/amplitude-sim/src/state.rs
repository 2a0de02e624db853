//! The simulator's mutable state: projects, download jobs, download links, counters and switches.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::endpoint::{Endpoint, Faults, RecordedRequest};
use crate::seed::{Limits, Region, Seed, SeedCohort, SeedMember};

/// State shared by every handler of one simulator.
pub(crate) struct SimState {
    inner: Mutex<Inner>,
    /// Endpoints whose calls wait before responding, and how many calls wait now.
    hold: watch::Sender<HoldState>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct HoldState {
    pub held: HashSet<Endpoint>,
    pub waiting: usize,
}

pub(crate) struct Inner {
    pub projects: HashMap<String, ProjectState>,
    pub limits: Limits,
    pub jobs: HashMap<String, Job>,
    pub links: HashMap<String, DownloadLink>,
    pub faults: Faults,
    pub fail_next: HashMap<Endpoint, (u32, u16)>,
    pub log: Vec<RecordedRequest>,
}

pub(crate) struct ProjectState {
    pub secret_key: String,
    pub region: Region,
    pub inline_file: bool,
    pub cohorts: Vec<CohortState>,
    pub downloads_used: u32,
    /// Arrival times of single-cohort calls inside the current rate window.
    pub window: VecDeque<Instant>,
    /// Single-cohort calls in flight right now.
    pub in_flight: u32,
}

pub(crate) struct CohortState {
    pub seed: SeedCohort,
    pub last_computed_ms: i64,
    pub last_mod_secs: i64,
}

/// One cohort download request and the CSV it produced from the members at request time.
pub(crate) struct Job {
    pub api_key: String,
    pub cohort_id: String,
    pub csv: Arc<String>,
    /// `None` when the cohort is marked `neverCompletes`.
    pub ready_at: Option<Instant>,
}

impl Job {
    pub fn is_complete(&self, now: Instant) -> bool {
        self.ready_at.is_some_and(|ready_at| now >= ready_at)
    }
}

/// A pre-signed download URL's token and what it serves.
pub(crate) struct DownloadLink {
    pub csv: Arc<String>,
    pub expires_at: Instant,
    pub revoked: bool,
}

/// Error from a control call that names something the seed does not have.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("no project has apiKey {0:?}; use one from the seed")]
    UnknownProject(String),
    #[error("project {api_key:?} has no cohort {cohort_id:?}; use a cohort id from the seed")]
    UnknownCohort { api_key: String, cohort_id: String },
}

pub(crate) fn now_epoch_ms() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_millis() as i64
}

pub(crate) fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.0))
}

impl SimState {
    pub fn new(seed: Seed) -> Self {
        let now_ms = now_epoch_ms();
        let projects = seed
            .projects
            .into_iter()
            .map(|project| {
                let cohorts = project
                    .cohorts
                    .into_iter()
                    .map(|cohort| CohortState {
                        seed: cohort,
                        last_computed_ms: now_ms,
                        last_mod_secs: now_ms / 1000,
                    })
                    .collect();
                let state = ProjectState {
                    secret_key: project.secret_key,
                    region: project.region,
                    inline_file: project.inline_file,
                    cohorts,
                    downloads_used: 0,
                    window: VecDeque::new(),
                    in_flight: 0,
                };
                (project.api_key, state)
            })
            .collect();
        let inner = Inner {
            projects,
            limits: seed.limits,
            jobs: HashMap::new(),
            links: HashMap::new(),
            faults: Faults::none(),
            fail_next: HashMap::new(),
            log: Vec::new(),
        };
        Self {
            inner: Mutex::new(inner),
            hold: watch::Sender::new(HoldState::default()),
        }
    }

    /// Locks the state. A panic in another handler does not poison it for the rest of a test.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces a cohort's members and stamps it as recomputed now.
    pub fn set_members(
        &self,
        api_key: &str,
        cohort_id: &str,
        members: Vec<SeedMember>,
    ) -> Result<(), ControlError> {
        let mut inner = self.lock();
        let project = inner
            .projects
            .get_mut(api_key)
            .ok_or_else(|| ControlError::UnknownProject(api_key.to_string()))?;
        let cohort = project
            .cohorts
            .iter_mut()
            .find(|cohort| cohort.seed.id == cohort_id)
            .ok_or_else(|| ControlError::UnknownCohort {
                api_key: api_key.to_string(),
                cohort_id: cohort_id.to_string(),
            })?;
        cohort.seed.members = members;
        // Keep timestamps strictly increasing so two changes within a millisecond stay visible.
        let now_ms = now_epoch_ms().max(cohort.last_computed_ms + 1);
        cohort.last_computed_ms = now_ms;
        cohort.last_mod_secs = now_ms / 1000;
        Ok(())
    }

    /// Makes every download link issued so far return 403 expired.
    pub fn expire_download_links(&self) {
        let mut inner = self.lock();
        for link in inner.links.values_mut() {
            link.revoked = true;
        }
    }

    /// Takes the next injected failure for `endpoint`, if any: `fail_next` first, then standing faults.
    pub fn take_fault(&self, endpoint: Endpoint) -> Option<u16> {
        let mut inner = self.lock();
        if let Some((remaining, status)) = inner.fail_next.get_mut(&endpoint) {
            if *remaining > 0 {
                *remaining -= 1;
                return Some(*status);
            }
        }
        inner.faults.fail_always.get(&endpoint).copied()
    }

    pub fn record(&self, request: RecordedRequest) {
        self.lock().log.push(request);
    }

    /// Returns the region a project was seeded with.
    pub fn region(&self, api_key: &str) -> Option<Region> {
        self.lock()
            .projects
            .get(api_key)
            .map(|project| project.region)
    }

    pub fn set_held(&self, endpoint: Endpoint, held: bool) {
        self.hold.send_modify(|state| {
            if held {
                state.held.insert(endpoint);
            } else {
                state.held.remove(&endpoint);
            }
        });
    }

    pub fn release_all_held(&self) {
        self.hold.send_modify(|state| state.held.clear());
    }

    /// Waits while `endpoint` is held, counting this call among the waiting ones meanwhile.
    pub async fn wait_if_held(&self, endpoint: Endpoint) {
        let mut receiver = self.hold.subscribe();
        if !receiver.borrow().held.contains(&endpoint) {
            return;
        }
        self.hold.send_modify(|state| state.waiting += 1);
        // The sender lives as long as `self`, so `wait_for` only ends when the hold is lifted.
        let _ = receiver
            .wait_for(|state| !state.held.contains(&endpoint))
            .await;
        self.hold.send_modify(|state| state.waiting -= 1);
    }

    /// Waits until at least `count` calls wait on a held endpoint.
    pub async fn wait_for_waiting(&self, count: usize) {
        let mut receiver = self.hold.subscribe();
        let _ = receiver.wait_for(|state| state.waiting >= count).await;
    }
}

/// Releases one in-flight single-cohort slot when the call finishes, even on early return.
pub(crate) struct InFlightGuard {
    pub state: Arc<SimState>,
    pub api_key: String,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let mut inner = self.state.lock();
        if let Some(project) = inner.projects.get_mut(&self.api_key) {
            project.in_flight = project.in_flight.saturating_sub(1);
        }
    }
}
