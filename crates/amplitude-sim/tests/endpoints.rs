//! Each simulated endpoint's shape, status codes and auth, driven with raw HTTP calls.

mod common;

use amplitude_sim::{Endpoint, Region, Seed, Simulator};
use common::*;

#[tokio::test]
async fn list_cohorts_shape() {
    let sim = Simulator::start(Seed::example()).await.unwrap();

    let response = get_as(
        &sim.base_url(),
        "/api/3/cohorts",
        "us-demo-api-key",
        "us-demo-secret-key",
    )
    .await;

    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let cohorts = body["cohorts"].as_array().expect("cohorts array");
    assert_eq!(cohorts.len(), 2);
    let first = &cohorts[0];
    assert_eq!(first["id"], "4fq2xk7m");
    assert_eq!(first["name"], "Trial users, week 1");
    assert_eq!(first["size"], 3);
    assert_eq!(first["archived"], false);
    assert_eq!(first["published"], true);
    let last_computed = first["lastComputed"].as_i64().expect("lastComputed number");
    let last_mod = first["lastMod"].as_i64().expect("lastMod number");
    assert!(
        last_computed > 1_000_000_000_000,
        "lastComputed is in milliseconds"
    );
    assert!(last_mod < 100_000_000_000, "lastMod is in seconds");
    assert_eq!(sim.request_count(Endpoint::ListCohorts), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn list_cohorts_only_own_project() {
    let sim = Simulator::start(Seed::example()).await.unwrap();

    let response = get_as(
        &sim.base_url(),
        "/api/3/cohorts",
        "eu-demo-api-key",
        "eu-demo-secret-key",
    )
    .await;

    let body = json(response).await;
    let ids: Vec<&str> = body["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e7u5rp2s"]);
    assert_eq!(sim.region("eu-demo-api-key"), Some(Region::Eu));
    assert_eq!(sim.region("us-demo-api-key"), Some(Region::Us));
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_secret_is_401_json() {
    let sim = Simulator::start(seed()).await.unwrap();

    let response = get_as(&sim.base_url(), "/api/3/cohorts", API_KEY, "not-the-secret").await;

    assert_eq!(response.status(), 401);
    let body = json(response).await;
    assert_eq!(body["error"]["code"], 401);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("secret key"));
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_auth_is_401() {
    let sim = Simulator::start(seed()).await.unwrap();

    let response = client()
        .get(format!("{}/api/3/cohorts", sim.base_url()))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let body = json(response).await;
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Basic auth"));
    let recorded = sim.requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, 401);
    assert_eq!(recorded[0].api_key, None);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_cohort_is_404() {
    let sim = Simulator::start(seed()).await.unwrap();

    let response = get(&sim.base_url(), "/api/5/cohorts/request/nosuch01?props=0").await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        sim.downloads_used(API_KEY),
        Some(0),
        "a 404 does not use the quota"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_request_id_is_404() {
    let sim = Simulator::start(seed()).await.unwrap();

    let status = get(
        &sim.base_url(),
        "/api/5/cohorts/request-status/nosuchrequest",
    )
    .await;
    let file = get(&sim.base_url(), "/api/5/cohorts/request/nosuchrequest/file").await;

    assert_eq!(status.status(), 404);
    assert_eq!(file.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn full_download_with_prop_keys() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();

    let response = get(
        &base_url,
        &format!("/api/5/cohorts/request/{COHORT_ID}?props=1&propKeys=email"),
    )
    .await;
    assert_eq!(response.status(), 202);
    let body = json(response).await;
    assert_eq!(body["cohort_id"], COHORT_ID);
    let request_id = body["request_id"].as_str().unwrap().to_string();

    let status = get(
        &base_url,
        &format!("/api/5/cohorts/request-status/{request_id}"),
    )
    .await;
    assert_eq!(status.status(), 200);
    let status_body = json(status).await;
    assert_eq!(status_body["async_status"], "JOB COMPLETED");
    assert_eq!(status_body["request_id"], request_id.as_str());

    let location = file_location(&base_url, &request_id).await;
    assert!(
        location.starts_with(&format!("{base_url}/_sim/download/")),
        "{location}"
    );
    let download = client().get(&location).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let csv = download.text().await.unwrap();
    assert_eq!(
        csv,
        "\"amplitude_id\",\"user_id\",\"email\"\n\"101\",\"u-1\",\"ann.one@example.com\"\n\"102\",\"u-2\",\"ben.two@example.com\"\n"
    );
    assert_eq!(sim.request_count(Endpoint::Download), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn props_one_without_keys_is_all() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();

    let all = request_download(&base_url, COHORT_ID, "props=1").await;
    let none = request_download(&base_url, COHORT_ID, "props=0").await;

    let all_csv = client()
        .get(file_location(&base_url, &all).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let none_csv = client()
        .get(file_location(&base_url, &none).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        all_csv.starts_with("\"amplitude_id\",\"user_id\",\"email\",\"plan\"\n"),
        "{all_csv}"
    );
    assert!(
        all_csv.contains("\"102\",\"u-2\",\"ben.two@example.com\",\"\"\n"),
        "{all_csv}"
    );
    assert!(
        none_csv.starts_with("\"amplitude_id\",\"user_id\"\n\"101\",\"u-1\"\n"),
        "{none_csv}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn inline_query_returns_csv() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;

    let response = get(
        &base_url,
        &format!("/api/5/cohorts/request/{request_id}/file?inline=1"),
    )
    .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv");
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("\"amplitude_id\",\"user_id\"\n"));
    sim.shutdown().await;
}

#[tokio::test]
async fn inline_file_project_flag() {
    let mut seed = seed();
    seed.projects[0].inline_file = true;
    let sim = Simulator::start(seed).await.unwrap();
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;

    let response = get(
        &base_url,
        &format!("/api/5/cohorts/request/{request_id}/file"),
    )
    .await;

    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("\"101\",\"u-1\""));
    sim.shutdown().await;
}

#[tokio::test]
async fn other_project_cannot_see_request() {
    let mut seed = seed();
    let mut other = seed.projects[0].clone();
    other.api_key = "other-key".into();
    other.secret_key = "other-secret".into();
    seed.projects.push(other);
    let sim = Simulator::start(seed).await.unwrap();
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=0").await;

    let path = format!("/api/5/cohorts/request-status/{request_id}");
    let response = get_as(&sim.base_url(), &path, "other-key", "other-secret").await;

    assert_eq!(response.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn seed_rejects_bad_input() {
    let duplicate = r#"{"projects": [
        {"apiKey": "k", "secretKey": "s", "region": "us"},
        {"apiKey": "k", "secretKey": "t", "region": "eu"}]}"#;
    let unknown_key = r#"{"projects": [], "limits": {"monthlyDownload": 3}}"#;
    let bad_region = r#"{"projects": [{"apiKey": "k", "secretKey": "s", "region": "apac"}]}"#;

    let duplicate_error = Seed::from_json(duplicate).unwrap_err().to_string();
    let unknown_error = Seed::from_json(unknown_key).unwrap_err().to_string();
    let region_error = Seed::from_json(bad_region).unwrap_err().to_string();

    assert!(
        duplicate_error.contains("apiKey \"k\" is used by two projects"),
        "{duplicate_error}"
    );
    assert!(unknown_error.contains("monthlyDownload"), "{unknown_error}");
    assert!(region_error.contains("apac"), "{region_error}");
}

#[tokio::test]
async fn seed_limits_default_per_key() {
    let seed = Seed::from_json(r#"{"projects": [], "limits": {"jobSeconds": 0.5}}"#).unwrap();

    assert_eq!(seed.limits.job_seconds, 0.5);
    assert_eq!(seed.limits.monthly_downloads, 500);
    assert_eq!(seed.limits.download_url_seconds, 60.0);
}
