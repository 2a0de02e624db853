//! Runs and their row reports.

use chrono::Utc;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::run_types::invalid;
use crate::{
    NewRun, RowOperation, RowOutcome, RowReport, Run, RunCounts, RunId, RunStatus, Store,
    StoreError,
};

const SELECT_RUN: &str =
    "SELECT id, destination, cohort_id, cohort_name, field_name, source, dry_run, \
     status, started_at, finished_at, member_count, entered_count, left_count, unchanged_count, \
     skipped_count, failed_count, request_count, message FROM runs";

impl Store {
    /// Starts a run with status `running` and returns its ID.
    ///
    /// In the same transaction, any run of the same destination and cohort still marked
    /// `running` becomes `interrupted`, because only a process that stopped without finishing
    /// leaves one behind.
    // NOTE: this assumes one process runs a given sync at a time. A second concurrent run of
    // the same destination and cohort would mark the first one interrupted while it works.
    #[tracing::instrument(skip_all, fields(destination = %run.destination, cohort_id = %run.cohort_id))]
    pub async fn create_run(&self, run: &NewRun) -> Result<RunId, StoreError> {
        let now = Utc::now();
        let mut transaction = self.pool.begin().await?;

        let interrupted = sqlx::query(
            "UPDATE runs SET status = 'interrupted', finished_at = ? \
             WHERE destination = ? AND cohort_id = ? AND status = 'running'",
        )
        .bind(now)
        .bind(&run.destination)
        .bind(&run.cohort_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();

        let id: i64 = sqlx::query_scalar(
            "INSERT INTO runs (destination, cohort_id, cohort_name, field_name, source, dry_run, status, started_at) \
             VALUES (?, ?, ?, ?, ?, ?, 'running', ?) RETURNING id",
        )
        .bind(&run.destination)
        .bind(&run.cohort_id)
        .bind(&run.cohort_name)
        .bind(&run.field_name)
        .bind(&run.source)
        .bind(run.dry_run)
        .bind(now)
        .fetch_one(&mut *transaction)
        .await?;
        transaction.commit().await?;

        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                run_id = id,
                "marked unfinished earlier runs as interrupted"
            );
        }
        Ok(RunId(id))
    }

    /// Appends row reports to a run, in one transaction.
    #[tracing::instrument(skip(self, rows), fields(rows = rows.len()))]
    pub async fn add_row_reports(
        &self,
        run_id: RunId,
        rows: &[RowReport],
    ) -> Result<(), StoreError> {
        let mut transaction = self.pool.begin().await?;
        for row in rows {
            sqlx::query(
                "INSERT INTO run_rows (run_id, email, user_id, operation, outcome, reason, contact_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(run_id.0)
            .bind(&row.email)
            .bind(&row.user_id)
            .bind(row.operation.as_str())
            .bind(row.outcome.as_str())
            .bind(&row.reason)
            .bind(&row.contact_id)
            .execute(&mut *transaction)
            .await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// Records the end of a run that is still `running`.
    ///
    /// Fails with [`StoreError::RunNotFound`] for an unknown ID and with
    /// [`StoreError::RunNotRunning`] when the run already ended or was marked interrupted.
    #[tracing::instrument(skip(self, counts, message))]
    pub async fn finish_run(
        &self,
        run_id: RunId,
        status: RunStatus,
        counts: &RunCounts,
        requests: u64,
        message: Option<String>,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE runs SET status = ?, finished_at = ?, member_count = ?, entered_count = ?, \
             left_count = ?, unchanged_count = ?, skipped_count = ?, failed_count = ?, \
             request_count = ?, message = ? WHERE id = ? AND status = 'running'",
        )
        .bind(status.as_str())
        .bind(Utc::now())
        .bind(to_i64(counts.members))
        .bind(to_i64(counts.entered))
        .bind(to_i64(counts.left))
        .bind(to_i64(counts.unchanged))
        .bind(to_i64(counts.skipped))
        .bind(to_i64(counts.failed))
        .bind(to_i64(requests))
        .bind(message)
        .bind(run_id.0)
        .execute(&self.pool)
        .await?;
        if result.rows_affected() > 0 {
            return Ok(());
        }

        match self.get_run(run_id).await? {
            None => Err(StoreError::RunNotFound { run_id: run_id.0 }),
            Some(run) => Err(StoreError::RunNotRunning {
                run_id: run_id.0,
                status: run.status.as_str().to_owned(),
            }),
        }
    }

    /// Lists the newest `limit` runs, newest first.
    pub async fn list_runs(&self, limit: u32) -> Result<Vec<Run>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT_RUN} ORDER BY id DESC LIMIT ?"))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(decode_run).collect()
    }

    /// Loads one run, or `None` when no run has this ID.
    pub async fn get_run(&self, run_id: RunId) -> Result<Option<Run>, StoreError> {
        let row = sqlx::query(&format!("{SELECT_RUN} WHERE id = ?"))
            .bind(run_id.0)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(decode_run).transpose()
    }

    /// Loads a run's row reports in the order they were added.
    pub async fn run_rows(&self, run_id: RunId) -> Result<Vec<RowReport>, StoreError> {
        let rows = sqlx::query(
            "SELECT email, user_id, operation, outcome, reason, contact_id \
             FROM run_rows WHERE run_id = ? ORDER BY id",
        )
        .bind(run_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_row_report).collect()
    }
}

/// Converts a count for SQLite's signed 64-bit integers, saturating far beyond real counts.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u64(column: &'static str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| invalid(column, &value.to_string()))
}

fn decode_run(row: &SqliteRow) -> Result<Run, StoreError> {
    let status: String = row.try_get("status")?;
    let member_count: Option<i64> = row.try_get("member_count")?;
    let counts = match member_count {
        None => None,
        Some(members) => Some(RunCounts {
            members: to_u64("runs.member_count", members)?,
            entered: to_u64("runs.entered_count", row.try_get("entered_count")?)?,
            left: to_u64("runs.left_count", row.try_get("left_count")?)?,
            unchanged: to_u64("runs.unchanged_count", row.try_get("unchanged_count")?)?,
            skipped: to_u64("runs.skipped_count", row.try_get("skipped_count")?)?,
            failed: to_u64("runs.failed_count", row.try_get("failed_count")?)?,
        }),
    };
    let requests: Option<i64> = row.try_get("request_count")?;

    Ok(Run {
        id: RunId(row.try_get("id")?),
        destination: row.try_get("destination")?,
        cohort_id: row.try_get("cohort_id")?,
        cohort_name: row.try_get("cohort_name")?,
        field_name: row.try_get("field_name")?,
        source: row.try_get("source")?,
        dry_run: row.try_get("dry_run")?,
        status: RunStatus::parse(&status)?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        counts,
        requests: requests
            .map(|r| to_u64("runs.request_count", r))
            .transpose()?,
        message: row.try_get("message")?,
    })
}

fn decode_row_report(row: &SqliteRow) -> Result<RowReport, StoreError> {
    let operation: String = row.try_get("operation")?;
    let outcome: String = row.try_get("outcome")?;
    Ok(RowReport {
        email: row.try_get("email")?,
        user_id: row.try_get("user_id")?,
        operation: RowOperation::parse(&operation)?,
        outcome: RowOutcome::parse(&outcome)?,
        reason: row.try_get("reason")?,
        contact_id: row.try_get("contact_id")?,
    })
}
