//! The JSON Lines reader: one member object per line.
//!
//! Each line looks like `{"user_id": "u1", "amplitude_id": 123, "user_properties": {...}}`.
//! IDs may be strings or numbers. Property values may be strings, numbers, booleans or null,
//! and null becomes an empty string. Blank lines are skipped and other keys are ignored.

use std::collections::BTreeMap;
use std::io::BufRead;

use cohortsync_domain::Member;
use serde_json::{Map, Value};

use super::ReadError;

/// Streaming iterator over the members of a JSON Lines cohort file.
pub(super) struct JsonlMembers<R: BufRead> {
    reader: R,
    buffer: Vec<u8>,
    line: u64,
    members_seen: bool,
    finished: bool,
}

impl<R: BufRead> JsonlMembers<R> {
    pub(super) fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
            line: 0,
            members_seen: false,
            finished: false,
        }
    }

    fn read_member(&mut self) -> Result<Option<Member>, ReadError> {
        loop {
            self.buffer.clear();
            if self.reader.read_until(b'\n', &mut self.buffer)? == 0 {
                return if self.members_seen {
                    Ok(None)
                } else {
                    Err(ReadError::Empty)
                };
            }
            self.line += 1;

            let line = self.line;
            let text =
                std::str::from_utf8(&self.buffer).map_err(|_| ReadError::InvalidUtf8 { line })?;
            let text = if line == 1 {
                text.trim_start_matches('\u{feff}')
            } else {
                text
            };
            if text.trim().is_empty() {
                continue;
            }

            let value: Value = serde_json::from_str(text).map_err(|e| ReadError::InvalidJson {
                line,
                message: describe_json_error(&e),
            })?;
            let Value::Object(object) = value else {
                return Err(ReadError::NotAnObject {
                    line,
                    found: kind(&value),
                });
            };
            self.members_seen = true;
            return parse_member(&object, line).map(Some);
        }
    }
}

impl<R: BufRead> Iterator for JsonlMembers<R> {
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

fn parse_member(object: &Map<String, Value>, line: u64) -> Result<Member, ReadError> {
    let user_id = parse_id(object, "user_id", line)?;
    let amplitude_id = parse_id(object, "amplitude_id", line)?;

    let mut properties = BTreeMap::new();
    match object.get("user_properties") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                properties.insert(name.clone(), property_text(value));
            }
        }
        Some(other) => {
            return Err(ReadError::InvalidField {
                line,
                field: "user_properties",
                found: kind(other),
                expected: "an object of property names to values",
            });
        }
    }
    Ok(Member {
        user_id,
        amplitude_id,
        properties,
    })
}

/// Reads an ID that may be a string or a number; null, absent and "" mean no ID.
fn parse_id(
    object: &Map<String, Value>,
    field: &'static str,
    line: u64,
) -> Result<Option<String>, ReadError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(other) => Err(ReadError::InvalidField {
            line,
            field,
            found: kind(other),
            expected: "a string or a number",
        }),
    }
}

/// Renders a property value as the string Qualtrics would store.
fn property_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        // NOTE: arrays and objects are kept as compact JSON text rather than rejected, because
        // one list-valued property should not fail a whole cohort.
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Describes a JSON error by column only, because serde_json's own "at line 1" counts lines
/// within one JSON Lines record, not within the file.
fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let cause = text.rsplit_once(" at line ").map_or(text.as_str(), |(cause, _)| cause);
    format!("{cause} at column {}", error.column())
}
