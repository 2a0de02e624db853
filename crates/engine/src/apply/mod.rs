//! Writing a plan to Qualtrics and confirming each row in the store.
//!
//! Rows are written through calls that merge embedded data (create in list, import), or through
//! a read of the contact followed by a `PUT` of its whole embedded data map. A `PUT` may replace
//! the stored map, so a partial one would erase fields that cohortsync does not own.

mod bulk;
mod preflight;
mod row;
mod single;

use std::collections::{BTreeMap, HashMap};

use cohortsync_domain::{Entering, Leaving, MemberState};
use cohortsync_qualtrics::QualtricsClient;
use cohortsync_store::{RunId, Store};

use crate::progress::Progress;
use crate::request::{Destination, EngineSettings, RemovalMode};

pub(crate) use preflight::{planned_reports, preflight, unattempted_reports};
pub(crate) use row::{Direction, RowResult, WorkRow};

/// The value written for members of the cohort.
pub(crate) const ACTIVE: &str = "active";
/// The value written for members who left the cohort.
pub(crate) const INACTIVE: &str = "inactive";

/// Everything one run needs to write rows.
pub(crate) struct Writer<'a> {
    pub client: &'a QualtricsClient,
    pub store: &'a Store,
    pub settings: &'a EngineSettings,
    pub destination: &'a Destination,
    pub cohort_id: &'a str,
    pub run_id: RunId,
    pub field: &'a str,
    pub removal: RemovalMode,
    /// Whether the directory de-duplicates contacts on email.
    pub deduplicates: bool,
    pub progress: &'a dyn Progress,
}

/// Totals of the apply phase.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub entered: u64,
    pub left: u64,
    pub failed: u64,
    /// Set when Qualtrics rejected the credentials (401) or their permissions (403), which
    /// makes every further write pointless. The rows not yet written are failed with it.
    pub fatal: Option<String>,
}

impl Tally {
    fn add(&mut self, results: &[RowResult]) {
        for result in results {
            match (&result.outcome, result.row.direction) {
                (Ok(_), Direction::Enter) => self.entered += 1,
                (Ok(_), Direction::Leave) => self.left += 1,
                (Err(failure), _) => {
                    self.failed += 1;
                    if failure.fatal && self.fatal.is_none() {
                        self.fatal = Some(failure.message.clone());
                    }
                }
            }
        }
    }
}

impl Writer<'_> {
    /// Writes the entering rows, then the leaving rows, confirming as Qualtrics confirms.
    pub async fn apply(
        &self,
        entering: Vec<Entering>,
        leaving: Vec<Leaving>,
    ) -> Result<Tally, cohortsync_store::StoreError> {
        let mut tally = Tally::default();
        self.progress
            .start((entering.len() + leaving.len()) as u64);

        if !entering.is_empty() {
            self.progress.message("reading the mailing list's members");
            let members = read_list_members(self.client, self.destination).await;
            match members {
                Ok(members) => {
                    let rows = entering
                        .into_iter()
                        .map(|e| WorkRow::entering(e, self.field, Some(&members)))
                        .collect();
                    self.write_entering(rows, &mut tally).await?;
                }
                Err(error) => {
                    let message = format!(
                        "reading the members of mailing list {} failed: {error}",
                        self.destination.mailing_list_id
                    );
                    let rows: Vec<WorkRow> = entering
                        .into_iter()
                        .map(|e| WorkRow::entering(e, self.field, None))
                        .collect();
                    let fatal = matches!(error.status(), Some(401 | 403));
                    let results = row::fail_all(rows, &message, fatal);
                    self.confirm(&results).await?;
                    tally.add(&results);
                }
            }
        }

        if !leaving.is_empty() {
            let rows: Vec<WorkRow> = leaving.into_iter().map(WorkRow::leaving).collect();
            if let Some(fatal) = tally.fatal.clone() {
                let results = row::fail_all(rows, &format!("not attempted: {fatal}"), false);
                self.confirm(&results).await?;
                tally.add(&results);
            } else {
                self.write_leaving(rows, &mut tally).await?;
            }
        }

        self.progress.finish();
        Ok(tally)
    }

    async fn write_entering(
        &self,
        rows: Vec<WorkRow>,
        tally: &mut Tally,
    ) -> Result<(), cohortsync_store::StoreError> {
        if self.deduplicates && rows.len() >= self.settings.bulk_threshold {
            self.progress.message("importing entering members");
            return self.import(rows, tally).await;
        }
        self.progress.message("writing entering members");
        self.write_each(rows, tally).await
    }

    async fn write_leaving(
        &self,
        rows: Vec<WorkRow>,
        tally: &mut Tally,
    ) -> Result<(), cohortsync_store::StoreError> {
        if self.removal == RemovalMode::None {
            let results: Vec<RowResult> = rows.into_iter().map(RowResult::left_untouched).collect();
            self.confirm(&results).await?;
            tally.add(&results);
            self.progress.advance(results.len() as u64);
            return Ok(());
        }

        // NOTE: an import also puts a contact back on the list when someone took it off in
        // Qualtrics since it entered. Single-contact updates never change list membership.
        let bulk = self.deduplicates
            && self.removal == RemovalMode::Inactive
            && rows.len() >= self.settings.bulk_threshold;
        self.progress.message("writing leaving members");
        if bulk {
            self.import(rows, tally).await
        } else {
            self.write_each(rows, tally).await
        }
    }

    /// Records results: confirmed rows into the snapshot, every row into the run's report.
    pub(crate) async fn confirm(
        &self,
        results: &[RowResult],
    ) -> Result<(), cohortsync_store::StoreError> {
        let confirmed: Vec<_> = results
            .iter()
            .filter_map(|r| r.snapshot_row(self.field))
            .collect();
        if !confirmed.is_empty() {
            self.store
                .confirm_rows(&self.destination.name, self.cohort_id, &confirmed)
                .await?;
        }
        let reports: Vec<_> = results.iter().map(RowResult::report).collect();
        self.store.add_row_reports(self.run_id, &reports).await?;
        Ok(())
    }
}

/// A current member of the mailing list, as the run read it.
#[derive(Debug, Clone)]
pub(crate) struct ListedContact {
    pub contact_id: String,
    /// The email as Qualtrics stores it, sent back unchanged so a run never rewrites its case.
    pub email: String,
}

/// Reads the list's current members, keyed by lowercased email, to learn which entering
/// members are already on the list (and so were not put there by cohortsync).
pub(crate) async fn read_list_members(
    client: &QualtricsClient,
    destination: &Destination,
) -> Result<HashMap<String, ListedContact>, cohortsync_qualtrics::Error> {
    let contacts = client
        .list_all_mailing_list_contacts(&destination.directory_id, &destination.mailing_list_id, false)
        .await?;
    let mut members = HashMap::with_capacity(contacts.len());
    for contact in contacts {
        if let Some(email) = contact.email {
            let email = email.trim().to_owned();
            members.insert(
                email.to_lowercase(),
                ListedContact {
                    contact_id: contact.contact_id.to_string(),
                    email,
                },
            );
        }
    }
    Ok(members)
}

/// Embedded data fields for an entering row: the current field active, and a renamed cohort's
/// old field inactive.
pub(crate) fn entering_fields(field: &str, renamed_from: Option<&str>) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    fields.insert(field.to_owned(), ACTIVE.to_owned());
    if let Some(old) = renamed_from {
        fields.insert(old.to_owned(), INACTIVE.to_owned());
    }
    fields
}

/// Returns the snapshot state a leaving row ends in under `removal`.
pub(crate) fn leaving_state(removal: RemovalMode, removed: bool) -> MemberState {
    match (removal, removed) {
        (RemovalMode::RemoveFromList, true) => MemberState::Removed,
        _ => MemberState::Inactive,
    }
}
