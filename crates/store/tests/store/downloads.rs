//! The Amplitude download ledger.

use cohortsync_store::StoreError;

use super::TestStore;

#[tokio::test]
async fn reserve_download_counts_up_to_budget() {
    let test = TestStore::new().await;

    assert_eq!(
        test.store
            .reserve_download("proj", "2026-12", 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        test.store
            .reserve_download("proj", "2026-12", 2)
            .await
            .unwrap(),
        2
    );
    let error = test
        .store
        .reserve_download("proj", "2026-12", 2)
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::QuotaExceeded { used: 2, budget: 2 }),
        "{error}"
    );
    assert_eq!(
        test.store
            .downloads_in_month("proj", "2026-12")
            .await
            .unwrap(),
        2,
        "a refusal is not counted"
    );
}

#[tokio::test]
async fn reserve_download_separates_months_and_projects() {
    let test = TestStore::new().await;
    test.store
        .reserve_download("proj", "2026-12", 1)
        .await
        .unwrap();

    assert_eq!(
        test.store
            .reserve_download("proj", "2027-01", 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        test.store
            .reserve_download("other", "2026-12", 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        test.store
            .downloads_in_month("proj", "2026-11")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn reserve_download_zero_budget_fails() {
    let test = TestStore::new().await;

    let error = test
        .store
        .reserve_download("proj", "2026-12", 0)
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::QuotaExceeded { used: 0, budget: 0 }),
        "{error}"
    );
    assert_eq!(
        test.store
            .downloads_in_month("proj", "2026-12")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn reserve_download_raised_budget_continues() {
    let test = TestStore::new().await;
    test.store
        .reserve_download("proj", "2026-12", 1)
        .await
        .unwrap();
    assert!(test
        .store
        .reserve_download("proj", "2026-12", 1)
        .await
        .is_err());

    assert_eq!(
        test.store
            .reserve_download("proj", "2026-12", 3)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserve_download_concurrent_never_exceeds_budget() {
    let test = TestStore::new().await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = test.store.clone();
        tasks.push(tokio::spawn(async move {
            store.reserve_download("proj", "2026-12", 7).await
        }));
    }

    let mut granted = Vec::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(count) => granted.push(count),
            Err(StoreError::QuotaExceeded { budget: 7, .. }) => refused += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }

    granted.sort_unstable();
    assert_eq!(granted, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(refused, 13);
    assert_eq!(
        test.store
            .downloads_in_month("proj", "2026-12")
            .await
            .unwrap(),
        7
    );
}

#[tokio::test]
async fn reserve_download_rejects_bad_month() {
    let test = TestStore::new().await;

    let error = test
        .store
        .reserve_download("proj", "December", 5)
        .await
        .unwrap_err();

    assert!(matches!(error, StoreError::InvalidMonth { .. }), "{error}");
    assert!(error.to_string().contains("\"December\""), "{error}");
}

#[tokio::test]
async fn ledger_survives_reopen() {
    let test = TestStore::new().await;
    test.store
        .reserve_download("proj", "2026-12", 5)
        .await
        .unwrap();

    let test = test.reopen().await;

    assert_eq!(
        test.store
            .reserve_download("proj", "2026-12", 5)
            .await
            .unwrap(),
        2
    );
}
