//! Amplitude client settings: region host, operator override, timeouts and retry timings.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use super::AmplitudeError;

/// The Amplitude data center that hosts a project.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    #[default]
    Us,
    Eu,
}

impl Region {
    /// Returns the region's public API host.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Region::Us => "https://amplitude.com",
            Region::Eu => "https://analytics.eu.amplitude.com",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a region name other than `us` or `eu`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Amplitude region {0:?}; use \"us\" or \"eu\"")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            _ => Err(UnknownRegion(value.to_owned())),
        }
    }
}

/// Connection settings for one Amplitude project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmplitudeSettings {
    pub region: Region,
    /// Operator override of the region's host, such as a simulator on loopback. It comes from
    /// the config file or environment only, never from a web form or API call.
    pub base_url: Option<Url>,
    /// Maximum wait for a connection to open.
    pub connect_timeout: Duration,
    /// Maximum wait for the next bytes of a response. It bounds a stalled transfer without
    /// cutting off a large cohort file that keeps arriving.
    pub read_timeout: Duration,
    /// Retries after a 5xx response or a failed connection, per call.
    pub max_retries: u32,
    /// First wait before a retry. Each later wait doubles, up to `retry_max_delay`.
    pub retry_initial_delay: Duration,
    pub retry_max_delay: Duration,
}

impl AmplitudeSettings {
    /// Creates settings for `region` with its public host and default timings.
    pub fn new(region: Region) -> Self {
        Self {
            region,
            base_url: None,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            max_retries: 3,
            retry_initial_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(10),
        }
    }

    /// Replaces the region's host with `base_url`, which must be an `http` or `https` URL
    /// without query or fragment.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, AmplitudeError> {
        let invalid = |reason: &str| {
            AmplitudeError::Settings(format!(
                "invalid Amplitude base URL {base_url:?}: {reason}; use a URL such as http://127.0.0.1:8090"
            ))
        };
        let url = Url::parse(base_url).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme is not http or https"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a query or fragment"));
        }
        self.base_url = Some(url);
        Ok(self)
    }

    /// Returns the base URL in use: the override when set, or else the region's host. It never
    /// ends with a slash.
    pub fn effective_base_url(&self) -> String {
        let base = match &self.base_url {
            Some(url) => url.as_str(),
            None => self.region.default_base_url(),
        };
        base.trim_end_matches('/').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_hosts_by_default() {
        assert_eq!(
            AmplitudeSettings::new(Region::Us).effective_base_url(),
            "https://amplitude.com"
        );
        assert_eq!(
            AmplitudeSettings::new(Region::Eu).effective_base_url(),
            "https://analytics.eu.amplitude.com"
        );
    }

    #[test]
    fn base_url_override_wins() {
        let settings = AmplitudeSettings::new(Region::Eu)
            .with_base_url("http://127.0.0.1:9/")
            .unwrap();

        assert_eq!(settings.effective_base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn base_url_override_rejects_bad_urls() {
        for bad in ["ftp://host", "not a url", "http://host/?a=1"] {
            let error = AmplitudeSettings::new(Region::Us)
                .with_base_url(bad)
                .unwrap_err();
            assert!(error.to_string().contains(bad), "{error}");
        }
    }

    #[test]
    fn region_parses_names() {
        assert_eq!("EU".parse::<Region>(), Ok(Region::Eu));
        assert_eq!("us".parse::<Region>(), Ok(Region::Us));
        assert!("apac"
            .parse::<Region>()
            .unwrap_err()
            .to_string()
            .contains("apac"));
    }
}
