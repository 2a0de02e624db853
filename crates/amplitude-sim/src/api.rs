//! Handlers for the simulated Amplitude Behavioral Cohorts API and the pre-signed download URL.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::csv::{render, PropSelection};
use crate::endpoint::Endpoint;
use crate::gate::{admit, finish, injected_fault, json_error, AppState};
use crate::state::{seconds, DownloadLink, Job};

/// `GET /api/3/cohorts`: every cohort of the caller's project, archived ones included.
pub(crate) async fn list_cohorts(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let endpoint = Endpoint::ListCohorts;
    let outcome = async {
        let call = admit(&app, endpoint, &headers).await?;
        let inner = app.sim.lock();
        let project = &inner.projects[&call.api_key];

        // lastComputed is in epoch milliseconds and lastMod in epoch seconds, because
        // Amplitude's responses mix both units.
        let cohorts: Vec<serde_json::Value> = project
            .cohorts
            .iter()
            .map(|cohort| {
                json!({
                    "id": cohort.seed.id,
                    "name": cohort.seed.name,
                    "description": cohort.seed.description,
                    "size": cohort.seed.members.len(),
                    "lastComputed": cohort.last_computed_ms,
                    "lastMod": cohort.last_mod_secs,
                    "archived": cohort.seed.archived,
                    "published": cohort.seed.published,
                    "type": "redshift",
                    "owners": ["owner@example.com"],
                })
            })
            .collect();
        Ok(Json(json!({ "cohorts": cohorts })).into_response())
    }
    .await;
    finish(&app, endpoint, &uri, &headers, outcome)
}

/// `GET /api/5/cohorts/request/{cohort_id}`: starts a download job and counts it against the quota.
pub(crate) async fn request_cohort(
    State(app): State<AppState>,
    Path(cohort_id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let endpoint = Endpoint::RequestCohort;
    let outcome = async {
        let call = admit(&app, endpoint, &headers).await?;
        let selection = prop_selection(query.as_deref());

        let mut inner = app.sim.lock();
        let limits = inner.limits.clone();
        let now = Instant::now();
        let running_jobs = inner
            .jobs
            .values()
            .filter(|job| job.api_key == call.api_key && !job.is_complete(now))
            .count();
        let project = inner.projects.get_mut(&call.api_key).expect("admitted project exists");
        let Some(cohort) = project.cohorts.iter().find(|cohort| cohort.seed.id == cohort_id) else {
            return Err(json_error(StatusCode::NOT_FOUND, format!("cohort {cohort_id} not found")));
        };
        if project.downloads_used >= limits.monthly_downloads {
            let message = format!(
                "monthly cohort download quota of {} downloads per project is used up",
                limits.monthly_downloads
            );
            return Err(json_error(StatusCode::TOO_MANY_REQUESTS, message));
        }
        if running_jobs >= limits.concurrent_jobs as usize {
            let message = format!(
                "too many concurrent requests: at most {} cohort download jobs may run at once per project",
                limits.concurrent_jobs
            );
            return Err(json_error(StatusCode::TOO_MANY_REQUESTS, message));
        }

        let csv = Arc::new(render(&cohort.seed.members, &selection));
        let ready_at = (!cohort.seed.never_completes).then(|| now + seconds(limits.job_seconds));
        project.downloads_used += 1;
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        let job = Job {
            api_key: call.api_key.clone(),
            cohort_id: cohort_id.clone(),
            csv,
            ready_at,
        };
        inner.jobs.insert(request_id.clone(), job);
        let body = json!({ "request_id": request_id, "cohort_id": cohort_id });
        Ok((StatusCode::ACCEPTED, Json(body)).into_response())
    }
    .await;
    finish(&app, endpoint, &uri, &headers, outcome)
}

/// Reads `props` and the repeated `propKeys` parameters.
fn prop_selection(query: Option<&str>) -> PropSelection {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let props_on = pairs
        .iter()
        .any(|(key, value)| key == "props" && value == "1");
    if !props_on {
        return PropSelection::None;
    }
    let keys: Vec<String> = pairs
        .into_iter()
        .filter(|(key, _)| key == "propKeys")
        .map(|(_, value)| value)
        .collect();
    if keys.is_empty() {
        PropSelection::All
    } else {
        PropSelection::Keys(keys)
    }
}

/// `GET /api/5/cohorts/request-status/{request_id}`: 202 while running, 200 once complete.
pub(crate) async fn request_status(
    State(app): State<AppState>,
    Path(request_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let endpoint = Endpoint::RequestStatus;
    let outcome = async {
        let call = admit(&app, endpoint, &headers).await?;
        let inner = app.sim.lock();
        let job = find_job(&inner.jobs, &request_id, &call.api_key)?;
        let (status, async_status) = if job.is_complete(Instant::now()) {
            (StatusCode::OK, "JOB COMPLETED")
        } else {
            (StatusCode::ACCEPTED, "JOB INPROGRESS")
        };
        let body = json!({
            "request_id": request_id,
            "cohort_id": job.cohort_id,
            "async_status": async_status,
        });
        Ok((status, Json(body)).into_response())
    }
    .await;
    finish(&app, endpoint, &uri, &headers, outcome)
}

/// `GET /api/5/cohorts/request/{request_id}/file`: a 302 to a fresh pre-signed URL, or the CSV
/// itself with `?inline=1` or a project seeded with `inlineFile`.
pub(crate) async fn file(
    State(app): State<AppState>,
    Path(request_id): Path<String>,
    RawQuery(query): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let endpoint = Endpoint::File;
    let outcome = async {
        let call = admit(&app, endpoint, &headers).await?;
        let inline_requested =
            url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
                .any(|(key, value)| key == "inline" && value == "1");

        let mut inner = app.sim.lock();
        let now = Instant::now();
        let job = find_job(&inner.jobs, &request_id, &call.api_key)?;
        // NOTE: Amplitude does not document the response for a job still running, so 400 is assumed.
        if !job.is_complete(now) {
            let message = format!(
                "request {request_id} is not complete; poll request-status until JOB COMPLETED"
            );
            return Err(json_error(StatusCode::BAD_REQUEST, message));
        }
        let csv = job.csv.clone();
        let cohort_id = job.cohort_id.clone();
        let inline = inline_requested || inner.projects[&call.api_key].inline_file;
        if inline {
            return Ok(csv_response(&csv, &cohort_id));
        }

        let url_seconds = inner.limits.download_url_seconds;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let link = DownloadLink {
            csv,
            expires_at: now + seconds(url_seconds),
            revoked: false,
        };
        inner.links.insert(token.clone(), link);
        let location = format!(
            "{}/_sim/download/{token}?X-Amz-Expires={url_seconds}",
            app.base_url
        );
        Ok((StatusCode::FOUND, [(LOCATION, location)]).into_response())
    }
    .await;
    finish(&app, endpoint, &uri, &headers, outcome)
}

// The error is the ready response, as in every handler here; its size does not matter in a simulator.
#[allow(clippy::result_large_err)]
fn find_job<'a>(
    jobs: &'a std::collections::HashMap<String, Job>,
    request_id: &str,
    api_key: &str,
) -> Result<&'a Job, Response> {
    jobs.get(request_id)
        .filter(|job| job.api_key == api_key)
        .ok_or_else(|| {
            json_error(
                StatusCode::NOT_FOUND,
                format!("request {request_id} not found"),
            )
        })
}

fn csv_response(csv: &str, cohort_id: &str) -> Response {
    let disposition = format!("attachment; filename=\"cohort_{cohort_id}.csv\"");
    let headers = [
        (CONTENT_TYPE, "text/csv".to_string()),
        (CONTENT_DISPOSITION, disposition),
    ];
    (StatusCode::OK, headers, csv.to_string()).into_response()
}

/// `GET /_sim/download/{token}`: the pre-signed URL. It needs no auth and returns 403 with an
/// S3-style XML body once expired.
pub(crate) async fn download(
    State(app): State<AppState>,
    Path(token): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let endpoint = Endpoint::Download;
    let outcome = match injected_fault(&app, endpoint) {
        Some(response) => Err(response),
        None => {
            app.sim.wait_if_held(endpoint).await;
            let inner = app.sim.lock();
            match inner.links.get(&token) {
                None => Err(s3_error("AccessDenied", "Access Denied")),
                Some(link) if link.revoked || Instant::now() >= link.expires_at => {
                    Err(s3_error("AccessDenied", "Request has expired"))
                }
                Some(link) => Ok(csv_response(&link.csv, "download")),
            }
        }
    };
    finish(&app, endpoint, &uri, &headers, outcome)
}

fn s3_error(code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    );
    (
        StatusCode::FORBIDDEN,
        [(CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}
