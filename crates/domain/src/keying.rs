//! Keying of cohort members by normalized email, with a reason for every member left out.

use std::collections::BTreeMap;

use crate::{Email, EmailError, EmailProperty, Member};

/// A member with a valid email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedMember {
    pub email: Email,
    pub member: Member,
}

/// The reason a member was left out of the keyed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The email property is absent or blank.
    MissingEmail,
    /// The email property contains something that is not a valid address.
    InvalidEmail(EmailError),
    /// An earlier member in the same cohort already has this email.
    DuplicateEmail,
}

impl SkipReason {
    /// Returns the report code: `missing_email`, `invalid_email` or `duplicate_email`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingEmail => "missing_email",
            Self::InvalidEmail(_) => "invalid_email",
            Self::DuplicateEmail => "duplicate_email",
        }
    }

    /// Describes the reason in a sentence for the row report, e.g. the validation error of an invalid email.
    pub fn message(&self) -> String {
        match self {
            Self::MissingEmail => "the email property is missing or blank".to_owned(),
            Self::InvalidEmail(error) => error.to_string(),
            Self::DuplicateEmail => {
                "an earlier member of this cohort has the same email".to_owned()
            }
        }
    }
}

/// A member that was left out, with what the row report needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMember {
    /// Zero-based position of the member in the input.
    pub index: usize,
    pub user_id: Option<String>,
    /// The email property's value as read, untrimmed; `None` when the property is absent.
    pub raw_email: Option<String>,
    pub reason: SkipReason,
}

/// Members keyed by normalized email, and those left out in input order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyedMembers {
    pub members: BTreeMap<String, KeyedMember>,
    pub skipped: Vec<SkippedMember>,
}

/// Keys `members` by the normalized email that `property` selects.
///
/// The first member with a given email wins, and later ones are skipped as `duplicate_email`.
pub fn key_members(
    members: impl IntoIterator<Item = Member>,
    property: &EmailProperty,
) -> KeyedMembers {
    let mut keyed = KeyedMembers::default();
    for (index, member) in members.into_iter().enumerate() {
        let raw_email = member.email_value(property).map(str::to_owned);
        let skip = |reason: SkipReason, member: Member, raw_email: Option<String>| SkippedMember {
            index,
            user_id: member.user_id,
            raw_email,
            reason,
        };

        let email = match raw_email.as_deref().map(Email::parse) {
            None | Some(Err(EmailError::Empty)) => {
                keyed
                    .skipped
                    .push(skip(SkipReason::MissingEmail, member, raw_email));
                continue;
            }
            Some(Err(error)) => {
                keyed
                    .skipped
                    .push(skip(SkipReason::InvalidEmail(error), member, raw_email));
                continue;
            }
            Some(Ok(email)) => email,
        };

        if keyed.members.contains_key(email.normalized()) {
            keyed
                .skipped
                .push(skip(SkipReason::DuplicateEmail, member, raw_email));
            continue;
        }
        keyed
            .members
            .insert(email.normalized().to_owned(), KeyedMember { email, member });
    }
    keyed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(user_id: &str, email: Option<&str>) -> Member {
        let mut member = Member {
            user_id: Some(user_id.to_owned()),
            ..Member::default()
        };
        if let Some(email) = email {
            member
                .properties
                .insert("email".to_owned(), email.to_owned());
        }
        member
    }

    #[test]
    fn key_members_sorts_skips_and_deduplicates() {
        let members = vec![
            member("u1", Some(" Bea@Example.com ")),
            member("u2", None),
            member("u3", Some("   ")),
            member("u4", Some("not-an-email")),
            member("u5", Some("bea@example.COM")),
            member("u6", Some("ana@example.com")),
        ];

        let keyed = key_members(members, &EmailProperty::default());

        let keys: Vec<&str> = keyed.members.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ana@example.com", "bea@example.com"]);
        let bea = &keyed.members["bea@example.com"];
        assert_eq!(bea.email.original(), "Bea@Example.com");
        assert_eq!(bea.member.user_id.as_deref(), Some("u1"));

        let reasons: Vec<(usize, &str)> = keyed
            .skipped
            .iter()
            .map(|s| (s.index, s.reason.code()))
            .collect();
        assert_eq!(
            reasons,
            [
                (1, "missing_email"),
                (2, "missing_email"),
                (3, "invalid_email"),
                (4, "duplicate_email")
            ]
        );
        assert_eq!(keyed.skipped[0].raw_email, None);
        assert_eq!(keyed.skipped[1].raw_email.as_deref(), Some("   "));
        assert_eq!(
            keyed.skipped[2].reason,
            SkipReason::InvalidEmail(EmailError::MissingAt("not-an-email".into()))
        );
        assert_eq!(keyed.skipped[3].user_id.as_deref(), Some("u5"));
        assert_eq!(
            keyed.skipped[3].raw_email.as_deref(),
            Some("bea@example.COM")
        );
    }

    #[test]
    fn key_members_uses_user_id_property() {
        let members = vec![
            Member {
                user_id: Some("Carla@Example.com".into()),
                ..Member::default()
            },
            Member {
                user_id: None,
                ..Member::default()
            },
        ];

        let keyed = key_members(members, &EmailProperty::UserId);

        assert!(keyed.members.contains_key("carla@example.com"));
        assert_eq!(keyed.skipped.len(), 1);
        assert_eq!(keyed.skipped[0].reason, SkipReason::MissingEmail);
    }
}
