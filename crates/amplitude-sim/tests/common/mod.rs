//! Helpers shared by the simulator's integration tests: a raw HTTP client and seeds.

#![allow(dead_code)]

use amplitude_sim::{Limits, Region, Seed, SeedCohort, SeedMember, SeedProject};

pub const API_KEY: &str = "test-api-key";
pub const SECRET_KEY: &str = "test-secret-key";
pub const COHORT_ID: &str = "c0h0rt01";

/// Builds a client that does not follow redirects, so tests see the 302 itself.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// Sends an authenticated GET with the test project's keys.
pub async fn get(base_url: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{base_url}{path}"))
        .basic_auth(API_KEY, Some(SECRET_KEY))
        .send()
        .await
        .expect("request reaches the simulator")
}

/// Sends a GET with the given credentials.
pub async fn get_as(
    base_url: &str,
    path: &str,
    api_key: &str,
    secret_key: &str,
) -> reqwest::Response {
    client()
        .get(format!("{base_url}{path}"))
        .basic_auth(api_key, Some(secret_key))
        .send()
        .await
        .expect("request reaches the simulator")
}

pub async fn json(response: reqwest::Response) -> serde_json::Value {
    response.json().await.expect("body is JSON")
}

pub fn members() -> Vec<SeedMember> {
    vec![
        SeedMember::new("u-1", 101)
            .with_property("email", "ann.one@example.com")
            .with_property("plan", "pro"),
        SeedMember::new("u-2", 102).with_property("email", "ben.two@example.com"),
    ]
}

pub fn cohort(id: &str, members: Vec<SeedMember>) -> SeedCohort {
    SeedCohort {
        id: id.to_string(),
        name: format!("Cohort {id}"),
        description: String::new(),
        archived: false,
        published: true,
        never_completes: false,
        members,
    }
}

/// Builds a seed of one US project with one cohort of two members, and the given limits.
pub fn seed_with(limits: Limits) -> Seed {
    Seed {
        projects: vec![SeedProject {
            api_key: API_KEY.into(),
            secret_key: SECRET_KEY.into(),
            region: Region::Us,
            inline_file: false,
            cohorts: vec![cohort(COHORT_ID, members())],
        }],
        limits,
    }
}

pub fn seed() -> Seed {
    seed_with(Limits::default())
}

/// Requests a download and returns its request ID.
pub async fn request_download(base_url: &str, cohort_id: &str, query: &str) -> String {
    let response = get(
        base_url,
        &format!("/api/5/cohorts/request/{cohort_id}?{query}"),
    )
    .await;
    assert_eq!(response.status(), 202, "download request accepted");
    let body = json(response).await;
    body["request_id"]
        .as_str()
        .expect("request_id is a string")
        .to_string()
}

/// Fetches `/file` for a completed request and returns the redirect target.
pub async fn file_location(base_url: &str, request_id: &str) -> String {
    let response = get(
        base_url,
        &format!("/api/5/cohorts/request/{request_id}/file"),
    )
    .await;
    assert_eq!(response.status(), 302, "file answers with a redirect");
    response.headers()["location"]
        .to_str()
        .expect("ASCII location")
        .to_string()
}
