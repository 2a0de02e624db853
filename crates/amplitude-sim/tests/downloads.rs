//! Download jobs over time: slow jobs, link expiry, and members changing between downloads.

mod common;

use amplitude_sim::{Endpoint, Limits, SeedMember, Simulator};
use common::*;

#[tokio::test]
async fn slow_job_reports_in_progress() {
    let sim = Simulator::start(seed()).await.unwrap();
    sim.set_job_seconds(0.3);
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;

    let early = get(
        &base_url,
        &format!("/api/5/cohorts/request-status/{request_id}"),
    )
    .await;
    assert_eq!(early.status(), 202);
    assert_eq!(json(early).await["async_status"], "JOB INPROGRESS");
    let early_file = get(
        &base_url,
        &format!("/api/5/cohorts/request/{request_id}/file"),
    )
    .await;
    assert_eq!(early_file.status(), 400);

    // Poll until the job completes; the bound only keeps a broken simulator from hanging.
    let mut completed = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let status = get(
            &base_url,
            &format!("/api/5/cohorts/request-status/{request_id}"),
        )
        .await;
        if status.status() == 200 {
            assert_eq!(json(status).await["async_status"], "JOB COMPLETED");
            completed = true;
            break;
        }
    }
    assert!(completed, "job completes after about 0.3 s");
    sim.shutdown().await;
}

#[tokio::test]
async fn never_completing_cohort_stays_in_progress() {
    let mut seed = seed();
    seed.projects[0].cohorts[0].never_completes = true;
    let sim = Simulator::start(seed).await.unwrap();
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=0").await;

    let status = get(
        &sim.base_url(),
        &format!("/api/5/cohorts/request-status/{request_id}"),
    )
    .await;

    assert_eq!(status.status(), 202);
    assert_eq!(json(status).await["async_status"], "JOB INPROGRESS");
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_link_is_403_and_file_reissues() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();
    let request_id = request_download(&base_url, COHORT_ID, "props=0").await;
    let first = file_location(&base_url, &request_id).await;

    sim.expire_download_links();
    let expired = client().get(&first).send().await.unwrap();

    assert_eq!(expired.status(), 403);
    let body = expired.text().await.unwrap();
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert!(body.contains("Request has expired"), "{body}");

    let second = file_location(&base_url, &request_id).await;
    assert_ne!(first, second, "each /file call issues a new URL");
    let fresh = client().get(&second).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    assert_eq!(sim.request_count(Endpoint::Download), 2);
    assert_eq!(
        sim.downloads_used(API_KEY),
        Some(1),
        "re-fetching /file uses no quota"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn link_expires_after_url_seconds() {
    let limits = Limits {
        download_url_seconds: 0.0,
        ..Limits::default()
    };
    let sim = Simulator::start(seed_with(limits)).await.unwrap();
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=0").await;
    let location = file_location(&sim.base_url(), &request_id).await;

    let response = client().get(&location).send().await.unwrap();

    assert_eq!(response.status(), 403);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Request has expired"));
    sim.shutdown().await;
}

#[tokio::test]
async fn expire_route_revokes_links() {
    let sim = Simulator::start(seed()).await.unwrap();
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=0").await;
    let location = file_location(&sim.base_url(), &request_id).await;

    let expire = client()
        .post(format!("{}/_sim/download-links/expire", sim.base_url()))
        .send()
        .await
        .unwrap();

    assert_eq!(expire.status(), 204);
    assert_eq!(client().get(&location).send().await.unwrap().status(), 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn set_members_changes_next_download() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base_url = sim.base_url();
    let before = json(get(&base_url, "/api/3/cohorts").await).await;
    let old_request = request_download(&base_url, COHORT_ID, "props=1&propKeys=email").await;

    let newcomer = SeedMember::new("u-3", 103).with_property("email", "cat.three@example.com");
    sim.set_members(API_KEY, COHORT_ID, vec![newcomer]).unwrap();
    let new_request = request_download(&base_url, COHORT_ID, "props=1&propKeys=email").await;

    let old_csv = client()
        .get(file_location(&base_url, &old_request).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let new_csv = client()
        .get(file_location(&base_url, &new_request).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        old_csv.contains("u-1"),
        "a job keeps the members of its request time"
    );
    assert_eq!(
        new_csv,
        "\"amplitude_id\",\"user_id\",\"email\"\n\"103\",\"u-3\",\"cat.three@example.com\"\n"
    );
    let after = json(get(&base_url, "/api/3/cohorts").await).await;
    assert_eq!(after["cohorts"][0]["size"], 1);
    assert!(
        after["cohorts"][0]["lastComputed"].as_i64()
            > before["cohorts"][0]["lastComputed"].as_i64()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn put_members_route() {
    let sim = Simulator::start(seed()).await.unwrap();
    let url = format!(
        "{}/_sim/projects/{API_KEY}/cohorts/{COHORT_ID}/members",
        sim.base_url()
    );
    let body = serde_json::json!({
        "members": [{ "user_id": "u-9", "amplitude_id": 109, "user_properties": { "email": "dan.nine@example.com" } }]
    });

    let response = client().put(&url).json(&body).send().await.unwrap();

    assert_eq!(response.status(), 200);
    let list = json(get(&sim.base_url(), "/api/3/cohorts").await).await;
    assert_eq!(list["cohorts"][0]["size"], 1);
    let request_id = request_download(&sim.base_url(), COHORT_ID, "props=1").await;
    let csv = client()
        .get(file_location(&sim.base_url(), &request_id).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv,
        "\"amplitude_id\",\"user_id\",\"email\"\n\"109\",\"u-9\",\"dan.nine@example.com\"\n"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn put_members_bare_array_and_unknown_cohort() {
    let sim = Simulator::start(seed()).await.unwrap();
    let base = format!("{}/_sim/projects/{API_KEY}/cohorts", sim.base_url());
    let body = serde_json::json!([{ "amplitude_id": 110 }]);

    let bare = client()
        .put(format!("{base}/{COHORT_ID}/members"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let unknown = client()
        .put(format!("{base}/nosuch01/members"))
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(bare.status(), 200);
    assert_eq!(unknown.status(), 404);
    assert!(json(unknown).await["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nosuch01"));
    sim.shutdown().await;
}
