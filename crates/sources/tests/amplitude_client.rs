//! The Amplitude client against the Amplitude simulator on loopback.

use std::time::Duration;

use amplitude_sim::{Endpoint, Seed, SeedMember, Simulator};
use cohortsync_domain::{CohortId, Member};
use cohortsync_sources::amplitude::{
    AmplitudeClient, AmplitudeError, AmplitudeSettings, DownloadOptions, Region,
};
use secrecy::SecretString;

const US_API_KEY: &str = "us-demo-api-key";
const US_SECRET_KEY: &str = "us-demo-secret-key";
const TRIAL_COHORT: &str = "4fq2xk7m";

/// Builds a client for `region` pointed at the simulator, with short retry waits.
fn client_for(sim: &Simulator, region: Region, api_key: &str, secret_key: &str) -> AmplitudeClient {
    let mut settings = AmplitudeSettings::new(region)
        .with_base_url(&sim.base_url())
        .unwrap();
    settings.retry_initial_delay = Duration::from_millis(10);
    settings.retry_max_delay = Duration::from_millis(20);
    AmplitudeClient::new(
        settings,
        SecretString::from(api_key),
        SecretString::from(secret_key),
    )
    .unwrap()
}

fn us_client(sim: &Simulator) -> AmplitudeClient {
    client_for(sim, Region::Us, US_API_KEY, US_SECRET_KEY)
}

/// Polls every 20 ms for at most 2 s.
fn options(prop_keys: &[&str]) -> DownloadOptions {
    DownloadOptions {
        prop_keys: prop_keys.iter().map(|key| key.to_string()).collect(),
        poll_initial: Duration::from_millis(20),
        poll_max: Duration::from_millis(20),
        max_wait: Duration::from_secs(2),
        temp_dir: None,
    }
}

/// Returns the example seed with jobs that complete at once, so call counts are exact.
fn example_seed() -> Seed {
    let mut seed = Seed::example();
    seed.limits.job_seconds = 0.0;
    seed
}

fn cohort(id: &str) -> CohortId {
    CohortId::new(id).unwrap()
}

fn read_all(download: &cohortsync_sources::amplitude::DownloadedCohort) -> Vec<Member> {
    download
        .members()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

#[tokio::test]
async fn list_cohorts_reads_both_time_units() {
    let sim = Simulator::start(example_seed()).await.unwrap();

    let cohorts = us_client(&sim).list_cohorts().await.unwrap();

    assert_eq!(cohorts.len(), 2);
    let trial = &cohorts[0];
    assert_eq!(trial.id.as_str(), TRIAL_COHORT);
    assert_eq!(trial.name, "Trial users, week 1");
    assert_eq!(trial.size, Some(3));
    assert!(!trial.archived);
    let computed = trial
        .last_computed
        .expect("lastComputed in milliseconds parsed");
    let modified = trial.last_modified.expect("lastMod in seconds parsed");
    assert_eq!(
        computed.timestamp(),
        modified.timestamp(),
        "both units give the same second"
    );
    assert!(computed.timestamp() > 1_700_000_000);
    sim.shutdown().await;
}

#[tokio::test]
async fn full_download_parses_members() {
    let sim = Simulator::start(example_seed()).await.unwrap();

    let download = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &options(&["email", "first_name"]))
        .await
        .unwrap();

    assert!(download.bytes > 0);
    assert_eq!(download.cohort_id.as_str(), TRIAL_COHORT);
    assert!(!download.request_id.is_empty());
    let members = read_all(&download);
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].user_id.as_deref(), Some("u-1001"));
    assert_eq!(members[0].amplitude_id.as_deref(), Some("880010001"));
    assert_eq!(members[0].properties["email"], "ada.lane@example.com");
    assert_eq!(members[2].properties["first_name"], "Cy, Jr.");
    assert!(
        !members[0].properties.contains_key("plan"),
        "only requested properties"
    );
    let recorded = sim.requests();
    let request = recorded
        .iter()
        .find(|r| r.endpoint == Endpoint::RequestCohort)
        .unwrap();
    assert!(
        request
            .uri
            .contains("props=1&propKeys=email&propKeys=first_name"),
        "{}",
        request.uri
    );

    let path = download.path().to_path_buf();
    drop(download);
    assert!(!path.exists(), "the temporary file is removed on drop");
    sim.shutdown().await;
}

#[tokio::test]
async fn no_prop_keys_requests_props_zero() {
    let sim = Simulator::start(example_seed()).await.unwrap();

    let download = us_client(&sim)
        .download_cohort(&cohort("9td3wv0p"), &options(&[]))
        .await
        .unwrap();

    let members = read_all(&download);
    assert_eq!(members.len(), 2);
    assert!(members[0].properties.is_empty());
    assert_eq!(
        members[1].user_id, None,
        "an anonymous member has no user ID"
    );
    let recorded = sim.requests();
    assert!(recorded
        .iter()
        .any(|r| r.uri.ends_with("/9td3wv0p?props=0")));
    sim.shutdown().await;
}

#[tokio::test]
async fn members_changed_between_downloads() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    let client = us_client(&sim);
    let first = client
        .download_cohort(&cohort(TRIAL_COHORT), &options(&["email"]))
        .await
        .unwrap();

    let newcomer =
        SeedMember::new("u-1009", 880010009).with_property("email", "gus.west@example.com");
    sim.set_members(US_API_KEY, TRIAL_COHORT, vec![newcomer])
        .unwrap();
    let second = client
        .download_cohort(&cohort(TRIAL_COHORT), &options(&["email"]))
        .await
        .unwrap();

    assert_eq!(read_all(&first).len(), 3);
    let members = read_all(&second);
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].properties["email"], "gus.west@example.com");
    let listed = client.list_cohorts().await.unwrap();
    assert_eq!(listed[0].size, Some(1));
    sim.shutdown().await;
}

#[tokio::test]
async fn eu_region_through_override() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    let client = client_for(&sim, Region::Eu, "eu-demo-api-key", "eu-demo-secret-key");

    let cohorts = client.list_cohorts().await.unwrap();
    let download = client
        .download_cohort(&cohort("e7u5rp2s"), &options(&["language"]))
        .await
        .unwrap();

    assert_eq!(client.settings().region, Region::Eu);
    let ids: Vec<&str> = cohorts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["e7u5rp2s"]);
    let members = read_all(&download);
    assert_eq!(members[0].properties["language"], "de");
    sim.shutdown().await;
}

#[tokio::test]
async fn quota_exhausted_names_quota() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    sim.set_monthly_downloads(1);
    let client = us_client(&sim);
    client
        .download_cohort(&cohort(TRIAL_COHORT), &options(&[]))
        .await
        .unwrap();

    let error = client
        .download_cohort(&cohort(TRIAL_COHORT), &options(&[]))
        .await
        .unwrap_err();

    assert!(
        matches!(error, AmplitudeError::RateLimited { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("429"), "{message}");
    assert!(
        message.contains("monthly cohort download quota of 1"),
        "{message}"
    );
    assert_eq!(
        sim.request_count(Endpoint::RequestCohort),
        2,
        "a 429 is not retried"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_link_is_renewed_once() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    let client = us_client(&sim);
    sim.hold(Endpoint::Download);

    let download = tokio::spawn(async move {
        client
            .download_cohort(&cohort(TRIAL_COHORT), &options(&["email"]))
            .await
    });
    sim.wait_for_held(1).await;
    sim.expire_download_links();
    sim.release_held();
    let download = download.await.unwrap().unwrap();

    assert_eq!(read_all(&download).len(), 3);
    assert_eq!(
        sim.request_count(Endpoint::File),
        2,
        "the file link was requested again"
    );
    let statuses: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.endpoint == Endpoint::Download)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [403, 200]);
    assert_eq!(
        sim.downloads_used(US_API_KEY),
        Some(1),
        "renewal uses no download quota"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn link_expiring_twice_fails_clearly() {
    let mut seed = example_seed();
    seed.limits.download_url_seconds = 0.0;
    let sim = Simulator::start(seed).await.unwrap();

    let error = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &options(&[]))
        .await
        .unwrap_err();

    assert!(
        matches!(error, AmplitudeError::DownloadLinkExpired { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(TRIAL_COHORT), "{message}");
    assert!(message.contains("expired again"), "{message}");
    assert_eq!(sim.request_count(Endpoint::File), 2);
    assert_eq!(sim.request_count(Endpoint::Download), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn job_never_completing_times_out() {
    let mut seed = example_seed();
    seed.projects[0].cohorts[0].never_completes = true;
    let sim = Simulator::start(seed).await.unwrap();
    let mut short_wait = options(&[]);
    short_wait.max_wait = Duration::from_millis(200);

    let error = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &short_wait)
        .await
        .unwrap_err();

    let AmplitudeError::Timeout {
        cohort_id,
        request_id,
        waited,
    } = &error
    else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(cohort_id, TRIAL_COHORT);
    assert!(!request_id.is_empty());
    assert!(*waited >= Duration::from_millis(200), "{waited:?}");
    let message = error.to_string();
    assert!(message.contains(TRIAL_COHORT), "{message}");
    assert!(message.contains(request_id.as_str()), "{message}");
    assert!(message.contains("timed out"), "{message}");
    assert!(message.contains("max_wait"), "{message}");
    assert_eq!(sim.request_count(Endpoint::File), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_job_is_polled_until_complete() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    sim.set_job_seconds(0.15);

    let download = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &options(&[]))
        .await
        .unwrap();

    assert_eq!(read_all(&download).len(), 3);
    let polls = sim.request_count(Endpoint::RequestStatus);
    assert!(polls >= 2, "polled {polls} times");
    let statuses: Vec<u16> = sim
        .requests()
        .iter()
        .filter(|r| r.endpoint == Endpoint::RequestStatus)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses.first(), Some(&202));
    assert_eq!(statuses.last(), Some(&200));
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_keys_explain_401() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    let client = client_for(&sim, Region::Us, US_API_KEY, "wrong-secret-value");

    let error = client.list_cohorts().await.unwrap_err();

    assert!(
        matches!(error, AmplitudeError::Unauthorized { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("API key or secret key"), "{message}");
    assert!(
        !message.contains("wrong-secret-value"),
        "the secret is not in the message"
    );
    assert!(
        !format!("{client:?}").contains("wrong-secret-value"),
        "the secret is not in Debug"
    );
    assert_eq!(
        sim.request_count(Endpoint::ListCohorts),
        1,
        "a 401 is not retried"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn server_errors_are_retried() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    sim.fail_next(Endpoint::RequestStatus, 2, 503);
    sim.fail_next(Endpoint::Download, 1, 500);

    let download = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &options(&[]))
        .await
        .unwrap();

    assert_eq!(read_all(&download).len(), 3);
    assert_eq!(sim.request_count(Endpoint::RequestStatus), 3);
    assert_eq!(sim.request_count(Endpoint::Download), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn persistent_server_error_reports_status() {
    let sim = Simulator::start(example_seed()).await.unwrap();
    sim.set_faults(amplitude_sim::Faults::none().always(Endpoint::ListCohorts, 502));

    let error = us_client(&sim).list_cohorts().await.unwrap_err();

    let AmplitudeError::Status { status, body, .. } = &error else {
        panic!("expected a status error, got {error:?}");
    };
    assert_eq!(*status, 502);
    assert!(body.contains("injected fault"), "{body}");
    assert_eq!(
        sim.request_count(Endpoint::ListCohorts),
        4,
        "one call and three retries"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_cohort_is_not_found() {
    let sim = Simulator::start(example_seed()).await.unwrap();

    let error = us_client(&sim)
        .download_cohort(&cohort("nosuch01"), &options(&[]))
        .await
        .unwrap_err();

    assert!(
        matches!(error, AmplitudeError::CohortNotFound { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("nosuch01"));
    sim.shutdown().await;
}

#[tokio::test]
async fn inline_file_is_streamed() {
    let mut seed = example_seed();
    seed.projects[0].inline_file = true;
    let sim = Simulator::start(seed).await.unwrap();
    let temp_dir = tempfile::tempdir().unwrap();
    let mut in_dir = options(&["email"]);
    in_dir.temp_dir = Some(temp_dir.path().to_path_buf());

    let download = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &in_dir)
        .await
        .unwrap();

    assert!(download.path().starts_with(temp_dir.path()));
    assert_eq!(read_all(&download).len(), 3);
    assert_eq!(
        sim.request_count(Endpoint::Download),
        0,
        "no redirect was issued"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn poll_rate_limit_is_waited_out() {
    let mut seed = example_seed();
    seed.limits.requests_per_window = 3;
    seed.limits.window_seconds = 1.0;
    seed.limits.job_seconds = 0.1;
    let sim = Simulator::start(seed).await.unwrap();
    let mut patient = options(&[]);
    patient.max_wait = Duration::from_secs(5);

    let download = us_client(&sim)
        .download_cohort(&cohort(TRIAL_COHORT), &patient)
        .await
        .unwrap();

    assert_eq!(read_all(&download).len(), 3);
    let limited = sim
        .requests()
        .iter()
        .filter(|r| r.endpoint == Endpoint::RequestStatus && r.status == 429)
        .count();
    assert!(limited >= 1, "the poll hit the rate limit at least once");
    sim.shutdown().await;
}
