//! Handlers for mailing list members and directory contacts.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::auth::Authenticated;
use crate::directories::{find_directory, find_list};
use crate::envelope::{self, ApiError};
use crate::input::{parse_contact, BodyKind};
use crate::model::{Contact, Directory, Membership};
use crate::paging::{self, Cursor};
use crate::state::{now_ms, SharedState};

/// Default and maximum page size when listing the members of a list.
const MEMBER_PAGE_SIZE: usize = 50;

/// Parses a JSON body, returning a 400 error with the parser's message when it is not JSON.
pub fn parse_json(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("Request body is not valid JSON: {error}.")))
}

fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |text| Value::String(text.clone()))
}

/// A list member as the list endpoints return it.
fn member_json(contact: &Contact, membership: &Membership, include_embedded: bool) -> Value {
    let mut object = json!({
        "contactId": contact.id,
        "firstName": text(&contact.first_name),
        "lastName": text(&contact.last_name),
        "email": text(&contact.email),
        "phone": text(&contact.phone),
        "extRef": text(&contact.ext_ref),
        "language": text(&contact.language),
        "unsubscribed": contact.unsubscribed,
        "mailingListUnsubscribed": membership.unsubscribed,
        "contactLookupId": membership.lookup_id,
    });
    if include_embedded {
        object["embeddedData"] = json!(contact.embedded_data);
    }
    object
}

/// A contact as the directory endpoint returns it, with its list memberships.
fn directory_contact_json(directory: &Directory, contact: &Contact) -> Value {
    let mut membership = Map::new();
    for list in &directory.lists {
        if let Some(member) = list.members.get(&contact.id) {
            membership.insert(
                list.id.clone(),
                json!({
                    "name": list.name,
                    "contactLookupId": member.lookup_id,
                    "unsubscribed": member.unsubscribed,
                }),
            );
        }
    }
    json!({
        "contactId": contact.id,
        "firstName": text(&contact.first_name),
        "lastName": text(&contact.last_name),
        "email": text(&contact.email),
        "phone": text(&contact.phone),
        "extRef": text(&contact.ext_ref),
        "language": text(&contact.language),
        "unsubscribed": contact.unsubscribed,
        "embeddedData": contact.embedded_data,
        "privateEmbeddedData": contact.private_embedded_data,
        "creationDate": contact.creation_date_ms,
        "mailingListMembership": membership,
    })
}

pub async fn list_contacts(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = paging::parse_query(raw.as_deref());
    let page = paging::page_request(&pairs, MEMBER_PAGE_SIZE, MEMBER_PAGE_SIZE)?;
    let include_embedded = paging::query_flag(&pairs, "includeEmbedded")?;

    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let list = find_list(directory, &list_id)?;

    // Members are ordered by when they joined, and the token contains the last one returned,
    // so members added or removed between pages do not shift later pages.
    let mut members = list.members_by_seq.range(page.cursor.after_seq + 1..);
    let mut elements = Vec::new();
    let mut last_seq = page.cursor.after_seq;
    for (seq, contact_id) in members.by_ref().take(page.page_size) {
        if let (Some(contact), Some(membership)) =
            (directory.contact(contact_id), list.members.get(contact_id))
        {
            elements.push(member_json(contact, membership, include_embedded));
        }
        last_seq = *seq;
    }
    let more = members.next().is_some();
    let next_page = more.then(|| {
        let cursor = Cursor {
            after_seq: last_seq,
            offset: page.cursor.offset + elements.len(),
        };
        paging::next_page_url(
            &headers,
            uri.path(),
            &pairs,
            &paging::encode_skip_token(cursor),
        )
    });
    Ok(envelope::ok_with_notice(
        json!({ "elements": elements, "nextPage": next_page }),
        page.notice(),
    ))
}

pub async fn create_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = parse_json(&body)?;
    let input = parse_contact(&body, BodyKind::Create)
        .map_err(|message| ApiError::bad_request(format!("Invalid contact: {message}.")))?;

    let mut state = shared.lock();
    find_list(find_directory(&state, &directory_id)?, &list_id)?;
    let mut next_seq = state.next_seq;
    let directory = state.directory_mut(&directory_id).expect("checked above");
    let outcome = directory.write_into_list(&list_id, &input, now_ms(), &mut next_seq);
    state.next_seq = next_seq;
    tracing::debug!(
        contact_id = outcome.contact_id,
        updated = outcome.updated,
        "contact written"
    );
    Ok(envelope::ok(
        json!({ "id": outcome.contact_id, "contactLookupId": outcome.lookup_id }),
    ))
}

pub async fn get_list_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id, contact_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let list = find_list(directory, &list_id)?;
    let (Some(contact), Some(membership)) = (
        directory.contact(&contact_id),
        list.members.get(&contact_id),
    ) else {
        return Err(not_a_member(&contact_id, &list_id));
    };
    Ok(envelope::ok(member_json(contact, membership, true)))
}

fn not_a_member(contact_id: &str, list_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Contact {contact_id} is not a member of mailing list {list_id}."
    ))
}

fn contact_not_found(contact_id: &str, directory_id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Contact {contact_id} not found in directory {directory_id}."
    ))
}

/// Applies a `PUT` body to one contact; `list_id` requires list membership when set.
fn update_contact(
    shared: &SharedState,
    directory_id: &str,
    list_id: Option<&str>,
    contact_id: &str,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let body = parse_json(body)?;
    let input = parse_contact(&body, BodyKind::Update)
        .map_err(|message| ApiError::bad_request(format!("Invalid contact update: {message}.")))?;

    let mut state = shared.lock();
    let merge = state.put_merges_embedded_data;
    let directory = find_directory(&state, directory_id)?;
    if let Some(list_id) = list_id {
        if !find_list(directory, list_id)?
            .members
            .contains_key(contact_id)
        {
            return Err(not_a_member(contact_id, list_id));
        }
    }
    let directory = state.directory_mut(directory_id).expect("checked above");
    if !directory.modify_contact(contact_id, |contact| contact.update(&input, merge)) {
        return Err(contact_not_found(contact_id, directory_id));
    }
    if let Some(list) = list_id.and_then(|list_id| directory.list_mut(list_id)) {
        list.last_modified_ms = now_ms();
    }
    Ok(envelope::meta_only())
}

pub async fn update_list_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id, contact_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    update_contact(&shared, &directory_id, Some(&list_id), &contact_id, &body)
}

pub async fn remove_list_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, list_id, contact_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let mut state = shared.lock();
    find_list(find_directory(&state, &directory_id)?, &list_id)?;
    let directory = state.directory_mut(&directory_id).expect("checked above");
    let list = directory.list_mut(&list_id).expect("checked above");
    if !list.remove_member(&contact_id) {
        return Err(not_a_member(&contact_id, &list_id));
    }
    list.last_modified_ms = now_ms();
    Ok(envelope::meta_only())
}

pub async fn get_directory_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, contact_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let contact = directory
        .contact(&contact_id)
        .ok_or_else(|| contact_not_found(&contact_id, &directory_id))?;
    Ok(envelope::ok(directory_contact_json(directory, contact)))
}

pub async fn update_directory_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, contact_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    update_contact(&shared, &directory_id, None, &contact_id, &body)
}

pub async fn delete_directory_contact(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path((directory_id, contact_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let mut state = shared.lock();
    find_directory(&state, &directory_id)?;
    let directory = state.directory_mut(&directory_id).expect("checked above");
    if !directory.delete_contact(&contact_id) {
        return Err(contact_not_found(&contact_id, &directory_id));
    }
    Ok(envelope::meta_only())
}
