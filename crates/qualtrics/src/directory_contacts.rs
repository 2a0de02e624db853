//! Directory contact calls: read a contact with its list memberships, search by email.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::QualtricsClient;
use crate::error::Error;
use crate::ids::{ContactId, DirectoryId};
use crate::lenient;

/// A contact's membership in one mailing list, from `mailingListMembership`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// The membership ID, `CGC_…`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub contact_lookup_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub unsubscribed: bool,
    /// Unsubscribe time in milliseconds since the Unix epoch, when unsubscribed.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub unsubscribe_date: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub owner_id: Option<String>,
}

/// A directory contact, as read from `GET /directories/{dir}/contacts/{id}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryContact {
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
    #[serde(default, deserialize_with = "lenient::flag")]
    pub unsubscribed: bool,
    #[serde(default, deserialize_with = "lenient::embedded_data")]
    pub embedded_data: Option<BTreeMap<String, String>>,
    /// Memberships keyed by mailing list ID (`CG_…`).
    #[serde(default)]
    pub mailing_list_membership: BTreeMap<String, Membership>,
}

/// A contact from a directory search. The search endpoint names fields differently from the
/// contact endpoints (`id`, `phoneNumber`, `externalDataReference`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchContact {
    #[serde(alias = "contactId")]
    pub id: ContactId,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string", alias = "phone")]
    pub phone_number: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string", alias = "extRef")]
    pub external_data_reference: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub unsubscribed: bool,
    #[serde(default, deserialize_with = "lenient::embedded_data")]
    pub embedded_data: Option<BTreeMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody<'a> {
    filter: EmailFilter<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmailFilter<'a> {
    filter_type: &'static str,
    comparison: &'static str,
    value: &'a str,
}

impl QualtricsClient {
    /// Reads a directory contact, including `mailingListMembership`.
    #[tracing::instrument(skip_all, fields(directory = %directory, contact = %contact))]
    pub async fn get_directory_contact(
        &self,
        directory: &DirectoryId,
        contact: &ContactId,
    ) -> Result<DirectoryContact, Error> {
        let path = format!("directories/{directory}/contacts/{contact}");
        self.get("get_directory_contact", self.url(&path, &[]))
            .await
    }

    /// Finds the contacts of a directory whose email equals `email` (Qualtrics ignores case and
    /// surrounding spaces), following all pages, with embedded data.
    #[tracing::instrument(skip_all, fields(directory = %directory))]
    pub async fn search_contacts_by_email(
        &self,
        directory: &DirectoryId,
        email: &str,
    ) -> Result<Vec<SearchContact>, Error> {
        let path = format!("directories/{directory}/contacts/search");
        let url = self.url(&path, &[("includeEmbedded", "true")]);
        let body = SearchBody {
            filter: EmailFilter {
                filter_type: "email",
                comparison: "eq",
                value: email,
            },
        };
        self.get_all("search_contacts", Method::POST, url, Some(&body))
            .await
    }
}
