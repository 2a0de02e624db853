//! Bulk imports (`transactioncontacts`): request checks, the job queue, the worker task that
//! applies rows at `importContactsPerSecond`, and the status and report endpoints.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use crate::auth::Authenticated;
use crate::contacts::parse_json;
use crate::envelope::{self, ApiError, PAYLOAD_TOO_LARGE};
use crate::ids;
use crate::input::{parse_contact, BodyKind};
use crate::model::{check_embedded_data, ContactInput};
use crate::paging::{self, Cursor};
use crate::state::{now_ms, SharedState, State as SimState};

/// Maximum contacts in one import request.
pub const MAX_IMPORT_CONTACTS: usize = 10_000;
/// Maximum import request body, in bytes (5 MB).
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// Default and maximum page size of the import report.
// NOTE: assumed; the report page size is not documented.
const REPORT_PAGE_SIZE: usize = 500;
/// How often the worker applies rows while jobs are active.
const WORKER_TICK: Duration = Duration::from_millis(10);
/// Rows applied per worker step at most, so a large import does not hold the state lock
/// long enough to stall other requests.
const MAX_ROWS_PER_STEP: f64 = 1000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobStatus {
    InProgress,
    Completed,
    Failed,
}

impl JobStatus {
    fn as_str(self) -> &'static str {
        match self {
            JobStatus::InProgress => "in_progress",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
        }
    }
}

struct ImportRow {
    source_index: usize,
    input: ContactInput,
}

struct ImportJob {
    directory_id: String,
    list_id: String,
    rows: Vec<ImportRow>,
    /// Rows applied so far; the next row to apply is `rows[processed]`.
    processed: usize,
    status: JobStatus,
    will_fail: bool,
    added: usize,
    updated: usize,
    failed: usize,
    report: Vec<Value>,
}

impl ImportJob {
    fn percent_complete(&self) -> u64 {
        match self.status {
            JobStatus::Completed | JobStatus::Failed => 100,
            JobStatus::InProgress if self.rows.is_empty() => 0,
            JobStatus::InProgress => (self.processed * 100 / self.rows.len()) as u64,
        }
    }
}

/// Import jobs of the brand: every job by ID, and the unfinished ones in arrival order.
#[derive(Default)]
pub struct ImportJobs {
    jobs: HashMap<String, ImportJob>,
    active: VecDeque<String>,
    /// Rows the worker may still apply from time already elapsed.
    budget: f64,
}

/// Checks the body and queues a job; rows that break the rules are listed as unprocessed.
pub async fn start_import(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            PAYLOAD_TOO_LARGE,
            format!("Import body of {} bytes exceeds the maximum of {MAX_IMPORT_BYTES}; split it into smaller imports.", body.len()),
        ));
    }
    let body = parse_json(&body)?;
    let Some(object) = body.as_object() else {
        return Err(ApiError::bad_request(
            "Import body must be a JSON object with a contacts array.",
        ));
    };
    if let Some(key) = object
        .keys()
        .find(|key| *key != "contacts" && *key != "transactionMeta")
    {
        return Err(ApiError::bad_request(format!(
            "Unknown field {key:?} in import body; send contacts and, optionally, transactionMeta."
        )));
    }
    let Some(contacts) = object.get("contacts").and_then(Value::as_array) else {
        return Err(ApiError::bad_request("Import body needs a contacts array."));
    };
    if contacts.len() > MAX_IMPORT_CONTACTS {
        return Err(ApiError::bad_request(format!(
            "Import of {} contacts exceeds the maximum of {MAX_IMPORT_CONTACTS}; split it into smaller imports.",
            contacts.len()
        )));
    }

    let mut rows = Vec::new();
    let mut unprocessed = Vec::new();
    for (index, contact) in contacts.iter().enumerate() {
        match parse_import_row(contact) {
            Some(input) => rows.push(ImportRow {
                source_index: index,
                input,
            }),
            None => unprocessed.push(index),
        }
    }

    let mut state = shared.lock();
    let capacity = state.limits.max_running_imports + state.limits.max_queued_imports;
    if state.imports.active.len() >= capacity {
        return Err(ApiError::rate_limited(
            state.limits.retry_after_header.then_some(1),
        ));
    }

    // An import into an unknown directory or list is accepted and completes with all counts
    // 0, as Qualtrics does.
    let known_target = state
        .directory(&directory_id)
        .and_then(|directory| directory.list(&list_id))
        .is_some();
    if !known_target {
        rows.clear();
    }
    let import_id = ids::generate(ids::IMPORT_PREFIX);
    let will_fail = state.faults.import_should_fail();
    state.imports.jobs.insert(
        import_id.clone(),
        ImportJob {
            directory_id,
            list_id,
            rows,
            processed: 0,
            status: JobStatus::InProgress,
            will_fail,
            added: 0,
            updated: 0,
            failed: 0,
            report: Vec::new(),
        },
    );
    state.imports.active.push_back(import_id.clone());
    drop(state);
    shared.import_wakeup.notify_one();

    let tracking_url = format!(
        "http://{}{}/{import_id}",
        headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("127.0.0.1"),
        uri.path().trim_end_matches('/'),
    );
    tracing::debug!(import_id, unprocessed = unprocessed.len(), "import queued");
    Ok(envelope::with_status(
        StatusCode::ACCEPTED,
        json!({
            "id": import_id,
            "contacts": { "unprocessed": unprocessed },
            "tracking": { "url": tracking_url },
            "status": JobStatus::InProgress.as_str(),
        }),
    ))
}

/// Parses one row; `None` marks it unprocessed (null values, wrong types, no email).
fn parse_import_row(value: &Value) -> Option<ContactInput> {
    // Embedded data limits are checked when the row is applied, so an over-long value makes
    // a failed report row instead of an unprocessed one.
    let mut unchecked = value.clone();
    let embedded = unchecked.as_object_mut()?.remove("embeddedData");
    let mut input = parse_contact(&unchecked, BodyKind::ImportRow).ok()?;
    if let Some(embedded) = embedded {
        let object = embedded.as_object()?;
        let mut map = std::collections::BTreeMap::new();
        for (name, value) in object {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => return None,
            };
            map.insert(name.clone(), text);
        }
        input.embedded_data = Some(map);
    }
    input
        .email
        .as_deref()
        .filter(|email| !email.trim().is_empty())?;
    Some(input)
}

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

fn job_not_found(import_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Import {import_id} not found; use the id returned when the import was started."
    ))
}

pub async fn import_status(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id, import_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let state = shared.lock();
    let job = state
        .imports
        .jobs
        .get(&import_id)
        .filter(|job| job.directory_id == directory_id && job.list_id == list_id)
        .ok_or_else(|| job_not_found(&import_id))?;
    Ok(envelope::ok(json!({
        "id": import_id,
        "status": job.status.as_str(),
        "percentComplete": job.percent_complete(),
        "contacts": { "count": { "added": job.added, "updated": job.updated, "failed": job.failed } },
    })))
}

pub async fn import_report(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, import_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = paging::parse_query(raw.as_deref());
    let page = paging::page_request(&pairs, REPORT_PAGE_SIZE, REPORT_PAGE_SIZE)?;

    let state = shared.lock();
    let job = state
        .imports
        .jobs
        .get(&import_id)
        .filter(|job| job.directory_id == directory_id)
        .ok_or_else(|| job_not_found(&import_id))?;
    let start = page.cursor.offset.min(job.report.len());
    let end = (start + page.page_size).min(job.report.len());
    let entries = &job.report[start..end];
    let more = end < job.report.len();
    let skip_token = more.then(|| {
        paging::encode_skip_token(Cursor {
            after_seq: end as u64,
            offset: end,
        })
    });
    let next_page = skip_token
        .as_deref()
        .map(|token| paging::next_page_url(&headers, uri.path(), &pairs, token));
    Ok(envelope::ok(json!({
        "importReportEntries": entries,
        "skipToken": skip_token,
        "nextPage": next_page,
    })))
}
