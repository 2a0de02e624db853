//! Bulk and single-contact paths, de-duplication off, and runs that stop halfway.

mod common;

use cohortsync_engine::RunStatus;
use common::*;
use qualtrics_sim::Faults;

#[tokio::test]
async fn large_change_goes_through_imports() {
    let mut h = Harness::new().await;
    h.settings.bulk_threshold = 50;
    h.settings.import_batch_size = 40;
    let mut members = new_members(120);
    members.push(member("u-eve", "eve.optout@example.com"));

    let report = h.export("Power users", members).await;

    assert_eq!(report.status, RunStatus::Succeeded, "{report:?}");
    assert_eq!(report.counts.entered, 121);
    assert_eq!(h.sim.request_count(Some("start_import")), 4);
    assert_eq!(h.sim.request_count(Some("create_contact")), 0);
    for n in [0, 57, 119] {
        let contact = h.contact(&format!("new-{n}@example.org"));
        assert_eq!(
            contact.embedded_data.get(&field("Power users")).map(String::as_str),
            Some("active")
        );
        assert!(contact.mailing_list_ids.contains(&NPS_LIST.to_owned()));
    }
    let eve = h.contact("eve.optout@example.com");
    assert!(eve.unsubscribed);
    assert_eq!(eve.embedded_data.get("plan").map(String::as_str), Some("enterprise"));

    // The contact IDs learned from the import reports let the leavers be updated one by one.
    h.settings.bulk_threshold = 1_000;
    let report = h.export("Power users", new_members(120)).await;
    assert_eq!(report.counts.left, 1);
    assert_eq!(report.status, RunStatus::Succeeded, "{report:?}");
    let eve = h.contact("eve.optout@example.com");
    assert_eq!(
        eve.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("inactive")
    );
}

#[tokio::test]
async fn small_change_uses_single_calls() {
    let h = Harness::new().await;

    let report = h.export("Power users", new_members(5)).await;

    assert_eq!(report.counts.entered, 5);
    assert_eq!(h.sim.request_count(Some("create_contact")), 5);
    assert_eq!(h.sim.request_count(Some("start_import")), 0);
}

#[tokio::test]
async fn deduplication_off_never_duplicates() {
    let h = Harness::new().await;
    h.sim.set_deduplication(DIRECTORY, false);
    let members = vec![
        member("u-ada", "ada.lovelace@example.com"),
        member("u-dan", "dan.nolist@example.com"),
        member("u-new", "newcomer@example.org"),
    ];

    let first = h.export("Power users", members.clone()).await;
    let second = h.export("Power users", members).await;

    assert!(first.warnings.iter().any(|w| w.contains("does not de-duplicate")));
    assert_eq!(h.contact("ada.lovelace@example.com").embedded_data.get(&field("Power users")).map(String::as_str), Some("active"));
    assert_eq!(h.contact("newcomer@example.org").embedded_data.get(&field("Power users")).map(String::as_str), Some("active"));
    // dan exists outside the list: adding him would take a create, which would duplicate him.
    let dan = h.contact("dan.nolist@example.com");
    assert!(dan.mailing_list_ids.is_empty());
    assert_eq!(first.status, RunStatus::PartiallyFailed);
    assert_eq!(first.counts.failed, 1);
    assert_eq!(second.counts.failed, 1);
    assert_eq!(second.counts.entered, 0);
}

#[tokio::test]
async fn deduplication_off_uses_no_imports() {
    let mut h = Harness::new().await;
    h.sim.set_deduplication(DIRECTORY, false);
    h.settings.bulk_threshold = 2;

    let report = h.export("Power users", new_members(4)).await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(h.sim.request_count(Some("start_import")), 0);
    assert_eq!(h.sim.request_count(Some("search_contacts")), 4);
    assert_eq!(h.sim.contacts(DIRECTORY).len(), 5 + 4);
}

#[tokio::test]
async fn failed_rows_converge_on_next_run() {
    let mut h = Harness::new().await;
    h.client = client_for(&h.sim, TOKEN, 1);
    h.settings.concurrency = 1;
    h.sim.fail_next("create_contact", 3, 500);
    let members = new_members(8);

    let first = h.export("Power users", members.clone()).await;

    assert_eq!(first.status, RunStatus::PartiallyFailed);
    assert_eq!(first.counts.failed, 3);
    assert_eq!(first.counts.entered, 5);

    let second = h.export("Power users", members).await;

    assert_eq!(second.status, RunStatus::Succeeded);
    assert_eq!(second.counts.entered, 3);
    assert_eq!(second.counts.unchanged, 5);
    for n in 0..8 {
        let contact = h.contact(&format!("new-{n}@example.org"));
        assert_eq!(contact.embedded_data.get(&field("Power users")).map(String::as_str), Some("active"));
    }
}

#[tokio::test]
async fn dropped_connections_without_dedup_leave_no_duplicates() {
    let mut h = Harness::new().await;
    h.sim.set_deduplication(DIRECTORY, false);
    h.client = client_for(&h.sim, TOKEN, 1);
    h.settings.concurrency = 1;
    h.sim.drop_next("create_contact", 2);
    let members = new_members(6);

    let first = h.export("Power users", members.clone()).await;
    assert_eq!(first.counts.failed, 2, "{first:?}");

    let second = h.export("Power users", members).await;

    assert_eq!(second.status, RunStatus::Succeeded, "{second:?}");
    assert_eq!(second.counts.entered, 2);
    for n in 0..6 {
        h.contact(&format!("new-{n}@example.org"));
    }
}

#[tokio::test]
async fn failed_import_job_converges_on_next_run() {
    let mut h = Harness::new().await;
    h.settings.bulk_threshold = 10;
    h.sim.set_faults(
        Some("start_import"),
        Faults {
            import_failure_rate: 1.0,
            ..Faults::default()
        },
    );
    let members = new_members(30);

    let first = h.export("Power users", members.clone()).await;
    assert_eq!(first.counts.failed, 30);
    assert_eq!(first.status, RunStatus::Failed);

    h.sim.set_faults(Some("start_import"), Faults::default());
    let second = h.export("Power users", members).await;

    assert_eq!(second.status, RunStatus::Succeeded, "{second:?}");
    assert_eq!(second.counts.entered, 30);
    for n in 0..30 {
        h.contact(&format!("new-{n}@example.org"));
    }
}

#[tokio::test]
async fn rejected_credentials_fail_the_run() {
    let mut h = Harness::new().await;
    h.client = client_for(&h.sim, "wrongTokenWrongTokenWrongTokenWrongToken", 1);

    let report = h.export("Power users", new_members(3)).await;

    assert_eq!(report.status, RunStatus::Failed);
    assert!(report.credentials_rejected);
    let error = report.error.expect("error reported");
    assert!(error.contains("401"), "{error}");
    assert!(!error.contains("wrongToken"), "the token leaks: {error}");
    assert_eq!(report.counts.failed, 3);
}
