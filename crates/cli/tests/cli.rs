//! The `cohortsync` binary end to end: config, exit codes, JSON report, run history, demo.

mod common;

use common::*;
use serde_json::Value;

const COHORT_CSV: &str = "\u{feff}\"amplitude_id\",\"user_id\",\"email\",\"email\"\r\n\
\"1\",\"u-ada\",\"ada.lovelace@example.com\",\"ignored@example.com\"\r\n\
\"2\",\"u-new\",\"newcomer@example.org\"\r\n\
\"3\",\"u-none\",\"\"\r\n\
\"4\",\"u-bad\",\"not-an-email\"\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn export_json_report_and_history() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.csv", COHORT_CSV);

    let output = setup
        .run(&[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users", "--json",
        ])
        .await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("stdout is only JSON");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["field"], "[Amplitude] Power users (7khm89cz)");
    assert_eq!(report["counts"]["members"], 4);
    assert_eq!(report["counts"]["entered"], 2);
    assert_eq!(report["counts"]["skipped"], 2);
    assert_eq!(report["skipped_by_reason"]["missing_email"], 1);
    assert_eq!(report["skipped_by_reason"]["invalid_email"], 1);
    assert_eq!(report["skipped_by_reason"]["duplicate_email"], 0);
    assert!(report["requests"].as_u64().unwrap() > 0);
    let run_id = report["run_id"].as_i64().unwrap().to_string();

    let list = setup.run(&["runs", "list", "--json"]).await;
    assert_eq!(list.status.code(), Some(0), "stderr: {}", stderr(&list));
    let runs: Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(runs[0]["run_id"].to_string(), run_id);
    assert_eq!(runs[0]["status"], "succeeded");

    let rows = setup
        .run(&["runs", "show", &run_id, "--rows", "--format", "csv"])
        .await;
    assert_eq!(rows.status.code(), Some(0), "stderr: {}", stderr(&rows));
    let csv = stdout(&rows);
    assert!(csv.starts_with("email,user_id,operation,outcome,reason,contact_id"), "{csv}");
    assert!(csv.contains("newcomer@example.org,u-new,create,applied"), "{csv}");
    assert!(csv.contains("missing_email"), "{csv}");
    assert!(csv.contains("not-an-email,u-bad,skip,skipped,\"invalid_email"), "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_input_exits_2_and_sends_nothing() {
    let setup = Setup::new().await;
    let no_user_id = setup.file("bad.csv", "\"amplitude_id\",\"email\"\n\"1\",\"a@example.org\"\n");

    let output = setup
        .run(&[
            "export", "--destination", "nps-panel", "--file", no_user_id.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users",
        ])
        .await;

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("user_id"), "{}", stderr(&output));
    assert_eq!(setup.sim.request_count(None), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_token_variable_exits_2() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.csv", COHORT_CSV);

    let output = run_binary(
        Some(&setup.config),
        &[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users",
        ],
        &[],
    )
    .await;

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("TEST_QUALTRICS_TOKEN"), "{}", stderr(&output));
    assert_eq!(setup.sim.request_count(None), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_failure_still_prints_report() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.csv", COHORT_CSV);
    let long_id = "x".repeat(195);

    let output = setup
        .run(&[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", &long_id, "--cohort-name", "Power users", "--json",
        ])
        .await;

    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON");
    assert_eq!(report["status"], "failed");
    assert_eq!(report["exit_code"], 2);
    assert!(report["error"].as_str().unwrap().contains("cohort ID"), "{report}");
    assert_eq!(setup.sim.request_count(None), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_config_names_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(
        &config,
        r#"[[destinations]]
name = "nps-panel"
datacenter_id = "IAD1.evil.example"
directory_id = "POOL_012345678901234"
mailing_list_id = "CG_012345678901234"
api_token_env = "QUALTRICS_API_TOKEN"
"#,
    )
    .unwrap();

    let output = run_binary(Some(&config), &["destinations", "list"], &[]).await;
    let missing = run_binary(Some(&dir.path().join("absent.toml")), &["runs", "list"], &[]).await;

    assert_eq!(missing.status.code(), Some(2));
    let missing_message = stderr(&missing);
    assert_eq!(missing_message.matches("os error").count(), 1, "{missing_message}");
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("IAD1.evil.example"), "{message}");
    assert!(message.contains("iad1"), "shows a valid example: {message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_rows_exit_1() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.csv", COHORT_CSV);
    // More failures than the client's retries, for the one new contact.
    setup.sim.fail_next("create_contact", 50, 400);

    let output = setup
        .run(&[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users", "--json",
        ])
        .await;

    assert_eq!(output.status.code(), Some(1), "stderr: {}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_ne!(report["status"], "succeeded");
    assert!(report["counts"]["failed"].as_u64().unwrap() >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_token_names_its_variable() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.csv", COHORT_CSV);
    let token = "wrongTokenWrongTokenWrongTokenWrongToken";

    let output = run_binary(
        Some(&setup.config),
        &[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users",
        ],
        &[("TEST_QUALTRICS_TOKEN", token)],
    )
    .await;

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("TEST_QUALTRICS_TOKEN"), "{message}");
    assert!(!message.contains(token), "the token leaks: {message}");
    assert!(!stdout(&output).contains(token), "the token leaks");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_nothing() {
    let setup = Setup::new().await;
    let file = setup.file("cohort.jsonl", "{\"user_id\": \"u1\", \"user_properties\": {\"email\": \"x@example.org\"}}\n");

    let output = setup
        .run(&[
            "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
            "--cohort-id", "7khm89cz", "--cohort-name", "Power users", "--dry-run",
        ])
        .await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(stdout(&output).contains("dry run"), "{}", stdout(&output));
    for endpoint in ["create_contact", "update_list_contact", "start_import"] {
        assert_eq!(setup.sim.request_count(Some(endpoint)), 0, "{endpoint}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn destination_check_reports_each_verdict() {
    let setup = Setup::new().await;

    let good = setup.run(&["destinations", "check", "nps-panel", "--json"]).await;
    let bad = run_binary(
        Some(&setup.config),
        &["destinations", "check", "nps-panel"],
        &[("TEST_QUALTRICS_TOKEN", "wrongTokenWrongTokenWrongTokenWrongToken")],
    )
    .await;

    assert_eq!(good.status.code(), Some(0), "stderr: {}", stderr(&good));
    let checks: Value = serde_json::from_str(&stdout(&good)).unwrap();
    let verdicts: Vec<&str> = checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["ok", "ok", "ok", "ok"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    assert!(text.contains("credentials"), "{text}");
    assert!(text.contains("FAILED"), "{text}");
    assert!(!text.contains("wrongToken"), "the token leaks: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_without_config() {
    let output = run_binary(None, &["demo"], &[]).await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("[Amplitude] Power users (7khm89cz)"), "{text}");
    assert!(text.contains("inactive"), "week 2 marks a leaver inactive: {text}");
    assert!(text.contains("unsubscribed"), "{text}");
}
