//! `cohortsync` with an Amplitude source: cohorts from the Amplitude simulator exported into
//! the Qualtrics simulator.

mod common;

use std::process::Output;

use amplitude_sim::{SeedMember, Simulator as AmplitudeSim};
use common::*;
use serde_json::Value;

const US_KEY: &str = "us-demo-api-key";
const US_SECRET: &str = "us-demo-secret-key";
const EU_KEY: &str = "eu-demo-api-key";
const EU_SECRET: &str = "eu-demo-secret-key";
/// "Power users" in the US project of the Amplitude simulator's example seed.
const POWER_USERS: &str = "9td3wv0p";

struct Both {
    qualtrics: Setup,
    amplitude: AmplitudeSim,
}

impl Both {
    async fn new(source_settings: &str) -> Both {
        let amplitude = AmplitudeSim::start(amplitude_sim::Seed::example()).await.unwrap();
        amplitude.set_job_seconds(0.0);
        let sources = format!(
            r#"
[[sources]]
name = "amp-us"
kind = "amplitude"
region = "us"
api_key_env = "TEST_AMP_KEY"
secret_key_env = "TEST_AMP_SECRET"
base_url = "{base}"
{source_settings}

[[sources]]
name = "amp-eu"
kind = "amplitude"
region = "eu"
api_key_env = "TEST_AMP_EU_KEY"
secret_key_env = "TEST_AMP_EU_SECRET"
base_url = "{base}"
"#,
            base = amplitude.base_url()
        );
        let qualtrics = Setup::with_extra_config(&sources).await;
        Both { qualtrics, amplitude }
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.run_with_keys(args, US_KEY, US_SECRET).await
    }

    async fn run_with_keys(&self, args: &[&str], key: &str, secret: &str) -> Output {
        run_binary(
            Some(&self.qualtrics.config),
            args,
            &[
                ("TEST_QUALTRICS_TOKEN", TOKEN),
                ("TEST_AMP_KEY", key),
                ("TEST_AMP_SECRET", secret),
                ("TEST_AMP_EU_KEY", EU_KEY),
                ("TEST_AMP_EU_SECRET", EU_SECRET),
            ],
        )
        .await
    }

    async fn export(&self, source: &str, cohort: &str) -> Output {
        self.run(&[
            "export", "--destination", "nps-panel", "--source", source,
            "--amplitude-cohort", cohort, "--json",
        ])
        .await
    }

    fn field_of(&self, email: &str, field: &str) -> Option<String> {
        let contacts = self.qualtrics.sim.contacts(DIRECTORY);
        let matching: Vec<_> = contacts
            .iter()
            .filter(|c| c.email.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case(email)))
            .collect();
        assert_eq!(matching.len(), 1, "contacts with email {email}");
        matching[0].embedded_data.get(field).cloned()
    }
}

fn report(output: &Output) -> Value {
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "stderr: {}",
        stderr(output)
    );
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

#[tokio::test(flavor = "multi_thread")]
async fn cohort_moves_from_amplitude_to_qualtrics() {
    let both = Both::new("").await;

    let output = both.export("amp-us", POWER_USERS).await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let report = report(&output);
    assert_eq!(report["cohort_name"], "Power users");
    assert_eq!(report["field"], "[Amplitude] Power users (9td3wv0p)");
    assert_eq!(report["counts"]["entered"], 1);
    assert_eq!(report["skipped_by_reason"]["invalid_email"], 1);
    assert_eq!(
        both.field_of("dee.moss@example.com", "[Amplitude] Power users (9td3wv0p)").as_deref(),
        Some("active")
    );
    // Only the destination's email property was requested.
    let requests = both.amplitude.requests();
    let request = requests
        .iter()
        .find(|r| r.endpoint == amplitude_sim::Endpoint::RequestCohort)
        .expect("a download was requested");
    assert!(request.uri.contains("propKeys=email"), "{}", request.uri);
    assert!(!request.uri.contains("sessions_30d"), "{}", request.uri);
}

#[tokio::test(flavor = "multi_thread")]
async fn membership_change_between_exports() {
    let both = Both::new("").await;
    both.export("amp-us", POWER_USERS).await;
    both.amplitude
        .set_members(
            US_KEY,
            POWER_USERS,
            vec![SeedMember::new("u-9", 880019999)
                .with_property("email", serde_json::json!("gil.new@example.com"))],
        )
        .unwrap();

    let output = both.export("amp-us", POWER_USERS).await;

    let report = report(&output);
    assert_eq!(report["counts"]["entered"], 1);
    assert_eq!(report["counts"]["left"], 1);
    let field = "[Amplitude] Power users (9td3wv0p)";
    assert_eq!(both.field_of("gil.new@example.com", field).as_deref(), Some("active"));
    assert_eq!(both.field_of("dee.moss@example.com", field).as_deref(), Some("inactive"));
}

#[tokio::test(flavor = "multi_thread")]
async fn eu_region_source_exports() {
    let both = Both::new("").await;

    let output = both.export("amp-eu", "e7u5rp2s").await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        both.field_of("fay.north@example.com", "[Amplitude] Newsletter readers (e7u5rp2s)").as_deref(),
        Some("active")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn monthly_budget_refuses_extra_download() {
    let both = Both::new("monthly_download_budget = 1").await;
    let first = both.export("amp-us", POWER_USERS).await;
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    let requests_before = both.amplitude.request_count(amplitude_sim::Endpoint::RequestCohort);

    let second = both.export("amp-us", POWER_USERS).await;

    assert_eq!(second.status.code(), Some(1));
    let message = stderr(&second);
    assert!(message.contains("1 of its 1"), "{message}");
    assert!(message.contains("monthly_download_budget"), "{message}");
    assert_eq!(
        both.amplitude.request_count(amplitude_sim::Endpoint::RequestCohort),
        requests_before,
        "no download was requested"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn amplitude_quota_exhausted_is_reported() {
    let both = Both::new("").await;
    both.amplitude.set_monthly_downloads(0);
    both.qualtrics.sim.clear_requests();

    let output = both.export("amp-us", POWER_USERS).await;

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.to_lowercase().contains("quota") || message.contains("429"), "{message}");
    assert_eq!(both.qualtrics.sim.request_count(Some("create_contact")), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_job_times_out_clearly() {
    let both = Both::new("download_timeout_secs = 1").await;
    both.amplitude.set_job_seconds(30.0);

    let output = both.export("amp-us", POWER_USERS).await;

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains(POWER_USERS), "{message}");
    assert!(message.contains("timed out") || message.contains("did not complete"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_keys_give_clear_message() {
    let both = Both::new("").await;

    let output = both
        .run_with_keys(
            &["cohorts", "list", "--source", "amp-us"],
            US_KEY,
            "not-the-secret",
        )
        .await;

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("TEST_AMP_SECRET"), "names the variable to fix: {message}");
    assert!(!message.contains("not-the-secret"), "the secret leaks: {message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cohorts_list_shows_ids_and_names() {
    let both = Both::new("").await;

    let output = both.run(&["cohorts", "list", "--source", "amp-us", "--json"]).await;

    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let cohorts: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let ids: Vec<&str> = cohorts.as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&POWER_USERS), "{ids:?}");
    assert!(ids.contains(&"4fq2xk7m"), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_id_as_email_requests_no_properties() {
    let both = Both::new(&format!(
        r#"
[[destinations]]
name = "by-user-id"
datacenter_id = "iad1"
directory_id = "{DIRECTORY}"
mailing_list_id = "{NPS_LIST}"
email_property = "[Amplitude] User ID"
api_token_env = "TEST_QUALTRICS_TOKEN"
base_url = "{{QUALTRICS}}"
"#
    ))
    .await;
    let config = std::fs::read_to_string(&both.qualtrics.config).unwrap();
    std::fs::write(
        &both.qualtrics.config,
        config.replace("{QUALTRICS}", &both.qualtrics.sim.base_url()),
    )
    .unwrap();

    let output = both
        .run(&[
            "export", "--destination", "by-user-id", "--source", "amp-us",
            "--amplitude-cohort", POWER_USERS, "--json",
        ])
        .await;

    let report = report(&output);
    assert_eq!(report["counts"]["entered"], 1, "{report}");
    assert_eq!(report["skipped_by_reason"]["missing_email"], 1, "{report}");
    assert_eq!(
        both.field_of("dee.moss@example.com", "[Amplitude] Power users (9td3wv0p)").as_deref(),
        Some("active")
    );
    let requests = both.amplitude.requests();
    let request = requests
        .iter()
        .find(|r| r.endpoint == amplitude_sim::Endpoint::RequestCohort)
        .expect("a download was requested");
    assert!(request.uri.contains("props=0"), "{}", request.uri);
    assert!(!request.uri.contains("propKeys"), "{}", request.uri);
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_destination_spends_no_download() {
    let both = Both::new("").await;

    let output = run_binary(
        Some(&both.qualtrics.config),
        &[
            "export", "--destination", "nps-panel", "--source", "amp-us",
            "--amplitude-cohort", POWER_USERS,
        ],
        &[
            ("TEST_QUALTRICS_TOKEN", "wrongTokenWrongTokenWrongTokenWrongToken"),
            ("TEST_AMP_KEY", US_KEY),
            ("TEST_AMP_SECRET", US_SECRET),
        ],
    )
    .await;

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("nothing was downloaded"), "{message}");
    assert!(message.contains("TEST_QUALTRICS_TOKEN"), "{message}");
    assert_eq!(both.amplitude.request_count(amplitude_sim::Endpoint::RequestCohort), 0);
}
