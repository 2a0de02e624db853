//! Sending one API call: rate limit, retry, per-attempt timeout, envelope and error parsing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use crate::auth::{AuthHeader, Authenticator};
use crate::error::Error;
use crate::rate_limit::AccountLimiter;
use crate::retry::{
    decide, parse_retry_after, AttemptOutcome, Backoff, RequestSafety, RetryDecision,
};
use crate::settings::Settings;

/// One API call to send.
pub(crate) struct ApiRequest {
    /// Client-side name of the call, for logs and errors.
    pub(crate) endpoint: &'static str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// Serialized JSON body.
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) safety: RequestSafety,
}

/// The `meta` object of every Qualtrics response.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    #[serde(default)]
    pub(crate) request_id: Option<String>,
    #[serde(default)]
    pub(crate) notice: Option<String>,
    #[serde(default)]
    pub(crate) error: Option<MetaError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MetaError {
    #[serde(default)]
    pub(crate) error_code: Option<String>,
    #[serde(default)]
    pub(crate) error_message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    meta: Meta,
}

/// A successful response: the `result` (absent for some updates and deletes) and its `meta`.
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub(crate) endpoint: &'static str,
    pub(crate) result: Option<serde_json::Value>,
    pub(crate) meta: Meta,
}

impl ApiResponse {
    /// Deserializes `result` into `T`.
    pub(crate) fn result<T: DeserializeOwned>(self) -> Result<T, Error> {
        let Some(result) = self.result else {
            return Err(Error::InvalidResponse {
                endpoint: self.endpoint,
                message: format!(
                    "response has no result (request ID {})",
                    self.meta.request_id.as_deref().unwrap_or("none")
                ),
            });
        };
        serde_json::from_value(result).map_err(|err| Error::InvalidResponse {
            endpoint: self.endpoint,
            message: err.to_string(),
        })
    }
}

/// The transport shared by all calls of one client.
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) settings: Settings,
    pub(crate) auth: Authenticator,
    pub(crate) limiter: Arc<AccountLimiter>,
    pub(crate) requests_sent: Arc<AtomicU64>,
}

impl Http {
    /// Sends `request` until it succeeds, fails for good, or runs out of attempts.
    ///
    /// Layers, outermost first: the rate limiter, the retry loop, the per-attempt timeout. The
    /// limiter is consulted before every attempt, retries included, so every request sent counts
    /// against the account's budget. A 401 on a bearer token forces one token refresh and one
    /// more attempt, outside the retry budget.
    pub(crate) async fn send(&self, request: ApiRequest) -> Result<ApiResponse, Error> {
        let mut backoff = Backoff::new(&self.settings);
        let mut auth = self.auth.header().await?;
        let mut refreshed_after_401 = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            self.limiter.until_ready().await;
            let (outcome, result) = self.attempt(&request, &auth).await;
            let error = match result {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };

            if error.status() == Some(401) && !refreshed_after_401 {
                if let Some(new_auth) = self.auth.header_after_rejection(auth.generation).await? {
                    tracing::warn!(
                        endpoint = request.endpoint,
                        attempt,
                        "bearer token rejected; refreshed it and resending once"
                    );
                    auth = new_auth;
                    refreshed_after_401 = true;
                    continue;
                }
            }

            let decision = match outcome {
                Some(outcome) => decide(outcome, request.safety),
                None => RetryDecision::DontRetry {
                    reason: "response could not be used",
                },
            };
            let RetryDecision::Retry {
                reason,
                retry_after,
            } = decision
            else {
                tracing::debug!(endpoint = request.endpoint, attempt, error = %error, "not retrying");
                return Err(error);
            };
            let Some(delay) = backoff.next_delay(retry_after) else {
                tracing::warn!(endpoint = request.endpoint, attempt, error = %error, "giving up after the last attempt");
                return Err(error);
            };
            tracing::warn!(
                endpoint = request.endpoint,
                attempt,
                reason,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "retrying Qualtrics request"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends one attempt under the per-attempt timeout. Returns the outcome for the retry
    /// decision (`None` when a response arrived but could not be used) and the result.
    async fn attempt(
        &self,
        request: &ApiRequest,
        auth: &AuthHeader,
    ) -> (Option<AttemptOutcome>, Result<ApiResponse, Error>) {
        let mut auth_value = match HeaderValue::from_str(auth.value.expose_secret()) {
            Ok(value) => value,
            Err(_) => {
                let error = Error::InvalidSettings(
                    "the credential contains characters not allowed in an HTTP header".into(),
                );
                return (None, Err(error));
            }
        };
        auth_value.set_sensitive(true);
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .header(auth.name, auth_value)
            .header(ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }

        tracing::debug!(endpoint = request.endpoint, method = %request.method, path = request.url.path(), "sending Qualtrics request");
        self.requests_sent.fetch_add(1, Ordering::Relaxed);
        let timeout = self.settings.attempt_timeout;
        let exchange = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, SystemTime::now()));
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => {
                let error = Error::Timeout {
                    endpoint: request.endpoint,
                    timeout,
                };
                return (Some(AttemptOutcome::TimedOut), Err(error));
            }
            Ok(Err(source)) => {
                let request_sent = !source.is_connect();
                let outcome = if request_sent {
                    AttemptOutcome::ConnectionLost
                } else {
                    AttemptOutcome::ConnectFailed
                };
                let error = Error::Network {
                    endpoint: request.endpoint,
                    request_sent,
                    source: source.without_url(),
                };
                return (Some(outcome), Err(error));
            }
            Ok(Ok(parts)) => parts,
        };
        let outcome = AttemptOutcome::Status {
            status,
            retry_after,
        };
        (
            Some(outcome),
            parse_response(request.endpoint, status, &body),
        )
    }
}

/// Turns a status and body into a response or an [`Error::Api`], logging any `meta.notice`.
pub(crate) fn parse_response(
    endpoint: &'static str,
    status: u16,
    body: &[u8],
) -> Result<ApiResponse, Error> {
    let envelope: Option<Envelope> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice(body).ok()
    };

    if !(200..300).contains(&status) {
        let meta = envelope.map(|envelope| envelope.meta).unwrap_or_default();
        let error = meta.error.unwrap_or_default();
        return Err(Error::Api {
            endpoint,
            status,
            error_code: error.error_code,
            error_message: error.error_message,
            request_id: meta.request_id,
        });
    }

    let Some(envelope) = envelope else {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(ApiResponse {
                endpoint,
                result: None,
                meta: Meta::default(),
            });
        }
        return Err(Error::InvalidResponse {
            endpoint,
            message: format!("HTTP {status} body is not a JSON envelope"),
        });
    };
    if let Some(notice) = &envelope.meta.notice {
        tracing::warn!(endpoint, notice = %notice, request_id = envelope.meta.request_id.as_deref(), "Qualtrics returned a notice");
    }
    Ok(ApiResponse {
        endpoint,
        result: envelope.result,
        meta: envelope.meta,
    })
}
