//! Updating a contact's directory record, for contacts that are no longer on a mailing list.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Serialize;

use crate::client::QualtricsClient;
use crate::error::Error;
use crate::ids::{ContactId, DirectoryId};
use crate::retry::RequestSafety;

/// The body of a directory contact update that carries embedded data only, so no other field
/// of the contact is sent.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EmbeddedDataUpdate<'a> {
    embedded_data: &'a BTreeMap<String, String>,
}

impl QualtricsClient {
    /// Sets embedded data fields on a directory contact and keeps the others: reads the
    /// contact, then `PUT`s its whole embedded data map with `fields` changed, because a `PUT`
    /// may replace the stored map.
    ///
    /// NOTE: read and write are two requests, so a change made by someone else in between is
    /// overwritten for the embedded data keys read.
    #[tracing::instrument(skip_all, fields(directory = %directory, contact = %contact))]
    pub async fn set_directory_embedded_fields(
        &self,
        directory: &DirectoryId,
        contact: &ContactId,
        fields: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        let current = self.get_directory_contact(directory, contact).await?;
        let mut embedded = current.embedded_data.unwrap_or_default();
        embedded.extend(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );

        let path = format!("directories/{directory}/contacts/{contact}");
        let url = self.url(&path, &[]);
        let body = EmbeddedDataUpdate {
            embedded_data: &embedded,
        };
        self.call(
            "update_directory_contact",
            Method::PUT,
            url,
            Some(&body),
            RequestSafety::Idempotent,
        )
        .await?;
        Ok(())
    }
}
