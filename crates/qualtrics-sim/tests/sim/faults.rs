//! Rate limits, deterministic fault switches, random faults and the request log.

use std::time::Duration;

use qualtrics_sim::{Faults, Limits};
use reqwest::{header, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn rate_limit_429_with_retry_after() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        brand_requests_per_minute: 2,
        ..Limits::default()
    });

    let first = harness.get("/whoami").await;
    let second = harness.get("/whoami").await;
    let limited = harness.get("/whoami").await;

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.body["meta"]["httpStatus"],
        "429 - Too Many Requests"
    );
    let retry_after: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (29..=30).contains(&retry_after),
        "Retry-After {retry_after}"
    );
}

#[tokio::test]
async fn rate_limit_429_without_retry_after() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        brand_requests_per_minute: 1,
        retry_after_header: false,
        ..Limits::default()
    });

    harness.get("/whoami").await;
    let limited = harness.get("/whoami").await;

    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(header::RETRY_AFTER).is_none());
    assert_eq!(error_code(&limited), "SIM_RATE_LIMITED");
}

#[tokio::test]
async fn contact_creates_have_their_own_limit() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        contact_creates_per_minute: 1,
        ..Limits::default()
    });
    let path = format!("/directories/{DIR}/mailinglists/{NPS}/contacts");

    let created = harness
        .post(&path, json!({"email": "one@example.com"}))
        .await;
    let limited = harness
        .post(&path, json!({"email": "two@example.com"}))
        .await;
    let read = harness.get(&path).await;

    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(read.status, StatusCode::OK);
}

#[tokio::test]
async fn fail_next_then_recovers() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.fail_next("whoami", 2, 503);

    let first = harness.get("/whoami").await;
    let second = harness.get("/whoami").await;
    let third = harness.get("/whoami").await;
    let directories = harness.get("/directories").await;

    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        first.body["meta"]["httpStatus"],
        "503 - Service Unavailable"
    );
    assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(directories.status, StatusCode::OK);
    assert_eq!(harness.sim.request_count(Some("whoami")), 3);
    assert_eq!(harness.sim.request_count(None), 4);
    let statuses: Vec<u16> = harness
        .sim
        .requests()
        .iter()
        .map(|request| request.status)
        .collect();
    assert_eq!(statuses, [503, 503, 200, 200]);
}

#[tokio::test]
async fn drop_next_closes_without_answer() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.drop_next("list_directories", 1);

    let dropped = harness
        .http
        .get(harness.url("/API/v3/directories"))
        .header("X-API-TOKEN", TOKEN)
        .send()
        .await;
    let after = harness.get("/directories").await;

    let error = dropped.expect_err("a dropped connection gives no response");
    assert!(error.status().is_none(), "no HTTP status for {error}");
    assert!(
        !error.is_timeout(),
        "closed at once, not timed out: {error}"
    );
    assert_eq!(after.status, StatusCode::OK);
    let log = harness.sim.requests();
    assert_eq!(log[0].status, 0);
    assert_eq!(log[0].endpoint, "list_directories");
    assert_eq!(log[0].path, "/API/v3/directories");
}

#[tokio::test]
async fn delay_next_causes_client_timeout() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.delay_next("whoami", 1, Duration::from_secs(5));

    let timed_out = harness
        .http
        .get(harness.url("/API/v3/whoami"))
        .header("X-API-TOKEN", TOKEN)
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    let after = harness.get("/whoami").await;

    assert!(timed_out
        .expect_err("the delayed call times out")
        .is_timeout());
    assert_eq!(after.status, StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_next_sets_retry_after() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.rate_limit_next("whoami", 1, Some(7));
    harness.sim.rate_limit_next("list_directories", 1, None);

    let with_header = harness.get("/whoami").await;
    let without_header = harness.get("/directories").await;

    assert_eq!(with_header.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(with_header.headers[header::RETRY_AFTER], "7");
    assert_eq!(without_header.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(without_header.headers.get(header::RETRY_AFTER).is_none());
}

#[tokio::test]
async fn error_rate_faults_per_endpoint() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_faults(
        Some("whoami"),
        Faults {
            error_rate: 1.0,
            ..Faults::default()
        },
    );

    let failed = harness.get("/whoami").await;
    let other = harness.get("/directories").await;
    harness.sim.set_faults(None, Faults::default());
    let recovered = harness.get("/whoami").await;

    assert!(
        [500, 503, 504].contains(&failed.status.as_u16()),
        "status {}",
        failed.status
    );
    assert_eq!(error_code(&failed), "SIM_SERVER_ERROR");
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(recovered.status, StatusCode::OK);
}

#[tokio::test]
async fn drop_rate_drops_every_call() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_faults(
        None,
        Faults {
            drop_rate: 1.0,
            ..Faults::default()
        },
    );

    let dropped = harness
        .http
        .get(harness.url("/API/v3/whoami"))
        .header("X-API-TOKEN", TOKEN)
        .send()
        .await;

    assert!(dropped.is_err());
    assert_eq!(harness.sim.request_count(Some("whoami")), 1);
}

#[tokio::test]
async fn clear_requests_empties_the_log() {
    let harness = Harness::start(fast_seed()).await;
    harness.get("/whoami").await;
    harness.get("/nowhere").await;

    let unknown = harness.sim.requests()[1].clone();
    harness.sim.clear_requests();

    assert_eq!(unknown.endpoint, "unknown");
    assert_eq!(unknown.status, 404);
    assert_eq!(harness.sim.request_count(None), 0);
}

#[tokio::test]
#[should_panic(expected = "unknown endpoint name")]
async fn misspelled_endpoint_panics() {
    let harness = Harness::start(fast_seed()).await;

    harness.sim.fail_next("create_contacts", 1, 503);
}
