//! Client settings: where to connect, timeouts, retries and the rate limit.

use std::num::NonZeroU32;
use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::ids::DatacenterId;

/// Validated settings for one [`crate::QualtricsClient`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// Datacenter of the account; forms `https://{datacenter_id}.qualtrics.com`.
    pub datacenter_id: DatacenterId,
    /// Operator override of the base URL (e.g. a simulator on loopback). Replaces the
    /// datacenter host for API and OAuth calls alike. Only operator configuration should set it.
    pub base_url: Option<Url>,
    /// Time limit for one HTTP attempt, including reading the body.
    pub attempt_timeout: Duration,
    /// Attempts per call, the first one included. At least 1.
    pub max_attempts: u32,
    /// First backoff delay; each retry doubles it, with jitter, up to `backoff_cap`.
    pub backoff_base: Duration,
    /// Longest computed backoff delay.
    pub backoff_cap: Duration,
    /// Maximum wait that a `Retry-After` header can impose. Longer values are cut to this.
    pub retry_after_cap: Duration,
    /// Client-side request budget per minute, shared by all clients of one account.
    pub requests_per_minute: NonZeroU32,
}

impl Settings {
    /// Creates settings with production defaults for a datacenter: 30 s per attempt, 5 attempts,
    /// backoff 500 ms doubling to 30 s, and `Retry-After` capped at 120 s.
    ///
    /// NOTE: the default of 3,000 requests a minute is the per-brand limit that secondary
    /// sources report. Qualtrics does not document it.
    pub fn new(datacenter_id: DatacenterId) -> Settings {
        Settings {
            datacenter_id,
            base_url: None,
            attempt_timeout: Duration::from_secs(30),
            max_attempts: 5,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(120),
            requests_per_minute: NonZeroU32::new(3000).expect("3000 is not zero"),
        }
    }

    /// Checks the settings that types alone cannot enforce.
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_attempts == 0 {
            return Err(Error::InvalidSettings(
                "max_attempts is 0; set it to at least 1 (1 means no retries)".into(),
            ));
        }
        if self.attempt_timeout.is_zero() {
            return Err(Error::InvalidSettings(
                "attempt_timeout is 0; set it to a positive duration such as 30s".into(),
            ));
        }
        if self.backoff_cap < self.backoff_base {
            return Err(Error::InvalidSettings(format!(
                "backoff_cap {:?} is below backoff_base {:?}; set the cap to at least the base",
                self.backoff_cap, self.backoff_base
            )));
        }
        if let Some(url) = &self.base_url {
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(Error::InvalidSettings(format!(
                    "base_url {url} is not an http(s) URL with a host; use e.g. http://127.0.0.1:8080"
                )));
            }
        }
        Ok(())
    }

    /// Returns the origin of API and OAuth endpoints: the override, or `https://{dc}.qualtrics.com`.
    pub fn origin(&self) -> Url {
        match &self.base_url {
            Some(url) => {
                let mut url = url.clone();
                url.set_path("/");
                url.set_query(None);
                url.set_fragment(None);
                url
            }
            None => Url::parse(&format!("https://{}.qualtrics.com/", self.datacenter_id))
                .expect("a validated datacenter ID forms a valid host"),
        }
    }

    /// Returns the API root, `{origin}/API/v3/`.
    pub fn api_root(&self) -> Url {
        self.origin().join("API/v3/").expect("static path joins")
    }

    /// Returns the OAuth token endpoint, `{origin}/oauth2/token`.
    pub fn token_url(&self) -> Url {
        self.origin()
            .join("oauth2/token")
            .expect("static path joins")
    }

    /// Returns the OAuth authorization page, `{origin}/oauth2/auth`.
    pub fn authorize_url(&self) -> Url {
        self.origin()
            .join("oauth2/auth")
            .expect("static path joins")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_origin_uses_datacenter() {
        let settings = Settings::new("fra1".parse().unwrap());
        assert_eq!(
            settings.api_root().as_str(),
            "https://fra1.qualtrics.com/API/v3/"
        );
        assert_eq!(
            settings.token_url().as_str(),
            "https://fra1.qualtrics.com/oauth2/token"
        );
    }

    #[test]
    fn override_replaces_host() {
        let mut settings = Settings::new("fra1".parse().unwrap());
        settings.base_url = Some(Url::parse("http://127.0.0.1:4000").unwrap());
        assert_eq!(
            settings.api_root().as_str(),
            "http://127.0.0.1:4000/API/v3/"
        );
        assert_eq!(
            settings.authorize_url().as_str(),
            "http://127.0.0.1:4000/oauth2/auth"
        );
    }

    #[test]
    fn validate_rejects_zero_attempts() {
        let mut settings = Settings::new("iad1".parse().unwrap());
        settings.max_attempts = 0;
        let err = settings.validate().unwrap_err();
        assert!(err.to_string().contains("max_attempts"));
    }
}
