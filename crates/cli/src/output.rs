//! Command output: run summaries, JSON reports, and the progress bar.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use cohortsync_engine::{Progress, RunReport, RunStatus};

use crate::failure::{EXIT_FAILED, EXIT_OK};

/// Maps a finished run to its exit code: 0 when every row was applied or skipped with a reason.
pub fn exit_code(report: &RunReport) -> ExitCode {
    match report.status {
        RunStatus::Succeeded => ExitCode::from(EXIT_OK),
        RunStatus::PartiallyFailed | RunStatus::Failed => ExitCode::from(EXIT_FAILED),
    }
}

/// Prints a run report: JSON alone on stdout, or a human summary.
pub fn print_report(report: &RunReport, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).expect("a run report always serializes")
        );
        return;
    }
    print!("{}", summary(report, true));
}

/// Formats a human summary of a run, a few lines long. `rows_hint` adds the command that shows the
/// row report, for runs recorded in a store the user can open again.
pub fn summary(report: &RunReport, rows_hint: bool) -> String {
    let mut text = String::new();

    let mode = if report.dry_run { " (dry run: nothing written)" } else { "" };
    text.push_str(&format!(
        "Run {} {}{mode}\n",
        report.run_id,
        report.status.as_str()
    ));
    text.push_str(&format!(
        "  cohort      {} ({}) -> destination {}\n",
        report.cohort_name, report.cohort_id, report.destination
    ));
    text.push_str(&format!("  field       {}\n", report.field));

    let c = &report.counts;
    let verb = if report.dry_run { "to enter" } else { "entered" };
    let verb_left = if report.dry_run { "to leave" } else { "left" };
    text.push_str(&format!(
        "  members     {}: {} {verb}, {} {verb_left} ({}), {} unchanged, {} skipped, {} failed\n",
        c.members, c.entered, c.left, report.removal, c.unchanged, c.skipped, c.failed
    ));
    let s = &report.skipped_by_reason;
    if c.skipped > 0 {
        text.push_str(&format!(
            "  skipped     {} missing_email, {} invalid_email, {} duplicate_email\n",
            s.missing_email, s.invalid_email, s.duplicate_email
        ));
    }

    for old in &report.renamed_from {
        text.push_str(&format!("  renamed     {old:?} set inactive\n"));
    }
    text.push_str(&format!("  requests    {} to Qualtrics\n", report.requests));
    for warning in &report.warnings {
        text.push_str(&format!("  warning     {warning}\n"));
    }
    if let Some(error) = &report.error {
        text.push_str(&format!("  error       {error}\n"));
    }

    if rows_hint && (c.failed > 0 || c.skipped > 0) {
        text.push_str(&format!(
            "  rows        cohortsync runs show {} --rows\n",
            report.run_id
        ));
    }
    text
}

/// A progress bar on stderr when it is a terminal; silent otherwise.
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    pub fn new(quiet: bool) -> ProgressBar {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} rows  {msg}",
                )
                .expect("the progress template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        ProgressBar { bar }
    }
}

impl Progress for ProgressBar {
    fn start(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(done);
        }
    }

    fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_owned());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
