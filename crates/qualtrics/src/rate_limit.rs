//! Client-side rate limiters, one per Qualtrics account, shared across clients.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// A token-bucket limiter for one account: bursts up to the per-minute budget, refilled evenly.
pub type AccountLimiter = DefaultDirectRateLimiter;

/// Identity of a Qualtrics account for rate limiting: the API origin plus the credential identity
/// (an OAuth client ID, or a hash of an API token). Contains no secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey(String);

impl AccountKey {
    /// Builds a key from an origin URL and a credential identity.
    pub fn new(origin: &str, credential_identity: &str) -> AccountKey {
        AccountKey(format!("{origin}|{credential_identity}"))
    }

    /// Returns the key as text, for logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A registry handing out one limiter per account, so every client of that account draws from
/// one budget.
#[derive(Debug, Default)]
pub struct RateLimiters {
    limiters: Mutex<HashMap<AccountKey, Arc<AccountLimiter>>>,
}

impl RateLimiters {
    /// Creates an empty registry, for callers that need limiters apart from the process-wide one.
    pub fn new() -> RateLimiters {
        RateLimiters::default()
    }

    /// Returns the process-wide registry that [`crate::QualtricsClient::new`] uses.
    pub fn shared() -> &'static RateLimiters {
        static SHARED: OnceLock<RateLimiters> = OnceLock::new();
        SHARED.get_or_init(RateLimiters::new)
    }

    /// Returns the limiter of `key`, creating it with `per_minute` on first use.
    ///
    /// The first caller's budget wins: a later call with another `per_minute` gets the existing
    /// limiter, so clients of one account never add up to more than one budget.
    pub fn for_account(&self, key: &AccountKey, per_minute: NonZeroU32) -> Arc<AccountLimiter> {
        let mut limiters = self
            .limiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let limiter = limiters
            .entry(key.clone())
            .or_insert_with(|| Arc::new(RateLimiter::direct(Quota::per_minute(per_minute))));
        Arc::clone(limiter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_account_shares_one_limiter() {
        let registry = RateLimiters::new();
        let per_minute = NonZeroU32::new(2).unwrap();
        let key = AccountKey::new("http://127.0.0.1:1", "oauth-client:abc");
        let first = registry.for_account(&key, per_minute);
        let second = registry.for_account(&key, NonZeroU32::new(1000).unwrap());
        assert!(Arc::ptr_eq(&first, &second));

        assert!(first.check().is_ok());
        assert!(second.check().is_ok());
        assert!(
            first.check().is_err(),
            "two cells of a budget of 2 are used up"
        );
    }

    #[test]
    fn other_account_gets_own_limiter() {
        let registry = RateLimiters::new();
        let per_minute = NonZeroU32::new(1).unwrap();
        let a = registry.for_account(&AccountKey::new("http://a", "x"), per_minute);
        let b = registry.for_account(&AccountKey::new("http://a", "y"), per_minute);
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(a.check().is_ok());
        assert!(b.check().is_ok());
    }
}
