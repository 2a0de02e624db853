//! Bulk imports: start, wait, report, and the limits checked before sending.

use std::time::Duration;

use cohortsync_qualtrics::{Error, ImportContact, PollPolicy, MAX_IMPORT_CONTACTS};

use crate::support::*;

fn contact(email: &str) -> ImportContact {
    ImportContact {
        email: email.into(),
        embedded_data: Some([("cohort".to_owned(), "active".to_owned())].into()),
        ..ImportContact::default()
    }
}

fn fast_poll() -> PollPolicy {
    PollPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(20),
    }
}

#[tokio::test]
async fn import_completes_with_report() {
    let sim = start().await;
    let client = token_client(&sim);
    let contacts = vec![
        contact("import.one@example.com"),
        contact("ada.lovelace@example.com"),
        contact("import.three@example.com"),
    ];

    let started = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap();
    let status = client
        .wait_for_import(&directory(), &beta_list(), &started.id, &fast_poll())
        .await
        .unwrap();
    let report = client
        .import_report(&directory(), &started.id)
        .await
        .unwrap();

    assert!(started.unprocessed.is_empty());
    assert_eq!(status.status, "completed");
    assert_eq!(status.added + status.updated, 3, "{status:?}");
    assert_eq!(status.failed, 0);
    assert_eq!(report.len(), 3);
    let members = sim.mailing_list_member_ids(directory().as_str(), beta_list().as_str());
    assert!(
        members.contains(&ada().to_string()),
        "the existing contact joined the list"
    );
}

#[tokio::test]
async fn invalid_row_reported_unprocessed() {
    let sim = start().await;
    let client = token_client(&sim);
    let contacts = vec![contact("valid.row@example.com"), contact("")];

    let started = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap();

    assert_eq!(
        started.unprocessed,
        vec![1],
        "the row without an email is unprocessed"
    );
}

#[tokio::test]
async fn too_many_contacts_rejected_before_sending() {
    let sim = start().await;
    let client = token_client(&sim);
    let contacts: Vec<ImportContact> = (0..=MAX_IMPORT_CONTACTS)
        .map(|index| ImportContact {
            email: format!("bulk{index}@example.com"),
            ..ImportContact::default()
        })
        .collect();

    let err = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    assert!(err.to_string().contains("10001"), "{err}");
    assert_eq!(client.requests_sent(), 0);
    assert_eq!(sim.request_count(Some("start_import")), 0);
}

#[tokio::test]
async fn oversized_body_rejected_before_sending() {
    let sim = start().await;
    let client = token_client(&sim);
    let big_value = "v".repeat(1000);
    let contacts: Vec<ImportContact> = (0..6000)
        .map(|index| ImportContact {
            email: format!("big{index}@example.com"),
            embedded_data: Some([("payload".to_owned(), big_value.clone())].into()),
            ..ImportContact::default()
        })
        .collect();

    let err = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    assert!(err.to_string().contains("bytes"), "{err}");
    assert_eq!(sim.request_count(Some("start_import")), 0);
}

#[tokio::test]
async fn import_not_resent_after_drop() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.drop_next("start_import", 1);

    let err = client
        .start_import(&directory(), &beta_list(), &[contact("once@example.com")])
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Network { .. }), "{err}");
    assert_eq!(sim.request_count(Some("start_import")), 1);
}

#[tokio::test]
async fn import_status_retried_after_503() {
    let sim = start().await;
    let client = token_client(&sim);
    let started = client
        .start_import(&directory(), &beta_list(), &[contact("poll@example.com")])
        .await
        .unwrap();
    sim.fail_next("import_status", 1, 503);

    let status = client
        .wait_for_import(&directory(), &beta_list(), &started.id, &fast_poll())
        .await
        .unwrap();

    assert_eq!(status.status, "completed");
}

#[tokio::test]
async fn report_collected_over_pages() {
    let sim = start().await;
    let client = token_client(&sim);
    let contacts: Vec<ImportContact> = (0..600)
        .map(|index| contact(&format!("row{index}@example.com")))
        .collect();

    let started = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap();
    client
        .wait_for_import(&directory(), &beta_list(), &started.id, &fast_poll())
        .await
        .unwrap();
    let report = client
        .import_report(&directory(), &started.id)
        .await
        .unwrap();

    assert_eq!(report.len(), 600);
    let indexes: std::collections::BTreeSet<u64> = report
        .iter()
        .filter_map(|entry| entry.source_index_id)
        .collect();
    assert_eq!(indexes.len(), 600, "every row once");
    assert!(
        sim.request_count(Some("import_report")) >= 2,
        "600 rows need two pages of 500"
    );
}

#[tokio::test]
async fn failed_import_is_an_error() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.set_faults(
        Some("start_import"),
        qualtrics_sim::Faults {
            import_failure_rate: 1.0,
            ..qualtrics_sim::Faults::default()
        },
    );
    let started = client
        .start_import(&directory(), &beta_list(), &[contact("doomed@example.com")])
        .await
        .unwrap();

    let err = client
        .wait_for_import(&directory(), &beta_list(), &started.id, &fast_poll())
        .await
        .unwrap_err();

    assert!(matches!(err, Error::ImportFailed { .. }), "{err}");
}

#[tokio::test]
async fn slow_import_times_out_polling() {
    let sim = start().await;
    let client = token_client(&sim);
    sim.set_limits(qualtrics_sim::Limits {
        import_contacts_per_second: 1,
        ..qualtrics_sim::Limits::default()
    });
    let contacts: Vec<ImportContact> = (0..20)
        .map(|index| contact(&format!("slow{index}@example.com")))
        .collect();
    let started = client
        .start_import(&directory(), &beta_list(), &contacts)
        .await
        .unwrap();
    let policy = PollPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(50),
        timeout: Duration::from_millis(300),
    };

    let err = client
        .wait_for_import(&directory(), &beta_list(), &started.id, &policy)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::ImportTimedOut { .. }), "{err}");
    assert!(sim.request_count(Some("import_status")) >= 2);
}
