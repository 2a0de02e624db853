//! Bulk import into a mailing list: start, poll, wait and read the per-row report.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::QualtricsClient;
use crate::error::Error;
use crate::ids::{DirectoryId, MailingListId};
use crate::lenient;
use crate::retry::RequestSafety;

/// Most contacts Qualtrics accepts in one import request.
pub const MAX_IMPORT_CONTACTS: usize = 10_000;
/// Largest import body Qualtrics accepts, in bytes (5 MB).
pub const MAX_IMPORT_BODY_BYTES: usize = 5 * 1024 * 1024;

/// One contact of a bulk import. `None` fields are omitted, because Qualtrics rejects `null`.
/// Supplied fields overwrite the matched contact's values; omitted ones are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportContact {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_data: Option<BTreeMap<String, String>>,
}

#[derive(Serialize)]
struct ImportBody<'a> {
    contacts: &'a [ImportContact],
}

/// The result of an import request.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportStarted {
    /// The import job ID, for [`QualtricsClient::import_status`] and the report.
    pub id: String,
    /// Indexes into the submitted contacts that Qualtrics refused to process.
    pub unprocessed: Vec<usize>,
    /// Status at acceptance, when returned.
    pub status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawImportStarted {
    id: String,
    #[serde(default)]
    contacts: Option<RawUnprocessed>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    status: Option<String>,
}

#[derive(Deserialize)]
struct RawUnprocessed {
    #[serde(default)]
    unprocessed: Vec<serde_json::Value>,
}

/// Progress of an import job.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportStatus {
    pub percent_complete: f64,
    /// `in_progress`, `completed` or `failed` (the strings are not documented by Qualtrics).
    pub status: String,
    pub added: u64,
    pub updated: u64,
    pub failed: u64,
}

impl ImportStatus {
    /// Returns whether the job has stopped, successfully or not.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "failed")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawImportStatus {
    #[serde(default)]
    percent_complete: Option<f64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    status: Option<String>,
    #[serde(default)]
    contacts: Option<RawImportContacts>,
}

#[derive(Deserialize)]
struct RawImportContacts {
    #[serde(default)]
    count: Option<RawCounts>,
}

#[derive(Deserialize, Default)]
struct RawCounts {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    added: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    updated: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    failed: Option<u64>,
}

/// One row of an import's report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReportEntry {
    /// Index of the row in the submitted contacts.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub source_index_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub import_status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub import_status_code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_list_contact_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_list_contact_status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawReportPage {
    #[serde(default)]
    import_report_entries: Vec<ImportReportEntry>,
    #[serde(default)]
    next_page: Option<String>,
    #[serde(default)]
    skip_token: Option<String>,
}

/// The polling schedule of [`QualtricsClient::wait_for_import`]: the first interval doubles after each poll up
/// to `max_interval`, and polling stops with [`Error::ImportTimedOut`] after `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    pub initial_interval: Duration,
    pub max_interval: Duration,
    pub timeout: Duration,
}

impl Default for PollPolicy {
    /// 1 s doubling to 30 s, for up to 30 minutes.
    fn default() -> Self {
        PollPolicy {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl QualtricsClient {
    /// Starts a bulk import into a list. Checks the 10,000-contact and 5 MB limits before
    /// sending; a request over either is rejected with [`Error::InvalidRequest`].
    ///
    /// An import is resent only when the connection never opened, because a resend after a
    /// lost response would queue a second job.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, contacts = contacts.len()))]
    pub async fn start_import(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contacts: &[ImportContact],
    ) -> Result<ImportStarted, Error> {
        if contacts.is_empty() {
            return Err(Error::InvalidRequest(
                "an import needs at least one contact".into(),
            ));
        }
        if contacts.len() > MAX_IMPORT_CONTACTS {
            return Err(Error::InvalidRequest(format!(
                "{} contacts exceed the limit of {MAX_IMPORT_CONTACTS} per import; split them into batches",
                contacts.len()
            )));
        }
        let body = ImportBody { contacts };
        let size = serde_json::to_vec(&body)
            .map_err(|err| Error::InvalidRequest(format!("cannot serialize the import: {err}")))?
            .len();
        if size > MAX_IMPORT_BODY_BYTES {
            return Err(Error::InvalidRequest(format!(
                "import body of {size} bytes exceeds the limit of {MAX_IMPORT_BODY_BYTES} bytes; send fewer contacts per import"
            )));
        }

        let path =
            format!("directories/{directory}/mailinglists/{mailing_list}/transactioncontacts");
        let url = self.url(&path, &[]);
        let raw: RawImportStarted = self
            .call(
                "start_import",
                Method::POST,
                url,
                Some(&body),
                RequestSafety::OnlyIfNotSent,
            )
            .await?
            .result()?;
        let unprocessed = raw
            .contacts
            .map(|contacts| contacts.unprocessed)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|value| unprocessed_index(&value))
            .collect();
        Ok(ImportStarted {
            id: raw.id,
            unprocessed,
            status: raw.status,
        })
    }

    /// Reads the progress of an import job.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, import_id))]
    pub async fn import_status(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        import_id: &str,
    ) -> Result<ImportStatus, Error> {
        let path = format!(
            "directories/{directory}/mailinglists/{mailing_list}/transactioncontacts/{}",
            encode_segment(import_id)
        );
        let raw: RawImportStatus = self.get("import_status", self.url(&path, &[])).await?;
        let counts = raw
            .contacts
            .and_then(|contacts| contacts.count)
            .unwrap_or_default();
        Ok(ImportStatus {
            percent_complete: raw.percent_complete.unwrap_or(0.0),
            status: raw.status.unwrap_or_default(),
            added: counts.added.unwrap_or(0),
            updated: counts.updated.unwrap_or(0),
            failed: counts.failed.unwrap_or(0),
        })
    }

    /// Reads every row of an import's report, following all pages.
    #[tracing::instrument(skip_all, fields(directory = %directory, import_id))]
    pub async fn import_report(
        &self,
        directory: &DirectoryId,
        import_id: &str,
    ) -> Result<Vec<ImportReportEntry>, Error> {
        let path = format!(
            "directories/{directory}/imports/api-import/jobs/{}/report",
            encode_segment(import_id)
        );
        let first = self.url(&path, &[]);
        let mut entries = Vec::new();
        let mut skip_token: Option<String> = None;
        loop {
            let mut url = first.clone();
            if let Some(token) = &skip_token {
                url.query_pairs_mut().append_pair("skipToken", token);
            }
            let page: RawReportPage = self.get("import_report", url).await?;
            entries.extend(page.import_report_entries);
            skip_token = page
                .skip_token
                .filter(|token| !token.is_empty())
                .or_else(|| page.next_page.as_deref().and_then(skip_token_of));
            if skip_token.is_none() {
                return Ok(entries);
            }
        }
    }

    /// Polls an import until it is `completed` (returned) or `failed` ([`Error::ImportFailed`]),
    /// or until the policy's timeout ([`Error::ImportTimedOut`]).
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, import_id))]
    pub async fn wait_for_import(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        import_id: &str,
        policy: &PollPolicy,
    ) -> Result<ImportStatus, Error> {
        let started = Instant::now();
        let mut interval = policy.initial_interval;
        loop {
            let status = self
                .import_status(directory, mailing_list, import_id)
                .await?;
            match status.status.as_str() {
                "completed" => return Ok(status),
                "failed" => {
                    return Err(Error::ImportFailed {
                        import_id: import_id.to_owned(),
                        percent_complete: status.percent_complete,
                    })
                }
                _ => {}
            }
            let waited = started.elapsed();
            if waited + interval > policy.timeout {
                return Err(Error::ImportTimedOut {
                    import_id: import_id.to_owned(),
                    status: status.status,
                    waited,
                });
            }
            tracing::debug!(percent_complete = status.percent_complete, status = %status.status, "import still running");
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(policy.max_interval);
        }
    }
}

/// Reads an unprocessed entry, an index sent as a number or as numeric text.
fn unprocessed_index(value: &serde_json::Value) -> Option<usize> {
    match value {
        serde_json::Value::Number(number) => number.as_u64().map(|n| n as usize),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Extracts the `skipToken` query parameter of a `nextPage` URL.
fn skip_token_of(next_page: &str) -> Option<String> {
    let url = url::Url::parse(next_page)
        .or_else(|_| url::Url::parse("http://localhost/").and_then(|base| base.join(next_page)))
        .ok()?;
    url.query_pairs()
        .find(|(key, _)| key == "skipToken")
        .map(|(_, value)| value.into_owned())
        .filter(|token| !token.is_empty())
}

/// Percent-encodes an ID that comes from a response before it goes into a path.
fn encode_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_contact_omits_none() {
        let contact = ImportContact {
            email: "a@example.com".into(),
            ..ImportContact::default()
        };
        let json = serde_json::to_string(&contact).unwrap();
        assert_eq!(json, r#"{"email":"a@example.com"}"#);
        assert!(!json.contains("null"));
    }

    #[test]
    fn skip_token_from_next_page() {
        assert_eq!(
            skip_token_of("https://x.qualtrics.com/API/v3/a?skipToken=abc&x=1").as_deref(),
            Some("abc")
        );
        assert_eq!(skip_token_of("https://x.qualtrics.com/API/v3/a"), None);
    }
}
