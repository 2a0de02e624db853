//! `cohortsync runs`: the run history and each run's row report.

use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use cohortsync_store::{RowReport, Run, RunId};
use serde_json::{json, Value};

use crate::args::{RowsFormat, RunsArgs, RunsCommand};
use crate::connect;
use crate::failure::{Failure, EXIT_OK};

pub async fn run(config_path: Option<&Path>, args: RunsArgs) -> Result<ExitCode, Failure> {
    let config = connect::load_config(config_path)?;
    let store = connect::open_store(&config).await?;
    match args.command {
        RunsCommand::List { limit, json } => {
            let runs = store.list_runs(limit).await.map_err(Failure::failed)?;
            if json {
                let runs: Vec<Value> = runs.iter().map(run_json).collect();
                println!("{}", serde_json::to_string_pretty(&runs).expect("JSON values serialize"));
            } else if runs.is_empty() {
                println!("No runs yet.");
            } else {
                println!(
                    "{:>5}  {:<20}  {:<16}  {:<18}  {:<24}  {:>7} {:>5} {:>7} {:>6}",
                    "RUN", "STARTED (UTC)", "STATUS", "DESTINATION", "COHORT", "ENTERED", "LEFT", "SKIPPED", "FAILED"
                );
                for run in &runs {
                    let counts = run.counts.unwrap_or_default();
                    let status = if run.dry_run {
                        format!("{} (dry)", run.status)
                    } else {
                        run.status.to_string()
                    };
                    println!(
                        "{:>5}  {:<20}  {:<16}  {:<18}  {:<24}  {:>7} {:>5} {:>7} {:>6}",
                        run.id.0,
                        run.started_at.format("%Y-%m-%d %H:%M:%S"),
                        status,
                        truncate(&run.destination, 18),
                        truncate(&format!("{} ({})", run.cohort_name, run.cohort_id), 24),
                        counts.entered,
                        counts.left,
                        counts.skipped,
                        counts.failed
                    );
                }
            }
        }
        RunsCommand::Show {
            run_id,
            rows,
            json,
            format,
        } => {
            let run = store
                .get_run(RunId(run_id))
                .await
                .map_err(Failure::failed)?
                .ok_or_else(|| {
                    Failure::usage(anyhow!(
                        "run {run_id} not found; `cohortsync runs list` shows the run IDs"
                    ))
                })?;
            let row_reports = if rows {
                Some(store.run_rows(run.id).await.map_err(Failure::failed)?)
            } else {
                None
            };
            match (json, format, row_reports) {
                (true, _, row_reports) => {
                    let mut value = run_json(&run);
                    if let Some(row_reports) = row_reports {
                        value["rows"] = row_reports.iter().map(row_json).collect();
                    }
                    println!("{}", serde_json::to_string_pretty(&value).expect("JSON values serialize"));
                }
                (false, Some(RowsFormat::Csv), Some(row_reports)) => {
                    write_rows_csv(&row_reports).map_err(Failure::failed)?;
                }
                (false, _, row_reports) => {
                    print_run(&run);
                    if let Some(row_reports) = row_reports {
                        print_rows(&row_reports);
                    }
                }
            }
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn run_json(run: &Run) -> Value {
    let counts = run.counts.map(|c| {
        json!({
            "members": c.members,
            "entered": c.entered,
            "left": c.left,
            "unchanged": c.unchanged,
            "skipped": c.skipped,
            "failed": c.failed,
        })
    });
    json!({
        "run_id": run.id.0,
        "status": run.status.as_str(),
        "dry_run": run.dry_run,
        "destination": run.destination,
        "cohort_id": run.cohort_id,
        "cohort_name": run.cohort_name,
        "field": run.field_name,
        "source": run.source,
        "started_at": timestamp(run.started_at),
        "finished_at": run.finished_at.map(timestamp),
        "counts": counts,
        "requests": run.requests,
        "error": run.message,
    })
}

fn row_json(row: &RowReport) -> Value {
    json!({
        "email": row.email,
        "user_id": row.user_id,
        "operation": row.operation.as_str(),
        "outcome": row.outcome.as_str(),
        "reason": row.reason,
        "contact_id": row.contact_id,
    })
}

fn print_run(run: &Run) {
    println!("Run {}  {}{}", run.id.0, run.status, if run.dry_run { " (dry run)" } else { "" });
    println!("  destination  {}", run.destination);
    println!("  cohort       {} ({})", run.cohort_name, run.cohort_id);
    println!("  field        {}", run.field_name);
    println!("  source       {}", run.source);
    println!("  started      {}", timestamp(run.started_at));
    if let Some(finished) = run.finished_at {
        println!("  finished     {}", timestamp(finished));
    }
    if let Some(c) = run.counts {
        println!(
            "  members      {}: {} entered, {} left, {} unchanged, {} skipped, {} failed",
            c.members, c.entered, c.left, c.unchanged, c.skipped, c.failed
        );
    }
    if let Some(requests) = run.requests {
        println!("  requests     {requests}");
    }
    if let Some(message) = &run.message {
        println!("  error        {message}");
    }
}

fn print_rows(rows: &[RowReport]) {
    println!();
    println!(
        "  {:<32} {:<14} {:<17} {:<8} {:<20} REASON",
        "EMAIL", "USER ID", "OPERATION", "OUTCOME", "CONTACT"
    );
    for row in rows {
        println!(
            "  {:<32} {:<14} {:<17} {:<8} {:<20} {}",
            row.email.as_deref().unwrap_or("-"),
            row.user_id.as_deref().unwrap_or("-"),
            row.operation.as_str(),
            row.outcome.as_str(),
            row.contact_id.as_deref().unwrap_or("-"),
            row.reason.as_deref().unwrap_or("")
        );
    }
}

fn write_rows_csv(rows: &[RowReport]) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    writer.write_record(["email", "user_id", "operation", "outcome", "reason", "contact_id"])?;
    for row in rows {
        writer.write_record([
            row.email.as_deref().unwrap_or(""),
            row.user_id.as_deref().unwrap_or(""),
            row.operation.as_str(),
            row.outcome.as_str(),
            row.reason.as_deref().unwrap_or(""),
            row.contact_id.as_deref().unwrap_or(""),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Cuts `text` to `width` characters, marking a cut with an ellipsis, so table columns align.
fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Formats a time as RFC 3339 in UTC to the second, e.g. `2026-12-04T19:42:50Z`.
fn timestamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
