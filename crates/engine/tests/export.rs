//! Export runs against the Qualtrics simulator: what ends up on the contacts and in the store.

mod common;

use cohortsync_engine::{RemovalMode, RunStatus};
use common::*;

#[tokio::test]
async fn first_export_creates_and_updates() {
    let h = Harness::new().await;
    let members = vec![
        member("u-ada", "ada.lovelace@example.com"),
        member("u-carol", "carol.test@example.com"),
        member("u-new", "newcomer@example.org"),
    ];

    let report = h.export("Power users", members).await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.counts.members, 3);
    assert_eq!(report.counts.entered, 3);
    assert_eq!(report.counts.failed, 0);
    assert_eq!(report.field, "[Amplitude] Power users (7khm89cz)");
    assert!(report.requests > 0);
    for email in ["ada.lovelace@example.com", "carol.test@example.com", "newcomer@example.org"] {
        let contact = h.contact(email);
        assert_eq!(
            contact.embedded_data.get(&field("Power users")).map(String::as_str),
            Some("active"),
            "{email}"
        );
        assert!(contact.mailing_list_ids.contains(&NPS_LIST.to_owned()), "{email} on the list");
    }
}

#[tokio::test]
async fn listed_contact_keeps_email_spelling() {
    let h = Harness::new().await;

    h.export("Power users", vec![member("u-ada", " ADA.Lovelace@Example.com ")])
        .await;

    let ada = h.contact("ada.lovelace@example.com");
    assert_eq!(ada.email.as_deref(), Some("ada.lovelace@example.com"));
    assert_eq!(
        ada.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("active")
    );
}

#[tokio::test]
async fn contact_on_other_list_joins_without_duplicate() {
    let h = Harness::new().await;
    let before = h.contact("carol.test@example.com");

    h.export("Power users", vec![member("u-carol", "Carol.Test@example.com")])
        .await;

    let after = h.contact("carol.test@example.com");
    assert_eq!(after.contact_id, before.contact_id);
    assert!(after.mailing_list_ids.contains(&BETA_LIST.to_owned()));
    assert!(after.mailing_list_ids.contains(&NPS_LIST.to_owned()));
    assert_eq!(after.first_name.as_deref(), Some("Carol"));
    assert_eq!(after.language.as_deref(), Some("DE"));
}

#[tokio::test]
async fn opted_out_contact_keeps_unsubscribed_and_data() {
    let h = Harness::new().await;

    h.export("Power users", vec![member("u-eve", "eve.optout@example.com")])
        .await;
    h.export("Power users", vec![]).await;

    let eve = h.contact("eve.optout@example.com");
    assert!(eve.unsubscribed);
    assert_eq!(eve.embedded_data.get("plan").map(String::as_str), Some("enterprise"));
    assert_eq!(eve.embedded_data.get("region").map(String::as_str), Some("emea"));
    assert_eq!(eve.first_name.as_deref(), Some("Eve"));
    assert_eq!(
        eve.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("inactive")
    );
}

#[tokio::test]
async fn leaving_members_become_inactive() {
    let h = Harness::new().await;
    h.export(
        "Power users",
        vec![member("u-ada", "ada.lovelace@example.com"), member("u-bob", "bob.sample@example.com")],
    )
    .await;

    let report = h
        .export("Power users", vec![member("u-ada", "ada.lovelace@example.com")])
        .await;

    assert_eq!(report.counts.left, 1);
    assert_eq!(report.counts.unchanged, 1);
    let bob = h.contact("bob.sample@example.com");
    assert_eq!(
        bob.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("inactive")
    );
    // The simulator's PUT replaces the whole embedded data map, so this holds only because
    // the engine sends the map back whole.
    assert_eq!(bob.embedded_data.get("plan").map(String::as_str), Some("starter"));
    assert!(bob.mailing_list_ids.contains(&NPS_LIST.to_owned()), "bob stays on the list");
}

#[tokio::test]
async fn unchanged_input_changes_nothing() {
    let h = Harness::new().await;
    let members = vec![
        member("u-ada", "ada.lovelace@example.com"),
        member("u-new", "newcomer@example.org"),
    ];
    h.export("Power users", members.clone()).await;
    h.sim.clear_requests();

    let report = h.export("Power users", members).await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.counts.entered, 0);
    assert_eq!(report.counts.left, 0);
    assert_eq!(report.counts.unchanged, 2);
    assert_eq!(h.writes(), 0, "requests: {:?}", h.sim.requests());
}

#[tokio::test]
async fn skip_reasons_are_recorded() {
    let h = Harness::new().await;
    let mut no_email = member("u-none", "");
    no_email.properties.clear();
    let members = vec![
        member("u-ok", "ok@example.org"),
        no_email,
        member("u-blank", "   "),
        member("u-bad", "not-an-email"),
        member("u-two-at", "a@b@example.org"),
        member("u-dup", " OK@example.org "),
    ];

    let report = h.export("Power users", members).await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.counts.members, 6);
    assert_eq!(report.counts.entered, 1);
    assert_eq!(report.counts.skipped, 5);
    assert_eq!(report.skipped_by_reason.missing_email, 2);
    assert_eq!(report.skipped_by_reason.invalid_email, 2);
    assert_eq!(report.skipped_by_reason.duplicate_email, 1);
    assert_eq!(h.contacts_with_email("ok@example.org").len(), 1);
    let rows = h.store.run_rows(cohortsync_store::RunId(report.run_id)).await.unwrap();
    let reasons: Vec<String> = rows.iter().filter_map(|r| r.reason.clone()).collect();
    for code in ["missing_email", "invalid_email", "duplicate_email"] {
        assert!(
            reasons.iter().any(|r| r.starts_with(code)),
            "no row with reason {code}: {reasons:?}"
        );
    }
}

#[tokio::test]
async fn renamed_cohort_moves_members_to_new_field() {
    let h = Harness::new().await;
    let members = vec![
        member("u-ada", "ada.lovelace@example.com"),
        member("u-new", "newcomer@example.org"),
    ];
    h.export("Power users", members.clone()).await;

    let report = h.export("Super users", members).await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.counts.entered, 2);
    assert_eq!(report.renamed_from, vec![field("Power users")]);
    for email in ["ada.lovelace@example.com", "newcomer@example.org"] {
        let contact = h.contact(email);
        assert_eq!(
            contact.embedded_data.get(&field("Super users")).map(String::as_str),
            Some("active")
        );
        assert_eq!(
            contact.embedded_data.get(&field("Power users")).map(String::as_str),
            Some("inactive")
        );
    }
}

#[tokio::test]
async fn long_cohort_name_is_shortened() {
    let h = Harness::new().await;
    let name = "Customers who opened the weekly digest ".repeat(8);
    assert!(name.chars().count() >= 300);

    let report = h
        .export(name.trim(), vec![member("u-ada", "ada.lovelace@example.com")])
        .await;

    assert_eq!(report.status, RunStatus::Succeeded);
    assert!(report.field.chars().count() <= 200, "{}", report.field);
    assert!(report.field.ends_with(" (7khm89cz)"));
    let shortened = report.field_shortened.expect("shortening reported");
    assert!(shortened.original_chars > 200);
    assert!(report.warnings.iter().any(|w| w.contains("shortened")));
    let ada = h.contact("ada.lovelace@example.com");
    assert_eq!(ada.embedded_data.get(&report.field).map(String::as_str), Some("active"));
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let h = Harness::new().await;
    let members = vec![member("u-ada", "ada.lovelace@example.com"), member("u-new", "newcomer@example.org")];

    let report = h
        .export_with("Power users", members.clone(), RemovalMode::Inactive, true)
        .await;

    assert!(report.dry_run);
    assert_eq!(report.counts.entered, 2);
    assert_eq!(h.writes(), 0, "requests: {:?}", h.sim.requests());
    let rows = h.store.run_rows(cohortsync_store::RunId(report.run_id)).await.unwrap();
    let ada = rows.iter().find(|r| r.email.as_deref() == Some("ada.lovelace@example.com")).unwrap();
    assert_eq!(ada.operation, cohortsync_store::RowOperation::Update, "ada is on the list");
    let newcomer = rows.iter().find(|r| r.email.as_deref() == Some("newcomer@example.org")).unwrap();
    assert_eq!(newcomer.operation, cohortsync_store::RowOperation::Create);
    assert!(h.contacts_with_email("newcomer@example.org").is_empty());
    // Nothing went into the snapshot either: a real run still has everything to do.
    let real = h.export("Power users", members).await;
    assert_eq!(real.counts.entered, 2);
}

#[tokio::test]
async fn remove_from_list_spares_prior_members() {
    let h = Harness::new().await;
    h.export_with(
        "Power users",
        vec![member("u-ada", "ada.lovelace@example.com"), member("u-new", "newcomer@example.org")],
        RemovalMode::RemoveFromList,
        false,
    )
    .await;

    let report = h
        .export_with("Power users", vec![], RemovalMode::RemoveFromList, false)
        .await;

    assert_eq!(report.counts.left, 2);
    let newcomer = h.contact("newcomer@example.org");
    assert!(!newcomer.mailing_list_ids.contains(&NPS_LIST.to_owned()), "cohortsync added it");
    assert_eq!(
        newcomer.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("inactive")
    );
    let ada = h.contact("ada.lovelace@example.com");
    assert!(ada.mailing_list_ids.contains(&NPS_LIST.to_owned()), "ada was on the list before");
}

#[tokio::test]
async fn remove_from_list_keeps_contact_another_cohort_needs() {
    let h = Harness::new().await;
    let pat = vec![member("u-pat", "pat@example.org")];
    h.export_with("Power users", pat.clone(), RemovalMode::RemoveFromList, false)
        .await;
    let other = cohortsync_engine::ExportRequest {
        cohort_id: cohortsync_domain::CohortId::new("otherc01").unwrap(),
        ..request("Beta fans", pat, RemovalMode::RemoveFromList)
    };
    cohortsync_engine::run_export(&h.client, &h.store, &h.settings, other, &cohortsync_engine::NoProgress)
        .await
        .unwrap();

    let report = h
        .export_with("Power users", vec![], RemovalMode::RemoveFromList, false)
        .await;

    assert_eq!(report.counts.left, 1);
    let pat = h.contact("pat@example.org");
    assert!(pat.mailing_list_ids.contains(&NPS_LIST.to_owned()), "cohort otherc01 still has pat");
    assert_eq!(
        pat.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("inactive")
    );
    let rows = h.store.run_rows(cohortsync_store::RunId(report.run_id)).await.unwrap();
    assert!(
        rows[0].reason.as_deref().is_some_and(|r| r.contains("otherc01")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn dry_run_plans_removal_only_for_added_contacts() {
    let h = Harness::new().await;
    h.export_with(
        "Power users",
        vec![member("u-ada", "ada.lovelace@example.com"), member("u-new", "newcomer@example.org")],
        RemovalMode::RemoveFromList,
        false,
    )
    .await;

    let report = h
        .export_with("Power users", vec![], RemovalMode::RemoveFromList, true)
        .await;

    let rows = h.store.run_rows(cohortsync_store::RunId(report.run_id)).await.unwrap();
    let operation = |email: &str| rows.iter().find(|r| r.email.as_deref() == Some(email)).unwrap().operation;
    assert_eq!(operation("ada.lovelace@example.com"), cohortsync_store::RowOperation::SetInactive);
    assert_eq!(operation("newcomer@example.org"), cohortsync_store::RowOperation::RemoveFromList);
}

#[tokio::test]
async fn removal_none_sends_nothing_for_leavers() {
    let h = Harness::new().await;
    h.export("Power users", vec![member("u-ada", "ada.lovelace@example.com")])
        .await;
    h.sim.clear_requests();

    let report = h
        .export_with("Power users", vec![], RemovalMode::None, false)
        .await;

    assert_eq!(report.counts.left, 1);
    assert_eq!(h.writes(), 0);
    let ada = h.contact("ada.lovelace@example.com");
    assert_eq!(
        ada.embedded_data.get(&field("Power users")).map(String::as_str),
        Some("active")
    );
}
