//! The diff between a cohort's current members and the last confirmed snapshot.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{KeyedMember, KeyedMembers, SkippedMember};

/// State of a contact's cohort field as last confirmed in Qualtrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    /// The field is `active`: the contact is in the cohort.
    Active,
    /// The field is `inactive`: the contact left and stays on the list.
    Inactive,
    /// The contact left and cohortsync took it off the mailing list.
    Removed,
}

impl MemberState {
    /// Returns the stored and sent form: `active`, `inactive` or `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Removed => "removed",
        }
    }
}

impl fmt::Display for MemberState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a state string other than `active`, `inactive` or `removed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown member state {0:?}: expected \"active\", \"inactive\" or \"removed\"")]
pub struct UnknownState(pub String);

impl FromStr for MemberState {
    type Err = UnknownState;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            "removed" => Ok(Self::Removed),
            other => Err(UnknownState(other.to_owned())),
        }
    }
}

/// One row of a destination's snapshot for one cohort: what Qualtrics confirmed last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow {
    /// Normalized (trimmed, lowercase) email, the row's key.
    pub email: String,
    pub user_id: Option<String>,
    /// The Qualtrics contact ID (`CID_…`) once known.
    pub contact_id: Option<String>,
    pub state: MemberState,
    /// The embedded data field name the state was written under.
    pub field_name: String,
    /// Whether cohortsync put the contact on the mailing list, and so may take it off.
    pub added_to_list: bool,
}

/// A member to mark `active` under the current field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entering {
    pub member: KeyedMember,
    /// The previous snapshot row of this email, if any: a re-entry or a rename.
    pub previous: Option<SnapshotRow>,
    /// The old field name to set `inactive`, when the member is active under another name.
    ///
    /// `None` when the old name differs from the new one only in letter case, because
    /// Qualtrics treats embedded data names case-insensitively on most accounts, and writing
    /// `inactive` to the old spelling would then overwrite the new `active`.
    pub renamed_from: Option<String>,
}

/// A snapshot row that is active but whose email is no longer among the current members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    pub row: SnapshotRow,
}

/// A member already confirmed `active` under the current field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub member: KeyedMember,
    pub row: SnapshotRow,
}

/// The work of one run, each list ordered by normalized email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub field_name: String,
    pub entering: Vec<Entering>,
    pub leaving: Vec<Leaving>,
    pub unchanged: Vec<Unchanged>,
    /// Members left out while keying, in input order.
    pub skipped: Vec<SkippedMember>,
}

/// Compares the keyed current members with the snapshot rows and plans the run.
///
/// A member enters when the snapshot has no row for its email, when the row is not active, or
/// when the row is active under another field name (a cohort rename). A snapshot row leaves
/// when it is active under any field name and its email is not among the current members.
/// Inactive and removed rows of absent members need nothing. Snapshot rows are matched by
/// their `email` lowercased, and when two rows share an email the last one counts.
pub fn plan(current: KeyedMembers, snapshot: &[SnapshotRow], field_name: &str) -> Plan {
    let mut previous: BTreeMap<String, &SnapshotRow> = BTreeMap::new();
    for row in snapshot {
        previous.insert(row.email.to_lowercase(), row);
    }

    let mut entering = Vec::new();
    let mut unchanged = Vec::new();
    for (key, member) in &current.members {
        match previous.get(key) {
            None => entering.push(Entering {
                member: member.clone(),
                previous: None,
                renamed_from: None,
            }),
            Some(row) if row.state != MemberState::Active => entering.push(Entering {
                member: member.clone(),
                previous: Some((*row).clone()),
                renamed_from: None,
            }),
            Some(row) if row.field_name != field_name => {
                let case_only = row.field_name.to_lowercase() == field_name.to_lowercase();
                entering.push(Entering {
                    member: member.clone(),
                    previous: Some((*row).clone()),
                    renamed_from: (!case_only).then(|| row.field_name.clone()),
                });
            }
            Some(row) => unchanged.push(Unchanged {
                member: member.clone(),
                row: (*row).clone(),
            }),
        }
    }

    let leaving = previous
        .iter()
        .filter(|(key, row)| {
            row.state == MemberState::Active && !current.members.contains_key(*key)
        })
        .map(|(_, row)| Leaving {
            row: (*row).clone(),
        })
        .collect();

    Plan {
        field_name: field_name.to_owned(),
        entering,
        leaving,
        unchanged,
        skipped: current.skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{key_members, EmailProperty, Member};

    const FIELD: &str = "[Amplitude] Trial users (7khm89cz)";
    const OLD_FIELD: &str = "[Amplitude] Trial (7khm89cz)";

    fn members(emails: &[&str]) -> KeyedMembers {
        let members = emails.iter().enumerate().map(|(i, email)| {
            let mut member = Member {
                user_id: Some(format!("u{i}")),
                ..Member::default()
            };
            member.properties.insert("email".into(), (*email).into());
            member
        });
        key_members(members, &EmailProperty::default())
    }

    fn row(email: &str, state: MemberState, field_name: &str) -> SnapshotRow {
        SnapshotRow {
            email: email.into(),
            user_id: None,
            contact_id: Some(format!("CID_{email}")),
            state,
            field_name: field_name.into(),
            added_to_list: true,
        }
    }

    fn emails_entering(plan: &Plan) -> Vec<&str> {
        plan.entering
            .iter()
            .map(|e| e.member.email.normalized())
            .collect()
    }

    #[test]
    fn plan_first_run_enters_everyone_sorted() {
        let plan = plan(members(&["c@x.io", "A@x.io", "b@x.io"]), &[], FIELD);

        assert_eq!(emails_entering(&plan), ["a@x.io", "b@x.io", "c@x.io"]);
        assert!(plan
            .entering
            .iter()
            .all(|e| e.previous.is_none() && e.renamed_from.is_none()));
        assert!(plan.leaving.is_empty());
        assert!(plan.unchanged.is_empty());
        assert_eq!(plan.field_name, FIELD);
    }

    #[test]
    fn plan_active_same_field_is_unchanged() {
        let snapshot = [row("a@x.io", MemberState::Active, FIELD)];

        let plan = plan(members(&["A@X.io"]), &snapshot, FIELD);

        assert!(plan.entering.is_empty());
        assert_eq!(plan.unchanged.len(), 1);
        assert_eq!(
            plan.unchanged[0].row.contact_id.as_deref(),
            Some("CID_a@x.io")
        );
    }

    #[test]
    fn plan_absent_active_rows_leave() {
        let snapshot = [
            row("b@x.io", MemberState::Active, FIELD),
            row("a@x.io", MemberState::Active, OLD_FIELD),
            row("c@x.io", MemberState::Inactive, FIELD),
            row("d@x.io", MemberState::Removed, FIELD),
        ];

        let plan = plan(members(&[]), &snapshot, FIELD);

        let leaving: Vec<&str> = plan.leaving.iter().map(|l| l.row.email.as_str()).collect();
        assert_eq!(leaving, ["a@x.io", "b@x.io"]);
        assert_eq!(plan.leaving[0].row.field_name, OLD_FIELD);
        assert!(plan.entering.is_empty());
    }

    #[test]
    fn plan_reentry_carries_previous_row() {
        let snapshot = [
            row("a@x.io", MemberState::Inactive, FIELD),
            row("b@x.io", MemberState::Removed, FIELD),
        ];

        let plan = plan(members(&["a@x.io", "b@x.io"]), &snapshot, FIELD);

        assert_eq!(emails_entering(&plan), ["a@x.io", "b@x.io"]);
        let previous_b = plan.entering[1].previous.as_ref().unwrap();
        assert_eq!(previous_b.state, MemberState::Removed);
        assert_eq!(previous_b.contact_id.as_deref(), Some("CID_b@x.io"));
        assert!(plan.entering.iter().all(|e| e.renamed_from.is_none()));
        assert!(plan.leaving.is_empty());
    }

    #[test]
    fn plan_rename_enters_with_old_field() {
        let snapshot = [row("a@x.io", MemberState::Active, OLD_FIELD)];

        let plan = plan(members(&["a@x.io"]), &snapshot, FIELD);

        assert_eq!(emails_entering(&plan), ["a@x.io"]);
        assert_eq!(plan.entering[0].renamed_from.as_deref(), Some(OLD_FIELD));
        assert!(plan.unchanged.is_empty());
        assert!(plan.leaving.is_empty());
    }

    #[test]
    fn plan_case_only_rename_has_no_old_field() {
        let snapshot = [row("a@x.io", MemberState::Active, &FIELD.to_uppercase())];

        let plan = plan(members(&["a@x.io"]), &snapshot, FIELD);

        assert_eq!(emails_entering(&plan), ["a@x.io"]);
        assert_eq!(plan.entering[0].renamed_from, None);
    }

    #[test]
    fn plan_inactive_under_old_name_reenters_without_rename() {
        let snapshot = [row("a@x.io", MemberState::Inactive, OLD_FIELD)];

        let plan = plan(members(&["a@x.io"]), &snapshot, FIELD);

        assert_eq!(plan.entering[0].renamed_from, None);
        assert_eq!(
            plan.entering[0].previous.as_ref().unwrap().field_name,
            OLD_FIELD
        );
    }

    #[test]
    fn plan_passes_skipped_through() {
        let plan = plan(members(&["a@x.io", "bad", "A@x.io"]), &[], FIELD);

        let codes: Vec<&str> = plan.skipped.iter().map(|s| s.reason.code()).collect();
        assert_eq!(codes, ["invalid_email", "duplicate_email"]);
        assert_eq!(emails_entering(&plan), ["a@x.io"]);
    }

    #[test]
    fn member_state_round_trips() {
        for state in [
            MemberState::Active,
            MemberState::Inactive,
            MemberState::Removed,
        ] {
            assert_eq!(state.as_str().parse::<MemberState>(), Ok(state));
        }
        assert_eq!(
            "gone".parse::<MemberState>(),
            Err(UnknownState("gone".into()))
        );
    }
}
