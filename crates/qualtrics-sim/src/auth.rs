//! Authentication of API calls by `X-API-TOKEN` or `Authorization: Bearer`.

use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

use crate::envelope::{ApiError, EXPIRED_TOKEN, MISSING_AUTH, UNKNOWN_TOKEN};
use crate::oauth::BearerCheck;
use crate::state::SharedState;

/// Proof that the request carried a valid API token or bearer token.
///
/// NOTE: bearer tokens are not checked against per-endpoint scopes; any valid token may call
/// any endpoint.
pub struct Authenticated;

impl FromRequestParts<SharedState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, shared: &SharedState) -> Result<Self, ApiError> {
        if let Some(value) = parts.headers.get("x-api-token") {
            let token = value.to_str().unwrap_or_default();
            return if shared.lock().api_tokens.contains(token) {
                Ok(Authenticated)
            } else {
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    UNKNOWN_TOKEN,
                    "Invalid API token; check the X-API-TOKEN header.",
                ))
            };
        }

        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value.to_str().unwrap_or_default();
            let Some(token) = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
            else {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    UNKNOWN_TOKEN,
                    "Authorization header must be \"Bearer <access token>\".",
                ));
            };
            return match shared
                .lock()
                .oauth
                .check_bearer(token.trim(), Instant::now())
            {
                BearerCheck::Valid => Ok(Authenticated),
                BearerCheck::Expired => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    EXPIRED_TOKEN,
                    "The access token has expired; request a new one at /oauth2/token.",
                )),
                BearerCheck::Unknown => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    UNKNOWN_TOKEN,
                    "Invalid access token.",
                )),
            };
        }

        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            MISSING_AUTH,
            "Missing authentication: send X-API-TOKEN or Authorization: Bearer.",
        ))
    }
}
