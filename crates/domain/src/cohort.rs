//! Cohort identity and membership: IDs, names, members and where a member's email lives.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The `email_property` value that means "use the member's user ID as the email".
pub const USER_ID_EMAIL_PROPERTY: &str = "[Amplitude] User ID";

/// Errors from building a [`CohortId`] or a [`CohortName`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CohortError {
    #[error("invalid cohort ID {0:?}: it is empty; pass the cohort's ID, e.g. \"7khm89cz\"")]
    EmptyId(String),
    #[error(
        "invalid cohort ID {0:?}: it contains whitespace or control characters; \
         pass the ID exactly as the source shows it, e.g. \"7khm89cz\""
    )]
    IdCharacters(String),
    #[error("invalid cohort name {0:?}: it is empty; give the cohort a name")]
    EmptyName(String),
    #[error(
        "invalid cohort name {0:?}: it contains control characters (such as a newline or tab); \
         rename the cohort without them"
    )]
    NameCharacters(String),
}

/// The identifier of a cohort in its source, such as Amplitude's `7khm89cz`.
///
/// Surrounding whitespace is trimmed. The ID becomes part of a Qualtrics field name, so it must
/// not be empty or contain whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CohortId(String);

impl CohortId {
    /// Validates and wraps a cohort ID.
    pub fn new(id: impl AsRef<str>) -> Result<Self, CohortError> {
        let raw = id.as_ref();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(CohortError::EmptyId(raw.to_owned()));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CohortError::IdCharacters(raw.to_owned()));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CohortId {
    type Error = CohortError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<CohortId> for String {
    fn from(value: CohortId) -> Self {
        value.0
    }
}

impl fmt::Display for CohortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The display name of a cohort, such as `Trial users (EU)`.
///
/// Surrounding whitespace is trimmed. The name becomes part of a Qualtrics field name, so it must
/// not be empty or contain control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CohortName(String);

impl CohortName {
    /// Validates and wraps a cohort name.
    pub fn new(name: impl AsRef<str>) -> Result<Self, CohortError> {
        let raw = name.as_ref();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(CohortError::EmptyName(raw.to_owned()));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(CohortError::NameCharacters(raw.to_owned()));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CohortName {
    type Error = CohortError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<CohortName> for String {
    fn from(value: CohortName) -> Self {
        value.0
    }
}

impl fmt::Display for CohortName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One member of a cohort as a source reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Option<String>,
    pub amplitude_id: Option<String>,
    /// User properties by name. Readers store a missing or null value as an empty string.
    pub properties: BTreeMap<String, String>,
}

impl Member {
    /// Returns the raw (untrimmed) value that `property` selects as this member's email.
    pub fn email_value(&self, property: &EmailProperty) -> Option<&str> {
        match property {
            EmailProperty::UserId => self.user_id.as_deref(),
            EmailProperty::Property(name) => self.properties.get(name).map(String::as_str),
        }
    }
}

/// The source of a member's email address.
///
/// Written as a string in configuration: `email` (the default) and any other text name a user
/// property, and the special value `[Amplitude] User ID` means the member's user ID itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum EmailProperty {
    /// The member's `user_id` is the email address.
    UserId,
    /// The user property of this name contains the email address.
    Property(String),
}

impl EmailProperty {
    /// Parses the configuration form described on the type.
    pub fn parse(value: &str) -> Self {
        if value == USER_ID_EMAIL_PROPERTY {
            Self::UserId
        } else {
            Self::Property(value.to_owned())
        }
    }
}

impl Default for EmailProperty {
    fn default() -> Self {
        Self::Property("email".to_owned())
    }
}

impl From<String> for EmailProperty {
    fn from(value: String) -> Self {
        Self::parse(&value)
    }
}

impl From<EmailProperty> for String {
    fn from(value: EmailProperty) -> Self {
        value.to_string()
    }
}

impl fmt::Display for EmailProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserId => f.write_str(USER_ID_EMAIL_PROPERTY),
            Self::Property(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohort_id_trims_and_rejects_blank() {
        assert_eq!(CohortId::new(" 7khm89cz ").unwrap().as_str(), "7khm89cz");
        assert_eq!(CohortId::new("  "), Err(CohortError::EmptyId("  ".into())));
        assert_eq!(
            CohortId::new("a b"),
            Err(CohortError::IdCharacters("a b".into()))
        );
    }

    #[test]
    fn cohort_name_rejects_control_characters() {
        assert_eq!(
            CohortName::new(" Trial users ").unwrap().as_str(),
            "Trial users"
        );
        assert_eq!(
            CohortName::new(""),
            Err(CohortError::EmptyName(String::new()))
        );
        assert_eq!(
            CohortName::new("a\nb"),
            Err(CohortError::NameCharacters("a\nb".into()))
        );
    }

    #[test]
    fn email_property_parses_special_value() {
        assert_eq!(
            EmailProperty::parse("[Amplitude] User ID"),
            EmailProperty::UserId
        );
        assert_eq!(
            EmailProperty::parse("work_email"),
            EmailProperty::Property("work_email".into())
        );
        assert_eq!(EmailProperty::default().to_string(), "email");
    }

    #[test]
    fn email_value_reads_selected_source() {
        let mut member = Member {
            user_id: Some("u@x.io".into()),
            ..Member::default()
        };
        member.properties.insert("email".into(), "p@x.io".into());

        assert_eq!(member.email_value(&EmailProperty::UserId), Some("u@x.io"));
        assert_eq!(
            member.email_value(&EmailProperty::default()),
            Some("p@x.io")
        );
        assert_eq!(member.email_value(&EmailProperty::parse("other")), None);
    }

    #[test]
    fn serde_round_trips_newtypes() {
        let id: CohortId = serde_json::from_str("\"7khm89cz\"").unwrap();
        assert_eq!(id.as_str(), "7khm89cz");
        assert!(serde_json::from_str::<CohortId>("\"\"").is_err());
        let property: EmailProperty = serde_json::from_str("\"[Amplitude] User ID\"").unwrap();
        assert_eq!(property, EmailProperty::UserId);
        assert_eq!(
            serde_json::to_string(&property).unwrap(),
            "\"[Amplitude] User ID\""
        );
    }
}
