//! The retry policy: whether an attempt's outcome may be retried, and how long to wait first.

use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

use crate::settings::Settings;

/// Whether resending a request can cause a second effect on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSafety {
    /// Reads, `PUT`s and `DELETE`s: resending has the same effect as sending once.
    Idempotent,
    /// A resend might repeat the effect (a contact create without email de-duplication),
    /// so it is retried only when the request never reached the server.
    OnlyIfNotSent,
}

/// The result of one attempt, reduced to what the retry decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A response with this status arrived; `retry_after` is the parsed `Retry-After`.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The connection could not be opened, so the server never saw the request.
    ConnectFailed,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
    /// The per-attempt timeout expired.
    TimedOut,
}

/// The decision for one failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Retry; `retry_after` carries a server-given wait, if any.
    Retry {
        reason: &'static str,
        retry_after: Option<Duration>,
    },
    /// Return the failure to the caller.
    DontRetry { reason: &'static str },
}

/// Decides whether an outcome is retryable, apart from how long to wait.
///
/// 429, 408, 500, 502, 503 and 504 are retried, as are connection failures and per-attempt
/// timeouts. Other 4xx and 501 are not. With [`RequestSafety::OnlyIfNotSent`], only a failed
/// connect is retried.
pub fn decide(outcome: AttemptOutcome, safety: RequestSafety) -> RetryDecision {
    if safety == RequestSafety::OnlyIfNotSent && outcome != AttemptOutcome::ConnectFailed {
        return RetryDecision::DontRetry {
            reason: "request may have been applied and a resend could create a duplicate",
        };
    }
    match outcome {
        AttemptOutcome::ConnectFailed => RetryDecision::Retry {
            reason: "connect failed",
            retry_after: None,
        },
        AttemptOutcome::ConnectionLost => RetryDecision::Retry {
            reason: "connection lost",
            retry_after: None,
        },
        AttemptOutcome::TimedOut => RetryDecision::Retry {
            reason: "attempt timed out",
            retry_after: None,
        },
        AttemptOutcome::Status {
            status,
            retry_after,
        } => match status {
            429 => RetryDecision::Retry {
                reason: "rate limited",
                retry_after,
            },
            408 | 500 | 502 | 503 | 504 => RetryDecision::Retry {
                reason: "transient server error",
                retry_after,
            },
            _ => RetryDecision::DontRetry {
                reason: "status is not retryable",
            },
        },
    }
}

/// Parses a `Retry-After` value: delay seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Timing of retries for one call: a capped, jittered exponential backoff and a bounded number
/// of attempts.
#[derive(Debug)]
pub struct Backoff {
    delays: ExponentialBackoff,
    cap: Duration,
    retry_after_cap: Duration,
}

impl Backoff {
    /// Creates a schedule from the settings that allows at most `max_attempts - 1` retries.
    pub fn new(settings: &Settings) -> Backoff {
        let retries = settings.max_attempts.saturating_sub(1) as usize;
        let delays = ExponentialBuilder::new()
            .with_min_delay(settings.backoff_base)
            .with_max_delay(settings.backoff_cap)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(retries)
            .build();
        Backoff {
            delays,
            cap: settings.backoff_cap,
            retry_after_cap: settings.retry_after_cap,
        }
    }

    /// Returns the wait before the next retry, or `None` when the attempts are used up.
    ///
    /// A server-given `Retry-After` replaces the computed delay, capped at `retry_after_cap`.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        let computed = self.delays.next()?;
        Some(match retry_after {
            Some(wait) => wait.min(self.retry_after_cap),
            None => computed.min(self.cap),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> AttemptOutcome {
        AttemptOutcome::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn retryable_statuses() {
        for code in [429, 408, 500, 502, 503, 504] {
            assert!(
                matches!(
                    decide(status(code), RequestSafety::Idempotent),
                    RetryDecision::Retry { .. }
                ),
                "{code} is retried"
            );
        }
        for code in [400, 401, 403, 404, 409, 413, 422, 501] {
            assert!(
                matches!(
                    decide(status(code), RequestSafety::Idempotent),
                    RetryDecision::DontRetry { .. }
                ),
                "{code} is not retried"
            );
        }
    }

    #[test]
    fn unsafe_request_retried_only_when_unsent() {
        let safety = RequestSafety::OnlyIfNotSent;
        assert!(matches!(
            decide(AttemptOutcome::ConnectFailed, safety),
            RetryDecision::Retry { .. }
        ));
        for outcome in [
            AttemptOutcome::ConnectionLost,
            AttemptOutcome::TimedOut,
            status(500),
            status(429),
        ] {
            assert!(
                matches!(decide(outcome, safety), RetryDecision::DontRetry { .. }),
                "{outcome:?} is not retried"
            );
        }
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_is_bounded_and_capped() {
        let mut settings = Settings::new("iad1".parse().unwrap());
        settings.max_attempts = 4;
        settings.backoff_base = Duration::from_millis(100);
        settings.backoff_cap = Duration::from_millis(150);
        settings.retry_after_cap = Duration::from_secs(2);
        let mut backoff = Backoff::new(&settings);
        for _ in 0..2 {
            let delay = backoff.next_delay(None).unwrap();
            assert!(
                delay >= Duration::from_millis(100) && delay <= Duration::from_millis(150),
                "{delay:?}"
            );
        }
        assert_eq!(
            backoff.next_delay(Some(Duration::from_secs(60))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(backoff.next_delay(None), None, "4 attempts allow 3 retries");
    }
}
