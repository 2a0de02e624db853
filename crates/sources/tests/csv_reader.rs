//! Tests of the CSV cohort reader against the quirks of Amplitude's cohort download.

use cohortsync_domain::Member;
use cohortsync_sources::file::{CohortFormat, MemberReader, ReadError};

fn read(input: &[u8]) -> Result<Vec<Member>, ReadError> {
    MemberReader::new(input, CohortFormat::Csv)?.collect()
}

fn property<'a>(member: &'a Member, name: &str) -> Option<&'a str> {
    member.properties.get(name).map(String::as_str)
}

#[test]
fn csv_reads_quoted_header_and_rows() {
    let input = b"\"amplitude_id\",\"user_id\",\"email\",\"plan\"\n\
                  \"101\",\"u-1\",\"ana@example.com\",\"pro\"\n\
                  \"102\",\"u-2\",\"bo@example.com\",\"free\"\n";

    let members = read(input).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(members[0].amplitude_id.as_deref(), Some("101"));
    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(property(&members[0], "email"), Some("ana@example.com"));
    assert_eq!(property(&members[1], "plan"), Some("free"));
    assert_eq!(members[0].properties.len(), 2, "ids are not properties");
}

#[test]
fn csv_strips_bom_and_accepts_crlf() {
    let input = b"\xEF\xBB\xBF\"user_id\",\"email\"\r\n\"u-1\",\"ana@example.com\"\r\n\"u-2\",\"bo@example.com\"\r\n";

    let members = read(input).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(
        property(&members[1], "email"),
        Some("bo@example.com"),
        "no \\r left in values"
    );
}

#[test]
fn csv_keeps_commas_quotes_and_newlines() {
    let input = "user_id,email,company,note\n\
                 u-1,ana@example.com,\"Lima, Souza & Co\",\"She said \"\"hi\"\"\nthen left\"\n\
                 u-2,bo@example.com,Plain,\n";

    let members = read(input.as_bytes()).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(property(&members[0], "company"), Some("Lima, Souza & Co"));
    assert_eq!(
        property(&members[0], "note"),
        Some("She said \"hi\"\nthen left")
    );
    assert_eq!(members[1].user_id.as_deref(), Some("u-2"));
}

#[test]
fn csv_short_rows_get_empty_cells() {
    let input = b"amplitude_id,user_id,email,plan\n101,u-1\n102\n";

    let members = read(input).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(property(&members[0], "email"), Some(""));
    assert_eq!(property(&members[0], "plan"), Some(""));
    assert_eq!(members[1].amplitude_id.as_deref(), Some("102"));
    assert_eq!(members[1].user_id, None);
}

#[test]
fn csv_long_rows_ignore_extra_cells() {
    let members = read(b"user_id,email\nu-1,a@example.com,extra,more\n").unwrap();

    assert_eq!(members[0].properties.len(), 1);
    assert_eq!(property(&members[0], "email"), Some("a@example.com"));
}

#[test]
fn csv_repeated_header_first_counts() {
    let input = b"user_id,email,email,user_id\nu-1,first@example.com,second@example.com,u-other\n";

    let members = read(input).unwrap();

    assert_eq!(property(&members[0], "email"), Some("first@example.com"));
    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(members[0].properties.len(), 1);
}

#[test]
fn csv_columns_found_by_name_in_any_order() {
    let members = read(b"email, user_id ,amplitude_id\na@example.com,u-1,7\n").unwrap();

    assert_eq!(members[0].user_id.as_deref(), Some("u-1"));
    assert_eq!(members[0].amplitude_id.as_deref(), Some("7"));
    assert_eq!(property(&members[0], "email"), Some("a@example.com"));
}

#[test]
fn csv_header_only_yields_no_members() {
    let members = read(b"\"amplitude_id\",\"user_id\"\n").unwrap();

    assert!(members.is_empty());
}

#[test]
fn csv_empty_user_id_is_none() {
    let members = read(b"user_id,email\n,a@example.com\n").unwrap();

    assert_eq!(members[0].user_id, None);
}

#[test]
fn csv_empty_file_is_rejected() {
    let error = MemberReader::new(&b""[..], CohortFormat::Csv)
        .err()
        .unwrap();

    assert!(matches!(error, ReadError::Empty), "{error}");
    assert!(error.to_string().contains("header row"), "{error}");
}

#[test]
fn csv_missing_user_id_column_is_rejected() {
    let error = MemberReader::new(
        &b"amplitude_id,email\n1,a@example.com\n"[..],
        CohortFormat::Csv,
    )
    .err()
    .unwrap();

    let ReadError::MissingUserIdColumn { columns } = &error else {
        panic!("unexpected error: {error}");
    };
    assert_eq!(columns, &["amplitude_id", "email"]);
    assert!(error.to_string().contains("user_id"), "{error}");
}

#[test]
fn csv_invalid_utf8_names_physical_line() {
    // The quoted value on line 2 spans two physical lines, so the bad row starts on line 4.
    let input = b"user_id,note\nu-1,\"two\nlines\"\nu-2,caf\xE9\nu-3,ok\n";

    let results: Vec<_> = MemberReader::new(&input[..], CohortFormat::Csv)
        .unwrap()
        .collect();

    assert_eq!(results.len(), 2, "the reader stops after the first error");
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert!(
        matches!(error, ReadError::InvalidUtf8 { line: 4 }),
        "{error}"
    );
    assert!(error.to_string().contains("line 4"), "{error}");
    assert!(error.to_string().contains("UTF-8"), "{error}");
}

#[test]
fn csv_invalid_utf8_in_header_is_rejected() {
    let error = MemberReader::new(&b"user_id,caf\xE9\n"[..], CohortFormat::Csv)
        .err()
        .unwrap();

    assert!(
        matches!(error, ReadError::InvalidUtf8 { line: 1 }),
        "{error}"
    );
}

#[test]
fn csv_streams_many_rows() {
    let mut input = String::from("user_id,email\n");
    for i in 0..20_000 {
        input.push_str(&format!("u-{i},user{i}@example.com\n"));
    }

    let reader = MemberReader::new(input.as_bytes(), CohortFormat::Csv).unwrap();
    let mut count = 0;
    for member in reader {
        let member = member.unwrap();
        assert_eq!(member.user_id, Some(format!("u-{count}")));
        count += 1;
    }

    assert_eq!(count, 20_000);
}

#[test]
fn csv_unclosed_quote_runs_to_end() {
    // Pins the csv crate's behaviour described in the reader's NOTE: no error is raised.
    let members = read(b"user_id,note\nu-1,\"open\nu-2,x\n").unwrap();

    assert_eq!(members.len(), 1);
    assert_eq!(property(&members[0], "note"), Some("open\nu-2,x\n"));
}

#[test]
fn csv_skips_repeated_header_rows() {
    let input = "\u{feff}\"amplitude_id\",\"user_id\",\"email\"\r\n\
                 \"101\",\"u-1\",\"ana@example.com\"\r\n\
                 \"amplitude_id\",\"user_id\",\"email\"\r\n\
                 \"102\",\"u-2\",\"bo@example.com\"\r\n";

    let members = read(input.as_bytes()).unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(members[1].user_id.as_deref(), Some("u-2"));
}
