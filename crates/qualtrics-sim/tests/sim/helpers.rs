//! Shared test setup: the example seed's IDs and a small raw-HTTP client.

use std::time::Duration;

use qualtrics_sim::{Seed, SeedContact, Simulator};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const TOKEN: &str = "simTokenExample0000000000000000000000001";
pub const DIR: &str = "POOL_ExAmPlEdIr00001";
pub const NPS: &str = "CG_NpSpAnElLiSt001";
pub const BETA: &str = "CG_BeTaTeStErS0001";
pub const ADA: &str = "CID_AdaExAmPlE00001";
pub const EVE: &str = "CID_EvEoPtOuT000005";
pub const CLIENT_ID: &str = "sim-client-example";
pub const CLIENT_SECRET: &str = "sim-secret-example-not-real";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/callback";

/// Returns the example seed with imports fast enough to finish within a few worker steps.
pub fn fast_seed() -> Seed {
    let mut seed = Seed::example();
    seed.limits.import_contacts_per_second = 1_000_000;
    seed
}

/// Returns the example seed plus `count` extra contacts on the NPS list.
pub fn seed_with_members(count: usize) -> Seed {
    let mut seed = fast_seed();
    let contacts = &mut seed.directories[0].contacts;
    for index in 0..count {
        contacts.push(SeedContact {
            email: Some(format!("member{index:05}@example.com")),
            first_name: Some(format!("Member{index}")),
            mailing_list_ids: vec![NPS.to_string()],
            ..SeedContact::default()
        });
    }
    seed
}

/// One HTTP response: status, headers and the parsed JSON body (`Null` when the body is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// A simulator and a client that sends the example API token.
pub struct Harness {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start(seed: Seed) -> Harness {
        let sim = Simulator::start(seed).await.expect("simulator starts");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client builds");
        Harness { sim, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// Sends an authenticated API call to `path` below `/API/v3`.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .http
            .request(method, self.url(&format!("/API/v3{path}")))
            .header("X-API-TOKEN", TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request is answered")).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }
}

/// Reads a response into an [`Answer`].
pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body is readable");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// Checks the error envelope and returns its error code.
pub fn error_code(answer: &Answer) -> String {
    let meta = &answer.body["meta"];
    assert_eq!(
        meta["httpStatus"]
            .as_str()
            .and_then(|text| text.split(' ').next()),
        Some(answer.status.as_str()),
        "httpStatus matches the status line in {}",
        answer.body
    );
    assert!(
        meta["requestId"].is_string(),
        "requestId present in {}",
        answer.body
    );
    assert!(
        meta["error"]["errorMessage"].is_string(),
        "errorMessage present in {}",
        answer.body
    );
    meta["error"]["errorCode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Polls an import until it leaves `in_progress`, at most about two seconds.
pub async fn wait_for_import(harness: &Harness, list_id: &str, import_id: &str) -> Value {
    let path = format!("/directories/{DIR}/mailinglists/{list_id}/transactioncontacts/{import_id}");
    for _ in 0..200 {
        let status = harness.get(&path).await;
        assert_eq!(status.status, StatusCode::OK, "{}", status.body);
        if status.body["result"]["status"] != "in_progress" {
            return status.body["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("import {import_id} still in progress after two seconds");
}
