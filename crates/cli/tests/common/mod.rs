//! A Qualtrics simulator, a config file pointing at it, and a way to run the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use qualtrics_sim::{Seed, Simulator};

pub const TOKEN: &str = "simTokenExample0000000000000000000000001";
pub const DIRECTORY: &str = "POOL_ExAmPlEdIr00001";
pub const NPS_LIST: &str = "CG_NpSpAnElLiSt001";

pub struct Setup {
    pub sim: Simulator,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Setup {
    pub async fn new() -> Setup {
        Self::with_extra_config("").await
    }

    /// Appends `extra` (e.g. a `[[sources]]` table) to the config file.
    pub async fn with_extra_config(extra: &str) -> Setup {
        let sim = Simulator::start(Seed::example()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("cohortsync.toml");
        let text = format!(
            r#"[store]
url = "sqlite://{store}"

[[destinations]]
name = "nps-panel"
datacenter_id = "iad1"
directory_id = "{DIRECTORY}"
mailing_list_id = "{NPS_LIST}"
email_property = "email"
api_token_env = "TEST_QUALTRICS_TOKEN"
base_url = "{base}"
"#,
            store = dir.path().join("state.db").display(),
            base = sim.base_url(),
        ) + extra;
        std::fs::write(&config, text).unwrap();
        Setup { sim, dir, config }
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        run_binary(Some(&self.config), args, &[("TEST_QUALTRICS_TOKEN", TOKEN)]).await
    }
}

pub async fn run_binary(config: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cohortsync"));
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.args(args).env_remove("COHORTSYNC_CONFIG").env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

