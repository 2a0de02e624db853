//! Sources of cohort members: file readers (CSV and JSON Lines), the Amplitude cohort API
//! client and the Amplitude cohort webhook body.

pub mod amplitude;
pub mod file;
pub mod webhook;
