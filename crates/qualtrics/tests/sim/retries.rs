//! Retry policy against injected faults: 5xx, 429 storms, timeouts, dropped connections,
//! non-retryable statuses, unsafe creates, and the shared per-account rate limiter.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cohortsync_qualtrics::{CreateRetry, Error, NewContact, QualtricsClient, RateLimiters};

use crate::support::*;

#[tokio::test]
async fn server_errors_then_success() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.fail_next("list_directories", 2, 503);

    let directories = client.list_directories().await.unwrap();

    assert_eq!(directories.len(), 1);
    assert_eq!(sim.request_count(Some("list_directories")), 3);
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn server_errors_exhaust_attempts() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.fail_next("whoami", 10, 500);

    let err = client.whoami().await.unwrap_err();

    assert_eq!(err.status(), Some(500));
    assert_eq!(sim.request_count(Some("whoami")), 4, "max_attempts is 4");
}

#[tokio::test]
async fn not_implemented_is_not_retried() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.fail_next("whoami", 1, 501);

    let err = client.whoami().await.unwrap_err();

    assert_eq!(err.status(), Some(501));
    assert_eq!(sim.request_count(Some("whoami")), 1);
}

#[tokio::test]
async fn rate_limit_storm_without_retry_after() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.rate_limit_next("get_mailing_list", 3, None);

    let list = client
        .get_mailing_list(&directory(), &nps_list())
        .await
        .unwrap();

    assert_eq!(list.mailing_list_id, nps_list());
    assert_eq!(sim.request_count(Some("get_mailing_list")), 4);
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.rate_limit_next("whoami", 1, Some(1));

    let started = Instant::now();
    client.whoami().await.unwrap();
    let waited = started.elapsed();

    assert!(
        waited >= Duration::from_secs(1),
        "waited {waited:?}, Retry-After asked for 1 s"
    );
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    assert_eq!(sim.request_count(Some("whoami")), 2);
}

#[tokio::test]
async fn retry_after_is_capped() {
    let sim = start().await;
    let mut settings = settings(&sim);
    settings.retry_after_cap = Duration::from_millis(50);
    let client = client_with(settings, api_token());
    sim.rate_limit_next("whoami", 1, Some(60));

    let started = Instant::now();
    client.whoami().await.unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a 60 s Retry-After is cut to the cap"
    );
    assert_eq!(sim.request_count(Some("whoami")), 2);
}

#[tokio::test]
async fn attempt_timeout_then_success() {
    let sim = start().await;
    let mut settings = settings(&sim);
    settings.attempt_timeout = Duration::from_millis(300);
    let client = client_with(settings, api_token());
    sim.delay_next("whoami", 1, Duration::from_secs(3));

    let started = Instant::now();
    client.whoami().await.unwrap();

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the slow attempt was cut off"
    );
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn attempt_timeout_is_its_own_error() {
    let sim = start().await;
    let mut settings = settings(&sim);
    settings.attempt_timeout = Duration::from_millis(200);
    settings.max_attempts = 2;
    let client = client_with(settings, api_token());
    sim.delay_next("whoami", 2, Duration::from_secs(2));

    let err = client.whoami().await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Timeout {
                endpoint: "whoami",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn dropped_connection_then_success() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.drop_next("get_mailing_list", 1);

    client
        .get_mailing_list(&directory(), &nps_list())
        .await
        .unwrap();

    assert_eq!(sim.request_count(Some("get_mailing_list")), 2);
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let sim = start().await;
    let client = token_client(&sim);
    let contact = NewContact {
        email: Some("long.name@example.com".into()),
        embedded_data: Some([("x".repeat(201), "v".to_owned())].into()),
        ..NewContact::default()
    };

    let err = client
        .create_mailing_list_contact(
            &directory(),
            &nps_list(),
            &contact,
            CreateRetry::DirectoryDeduplicatesEmail,
        )
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(400), "{err}");
    assert!(err.error_code().is_some());
    assert_eq!(sim.request_count(Some("create_contact")), 1);
}

#[tokio::test]
async fn unsafe_create_not_retried_after_drop() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.set_deduplication(directory().as_str(), false);
    sim.drop_next("create_contact", 1);
    let contact = NewContact {
        email: Some("new.person@example.com".into()),
        ..NewContact::default()
    };

    let err = client
        .create_mailing_list_contact(
            &directory(),
            &nps_list(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::Network {
                request_sent: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(sim.request_count(Some("create_contact")), 1);
}

#[tokio::test]
async fn unsafe_create_not_retried_after_500() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.fail_next("create_contact", 1, 500);
    let contact = NewContact {
        email: Some("new.person@example.com".into()),
        ..NewContact::default()
    };

    let err = client
        .create_mailing_list_contact(
            &directory(),
            &nps_list(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap_err();

    assert_eq!(err.status(), Some(500));
    assert_eq!(sim.request_count(Some("create_contact")), 1);
}

#[tokio::test]
async fn deduplicated_create_retried_once() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.drop_next("create_contact", 1);
    let contact = NewContact {
        email: Some("retried.person@example.com".into()),
        ..NewContact::default()
    };

    let created = client
        .create_mailing_list_contact(
            &directory(),
            &nps_list(),
            &contact,
            CreateRetry::DirectoryDeduplicatesEmail,
        )
        .await
        .unwrap();

    assert_eq!(sim.request_count(Some("create_contact")), 2);
    let matching: Vec<_> = sim
        .contacts(directory().as_str())
        .into_iter()
        .filter(|view| view.email.as_deref() == Some("retried.person@example.com"))
        .collect();
    assert_eq!(matching.len(), 1, "the retry made no second contact");
    assert_eq!(matching[0].contact_id, created.id.to_string());
}

#[tokio::test]
async fn connect_failure_retried_and_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut settings = cohortsync_qualtrics::Settings::new("iad1".parse().unwrap());
    settings.base_url = Some(format!("http://127.0.0.1:{port}").parse().unwrap());
    settings.max_attempts = 3;
    settings.backoff_base = Duration::from_millis(1);
    settings.backoff_cap = Duration::from_millis(5);
    let client = client_with(settings, api_token());
    let contact = NewContact {
        email: Some("never.sent@example.com".into()),
        ..NewContact::default()
    };

    let err = client
        .create_mailing_list_contact(
            &directory(),
            &nps_list(),
            &contact,
            CreateRetry::OnlyIfNotSent,
        )
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::Network {
                request_sent: false,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        client.requests_sent(),
        3,
        "a create that never left the client is retried"
    );
}

#[tokio::test]
async fn one_limiter_shared_by_two_clients() {
    let sim = start().await;
    let registry = RateLimiters::new();
    let mut settings = settings(&sim);
    settings.requests_per_minute = NonZeroU32::new(3).unwrap();
    let first =
        QualtricsClient::with_rate_limiters(settings.clone(), api_token(), &registry).unwrap();
    let second = QualtricsClient::with_rate_limiters(settings, api_token(), &registry).unwrap();

    first.whoami().await.unwrap();
    first.whoami().await.unwrap();
    second.whoami().await.unwrap();

    assert!(Arc::ptr_eq(first.rate_limiter(), second.rate_limiter()));
    assert!(
        second.rate_limiter().check().is_err(),
        "three requests from two clients used the account's budget of 3"
    );
}

#[tokio::test]
async fn retries_count_against_the_limit() {
    let sim = start().await;
    let registry = RateLimiters::new();
    let mut settings = settings(&sim);
    settings.requests_per_minute = NonZeroU32::new(3).unwrap();
    let client = QualtricsClient::with_rate_limiters(settings, api_token(), &registry).unwrap();
    sim.fail_next("whoami", 2, 503);

    client.whoami().await.unwrap();

    assert_eq!(client.requests_sent(), 3);
    assert!(
        client.rate_limiter().check().is_err(),
        "each attempt took a cell"
    );
}
