//! Contact search: `POST /directories/{dir}/contacts/search` with a filter body, paged by
//! `skipToken`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde_json::{json, Value};

use crate::auth::Authenticated;
use crate::contacts::parse_json;
use crate::directories::find_directory;
use crate::envelope::{self, ApiError};
use crate::model::{Contact, Directory};
use crate::paging::{self, Cursor};
use crate::state::SharedState;

/// Default and maximum search page size.
// NOTE: the maximum is assumed; only the default of 100 is documented.
const SEARCH_PAGE_SIZE: usize = 100;
/// Matches beyond this count cannot be paged to.
const MAX_PAGED_MATCHES: usize = 10_000;
/// Criteria allowed under one conjunction.
const CONJUNCTION_MIN: usize = 2;
const CONJUNCTION_MAX: usize = 5;

/// A parsed filter.
#[derive(Debug)]
enum Filter {
    Field {
        field: Field,
        contains: bool,
        value: String,
    },
    InList {
        list_id: String,
        member: bool,
    },
    All(Vec<Filter>),
    Any(Vec<Filter>),
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Email,
    FirstName,
    LastName,
    ExtRef,
    Phone,
    Language,
}

fn parse_filter(value: &Value) -> Result<Filter, String> {
    let Some(object) = value.as_object() else {
        return Err("filter must be a JSON object".into());
    };

    if let Some(conjunction) = object.get("conjunction") {
        let filters = object
            .get("filters")
            .and_then(Value::as_array)
            .ok_or("a filter with a conjunction needs a filters array")?;
        if !(CONJUNCTION_MIN..=CONJUNCTION_MAX).contains(&filters.len()) {
            return Err(format!(
                "filters has {} criteria; send {CONJUNCTION_MIN} to {CONJUNCTION_MAX}",
                filters.len()
            ));
        }
        let parsed = filters
            .iter()
            .map(parse_filter)
            .collect::<Result<Vec<_>, _>>()?;
        return match conjunction.as_str() {
            Some("and") => Ok(Filter::All(parsed)),
            Some("or") => Ok(Filter::Any(parsed)),
            _ => Err(format!(
                "conjunction must be \"and\" or \"or\", got {conjunction}"
            )),
        };
    }

    let filter_type = object
        .get("filterType")
        .and_then(Value::as_str)
        .ok_or("filterType is missing")?;
    if filter_type == "inList" {
        let list_id = object
            .get("mailingListId")
            .and_then(Value::as_str)
            .ok_or("an inList filter needs mailingListId")?;
        let member = object
            .get("comparison")
            .and_then(Value::as_bool)
            .ok_or("an inList filter needs comparison true or false")?;
        return Ok(Filter::InList {
            list_id: list_id.to_string(),
            member,
        });
    }

    let field = match filter_type {
        "email" => Field::Email,
        "firstName" => Field::FirstName,
        "lastName" => Field::LastName,
        "extRef" | "externalDataReference" => Field::ExtRef,
        "phone" | "phoneNumber" => Field::Phone,
        "language" => Field::Language,
        other => {
            return Err(format!(
                "filterType {other:?} is not supported by the simulator"
            ))
        }
    };
    let contains = match object.get("comparison").and_then(Value::as_str) {
        Some("eq") => false,
        Some("contains") => true,
        other => {
            return Err(format!(
                "comparison must be \"eq\" or \"contains\", got {other:?}"
            ))
        }
    };
    let value = object
        .get("value")
        .and_then(Value::as_str)
        .ok_or("value must be a string")?;
    Ok(Filter::Field {
        field,
        contains,
        value: value.trim().to_lowercase(),
    })
}

fn matches(filter: &Filter, directory: &Directory, contact: &Contact) -> bool {
    match filter {
        Filter::Field {
            field,
            contains,
            value,
        } => {
            let stored = match field {
                Field::Email => &contact.email,
                Field::FirstName => &contact.first_name,
                Field::LastName => &contact.last_name,
                Field::ExtRef => &contact.ext_ref,
                Field::Phone => &contact.phone,
                Field::Language => &contact.language,
            };
            let stored = stored.as_deref().unwrap_or_default().trim().to_lowercase();
            if *contains {
                stored.contains(value.as_str())
            } else {
                stored == *value
            }
        }
        Filter::InList { list_id, member } => {
            let on_list = directory
                .list(list_id)
                .is_some_and(|list| list.members.contains_key(&contact.id));
            on_list == *member
        }
        Filter::All(filters) => filters
            .iter()
            .all(|filter| matches(filter, directory, contact)),
        Filter::Any(filters) => filters
            .iter()
            .any(|filter| matches(filter, directory, contact)),
    }
}

fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |text| Value::String(text.clone()))
}

/// Builds one search hit, which names fields `id`, `externalDataReference` and `phoneNumber`.
fn hit_json(contact: &Contact, include_embedded: bool) -> Value {
    let mut object = json!({
        "id": contact.id,
        "firstName": text(&contact.first_name),
        "lastName": text(&contact.last_name),
        "email": text(&contact.email),
        "phoneNumber": text(&contact.phone),
        "externalDataReference": text(&contact.ext_ref),
        "language": text(&contact.language),
        "unsubscribed": contact.unsubscribed,
    });
    if include_embedded {
        object["embeddedData"] = json!(contact.embedded_data);
    }
    object
}

pub async fn search_contacts(
    _auth: Authenticated,
    State(shared): State<SharedState>,
    Path(directory_id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let pairs = paging::parse_query(raw.as_deref());
    let page = paging::page_request(&pairs, SEARCH_PAGE_SIZE, SEARCH_PAGE_SIZE)?;
    let include_embedded = paging::query_flag(&pairs, "includeEmbedded")?;
    let body = parse_json(&body)?;
    let filter = body
        .get("filter")
        .ok_or_else(|| ApiError::bad_request("Request body needs a filter object."))
        .and_then(|value| {
            parse_filter(value)
                .map_err(|message| ApiError::bad_request(format!("Invalid filter: {message}.")))
        })?;

    if page.cursor.offset >= MAX_PAGED_MATCHES {
        return Err(ApiError::bad_request(format!(
            "Cannot page past {MAX_PAGED_MATCHES} matches; narrow the filter."
        )));
    }

    let state = shared.lock();
    let directory = find_directory(&state, &directory_id)?;
    let mut hits = directory
        .contacts_by_seq
        .range(page.cursor.after_seq + 1..)
        .filter(|(_, contact)| matches(&filter, directory, contact));
    let mut elements = Vec::new();
    let mut last_seq = page.cursor.after_seq;
    for (seq, contact) in hits.by_ref().take(page.page_size) {
        elements.push(hit_json(contact, include_embedded));
        last_seq = *seq;
    }
    let more = hits.next().is_some();
    let skip_token = more.then(|| {
        paging::encode_skip_token(Cursor {
            after_seq: last_seq,
            offset: page.cursor.offset + elements.len(),
        })
    });
    Ok(envelope::ok_with_notice(
        json!({ "elements": elements, "skipToken": skip_token }),
        page.notice(),
    ))
}
