//! The `qualtrics-sim` binary started from the example seed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::*;

/// Kills the child process when the test ends, pass or fail.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_example_seed() {
    let child = Command::new(env!("CARGO_BIN_EXE_qualtrics-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut child = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base_url = line
        .trim()
        .strip_prefix("qualtrics-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();

    let response = reqwest::Client::new()
        .get(format!(
            "{base_url}/API/v3/directories/{DIR}/mailinglists/{NPS}/contacts?includeEmbedded=true"
        ))
        .header("X-API-TOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;

    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body["result"]["elements"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn binary_stops_on_sigterm() {
    let child = Command::new(env!("CARGO_BIN_EXE_qualtrics-sim"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut child = KillOnDrop(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();

    let sent = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("kill runs");
    let exit = child.0.wait().unwrap();

    assert!(line.starts_with("qualtrics-sim listening on "), "{line:?}");
    assert!(sent.success());
    assert!(exit.success(), "exit status {exit}");
}

#[test]
fn binary_rejects_unknown_seed_key() {
    let dir = std::env::temp_dir().join(format!("qualtrics-sim-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("bad.json");
    std::fs::write(
        &seed,
        r#"{"brandId": "b", "datacenterId": "iad1", "apiTokenz": []}"#,
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_qualtrics-sim"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("apiTokenz"),
        "stderr names the key: {stderr}"
    );
}
