//! The import worker: applies queued rows at `importContactsPerSecond`, in arrival order.

use std::time::Instant;

use serde_json::{json, Value};

use super::{ImportRow, JobStatus, MAX_ROWS_PER_STEP, WORKER_TICK};
use crate::model::check_embedded_data;
use crate::state::{now_ms, SharedState, State as SimState};

/// Runs import jobs until the simulator stops: applies rows at `importContactsPerSecond`,
/// jobs in arrival order, at most `maxRunningImports` at once and one at a time per list.
pub async fn run_worker(shared: SharedState) {
    let mut last_step = Instant::now();
    loop {
        let busy = {
            let mut state = shared.lock();
            let now = Instant::now();
            let elapsed = now.duration_since(last_step).as_secs_f64();
            last_step = now;
            step(&mut state, elapsed)
        };
        if busy {
            tokio::time::sleep(WORKER_TICK).await;
        } else {
            shared.import_wakeup.notified().await;
            last_step = Instant::now();
        }
    }
}

/// Applies the rows that `elapsed_secs` pays for; returns whether work remains that the
/// current speed will progress.
fn step(state: &mut SimState, elapsed_secs: f64) -> bool {
    let rate = f64::from(state.limits.import_contacts_per_second);
    if state.imports.active.is_empty() {
        state.imports.budget = 0.0;
        return false;
    }
    if rate <= 0.0 {
        return false;
    }
    // Budget never exceeds one second's worth, so an idle period does not release a burst.
    state.imports.budget = (state.imports.budget + rate * elapsed_secs).min(rate.max(1.0));

    let carried = (state.imports.budget - MAX_ROWS_PER_STEP).max(0.0);
    state.imports.budget -= carried;
    let runnable = runnable_jobs(state);
    for import_id in runnable {
        advance_job(state, &import_id);
    }
    state.imports.budget += carried;
    state.imports.active.retain(|id| {
        state
            .imports
            .jobs
            .get(id)
            .is_some_and(|job| job.status == JobStatus::InProgress)
    });
    !state.imports.active.is_empty()
}

/// Picks running jobs: in arrival order, skipping a job whose list has an earlier active job.
fn runnable_jobs(state: &SimState) -> Vec<String> {
    let mut busy_lists = std::collections::HashSet::new();
    let mut runnable = Vec::new();
    for import_id in &state.imports.active {
        if runnable.len() >= state.limits.max_running_imports {
            break;
        }
        let Some(job) = state.imports.jobs.get(import_id) else {
            continue;
        };
        let list_key = (job.directory_id.clone(), job.list_id.clone());
        if busy_lists.insert(list_key) {
            runnable.push(import_id.clone());
        }
    }
    runnable
}

fn advance_job(state: &mut SimState, import_id: &str) {
    let mut job = state
        .imports
        .jobs
        .remove(import_id)
        .expect("active jobs are stored");

    if job.will_fail {
        job.status = JobStatus::Failed;
        job.failed = job.rows.len();
        for row in &job.rows {
            job.report.push(report_entry(
                row,
                None,
                "failed",
                "IMPORT_JOB_FAILED",
                Some("The simulator failed this import job."),
            ));
        }
        tracing::info!(import_id, "import job failed by an injected fault");
        state.imports.jobs.insert(import_id.to_string(), job);
        return;
    }

    let mut next_seq = state.next_seq;
    while job.processed < job.rows.len() && state.imports.budget >= 1.0 {
        state.imports.budget -= 1.0;
        let row = &job.rows[job.processed];
        job.processed += 1;

        if let Some(data) = &row.input.embedded_data {
            if let Err(message) = check_embedded_data(data) {
                job.failed += 1;
                job.report.push(report_entry(
                    row,
                    None,
                    "failed",
                    "INVALID_EMBEDDED_DATA",
                    Some(&message),
                ));
                continue;
            }
        }
        let Some(directory) = state
            .directories
            .iter_mut()
            .find(|directory| directory.id == job.directory_id)
        else {
            break;
        };
        let outcome = directory.write_into_list(&job.list_id, &row.input, now_ms(), &mut next_seq);
        let (status, code) = if outcome.updated {
            ("updated", "UPDATED")
        } else {
            ("added", "ADDED")
        };
        if outcome.updated {
            job.updated += 1;
        } else {
            job.added += 1;
        }
        let mut entry = report_entry(row, Some(&outcome.contact_id), status, code, None);
        entry["contactListContactId"] = json!(outcome.lookup_id);
        entry["contactListContactStatus"] = json!(if outcome.added_to_list {
            "added"
        } else {
            "existing"
        });
        job.report.push(entry);
    }
    state.next_seq = next_seq;

    if job.processed >= job.rows.len() {
        job.status = JobStatus::Completed;
        tracing::debug!(
            import_id,
            added = job.added,
            updated = job.updated,
            failed = job.failed,
            "import job completed"
        );
    }
    state.imports.jobs.insert(import_id.to_string(), job);
}

// NOTE: importStatus, importStatusCode and contactListContactStatus values are assumed, and
// sourceIndexId is sent as a string; Qualtrics documents the field names only.
fn report_entry(
    row: &ImportRow,
    contact_id: Option<&str>,
    status: &str,
    code: &str,
    message: Option<&str>,
) -> Value {
    let mut entry = json!({
        "sourceIndexId": row.source_index.to_string(),
        "email": row.input.email,
        "contactId": contact_id,
        "importStatus": status,
        "importStatusCode": code,
        "contactListContactId": null,
        "contactListContactStatus": null,
    });
    if let Some(message) = message {
        entry["errorMessage"] = json!(message);
    }
    entry
}
