//! Streaming readers for cohort files in CSV and JSON Lines.
//!
//! [`MemberReader`] yields one [`Member`] at a time from any [`std::io::Read`], so a large file
//! is never held in memory. [`read_members`] reads a whole file into a `Vec` for callers that
//! validate every row before sending anything.

mod csv;
mod error;
mod format;
mod jsonl;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use cohortsync_domain::Member;

pub use self::error::{FileReadError, ReadError};
pub use self::format::{CohortFormat, UnknownFormat};

use self::csv::CsvMembers;
use self::jsonl::JsonlMembers;

/// An iterator of members read from a cohort file; it stops after the first error.
pub struct MemberReader<R: Read> {
    inner: Inner<R>,
}

enum Inner<R: Read> {
    Csv(CsvMembers<R>),
    Jsonl(JsonlMembers<BufReader<R>>),
}

impl<R: Read> MemberReader<R> {
    /// Starts reading `reader` in `format`.
    ///
    /// For CSV this reads the header row at once and fails when the file is empty or the
    /// header has no `user_id` column. For JSON Lines every error comes from the iterator.
    pub fn new(reader: R, format: CohortFormat) -> Result<Self, ReadError> {
        let inner = match format {
            CohortFormat::Csv => Inner::Csv(CsvMembers::new(reader)?),
            CohortFormat::Jsonl => Inner::Jsonl(JsonlMembers::new(BufReader::new(reader))),
        };
        Ok(Self { inner })
    }
}

impl<R: Read> Iterator for MemberReader<R> {
    type Item = Result<Member, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Csv(members) => members.next(),
            Inner::Jsonl(members) => members.next(),
        }
    }
}

/// Opens the file at `path` as a streaming member reader.
///
/// The format is `format` when given, or else detected from the file extension.
pub fn open_members(
    path: &Path,
    format: Option<CohortFormat>,
) -> Result<MemberReader<File>, FileReadError> {
    let wrap = |error: ReadError| FileReadError {
        path: path.to_owned(),
        error,
    };
    let format = match format {
        Some(format) => format,
        None => CohortFormat::from_path(path).map_err(|e| wrap(ReadError::Format(e)))?,
    };
    let file = File::open(path).map_err(|e| wrap(ReadError::Io(e)))?;
    MemberReader::new(file, format).map_err(wrap)
}

/// Reads every member of the file at `path`, failing on the first invalid row.
///
/// The format is `format` when given, or else detected from the file extension.
pub fn read_members(
    path: &Path,
    format: Option<CohortFormat>,
) -> Result<Vec<Member>, FileReadError> {
    let reader = open_members(path, format)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| FileReadError {
            path: path.to_owned(),
            error,
        })
}
