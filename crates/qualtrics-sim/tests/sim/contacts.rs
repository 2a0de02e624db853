//! Creates, de-duplication, merges, updates and removals of contacts.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

fn members_path(list_id: &str) -> String {
    format!("/directories/{DIR}/mailinglists/{list_id}/contacts")
}

#[tokio::test]
async fn create_returns_ids_and_joins_list() {
    let harness = Harness::start(fast_seed()).await;

    let created = harness
        .post(&members_path(BETA), json!({"email": "new.person@example.com", "firstName": "New", "embeddedData": {"score": 7, "vip": false}}))
        .await;

    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = created.body["result"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("CID_"), "contact ID {id}");
    assert_eq!(id.len(), 19, "contact ID {id}");
    let lookup = created.body["result"]["contactLookupId"].as_str().unwrap();
    assert!(lookup.starts_with("CGC_"), "lookup ID {lookup}");
    assert_eq!(lookup.len(), 19, "lookup ID {lookup}");
    assert!(harness.sim.mailing_list_member_ids(DIR, BETA).contains(&id));
    let stored = harness
        .sim
        .contacts(DIR)
        .into_iter()
        .find(|contact| contact.contact_id == id)
        .unwrap();
    assert_eq!(stored.embedded_data["score"], "7");
    assert_eq!(stored.embedded_data["vip"], "false");
}

#[tokio::test]
async fn dedup_on_updates_existing_contact() {
    let harness = Harness::start(fast_seed()).await;

    let first = harness
        .post(
            &members_path(BETA),
            json!({"email": " EVE.Optout@example.com ", "embeddedData": {"cohort": "active"}}),
        )
        .await;
    let second = harness
        .post(
            &members_path(BETA),
            json!({"email": "eve.optout@example.com"}),
        )
        .await;

    assert_eq!(first.body["result"]["id"], EVE);
    assert_eq!(second.body["result"]["id"], EVE);
    assert_eq!(
        first.body["result"]["contactLookupId"],
        second.body["result"]["contactLookupId"]
    );
    assert_eq!(harness.sim.contacts(DIR).len(), 5);
    let beta = harness.sim.mailing_list_member_ids(DIR, BETA);
    assert_eq!(beta.iter().filter(|id| *id == EVE).count(), 1);
}

#[tokio::test]
async fn create_merge_keeps_unsubscribed_and_data() {
    let harness = Harness::start(fast_seed()).await;

    let created = harness
        .post(
            &members_path(NPS),
            json!({"email": "eve.optout@example.com", "firstName": "", "lastName": "Renamed", "embeddedData": {"cohort": "active", "region": ""}}),
        )
        .await;

    assert_eq!(created.status, StatusCode::OK);
    let eve = harness
        .sim
        .contacts(DIR)
        .into_iter()
        .find(|contact| contact.contact_id == EVE)
        .unwrap();
    assert!(eve.unsubscribed, "unsubscribed survives a create");
    assert_eq!(
        eve.first_name.as_deref(),
        Some("Eve"),
        "blank firstName does not overwrite"
    );
    assert_eq!(eve.last_name.as_deref(), Some("Renamed"));
    assert_eq!(eve.language.as_deref(), Some("EN"));
    assert_eq!(eve.embedded_data["plan"], "enterprise");
    assert_eq!(
        eve.embedded_data["region"], "emea",
        "blank value does not overwrite"
    );
    assert_eq!(eve.embedded_data["cohort"], "active");
}

#[tokio::test]
async fn dedup_off_always_creates() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_deduplication(DIR, false);

    let created = harness
        .post(
            &members_path(NPS),
            json!({"email": "ada.lovelace@example.com"}),
        )
        .await;

    let id = created.body["result"]["id"].as_str().unwrap();
    assert_ne!(id, ADA);
    assert_eq!(harness.sim.contacts(DIR).len(), 6);
    let directories = harness.get("/directories").await;
    assert_eq!(
        directories.body["result"]["elements"][0]["deduplicationCriteria"]["email"],
        false
    );
}

#[tokio::test]
async fn put_replaces_embedded_data_by_default() {
    let harness = Harness::start(fast_seed()).await;
    let path = format!("{}/{EVE}", members_path(NPS));

    let updated = harness
        .put(
            &path,
            json!({"language": "FR", "embeddedData": {"cohort": "inactive"}}),
        )
        .await;

    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert!(
        updated.body.get("result").is_none(),
        "update answers meta alone"
    );
    let read = harness.get(&path).await;
    assert_eq!(
        read.body["result"]["embeddedData"],
        json!({"cohort": "inactive"})
    );
    assert_eq!(read.body["result"]["language"], "FR");
    assert_eq!(read.body["result"]["unsubscribed"], true);
}

#[tokio::test]
async fn put_merges_when_switched() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_put_merges_embedded_data(true);
    let path = format!("{}/{EVE}", members_path(NPS));

    harness
        .put(&path, json!({"embeddedData": {"cohort": "inactive"}}))
        .await;

    let read = harness.get(&path).await;
    assert_eq!(read.body["result"]["embeddedData"]["cohort"], "inactive");
    assert_eq!(read.body["result"]["embeddedData"]["plan"], "enterprise");
}

#[tokio::test]
async fn put_rejects_read_only_fields() {
    let harness = Harness::start(fast_seed()).await;
    let path = format!("{}/{EVE}", members_path(NPS));

    for field in ["contactId", "contactLookupId", "mailingListUnsubscribed"] {
        let mut body = json!({"language": "EN"});
        body[field] = json!(if field == "mailingListUnsubscribed" {
            json!(false)
        } else {
            json!("X")
        });
        let rejected = harness.put(&path, body).await;
        assert_eq!(rejected.status, StatusCode::BAD_REQUEST, "{field}");
        let message = rejected.body["meta"]["error"]["errorMessage"]
            .as_str()
            .unwrap();
        assert!(message.contains(field), "{message} names {field}");
    }
    let null_language = harness.put(&path, json!({"language": null})).await;
    assert_eq!(null_language.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn embedded_data_limits_are_400() {
    let harness = Harness::start(fast_seed()).await;
    let long_value = "v".repeat(1025);
    let long_name = "n".repeat(201);

    let value_rejected = harness
        .post(
            &members_path(NPS),
            json!({"email": "x@example.com", "embeddedData": {"k": long_value}}),
        )
        .await;
    let name_rejected = harness
        .post(
            &members_path(NPS),
            json!({"email": "x@example.com", "embeddedData": {long_name: "v"}}),
        )
        .await;
    let at_limit = harness
        .post(
            &members_path(NPS),
            json!({"email": "x@example.com", "embeddedData": {"n".repeat(200): "v".repeat(1024)}}),
        )
        .await;

    assert_eq!(value_rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(name_rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(at_limit.status, StatusCode::OK);
}

#[tokio::test]
async fn bracketed_field_names_round_trip() {
    let harness = Harness::start(fast_seed()).await;
    let field = "[Amplitude] Power users (7khm89cz)";

    harness
        .post(
            &members_path(NPS),
            json!({"email": "ada.lovelace@example.com", "embeddedData": {field: "active"}}),
        )
        .await;
    let read = harness.get(&format!("{}/{ADA}", members_path(NPS))).await;

    assert_eq!(read.body["result"]["embeddedData"][field], "active");
}

#[tokio::test]
async fn remove_from_list_keeps_contact() {
    let harness = Harness::start(fast_seed()).await;
    let path = format!("{}/{ADA}", members_path(NPS));

    let removed = harness.delete(&path).await;
    let again = harness.delete(&path).await;
    let directory_contact = harness
        .get(&format!("/directories/{DIR}/contacts/{ADA}"))
        .await;

    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(directory_contact.status, StatusCode::OK);
    assert!(directory_contact.body["result"]["mailingListMembership"]
        .get(NPS)
        .is_none());
    assert!(!harness
        .sim
        .mailing_list_member_ids(DIR, NPS)
        .contains(&ADA.to_string()));
}

#[tokio::test]
async fn directory_contact_shows_membership() {
    let harness = Harness::start(fast_seed()).await;

    let read = harness
        .get(&format!("/directories/{DIR}/contacts/{EVE}"))
        .await;
    let updated = harness
        .put(
            &format!("/directories/{DIR}/contacts/{EVE}"),
            json!({"firstName": "Evelyn"}),
        )
        .await;
    let deleted = harness
        .delete(&format!("/directories/{DIR}/contacts/{ADA}"))
        .await;

    assert_eq!(read.body["result"]["contactId"], EVE);
    assert!(
        read.body["result"]["mailingListMembership"][NPS]["contactLookupId"]
            .as_str()
            .unwrap()
            .starts_with("CGC_")
    );
    assert_eq!(updated.status, StatusCode::OK);
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(harness.sim.contacts(DIR).len(), 4);
    assert!(!harness
        .sim
        .mailing_list_member_ids(DIR, NPS)
        .contains(&ADA.to_string()));
}
