//! Tests of the JSON Lines cohort reader.

use cohortsync_domain::Member;
use cohortsync_sources::file::{CohortFormat, MemberReader, ReadError};

fn read(input: &str) -> Result<Vec<Member>, ReadError> {
    MemberReader::new(input.as_bytes(), CohortFormat::Jsonl)?.collect()
}

fn first_error(input: &str) -> ReadError {
    read(input).expect_err("expected a read error")
}

#[test]
fn jsonl_reads_ids_and_properties() {
    let input = r#"{"user_id": "u-1", "amplitude_id": 101, "user_properties": {"email": "ana@example.com", "age": 31, "trial": true, "score": 2.5, "city": null}}
{"user_id": 42, "amplitude_id": "102", "user_properties": {}}
"#;

    let members = read(input).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(members[0].amplitude_id.as_deref(), Some("101"));
    let properties = &members[0].properties;
    assert_eq!(properties["email"], "ana@example.com");
    assert_eq!(properties["age"], "31");
    assert_eq!(properties["trial"], "true");
    assert_eq!(properties["score"], "2.5");
    assert_eq!(properties["city"], "", "null becomes empty");
    assert_eq!(members[1].user_id.as_deref(), Some("42"));
    assert_eq!(members[1].amplitude_id.as_deref(), Some("102"));
}

#[test]
fn jsonl_missing_and_null_ids_are_none() {
    let members = read("{\"user_properties\": {\"email\": \"a@example.com\"}}\n{\"user_id\": null, \"amplitude_id\": \"\"}\n").unwrap();

    assert_eq!(members[0].user_id, None);
    assert_eq!(members[0].amplitude_id, None);
    assert_eq!(members[1].user_id, None);
    assert_eq!(members[1].amplitude_id, None);
    assert!(members[1].properties.is_empty());
}

#[test]
fn jsonl_tolerates_blank_lines_crlf_bom() {
    let input = "\u{feff}{\"user_id\": \"u-1\"}\r\n\r\n   \n{\"user_id\": \"u-2\"}";

    let members = read(input).unwrap();

    let ids: Vec<_> = members
        .iter()
        .map(|m| m.user_id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["u-1", "u-2"]);
}

#[test]
fn jsonl_ignores_unknown_keys() {
    let members = read("{\"user_id\": \"u-1\", \"cohort\": \"x\", \"extra\": [1]}\n").unwrap();

    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert!(members[0].properties.is_empty());
}

#[test]
fn jsonl_list_property_becomes_json_text() {
    let members =
        read("{\"user_id\": \"u-1\", \"user_properties\": {\"tags\": [\"a\", 1]}}\n").unwrap();

    assert_eq!(members[0].properties["tags"], "[\"a\",1]");
}

#[test]
fn jsonl_invalid_json_names_line() {
    let error = first_error("{\"user_id\": \"u-1\"}\n\n{\"user_id\": \"u-2\",}\n");

    assert!(
        matches!(error, ReadError::InvalidJson { line: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("line 3"), "{error}");
    assert!(!error.to_string().contains("line 1"), "no line number of serde's own: {error}");
    assert!(error.to_string().contains("column"), "{error}");
}

#[test]
fn jsonl_non_object_line_is_rejected() {
    let error = first_error("{\"user_id\": \"u-1\"}\n[\"u-2\"]\n");

    assert!(
        matches!(
            error,
            ReadError::NotAnObject {
                line: 2,
                found: "array"
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("user_properties"),
        "the message shows a valid line"
    );
}

#[test]
fn jsonl_wrong_field_types_are_rejected() {
    let cases = [
        ("{\"user_id\": {\"a\": 1}}", "user_id", "object"),
        (
            "{\"user_id\": \"u\", \"amplitude_id\": true}",
            "amplitude_id",
            "boolean",
        ),
        (
            "{\"user_id\": \"u\", \"user_properties\": \"email\"}",
            "user_properties",
            "string",
        ),
    ];
    for (line, expected_field, expected_kind) in cases {
        let error = first_error(line);
        let ReadError::InvalidField {
            line: 1,
            field,
            found,
            ..
        } = &error
        else {
            panic!("unexpected error for {line}: {error}");
        };
        assert_eq!(*field, expected_field);
        assert_eq!(*found, expected_kind);
    }
}

#[test]
fn jsonl_invalid_utf8_names_line() {
    let input: &[u8] = b"{\"user_id\": \"u-1\"}\n{\"user_id\": \"caf\xE9\"}\n";

    let results: Vec<_> = MemberReader::new(input, CohortFormat::Jsonl)
        .unwrap()
        .collect();

    assert_eq!(results.len(), 2);
    assert!(matches!(
        results[1],
        Err(ReadError::InvalidUtf8 { line: 2 })
    ));
}

#[test]
fn jsonl_empty_file_is_rejected() {
    assert!(matches!(first_error(""), ReadError::Empty));
    assert!(matches!(first_error("\n  \r\n"), ReadError::Empty));
}

#[test]
fn jsonl_reader_stops_after_error() {
    let input = "{\"user_id\": \"u-1\"}\nnot json\n{\"user_id\": \"u-3\"}\n";

    let results: Vec<_> = MemberReader::new(input.as_bytes(), CohortFormat::Jsonl)
        .unwrap()
        .collect();

    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(results[1].is_err());
}
