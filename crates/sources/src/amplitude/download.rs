//! Downloading one cohort: request a job, poll it, fetch the file and stream it to disk.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cohortsync_domain::CohortId;
use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use super::http::{
    body_excerpt, error_from_response, http_error, send_with_retry, DOWNLOAD_ENDPOINT,
};
use super::{AmplitudeClient, AmplitudeError};
use crate::file::{open_members, CohortFormat, FileReadError, MemberReader};

const JOB_COMPLETED: &str = "JOB COMPLETED";

/// How to download a cohort and how long to wait for Amplitude to prepare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOptions {
    /// User properties to include as CSV columns. Empty requests no properties (`props=0`),
    /// so the file has only `amplitude_id` and `user_id`.
    pub prop_keys: Vec<String>,
    /// First wait between status polls. Each later wait doubles, up to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// Maximum time to wait for the job to complete before returning a timeout error.
    pub max_wait: Duration,
    /// Folder for the downloaded file; the system's temporary folder when `None`.
    pub temp_dir: Option<PathBuf>,
}

impl Default for DownloadOptions {
    /// Polls after 1 s, then at most every 30 s, for up to an hour.
    ///
    /// NOTE: the hour is an estimate for cohorts near Amplitude's 2 million user limit,
    /// not a measured job time.
    fn default() -> Self {
        Self {
            prop_keys: Vec::new(),
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            max_wait: Duration::from_secs(3600),
            temp_dir: None,
        }
    }
}

/// A downloaded cohort CSV in a temporary file that is deleted when this value is dropped.
#[derive(Debug)]
pub struct DownloadedCohort {
    pub cohort_id: CohortId,
    pub request_id: String,
    /// Size of the file in bytes.
    pub bytes: u64,
    file: NamedTempFile,
}

impl DownloadedCohort {
    /// Returns the path of the CSV file.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Opens the file with the streaming CSV member reader.
    pub fn members(&self) -> Result<MemberReader<File>, FileReadError> {
        open_members(self.path(), Some(CohortFormat::Csv))
    }

    /// Gives up ownership of the file; it is deleted when the returned path is dropped.
    pub fn into_temp_path(self) -> tempfile::TempPath {
        self.file.into_temp_path()
    }
}

impl AmplitudeClient {
    /// Downloads a cohort's current members with the requested properties to a temporary file.
    ///
    /// Each call uses one of the project's monthly cohort downloads. The job's status is polled
    /// with doubling waits until `JOB COMPLETED` or until `options.max_wait` has passed. The
    /// file's 302 is followed without credentials, and when the pre-signed URL returns 403 the
    /// file link is requested once more for a fresh URL. The body is streamed to disk.
    #[tracing::instrument(skip_all, fields(cohort_id = %cohort_id, request_id))]
    pub async fn download_cohort(
        &self,
        cohort_id: &CohortId,
        options: &DownloadOptions,
    ) -> Result<DownloadedCohort, AmplitudeError> {
        let request_id = self.request_download(cohort_id, &options.prop_keys).await?;
        tracing::Span::current().record("request_id", request_id.as_str());
        tracing::info!("requested Amplitude cohort download");

        self.wait_for_job(cohort_id, &request_id, options).await?;
        let (file, bytes) = self.fetch_file(cohort_id, &request_id, options).await?;
        tracing::info!(bytes, "downloaded Amplitude cohort");
        Ok(DownloadedCohort {
            cohort_id: cohort_id.clone(),
            request_id,
            bytes,
            file,
        })
    }

    /// Starts a download job and returns its request ID.
    async fn request_download(
        &self,
        cohort_id: &CohortId,
        prop_keys: &[String],
    ) -> Result<String, AmplitudeError> {
        const ENDPOINT: &str = "request_cohort";
        let path = format!(
            "/api/5/cohorts/request/{}?{}",
            path_segment(cohort_id.as_str()),
            download_query(prop_keys)
        );

        let response = send_with_retry(&self.settings, ENDPOINT, || self.get(&path)).await?;
        match response.status() {
            StatusCode::OK | StatusCode::ACCEPTED => {}
            StatusCode::NOT_FOUND => {
                return Err(AmplitudeError::CohortNotFound {
                    cohort_id: cohort_id.to_string(),
                })
            }
            _ => return Err(error_from_response(ENDPOINT, response).await),
        }
        let body = json_body(ENDPOINT, response).await?;
        body.get("request_id")
            .and_then(Value::as_str)
            .filter(|request_id| !request_id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| AmplitudeError::InvalidResponse {
                endpoint: ENDPOINT,
                message: format!("no request_id in {body}"),
            })
    }

    /// Polls the job's status until it completes, fails or `max_wait` has passed.
    async fn wait_for_job(
        &self,
        cohort_id: &CohortId,
        request_id: &str,
        options: &DownloadOptions,
    ) -> Result<(), AmplitudeError> {
        const ENDPOINT: &str = "request_status";
        let path = format!("/api/5/cohorts/request-status/{}", path_segment(request_id));
        let started = Instant::now();
        let deadline = started + options.max_wait;
        let mut delay = options.poll_initial;
        loop {
            let response = send_with_retry(&self.settings, ENDPOINT, || self.get(&path)).await?;
            if !matches!(response.status(), StatusCode::OK | StatusCode::ACCEPTED) {
                let error = error_from_response(ENDPOINT, response).await;
                // A rate limit on polls only delays the job status, so wait it out within max_wait.
                if let AmplitudeError::RateLimited {
                    retry_after: Some(wait),
                    ..
                } = &error
                {
                    let now = Instant::now();
                    if now + *wait < deadline {
                        tracing::warn!(?wait, "Amplitude rate limit on status polls; waiting");
                        tokio::time::sleep(*wait).await;
                        continue;
                    }
                }
                return Err(error);
            }
            let body = json_body(ENDPOINT, response).await?;
            let status = body
                .get("async_status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if status == JOB_COMPLETED {
                tracing::debug!(waited = ?started.elapsed(), "Amplitude cohort job completed");
                return Ok(());
            }
            let upper = status.to_ascii_uppercase();
            if upper.contains("FAIL") || upper.contains("ERROR") || upper.contains("CANCEL") {
                return Err(AmplitudeError::JobFailed {
                    cohort_id: cohort_id.to_string(),
                    request_id: request_id.to_owned(),
                    status: status.to_owned(),
                });
            }

            let now = Instant::now();
            if now >= deadline {
                return Err(AmplitudeError::Timeout {
                    cohort_id: cohort_id.to_string(),
                    request_id: request_id.to_owned(),
                    waited: now - started,
                });
            }
            tracing::debug!(status, next_poll = ?delay, "Amplitude cohort job still running");
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(options.poll_max);
        }
    }

    /// Fetches the completed job's CSV into a temporary file and returns it with its size.
    async fn fetch_file(
        &self,
        cohort_id: &CohortId,
        request_id: &str,
        options: &DownloadOptions,
    ) -> Result<(NamedTempFile, u64), AmplitudeError> {
        const FILE: &str = "file";
        const DOWNLOAD: &str = DOWNLOAD_ENDPOINT;
        let path = format!("/api/5/cohorts/request/{}/file", path_segment(request_id));
        let file_url = format!("{}{path}", self.base_url);

        // The pre-signed URL lives about a minute, so one renewal covers a slow start. A second
        // 403 right after a renewal points at something else, such as a wrong clock.
        for renewal in 0..2 {
            let response = send_with_retry(&self.settings, FILE, || self.get(&path)).await?;
            if response.status() == StatusCode::OK {
                return stream_to_temp_file(FILE, response, options).await;
            }
            if !response.status().is_redirection() {
                return Err(error_from_response(FILE, response).await);
            }
            let location = redirect_target(&file_url, &response)?;

            // The pre-signed URL carries its own signature, so no credentials go with it.
            let download =
                send_with_retry(&self.settings, DOWNLOAD, || self.http.get(location.clone()))
                    .await?;
            match download.status() {
                StatusCode::OK => return stream_to_temp_file(DOWNLOAD, download, options).await,
                StatusCode::FORBIDDEN if renewal == 0 => {
                    let body = body_excerpt(download).await;
                    tracing::warn!(%body, "Amplitude download URL was rejected; requesting a fresh one");
                }
                StatusCode::FORBIDDEN => break,
                _ => return Err(error_from_response(DOWNLOAD, download).await),
            }
        }
        Err(AmplitudeError::DownloadLinkExpired {
            cohort_id: cohort_id.to_string(),
            request_id: request_id.to_owned(),
        })
    }
}

/// Builds `props=0`, or `props=1` with one `propKeys` pair per key. The serializer is not
/// `Send`, so it lives only inside this function and the download future stays `Send`.
fn download_query(prop_keys: &[String]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("props", if prop_keys.is_empty() { "0" } else { "1" });
    for key in prop_keys {
        query.append_pair("propKeys", key);
    }
    query.finish()
}

/// Escapes a value for use as one URL path segment.
fn path_segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn json_body(endpoint: &'static str, response: Response) -> Result<Value, AmplitudeError> {
    response
        .json()
        .await
        .map_err(|error| AmplitudeError::InvalidResponse {
            endpoint,
            message: format!("the body is not JSON: {error}"),
        })
}

/// Resolves a redirect's `Location` against the URL that returned it.
fn redirect_target(request_url: &str, response: &Response) -> Result<url::Url, AmplitudeError> {
    let invalid = |message: String| AmplitudeError::InvalidResponse {
        endpoint: "file",
        message,
    };
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            invalid(format!(
                "HTTP {} without a Location header",
                response.status()
            ))
        })?;
    let base = url::Url::parse(request_url).map_err(|error| invalid(error.to_string()))?;
    base.join(location)
        .map_err(|error| invalid(format!("invalid Location {location:?}: {error}")))
}

/// Writes a response body chunk by chunk to a new temporary file, so it is never held whole.
async fn stream_to_temp_file(
    endpoint: &'static str,
    mut response: Response,
    options: &DownloadOptions,
) -> Result<(NamedTempFile, u64), AmplitudeError> {
    let temp = match &options.temp_dir {
        Some(dir) => tempfile::Builder::new()
            .prefix("amplitude-cohort-")
            .suffix(".csv")
            .tempfile_in(dir),
        None => tempfile::Builder::new()
            .prefix("amplitude-cohort-")
            .suffix(".csv")
            .tempfile(),
    }
    .map_err(AmplitudeError::TempFile)?;
    let handle = temp
        .as_file()
        .try_clone()
        .map_err(AmplitudeError::TempFile)?;
    let mut writer = tokio::io::BufWriter::new(tokio::fs::File::from_std(handle));

    let mut bytes: u64 = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|source| http_error(endpoint, source))?
    {
        writer
            .write_all(&chunk)
            .await
            .map_err(AmplitudeError::TempFile)?;
        bytes += chunk.len() as u64;
    }
    writer.flush().await.map_err(AmplitudeError::TempFile)?;
    Ok((temp, bytes))
}
