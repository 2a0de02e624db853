//! One run: key the members, diff against the snapshot, apply, and record the run.

use cohortsync_domain::{key_members, plan, FieldName, FieldNameError, SkipReason};
use cohortsync_qualtrics::QualtricsClient;
use cohortsync_store::{
    NewRun, RowOperation, RowOutcome, RowReport, RunCounts, RunId, RunStatus as StoredStatus, Store,
    StoreError,
};

use crate::apply::{read_list_members, Tally, Writer};
use crate::progress::Progress;
use crate::report::{Counts, FieldShortening, RunReport, RunStatus, SkippedByReason};
use crate::request::{EngineSettings, ExportRequest};

/// Errors that stop a run before or outside of Qualtrics: the run cannot be recorded or its
/// field name cannot be built. Qualtrics failures end the run as `failed` in its report instead.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    FieldName(#[from] FieldNameError),
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}

/// Runs one export and records it. Returns the report of a run that was recorded, whether it
/// succeeded or not.
#[tracing::instrument(skip_all, fields(
    destination = %request.destination.name,
    cohort = %request.cohort_id,
    dry_run = request.dry_run,
))]
pub async fn run_export(
    client: &QualtricsClient,
    store: &Store,
    settings: &EngineSettings,
    request: ExportRequest,
    progress: &dyn Progress,
) -> Result<RunReport, EngineError> {
    let field = FieldName::build(&request.field_prefix, &request.cohort_name, &request.cohort_id)?;
    let destination = &request.destination;
    let cohort_id = request.cohort_id.as_str();

    let mut counts = Counts {
        members: request.members.len() as u64,
        ..Counts::default()
    };
    let keyed = key_members(request.members, &destination.email_property);
    let snapshot = store.load_snapshot(&destination.name, cohort_id).await?;
    let plan = plan(keyed, &snapshot, field.as_str());

    let run_id = store
        .create_run(&NewRun {
            destination: destination.name.clone(),
            cohort_id: cohort_id.to_owned(),
            cohort_name: request.cohort_name.as_str().to_owned(),
            field_name: field.as_str().to_owned(),
            source: request.source.clone(),
            dry_run: request.dry_run,
        })
        .await?;
        tracing::info!(
        run_id = run_id.0,
        entering = plan.entering.len(),
        leaving = plan.leaving.len(),
        unchanged = plan.unchanged.len(),
        skipped = plan.skipped.len(),
        "run planned"
    );

    let mut warnings = Vec::new();
    if let Some(original) = field.shortened_from() {
        warnings.push(format!(
            "the field name was shortened from {original} to {} characters to fit Qualtrics' \
             200-character limit: {:?}",
            field.as_str().chars().count(),
            field.as_str()
        ));
    }
    let mut renamed_from: Vec<String> = plan
        .entering
        .iter()
        .filter_map(|e| e.renamed_from.clone())
        .chain(
            plan.leaving
                .iter()
                .filter(|l| l.row.field_name != field.as_str())
                .map(|l| l.row.field_name.clone()),
        )
        .collect();
    renamed_from.sort();
    renamed_from.dedup();

    // Skipped members go into the row report first, whatever happens next.
    let mut skipped_by_reason = SkippedByReason::default();
    let skipped_reports: Vec<RowReport> = plan
        .skipped
        .iter()
        .map(|skipped| {
            match skipped.reason {
                SkipReason::MissingEmail => skipped_by_reason.missing_email += 1,
                SkipReason::InvalidEmail(_) => skipped_by_reason.invalid_email += 1,
                SkipReason::DuplicateEmail => skipped_by_reason.duplicate_email += 1,
            }
            RowReport {
                email: skipped.raw_email.clone(),
                user_id: skipped.user_id.clone(),
                operation: RowOperation::Skip,
                outcome: RowOutcome::Skipped,
                reason: Some(skip_reason_text(&skipped.reason)),
                contact_id: None,
            }
        })
        .collect();
    store.add_row_reports(run_id, &skipped_reports).await?;
    counts.skipped = plan.skipped.len() as u64;
    counts.unchanged = plan.unchanged.len() as u64;

    let mut report = RunReport {
        run_id: run_id.0,
        status: RunStatus::Succeeded,
        dry_run: request.dry_run,
        destination: destination.name.clone(),
        cohort_id: cohort_id.to_owned(),
        cohort_name: request.cohort_name.as_str().to_owned(),
        field: field.as_str().to_owned(),
        field_shortened: field.shortened_from().map(|original| FieldShortening {
            original_chars: original,
            written_chars: field.as_str().chars().count(),
        }),
        renamed_from,
        removal: request.removal.as_str().to_owned(),
        counts,
        skipped_by_reason,
        requests: 0,
        error: None,
        credentials_rejected: false,
        warnings,
    };

    // A dry run reads from Qualtrics too: the checks below and the list's members tell it
    // which rows would create and which would update, and prove the destination is usable.
    let requests_before = client.requests_sent();
    let deduplicates = match crate::apply::preflight(client, destination).await {
        Ok(preflight) => preflight,
        Err(failure) => {
            report.error = Some(failure.message);
            report.credentials_rejected = failure.credentials_rejected;
            report.status = RunStatus::Failed;
            let total = (plan.entering.len() + plan.leaving.len()) as u64;
            report.counts.failed = total;
            let not_attempted = crate::apply::unattempted_reports(&plan, report.error.as_deref().unwrap_or_default());
            store.add_row_reports(run_id, &not_attempted).await?;
            report.requests = client.requests_sent() - requests_before;
            return finish(store, report).await;
        }
    };
    if !deduplicates {
        report.warnings.push(format!(
            "directory {} does not de-duplicate contacts on email, so the run looks up each \
             entering email before it creates a contact; this takes more requests and is slower",
            destination.directory_id
        ));
    }

    if request.dry_run {
        let members = if plan.entering.is_empty() {
            Ok(Default::default())
        } else {
            read_list_members(client, destination).await
        };
        report.requests = client.requests_sent() - requests_before;
        return match members {
            Ok(members) => {
                let planned = crate::apply::planned_reports(&plan, request.removal, &members);
                store.add_row_reports(run_id, &planned).await?;
                report.counts.entered = plan.entering.len() as u64;
                report.counts.left = plan.leaving.len() as u64;
                finish(store, report).await
            }
            Err(error) => {
                report.status = RunStatus::Failed;
                report.error = Some(format!(
                    "reading the members of mailing list {} failed: {error}",
                    destination.mailing_list_id
                ));
                finish(store, report).await
            }
        };
    }

    let writer = Writer {
        client,
        store,
        settings,
        destination,
        cohort_id,
        run_id,
        field: field.as_str(),
        removal: request.removal,
        deduplicates,
        progress,
    };
    let tally: Tally = writer.apply(plan.entering, plan.leaving).await?;

    report.counts.entered = tally.entered;
    report.counts.left = tally.left;
    report.counts.failed = tally.failed;
    report.requests = client.requests_sent() - requests_before;
    report.status = match (&tally.fatal, tally.failed) {
        (Some(_), _) => RunStatus::Failed,
        (None, 0) => RunStatus::Succeeded,
        (None, _) if tally.entered + tally.left == 0 => RunStatus::Failed,
        (None, _) => RunStatus::PartiallyFailed,
    };
    report.credentials_rejected = tally.fatal.is_some();
    report.error = tally.fatal;
    finish(store, report).await
}

/// Records the end of the run and returns its report.
async fn finish(store: &Store, report: RunReport) -> Result<RunReport, EngineError> {
    let status = match report.status {
        RunStatus::Succeeded => StoredStatus::Succeeded,
        RunStatus::PartiallyFailed => StoredStatus::PartiallyFailed,
        RunStatus::Failed => StoredStatus::Failed,
    };
    let counts = RunCounts {
        members: report.counts.members,
        entered: report.counts.entered,
        left: report.counts.left,
        unchanged: report.counts.unchanged,
        skipped: report.counts.skipped,
        failed: report.counts.failed,
    };
    store
        .finish_run(RunId(report.run_id), status, &counts, report.requests, report.error.clone())
        .await?;
    tracing::info!(
        run_id = report.run_id,
        status = report.status.as_str(),
        entered = report.counts.entered,
        left = report.counts.left,
        failed = report.counts.failed,
        requests = report.requests,
        "run finished"
    );
    Ok(report)
}

fn skip_reason_text(reason: &SkipReason) -> String {
    match reason {
        SkipReason::MissingEmail => "missing_email: the email property is empty or absent".to_owned(),
        SkipReason::InvalidEmail(error) => format!("invalid_email: {error}"),
        SkipReason::DuplicateEmail => {
            "duplicate_email: an earlier member of this cohort has the same email".to_owned()
        }
    }
}
