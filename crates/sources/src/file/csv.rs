//! The CSV reader for Amplitude's cohort download format.
//!
//! The first row is the header: `amplitude_id`, `user_id`, then one column per user property.
//! Columns are found by name, so their order does not matter. When a name repeats, the first
//! column of that name counts. Rows shorter than the header have empty cells at the end, and
//! cells past the header's width are ignored. A row that repeats the header, as files joined
//! from several exports have, is skipped.
//!
//! NOTE: the csv crate reads a quote that is never closed as running to the end of the file,
//! so such a file yields one long last value instead of an error.

use std::collections::BTreeMap;
use std::io::Read;

use cohortsync_domain::Member;
use csv::{ByteRecord, ErrorKind};

use super::ReadError;

const USER_ID: &str = "user_id";
const AMPLITUDE_ID: &str = "amplitude_id";
const BOM: &str = "\u{feff}";

/// Streaming iterator over the members of a CSV cohort file.
pub(super) struct CsvMembers<R: Read> {
    reader: csv::Reader<R>,
    record: ByteRecord,
    user_id: usize,
    amplitude_id: Option<usize>,
    /// Property name and column index, one entry per distinct name.
    properties: Vec<(String, usize)>,
    /// The header's cell values, trimmed and without a BOM, to recognize repeated header rows.
    header: Vec<String>,
    finished: bool,
}

impl<R: Read> CsvMembers<R> {
    /// Reads the header row and locates the columns.
    pub(super) fn new(input: R) -> Result<Self, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);

        let mut header = ByteRecord::new();
        let has_header = reader
            .read_byte_record(&mut header)
            .map_err(convert_error)?;
        if !has_header {
            return Err(ReadError::Empty);
        }
        let columns: Vec<String> = decode_record(&header)?
            .into_iter()
            .map(|raw| raw.strip_prefix(BOM).unwrap_or(&raw).trim().to_owned())
            .collect();

        let mut user_id = None;
        let mut amplitude_id = None;
        let mut properties: Vec<(String, usize)> = Vec::new();
        for (index, name) in columns.iter().enumerate() {
            let name = name.as_str();
            if name.is_empty() {
                continue;
            }
            match name {
                USER_ID => {
                    user_id.get_or_insert(index);
                }
                AMPLITUDE_ID => {
                    amplitude_id.get_or_insert(index);
                }
                _ if properties.iter().any(|(existing, _)| existing == name) => {}
                _ => properties.push((name.to_owned(), index)),
            }
        }

        let Some(user_id) = user_id else {
            let columns = header
                .iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            return Err(ReadError::MissingUserIdColumn { columns });
        };

        Ok(Self {
            reader,
            record: ByteRecord::new(),
            user_id,
            amplitude_id,
            properties,
            header: columns,
            finished: false,
        })
    }

    fn read_member(&mut self) -> Result<Option<Member>, ReadError> {
        let cells = loop {
            if !self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(convert_error)?
            {
                return Ok(None);
            }
            let cells = decode_record(&self.record)?;
            let repeats_header = cells.len() == self.header.len()
                && cells.iter().zip(&self.header).all(|(cell, name)| cell.trim() == name);
            if !repeats_header {
                break cells;
            }
        };
        let cell = |index: usize| cells.get(index).map(String::as_str).unwrap_or_default();
        let id = |index: usize| {
            Some(cell(index))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };

        let properties: BTreeMap<String, String> = self
            .properties
            .iter()
            .map(|(name, index)| (name.clone(), cell(*index).to_owned()))
            .collect();
        Ok(Some(Member {
            user_id: id(self.user_id),
            amplitude_id: self.amplitude_id.and_then(id),
            properties,
        }))
    }
}

impl<R: Read> Iterator for CsvMembers<R> {
    type Item = Result<Member, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.read_member().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.finished = true;
        }
        result
    }
}

/// Decodes every cell as UTF-8, naming the record's first physical line on failure.
fn decode_record(record: &ByteRecord) -> Result<Vec<String>, ReadError> {
    let line = record.position().map_or(0, |p| p.line());
    record
        .iter()
        .map(|cell| {
            std::str::from_utf8(cell)
                .map(str::to_owned)
                .map_err(|_| ReadError::InvalidUtf8 { line })
        })
        .collect()
}

fn convert_error(error: csv::Error) -> ReadError {
    let line = error.position().map_or(0, |p| p.line());
    let message = error.to_string();
    match error.into_kind() {
        ErrorKind::Io(io) => ReadError::Io(io),
        ErrorKind::Utf8 { .. } => ReadError::InvalidUtf8 { line },
        _ => ReadError::InvalidCsv { line, message },
    }
}
