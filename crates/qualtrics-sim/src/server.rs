//! The running simulator: a hand-written accept loop so a fault can close a TCP connection
//! without an HTTP response, a front service that applies faults and records requests, and the
//! public `Simulator` handle.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service;

use crate::envelope::ApiError;
use crate::faults::Verdict;
use crate::imports;
use crate::model::ContactView;
use crate::routes;
use crate::seed::{Faults, Limits, Seed};
use crate::state::{RecordedRequest, Shared, SharedState};

/// Error a request service returns to make hyper close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct DroppedConnection;

/// A running Qualtrics XM Directory simulator on loopback.
///
/// Dropping the handle or calling [`Simulator::shutdown`] stops the server, its open
/// connections and the import worker.
pub struct Simulator {
    addr: SocketAddr,
    shared: SharedState,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    import_worker: JoinHandle<()>,
}

impl Simulator {
    /// Starts a simulator on `127.0.0.1` with a free port.
    pub async fn start(seed: Seed) -> std::io::Result<Simulator> {
        Simulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), seed).await
    }

    /// Starts a simulator on `addr`; port 0 picks a free port.
    pub async fn start_on(addr: SocketAddr, seed: Seed) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Shared::from_seed(seed);
        let router = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel();

        let server = tokio::spawn(accept_loop(listener, shared.clone(), router, stopped));
        let import_worker = tokio::spawn(imports::run_worker(shared.clone()));
        tracing::info!(%addr, "qualtrics simulator started");
        Ok(Simulator {
            addr,
            shared,
            stop: Some(stop),
            server: Some(server),
            import_worker,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns `http://IP:PORT` without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns every request seen since start or the last `clear_requests`, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().log.clone()
    }

    /// Counts requests to `endpoint`, or all requests for `None`.
    pub fn request_count(&self, endpoint: Option<&str>) -> usize {
        let state = self.shared.lock();
        match endpoint {
            Some(name) => state
                .log
                .iter()
                .filter(|request| request.endpoint == name)
                .count(),
            None => state.log.len(),
        }
    }

    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Sets random faults for one endpoint, or for every endpoint with `None` (which also
    /// clears per-endpoint settings).
    ///
    /// Every switch panics on an endpoint name outside [`crate::ENDPOINT_NAMES`], so a typo
    /// fails the test instead of silently injecting nothing.
    pub fn set_faults(&self, endpoint: Option<&str>, faults: Faults) {
        if let Some(name) = endpoint {
            check_endpoint(name);
        }
        self.shared.lock().faults.set_faults(endpoint, faults);
    }

    /// Makes the next `count` requests to `endpoint` fail with `status` and the error envelope.
    /// Panics when `status` is not an HTTP error status (400 to 599).
    pub fn fail_next(&self, endpoint: &str, count: usize, status: u16) {
        check_endpoint(endpoint);
        assert!(
            (400..=599).contains(&status),
            "fail_next status {status} is not an HTTP error status; use 400 to 599, e.g. 503"
        );
        self.shared.lock().faults.fail_next(endpoint, count, status);
    }

    /// Closes the connection of the next `count` requests to `endpoint` without a response.
    pub fn drop_next(&self, endpoint: &str, count: usize) {
        check_endpoint(endpoint);
        self.shared.lock().faults.drop_next(endpoint, count);
    }

    /// Delays the response to the next `count` requests to `endpoint` by `delay`.
    pub fn delay_next(&self, endpoint: &str, count: usize, delay: Duration) {
        check_endpoint(endpoint);
        self.shared.lock().faults.delay_next(endpoint, count, delay);
    }

    /// Rejects the next `count` requests to `endpoint` with 429, with `Retry-After` when set.
    pub fn rate_limit_next(&self, endpoint: &str, count: usize, retry_after_secs: Option<u64>) {
        check_endpoint(endpoint);
        self.shared
            .lock()
            .faults
            .rate_limit_next(endpoint, count, retry_after_secs);
    }

    /// Replaces the limits; a new import speed applies from the next worker step.
    pub fn set_limits(&self, limits: Limits) {
        self.shared.lock().limits = limits;
        self.shared.import_wakeup.notify_one();
    }

    /// Turns email de-duplication of a directory on or off; panics on an unknown directory.
    pub fn set_deduplication(&self, directory_id: &str, email: bool) {
        let mut state = self.shared.lock();
        let Some(directory) = state.directory_mut(directory_id) else {
            panic!("set_deduplication: directory {directory_id} is not in the seed");
        };
        directory.dedup.email = email;
    }

    /// Chooses whether `PUT` merges embedded data keys (`true`) or replaces the map (default).
    pub fn set_put_merges_embedded_data(&self, merge: bool) {
        self.shared.lock().put_merges_embedded_data = merge;
    }

    /// Makes every OAuth access token issued so far expired; refresh tokens keep working.
    pub fn expire_access_tokens(&self) {
        self.shared
            .lock()
            .oauth
            .expire_access_tokens(Instant::now());
    }

    /// Returns the contacts of a directory in creation order (empty for unknown directories).
    pub fn contacts(&self, directory_id: &str) -> Vec<ContactView> {
        let state = self.shared.lock();
        match state.directory(directory_id) {
            Some(directory) => directory
                .contacts_by_seq
                .values()
                .map(|contact| directory.view(contact))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Returns the contact IDs on a list in the order they were added.
    pub fn mailing_list_member_ids(
        &self,
        directory_id: &str,
        mailing_list_id: &str,
    ) -> Vec<String> {
        let state = self.shared.lock();
        state
            .directory(directory_id)
            .and_then(|directory| directory.list(mailing_list_id))
            .map(|list| list.members_by_seq.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Stops accepting, closes open connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.import_worker.abort();
        tracing::info!(addr = %self.addr, "qualtrics simulator stopped");
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
        self.import_worker.abort();
    }
}

/// Panics on an endpoint name the simulator does not use.
fn check_endpoint(name: &str) {
    assert!(
        routes::ENDPOINT_NAMES.contains(&name),
        "unknown endpoint name {name:?}; use one of {:?}",
        routes::ENDPOINT_NAMES
    );
}

async fn accept_loop(
    listener: TcpListener,
    shared: SharedState,
    router: Router,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(serve_connection(stream, shared.clone(), router.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Dropping the set aborts the open connections.
    connections.abort_all();
}

async fn serve_connection(stream: TcpStream, shared: SharedState, router: Router) {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let shared = shared.clone();
        let router = router.clone();
        async move { handle(shared, router, request).await }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%error, "connection closed with an error");
    }
}

/// Applies faults, passes the request to the router and records the outcome.
async fn handle(
    shared: SharedState,
    mut router: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let endpoint = routes::endpoint_name(&method, &path);

    let decision = {
        let mut state = shared.lock();
        let limits = state.limits.clone();
        state.faults.decide(endpoint, &limits, Instant::now())
    };
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }

    let response = match decision.verdict {
        Verdict::Drop => {
            tracing::debug!(endpoint, %method, path, "dropping connection");
            record(&shared, &method, path, query, endpoint, 0);
            return Err(DroppedConnection);
        }
        Verdict::Fail(status) => ApiError::server_error(status).into_response(),
        Verdict::RateLimited(retry_after) => ApiError::rate_limited(retry_after).into_response(),
        Verdict::Pass => {
            let result: Result<_, Infallible> = router.call(request.map(Body::new)).await;
            match result {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    };

    let status = response.status().as_u16();
    tracing::debug!(endpoint, %method, path, status, "response sent");
    record(&shared, &method, path, query, endpoint, status);
    Ok(response)
}

fn record(
    shared: &Shared,
    method: &axum::http::Method,
    path: String,
    query: Option<String>,
    endpoint: &str,
    status: u16,
) {
    shared.lock().log.push(RecordedRequest {
        method: method.to_string(),
        path,
        query,
        endpoint: endpoint.to_string(),
        status,
    });
}
