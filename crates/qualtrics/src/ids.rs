//! Validated identifiers: datacenter, directory, mailing list and contact IDs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An identifier string that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}: expected {rule}, for example {example:?}")]
pub struct IdError {
    /// Kind of identifier parsed, e.g. "mailing list ID".
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// The rule the input breaks.
    pub rule: &'static str,
    /// A valid identifier of the same kind.
    pub example: &'static str,
}

/// Checks `value` as `prefix` followed by exactly 15 ASCII letters or digits.
fn check_prefixed(
    value: &str,
    prefix: &str,
    kind: &'static str,
    rule: &'static str,
    example: &'static str,
) -> Result<(), IdError> {
    let valid = value
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 15 && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if valid {
        Ok(())
    } else {
        Err(IdError {
            kind,
            value: value.to_owned(),
            rule,
            example,
        })
    }
}

macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal, $example:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Returns the identifier as sent to Qualtrics.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(value: &str) -> Result<Self, IdError> {
                check_prefixed(
                    value,
                    $prefix,
                    $kind,
                    concat!("\"", $prefix, "\" followed by 15 ASCII letters or digits"),
                    $example,
                )?;
                Ok(Self(value.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;

            fn try_from(value: String) -> Result<Self, IdError> {
                value.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

prefixed_id!(
    /// An XM Directory ID: `POOL_` and 15 ASCII letters or digits.
    DirectoryId,
    "POOL_",
    "directory ID",
    "POOL_3fGhK8LmN2pQrSt"
);
prefixed_id!(
    /// A mailing list ID: `CG_` and 15 ASCII letters or digits.
    MailingListId,
    "CG_",
    "mailing list ID",
    "CG_6Ab2Cd3Ef4Gh5Ij"
);
prefixed_id!(
    /// A directory contact ID: `CID_` and 15 ASCII letters or digits.
    ContactId,
    "CID_",
    "contact ID",
    "CID_1Ab2Cd3Ef4Gh5Ij"
);

/// A Qualtrics datacenter ID such as `iad1` or `fra1`.
///
/// The ID becomes part of a host name (`{id}.qualtrics.com`), so only 2 to 10 lowercase ASCII
/// letters and digits are accepted.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DatacenterId(String);

impl DatacenterId {
    /// Returns the identifier as used in the host name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DatacenterId {
    type Err = IdError;

    fn from_str(value: &str) -> Result<Self, IdError> {
        let valid = (2..=10).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !valid {
            return Err(IdError {
                kind: "datacenter ID",
                value: value.to_owned(),
                rule: "2 to 10 lowercase ASCII letters or digits",
                example: "iad1",
            });
        }
        Ok(Self(value.to_owned()))
    }
}

impl TryFrom<String> for DatacenterId {
    type Error = IdError;

    fn try_from(value: String) -> Result<Self, IdError> {
        value.parse()
    }
}

impl From<DatacenterId> for String {
    fn from(id: DatacenterId) -> String {
        id.0
    }
}

impl fmt::Display for DatacenterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DatacenterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatacenterId({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datacenter_accepts_lowercase_and_digits() {
        for ok in ["iad1", "fra1", "ca1", "gov1", "eu"] {
            assert!(ok.parse::<DatacenterId>().is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn datacenter_rejects_host_tricks() {
        for bad in [
            "",
            "a",
            "IAD1",
            "iad1.evil",
            "iad-1",
            "abcdefghijk",
            "127.0.0.1",
            "a/b",
        ] {
            let err = bad.parse::<DatacenterId>().unwrap_err();
            assert_eq!(err.value, bad);
            assert!(
                err.to_string().contains("iad1"),
                "error shows an example: {err}"
            );
        }
    }

    #[test]
    fn prefixed_ids_check_prefix_and_length() {
        assert!("POOL_abcdefghijklmno".parse::<DirectoryId>().is_ok());
        assert!("CG_ABCDEFGHIJKLMN1".parse::<MailingListId>().is_ok());
        assert!("CID_000000000000001".parse::<ContactId>().is_ok());
        assert!("POOL_abcdefghijklmn".parse::<DirectoryId>().is_err());
        assert!("POOL_abcdefghijklmnop".parse::<DirectoryId>().is_err());
        assert!("CG_ABCDEFGHIJKLM-1".parse::<MailingListId>().is_err());
        assert!("ML_ABCDEFGHIJKLMN1".parse::<MailingListId>().is_err());
        let err = "CID_x".parse::<ContactId>().unwrap_err();
        assert!(err.to_string().contains("CID_x"));
        assert!(err.to_string().contains("CID_1Ab2Cd3Ef4Gh5Ij"));
    }

    #[test]
    fn ids_deserialize_with_validation() {
        let ok: Result<ContactId, _> = serde_json::from_str("\"CID_000000000000001\"");
        assert!(ok.is_ok());
        let bad: Result<ContactId, _> = serde_json::from_str("\"CID_1\"");
        assert!(bad.is_err());
    }
}
