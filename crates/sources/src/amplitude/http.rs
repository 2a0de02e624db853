//! Sending one call with retries on 5xx and failed connections, and turning failures into errors.

use std::time::Duration;

use rand::Rng;
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, Response, StatusCode};

use super::{AmplitudeError, AmplitudeSettings};

/// Characters of an error body kept in an error message.
const BODY_EXCERPT_CHARS: usize = 300;

/// Sends the request that `build` creates, and sends it again after a jittered, doubling
/// wait while the response is a 5xx other than 501 or the connection fails, up to
/// `settings.max_retries` times. Every other response, including 4xx, is returned as it is.
///
/// NOTE: 429 is not retried here, because Amplitude uses it for the monthly download quota,
/// where waiting minutes would not help. Callers see [`AmplitudeError::RateLimited`].
pub(super) async fn send_with_retry(
    settings: &AmplitudeSettings,
    endpoint: &'static str,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, AmplitudeError> {
    let mut delay = settings.retry_initial_delay;
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let retries_left = attempt <= settings.max_retries;
        match build().send().await {
            Ok(response) if is_retryable_status(response.status()) && retries_left => {
                tracing::warn!(
                    endpoint,
                    attempt,
                    status = response.status().as_u16(),
                    "Amplitude call failed; retrying"
                );
            }
            Ok(response) => {
                tracing::debug!(
                    endpoint,
                    attempt,
                    status = response.status().as_u16(),
                    "Amplitude call completed"
                );
                return Ok(response);
            }
            Err(error) if (error.is_connect() || error.is_timeout()) && retries_left => {
                let error = http_error(endpoint, error);
                tracing::warn!(endpoint, attempt, %error, "Amplitude call failed; retrying");
            }
            Err(source) => return Err(http_error(endpoint, source)),
        }
        tokio::time::sleep(jittered(delay)).await;
        delay = (delay * 2).min(settings.retry_max_delay);
    }
}

/// Endpoint name of the pre-signed download URL, whose query string is a temporary credential.
pub(super) const DOWNLOAD_ENDPOINT: &str = "download";

/// Wraps a transport error. The pre-signed download URL is removed from it, so neither
/// messages nor logs carry the URL's signature.
pub(super) fn http_error(endpoint: &'static str, source: reqwest::Error) -> AmplitudeError {
    let source = if endpoint == DOWNLOAD_ENDPOINT {
        source.without_url()
    } else {
        source
    };
    AmplitudeError::Http { endpoint, source }
}

fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED
}

/// Picks a wait between half of `delay` and all of it, so clients that failed together do
/// not retry together.
fn jittered(delay: Duration) -> Duration {
    delay.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// Builds the error for a response the caller cannot use: 401 and 429 get their own variants,
/// and every other status keeps its code and the start of its body.
pub(super) async fn error_from_response(
    endpoint: &'static str,
    response: Response,
) -> AmplitudeError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = body_excerpt(response).await;
    match status {
        StatusCode::UNAUTHORIZED => AmplitudeError::Unauthorized { endpoint },
        StatusCode::TOO_MANY_REQUESTS => AmplitudeError::RateLimited {
            endpoint,
            message: error_message(&body),
            retry_after,
        },
        _ => AmplitudeError::Status {
            endpoint,
            status: status.as_u16(),
            body,
        },
    }
}

/// Reads at most about [`BODY_EXCERPT_CHARS`] characters of a body, so a large error page
/// is never held whole.
pub(super) async fn body_excerpt(mut response: Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < BODY_EXCERPT_CHARS * 4 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut excerpt: String = text.trim().chars().take(BODY_EXCERPT_CHARS).collect();
    if text.trim().chars().count() > BODY_EXCERPT_CHARS {
        excerpt.push('…');
    }
    excerpt
}

/// Picks the human message out of a JSON error body (`error.message`, `error` or `message`),
/// falling back to the body text itself.
fn error_message(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_owned();
    };
    let candidates = [
        &value["error"]["message"],
        &value["error"],
        &value["message"],
    ];
    let message = candidates
        .into_iter()
        .find_map(|candidate| candidate.as_str());
    message
        .map(str::to_owned)
        .unwrap_or_else(|| body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_finds_nested_text() {
        assert_eq!(
            error_message(r#"{"error": {"code": 429, "message": "quota used up"}}"#),
            "quota used up"
        );
        assert_eq!(error_message(r#"{"error": "slow down"}"#), "slow down");
        assert_eq!(error_message("plain text"), "plain text");
    }

    #[test]
    fn retryable_statuses() {
        assert!(is_retryable_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_retryable_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_retryable_status(StatusCode::NOT_IMPLEMENTED));
        assert!(!is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_retryable_status(StatusCode::NOT_FOUND));
    }
}
