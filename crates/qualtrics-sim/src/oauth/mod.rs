//! OAuth 2.0: the clients, codes and tokens the simulator has issued, shared by the token
//! endpoint and the consent page.

mod authorize;
mod token;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::ids;
use crate::seed::SeedOAuthClient;

pub use authorize::{authorize_decision, authorize_page};
pub use token::token;

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

/// Parses a form-encoded body into `T`.
fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let object: serde_json::Map<String, serde_json::Value> = pairs
        .into_iter()
        .map(|(key, value)| (key, serde_json::Value::String(value)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|error| format!("invalid form body: {error}"))
}
