//! Runs: lifecycle, row reports, listing and interruption.

use cohortsync_store::{
    NewRun, RowOperation, RowOutcome, RowReport, RunCounts, RunId, RunStatus, StoreError,
};

use super::TestStore;

fn new_run(destination: &str, cohort_id: &str) -> NewRun {
    NewRun {
        destination: destination.into(),
        cohort_id: cohort_id.into(),
        cohort_name: "Trial".into(),
        field_name: format!("[Amplitude] Trial ({cohort_id})"),
        source: "file:cohort.csv".into(),
        dry_run: false,
    }
}

fn report(
    email: Option<&str>,
    operation: RowOperation,
    outcome: RowOutcome,
    reason: Option<&str>,
) -> RowReport {
    RowReport {
        email: email.map(str::to_owned),
        user_id: Some("u-1".into()),
        operation,
        outcome,
        reason: reason.map(str::to_owned),
        contact_id: None,
    }
}

const COUNTS: RunCounts = RunCounts {
    members: 10,
    entered: 4,
    left: 2,
    unchanged: 3,
    skipped: 1,
    failed: 1,
};

#[tokio::test]
async fn create_run_starts_running() {
    let test = TestStore::new().await;

    let id = test.store.create_run(&new_run("dest", "c1")).await.unwrap();

    let run = test.store.get_run(id).await.unwrap().unwrap();
    assert_eq!(run.id, id);
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(run.destination, "dest");
    assert_eq!(run.field_name, "[Amplitude] Trial (c1)");
    assert_eq!(run.source, "file:cohort.csv");
    assert!(!run.dry_run);
    assert_eq!(run.finished_at, None);
    assert_eq!(run.counts, None);
    assert_eq!(run.requests, None);
}

#[tokio::test]
async fn finish_run_records_counts_and_message() {
    let test = TestStore::new().await;
    let id = test.store.create_run(&new_run("dest", "c1")).await.unwrap();

    test.store
        .finish_run(
            id,
            RunStatus::PartiallyFailed,
            &COUNTS,
            17,
            Some("1 row failed".into()),
        )
        .await
        .unwrap();

    let run = test.store.get_run(id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::PartiallyFailed);
    assert_eq!(run.counts, Some(COUNTS));
    assert_eq!(run.requests, Some(17));
    assert_eq!(run.message.as_deref(), Some("1 row failed"));
    let finished_at = run.finished_at.expect("finished_at is set");
    assert!(finished_at >= run.started_at);
}

#[tokio::test]
async fn finish_run_twice_fails() {
    let test = TestStore::new().await;
    let id = test.store.create_run(&new_run("dest", "c1")).await.unwrap();
    test.store
        .finish_run(id, RunStatus::Succeeded, &COUNTS, 1, None)
        .await
        .unwrap();

    let error = test
        .store
        .finish_run(id, RunStatus::Failed, &COUNTS, 1, None)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, StoreError::RunNotRunning { status, .. } if status == "succeeded"),
        "{error}"
    );
    let run = test.store.get_run(id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "the first result stays");
}

#[tokio::test]
async fn finish_unknown_run_fails() {
    let test = TestStore::new().await;

    let error = test
        .store
        .finish_run(RunId(999), RunStatus::Succeeded, &COUNTS, 0, None)
        .await
        .unwrap_err();

    assert!(
        matches!(error, StoreError::RunNotFound { run_id: 999 }),
        "{error}"
    );
    assert_eq!(test.store.get_run(RunId(999)).await.unwrap(), None);
}

#[tokio::test]
async fn create_run_interrupts_stale_run_of_same_sync() {
    let test = TestStore::new().await;
    let stale = test.store.create_run(&new_run("dest", "c1")).await.unwrap();
    let other_cohort = test.store.create_run(&new_run("dest", "c2")).await.unwrap();
    let other_destination = test
        .store
        .create_run(&new_run("dest-b", "c1"))
        .await
        .unwrap();
    let test = test.reopen().await;

    let next = test.store.create_run(&new_run("dest", "c1")).await.unwrap();

    let stale_run = test.store.get_run(stale).await.unwrap().unwrap();
    assert_eq!(stale_run.status, RunStatus::Interrupted);
    assert!(stale_run.finished_at.is_some());
    for id in [other_cohort, other_destination, next] {
        let run = test.store.get_run(id).await.unwrap().unwrap();
        assert_eq!(run.status, RunStatus::Running, "run {id}");
    }
    assert!(next > stale);

    let error = test
        .store
        .finish_run(stale, RunStatus::Succeeded, &COUNTS, 0, None)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::RunNotRunning { .. }), "{error}");
}

#[tokio::test]
async fn row_reports_keep_order_and_fields() {
    let test = TestStore::new().await;
    let id = test.store.create_run(&new_run("dest", "c1")).await.unwrap();
    let other = test.store.create_run(&new_run("dest", "c2")).await.unwrap();
    let mut created = report(
        Some("a@x.io"),
        RowOperation::Create,
        RowOutcome::Applied,
        None,
    );
    created.contact_id = Some("CID_000000000000004".into());
    let first_batch = vec![
        created,
        report(
            None,
            RowOperation::Skip,
            RowOutcome::Skipped,
            Some("missing_email"),
        ),
    ];
    let second_batch = vec![
        report(
            Some("b@x.io"),
            RowOperation::Update,
            RowOutcome::Failed,
            Some("Invalid email"),
        ),
        report(
            Some("c@x.io"),
            RowOperation::SetInactive,
            RowOutcome::Planned,
            None,
        ),
        report(
            Some("d@x.io"),
            RowOperation::RemoveFromList,
            RowOutcome::Applied,
            None,
        ),
        report(
            Some("e@x.io"),
            RowOperation::None,
            RowOutcome::Applied,
            None,
        ),
    ];

    test.store.add_row_reports(id, &first_batch).await.unwrap();
    test.store
        .add_row_reports(other, &first_batch[..1])
        .await
        .unwrap();
    test.store.add_row_reports(id, &second_batch).await.unwrap();

    let rows = test.store.run_rows(id).await.unwrap();
    let expected: Vec<RowReport> = first_batch.into_iter().chain(second_batch).collect();
    assert_eq!(rows, expected);
    assert_eq!(test.store.run_rows(other).await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_runs_newest_first_with_limit() {
    let test = TestStore::new().await;
    let mut ids = Vec::new();
    for cohort in ["c1", "c2", "c3"] {
        ids.push(
            test.store
                .create_run(&new_run("dest", cohort))
                .await
                .unwrap(),
        );
    }

    let runs = test.store.list_runs(2).await.unwrap();

    let listed: Vec<RunId> = runs.iter().map(|r| r.id).collect();
    assert_eq!(listed, [ids[2], ids[1]]);
    assert_eq!(test.store.list_runs(10).await.unwrap().len(), 3);
}

#[tokio::test]
async fn runs_survive_reopen() {
    let test = TestStore::new().await;
    let mut dry = new_run("dest", "c1");
    dry.dry_run = true;
    let id = test.store.create_run(&dry).await.unwrap();
    test.store
        .add_row_reports(
            id,
            &[report(
                Some("a@x.io"),
                RowOperation::Create,
                RowOutcome::Planned,
                None,
            )],
        )
        .await
        .unwrap();
    test.store
        .finish_run(id, RunStatus::Succeeded, &COUNTS, 0, None)
        .await
        .unwrap();

    let test = test.reopen().await;

    let run = test.store.get_run(id).await.unwrap().unwrap();
    assert!(run.dry_run);
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(test.store.run_rows(id).await.unwrap().len(), 1);
}
