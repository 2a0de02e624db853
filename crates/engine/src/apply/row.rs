//! One row of work (a member entering or leaving) and what became of it.

use std::collections::{BTreeMap, HashMap};

use cohortsync_domain::{Entering, Leaving, MemberState, SnapshotRow};
use cohortsync_store::{RowOperation, RowOutcome, RowReport};

use super::{entering_fields, ListedContact, INACTIVE};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Enter,
    Leave,
}

/// A member to write, with the contact details the run has learned.
#[derive(Debug, Clone)]
pub(crate) struct WorkRow {
    /// Normalized email: the snapshot key.
    pub key: String,
    /// The email to send: trimmed, as the source spelled it.
    pub email: String,
    pub user_id: Option<String>,
    pub contact_id: Option<String>,
    /// Embedded data to write.
    pub fields: BTreeMap<String, String>,
    pub direction: Direction,
    /// The field the row's state is recorded under.
    pub field_name: String,
    /// Whether the contact was on the list before this run wrote it; `None` when unknown.
    pub on_list: Option<bool>,
    /// Whether cohortsync put the contact on the list (from the snapshot).
    pub added_to_list: bool,
}

impl WorkRow {
    /// Builds an entering row; `list_members` maps lowercased emails of the list's current
    /// members to their contact IDs.
    /// `None` when the list could not be read.
    pub fn entering(
        entering: Entering,
        field: &str,
        list_members: Option<&HashMap<String, ListedContact>>,
    ) -> WorkRow {
        let key = entering.member.email.normalized().to_owned();
        let listed = list_members.and_then(|members| members.get(&key));
        let previous = entering.previous.as_ref();
        let contact_id = listed
            .map(|l| l.contact_id.clone())
            .or_else(|| previous.and_then(|p| p.contact_id.clone()));
        // A contact already on the list keeps its stored spelling of the email.
        let email = listed.map_or_else(
            || entering.member.email.original().to_owned(),
            |l| l.email.clone(),
        );
        let on_list = list_members.map(|_| listed.is_some());
        WorkRow {
            email,
            user_id: entering.member.member.user_id.clone(),
            contact_id,
            fields: entering_fields(field, entering.renamed_from.as_deref()),
            direction: Direction::Enter,
            field_name: field.to_owned(),
            on_list,
            added_to_list: previous.is_some_and(|p| p.added_to_list),
            key,
        }
    }

    pub fn leaving(leaving: Leaving) -> WorkRow {
        let row = leaving.row;
        let mut fields = BTreeMap::new();
        fields.insert(row.field_name.clone(), INACTIVE.to_owned());
        WorkRow {
            email: row.email.clone(),
            key: row.email.to_lowercase(),
            user_id: row.user_id,
            contact_id: row.contact_id,
            fields,
            direction: Direction::Leave,
            field_name: row.field_name,
            on_list: None,
            added_to_list: row.added_to_list,
        }
    }
}

/// A row Qualtrics confirmed.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub operation: RowOperation,
    pub contact_id: Option<String>,
    pub state: MemberState,
    pub added_to_list: bool,
    /// A remark for the row report, e.g. why a leaving contact stayed on the list.
    pub note: Option<String>,
}

/// A row that could not be written.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub operation: RowOperation,
    /// Qualtrics' message, or what went wrong on the way.
    pub message: String,
    /// The error affects every row (rejected credentials, missing permission).
    pub fatal: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct RowResult {
    pub row: WorkRow,
    pub outcome: Result<Applied, Failure>,
}

impl RowResult {
    /// Records a leaving row under removal mode `none`: nothing is sent, and the row is stored
    /// as inactive so that it does not leave again on every run.
    pub fn left_untouched(row: WorkRow) -> RowResult {
        let added_to_list = row.added_to_list;
        let contact_id = row.contact_id.clone();
        RowResult {
            row,
            outcome: Ok(Applied {
                operation: RowOperation::None,
                contact_id,
                state: MemberState::Inactive,
                added_to_list,
                note: Some("removal mode is none: nothing sent to Qualtrics".to_owned()),
            }),
        }
    }

    /// Returns the snapshot row to confirm, for applied rows only.
    pub fn snapshot_row(&self, _field: &str) -> Option<SnapshotRow> {
        let applied = self.outcome.as_ref().ok()?;
        Some(SnapshotRow {
            email: self.row.key.clone(),
            user_id: self.row.user_id.clone(),
            contact_id: applied.contact_id.clone(),
            state: applied.state,
            field_name: self.row.field_name.clone(),
            added_to_list: applied.added_to_list,
        })
    }

    pub fn report(&self) -> RowReport {
        match &self.outcome {
            Ok(applied) => RowReport {
                email: Some(self.row.email.clone()),
                user_id: self.row.user_id.clone(),
                operation: applied.operation,
                outcome: RowOutcome::Applied,
                reason: applied.note.clone(),
                contact_id: applied.contact_id.clone(),
            },
            Err(failure) => RowReport {
                email: Some(self.row.email.clone()),
                user_id: self.row.user_id.clone(),
                operation: failure.operation,
                outcome: RowOutcome::Failed,
                reason: Some(failure.message.clone()),
                contact_id: self.row.contact_id.clone(),
            },
        }
    }
}

/// Fails every row with one message, e.g. after the list could not be read.
pub(crate) fn fail_all(rows: Vec<WorkRow>, message: &str, fatal: bool) -> Vec<RowResult> {
    fail_each(rows, |row| Failure {
        operation: match row.direction {
            Direction::Enter => RowOperation::Update,
            Direction::Leave => RowOperation::SetInactive,
        },
        message: message.to_owned(),
        fatal,
    })
}

/// Fails every row with the failure `make` builds for it.
pub(crate) fn fail_each(rows: Vec<WorkRow>, make: impl Fn(&WorkRow) -> Failure) -> Vec<RowResult> {
    rows.into_iter()
        .map(|row| {
            let failure = make(&row);
            RowResult {
                row,
                outcome: Err(failure),
            }
        })
        .collect()
}
