//! Envelope, authentication errors, directories, list paging and search.

use std::collections::HashSet;

use qualtrics_sim::Seed;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn whoami_uses_the_envelope() {
    let harness = Harness::start(fast_seed()).await;

    let answer = harness.get("/whoami").await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["meta"]["httpStatus"], "200 - OK");
    let request_id = answer.body["meta"]["requestId"].as_str().unwrap();
    assert!(uuid_like(request_id), "requestId {request_id} is a UUID");
    assert_eq!(answer.body["result"]["brandId"], "examplebrand");
    assert_eq!(answer.body["result"]["datacenter"], "iad1");
    assert!(answer.body["result"]["userId"]
        .as_str()
        .unwrap()
        .starts_with("UR_"));
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn missing_token_is_atp_2() {
    let harness = Harness::start(fast_seed()).await;

    let response = harness
        .http
        .get(harness.url("/API/v3/whoami"))
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;

    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["meta"]["httpStatus"], "400 - Bad Request");
    assert_eq!(error_code(&answer), "ATP_2");
}

#[tokio::test]
async fn unknown_token_is_dcd_7() {
    let harness = Harness::start(fast_seed()).await;

    let response = harness
        .http
        .get(harness.url("/API/v3/whoami"))
        .header("X-API-TOKEN", "x".repeat(40))
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;

    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&answer), "DCD_7");
}

#[tokio::test]
async fn unknown_ids_are_404_with_envelope() {
    let harness = Harness::start(fast_seed()).await;

    let no_directory = harness
        .get("/directories/POOL_000000000000000/mailinglists")
        .await;
    let no_list = harness
        .get(&format!(
            "/directories/{DIR}/mailinglists/CG_000000000000000/contacts"
        ))
        .await;

    assert_eq!(no_directory.status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&no_directory), "SIM_NOT_FOUND");
    assert_eq!(no_list.status, StatusCode::NOT_FOUND);
    assert!(no_list.body["meta"]["error"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("CG_000000000000000"));
}

#[tokio::test]
async fn directories_and_lists_match_seed() {
    let harness = Harness::start(fast_seed()).await;

    let directories = harness.get("/directories").await;
    let lists = harness
        .get(&format!("/directories/{DIR}/mailinglists"))
        .await;
    let counted = harness
        .get(&format!(
            "/directories/{DIR}/mailinglists/{NPS}?includeCount=true"
        ))
        .await;
    let uncounted = harness
        .get(&format!("/directories/{DIR}/mailinglists/{NPS}"))
        .await;

    let directory = &directories.body["result"]["elements"][0];
    assert_eq!(directory["directoryId"], DIR);
    assert_eq!(directory["isDefault"], true);
    assert_eq!(directory["contactCount"], 5);
    assert_eq!(directory["deduplicationCriteria"]["email"], true);
    let names: Vec<&str> = lists.body["result"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|list| list["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["NPS panel", "Beta testers"]);
    assert_eq!(counted.body["result"]["contactCount"], 3);
    assert_eq!(uncounted.body["result"]["contactCount"], 0);
    assert!(counted.body["result"]["creationDate"].is_i64());
}

#[tokio::test]
async fn example_seed_places_contacts_on_lists() {
    let harness = Harness::start(fast_seed()).await;

    let contacts = harness.sim.contacts(DIR);

    assert_eq!(contacts.len(), 5);
    assert_eq!(harness.sim.mailing_list_member_ids(DIR, NPS).len(), 3);
    assert_eq!(harness.sim.mailing_list_member_ids(DIR, BETA).len(), 1);
    assert!(contacts
        .iter()
        .any(|contact| contact.mailing_list_ids.is_empty()));
    let eve = contacts
        .iter()
        .find(|contact| contact.contact_id == EVE)
        .unwrap();
    assert!(eve.unsubscribed);
    assert_eq!(eve.embedded_data["plan"], "enterprise");
}

#[tokio::test]
async fn member_paging_loses_and_repeats_nothing() {
    let harness = Harness::start(seed_with_members(137)).await;
    let mut next = Some(harness.url(&format!(
        "/API/v3/directories/{DIR}/mailinglists/{NPS}/contacts?pageSize=80"
    )));
    let mut seen = Vec::new();
    let mut pages = 0;

    while let Some(url) = next {
        let response = harness
            .http
            .get(&url)
            .header("X-API-TOKEN", TOKEN)
            .send()
            .await
            .unwrap();
        let page = answer(response).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let elements = page.body["result"]["elements"].as_array().unwrap();
        assert!(elements.len() <= 50, "page of {} members", elements.len());
        seen.extend(
            elements
                .iter()
                .map(|member| member["contactId"].as_str().unwrap().to_string()),
        );
        next = page.body["result"]["nextPage"].as_str().map(str::to_string);
        if let Some(url) = &next {
            assert!(
                url.starts_with(&harness.sim.base_url()),
                "nextPage {url} is a full URL on the request host"
            );
            assert!(
                url.contains("pageSize=80"),
                "nextPage {url} keeps the query"
            );
            assert!(page.body["meta"]["notice"]
                .as_str()
                .unwrap()
                .contains("pageSize"));
        }
        pages += 1;
    }

    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 140);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 140);
    assert_eq!(seen, harness.sim.mailing_list_member_ids(DIR, NPS));
}

#[tokio::test]
async fn member_paging_survives_removal() {
    let harness = Harness::start(seed_with_members(7)).await;
    let first = harness
        .get(&format!(
            "/directories/{DIR}/mailinglists/{NPS}/contacts?pageSize=5"
        ))
        .await;
    let first_ids: Vec<String> = first.body["result"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["contactId"].as_str().unwrap().to_string())
        .collect();

    let removed = harness
        .delete(&format!(
            "/directories/{DIR}/mailinglists/{NPS}/contacts/{}",
            first_ids[0]
        ))
        .await;
    let next_url = first.body["result"]["nextPage"].as_str().unwrap();
    let response = harness
        .http
        .get(next_url)
        .header("X-API-TOKEN", TOKEN)
        .send()
        .await
        .unwrap();
    let second = answer(response).await;

    assert_eq!(removed.status, StatusCode::OK);
    let second_ids: Vec<&str> = second.body["result"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["contactId"].as_str().unwrap())
        .collect();
    let expected = harness.sim.mailing_list_member_ids(DIR, NPS);
    assert_eq!(
        second_ids,
        expected[4..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(second.body["result"]["nextPage"].is_null());
}

#[tokio::test]
async fn list_members_include_embedded_on_request() {
    let harness = Harness::start(fast_seed()).await;

    let plain = harness
        .get(&format!("/directories/{DIR}/mailinglists/{NPS}/contacts"))
        .await;
    let embedded = harness
        .get(&format!(
            "/directories/{DIR}/mailinglists/{NPS}/contacts?includeEmbedded=true"
        ))
        .await;

    let plain_eve = find_member(&plain.body, EVE);
    let embedded_eve = find_member(&embedded.body, EVE);
    assert!(plain_eve.get("embeddedData").is_none());
    assert_eq!(embedded_eve["embeddedData"]["plan"], "enterprise");
    assert_eq!(embedded_eve["unsubscribed"], true);
    assert_eq!(embedded_eve["mailingListUnsubscribed"], false);
    assert!(embedded_eve["contactLookupId"]
        .as_str()
        .unwrap()
        .starts_with("CGC_"));
}

fn find_member(body: &serde_json::Value, contact_id: &str) -> serde_json::Value {
    body["result"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["contactId"] == contact_id)
        .cloned()
        .unwrap_or_else(|| panic!("{contact_id} not in {body}"))
}

#[tokio::test]
async fn search_email_ignores_case_and_spaces() {
    let harness = Harness::start(fast_seed()).await;
    let filter = json!({"filter": {"filterType": "email", "comparison": "eq", "value": "  ADA.Lovelace@Example.com "}});

    let answer = harness
        .post(
            &format!("/directories/{DIR}/contacts/search?includeEmbedded=true"),
            filter,
        )
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let elements = answer.body["result"]["elements"].as_array().unwrap();
    assert_eq!(elements.len(), 1);
    assert_eq!(elements[0]["id"], ADA);
    assert_eq!(elements[0]["externalDataReference"], "user-1001");
    assert!(elements[0].get("phoneNumber").is_some());
    assert!(answer.body["result"]["skipToken"].is_null());
}

#[tokio::test]
async fn search_conjunction_with_in_list() {
    let harness = Harness::start(fast_seed()).await;
    let filter = json!({"filter": {"conjunction": "and", "filters": [
        {"filterType": "inList", "comparison": true, "mailingListId": NPS},
        {"filterType": "language", "comparison": "eq", "value": "en"}
    ]}});
    let too_few = json!({"filter": {"conjunction": "and", "filters": [
        {"filterType": "inList", "comparison": true, "mailingListId": NPS}
    ]}});

    let answer = harness
        .post(&format!("/directories/{DIR}/contacts/search"), filter)
        .await;
    let rejected = harness
        .post(&format!("/directories/{DIR}/contacts/search"), too_few)
        .await;

    let ids: HashSet<&str> = answer.body["result"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, HashSet::from([ADA, "CID_BoBeXaMpLe00002", EVE]));
    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_pages_by_skip_token() {
    let harness = Harness::start(seed_with_members(250)).await;
    let filter =
        json!({"filter": {"filterType": "inList", "comparison": true, "mailingListId": NPS}});
    let mut seen = HashSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;

    loop {
        let path = match &token {
            Some(token) => format!("/directories/{DIR}/contacts/search?skipToken={token}"),
            None => format!("/directories/{DIR}/contacts/search"),
        };
        let page = harness.post(&path, filter.clone()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for hit in page.body["result"]["elements"].as_array().unwrap() {
            assert!(
                seen.insert(hit["id"].as_str().unwrap().to_string()),
                "repeated {hit}"
            );
        }
        pages += 1;
        match page.body["result"]["skipToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }

    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 253);
}

#[tokio::test]
async fn search_paging_past_10000_is_400() {
    let seed: Seed = seed_with_members(10_001);
    let harness = Harness::start(seed).await;
    let filter =
        json!({"filter": {"filterType": "inList", "comparison": true, "mailingListId": NPS}});
    let mut token: Option<String> = None;
    let mut returned = 0;

    let rejected = loop {
        let path = match &token {
            Some(token) => format!("/directories/{DIR}/contacts/search?skipToken={token}"),
            None => format!("/directories/{DIR}/contacts/search"),
        };
        let page = harness.post(&path, filter.clone()).await;
        if page.status != StatusCode::OK {
            break page;
        }
        returned += page.body["result"]["elements"].as_array().unwrap().len();
        token = Some(
            page.body["result"]["skipToken"]
                .as_str()
                .expect("more matches remain")
                .to_string(),
        );
    };

    assert_eq!(returned, 10_000);
    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert!(rejected.body["meta"]["error"]["errorMessage"]
        .as_str()
        .unwrap()
        .contains("10000"));
}
