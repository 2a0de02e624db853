//! `/oauth2/auth`: the consent page and the approval that redirects with a code.

// The checks return a finished `Response` as their error, which the handlers pass on as is.
// Its size does not matter on a loopback test server.
#![allow(clippy::result_large_err)]

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{disallowed_scope, parse_scopes, serde_urlencoded_form, AuthCode, CODE_LIFETIME};
use crate::ids;
use crate::seed::SeedOAuthClient;
use crate::state::SharedState;

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
