//! The running simulator: router, listener, and the switches tests flip on it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{get, post, put};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::endpoint::{Endpoint, Faults, RecordedRequest};
use crate::gate::AppState;
use crate::seed::{Region, Seed, SeedMember};
use crate::state::{ControlError, SimState};
use crate::{admin, api};

/// Builds the router serving the Amplitude endpoints and the `/_sim` control routes.
fn router(app: AppState) -> Router {
    Router::new()
        .route("/api/3/cohorts", get(api::list_cohorts))
        .route(
            "/api/5/cohorts/request/{cohort_id}",
            get(api::request_cohort),
        )
        .route(
            "/api/5/cohorts/request-status/{request_id}",
            get(api::request_status),
        )
        .route("/api/5/cohorts/request/{request_id}/file", get(api::file))
        .route("/_sim/download/{token}", get(api::download))
        .route(
            "/_sim/projects/{api_key}/cohorts/{cohort_id}/members",
            put(admin::put_members),
        )
        .route(
            "/_sim/download-links/expire",
            post(admin::expire_download_links),
        )
        .with_state(app)
}

/// An Amplitude cohort API simulator serving HTTP on loopback until shut down or dropped.
pub struct Simulator {
    state: Arc<SimState>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Simulator {
    /// Starts a simulator on `127.0.0.1` with a free port.
    pub async fn start(seed: Seed) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), seed).await
    }

    /// Starts a simulator on `addr`. Port 0 picks a free port.
    pub async fn start_on(addr: SocketAddr, seed: Seed) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SimState::new(seed));
        let app = AppState {
            sim: state.clone(),
            base_url: format!("http://{addr}").into(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router(app))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%addr, "amplitude-sim started");
        Ok(Self {
            state,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Returns the socket address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns `http://127.0.0.1:PORT`, to use as the base URL of either region.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns every handled call so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().log.clone()
    }

    /// Counts the handled calls to `endpoint`, whatever their status.
    pub fn request_count(&self, endpoint: Endpoint) -> usize {
        self.state
            .lock()
            .log
            .iter()
            .filter(|request| request.endpoint == endpoint)
            .count()
    }

    /// Returns the region a project was seeded with.
    pub fn region(&self, api_key: &str) -> Option<Region> {
        self.state.region(api_key)
    }

    /// Returns how many cohort downloads a project has requested against its monthly quota.
    pub fn downloads_used(&self, api_key: &str) -> Option<u32> {
        self.state
            .lock()
            .projects
            .get(api_key)
            .map(|project| project.downloads_used)
    }

    /// Replaces a cohort's members; later download requests see them and the list shows the
    /// new size and a later `lastComputed`. Jobs requested earlier keep their CSV.
    pub fn set_members(
        &self,
        api_key: &str,
        cohort_id: &str,
        members: Vec<SeedMember>,
    ) -> Result<(), ControlError> {
        self.state.set_members(api_key, cohort_id, members)
    }

    /// Replaces the standing faults.
    pub fn set_faults(&self, faults: Faults) {
        self.state.lock().faults = faults;
    }

    /// Makes the next `count` calls to `endpoint` fail with `status`, before auth is checked.
    pub fn fail_next(&self, endpoint: Endpoint, count: u32, status: u16) {
        self.state
            .lock()
            .fail_next
            .insert(endpoint, (count, status));
    }

    /// Sets how long download jobs requested from now on take, in seconds (fractions allowed).
    pub fn set_job_seconds(&self, job_seconds: f64) {
        self.state.lock().limits.job_seconds = job_seconds.max(0.0);
    }

    /// Sets the monthly download quota per project.
    pub fn set_monthly_downloads(&self, monthly_downloads: u32) {
        self.state.lock().limits.monthly_downloads = monthly_downloads;
    }

    /// Makes every pre-signed download URL issued so far return 403 "Request has expired".
    pub fn expire_download_links(&self) {
        self.state.expire_download_links();
    }

    /// Makes calls to `endpoint` wait after passing faults, auth and rate limits, until released.
    /// Waiting calls keep their parallel-request slots, so tests can fill the limit on purpose.
    pub fn hold(&self, endpoint: Endpoint) {
        self.state.set_held(endpoint, true);
    }

    /// Lets every held call finish and stops holding new ones.
    pub fn release_held(&self) {
        self.state.release_all_held();
    }

    /// Waits until at least `count` calls are waiting on held endpoints.
    pub async fn wait_for_held(&self, count: usize) {
        self.state.wait_for_waiting(count).await;
    }

    /// Stops accepting connections, lets open calls finish and waits for the server task.
    pub async fn shutdown(mut self) {
        self.state.release_all_held();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => tracing::info!(addr = %self.addr, "amplitude-sim stopped"),
                Ok(Err(error)) => tracing::error!(%error, "amplitude-sim server failed"),
                Err(error) => tracing::error!(%error, "amplitude-sim server task panicked"),
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
