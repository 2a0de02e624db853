//! The client handle: construction, counters and helpers shared by the resource modules.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::Authenticator;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::http::{ApiRequest, ApiResponse, Http};
use crate::oauth::TokenEndpoint;
use crate::rate_limit::{AccountKey, AccountLimiter, RateLimiters};
use crate::retry::RequestSafety;
use crate::settings::Settings;

/// A client for one Qualtrics account. Cheap to clone; clones share the token, the request
/// counter and the rate limiter.
#[derive(Clone)]
pub struct QualtricsClient {
    pub(crate) http: Arc<Http>,
}

impl std::fmt::Debug for QualtricsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QualtricsClient")
            .field("api_root", &self.http.settings.api_root().as_str())
            .finish_non_exhaustive()
    }
}

impl QualtricsClient {
    /// Builds a client whose rate limiter comes from [`RateLimiters::shared`].
    pub fn new(settings: Settings, credentials: Credentials) -> Result<QualtricsClient, Error> {
        QualtricsClient::with_rate_limiters(settings, credentials, RateLimiters::shared())
    }

    /// Builds a client whose rate limiter comes from `registry`.
    pub fn with_rate_limiters(
        settings: Settings,
        credentials: Credentials,
        registry: &RateLimiters,
    ) -> Result<QualtricsClient, Error> {
        settings.validate()?;
        let key = AccountKey::new(settings.origin().as_str(), &credentials.identity());
        let limiter = registry.for_account(&key, settings.requests_per_minute);
        let client = reqwest::Client::builder()
            // API responses are never redirects; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| {
                Error::InvalidSettings(format!("cannot build the HTTP client: {err}"))
            })?;
        let requests_sent = Arc::new(AtomicU64::new(0));
        let token_endpoint = TokenEndpoint::new(settings.clone(), Arc::clone(&requests_sent))?;
        let auth = Authenticator::new(credentials, token_endpoint);
        Ok(QualtricsClient {
            http: Arc::new(Http {
                client,
                settings,
                auth,
                limiter,
                requests_sent,
            }),
        })
    }

    /// HTTP requests this client (and its clones) has sent: every attempt, retries and OAuth
    /// token requests included.
    pub fn requests_sent(&self) -> u64 {
        self.http.requests_sent.load(Ordering::Relaxed)
    }

    /// Returns the settings the client was built with.
    pub fn settings(&self) -> &Settings {
        &self.http.settings
    }

    /// Returns the rate limiter shared by all clients of this account.
    pub fn rate_limiter(&self) -> &Arc<AccountLimiter> {
        &self.http.limiter
    }

    /// Returns the current refresh token, for callers that persist it, because a refresh may rotate it.
    /// `None` for API tokens and grants without one.
    pub async fn current_refresh_token(&self) -> Option<SecretString> {
        self.http.auth.refresh_token().await
    }

    /// `{api_root}/{path}` with `query` appended.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self
            .http
            .settings
            .api_root()
            .join(path)
            .expect("paths built from validated IDs join");
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    pub(crate) async fn call(
        &self,
        endpoint: &'static str,
        method: Method,
        url: Url,
        body: Option<&impl Serialize>,
        safety: RequestSafety,
    ) -> Result<ApiResponse, Error> {
        let body = match body {
            Some(body) => Some(serde_json::to_vec(body).map_err(|err| {
                Error::InvalidRequest(format!("cannot serialize the {endpoint} body: {err}"))
            })?),
            None => None,
        };
        let request = ApiRequest {
            endpoint,
            method,
            url,
            body,
            safety,
        };
        self.http.send(request).await
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: Url,
    ) -> Result<T, Error> {
        self.call(
            endpoint,
            Method::GET,
            url,
            None::<&()>,
            RequestSafety::Idempotent,
        )
        .await?
        .result()
    }

    /// Fetches one page of a collection at `url`.
    pub(crate) async fn get_page<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        method: Method,
        url: Url,
        body: Option<&impl Serialize>,
    ) -> Result<Page<T>, Error> {
        let raw: RawPage<T> = self
            .call(
                endpoint,
                method,
                url.clone(),
                body,
                RequestSafety::Idempotent,
            )
            .await?
            .result()?;
        let next = next_cursor(
            &url,
            raw.next_page.as_deref(),
            raw.skip_token.as_deref(),
            endpoint,
        )?;
        Ok(Page {
            elements: raw.elements,
            next,
        })
    }

    /// Fetches every page of a collection, starting at `url`.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        method: Method,
        url: Url,
        body: Option<&impl Serialize>,
    ) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        let mut url = url;
        loop {
            let page: Page<T> = self.get_page(endpoint, method.clone(), url, body).await?;
            all.extend(page.elements);
            match page.next {
                Some(cursor) => url = cursor.url,
                None => return Ok(all),
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage<T> {
    #[serde(default = "Vec::new")]
    elements: Vec<T>,
    #[serde(default)]
    next_page: Option<String>,
    #[serde(default)]
    skip_token: Option<String>,
}

/// One page of a collection and where the next page starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The page's items, in server order.
    pub elements: Vec<T>,
    /// Position of the next page; `None` on the last page.
    pub next: Option<PageCursor>,
}

/// Position of the next page of a collection. It is opaque: pass it back to the page call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor {
    url: Url,
}

impl PageCursor {
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }
}

/// Builds the next page's URL on the client's own origin and path.
///
/// `nextPage` is a full URL, but the bearer token must only ever go to the configured origin,
/// so only its query string is taken, merged over the current request's query.
fn next_cursor(
    current: &Url,
    next_page: Option<&str>,
    skip_token: Option<&str>,
    endpoint: &'static str,
) -> Result<Option<PageCursor>, Error> {
    let next_pairs: Vec<(String, String)> = match (next_page, skip_token) {
        (Some(next), _) if !next.is_empty() => {
            let parsed = Url::parse(next)
                .or_else(|_| current.join(next))
                .map_err(|err| Error::InvalidResponse {
                    endpoint,
                    message: format!("nextPage {next:?} is not a URL: {err}"),
                })?;
            parsed.query_pairs().into_owned().collect()
        }
        (_, Some(token)) if !token.is_empty() => vec![("skipToken".to_owned(), token.to_owned())],
        _ => return Ok(None),
    };
    if next_pairs.is_empty() {
        return Ok(None);
    }

    let mut url = current.clone();
    let kept: Vec<(String, String)> = current
        .query_pairs()
        .into_owned()
        .filter(|(key, _)| !next_pairs.iter().any(|(next_key, _)| next_key == key))
        .collect();
    url.set_query(None);
    url.query_pairs_mut()
        .extend_pairs(kept)
        .extend_pairs(next_pairs);
    Ok(Some(PageCursor { url }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_keeps_origin_and_merges_query() {
        let current = Url::parse("http://127.0.0.1:9/API/v3/directories/POOL_x/mailinglists/CG_y/contacts?pageSize=50&includeEmbedded=true").unwrap();
        let next = "https://elsewhere.example/API/v3/directories/POOL_x/mailinglists/CG_y/contacts?pageSize=50&skipToken=abc";
        let cursor = next_cursor(&current, Some(next), None, "list_contacts")
            .unwrap()
            .unwrap();
        assert_eq!(cursor.url.host_str(), Some("127.0.0.1"));
        assert_eq!(cursor.url.path(), current.path());
        let pairs: Vec<(String, String)> = cursor.url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("includeEmbedded".into(), "true".into())));
        assert!(pairs.contains(&("skipToken".into(), "abc".into())));
        assert_eq!(pairs.iter().filter(|(key, _)| key == "pageSize").count(), 1);
    }

    #[test]
    fn null_next_page_ends_paging() {
        let current = Url::parse("http://127.0.0.1:9/API/v3/directories").unwrap();
        assert!(next_cursor(&current, None, None, "list_directories")
            .unwrap()
            .is_none());
        let by_token = next_cursor(&current, None, Some("t1"), "search_contacts")
            .unwrap()
            .unwrap();
        assert_eq!(by_token.url.query(), Some("skipToken=t1"));
    }
}
