//! Errors from reading cohort files. Line numbers are 1-based.

use std::io;
use std::path::PathBuf;

use super::format::UnknownFormat;

/// Errors from reading a cohort file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Format(#[from] UnknownFormat),
    #[error(
        "the cohort file is empty: a CSV file needs a header row with a user_id column, \
         and a JSON Lines file needs one JSON object per line"
    )]
    Empty,
    #[error(
        "the CSV header has no user_id column (columns: {columns:?}); \
         export the cohort with user IDs or rename the column holding them to user_id"
    )]
    MissingUserIdColumn { columns: Vec<String> },
    #[error("line {line} is not valid UTF-8; save the file as UTF-8 and retry")]
    InvalidUtf8 { line: u64 },
    #[error("line {line} is not valid CSV: {message}; fix the quoting on that line")]
    InvalidCsv { line: u64, message: String },
    #[error("line {line} is not valid JSON: {message}; each line must be one JSON object")]
    InvalidJson { line: u64, message: String },
    #[error(
        "line {line} is a JSON {found}, not an object; each line must look like \
         {{\"user_id\": \"u1\", \"user_properties\": {{\"email\": \"a@example.com\"}}}}"
    )]
    NotAnObject { line: u64, found: &'static str },
    #[error("line {line}: field {field:?} is a JSON {found}; expected {expected}")]
    InvalidField {
        line: u64,
        field: &'static str,
        found: &'static str,
        expected: &'static str,
    },
}

/// A [`ReadError`] with the path of the file it came from.
#[derive(Debug, thiserror::Error)]
#[error("cohort file {}: {error}", path.display())]
pub struct FileReadError {
    pub path: PathBuf,
    /// The underlying error; its message is part of this one's, so it is not a `source`.
    pub error: ReadError,
}
