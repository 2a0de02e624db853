//! Tests of format detection and of reading cohort files from disk.

use std::fs;
use std::path::Path;

use cohortsync_sources::file::{read_members, CohortFormat, ReadError};

fn write(dir: &Path, name: &str, contents: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap();
    path
}

#[test]
fn format_detected_from_extension() {
    assert_eq!(
        CohortFormat::from_path(Path::new("a/cohort.csv")),
        Ok(CohortFormat::Csv)
    );
    assert_eq!(
        CohortFormat::from_path(Path::new("cohort.CSV")),
        Ok(CohortFormat::Csv)
    );
    assert_eq!(
        CohortFormat::from_path(Path::new("cohort.jsonl")),
        Ok(CohortFormat::Jsonl)
    );
    assert_eq!(
        CohortFormat::from_path(Path::new("cohort.ndjson")),
        Ok(CohortFormat::Jsonl)
    );
    assert!(CohortFormat::from_path(Path::new("cohort.txt")).is_err());
    assert!(CohortFormat::from_path(Path::new("cohort")).is_err());
}

#[test]
fn format_parses_explicit_names() {
    assert_eq!("csv".parse::<CohortFormat>(), Ok(CohortFormat::Csv));
    assert_eq!("JSONL".parse::<CohortFormat>(), Ok(CohortFormat::Jsonl));
    assert_eq!("ndjson".parse::<CohortFormat>(), Ok(CohortFormat::Jsonl));
    let error = "xlsx".parse::<CohortFormat>().unwrap_err();
    assert!(error.to_string().contains("\"xlsx\""), "{error}");
}

#[test]
fn read_members_detects_each_format() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "cohort.csv",
        "user_id,email\nu-1,a@example.com\n",
    );
    let jsonl = write(dir.path(), "cohort.ndjson", "{\"user_id\": \"u-2\"}\n");

    let from_csv = read_members(&csv, None).unwrap();
    let from_jsonl = read_members(&jsonl, None).unwrap();

    assert_eq!(from_csv[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(from_jsonl[0].user_id.as_deref(), Some("u-2"));
}

#[test]
fn read_members_override_beats_extension() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "export.txt", "{\"user_id\": \"u-1\"}\n");

    let members = read_members(&path, Some(CohortFormat::Jsonl)).unwrap();

    assert_eq!(members.len(), 1);
    let error = read_members(&path, None).unwrap_err();
    assert!(matches!(error.error, ReadError::Format(_)), "{error}");
}

#[test]
fn read_members_error_names_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cohort.jsonl", "{\"user_id\": \"u-1\"}\n42\n");

    let error = read_members(&path, None).unwrap_err();

    assert_eq!(error.path, path);
    let message = error.to_string();
    assert!(message.contains("cohort.jsonl"), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn read_members_missing_file_is_io_error() {
    let dir = tempfile::tempdir().unwrap();

    let error = read_members(&dir.path().join("absent.csv"), None).unwrap_err();

    assert!(matches!(error.error, ReadError::Io(_)), "{error}");
}
