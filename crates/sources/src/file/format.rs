//! The cohort file formats and their detection from a file name.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A cohort file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CohortFormat {
    /// Comma-separated values with a header row, as Amplitude's cohort download writes them.
    Csv,
    /// JSON Lines: one JSON object per line.
    Jsonl,
}

/// Error for a format name or file extension that is not a known cohort format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown cohort file format {0:?}: use a file ending in .csv, .jsonl or .ndjson, \
     or name the format explicitly (--format csv or --format jsonl)"
)]
pub struct UnknownFormat(pub String);

impl CohortFormat {
    /// Detects the format from the extension: `.csv`, or `.jsonl` / `.ndjson` (any case).
    pub fn from_path(path: &Path) -> Result<Self, UnknownFormat> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        match extension.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            _ => Err(UnknownFormat(path.display().to_string())),
        }
    }

    /// Returns the canonical name: `csv` or `jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Jsonl => "jsonl",
        }
    }
}

impl FromStr for CohortFormat {
    type Err = UnknownFormat;

    /// Parses `csv`, `jsonl` or `ndjson` (any case), for an explicit override.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "jsonl" | "ndjson" => Ok(Self::Jsonl),
            _ => Err(UnknownFormat(value.to_owned())),
        }
    }
}

impl fmt::Display for CohortFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
