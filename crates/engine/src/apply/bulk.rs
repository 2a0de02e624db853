//! The bulk path: imports of up to 10,000 contacts and 5 MB, one at a time per list.

use std::collections::HashMap;

use cohortsync_domain::MemberState;
use cohortsync_qualtrics::{ImportContact, ImportReportEntry};
use cohortsync_store::{RowOperation, StoreError};

use super::row::{fail_each, Applied, Failure};
use super::single::failure;
use super::{Direction, RowResult, Tally, WorkRow, Writer};

/// Bytes of JSON framing per contact beyond its email and fields, used to size batches.
const CONTACT_OVERHEAD_BYTES: usize = 64;

impl Writer<'_> {
    /// Imports `rows` in batches, waiting for each import before starting the next one,
    /// because a list processes its imports in order.
    pub(super) async fn import(&self, rows: Vec<WorkRow>, tally: &mut Tally) -> Result<(), StoreError> {
        let batches = self.batches(rows);
        let count = batches.len();
        for (number, batch) in batches.into_iter().enumerate() {
            if let Some(fatal) = tally.fatal.clone() {
                let results = super::row::fail_all(batch, &format!("not attempted: {fatal}"), false);
                self.confirm(&results).await?;
                tally.add(&results);
                continue;
            }
            self.progress
                .message(&format!("importing batch {} of {count}", number + 1));
            let results = self.import_batch(batch).await;
            self.confirm(&results).await?;
            tally.add(&results);
            self.progress.advance(results.len() as u64);
        }
        Ok(())
    }

    /// Splits rows so that each request stays within the contact and byte limits.
    fn batches(&self, rows: Vec<WorkRow>) -> Vec<Vec<WorkRow>> {
        let max_contacts = self.settings.import_batch_size.clamp(1, 10_000);
        let max_bytes = self.settings.import_max_bytes;
        let mut batches = Vec::new();
        let mut current = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let size = CONTACT_OVERHEAD_BYTES
                + row.email.len()
                + row
                    .fields
                    .iter()
                    .map(|(k, v)| k.len() + v.len() + 8)
                    .sum::<usize>();
            if !current.is_empty() && (current.len() >= max_contacts || bytes + size > max_bytes) {
                batches.push(std::mem::take(&mut current));
                bytes = 0;
            }
            bytes += size;
            current.push(row);
        }
        if !current.is_empty() {
            batches.push(current);
        }
        batches
    }

    async fn import_batch(&self, rows: Vec<WorkRow>) -> Vec<RowResult> {
        let operation = |row: &WorkRow| match row.direction {
            Direction::Enter if row.contact_id.is_some() => RowOperation::Update,
            Direction::Enter => RowOperation::Create,
            Direction::Leave => RowOperation::SetInactive,
        };
        let contacts: Vec<ImportContact> = rows
            .iter()
            .map(|row| ImportContact {
                email: row.email.clone(),
                embedded_data: Some(row.fields.clone()),
                ..ImportContact::default()
            })
            .collect();
        let dir = &self.destination.directory_id;
        let list = &self.destination.mailing_list_id;

        let started = match self.client.start_import(dir, list, &contacts).await {
            Ok(started) => started,
            Err(e) => return fail_each(rows, |row| failure(operation(row), &e)),
        };
        tracing::info!(import_id = %started.id, contacts = rows.len(), "import started");

        let waited = self
            .client
            .wait_for_import(dir, list, &started.id, &self.settings.import_poll)
            .await;
        if let Err(e) = waited {
            return fail_each(rows, |row| failure(operation(row), &e));
        }

        let report = match self.client.import_report(dir, &started.id).await {
            Ok(report) => report,
            Err(e) => return fail_each(rows, |row| failure(operation(row), &e)),
        };
        let by_index: HashMap<usize, _> = report
            .into_iter()
            .filter_map(|entry| entry.source_index_id.map(|index| (index as usize, entry)))
            .collect();
        let unprocessed: std::collections::HashSet<usize> = started.unprocessed.iter().copied().collect();

        rows.into_iter()
            .enumerate()
            .map(|(index, row)| {
                let op = operation(&row);
                let outcome = if unprocessed.contains(&index) {
                    Err(Failure {
                        operation: op,
                        message: "Qualtrics did not process this contact: the import rejected it as invalid"
                            .to_owned(),
                        fatal: false,
                    })
                } else {
                    match by_index.get(&index) {
                        None => Err(Failure {
                            operation: op,
                            message: format!(
                                "Qualtrics import {} has no report entry for this contact",
                                started.id
                            ),
                            fatal: false,
                        }),
                        Some(entry) if report_entry_failed(entry) => Err(Failure {
                            operation: op,
                            message: report_entry_message(entry),
                            fatal: false,
                        }),
                        Some(entry) => Ok(Applied {
                            operation: op,
                            contact_id: entry.contact_id.clone().or_else(|| row.contact_id.clone()),
                            state: match row.direction {
                                Direction::Enter => MemberState::Active,
                                Direction::Leave => MemberState::Inactive,
                            },
                            added_to_list: match (row.direction, row.on_list) {
                                (Direction::Enter, Some(false)) => true,
                                _ => row.added_to_list,
                            },
                            note: None,
                        }),
                    }
                };
                RowResult { row, outcome }
            })
            .collect()
    }
}

/// Checks whether a report entry marks the row as not written. Qualtrics does not document the
/// status strings, so anything other than an added or updated contact with an ID counts as failed.
fn report_entry_failed(entry: &ImportReportEntry) -> bool {
    let status = entry.import_status.as_deref().unwrap_or_default();
    let written = status.eq_ignore_ascii_case("added") || status.eq_ignore_ascii_case("updated");
    !written || entry.contact_id.is_none()
}

fn report_entry_message(entry: &ImportReportEntry) -> String {
    let status = entry.import_status.as_deref().unwrap_or("unknown");
    match entry.import_status_code.as_deref() {
        Some(code) => format!("Qualtrics import rejected this contact: {status} ({code})"),
        None => format!("Qualtrics import rejected this contact: {status}"),
    }
}
