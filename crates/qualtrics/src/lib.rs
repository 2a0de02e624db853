//! Client for the Qualtrics XM Directory API: authentication and token refresh, a rate limiter
//! per account, one retry policy, and typed calls for directories, mailing lists, contacts and
//! bulk imports.
//!
//! Every call goes through the same layers, outermost first: the account's rate limiter, the
//! retry loop, and the per-attempt timeout. The limiter is consulted before each attempt, so
//! retries count against the budget too.

mod auth;
mod client;
mod credentials;
mod directories;
mod directory_contacts;
mod directory_update;
mod error;
mod http;
mod ids;
mod import;
mod lenient;
mod list_contacts;
mod mailing_lists;
mod oauth;
mod rate_limit;
mod retry;
mod settings;

pub use client::{Page, PageCursor, QualtricsClient};
pub use credentials::{Credentials, OAuthApp, TokenSet};
pub use directories::{DeduplicationCriteria, Directory, WhoAmI};
pub use directory_contacts::{DirectoryContact, Membership, SearchContact};
pub use error::Error;
pub use ids::{ContactId, DatacenterId, DirectoryId, IdError, MailingListId};
pub use import::{
    ImportContact, ImportReportEntry, ImportStarted, ImportStatus, PollPolicy,
    MAX_IMPORT_BODY_BYTES, MAX_IMPORT_CONTACTS,
};
pub use list_contacts::{ContactUpdate, CreateRetry, CreatedContact, ListContact, NewContact};
pub use mailing_lists::MailingList;
pub use oauth::AuthorizationCodeFlow;
pub use rate_limit::{AccountKey, AccountLimiter, RateLimiters};
pub use retry::{decide, parse_retry_after, AttemptOutcome, RequestSafety, RetryDecision};
pub use secrecy::{ExposeSecret, SecretString};
pub use settings::Settings;
