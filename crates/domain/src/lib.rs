//! Core types and rules of cohortsync: cohorts, members, email keys, field names and the diff.
