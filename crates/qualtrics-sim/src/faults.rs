//! Fault injection and rate limiting: random faults per endpoint, the deterministic
//! "next N calls" switches, and the per-brand leaky buckets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::seed::{Faults, Limits};

/// Action the front service takes on one request before the handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Close the connection without an HTTP response.
    Drop,
    /// Respond with this error status and the error envelope.
    Fail(u16),
    /// Respond 429, with `Retry-After` set to these seconds when present.
    RateLimited(Option<u64>),
    /// Pass the request to the handler.
    Pass,
}

/// Fault decision for one request: a delay to apply first, then the verdict.
#[derive(Debug, Clone)]
pub struct Decision {
    pub delay: Duration,
    pub verdict: Verdict,
}

#[derive(Debug, Default, Clone)]
struct Switches {
    drop: usize,
    fail: usize,
    fail_status: u16,
    delay: usize,
    delay_by: Duration,
    rate_limit: usize,
    rate_limit_retry_after: Option<u64>,
}

/// Leaky bucket: each request adds one unit, the level drains continuously at
/// `per_minute / 60` units a second, and a request that would lift the level above
/// `per_minute` is rejected without adding to it.
#[derive(Debug, Clone)]
pub struct LeakyBucket {
    level: f64,
    updated: Instant,
}

impl LeakyBucket {
    fn new() -> Self {
        LeakyBucket {
            level: 0.0,
            updated: Instant::now(),
        }
    }

    /// Admits one request, or returns the whole seconds until one unit has drained.
    fn admit(&mut self, per_minute: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(per_minute);
        let drain_per_sec = capacity / 60.0;
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.level = (self.level - elapsed * drain_per_sec).max(0.0);
        self.updated = now;

        if self.level + 1.0 <= capacity {
            self.level += 1.0;
            return Ok(());
        }
        if drain_per_sec <= 0.0 {
            return Err(60);
        }
        let wait = (self.level + 1.0 - capacity) / drain_per_sec;
        Err(wait.ceil().max(1.0) as u64)
    }
}

/// Fault settings and counters of one simulator.
#[derive(Debug)]
pub struct FaultState {
    default_faults: Faults,
    endpoint_faults: HashMap<String, Faults>,
    switches: HashMap<String, Switches>,
    brand_bucket: LeakyBucket,
    create_bucket: LeakyBucket,
}

impl FaultState {
    pub fn new(default_faults: Faults) -> Self {
        FaultState {
            default_faults,
            endpoint_faults: HashMap::new(),
            switches: HashMap::new(),
            brand_bucket: LeakyBucket::new(),
            create_bucket: LeakyBucket::new(),
        }
    }

    /// Sets the faults of one endpoint, or of every endpoint (clearing overrides) for `None`.
    pub fn set_faults(&mut self, endpoint: Option<&str>, faults: Faults) {
        match endpoint {
            Some(name) => {
                self.endpoint_faults.insert(name.to_string(), faults);
            }
            None => {
                self.endpoint_faults.clear();
                self.default_faults = faults;
            }
        }
    }

    /// Returns the faults in force for `endpoint`.
    pub fn faults_for(&self, endpoint: &str) -> &Faults {
        self.endpoint_faults
            .get(endpoint)
            .unwrap_or(&self.default_faults)
    }

    pub fn fail_next(&mut self, endpoint: &str, count: usize, status: u16) {
        let switches = self.switches.entry(endpoint.to_string()).or_default();
        switches.fail = count;
        switches.fail_status = status;
    }

    pub fn drop_next(&mut self, endpoint: &str, count: usize) {
        self.switches.entry(endpoint.to_string()).or_default().drop = count;
    }

    pub fn delay_next(&mut self, endpoint: &str, count: usize, delay: Duration) {
        let switches = self.switches.entry(endpoint.to_string()).or_default();
        switches.delay = count;
        switches.delay_by = delay;
    }

    pub fn rate_limit_next(&mut self, endpoint: &str, count: usize, retry_after_secs: Option<u64>) {
        let switches = self.switches.entry(endpoint.to_string()).or_default();
        switches.rate_limit = count;
        switches.rate_limit_retry_after = retry_after_secs;
    }

    /// Decides the fate of one request to `endpoint`.
    ///
    /// The deterministic switches apply first, in the order drop, fail, rate limit, and a
    /// delay switch adds to any of them. Random drops and errors come next, then the leaky
    /// buckets. A request rejected before the buckets does not fill them.
    pub fn decide(&mut self, endpoint: &str, limits: &Limits, now: Instant) -> Decision {
        let faults = self.faults_for(endpoint).clone();
        let mut delay = Duration::from_millis(faults.latency_ms);

        if let Some(switches) = self.switches.get_mut(endpoint) {
            if switches.delay > 0 {
                switches.delay -= 1;
                delay += switches.delay_by;
            }
            if switches.drop > 0 {
                switches.drop -= 1;
                return Decision {
                    delay,
                    verdict: Verdict::Drop,
                };
            }
            if switches.fail > 0 {
                switches.fail -= 1;
                return Decision {
                    delay,
                    verdict: Verdict::Fail(switches.fail_status),
                };
            }
            if switches.rate_limit > 0 {
                switches.rate_limit -= 1;
                return Decision {
                    delay,
                    verdict: Verdict::RateLimited(switches.rate_limit_retry_after),
                };
            }
        }

        let mut rng = rand::rng();
        if faults.drop_rate > 0.0 && rng.random_bool(faults.drop_rate.clamp(0.0, 1.0)) {
            return Decision {
                delay,
                verdict: Verdict::Drop,
            };
        }
        if faults.error_rate > 0.0 && rng.random_bool(faults.error_rate.clamp(0.0, 1.0)) {
            let status = [500, 503, 504][rng.random_range(0..3)];
            return Decision {
                delay,
                verdict: Verdict::Fail(status),
            };
        }

        let retry_after = |secs: u64| limits.retry_after_header.then_some(secs);
        if let Err(secs) = self
            .brand_bucket
            .admit(limits.brand_requests_per_minute, now)
        {
            return Decision {
                delay,
                verdict: Verdict::RateLimited(retry_after(secs)),
            };
        }
        if endpoint == "create_contact" {
            if let Err(secs) = self
                .create_bucket
                .admit(limits.contact_creates_per_minute, now)
            {
                return Decision {
                    delay,
                    verdict: Verdict::RateLimited(retry_after(secs)),
                };
            }
        }
        Decision {
            delay,
            verdict: Verdict::Pass,
        }
    }

    /// Draws whether a new import job fails, from the `start_import` faults.
    pub fn import_should_fail(&self) -> bool {
        let rate = self.faults_for("start_import").import_failure_rate;
        rate > 0.0 && rand::rng().random_bool(rate.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_rejects_over_capacity_and_drains() {
        let mut bucket = LeakyBucket::new();
        let start = bucket.updated;
        for _ in 0..60 {
            assert_eq!(bucket.admit(60, start), Ok(()));
        }
        assert_eq!(bucket.admit(60, start), Err(1));
        assert_eq!(bucket.admit(60, start + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn bucket_retry_after_counts_whole_seconds() {
        let mut bucket = LeakyBucket::new();
        let start = bucket.updated;
        for _ in 0..3 {
            assert_eq!(bucket.admit(3, start), Ok(()));
        }
        assert_eq!(bucket.admit(3, start), Err(20));
    }
}
