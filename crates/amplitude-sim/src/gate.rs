//! Checks every call passes before its handler runs: injected faults, Basic auth and rate limits.

use std::sync::Arc;
use std::time::Instant;

use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::endpoint::{Endpoint, RecordedRequest};
use crate::state::{seconds, InFlightGuard, SimState};

/// Handler state: the simulator state and the absolute base URL used in redirects.
#[derive(Clone)]
pub(crate) struct AppState {
    pub sim: Arc<SimState>,
    pub base_url: Arc<str>,
}

/// A call that passed the gate. The guard frees its parallel-request slot when dropped.
pub(crate) struct Admitted {
    pub api_key: String,
    _in_flight: Option<InFlightGuard>,
}

/// Builds the JSON error body `{"error": {"code": N, "message": "..."}}`.
pub(crate) fn json_error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "error": { "code": status.as_u16(), "message": message.into() }
    });
    (status, Json(body)).into_response()
}

/// Reads `user:password` from an `Authorization: Basic` header.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Returns an injected failure for `endpoint` as a response, if one is armed.
pub(crate) fn injected_fault(app: &AppState, endpoint: Endpoint) -> Option<Response> {
    let status = app.sim.take_fault(endpoint)?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Some(json_error(status, format!("injected fault on {endpoint}")))
}

/// Runs the checks of an authenticated call in order: fault, auth, rate window, parallel
/// limit, then any hold switch.
pub(crate) async fn admit(
    app: &AppState,
    endpoint: Endpoint,
    headers: &HeaderMap,
) -> Result<Admitted, Response> {
    if let Some(response) = injected_fault(app, endpoint) {
        return Err(response);
    }

    let Some((api_key, secret_key)) = basic_credentials(headers) else {
        return Err(json_error(
            StatusCode::UNAUTHORIZED,
            "missing or malformed Basic auth; send the project's API key as user and secret key as password",
        ));
    };
    let mut in_flight = None;
    {
        let mut inner = app.sim.lock();
        let limits = inner.limits.clone();
        let authorized = inner
            .projects
            .get(&api_key)
            .is_some_and(|project| project.secret_key == secret_key);
        if !authorized {
            return Err(json_error(
                StatusCode::UNAUTHORIZED,
                "invalid API key or secret key",
            ));
        }

        if endpoint.is_single_cohort_call() {
            let project = inner
                .projects
                .get_mut(&api_key)
                .expect("authorized project exists");
            let now = Instant::now();
            let window = seconds(limits.window_seconds);
            while project
                .window
                .front()
                .is_some_and(|&at| now.duration_since(at) >= window)
            {
                project.window.pop_front();
            }
            if project.window.len() >= limits.requests_per_window as usize {
                let oldest = *project.window.front().expect("a full window is not empty");
                let wait = window.saturating_sub(now.duration_since(oldest));
                let message = format!(
                    "rate limit exceeded: {} single-cohort requests per {} seconds per project",
                    limits.requests_per_window, limits.window_seconds
                );
                let mut response = json_error(StatusCode::TOO_MANY_REQUESTS, message);
                let retry_after = wait.as_secs() + 1;
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, retry_after.into());
                return Err(response);
            }
            if project.in_flight >= limits.parallel_requests {
                let message = format!(
                    "too many parallel requests: at most {} single-cohort requests at once per project",
                    limits.parallel_requests
                );
                return Err(json_error(StatusCode::TOO_MANY_REQUESTS, message));
            }
            project.window.push_back(now);
            project.in_flight += 1;
            in_flight = Some(InFlightGuard {
                state: app.sim.clone(),
                api_key: api_key.clone(),
            });
        }
    }

    app.sim.wait_if_held(endpoint).await;
    Ok(Admitted {
        api_key,
        _in_flight: in_flight,
    })
}

/// Records a finished call in the request log and passes its response through.
pub(crate) fn finish(
    app: &AppState,
    endpoint: Endpoint,
    uri: &Uri,
    headers: &HeaderMap,
    outcome: Result<Response, Response>,
) -> Response {
    let response = outcome.unwrap_or_else(|error_response| error_response);
    let status = response.status().as_u16();
    tracing::debug!(%endpoint, %uri, status, "handled call");
    app.sim.record(RecordedRequest {
        endpoint,
        uri: uri.to_string(),
        api_key: basic_credentials(headers).map(|(api_key, _)| api_key),
        status,
    });
    response
}
