//! Request authentication: the API token header, or bearer tokens owned by one token manager.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::credentials::{Credentials, OAuthApp, TokenSet};
use crate::error::Error;
use crate::oauth::{Grant, TokenEndpoint};

/// The header value to attach to one request, and which bearer token it was.
pub(crate) struct AuthHeader {
    pub(crate) name: &'static str,
    pub(crate) value: SecretString,
    /// Generation of the bearer token; `None` for an API token.
    pub(crate) generation: Option<u64>,
}

/// Attaches credentials to requests and owns the bearer token of an OAuth client.
pub(crate) enum Authenticator {
    ApiToken(SecretString),
    Bearer(Box<TokenManager>),
}

impl Authenticator {
    pub(crate) fn new(credentials: Credentials, endpoint: TokenEndpoint) -> Authenticator {
        match credentials {
            Credentials::ApiToken(token) => Authenticator::ApiToken(token),
            Credentials::ClientCredentials { app, scopes } => {
                Authenticator::Bearer(Box::new(TokenManager {
                    app,
                    grant: ManagedGrant::ClientCredentials { scopes },
                    endpoint,
                    state: Mutex::new(TokenState::default()),
                }))
            }
            Credentials::AuthorizationCode { app, tokens } => {
                let refresh_token = tokens.refresh_token.clone();
                let current = CurrentToken::from_set(tokens, 1);
                Authenticator::Bearer(Box::new(TokenManager {
                    app,
                    grant: ManagedGrant::AuthorizationCode,
                    endpoint,
                    state: Mutex::new(TokenState {
                        current: Some(current),
                        refresh_token,
                        generation: 1,
                    }),
                }))
            }
        }
    }

    /// Returns the header for the next request, fetching or refreshing a bearer token when needed.
    pub(crate) async fn header(&self) -> Result<AuthHeader, Error> {
        match self {
            Authenticator::ApiToken(token) => Ok(AuthHeader {
                name: "X-API-TOKEN",
                value: token.clone(),
                generation: None,
            }),
            Authenticator::Bearer(manager) => manager.header(None).await,
        }
    }

    /// After a 401 with bearer token `generation`: forces one refresh, unless another caller
    /// already replaced that token, and returns the new header. `None` for an API token.
    pub(crate) async fn header_after_rejection(
        &self,
        generation: Option<u64>,
    ) -> Result<Option<AuthHeader>, Error> {
        match (self, generation) {
            (Authenticator::Bearer(manager), Some(generation)) => {
                manager.header(Some(generation)).await.map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Returns the current refresh token, which a refresh may have rotated.
    pub(crate) async fn refresh_token(&self) -> Option<SecretString> {
        match self {
            Authenticator::ApiToken(_) => None,
            Authenticator::Bearer(manager) => manager.state.lock().await.refresh_token.clone(),
        }
    }
}

struct CurrentToken {
    access_token: SecretString,
    /// When to renew: ahead of expiry by 10% of the lifetime or 60 s, whichever is longer,
    /// but never before half the lifetime has passed.
    renew_at: Option<Instant>,
    generation: u64,
}

impl CurrentToken {
    fn from_set(tokens: TokenSet, generation: u64) -> CurrentToken {
        let renew_at = tokens.expires_in.map(|lifetime| {
            let margin = (lifetime / 10)
                .max(Duration::from_secs(60))
                .min(lifetime / 2);
            tokens.received_at + (lifetime - margin)
        });
        CurrentToken {
            access_token: tokens.access_token,
            renew_at,
            generation,
        }
    }

    fn is_fresh(&self) -> bool {
        self.renew_at.is_none_or(|at| Instant::now() < at)
    }
}

#[derive(Default)]
struct TokenState {
    current: Option<CurrentToken>,
    refresh_token: Option<SecretString>,
    generation: u64,
}

/// Owns the bearer token of one client.
///
/// The state lock is held across a refresh, so concurrent callers that find the token stale
/// wait for the one refresh in flight and then share its result.
pub(crate) struct TokenManager {
    app: OAuthApp,
    grant: ManagedGrant,
    endpoint: TokenEndpoint,
    state: Mutex<TokenState>,
}

impl TokenManager {
    /// Returns a usable bearer header. With `rejected`, the token of that generation is known
    /// bad and is replaced even if it has not reached its renewal time.
    async fn header(&self, rejected: Option<u64>) -> Result<AuthHeader, Error> {
        let mut state = self.state.lock().await;
        let usable = state.current.as_ref().filter(|current| {
            current.is_fresh() && rejected.is_none_or(|bad| current.generation != bad)
        });
        if let Some(current) = usable {
            return Ok(bearer_header(current));
        }

        let tokens = match (&self.grant, &state.refresh_token) {
            (_, Some(refresh_token)) => {
                tracing::debug!(client_id = %self.app.client_id, "refreshing OAuth access token");
                self.endpoint
                    .request(&self.app, Grant::Refresh { refresh_token })
                    .await?
            }
            (ManagedGrant::ClientCredentials { scopes }, None) => {
                tracing::debug!(client_id = %self.app.client_id, "requesting OAuth access token");
                self.endpoint
                    .request(&self.app, Grant::ClientCredentials { scopes })
                    .await?
            }
            (ManagedGrant::AuthorizationCode, None) => {
                return Err(Error::OAuth {
                    status: None,
                    message: "the access token expired and there is no refresh token; \
                              connect the Qualtrics account again"
                        .into(),
                })
            }
        };

        state.generation += 1;
        if tokens.refresh_token.is_some() {
            state.refresh_token = tokens.refresh_token.clone();
        }
        let current = CurrentToken::from_set(tokens, state.generation);
        let header = bearer_header(&current);
        state.current = Some(current);
        Ok(header)
    }
}

/// The grant a token manager renews with when it has no refresh token.
enum ManagedGrant {
    ClientCredentials { scopes: Vec<String> },
    AuthorizationCode,
}

fn bearer_header(current: &CurrentToken) -> AuthHeader {
    AuthHeader {
        name: "Authorization",
        value: SecretString::from(format!("Bearer {}", current.access_token.expose_secret())),
        generation: Some(current.generation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lifetime_secs: u64, age_secs: u64) -> TokenSet {
        TokenSet {
            access_token: SecretString::from("access"),
            refresh_token: None,
            expires_in: Some(Duration::from_secs(lifetime_secs)),
            received_at: Instant::now() - Duration::from_secs(age_secs),
            scopes: Vec::new(),
        }
    }

    #[test]
    fn renews_at_ten_percent_left() {
        assert!(CurrentToken::from_set(tokens(3600, 3000), 1).is_fresh());
        assert!(
            !CurrentToken::from_set(tokens(3600, 3300), 1).is_fresh(),
            "under 360 s left"
        );
    }

    #[test]
    fn renews_a_minute_ahead() {
        assert!(CurrentToken::from_set(tokens(300, 200), 1).is_fresh());
        assert!(
            !CurrentToken::from_set(tokens(300, 250), 1).is_fresh(),
            "under 60 s left"
        );
    }

    #[test]
    fn short_token_used_half_its_life() {
        assert!(CurrentToken::from_set(tokens(10, 4), 1).is_fresh());
        assert!(!CurrentToken::from_set(tokens(10, 6), 1).is_fresh());
    }

    #[test]
    fn token_without_expiry_stays_fresh() {
        let mut set = tokens(1, 100);
        set.expires_in = None;
        assert!(CurrentToken::from_set(set, 1).is_fresh());
    }
}
