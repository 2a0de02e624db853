//! Mailing list calls: list and read mailing lists of a directory.

use reqwest::Method;
use serde::Deserialize;

use crate::client::QualtricsClient;
use crate::error::Error;
use crate::ids::{DirectoryId, MailingListId};
use crate::lenient;

/// A mailing list of a directory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailingList {
    pub mailing_list_id: MailingListId,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub owner_id: Option<String>,
    /// Creation time in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub creation_date: Option<u64>,
    /// Last change in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub last_modified_date: Option<u64>,
    /// Approximate member count; Qualtrics returns 0 unless asked with `includeCount=true`.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub contact_count: Option<u64>,
}

impl QualtricsClient {
    /// Lists every mailing list of `directory`, following all pages, with member counts.
    #[tracing::instrument(skip_all, fields(directory = %directory))]
    pub async fn list_mailing_lists(
        &self,
        directory: &DirectoryId,
    ) -> Result<Vec<MailingList>, Error> {
        let path = format!("directories/{directory}/mailinglists");
        let url = self.url(&path, &[("includeCount", "true")]);
        self.get_all("list_mailing_lists", Method::GET, url, None::<&()>)
            .await
    }

    /// Reads one mailing list.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list))]
    pub async fn get_mailing_list(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
    ) -> Result<MailingList, Error> {
        let path = format!("directories/{directory}/mailinglists/{mailing_list}");
        self.get("get_mailing_list", self.url(&path, &[])).await
    }
}
