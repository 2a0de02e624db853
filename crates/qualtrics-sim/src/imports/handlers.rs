//! Import request handlers: start an import, read its status and page its report.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use super::{
    ImportJob, ImportRow, JobStatus, MAX_IMPORT_BYTES, MAX_IMPORT_CONTACTS, REPORT_PAGE_SIZE,
};
use crate::auth::Authenticated;
use crate::contacts::parse_json;
use crate::envelope::{self, ApiError, PAYLOAD_TOO_LARGE};
use crate::ids;
use crate::input::{parse_contact, BodyKind};
use crate::model::ContactInput;
use crate::paging::{self, Cursor};
use crate::state::SharedState;

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
