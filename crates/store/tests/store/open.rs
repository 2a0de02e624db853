//! Opening databases from URLs.

use cohortsync_store::{MemberState, SnapshotRow, Store, StoreError};

#[tokio::test]
async fn open_creates_file_and_parent_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/state.db");

    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();

    assert!(path.exists());
    store.close().await;
}

#[tokio::test]
async fn open_uses_wal_journal() {
    let test = super::TestStore::new().await;

    let wal = test.dir.path().join("state.db-wal");
    test.store
        .reserve_download("p", "2026-12", 5)
        .await
        .unwrap();

    assert!(wal.exists(), "a write in WAL mode creates the -wal file");
}

#[tokio::test]
async fn open_memory_keeps_data_across_calls() {
    let store = Store::open("sqlite::memory:").await.unwrap();
    let row = SnapshotRow {
        email: "a@example.com".into(),
        user_id: None,
        contact_id: None,
        state: MemberState::Active,
        field_name: "F".into(),
        added_to_list: false,
    };

    store
        .confirm_rows("dest", "c1", std::slice::from_ref(&row))
        .await
        .unwrap();

    assert_eq!(store.load_snapshot("dest", "c1").await.unwrap(), [row]);
}

#[tokio::test]
async fn open_rejects_postgres_url() {
    let error = Store::open("postgresql://cohortsync:pw@localhost/db")
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::UnsupportedDatabase { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("postgresql"), "{message}");
    assert!(
        !message.contains("pw@"),
        "the message must not show credentials: {message}"
    );
}

#[tokio::test]
async fn open_reports_uncreatable_directory() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();

    let error = Store::open(&format!("sqlite://{}/sub/state.db", blocker.display()))
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::CreateDirectory { .. }),
        "{error}"
    );
}
