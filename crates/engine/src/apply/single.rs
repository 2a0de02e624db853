//! The single-contact path: one or two calls per row, a few rows in flight at once.

use std::collections::BTreeMap;
use std::sync::Mutex;

use cohortsync_domain::MemberState;
use cohortsync_qualtrics::{ContactId, CreateRetry, Error as QualtricsError, NewContact};
use cohortsync_store::{RowOperation, StoreError};
use futures::StreamExt;

use super::row::{Applied, Failure};
use super::{leaving_state, Direction, RowResult, Tally, WorkRow, Writer};
use crate::request::RemovalMode;

impl Writer<'_> {
    /// Writes `rows` one contact at a time and confirms them in groups.
    pub(super) async fn write_each(
        &self,
        rows: Vec<WorkRow>,
        tally: &mut Tally,
    ) -> Result<(), StoreError> {
        let fatal: Mutex<Option<String>> = Mutex::new(tally.fatal.clone());
        let mut results = futures::stream::iter(rows)
            .map(|row| self.write_one(row, &fatal))
            .buffer_unordered(self.settings.concurrency.max(1));

        let mut pending = Vec::with_capacity(self.settings.confirm_every);
        while let Some(result) = results.next().await {
            if let Err(failure) = &result.outcome {
                if failure.fatal {
                    let mut first = fatal.lock().expect("fatal lock poisoned");
                    first.get_or_insert_with(|| failure.message.clone());
                }
            }
            pending.push(result);
            if pending.len() >= self.settings.confirm_every.max(1) {
                self.flush(&mut pending, tally).await?;
            }
        }
        self.flush(&mut pending, tally).await
    }

    async fn flush(&self, pending: &mut Vec<RowResult>, tally: &mut Tally) -> Result<(), StoreError> {
        if pending.is_empty() {
            return Ok(());
        }
        self.confirm(pending).await?;
        tally.add(pending);
        self.progress.advance(pending.len() as u64);
        pending.clear();
        Ok(())
    }

    async fn write_one(&self, row: WorkRow, fatal: &Mutex<Option<String>>) -> RowResult {
        let stopped = fatal.lock().expect("fatal lock poisoned").clone();
        if let Some(message) = stopped {
            let operation = match row.direction {
                Direction::Enter => RowOperation::Create,
                Direction::Leave => RowOperation::SetInactive,
            };
            return RowResult {
                row,
                outcome: Err(Failure {
                    operation,
                    message: format!("not attempted: {message}"),
                    fatal: false,
                }),
            };
        }
        let outcome = match row.direction {
            Direction::Enter => self.enter_one(&row).await,
            Direction::Leave => self.leave_one(&row).await,
        };
        RowResult { row, outcome }
    }

    async fn enter_one(&self, row: &WorkRow) -> Result<Applied, Failure> {
        if self.deduplicates {
            return self.create_in_list(row, CreateRetry::DirectoryDeduplicatesEmail).await;
        }

        // Without email de-duplication a create would make a second contact for someone who
        // already exists, so the run looks the email up first.
        if let (Some(true), Some(contact_id)) = (row.on_list, row.contact_id.as_deref()) {
            let contact_id = parse_contact_id(contact_id, RowOperation::Update)?;
            return self.update_on_list(row, &contact_id).await;
        }
        let found = self
            .client
            .search_contacts_by_email(&self.destination.directory_id, &row.email)
            .await
            .map_err(|e| failure(RowOperation::Create, &e))?;
        let Some(existing) = found.into_iter().next() else {
            return self.create_in_list(row, CreateRetry::OnlyIfNotSent).await;
        };
        let record = self
            .client
            .get_directory_contact(&self.destination.directory_id, &existing.id)
            .await
            .map_err(|e| failure(RowOperation::Update, &e))?;
        if record
            .mailing_list_membership
            .contains_key(self.destination.mailing_list_id.as_str())
        {
            return self.update_on_list(row, &existing.id).await;
        }
        Err(Failure {
            operation: RowOperation::Update,
            message: format!(
                "contact {} already exists in directory {} but is not on mailing list {}, and the \
                 directory does not de-duplicate on email, so adding it would create a duplicate \
                 contact; turn on email de-duplication for the directory or add the contact to the \
                 list in Qualtrics",
                existing.id, self.destination.directory_id, self.destination.mailing_list_id
            ),
            fatal: false,
        })
    }

    async fn create_in_list(&self, row: &WorkRow, retry: CreateRetry) -> Result<Applied, Failure> {
        let operation = if row.contact_id.is_some() {
            RowOperation::Update
        } else {
            RowOperation::Create
        };
        let contact = NewContact {
            email: Some(row.email.clone()),
            embedded_data: Some(row.fields.clone()),
            ..NewContact::default()
        };
        let created = self
            .client
            .create_mailing_list_contact(
                &self.destination.directory_id,
                &self.destination.mailing_list_id,
                &contact,
                retry,
            )
            .await
            .map_err(|e| failure(operation, &e))?;
        Ok(Applied {
            operation,
            contact_id: Some(created.id.to_string()),
            state: MemberState::Active,
            added_to_list: added_by_this_run(row),
            note: None,
        })
    }

    async fn update_on_list(&self, row: &WorkRow, contact_id: &ContactId) -> Result<Applied, Failure> {
        self.client
            .set_embedded_fields(
                &self.destination.directory_id,
                &self.destination.mailing_list_id,
                contact_id,
                &row.fields,
            )
            .await
            .map_err(|e| failure(RowOperation::Update, &e))?;
        Ok(Applied {
            operation: RowOperation::Update,
            contact_id: Some(contact_id.to_string()),
            state: MemberState::Active,
            added_to_list: row.added_to_list,
            note: None,
        })
    }

    async fn leave_one(&self, row: &WorkRow) -> Result<Applied, Failure> {
        let contact_id = match row.contact_id.as_deref() {
            Some(id) => parse_contact_id(id, RowOperation::SetInactive)?,
            None => {
                let found = self
                    .client
                    .search_contacts_by_email(&self.destination.directory_id, &row.email)
                    .await
                    .map_err(|e| failure(RowOperation::SetInactive, &e))?;
                match found.into_iter().next() {
                    Some(contact) => contact.id,
                    None => {
                        return Ok(Applied {
                            operation: RowOperation::SetInactive,
                            contact_id: None,
                            state: MemberState::Inactive,
                            added_to_list: false,
                            note: Some(
                                "no contact with this email in the directory: nothing to mark inactive"
                                    .to_owned(),
                            ),
                        })
                    }
                }
            }
        };

        self.set_inactive(&contact_id, &row.fields).await?;

        let mut applied = Applied {
            operation: RowOperation::SetInactive,
            contact_id: Some(contact_id.to_string()),
            state: leaving_state(self.removal, false),
            added_to_list: row.added_to_list,
            note: None,
        };
        if self.removal != RemovalMode::RemoveFromList {
            return Ok(applied);
        }
        if !row.added_to_list {
            applied.note = Some(
                "kept on the mailing list: cohortsync did not add this contact to it".to_owned(),
            );
            return Ok(applied);
        }
        // Another cohort exported to this list may still need the contact there.
        let other = self
            .store
            .active_in_other_cohort(&self.destination.name, self.cohort_id, &row.key)
            .await
            .map_err(|e| Failure {
                operation: RowOperation::RemoveFromList,
                message: format!("checking the contact's other cohorts failed: {e}"),
                fatal: false,
            })?;
        if let Some(other) = other {
            applied.note = Some(format!(
                "kept on the mailing list: the contact is still active in cohort {other}"
            ));
            return Ok(applied);
        }
        match self
            .client
            .remove_from_mailing_list(
                &self.destination.directory_id,
                &self.destination.mailing_list_id,
                &contact_id,
            )
            .await
        {
            Ok(()) => {}
            // Someone already took the contact off the list.
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(failure(RowOperation::RemoveFromList, &e)),
        }
        applied.operation = RowOperation::RemoveFromList;
        applied.state = leaving_state(self.removal, true);
        applied.added_to_list = false;
        Ok(applied)
    }

    /// Sets fields on a contact through its list membership, or through its directory record
    /// when it is no longer on the list.
    async fn set_inactive(
        &self,
        contact_id: &ContactId,
        fields: &BTreeMap<String, String>,
    ) -> Result<(), Failure> {
        let on_list = self
            .client
            .set_embedded_fields(
                &self.destination.directory_id,
                &self.destination.mailing_list_id,
                contact_id,
                fields,
            )
            .await;
        match on_list {
            Ok(()) => Ok(()),
            Err(e) if e.status() == Some(404) => self
                .client
                .set_directory_embedded_fields(&self.destination.directory_id, contact_id, fields)
                .await
                .map_err(|e| failure(RowOperation::SetInactive, &e)),
            Err(e) => Err(failure(RowOperation::SetInactive, &e)),
        }
    }
}

/// Decides whether the contact ends up on the list because of this run: it was not on the list when
/// the run read it, or cohortsync had put it there before.
fn added_by_this_run(row: &WorkRow) -> bool {
    match row.on_list {
        Some(false) => true,
        Some(true) | None => row.added_to_list,
    }
}

fn parse_contact_id(id: &str, operation: RowOperation) -> Result<ContactId, Failure> {
    id.parse().map_err(|e| Failure {
        operation,
        message: format!("stored contact ID is invalid: {e}"),
        fatal: false,
    })
}

/// Turns a client error into a row failure; rejected credentials and missing permissions stop
/// the run, because every other row would fail the same way.
pub(super) fn failure(operation: RowOperation, error: &QualtricsError) -> Failure {
    Failure {
        operation,
        message: error.to_string(),
        fatal: matches!(error.status(), Some(401 | 403)),
    }
}
