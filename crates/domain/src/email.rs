//! Email normalization and a practical validity check for member keys.
//!
//! The check rejects the shapes that Qualtrics would reject or that cannot be delivered. It is not
//! a full RFC 5322 parser: quoted local parts and IP-literal domains are rejected as well.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Maximum length of an address in characters (RFC 5321 path limit less the angle brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// Maximum length of the local part in characters (RFC 5321).
const MAX_LOCAL_PART_CHARS: usize = 64;

/// Reasons an email address is invalid. Each message names the address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email address is empty")]
    Empty,
    #[error("invalid email {0:?}: it contains whitespace or a control character")]
    Whitespace(String),
    #[error("invalid email {0:?}: it has no '@'")]
    MissingAt(String),
    #[error("invalid email {0:?}: it has more than one '@'")]
    MultipleAt(String),
    #[error("invalid email {0:?}: the part before '@' is empty")]
    EmptyLocalPart(String),
    #[error("invalid email {0:?}: the domain after '@' is empty")]
    EmptyDomain(String),
    #[error("invalid email {0:?}: the domain has no dot")]
    DomainWithoutDot(String),
    #[error("invalid email {0:?}: the domain or one of its labels starts or ends with '.' or '-'")]
    DomainEdge(String),
    #[error("invalid email {0:?}: the part before '@' starts or ends with '.'")]
    LocalPartEdgeDot(String),
    #[error("invalid email {0:?}: it contains consecutive dots")]
    ConsecutiveDots(String),
    #[error(
        "invalid email {0:?}: it is longer than {MAX_EMAIL_CHARS} characters \
         or its part before '@' is longer than {MAX_LOCAL_PART_CHARS}"
    )]
    TooLong(String),
}

impl EmailError {
    /// Returns a stable snake_case code for reports, e.g. `missing_at`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Whitespace(_) => "whitespace",
            Self::MissingAt(_) => "missing_at",
            Self::MultipleAt(_) => "multiple_at",
            Self::EmptyLocalPart(_) => "empty_local_part",
            Self::EmptyDomain(_) => "empty_domain",
            Self::DomainWithoutDot(_) => "domain_without_dot",
            Self::DomainEdge(_) => "domain_edge",
            Self::LocalPartEdgeDot(_) => "local_part_edge_dot",
            Self::ConsecutiveDots(_) => "consecutive_dots",
            Self::TooLong(_) => "too_long",
        }
    }
}

/// A validated email address: the trimmed original for sending and a lowercase key for
/// comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email {
    original: String,
    normalized: String,
}

impl Email {
    /// Trims `raw`, validates it and builds the comparison key (Unicode lowercase).
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let original = raw.trim();
        validate(original)?;
        Ok(Self {
            original: original.to_owned(),
            normalized: original.to_lowercase(),
        })
    }

    /// Returns the trimmed address as the source wrote it, the form to send to Qualtrics.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Returns the lowercase key that matches members with snapshot rows.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

/// Checks an already trimmed address against the rules listed on [`EmailError`].
fn validate(address: &str) -> Result<(), EmailError> {
    let owned = || address.to_owned();
    if address.is_empty() {
        return Err(EmailError::Empty);
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailError::Whitespace(owned()));
    }

    let Some((local, domain)) = address.split_once('@') else {
        return Err(EmailError::MissingAt(owned()));
    };
    if domain.contains('@') {
        return Err(EmailError::MultipleAt(owned()));
    }
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart(owned()));
    }
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain(owned()));
    }
    if address.chars().count() > MAX_EMAIL_CHARS || local.chars().count() > MAX_LOCAL_PART_CHARS {
        return Err(EmailError::TooLong(owned()));
    }
    if address.contains("..") {
        return Err(EmailError::ConsecutiveDots(owned()));
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Err(EmailError::LocalPartEdgeDot(owned()));
    }
    if domain.starts_with('.') || domain.ends_with('.') {
        return Err(EmailError::DomainEdge(owned()));
    }
    if !domain.contains('.') {
        return Err(EmailError::DomainWithoutDot(owned()));
    }
    if domain
        .split('.')
        .any(|label| label.starts_with('-') || label.ends_with('-'))
    {
        return Err(EmailError::DomainEdge(owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_trimmed_original_and_lowercase_key() {
        let email = Email::parse("  Ana.Lima@Example.COM \t").unwrap();
        assert_eq!(email.original(), "Ana.Lima@Example.COM");
        assert_eq!(email.normalized(), "ana.lima@example.com");
    }

    #[test]
    fn parse_accepts_common_valid_shapes() {
        let valid = [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@example.ie",
            "x_y-z@mail-server.example.com",
            "zoë@exämple.de",
            "1234@123.example",
        ];
        for address in valid {
            assert!(
                Email::parse(address).is_ok(),
                "expected {address:?} to be valid"
            );
        }
    }

    #[test]
    fn parse_rejects_table() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b".repeat(250));
        let cases: Vec<(&str, &str)> = vec![
            ("", "empty"),
            ("   ", "empty"),
            ("plainaddress", "missing_at"),
            ("a@b@example.com", "multiple_at"),
            ("@example.com", "empty_local_part"),
            ("ana@", "empty_domain"),
            ("ana lima@example.com", "whitespace"),
            ("ana@exa mple.com", "whitespace"),
            ("ana@example\u{7}.com", "whitespace"),
            ("ana@localhost", "domain_without_dot"),
            ("ana@.example.com", "domain_edge"),
            ("ana@example.com.", "domain_edge"),
            ("ana@-example.com", "domain_edge"),
            ("ana@example.com-", "domain_edge"),
            ("ana@example-.com", "domain_edge"),
            ("ana@example..com", "consecutive_dots"),
            ("ana..lima@example.com", "consecutive_dots"),
            (".ana@example.com", "local_part_edge_dot"),
            ("ana.@example.com", "local_part_edge_dot"),
            (&long_local, "too_long"),
            (&long_total, "too_long"),
        ];
        for (address, code) in cases {
            let error = Email::parse(address).expect_err(address);
            assert_eq!(error.code(), code, "wrong reason for {address:?}: {error}");
        }
    }

    #[test]
    fn error_message_names_the_address() {
        let error = Email::parse("ana@localhost").unwrap_err();
        assert!(error.to_string().contains("\"ana@localhost\""), "{error}");
    }
}
