//! Authentication: API token errors, OAuth client credentials, token expiry mid-run, and the
//! authorization-code flow through the simulator's consent page.

use cohortsync_qualtrics::{
    AuthorizationCodeFlow, Credentials, Error, ExposeSecret, OAuthApp, QualtricsClient,
    SecretString,
};
use reqwest::StatusCode;
use url::Url;

use crate::support::*;

#[tokio::test]
async fn wrong_api_token_reports_code_and_request_id() {
    let sim = start().await;
    let credentials = Credentials::ApiToken(SecretString::from(
        "wrongTokenwrongTokenwrongTokenwrongToken",
    ));
    let client = client_with(settings(&sim), credentials);

    let err = client.whoami().await.unwrap_err();

    assert_eq!(err.status(), Some(401));
    assert!(err.error_code().is_some(), "{err}");
    assert!(err.request_id().is_some(), "{err}");
    assert!(
        !err.to_string().contains("wrongToken"),
        "the token stays out of errors: {err}"
    );
    assert_eq!(
        sim.request_count(Some("whoami")),
        1,
        "401 with an API token is not retried"
    );
}

#[tokio::test]
async fn client_credentials_fetch_one_token() {
    let sim = start().await;
    let client = client_with(settings(&sim), client_credentials());

    client.whoami().await.unwrap();
    client.list_directories().await.unwrap();

    assert_eq!(sim.request_count(Some("token")), 1, "the token is reused");
    assert_eq!(
        client.requests_sent(),
        3,
        "one token request and two API calls"
    );
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let sim = start().await;
    let client = client_with(settings(&sim), client_credentials());

    let calls = (0..8).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.whoami().await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }

    assert_eq!(sim.request_count(Some("token")), 1);
    assert_eq!(sim.request_count(Some("whoami")), 8);
}

#[tokio::test]
async fn expired_token_refreshed_mid_run() {
    let sim = start().await;
    let client = client_with(settings(&sim), client_credentials());
    client.whoami().await.unwrap();

    sim.expire_access_tokens();
    let me = client.whoami().await.unwrap();

    assert_eq!(me.user_id.as_deref(), Some("UR_3xAmPlEuSeR0001"));
    assert_eq!(sim.request_count(Some("token")), 2, "one forced refresh");
    assert_eq!(
        sim.request_count(Some("whoami")),
        3,
        "the rejected call is sent once more"
    );
}

#[tokio::test]
async fn expired_token_shared_refresh_across_callers() {
    let sim = start().await;
    let client = client_with(settings(&sim), client_credentials());
    client.whoami().await.unwrap();
    sim.expire_access_tokens();

    let calls: Vec<_> = (0..6)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.whoami().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }

    assert_eq!(
        sim.request_count(Some("token")),
        2,
        "six rejected callers share one refresh"
    );
}

#[tokio::test]
async fn wrong_client_secret_is_oauth_error() {
    let sim = start().await;
    let credentials = Credentials::ClientCredentials {
        app: OAuthApp {
            client_id: CLIENT_ID.into(),
            client_secret: SecretString::from("not-the-secret"),
        },
        scopes: vec!["read:directories".into()],
    };
    let client = client_with(settings(&sim), credentials);

    let err = client.whoami().await.unwrap_err();

    assert!(matches!(err, Error::OAuth { .. }), "{err}");
    assert!(matches!(err.status(), Some(400 | 401)), "{err}");
    assert!(!err.to_string().contains("not-the-secret"));
    assert_eq!(sim.request_count(Some("whoami")), 0);
}

/// Drives the consent page like a browser: GET it, POST the approval without following the
/// redirect, and return the redirect target.
async fn approve(authorization_url: &Url) -> Url {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(authorization_url.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("approve"));

    let mut form: Vec<(String, String)> = authorization_url.query_pairs().into_owned().collect();
    form.push(("decision".into(), "approve".into()));
    let mut post_url = authorization_url.clone();
    post_url.set_query(None);
    let answer = browser.post(post_url).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let location = answer.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap();
    Url::parse(location).unwrap()
}

#[tokio::test]
async fn authorization_code_flow_end_to_end() {
    let sim = start().await;
    let settings = settings(&sim);
    let flow =
        AuthorizationCodeFlow::new(&settings, app(), Url::parse(REDIRECT_URI).unwrap()).unwrap();
    let state = AuthorizationCodeFlow::new_state();

    let authorization_url = flow.authorization_url(&["read:directories", "offline"], &state);
    assert!(authorization_url
        .as_str()
        .starts_with(&format!("{}/oauth2/auth?", sim.base_url())));
    let redirect = approve(&authorization_url).await;
    let pairs: std::collections::HashMap<String, String> =
        redirect.query_pairs().into_owned().collect();
    assert!(redirect.as_str().starts_with(REDIRECT_URI));
    assert_eq!(
        pairs.get("state"),
        Some(&state),
        "state comes back unchanged"
    );
    let code = pairs.get("code").expect("code in the redirect");

    let tokens = flow.exchange_code(code).await.unwrap();
    assert!(
        tokens.refresh_token.is_some(),
        "offline scope returns a refresh token"
    );
    assert!(!format!("{tokens:?}").contains(tokens.access_token.expose_secret()));

    let client = client_with(
        settings.clone(),
        Credentials::AuthorizationCode {
            app: app(),
            tokens: tokens.clone(),
        },
    );
    client.whoami().await.unwrap();
    assert_eq!(
        sim.request_count(Some("token")),
        1,
        "the exchanged token is used as is"
    );

    sim.expire_access_tokens();
    client.whoami().await.unwrap();
    assert_eq!(
        sim.request_count(Some("token")),
        2,
        "the refresh token renewed the access token"
    );
    let refresh_token = client
        .current_refresh_token()
        .await
        .expect("refresh token kept");
    assert_eq!(
        refresh_token.expose_secret(),
        tokens.refresh_token.unwrap().expose_secret()
    );
}

#[tokio::test]
async fn code_cannot_be_used_twice() {
    let sim = start().await;
    let settings = settings(&sim);
    let flow =
        AuthorizationCodeFlow::new(&settings, app(), Url::parse(REDIRECT_URI).unwrap()).unwrap();
    let redirect = approve(&flow.authorization_url(&["read:directories"], "s1")).await;
    let code = redirect
        .query_pairs()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.into_owned())
        .unwrap();

    flow.exchange_code(&code).await.unwrap();
    let err = flow.exchange_code(&code).await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::OAuth {
                status: Some(400),
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("invalid_grant"), "{err}");
}

#[tokio::test]
async fn unregistered_redirect_gets_no_redirect() {
    let sim = start().await;
    let flow = AuthorizationCodeFlow::new(
        &settings(&sim),
        app(),
        Url::parse("http://127.0.0.1:9/not-registered").unwrap(),
    )
    .unwrap();

    let page = reqwest::get(flow.authorization_url(&["read:directories"], "s2"))
        .await
        .unwrap();

    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn debug_output_hides_secrets() {
    let sim = start().await;
    let client: QualtricsClient = client_with(settings(&sim), client_credentials());
    client.whoami().await.unwrap();

    let debug_text = format!("{client:?} {:?} {:?}", client_credentials(), api_token());

    assert!(!debug_text.contains(CLIENT_SECRET), "{debug_text}");
    assert!(!debug_text.contains(API_TOKEN), "{debug_text}");
}
