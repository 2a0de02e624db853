//! Handlers for `whoami`, directories and mailing lists.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use crate::auth::Authenticated;
use crate::envelope::{self, ApiError};
use crate::model::{Directory, MailingList};
use crate::paging::{self, Cursor};
use crate::state::{SharedState, State as SimState};

/// Default and maximum page size for mailing lists.
// NOTE: assumed; Qualtrics does not document the mailing list page size.
const LIST_PAGE_SIZE: usize = 100;

pub async fn whoami(_auth: Authenticated, State(shared): State<SharedState>) -> Response {
    let state = shared.lock();
    envelope::ok(json!({
        "brandId": state.brand_id,
        "userId": state.user_id,
        "userName": state.user_name,
        "accountType": "UserAccount",
        "datacenter": state.datacenter_id,
    }))
}

pub async fn list_directories(_auth: Authenticated, State(shared): State<SharedState>) -> Response {
    let state = shared.lock();
    let elements: Vec<Value> = state
        .directories
        .iter()
        .map(|directory| {
            json!({
                "directoryId": directory.id,
                "name": directory.name,
                "contactCount": directory.contacts_by_seq.len(),
                "isDefault": directory.is_default,
                "deduplicationCriteria": directory.dedup,
            })
        })
        .collect();
    envelope::ok(json!({ "elements": elements, "nextPage": null }))
}

/// Finds a directory, or returns a 404 error naming the ID.
pub fn find_directory<'a>(
    state: &'a SimState,
    directory_id: &str,
) -> Result<&'a Directory, ApiError> {
    state.directory(directory_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Directory {directory_id} not found; list directories with GET /directories."
        ))
    })
}

/// Finds a mailing list in a directory, or returns a 404 error naming the ID.
pub fn find_list<'a>(directory: &'a Directory, list_id: &str) -> Result<&'a MailingList, ApiError> {
    directory.list(list_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Mailing list {list_id} not found in directory {}.",
            directory.id
        ))
    })
}

fn list_json(list: &MailingList, include_count: bool) -> Value {
    json!({
        "mailingListId": list.id,
        "name": list.name,
        "ownerId": list.owner_id,
        "creationDate": list.creation_date_ms,
        "lastModifiedDate": list.last_modified_ms,
        "contactCount": if include_count { list.members.len() } else { 0 },
    })
}

pub async fn list_mailing_lists(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path(directory_id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = paging::parse_query(raw.as_deref());
    let page = paging::page_request(&pairs, LIST_PAGE_SIZE, LIST_PAGE_SIZE)?;
    let include_count = paging::query_flag(&pairs, "includeCount")?;

    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let start = page.cursor.offset.min(directory.lists.len());
    let end = (start + page.page_size).min(directory.lists.len());
    let elements: Vec<Value> = directory.lists[start..end]
        .iter()
        .map(|list| list_json(list, include_count))
        .collect();
    let next_page = (end < directory.lists.len()).then(|| {
        let token = paging::encode_skip_token(Cursor {
            after_seq: end as u64,
            offset: end,
        });
        paging::next_page_url(&headers, uri.path(), &pairs, &token)
    });
    Ok(envelope::ok(
        json!({ "elements": elements, "nextPage": next_page }),
    ))
}

pub async fn get_mailing_list(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = paging::parse_query(raw.as_deref());
    let include_count = paging::query_flag(&pairs, "includeCount")?;
    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let list = find_list(directory, &list_id)?;
    Ok(envelope::ok(list_json(list, include_count)))
}
