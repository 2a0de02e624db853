//! Qualtrics-style IDs: a type prefix followed by 15 random letters and digits.

use rand::distr::Alphanumeric;
use rand::Rng;

pub const DIRECTORY_PREFIX: &str = "POOL_";
pub const MAILING_LIST_PREFIX: &str = "CG_";
pub const CONTACT_PREFIX: &str = "CID_";
pub const MEMBERSHIP_PREFIX: &str = "CGC_";
pub const USER_PREFIX: &str = "UR_";
/// Prefix of import job IDs. NOTE: the real format of import IDs is not documented.
pub const IMPORT_PREFIX: &str = "PGR_";

/// Number of characters after the prefix.
pub const ID_BODY_LEN: usize = 15;

/// Generates a new random ID with `prefix`.
pub fn generate(prefix: &str) -> String {
    let body: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(ID_BODY_LEN)
        .map(char::from)
        .collect();
    format!("{prefix}{body}")
}

/// Generates a random alphanumeric string of `len` characters, for tokens and codes.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Checks that `value` is `prefix` followed by exactly 15 ASCII letters and digits.
pub fn is_valid(value: &str, prefix: &str) -> bool {
    match value.strip_prefix(prefix) {
        Some(body) => body.len() == ID_BODY_LEN && body.chars().all(|c| c.is_ascii_alphanumeric()),
        None => false,
    }
}

/// Returns a well-formed sample ID for error messages.
pub fn example(prefix: &str) -> String {
    format!("{prefix}1a2B3c4D5e6F7g8")
}
