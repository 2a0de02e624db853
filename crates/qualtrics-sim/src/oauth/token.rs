//! `POST /oauth2/token`: client credentials, authorization code and refresh token grants.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;

use super::{
    disallowed_scope, oauth_error, parse_scopes, serde_urlencoded_form, RefreshGrant, OFFLINE_SCOPE,
};
use crate::ids;
use crate::state::SharedState;

/// Reads client ID and secret from an `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    scope: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /oauth2/token`: the client authenticates by HTTP Basic and sends a form body.
pub async fn token(State(shared): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((client_id, client_secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Send the client ID and secret by HTTP Basic authentication.",
        );
    };
    let form: TokenForm = match serde_urlencoded_form(&body) {
        Ok(form) => form,
        Err(message) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", message),
    };

    let now = Instant::now();
    let mut state = shared.lock();
    let oauth = &mut state.oauth;
    let Some(client) = oauth.clients.get(&client_id).cloned() else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("Unknown client ID {client_id:?}."),
        );
    };
    if client.client_secret != client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The client secret does not match the client ID.",
        );
    }

    match form.grant_type.as_deref() {
        Some("client_credentials") => {
            let scopes = match form.scope.as_deref() {
                Some(scope) => parse_scopes(Some(scope)),
                None => client
                    .scopes
                    .iter()
                    .filter(|scope| *scope != OFFLINE_SCOPE)
                    .cloned()
                    .collect(),
            };
            if let Some(scope) = disallowed_scope(&client, &scopes) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    format!("Scope {scope:?} is not granted to this client."),
                );
            }
            (
                StatusCode::OK,
                Json(oauth.issue(&client_id, &scopes, None, now)),
            )
                .into_response()
        }
        Some("authorization_code") => {
            let Some(code) = form.code.as_deref() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Parameter code is missing.",
                );
            };
            let Some(grant) = oauth.codes.remove(code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The authorization code is unknown or was already used.",
                );
            };
            if grant.client_id != client_id || now >= grant.expires_at {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The authorization code is expired or was issued to another client.",
                );
            }
            if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri does not match the one used for the authorization request.",
                );
            }
            let refresh = grant
                .scopes
                .iter()
                .any(|scope| scope == OFFLINE_SCOPE)
                .then(|| {
                    let refresh_token = ids::random_alphanumeric(48);
                    oauth.refresh_tokens.insert(
                        refresh_token.clone(),
                        RefreshGrant {
                            client_id: client_id.clone(),
                            scopes: grant.scopes.clone(),
                        },
                    );
                    refresh_token
                });
            (
                StatusCode::OK,
                Json(oauth.issue(&client_id, &grant.scopes, refresh, now)),
            )
                .into_response()
        }
        Some("refresh_token") => {
            let Some(refresh_token) = form.refresh_token.as_deref() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Parameter refresh_token is missing.",
                );
            };
            let scopes = match oauth.refresh_tokens.get(refresh_token) {
                Some(grant) if grant.client_id == client_id => grant.scopes.clone(),
                _ => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The refresh token is unknown or was issued to another client.",
                    )
                }
            };
            // NOTE: the refresh token is returned unchanged and stays valid (no rotation);
            // whether Qualtrics rotates refresh tokens is not documented.
            (
                StatusCode::OK,
                Json(oauth.issue(&client_id, &scopes, Some(refresh_token.to_string()), now)),
            )
                .into_response()
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Grant type {other:?} is not supported."),
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Parameter grant_type is missing.",
        ),
    }
}
