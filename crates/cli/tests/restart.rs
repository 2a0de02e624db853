//! A run killed halfway, then run again: every row ends right and no contact is duplicated.

mod common;

use std::time::{Duration, Instant};

use common::*;
use qualtrics_sim::Faults;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn killed_run_converges_on_rerun() {
    let setup = Setup::new().await;
    // Slow creates down so the process is still writing when it is killed.
    setup.sim.set_faults(
        Some("create_contact"),
        Faults {
            latency_ms: 25,
            ..Faults::default()
        },
    );
    let mut csv = String::from("\"amplitude_id\",\"user_id\",\"email\"\n");
    for n in 0..40 {
        csv.push_str(&format!("\"{n}\",\"u-{n}\",\"member-{n}@example.org\"\n"));
    }
    let file = setup.file("cohort.csv", &csv);
    let args = [
        "export", "--destination", "nps-panel", "--file", file.to_str().unwrap(),
        "--cohort-id", "7khm89cz", "--cohort-name", "Power users", "--json",
    ];

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cohortsync"))
        .arg("--config")
        .arg(&setup.config)
        .args(args)
        .env("TEST_QUALTRICS_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while setup.sim.request_count(Some("create_contact")) < 12 {
        assert!(Instant::now() < deadline, "the export never reached its twelfth create");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let created_before_kill = setup.sim.request_count(Some("create_contact"));
    assert!(created_before_kill < 40, "the run finished before it was killed");

    setup.sim.set_faults(Some("create_contact"), Faults::default());
    let output = setup.run(&args).await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["status"], "succeeded");
    let entered = report["counts"]["entered"].as_u64().unwrap();
    let unchanged = report["counts"]["unchanged"].as_u64().unwrap();
    assert_eq!(entered + unchanged, 40);
    assert!(unchanged > 0, "rows confirmed before the kill are not sent again");
    let contacts = setup.sim.contacts(DIRECTORY);
    for n in 0..40 {
        let email = format!("member-{n}@example.org");
        let matching: Vec<_> = contacts
            .iter()
            .filter(|c| c.email.as_deref() == Some(email.as_str()))
            .collect();
        assert_eq!(matching.len(), 1, "{email}");
        assert_eq!(
            matching[0].embedded_data.get("[Amplitude] Power users (7khm89cz)").map(String::as_str),
            Some("active"),
            "{email}"
        );
    }

    let runs = setup.run(&["runs", "list", "--json"]).await;
    let runs: Value = serde_json::from_str(&stdout(&runs)).unwrap();
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[1]["status"], "interrupted");
}
