//! Core types and rules of cohortsync: cohorts, members, email keys, field names and the diff.
//!
//! This crate performs no I/O and imports no other cohortsync crate. Sources produce
//! [`Member`]s, [`key_members`] turns them into a set keyed by normalized email, and [`plan`]
//! compares that set with the last confirmed snapshot to decide who enters and who leaves.

mod cohort;
mod diff;
mod email;
mod field;
mod keying;

pub use cohort::{
    CohortError, CohortId, CohortName, EmailProperty, Member, USER_ID_EMAIL_PROPERTY,
};
pub use diff::{plan, Entering, Leaving, MemberState, Plan, SnapshotRow, Unchanged, UnknownState};
pub use email::{Email, EmailError};
pub use field::{
    FieldName, FieldNameError, FieldPrefix, DEFAULT_FIELD_PREFIX, MAX_FIELD_NAME_CHARS,
};
pub use keying::{key_members, KeyedMember, KeyedMembers, SkipReason, SkippedMember};
