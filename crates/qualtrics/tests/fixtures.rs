//! The client parses response shapes recorded from the real API, replayed by a small HTTP
//! server on loopback. Each fixture under `tests/fixtures/` is retyped with invented values;
//! each test names the public recording whose shape it mirrors.

use std::collections::HashMap;
use std::sync::Arc;

use cohortsync_qualtrics::{
    CreateRetry, Credentials, Error, NewContact, QualtricsClient, RateLimiters, SecretString,
    Settings,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const DIRECTORY: &str = "POOL_FxTuReDiReCt001";
const LIST: &str = "CG_FxTuReLiSt00001";

/// Starts a loopback server that returns a fixed status and fixture body for each `"METHOD /path"`.
async fn replay(routes: Vec<(&str, u16, &str)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes: Arc<HashMap<String, (u16, String)>> = Arc::new(
        routes
            .into_iter()
            .map(|(route, status, file)| {
                let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
                let body =
                    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
                (route.to_owned(), (status, body))
            })
            .collect(),
    );
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let routes = Arc::clone(&routes);
            tokio::spawn(async move {
                let request = read_request(&mut stream).await;
                let first_line = request.lines().next().unwrap_or_default();
                let mut parts = first_line.split(' ');
                let method = parts.next().unwrap_or_default();
                let path = parts
                    .next()
                    .unwrap_or_default()
                    .split('?')
                    .next()
                    .unwrap_or_default();
                let (status, body) = routes.get(&format!("{method} {path}")).cloned().unwrap_or((
                    404,
                    r#"{"meta":{"httpStatus":"404 - Not Found"}}"#.to_owned(),
                ));
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// Reads the request head and a body of `content-length` bytes.
async fn read_request(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await.unwrap_or(0);
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|value| value.parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= head_end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buffer).into_owned()
}

fn client(base_url: &str) -> QualtricsClient {
    let mut settings = Settings::new("iad1".parse().unwrap());
    settings.base_url = Some(base_url.parse().unwrap());
    settings.max_attempts = 1;
    let credentials = Credentials::ApiToken(SecretString::from(
        "fixtureTokenfixtureTokenfixtureToken0000",
    ));
    QualtricsClient::with_rate_limiters(settings, credentials, &RateLimiters::new()).unwrap()
}

/// Mirrors `ropensci/qualtRics` `tests/fixtures/fetch_mailinglist.yml`: members with null
/// `embeddedData` and external reference, `language` as the string "null", a map with spaced
/// names, extra history arrays, and `nextPage: null`. Field names follow the XM Directory
/// member endpoint, which the recording predates.
#[tokio::test]
async fn members_with_nulls_parse() {
    let path = format!("GET /API/v3/directories/{DIRECTORY}/mailinglists/{LIST}/contacts");
    let base = replay(vec![(&path, 200, "list_members_nulls.json")]).await;
    let client = client(&base);

    let members = client
        .list_all_mailing_list_contacts(&DIRECTORY.parse().unwrap(), &LIST.parse().unwrap(), true)
        .await
        .unwrap();

    assert_eq!(members.len(), 2);
    assert_eq!(members[0].embedded_data, None);
    assert_eq!(members[0].ext_ref, None);
    assert_eq!(
        members[0].language.as_deref(),
        Some("null"),
        "kept verbatim, so a write sends it back"
    );
    let embedded = members[1].embedded_data.as_ref().unwrap();
    assert_eq!(
        embedded.get("Home town").map(String::as_str),
        Some("Springfield")
    );
    assert_eq!(
        members[1].contact_lookup_id.as_deref(),
        Some("CGC_FxTuReLoOkUp02")
    );
    assert_eq!(client.requests_sent(), 1, "nextPage null ends paging");
}

/// Mirrors `ropensci/qualtRics` `tests/fixtures/all_mailinglists.yml`: list entries with keys
/// the client does not use (`category`, `folder`), here with XM Directory IDs, plus dates as
/// numbers, numeric strings and null.
#[tokio::test]
async fn mailing_lists_with_extra_keys_parse() {
    let path = format!("GET /API/v3/directories/{DIRECTORY}/mailinglists");
    let base = replay(vec![(&path, 200, "mailing_lists_extra_keys.json")]).await;

    let lists = client(&base)
        .list_mailing_lists(&DIRECTORY.parse().unwrap())
        .await
        .unwrap();

    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0].name.as_deref(), Some("Weekend bakers"));
    assert_eq!(lists[0].creation_date, Some(1_588_885_477_000));
    assert_eq!(
        lists[1].creation_date,
        Some(1_588_885_478_000),
        "numeric string accepted"
    );
    assert_eq!(lists[1].last_modified_date, None);
}

/// Mirrors the contact search reply in `segmentio/action-destinations`
/// `packages/destination-actions/src/destinations/qualtrics/upsertContactTransaction/__tests__/index.test.ts`:
/// `result.elements` with only `id`, no `meta` and no paging keys.
#[tokio::test]
async fn minimal_search_reply_parses() {
    let path = format!("POST /API/v3/directories/{DIRECTORY}/contacts/search");
    let base = replay(vec![(&path, 200, "search_minimal.json")]).await;
    let client = client(&base);

    let found = client
        .search_contacts_by_email(&DIRECTORY.parse().unwrap(), "someone@example.org")
        .await
        .unwrap();

    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_str(), "CID_FxTuReFoUnD0001");
    assert_eq!(found[0].email, None);
    assert_eq!(client.requests_sent(), 1);
}

/// Mirrors the create reply in the same `segmentio/action-destinations` test:
/// `{"result": {"id": …}}` without `contactLookupId` or `meta`.
#[tokio::test]
async fn minimal_create_reply_parses() {
    let path = format!("POST /API/v3/directories/{DIRECTORY}/mailinglists/{LIST}/contacts");
    let base = replay(vec![(&path, 200, "create_minimal.json")]).await;
    let contact = NewContact {
        email: Some("new@example.org".into()),
        ..NewContact::default()
    };

    let created = client(&base)
        .create_mailing_list_contact(
            &DIRECTORY.parse().unwrap(),
            &LIST.parse().unwrap(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap();

    assert_eq!(created.id.as_str(), "CID_FxTuReCrEaTeD01");
    assert_eq!(created.contact_lookup_id, None);
}

/// The error envelope and the `DCD_7` code for an unknown token, as documented on Qualtrics'
/// support pages; no public recording of it was found.
#[tokio::test]
async fn error_envelope_fills_error_fields() {
    let base = replay(vec![(
        "GET /API/v3/whoami",
        401,
        "error_unknown_token.json",
    )])
    .await;

    let err = client(&base).whoami().await.unwrap_err();

    let Error::Api {
        status,
        error_code,
        error_message,
        request_id,
        ..
    } = &err
    else {
        panic!("expected an API error, got {err}");
    };
    assert_eq!(*status, 401);
    assert_eq!(error_code.as_deref(), Some("DCD_7"));
    assert_eq!(error_message.as_deref(), Some("Unrecognized API token."));
    assert_eq!(
        request_id.as_deref(),
        Some("0b6f3c2e-1a2b-4c3d-9e8f-000000000003")
    );
}

/// Embedded values as numbers, booleans and null, a boolean sent as text, and a proxy
/// `meta.notice` (described in Qualtrics' datacenter documentation; invented values).
#[tokio::test]
async fn typed_embedded_values_become_strings() {
    let path = format!(
        "GET /API/v3/directories/{DIRECTORY}/mailinglists/{LIST}/contacts/CID_FxTuReTyPeD0001"
    );
    let base = replay(vec![(&path, 200, "member_typed_values.json")]).await;

    let member = client(&base)
        .get_mailing_list_contact(
            &DIRECTORY.parse().unwrap(),
            &LIST.parse().unwrap(),
            &"CID_FxTuReTyPeD0001".parse().unwrap(),
        )
        .await
        .unwrap();

    let embedded = member.embedded_data.unwrap();
    assert_eq!(embedded.get("logins").map(String::as_str), Some("42"));
    assert_eq!(embedded.get("score").map(String::as_str), Some("3.5"));
    assert_eq!(embedded.get("beta").map(String::as_str), Some("true"));
    assert!(!embedded.contains_key("gone"), "null values are dropped");
    assert!(!member.unsubscribed, "\"false\" as text is false");
    assert!(!member.mailing_list_unsubscribed, "null is false");
}
