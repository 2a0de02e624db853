//! Credentials for Qualtrics: an API token or an OAuth 2.0 client.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

/// An OAuth 2.0 client registered in Qualtrics. `Debug` masks the secret.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The client ID shown in the Qualtrics OAuth client settings.
    pub client_id: String,
    /// The client secret, sent to the token endpoint by HTTP Basic.
    pub client_secret: SecretString,
}

/// Tokens returned by the OAuth token endpoint. `Debug` masks both tokens.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token for API calls.
    pub access_token: SecretString,
    /// A refresh token, when the grant returned one (authorization code with `offline` scope).
    pub refresh_token: Option<SecretString>,
    /// `expires_in` as returned, or `None` when the response omitted it.
    pub expires_in: Option<Duration>,
    /// When the token response arrived, so that `expires_in` can be turned into a deadline.
    pub received_at: Instant,
    /// Scopes granted, when the response listed them.
    pub scopes: Vec<String>,
}

/// Credentials of a client. `Debug` masks every secret.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A 40-character API token sent as `X-API-TOKEN`.
    ApiToken(SecretString),
    /// The OAuth client-credentials grant: the client fetches and refreshes its own tokens.
    ClientCredentials {
        /// The OAuth client.
        app: OAuthApp,
        /// Scopes to request, e.g. `read:mailing_list_contacts`.
        scopes: Vec<String>,
    },
    /// Tokens from the authorization-code grant ("Connect to Qualtrics"). The access token is
    /// used until it nears expiry or is rejected, then renewed with the refresh token.
    AuthorizationCode {
        /// The OAuth client that obtained the tokens.
        app: OAuthApp,
        /// Tokens from [`crate::AuthorizationCodeFlow::exchange_code`] or a later refresh.
        tokens: TokenSet,
    },
}

impl Credentials {
    /// Returns a non-secret identity of the credential, for rate-limiter keys and logs: the OAuth client
    /// ID, or a 64-bit hash of the API token.
    pub fn identity(&self) -> String {
        match self {
            Credentials::ApiToken(token) => {
                let mut hasher = DefaultHasher::new();
                token.expose_secret().hash(&mut hasher);
                format!("api-token:{:016x}", hasher.finish())
            }
            Credentials::ClientCredentials { app, .. }
            | Credentials::AuthorizationCode { app, .. } => {
                format!("oauth-client:{}", app.client_id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_secrets() {
        let credentials = Credentials::ClientCredentials {
            app: OAuthApp {
                client_id: "client-1".into(),
                client_secret: SecretString::from("very-secret-value"),
            },
            scopes: vec![],
        };
        let shown = format!("{credentials:?}");
        assert!(shown.contains("client-1"));
        assert!(!shown.contains("very-secret-value"), "{shown}");

        let token = Credentials::ApiToken(SecretString::from("tok3ntok3ntok3n"));
        assert!(!format!("{token:?}").contains("tok3n"));
        assert!(!token.identity().contains("tok3n"));
    }
}
