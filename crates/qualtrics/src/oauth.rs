//! OAuth 2.0 token requests (client credentials, authorization code, refresh) and the
//! authorization-code flow helpers.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use rand::distr::{Alphanumeric, SampleString};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::credentials::{OAuthApp, TokenSet};
use crate::error::Error;
use crate::retry::{decide, AttemptOutcome, Backoff, RequestSafety, RetryDecision};
use crate::settings::Settings;

/// One OAuth grant to send to the token endpoint.
pub(crate) enum Grant<'a> {
    ClientCredentials {
        scopes: &'a [String],
    },
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a Url,
    },
    Refresh {
        refresh_token: &'a SecretString,
    },
}

/// Sends token requests with the client's timeout, retry policy and request counter.
#[derive(Clone)]
pub(crate) struct TokenEndpoint {
    http: reqwest::Client,
    settings: Settings,
    requests_sent: Arc<AtomicU64>,
}

impl TokenEndpoint {
    pub(crate) fn new(settings: Settings, requests_sent: Arc<AtomicU64>) -> Result<Self, Error> {
        // Token responses are never redirects; following one could send the client secret to
        // another host.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| {
                Error::InvalidSettings(format!("cannot build the HTTP client: {err}"))
            })?;
        Ok(TokenEndpoint {
            http,
            settings,
            requests_sent,
        })
    }

    /// Sends `grant` to the token endpoint, retrying transient failures per the retry policy.
    pub(crate) async fn request(
        &self,
        app: &OAuthApp,
        grant: Grant<'_>,
    ) -> Result<TokenSet, Error> {
        // A code is single-use, so its exchange is resent only when it never left the client.
        let safety = match grant {
            Grant::AuthorizationCode { .. } => RequestSafety::OnlyIfNotSent,
            _ => RequestSafety::Idempotent,
        };
        let mut backoff = Backoff::new(&self.settings);
        loop {
            let transport = Transport {
                http: &self.http,
                timeout: self.settings.attempt_timeout,
                requests_sent: &self.requests_sent,
                outcome: Mutex::new(None),
            };
            let failure = match self.request_once(app, &grant, &transport).await {
                Ok(response) => return Ok(TokenSet::from(response)),
                Err(failure) => failure,
            };
            let outcome = transport.outcome.lock().expect("not poisoned").take();
            let error = token_error(failure, outcome);
            let decision = match outcome {
                Some(outcome) => decide(outcome, safety),
                None => RetryDecision::DontRetry {
                    reason: "request was not sent",
                },
            };
            let RetryDecision::Retry {
                reason,
                retry_after,
            } = decision
            else {
                return Err(error);
            };
            let Some(delay) = backoff.next_delay(retry_after) else {
                return Err(error);
            };
            tracing::warn!(reason, delay_ms = delay.as_millis() as u64, error = %error, "retrying OAuth token request");
            tokio::time::sleep(delay).await;
        }
    }

    async fn request_once(
        &self,
        app: &OAuthApp,
        grant: &Grant<'_>,
        transport: &Transport<'_>,
    ) -> Result<BasicTokenResponse, TokenFailure> {
        let client = BasicClient::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                app.client_secret.expose_secret().to_owned(),
            ))
            .set_token_uri(TokenUrl::from_url(self.settings.token_url()));
        match grant {
            Grant::ClientCredentials { scopes } => {
                let mut request = client.exchange_client_credentials();
                for scope in scopes.iter() {
                    request = request.add_scope(Scope::new(scope.clone()));
                }
                request.request_async(transport).await
            }
            Grant::AuthorizationCode { code, redirect_uri } => {
                client
                    .set_redirect_uri(RedirectUrl::from_url((*redirect_uri).clone()))
                    .exchange_code(AuthorizationCode::new((*code).to_owned()))
                    .request_async(transport)
                    .await
            }
            Grant::Refresh { refresh_token } => {
                let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
                client
                    .exchange_refresh_token(&token)
                    .request_async(transport)
                    .await
            }
        }
    }
}

type TokenFailure = RequestTokenError<TransportError, oauth2::basic::BasicErrorResponse>;

impl From<BasicTokenResponse> for TokenSet {
    fn from(response: BasicTokenResponse) -> TokenSet {
        TokenSet {
            access_token: SecretString::from(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|token| SecretString::from(token.secret().clone())),
            expires_in: response.expires_in(),
            received_at: Instant::now(),
            scopes: response
                .scopes()
                .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect())
                .unwrap_or_default(),
        }
    }
}

/// Maps an oauth2 failure to [`Error::OAuth`], without any token or secret in the message.
fn token_error(failure: TokenFailure, outcome: Option<AttemptOutcome>) -> Error {
    let status = match outcome {
        Some(AttemptOutcome::Status { status, .. }) => Some(status),
        _ => None,
    };
    let message = match failure {
        RequestTokenError::ServerResponse(response) => {
            let description = response.error_description().cloned().unwrap_or_default();
            format!(
                "{} {description}; check the client ID, secret and scopes",
                response.error()
            )
        }
        RequestTokenError::Request(err) => err.to_string(),
        RequestTokenError::Parse(err, _) => match status {
            Some(status) => {
                format!("token endpoint returned HTTP {status} with an unexpected body ({err})")
            }
            None => format!("unexpected token response body ({err})"),
        },
        RequestTokenError::Other(message) => message,
    };
    Error::OAuth { status, message }
}

/// Transport failures of one token request attempt.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    #[error("network error calling the OAuth token endpoint: {0}")]
    Network(#[source] reqwest::Error),
    #[error("OAuth token request timed out after {0:?}")]
    Timeout(Duration),
}

/// An oauth2 HTTP client that counts requests, applies the per-attempt timeout and records the
/// outcome for the retry decision.
struct Transport<'a> {
    http: &'a reqwest::Client,
    timeout: Duration,
    requests_sent: &'a AtomicU64,
    outcome: Mutex<Option<AttemptOutcome>>,
}

impl Transport<'_> {
    fn record(&self, outcome: AttemptOutcome) {
        *self.outcome.lock().expect("not poisoned") = Some(outcome);
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(TransportError::Network)?;
        self.requests_sent.fetch_add(1, Ordering::Relaxed);
        let attempt = async {
            let response = self.http.execute(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(self.timeout, attempt).await {
            Err(_) => {
                self.record(AttemptOutcome::TimedOut);
                return Err(TransportError::Timeout(self.timeout));
            }
            Ok(Err(err)) => {
                self.record(if err.is_connect() {
                    AttemptOutcome::ConnectFailed
                } else {
                    AttemptOutcome::ConnectionLost
                });
                return Err(TransportError::Network(err));
            }
            Ok(Ok(parts)) => parts,
        };
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| crate::retry::parse_retry_after(value, std::time::SystemTime::now()));
        self.record(AttemptOutcome::Status {
            status: status.as_u16(),
            retry_after,
        });
        let mut response = HttpResponse::new(body.to_vec());
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

impl<'c> AsyncHttpClient<'c> for Transport<'_> {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}

/// Helpers for the authorization-code grant ("Connect to Qualtrics"): build the browser URL,
/// exchange the returned code, and refresh.
#[derive(Clone)]
pub struct AuthorizationCodeFlow {
    app: OAuthApp,
    redirect_uri: Url,
    settings: Settings,
    endpoint: TokenEndpoint,
}

impl std::fmt::Debug for AuthorizationCodeFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCodeFlow")
            .field("app", &self.app)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

impl AuthorizationCodeFlow {
    /// A flow for `app` that returns the browser to `redirect_uri`, which must be registered
    /// for the client in Qualtrics.
    pub fn new(settings: &Settings, app: OAuthApp, redirect_uri: Url) -> Result<Self, Error> {
        settings.validate()?;
        let endpoint = TokenEndpoint::new(settings.clone(), Arc::new(AtomicU64::new(0)))?;
        Ok(AuthorizationCodeFlow {
            app,
            redirect_uri,
            settings: settings.clone(),
            endpoint,
        })
    }

    /// Generates a random `state` value (32 letters and digits) to bind the browser round trip to the
    /// session that started it.
    pub fn new_state() -> String {
        Alphanumeric.sample_string(&mut rand::rng(), 32)
    }

    /// Builds the URL to send the browser to: `{origin}/oauth2/auth?response_type=code&…`.
    pub fn authorization_url(&self, scopes: &[&str], state: &str) -> Url {
        let client = BasicClient::new(ClientId::new(self.app.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(self.settings.authorize_url()))
            .set_redirect_uri(RedirectUrl::from_url(self.redirect_uri.clone()));
        let state = state.to_owned();
        let mut request = client.authorize_url(move || CsrfToken::new(state));
        for scope in scopes {
            request = request.add_scope(Scope::new((*scope).to_owned()));
        }
        request.url().0
    }

    /// Exchanges the `code` from the redirect for tokens. The caller checks `state` first.
    pub async fn exchange_code(&self, code: &str) -> Result<TokenSet, Error> {
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri: &self.redirect_uri,
        };
        self.endpoint.request(&self.app, grant).await
    }

    /// Gets fresh tokens with a refresh token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, Error> {
        self.endpoint
            .request(&self.app, Grant::Refresh { refresh_token })
            .await
    }

    /// Token requests this flow has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.endpoint.requests_sent.load(Ordering::Relaxed)
    }
}
