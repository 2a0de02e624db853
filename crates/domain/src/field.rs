//! Naming of the Qualtrics embedded data field that marks cohort membership.
//!
//! The name is `<prefix> <cohort name> (<cohort ID>)`, for example
//! `[Amplitude] Trial users (7khm89cz)`. Qualtrics accepts embedded data names of at most 200
//! characters, so a long cohort name is cut while the prefix and ` (<cohort ID>)` stay whole.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{CohortId, CohortName};

/// Maximum length of a Qualtrics embedded data field name, in Unicode scalar values.
pub const MAX_FIELD_NAME_CHARS: usize = 200;

/// The prefix used when a sync does not configure one.
pub const DEFAULT_FIELD_PREFIX: &str = "[Amplitude]";

/// Maximum prefix length, so that a cohort name always keeps some room.
const MAX_PREFIX_CHARS: usize = 100;

/// Errors from building a field prefix or a field name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldNameError {
    #[error(
        "invalid field prefix {prefix:?}: it is longer than {MAX_PREFIX_CHARS} characters \
         or contains control characters; use a short label such as \"[Amplitude]\""
    )]
    InvalidPrefix { prefix: String },
    #[error(
        "cohort ID {cohort_id:?} is too long for a field name: prefix {prefix:?} and \
         \" ({cohort_id})\" need {needed} characters, more than Qualtrics' {MAX_FIELD_NAME_CHARS}; \
         use a shorter field prefix or cohort ID"
    )]
    CohortIdTooLong {
        cohort_id: String,
        prefix: String,
        needed: usize,
    },
}

/// The text written before the cohort name in the field name; empty means no prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldPrefix(String);

impl FieldPrefix {
    /// Trims and validates a prefix (at most 100 characters, no control characters).
    pub fn new(prefix: impl AsRef<str>) -> Result<Self, FieldNameError> {
        let trimmed = prefix.as_ref().trim();
        if trimmed.chars().count() > MAX_PREFIX_CHARS || trimmed.chars().any(char::is_control) {
            return Err(FieldNameError::InvalidPrefix {
                prefix: prefix.as_ref().to_owned(),
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for FieldPrefix {
    fn default() -> Self {
        Self(DEFAULT_FIELD_PREFIX.to_owned())
    }
}

impl TryFrom<String> for FieldPrefix {
    type Error = FieldNameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<FieldPrefix> for String {
    fn from(value: FieldPrefix) -> Self {
        value.0
    }
}

/// A field name ready to send, and whether it had to be shortened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldName {
    name: String,
    /// Length in characters of the full name before shortening; `None` when it fit.
    shortened_from: Option<usize>,
}

impl FieldName {
    /// Builds `<prefix> <cohort name> (<cohort ID>)`, cutting the cohort name when the whole
    /// would exceed [`MAX_FIELD_NAME_CHARS`].
    ///
    /// The cut falls between characters, and trailing whitespace left by the cut is removed.
    /// Fails when the prefix and ` (<cohort ID>)` alone leave no room for the cohort name.
    pub fn build(
        prefix: &FieldPrefix,
        cohort_name: &CohortName,
        cohort_id: &CohortId,
    ) -> Result<Self, FieldNameError> {
        let head = if prefix.as_str().is_empty() {
            String::new()
        } else {
            format!("{} ", prefix.as_str())
        };
        let suffix = format!(" ({})", cohort_id.as_str());
        let fixed_chars = head.chars().count() + suffix.chars().count();
        if fixed_chars >= MAX_FIELD_NAME_CHARS {
            return Err(FieldNameError::CohortIdTooLong {
                cohort_id: cohort_id.as_str().to_owned(),
                prefix: prefix.as_str().to_owned(),
                needed: fixed_chars + 1,
            });
        }

        let name_chars = cohort_name.as_str().chars().count();
        let full_chars = fixed_chars + name_chars;
        if full_chars <= MAX_FIELD_NAME_CHARS {
            let name = format!("{head}{}{suffix}", cohort_name.as_str());
            return Ok(Self {
                name,
                shortened_from: None,
            });
        }

        let room = MAX_FIELD_NAME_CHARS - fixed_chars;
        let cut: String = cohort_name.as_str().chars().take(room).collect();
        let name = format!("{head}{}{suffix}", cut.trim_end());
        Ok(Self {
            name,
            shortened_from: Some(full_chars),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// Length in characters of the unshortened name, when shortening happened.
    pub fn shortened_from(&self) -> Option<usize> {
        self.shortened_from
    }

    pub fn into_string(self) -> String {
        self.name
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(prefix: &str, name: &str, id: &str) -> Result<FieldName, FieldNameError> {
        FieldName::build(
            &FieldPrefix::new(prefix).unwrap(),
            &CohortName::new(name).unwrap(),
            &CohortId::new(id).unwrap(),
        )
    }

    #[test]
    fn build_default_form() {
        let field = build(DEFAULT_FIELD_PREFIX, "Trial users", "7khm89cz").unwrap();
        assert_eq!(field.as_str(), "[Amplitude] Trial users (7khm89cz)");
        assert_eq!(field.shortened_from(), None);
    }

    #[test]
    fn build_custom_and_empty_prefix() {
        assert_eq!(
            build("[Mixpanel]", "Buyers", "42").unwrap().as_str(),
            "[Mixpanel] Buyers (42)"
        );
        assert_eq!(build("", "Buyers", "42").unwrap().as_str(), "Buyers (42)");
    }

    #[test]
    fn build_exactly_200_is_not_shortened() {
        // "[Amplitude] " is 12 characters and " (abc)" is 6, so 182 name characters fit.
        let name = "n".repeat(182);
        let field = build(DEFAULT_FIELD_PREFIX, &name, "abc").unwrap();
        assert_eq!(field.as_str().chars().count(), 200);
        assert_eq!(field.shortened_from(), None);
    }

    #[test]
    fn build_shortens_long_name_keeping_id() {
        let name = "n".repeat(183);
        let field = build(DEFAULT_FIELD_PREFIX, &name, "abc").unwrap();
        assert_eq!(field.as_str().chars().count(), 200);
        assert!(field.as_str().ends_with("n (abc)"), "{field}");
        assert!(field.as_str().starts_with("[Amplitude] n"), "{field}");
        assert_eq!(field.shortened_from(), Some(201));
    }

    #[test]
    fn build_never_splits_multibyte_characters() {
        let name = "é🙂".repeat(150);
        let field = build(DEFAULT_FIELD_PREFIX, &name, "7khm89cz").unwrap();
        assert_eq!(field.as_str().chars().count(), 200);
        assert!(field.as_str().ends_with(" (7khm89cz)"));
        assert_eq!(field.shortened_from(), Some(12 + 300 + 11));
    }

    #[test]
    fn build_trims_space_left_by_cut() {
        // The cut after 182 characters lands right after a space.
        let name = format!("{} tail", "n".repeat(181));
        let field = build(DEFAULT_FIELD_PREFIX, &name, "abc").unwrap();
        assert_eq!(
            field.as_str(),
            format!("[Amplitude] {} (abc)", "n".repeat(181))
        );
        assert!(field.shortened_from().is_some());
    }

    #[test]
    fn build_rejects_id_that_cannot_fit() {
        let id = "x".repeat(185);
        let error = build(DEFAULT_FIELD_PREFIX, "Name", &id).unwrap_err();
        assert!(
            matches!(error, FieldNameError::CohortIdTooLong { needed: 201, .. }),
            "{error}"
        );
        // One character shorter leaves room for one character of the name.
        let id = "x".repeat(184);
        let field = build(DEFAULT_FIELD_PREFIX, "Name", &id).unwrap();
        assert_eq!(field.as_str().chars().count(), 200);
        assert!(field.as_str().starts_with("[Amplitude] N ("));
    }

    #[test]
    fn prefix_rejects_overlong_or_control() {
        assert!(FieldPrefix::new("p".repeat(101)).is_err());
        assert!(FieldPrefix::new("a\tb").is_err());
        assert_eq!(FieldPrefix::new(" [X] ").unwrap().as_str(), "[X]");
    }
}
