//! Quotas, rate limits and injected faults.

mod common;

use amplitude_sim::{Endpoint, Faults, Limits, Simulator};
use common::*;

#[tokio::test]
async fn monthly_quota_exhausted_is_429() {
    let limits = Limits {
        monthly_downloads: 2,
        ..Limits::default()
    };
    let sim = Simulator::start(seed_with(limits)).await.unwrap();
    let base_url = sim.base_url();
    request_download(&base_url, COHORT_ID, "props=0").await;
    request_download(&base_url, COHORT_ID, "props=0").await;

    let third = get(
        &base_url,
        &format!("/api/5/cohorts/request/{COHORT_ID}?props=0"),
    )
    .await;

    assert_eq!(third.status(), 429);
    let message = json(third).await["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("monthly cohort download quota of 2"),
        "{message}"
    );
    assert_eq!(sim.downloads_used(API_KEY), Some(2));
    sim.shutdown().await;
}

#[tokio::test]
async fn concurrent_jobs_limit_is_429() {
    let limits = Limits {
        concurrent_jobs: 2,
        ..Limits::default()
    };
    let mut seed = seed_with(limits);
    seed.projects[0].cohorts[0].never_completes = true;
    let sim = Simulator::start(seed).await.unwrap();
    let base_url = sim.base_url();
    request_download(&base_url, COHORT_ID, "props=0").await;
    request_download(&base_url, COHORT_ID, "props=0").await;

    let third = get(
        &base_url,
        &format!("/api/5/cohorts/request/{COHORT_ID}?props=0"),
    )
    .await;

    assert_eq!(third.status(), 429);
    let message = json(third).await["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("at most 2 cohort download jobs"),
        "{message}"
    );
    assert_eq!(
        sim.downloads_used(API_KEY),
        Some(2),
        "a rejected request uses no quota"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn window_limit_is_429_with_retry_after() {
    let limits = Limits {
        requests_per_window: 3,
        ..Limits::default()
    };
    let sim = Simulator::start(seed_with(limits)).await.unwrap();
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;
    let status_path = format!("/api/5/cohorts/request-status/{request_id}");
    assert_eq!(get(&base_url, &status_path).await.status(), 200);
    assert_eq!(get(&base_url, &status_path).await.status(), 200);

    let fourth = get(&base_url, &status_path).await;

    assert_eq!(fourth.status(), 429);
    let retry_after: u64 = fourth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=601).contains(&retry_after),
        "retry-after {retry_after}"
    );
    let message = json(fourth).await["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("3 single-cohort requests per 600 seconds"),
        "{message}"
    );
    let list = get(&base_url, "/api/3/cohorts").await;
    assert_eq!(
        list.status(),
        200,
        "listing cohorts is not a single-cohort call"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn parallel_limit_is_429() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;
    let status_path = format!("/api/5/cohorts/request-status/{request_id}");

    sim.hold(Endpoint::RequestStatus);
    let mut held = Vec::new();
    for _ in 0..4 {
        let base_url = base_url.clone();
        let status_path = status_path.clone();
        held.push(tokio::spawn(async move {
            get(&base_url, &status_path).await.status()
        }));
    }
    sim.wait_for_held(4).await;
    let fifth = get(&base_url, &status_path).await;

    assert_eq!(fifth.status(), 429);
    let message = json(fifth).await["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("at most 4 single-cohort requests at once"),
        "{message}"
    );
    sim.release_held();
    for call in held {
        assert_eq!(call.await.unwrap(), 200);
    }
    assert_eq!(
        get(&base_url, &status_path).await.status(),
        200,
        "slots free after release"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn fail_next_then_succeeds() {
    let sim = Simulator::start(seed()).await.unwrap();
    sim.fail_next(Endpoint::ListCohorts, 2, 503);

    let first = get(&sim.base_url(), "/api/3/cohorts").await;
    let second = get(&sim.base_url(), "/api/3/cohorts").await;
    let third = get(&sim.base_url(), "/api/3/cohorts").await;

    assert_eq!(first.status(), 503);
    assert_eq!(second.status(), 503);
    assert_eq!(third.status(), 200);
    assert_eq!(sim.request_count(Endpoint::ListCohorts), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn standing_fault_until_cleared() {
    let sim = Simulator::start(seed()).await.unwrap();
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=0").await;
    let location = file_location(&sim.base_url(), &request_id).await;
    sim.set_faults(Faults::none().always(Endpoint::Download, 500));

    let failing = client().get(&location).send().await.unwrap();
    sim.set_faults(Faults::none());
    let recovered = client().get(&location).send().await.unwrap();

    assert_eq!(failing.status(), 500);
    assert_eq!(recovered.status(), 200);
    sim.shutdown().await;
}
