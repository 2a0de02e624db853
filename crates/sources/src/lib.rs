//! Sources of cohort members: file readers (CSV and JSON Lines).

pub mod file;
