//! Paging: opaque `skipToken` values and `nextPage` URLs built from the request's Host.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::envelope::ApiError;

/// Query parameters of a request, in order.
pub type QueryPairs = Vec<(String, String)>;

/// Parses a raw query string into pairs.
pub fn parse_query(raw: Option<&str>) -> QueryPairs {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Returns the last value of `name`, if any.
pub fn query_value<'a>(pairs: &'a QueryPairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Reads a `true`/`false` query flag; absent means false.
pub fn query_flag(pairs: &QueryPairs, name: &str) -> Result<bool, ApiError> {
    match query_value(pairs, name) {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(value) => Err(ApiError::bad_request(format!(
            "{name} must be true or false, got {value:?}."
        ))),
    }
}

/// Start of a page: just after the item with sequence number `after_seq`, which is the
/// `offset`-th item overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub after_seq: u64,
    pub offset: usize,
}

/// Builds the opaque skip token for a cursor.
pub fn encode_skip_token(cursor: Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", cursor.after_seq, cursor.offset))
}

fn decode_skip_token(token: &str) -> Option<Cursor> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (seq, offset) = text.split_once(':')?;
    Some(Cursor {
        after_seq: seq.parse().ok()?,
        offset: offset.parse().ok()?,
    })
}

/// Page size and start of one page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page_size: usize,
    pub cursor: Cursor,
    /// The requested size when it was over the maximum and was capped.
    pub capped_from: Option<usize>,
}

impl PageRequest {
    /// Returns the `meta.notice` text for a capped page size.
    pub fn notice(&self) -> Option<String> {
        self.capped_from.map(|requested| {
            format!(
                "pageSize {requested} is over the maximum; returning {} per page",
                self.page_size
            )
        })
    }
}

/// Reads `pageSize` (clamped to `max`, `default` when absent) and `skipToken`.
pub fn page_request(
    pairs: &QueryPairs,
    default: usize,
    max: usize,
) -> Result<PageRequest, ApiError> {
    let mut capped_from = None;
    let page_size = match query_value(pairs, "pageSize") {
        None => default,
        Some(text) => match text.parse::<usize>() {
            Ok(size) if size > max => {
                capped_from = Some(size);
                max
            }
            Ok(size) if size > 0 => size,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "pageSize must be a whole number from 1 to {max}, got {text:?}."
                )))
            }
        },
    };
    let cursor = match query_value(pairs, "skipToken") {
        None | Some("") => Cursor {
            after_seq: 0,
            offset: 0,
        },
        Some(token) => decode_skip_token(token).ok_or_else(|| {
            ApiError::bad_request(format!(
                "skipToken {token:?} is invalid; use the value from the previous page."
            ))
        })?,
    };
    Ok(PageRequest {
        page_size,
        cursor,
        capped_from,
    })
}

/// Builds the full `nextPage` URL: same path and query, with `skipToken` replaced.
pub fn next_page_url(headers: &HeaderMap, path: &str, pairs: &QueryPairs, token: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs.iter().filter(|(key, _)| key != "skipToken") {
        serializer.append_pair(key, value);
    }
    serializer.append_pair("skipToken", token);
    format!("http://{host}{path}?{}", serializer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_token_round_trips() {
        let cursor = Cursor {
            after_seq: 42,
            offset: 100,
        };
        assert_eq!(decode_skip_token(&encode_skip_token(cursor)), Some(cursor));
    }

    #[test]
    fn next_page_replaces_skip_token() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:9000".parse().unwrap());
        let pairs = parse_query(Some("pageSize=2&skipToken=old&includeEmbedded=true"));
        let url = next_page_url(&headers, "/API/v3/x", &pairs, "new");
        assert_eq!(
            url,
            "http://127.0.0.1:9000/API/v3/x?pageSize=2&includeEmbedded=true&skipToken=new"
        );
    }
}
