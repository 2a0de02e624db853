//! Mailing list member calls: page through, create, read, update and remove members.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{Page, PageCursor, QualtricsClient};
use crate::error::Error;
use crate::ids::{ContactId, DirectoryId, MailingListId};
use crate::lenient;
use crate::retry::RequestSafety;

/// Members per page; Qualtrics allows at most 50 on this endpoint.
const MEMBERS_PAGE_SIZE: &str = "50";

/// A member of a mailing list, as read from the list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListContact {
    pub contact_id: ContactId,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub ext_ref: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub language: Option<String>,
    /// Unsubscribed from the whole directory.
    #[serde(default, deserialize_with = "lenient::flag")]
    pub unsubscribed: bool,
    /// Unsubscribed from this list only. Read-only.
    #[serde(default, deserialize_with = "lenient::flag")]
    pub mailing_list_unsubscribed: bool,
    /// The membership ID, `CGC_…`. Read-only.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_lookup_id: Option<String>,
    /// Embedded data; present only when read with embedded data included.
    #[serde(default, deserialize_with = "lenient::embedded_data")]
    pub embedded_data: Option<BTreeMap<String, String>>,
}

/// Fields of a contact to create in a mailing list. `None` fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_data: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_embedded_data: Option<BTreeMap<String, String>>,
}

/// The body of a member update (`PUT`). `None` fields are not sent.
///
/// Qualtrics does not document whether `embeddedData` here is merged or replaces the stored
/// map, so treat it as replacing: send the whole map, or use
/// [`QualtricsClient::set_embedded_fields`].
pub type ContactUpdate = NewContact;

/// The result of a create: the contact ID and the membership ID.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedContact {
    pub id: ContactId,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_lookup_id: Option<String>,
}

/// Whether a contact create may be resent after a failure that may have reached Qualtrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateRetry {
    /// The directory de-duplicates on email and the contact has an email, so a resend updates
    /// the same contact: retried like any idempotent call.
    DirectoryDeduplicatesEmail,
    /// A resend could create a second contact: retried only when the connection never opened.
    OnlyIfNotSent,
}

impl QualtricsClient {
    /// Fetches one page of the members of a list, up to 50. Pass `None` for the first page and
    /// the previous page's `next` afterwards.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list))]
    pub async fn list_mailing_list_contacts(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        include_embedded: bool,
        cursor: Option<&PageCursor>,
    ) -> Result<Page<ListContact>, Error> {
        let url = match cursor {
            Some(cursor) => cursor.url().clone(),
            None => self.members_url(directory, mailing_list, include_embedded),
        };
        self.get_page("list_contacts", Method::GET, url, None::<&()>)
            .await
    }

    /// Fetches all members of a list, following every page.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list))]
    pub async fn list_all_mailing_list_contacts(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        include_embedded: bool,
    ) -> Result<Vec<ListContact>, Error> {
        let url = self.members_url(directory, mailing_list, include_embedded);
        self.get_all("list_contacts", Method::GET, url, None::<&()>)
            .await
    }

    fn members_url(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        include_embedded: bool,
    ) -> url::Url {
        let path = format!("directories/{directory}/mailinglists/{mailing_list}/contacts");
        let mut query = vec![("pageSize", MEMBERS_PAGE_SIZE)];
        if include_embedded {
            query.push(("includeEmbedded", "true"));
        }
        self.url(&path, &query)
    }

    /// Creates a contact in a list (`POST`). With email de-duplication on in the directory,
    /// Qualtrics updates the matching contact instead and returns its ID.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list))]
    pub async fn create_mailing_list_contact(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &NewContact,
        retry: CreateRetry,
    ) -> Result<CreatedContact, Error> {
        let safety = match retry {
            CreateRetry::DirectoryDeduplicatesEmail if contact.email.is_some() => {
                RequestSafety::Idempotent
            }
            _ => RequestSafety::OnlyIfNotSent,
        };
        let path = format!("directories/{directory}/mailinglists/{mailing_list}/contacts");
        let url = self.url(&path, &[]);
        self.call("create_contact", Method::POST, url, Some(contact), safety)
            .await?
            .result()
    }

    /// Reads one member of a list, with its embedded data.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, contact = %contact))]
    pub async fn get_mailing_list_contact(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &ContactId,
    ) -> Result<ListContact, Error> {
        let url = self.member_url(directory, mailing_list, contact);
        self.get("get_list_contact", url).await
    }

    /// Updates a member (`PUT`). The `embeddedData` sent may replace the stored map whole, so
    /// send the complete map; [`QualtricsClient::set_embedded_fields`] does that for you.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, contact = %contact))]
    pub async fn update_mailing_list_contact(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &ContactId,
        update: &ContactUpdate,
    ) -> Result<(), Error> {
        let url = self.member_url(directory, mailing_list, contact);
        self.call(
            "update_list_contact",
            Method::PUT,
            url,
            Some(update),
            RequestSafety::Idempotent,
        )
        .await?;
        Ok(())
    }

    /// Sets embedded data fields of a member and keeps its other fields: reads the member, then
    /// sends its whole embedded data map back with `fields` changed, because the `PUT` may
    /// replace the stored map. The body carries `embeddedData` only, so `unsubscribed`, names,
    /// language and the read-only fields (`contactId`, `contactLookupId`,
    /// `mailingListUnsubscribed`) are never sent: a contact who unsubscribes between the read
    /// and the write stays unsubscribed.
    ///
    /// NOTE: read and write are two requests, so a change made by someone else in between is
    /// overwritten for the embedded data keys read.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, contact = %contact))]
    pub async fn set_embedded_fields(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &ContactId,
        fields: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let current = self
            .get_mailing_list_contact(directory, mailing_list, contact)
            .await?;
        let mut embedded = current.embedded_data.unwrap_or_default();
        embedded.extend(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        let update = ContactUpdate {
            embedded_data: Some(embedded),
            ..ContactUpdate::default()
        };
        self.update_mailing_list_contact(directory, mailing_list, contact, &update)
            .await
    }

    /// Takes a contact off a list (`DELETE` on the membership). The contact stays in the
    /// directory.
    #[tracing::instrument(skip_all, fields(directory = %directory, mailing_list = %mailing_list, contact = %contact))]
    pub async fn remove_from_mailing_list(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &ContactId,
    ) -> Result<(), Error> {
        let url = self.member_url(directory, mailing_list, contact);
        self.call(
            "remove_list_contact",
            Method::DELETE,
            url,
            None::<&()>,
            RequestSafety::Idempotent,
        )
        .await?;
        Ok(())
    }

    fn member_url(
        &self,
        directory: &DirectoryId,
        mailing_list: &MailingListId,
        contact: &ContactId,
    ) -> url::Url {
        let path =
            format!("directories/{directory}/mailinglists/{mailing_list}/contacts/{contact}");
        self.url(&path, &[])
    }
}
