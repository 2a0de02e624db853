//! Snapshot rows: upserts, contact IDs and persistence.

use cohortsync_store::{MemberState, SnapshotRow, StoreError};

use super::TestStore;

fn row(email: &str, state: MemberState) -> SnapshotRow {
    SnapshotRow {
        email: email.into(),
        user_id: Some(format!("user-{email}")),
        contact_id: None,
        state,
        field_name: "[Amplitude] Trial (7khm89cz)".into(),
        added_to_list: true,
    }
}

#[tokio::test]
async fn snapshot_empty_for_new_sync() {
    let test = TestStore::new().await;

    assert!(test
        .store
        .load_snapshot("dest", "7khm89cz")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn confirm_rows_inserts_then_updates() {
    let test = TestStore::new().await;
    let store = &test.store;
    store
        .confirm_rows(
            "dest",
            "c1",
            &[
                row("b@x.io", MemberState::Active),
                row("a@x.io", MemberState::Active),
            ],
        )
        .await
        .unwrap();

    let mut left = row("b@x.io", MemberState::Inactive);
    left.contact_id = Some("CID_000000000000001".into());
    store
        .confirm_rows("dest", "c1", &[left.clone()])
        .await
        .unwrap();

    let snapshot = store.load_snapshot("dest", "c1").await.unwrap();
    assert_eq!(snapshot.len(), 2);
    assert_eq!(
        snapshot[0],
        row("a@x.io", MemberState::Active),
        "ordered by email"
    );
    assert_eq!(snapshot[1], left);
}

#[tokio::test]
async fn confirm_rows_normalizes_email_key() {
    let test = TestStore::new().await;
    test.store
        .confirm_rows("dest", "c1", &[row(" Ana@X.io ", MemberState::Active)])
        .await
        .unwrap();
    test.store
        .confirm_rows("dest", "c1", &[row("ana@x.io", MemberState::Removed)])
        .await
        .unwrap();

    let snapshot = test.store.load_snapshot("dest", "c1").await.unwrap();

    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].email, "ana@x.io");
    assert_eq!(snapshot[0].state, MemberState::Removed);
}

#[tokio::test]
async fn snapshots_are_separate_per_destination_and_cohort() {
    let test = TestStore::new().await;
    test.store
        .confirm_rows("dest-a", "c1", &[row("a@x.io", MemberState::Active)])
        .await
        .unwrap();
    test.store
        .confirm_rows("dest-b", "c1", &[row("b@x.io", MemberState::Active)])
        .await
        .unwrap();
    test.store
        .confirm_rows("dest-a", "c2", &[row("c@x.io", MemberState::Active)])
        .await
        .unwrap();

    let snapshot = test.store.load_snapshot("dest-a", "c1").await.unwrap();

    assert_eq!(snapshot.len(), 1);
    assert_eq!(snapshot[0].email, "a@x.io");
}

#[tokio::test]
async fn set_contact_id_updates_existing_row() {
    let test = TestStore::new().await;
    test.store
        .confirm_rows("dest", "c1", &[row("a@x.io", MemberState::Active)])
        .await
        .unwrap();
    let before = test
        .store
        .load_snapshot_entries("dest", "c1")
        .await
        .unwrap();

    test.store
        .set_contact_id("dest", "c1", "A@x.io", "CID_000000000000002")
        .await
        .unwrap();

    let after = test
        .store
        .load_snapshot_entries("dest", "c1")
        .await
        .unwrap();
    assert_eq!(
        after[0].row.contact_id.as_deref(),
        Some("CID_000000000000002")
    );
    assert!(after[0].updated_at >= before[0].updated_at);
}

#[tokio::test]
async fn set_contact_id_unknown_row_fails() {
    let test = TestStore::new().await;

    let error = test
        .store
        .set_contact_id("dest", "c1", "nobody@x.io", "CID_1")
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::SnapshotRowNotFound { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("nobody@x.io"), "{error}");
}

#[tokio::test]
async fn snapshot_survives_reopen() {
    let test = TestStore::new().await;
    let mut confirmed = row("a@x.io", MemberState::Active);
    confirmed.contact_id = Some("CID_000000000000003".into());
    test.store
        .confirm_rows("dest", "c1", &[confirmed.clone()])
        .await
        .unwrap();

    let test = test.reopen().await;

    assert_eq!(
        test.store.load_snapshot("dest", "c1").await.unwrap(),
        [confirmed]
    );
}

#[tokio::test]
async fn active_in_other_cohort_finds_only_active_rows() {
    let test = TestStore::new().await;
    let store = &test.store;
    store.confirm_rows("dest", "x", &[row("pat@x.io", MemberState::Active)]).await.unwrap();
    store.confirm_rows("dest", "y", &[row("pat@x.io", MemberState::Active)]).await.unwrap();
    store.confirm_rows("dest", "z", &[row("lee@x.io", MemberState::Inactive)]).await.unwrap();
    store.confirm_rows("other", "w", &[row("lee@x.io", MemberState::Active)]).await.unwrap();

    let pat = store.active_in_other_cohort("dest", "x", " PAT@x.io").await.unwrap();
    let lee = store.active_in_other_cohort("dest", "x", "lee@x.io").await.unwrap();

    assert_eq!(pat.as_deref(), Some("y"));
    assert_eq!(lee, None, "inactive rows and other destinations do not count");
}
