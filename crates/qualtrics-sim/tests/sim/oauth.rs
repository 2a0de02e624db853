//! OAuth 2.0: client credentials, authorization code with state, refresh and expiry.

use qualtrics_sim::{Seed, SeedOAuthClient};
use reqwest::{header, StatusCode};
use serde_json::Value;

use crate::helpers::*;

/// Posts a form to `/oauth2/token` with the client authenticated by HTTP Basic.
async fn token(harness: &Harness, secret: &str, form: &[(&str, &str)]) -> Answer {
    let response = harness
        .http
        .post(harness.url("/oauth2/token"))
        .basic_auth(CLIENT_ID, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn whoami_with_bearer(harness: &Harness, access_token: &str) -> Answer {
    let response = harness
        .http
        .get(harness.url("/API/v3/whoami"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    answer(response).await
}

/// Runs the consent page and approval; returns the `Location` of the redirect.
async fn approve(harness: &Harness, scope: &str, state: &str) -> url::Url {
    let params = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", scope),
        ("state", state),
    ];
    let page = harness
        .http
        .get(harness.url("/oauth2/auth"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Approve") && html.contains("method=\"post\""),
        "consent page: {html}"
    );

    let mut form = params.to_vec();
    form.push(("decision", "approve"));
    let decision = harness
        .http
        .post(harness.url("/oauth2/auth"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(decision.status(), StatusCode::FOUND);
    let location = decision.headers()[header::LOCATION].to_str().unwrap();
    url::Url::parse(location).unwrap()
}

fn query_param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[tokio::test]
async fn client_credentials_token_works() {
    let harness = Harness::start(fast_seed()).await;

    let issued = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "read:directories"),
        ],
    )
    .await;
    let access_token = issued.body["access_token"].as_str().unwrap();
    let called = whoami_with_bearer(&harness, access_token).await;

    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    assert_eq!(issued.body["token_type"], "Bearer");
    assert_eq!(issued.body["expires_in"], 3600);
    assert!(issued.body.get("refresh_token").is_none());
    assert_eq!(called.status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let harness = Harness::start(fast_seed()).await;

    let rejected = token(
        &harness,
        "not-the-secret",
        &[("grant_type", "client_credentials")],
    )
    .await;

    assert_eq!(rejected.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rejected.body["error"], "invalid_client");
    assert!(rejected.body["error_description"].is_string());
}

#[tokio::test]
async fn unknown_scope_is_invalid_scope() {
    let harness = Harness::start(fast_seed()).await;

    let rejected = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "manage:everything"),
        ],
    )
    .await;

    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(rejected.body["error"], "invalid_scope");
}

#[tokio::test]
async fn authorization_code_keeps_state() {
    let harness = Harness::start(fast_seed()).await;

    let location = approve(&harness, "read:directories offline", "xyz-123").await;
    let code = query_param(&location, "code").expect("code in redirect");
    let issued = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    let reused = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;

    assert!(location.as_str().starts_with(REDIRECT_URI));
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz-123"));
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    assert!(issued.body["refresh_token"].is_string());
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert_eq!(reused.body["error"], "invalid_grant");
}

#[tokio::test]
async fn no_refresh_token_without_offline() {
    let harness = Harness::start(fast_seed()).await;

    let location = approve(&harness, "read:directories", "s").await;
    let code = query_param(&location, "code").unwrap();
    let issued = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;

    assert_eq!(issued.status, StatusCode::OK);
    assert!(issued.body.get("refresh_token").is_none());
}

#[tokio::test]
async fn unregistered_redirect_uri_is_400() {
    let harness = Harness::start(fast_seed()).await;
    let params = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", "http://127.0.0.1:9999/elsewhere"),
        ("scope", "read:directories"),
        ("state", "s"),
    ];

    let page = harness
        .http
        .get(harness.url("/oauth2/auth"))
        .query(&params)
        .send()
        .await
        .unwrap();
    let mut form = params.to_vec();
    form.push(("decision", "approve"));
    let decision = harness
        .http
        .post(harness.url("/oauth2/auth"))
        .form(&form)
        .send()
        .await
        .unwrap();

    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get(header::LOCATION).is_none());
    assert_eq!(decision.status(), StatusCode::BAD_REQUEST);
    assert!(decision.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn denied_consent_redirects_with_error() {
    let harness = Harness::start(fast_seed()).await;
    let form = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "read:directories"),
        ("state", "s1"),
        ("decision", "deny"),
    ];

    let decision = harness
        .http
        .post(harness.url("/oauth2/auth"))
        .form(&form)
        .send()
        .await
        .unwrap();

    let location = url::Url::parse(decision.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("s1"));
    assert!(query_param(&location, "code").is_none());
}

#[tokio::test]
async fn refresh_after_expiry() {
    let harness = Harness::start(fast_seed()).await;
    let location = approve(&harness, "read:directories offline", "s").await;
    let code = query_param(&location, "code").unwrap();
    let issued = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ],
    )
    .await;
    let first_access = issued.body["access_token"].as_str().unwrap().to_string();
    let refresh_token = issued.body["refresh_token"].as_str().unwrap().to_string();

    harness.sim.expire_access_tokens();
    let expired = whoami_with_bearer(&harness, &first_access).await;
    let refreshed = token(
        &harness,
        CLIENT_SECRET,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    let second_access = refreshed.body["access_token"].as_str().unwrap();
    let called = whoami_with_bearer(&harness, second_access).await;

    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&expired), "SIM_TOKEN_EXPIRED");
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert_ne!(second_access, first_access);
    assert_eq!(called.status, StatusCode::OK);
}

#[tokio::test]
async fn token_lifetime_from_seed_expires() {
    let mut seed: Seed = fast_seed();
    seed.oauth_clients[0] = SeedOAuthClient {
        token_lifetime_secs: Some(0),
        ..seed.oauth_clients[0].clone()
    };
    let harness = Harness::start(seed).await;

    let issued = token(
        &harness,
        CLIENT_SECRET,
        &[("grant_type", "client_credentials")],
    )
    .await;
    let called = whoami_with_bearer(&harness, issued.body["access_token"].as_str().unwrap()).await;

    assert_eq!(issued.body["expires_in"], 0);
    assert_eq!(called.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_bearer_is_401() {
    let harness = Harness::start(fast_seed()).await;

    let called = whoami_with_bearer(&harness, "never-issued").await;

    assert_eq!(called.status, StatusCode::UNAUTHORIZED);
    let _: Value = called.body;
}
