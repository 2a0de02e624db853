//! OAuth 2.0: `/oauth2/token` (client credentials, authorization code, refresh token) and the
//! `/oauth2/auth` consent page, plus the bearer tokens they issue.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use crate::ids;
use crate::seed::SeedOAuthClient;
use crate::state::SharedState;

/// Access token lifetime when the client sets no `tokenLifetimeSecs`.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3600;
/// Lifetime of an authorization code.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// Scope that makes the authorization-code grant also issue a refresh token.
const OFFLINE_SCOPE: &str = "offline";

struct AuthCode {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    expires_at: Instant,
}

struct AccessToken {
    expires_at: Instant,
}

struct RefreshGrant {
    client_id: String,
    scopes: Vec<String>,
}

/// Registered clients and the codes and tokens issued to them.
pub struct OAuthState {
    clients: HashMap<String, SeedOAuthClient>,
    codes: HashMap<String, AuthCode>,
    access_tokens: HashMap<String, AccessToken>,
    refresh_tokens: HashMap<String, RefreshGrant>,
}

/// Result of checking a bearer token.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerCheck {
    Valid,
    Expired,
    Unknown,
}

impl OAuthState {
    pub fn new(clients: Vec<SeedOAuthClient>) -> Self {
        OAuthState {
            clients: clients
                .into_iter()
                .map(|client| (client.client_id.clone(), client))
                .collect(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
        }
    }

    pub fn check_bearer(&self, token: &str, now: Instant) -> BearerCheck {
        match self.access_tokens.get(token) {
            Some(issued) if now < issued.expires_at => BearerCheck::Valid,
            Some(_) => BearerCheck::Expired,
            None => BearerCheck::Unknown,
        }
    }

    /// Makes every issued access token expired; refresh tokens stay valid.
    pub fn expire_access_tokens(&mut self, now: Instant) {
        for token in self.access_tokens.values_mut() {
            token.expires_at = now;
        }
    }

    fn issue(
        &mut self,
        client_id: &str,
        scopes: &[String],
        with_refresh: Option<String>,
        now: Instant,
    ) -> serde_json::Value {
        let lifetime = self
            .clients
            .get(client_id)
            .and_then(|client| client.token_lifetime_secs)
            .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECS);
        let access_token = ids::random_alphanumeric(48);
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                expires_at: now + Duration::from_secs(lifetime),
            },
        );
        let mut body = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scopes.join(" "),
        });
        if let Some(refresh_token) = with_refresh {
            body["refresh_token"] = json!(refresh_token);
        }
        body
    }
}

fn oauth_error(status: StatusCode, error: &str, description: impl Into<String>) -> Response {
    let body = Json(json!({ "error": error, "error_description": description.into() }));
    let mut response = (status, body).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Basic realm=\"oauth2\"".parse().expect("static header"),
        );
    }
    response
}

/// Splits a space-separated scope string.
fn parse_scopes(scope: Option<&str>) -> Vec<String> {
    scope
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Returns the first requested scope that the client may not request.
fn disallowed_scope<'a>(client: &SeedOAuthClient, scopes: &'a [String]) -> Option<&'a String> {
    scopes.iter().find(|scope| !client.scopes.contains(scope))
}

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

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let object: serde_json::Map<String, serde_json::Value> = pairs
        .into_iter()
        .map(|(key, value)| (key, serde_json::Value::String(value)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|error| format!("invalid form body: {error}"))
}

/// Parameters of the authorization request, on the query (GET) or in the form (POST).
#[derive(Debug, Deserialize)]
pub struct AuthParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    decision: Option<String>,
}

/// Checks client and redirect URI; an error here is shown as a 400 page, never redirected.
fn check_client_and_redirect(
    shared: &SharedState,
    params: &AuthParams,
) -> Result<SeedOAuthClient, Response> {
    let bad = |message: String| {
        (
            StatusCode::BAD_REQUEST,
            Html(format!(
                "<!doctype html><title>Invalid request</title><p>{}</p>",
                html_escape(&message)
            )),
        )
            .into_response()
    };
    let Some(client_id) = params.client_id.as_deref() else {
        return Err(bad("Parameter client_id is missing.".into()));
    };
    let state = shared.lock();
    let Some(client) = state.oauth.clients.get(client_id).cloned() else {
        return Err(bad(format!("Unknown client ID {client_id:?}.")));
    };
    let Some(redirect_uri) = params.redirect_uri.as_deref() else {
        return Err(bad("Parameter redirect_uri is missing.".into()));
    };
    if !client.redirect_uris.iter().any(|uri| uri == redirect_uri) {
        return Err(bad(format!(
            "redirect_uri {redirect_uri:?} is not registered for client {client_id:?}."
        )));
    }
    Ok(client)
}

/// Builds `redirect_uri` with extra query pairs and `state` when one was sent.
fn redirect_to(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut url =
        url::Url::parse(redirect_uri).expect("registered redirect URIs are validated URLs");
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

/// Returns a redirect with an OAuth error when the request itself is invalid.
fn check_request(client: &SeedOAuthClient, params: &AuthParams) -> Result<Vec<String>, Response> {
    let redirect_uri = params.redirect_uri.as_deref().unwrap_or_default();
    let state = params.state.as_deref();
    if params.response_type.as_deref() != Some("code") {
        return Err(redirect_to(
            redirect_uri,
            &[("error", "unsupported_response_type")],
            state,
        ));
    }
    let scopes = parse_scopes(params.scope.as_deref());
    if disallowed_scope(client, &scopes).is_some() {
        return Err(redirect_to(
            redirect_uri,
            &[("error", "invalid_scope")],
            state,
        ));
    }
    Ok(scopes)
}

/// `GET /oauth2/auth`: the consent page with an Approve button.
pub async fn authorize_page(
    State(shared): State<SharedState>,
    Query(params): Query<AuthParams>,
) -> Response {
    let client = match check_client_and_redirect(&shared, &params) {
        Ok(client) => client,
        Err(response) => return response,
    };
    if let Err(response) = check_request(&client, &params) {
        return response;
    }

    let hidden = |name: &str, value: &Option<String>| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            html_escape(value.as_deref().unwrap_or_default())
        )
    };
    let page = format!(
        "<!doctype html><html><head><title>Authorize {client}</title></head><body>\
         <h1>Authorize {client}</h1><p>Requested scopes: {scopes}</p>\
         <form method=\"post\" action=\"/oauth2/auth\">{}{}{}{}{}\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form></body></html>",
        hidden("response_type", &params.response_type),
        hidden("client_id", &params.client_id),
        hidden("redirect_uri", &params.redirect_uri),
        hidden("scope", &params.scope),
        hidden("state", &params.state),
        client = html_escape(&client.client_id),
        scopes = html_escape(params.scope.as_deref().unwrap_or_default()),
    );
    (StatusCode::OK, Html(page)).into_response()
}

/// `POST /oauth2/auth`: the consent decision; approval redirects with `code` and `state`.
pub async fn authorize_decision(State(shared): State<SharedState>, body: Bytes) -> Response {
    let params: AuthParams = match serde_urlencoded_form(&body) {
        Ok(params) => params,
        Err(message) => {
            return (StatusCode::BAD_REQUEST, Html(html_escape(&message))).into_response()
        }
    };
    let client = match check_client_and_redirect(&shared, &params) {
        Ok(client) => client,
        Err(response) => return response,
    };
    let scopes = match check_request(&client, &params) {
        Ok(scopes) => scopes,
        Err(response) => return response,
    };
    let redirect_uri = params.redirect_uri.clone().unwrap_or_default();
    if params.decision.as_deref() != Some("approve") {
        return redirect_to(
            &redirect_uri,
            &[("error", "access_denied")],
            params.state.as_deref(),
        );
    }

    let code = ids::random_alphanumeric(32);
    shared.lock().oauth.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scopes,
            expires_at: Instant::now() + CODE_LIFETIME,
        },
    );
    redirect_to(&redirect_uri, &[("code", &code)], params.state.as_deref())
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
