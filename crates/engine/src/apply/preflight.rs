//! Checks before the first write, and the row reports of rows that are never written.

use std::collections::HashMap;

use cohortsync_domain::Plan;
use cohortsync_qualtrics::QualtricsClient;
use cohortsync_store::{RowOperation, RowOutcome, RowReport};

use super::ListedContact;
use crate::request::{Destination, RemovalMode};

/// A destination that cannot be used, with the message for the run report.
pub(crate) struct PreflightError {
    pub message: String,
    /// Qualtrics rejected the credentials (401) or their permissions (403).
    pub credentials_rejected: bool,
}

impl PreflightError {
    fn new(message: String, error: &cohortsync_qualtrics::Error) -> PreflightError {
        PreflightError {
            message,
            credentials_rejected: matches!(error.status(), Some(401 | 403)),
        }
    }
}

/// Confirms that the mailing list exists and reads whether the directory de-duplicates
/// contacts on email.
pub(crate) async fn preflight(
    client: &QualtricsClient,
    destination: &Destination,
) -> Result<bool, PreflightError> {
    let directory_id = &destination.directory_id;
    let list_id = &destination.mailing_list_id;

    if let Err(error) = client.get_mailing_list(directory_id, list_id).await {
        let message = match error.status() {
            Some(404) => format!(
                "mailing list {list_id} not found in directory {directory_id}: check the \
                 destination's directory_id and mailing_list_id ({error})"
            ),
            _ => format!("reading mailing list {list_id} failed: {error}"),
        };
        return Err(PreflightError::new(message, &error));
    }

    let directories = client
        .list_directories()
        .await
        .map_err(|error| PreflightError::new(format!("listing the directories failed: {error}"), &error))?;
    let directory = directories
        .iter()
        .find(|d| &d.directory_id == directory_id)
        .ok_or_else(|| PreflightError {
            message: format!(
                "directory {directory_id} not found among the {} directories these credentials \
                 can read: check the destination's directory_id",
                directories.len()
            ),
            credentials_rejected: false,
        })?;
    Ok(directory.deduplication_criteria.email)
}

/// Row reports of a dry run: what each entering and leaving row would do. `list_members` are
/// the list's current members by lowercased email: an entering member found there, or with a
/// contact ID in the snapshot, is an update.
pub(crate) fn planned_reports(
    plan: &Plan,
    removal: RemovalMode,
    list_members: &HashMap<String, ListedContact>,
) -> Vec<RowReport> {
    let entering = plan.entering.iter().map(|e| {
        let contact_id = list_members
            .get(e.member.email.normalized())
            .map(|listed| listed.contact_id.clone())
            .or_else(|| e.previous.as_ref().and_then(|p| p.contact_id.clone()));
        let (operation, reason) = match (&contact_id, &e.renamed_from) {
            (_, Some(old)) => (
                RowOperation::Update,
                Some(format!("cohort renamed: {old:?} will be set inactive")),
            ),
            (Some(_), None) => (RowOperation::Update, None),
            (None, None) => (
                RowOperation::Create,
                Some("not on the list: a new contact, or an update of a directory contact with this email".to_owned()),
            ),
        };
        RowReport {
            email: Some(e.member.email.original().to_owned()),
            user_id: e.member.member.user_id.clone(),
            operation,
            outcome: RowOutcome::Planned,
            reason,
            contact_id,
        }
    });
    let leaving = plan.leaving.iter().map(|l| {
        let (operation, reason) = match removal {
            RemovalMode::Inactive => (RowOperation::SetInactive, None),
            RemovalMode::RemoveFromList if l.row.added_to_list => (
                RowOperation::RemoveFromList,
                Some("unless another cohort on this list still has the contact".to_owned()),
            ),
            RemovalMode::RemoveFromList => (
                RowOperation::SetInactive,
                Some("kept on the mailing list: cohortsync did not add this contact to it".to_owned()),
            ),
            RemovalMode::None => (
                RowOperation::None,
                Some("removal mode is none: nothing sent to Qualtrics".to_owned()),
            ),
        };
        RowReport {
            email: Some(l.row.email.clone()),
            user_id: l.row.user_id.clone(),
            operation,
            outcome: RowOutcome::Planned,
            reason,
            contact_id: l.row.contact_id.clone(),
        }
    });
    entering.chain(leaving).collect()
}

/// Row reports failing every entering and leaving row with `message`.
pub(crate) fn unattempted_reports(plan: &Plan, message: &str) -> Vec<RowReport> {
    let entering = plan.entering.iter().map(|e| RowReport {
        email: Some(e.member.email.original().to_owned()),
        user_id: e.member.member.user_id.clone(),
        operation: RowOperation::Create,
        outcome: RowOutcome::Failed,
        reason: Some(format!("not attempted: {message}")),
        contact_id: e.previous.as_ref().and_then(|p| p.contact_id.clone()),
    });
    let leaving = plan.leaving.iter().map(|l| RowReport {
        email: Some(l.row.email.clone()),
        user_id: l.row.user_id.clone(),
        operation: RowOperation::SetInactive,
        outcome: RowOutcome::Failed,
        reason: Some(format!("not attempted: {message}")),
        contact_id: l.row.contact_id.clone(),
    });
    entering.chain(leaving).collect()
}
