//! Account and directory calls: `whoami` and the directory list.

use reqwest::Method;
use serde::Deserialize;

use crate::client::QualtricsClient;
use crate::error::Error;
use crate::ids::DirectoryId;
use crate::lenient;

/// The caller's identity from `GET /whoami`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI {
    /// The brand (organization) ID.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub brand_id: Option<String>,
    /// The user ID, `UR_…`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_id: Option<String>,
    /// The login name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_name: Option<String>,
    /// The account's datacenter, e.g. `iad1`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub datacenter: Option<String>,
    /// The account type, e.g. `UT_BRANDADMIN`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub account_type: Option<String>,
    /// First name of the user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    /// Last name of the user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    /// Email of the user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
}

/// Fields that a directory matches on when it de-duplicates contacts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeduplicationCriteria {
    #[serde(deserialize_with = "lenient::flag")]
    pub email: bool,
    #[serde(deserialize_with = "lenient::flag")]
    pub first_name: bool,
    #[serde(deserialize_with = "lenient::flag")]
    pub last_name: bool,
    #[serde(deserialize_with = "lenient::flag")]
    pub external_data_reference: bool,
    #[serde(deserialize_with = "lenient::flag")]
    pub phone: bool,
}

/// An XM Directory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub directory_id: DirectoryId,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// Approximate number of contacts, when returned.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub contact_count: Option<u64>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_default: bool,
    #[serde(default)]
    pub deduplication_criteria: DeduplicationCriteria,
}

impl QualtricsClient {
    /// Fetches the caller's identity (`GET /whoami`), the usual credentials probe.
    #[tracing::instrument(skip_all)]
    pub async fn whoami(&self) -> Result<WhoAmI, Error> {
        self.get("whoami", self.url("whoami", &[])).await
    }

    /// Lists every directory of the brand, following all pages.
    #[tracing::instrument(skip_all)]
    pub async fn list_directories(&self) -> Result<Vec<Directory>, Error> {
        let url = self.url("directories", &[]);
        self.get_all("list_directories", Method::GET, url, None::<&()>)
            .await
    }
}
