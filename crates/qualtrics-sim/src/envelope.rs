//! The Qualtrics JSON envelope: `result` plus `meta` with `httpStatus` and `requestId`, and
//! the error form with `meta.error.errorCode` and `errorMessage`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// Error code for a request without `X-API-TOKEN` or `Authorization`, as Qualtrics sends it.
pub const MISSING_AUTH: &str = "ATP_2";
/// Error code for an unknown API token, as Qualtrics sends it.
pub const UNKNOWN_TOKEN: &str = "DCD_7";
// NOTE: the codes below are the simulator's own; Qualtrics does not document codes for
// these cases, so callers should branch on the HTTP status only.
pub const BAD_REQUEST: &str = "SIM_BAD_REQUEST";
pub const EXPIRED_TOKEN: &str = "SIM_TOKEN_EXPIRED";
pub const NOT_FOUND: &str = "SIM_NOT_FOUND";
pub const PAYLOAD_TOO_LARGE: &str = "SIM_PAYLOAD_TOO_LARGE";
pub const RATE_LIMITED: &str = "SIM_RATE_LIMITED";
pub const SERVER_ERROR: &str = "SIM_SERVER_ERROR";

/// Formats a status the way `meta.httpStatus` carries it, e.g. `"200 - OK"`.
pub fn http_status_text(status: StatusCode) -> String {
    format!(
        "{} - {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Unknown")
    )
}

fn meta(status: StatusCode) -> Value {
    json!({
        "httpStatus": http_status_text(status),
        "requestId": uuid::Uuid::new_v4().to_string(),
    })
}

/// Builds a 200 response with `result`.
pub fn ok(result: Value) -> Response {
    with_status(StatusCode::OK, result)
}

/// Builds a `status` response with `result`.
pub fn with_status(status: StatusCode, result: Value) -> Response {
    (
        status,
        Json(json!({ "result": result, "meta": meta(status) })),
    )
        .into_response()
}

/// Builds a 200 response with `result`, plus `meta.notice` when one is given.
pub fn ok_with_notice(result: Value, notice: Option<String>) -> Response {
    let mut meta = meta(StatusCode::OK);
    if let Some(notice) = notice {
        meta["notice"] = Value::String(notice);
    }
    (
        StatusCode::OK,
        Json(json!({ "result": result, "meta": meta })),
    )
        .into_response()
}

/// Builds a 200 response with `meta` alone, as updates and deletes return.
pub fn meta_only() -> Response {
    (
        StatusCode::OK,
        Json(json!({ "meta": meta(StatusCode::OK) })),
    )
        .into_response()
}

/// An API error rendered as the error envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header, on 429 only.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, NOT_FOUND, message)
    }

    pub fn rate_limited(retry_after_secs: Option<u64>) -> Self {
        ApiError {
            retry_after_secs,
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                RATE_LIMITED,
                "Too many requests; slow down and retry later.",
            )
        }
    }

    pub fn server_error(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(
            status,
            SERVER_ERROR,
            "The simulator injected this server error.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut meta = meta(self.status);
        meta["error"] = json!({ "errorCode": self.code, "errorMessage": self.message });
        let mut response = (self.status, Json(json!({ "meta": meta }))).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
