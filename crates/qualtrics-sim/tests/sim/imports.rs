//! Bulk imports: lifecycle, report, unprocessed rows, request limits and job faults.

use qualtrics_sim::{Faults, Limits};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn import_path(list_id: &str) -> String {
    format!("/directories/{DIR}/mailinglists/{list_id}/transactioncontacts")
}

fn report_path(import_id: &str) -> String {
    format!("/directories/{DIR}/imports/api-import/jobs/{import_id}/report")
}

#[tokio::test]
async fn import_lifecycle_with_report() {
    let harness = Harness::start(fast_seed()).await;
    let contacts = json!({"contacts": [
        {"email": "fresh.one@example.com", "firstName": "Fresh", "embeddedData": {"cohort": "active"}},
        {"email": "EVE.OPTOUT@example.com", "firstName": "", "embeddedData": {"cohort": "active"}},
        {"email": "null.field@example.com", "lastName": null},
        {"email": "long.value@example.com", "embeddedData": {"k": "v".repeat(1025)}},
        {"email": "carol.test@example.com", "embeddedData": {"score": 12}}
    ]});

    let started = harness.post(&import_path(NPS), contacts).await;

    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    assert_eq!(started.body["meta"]["httpStatus"], "202 - Accepted");
    let result = &started.body["result"];
    assert_eq!(result["contacts"]["unprocessed"], json!([2]));
    let import_id = result["id"].as_str().unwrap().to_string();
    let tracking = result["tracking"]["url"].as_str().unwrap();
    assert!(
        tracking.starts_with(&harness.sim.base_url()) && tracking.ends_with(&import_id),
        "tracking URL {tracking}"
    );
    assert!(result["status"].is_string());

    let status = wait_for_import(&harness, NPS, &import_id).await;
    assert_eq!(status["status"], "completed");
    assert_eq!(status["percentComplete"], 100);
    assert_eq!(
        status["contacts"]["count"],
        json!({"added": 1, "updated": 2, "failed": 1})
    );

    let report = harness.get(&report_path(&import_id)).await;
    let entries = report.body["result"]["importReportEntries"]
        .as_array()
        .unwrap();
    assert_eq!(entries.len(), 4);
    let by_index = |index: &str| {
        entries
            .iter()
            .find(|entry| entry["sourceIndexId"] == index)
            .unwrap()
            .clone()
    };
    assert_eq!(by_index("0")["importStatus"], "added");
    assert_eq!(by_index("0")["contactListContactStatus"], "added");
    assert_eq!(by_index("1")["contactId"], EVE);
    assert_eq!(by_index("1")["contactListContactStatus"], "existing");
    assert_eq!(by_index("3")["importStatus"], "failed");
    assert_eq!(by_index("4")["contactListContactStatus"], "added");

    let eve = harness
        .sim
        .contacts(DIR)
        .into_iter()
        .find(|contact| contact.contact_id == EVE)
        .unwrap();
    assert!(eve.unsubscribed);
    assert_eq!(eve.first_name.as_deref(), Some("Eve"));
    assert_eq!(eve.embedded_data["plan"], "enterprise");
    assert_eq!(eve.embedded_data["cohort"], "active");
    let carol = harness
        .sim
        .contacts(DIR)
        .into_iter()
        .find(|contact| contact.email.as_deref() == Some("carol.test@example.com"))
        .unwrap();
    assert_eq!(carol.embedded_data["score"], "12");
    assert!(carol.mailing_list_ids.contains(&NPS.to_string()));
    assert!(!harness
        .sim
        .contacts(DIR)
        .iter()
        .any(|contact| contact.email.as_deref() == Some("null.field@example.com")));
}

#[tokio::test]
async fn import_report_pages_by_skip_token() {
    let harness = Harness::start(fast_seed()).await;
    let rows: Vec<Value> = (0..7)
        .map(|index| json!({"email": format!("row{index}@example.com")}))
        .collect();
    let started = harness
        .post(&import_path(BETA), json!({"contacts": rows}))
        .await;
    let import_id = started.body["result"]["id"].as_str().unwrap().to_string();
    wait_for_import(&harness, BETA, &import_id).await;
    let mut indexes = Vec::new();
    let mut token: Option<String> = None;

    loop {
        let path = match &token {
            Some(token) => format!("{}?pageSize=3&skipToken={token}", report_path(&import_id)),
            None => format!("{}?pageSize=3", report_path(&import_id)),
        };
        let page = harness.get(&path).await;
        for entry in page.body["result"]["importReportEntries"]
            .as_array()
            .unwrap()
        {
            indexes.push(entry["sourceIndexId"].as_str().unwrap().to_string());
        }
        match page.body["result"]["skipToken"].as_str() {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }

    assert_eq!(indexes, ["0", "1", "2", "3", "4", "5", "6"]);
}

#[tokio::test]
async fn import_stays_in_progress_at_speed_zero() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        import_contacts_per_second: 0,
        ..Limits::default()
    });

    let started = harness
        .post(
            &import_path(NPS),
            json!({"contacts": [{"email": "held@example.com"}]}),
        )
        .await;
    let import_id = started.body["result"]["id"].as_str().unwrap().to_string();
    let paused = harness
        .get(&format!("{}/{import_id}", import_path(NPS)))
        .await;

    assert_eq!(paused.body["result"]["status"], "in_progress");
    assert_eq!(paused.body["result"]["percentComplete"], 0);

    harness.sim.set_limits(Limits {
        import_contacts_per_second: 1_000_000,
        ..Limits::default()
    });
    let done = wait_for_import(&harness, NPS, &import_id).await;
    assert_eq!(done["contacts"]["count"]["added"], 1);
}

#[tokio::test]
async fn import_over_10000_contacts_is_400() {
    let harness = Harness::start(fast_seed()).await;
    let rows: Vec<Value> = (0..10_001)
        .map(|index| json!({"email": format!("r{index}@example.com")}))
        .collect();

    let rejected = harness
        .post(&import_path(NPS), json!({"contacts": rows}))
        .await;

    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&rejected), "SIM_BAD_REQUEST");
    assert_eq!(harness.sim.contacts(DIR).len(), 5);
}

#[tokio::test]
async fn import_of_10000_contacts_completes() {
    let harness = Harness::start(fast_seed()).await;
    let rows: Vec<Value> = (0..10_000)
        .map(|index| json!({"email": format!("r{index}@example.com")}))
        .collect();

    let started = harness
        .post(&import_path(NPS), json!({"contacts": rows}))
        .await;
    let import_id = started.body["result"]["id"].as_str().unwrap().to_string();
    let done = wait_for_import(&harness, NPS, &import_id).await;

    assert_eq!(done["contacts"]["count"]["added"], 10_000);
    assert_eq!(harness.sim.mailing_list_member_ids(DIR, NPS).len(), 10_003);
}

#[tokio::test]
async fn import_body_over_5_mb_is_413() {
    let harness = Harness::start(fast_seed()).await;
    let filler = "x".repeat(1000);
    let rows: Vec<Value> = (0..5300)
        .map(|index| json!({"email": format!("r{index}@example.com"), "embeddedData": {"note": filler}}))
        .collect();

    let rejected = harness
        .post(&import_path(NPS), json!({"contacts": rows}))
        .await;

    assert_eq!(rejected.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        rejected.body["meta"]["httpStatus"],
        "413 - Payload Too Large"
    );
}

#[tokio::test]
async fn import_to_unknown_list_counts_nothing() {
    let harness = Harness::start(fast_seed()).await;
    let unknown = "CG_000000000000000";

    let started = harness
        .post(
            &import_path(unknown),
            json!({"contacts": [{"email": "lost@example.com"}]}),
        )
        .await;
    let import_id = started.body["result"]["id"].as_str().unwrap().to_string();
    let done = wait_for_import(&harness, unknown, &import_id).await;

    assert_eq!(started.status, StatusCode::ACCEPTED);
    assert_eq!(done["percentComplete"], 100);
    assert_eq!(
        done["contacts"]["count"],
        json!({"added": 0, "updated": 0, "failed": 0})
    );
}

#[tokio::test]
async fn import_failure_fault_changes_nothing() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_faults(
        Some("start_import"),
        Faults {
            import_failure_rate: 1.0,
            ..Faults::default()
        },
    );

    let started = harness
        .post(
            &import_path(NPS),
            json!({"contacts": [{"email": "doomed@example.com"}]}),
        )
        .await;
    let import_id = started.body["result"]["id"].as_str().unwrap().to_string();
    let done = wait_for_import(&harness, NPS, &import_id).await;

    assert_eq!(done["status"], "failed");
    assert_eq!(done["contacts"]["count"]["failed"], 1);
    assert_eq!(harness.sim.contacts(DIR).len(), 5);
}

#[tokio::test]
async fn import_queue_overflow_is_429() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        import_contacts_per_second: 0,
        max_running_imports: 1,
        max_queued_imports: 1,
        ..Limits::default()
    });
    let body = json!({"contacts": [{"email": "queued@example.com"}]});

    let first = harness.post(&import_path(NPS), body.clone()).await;
    let second = harness.post(&import_path(BETA), body.clone()).await;
    let third = harness.post(&import_path(NPS), body).await;

    assert_eq!(first.status, StatusCode::ACCEPTED);
    assert_eq!(second.status, StatusCode::ACCEPTED);
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.body["meta"]["httpStatus"], "429 - Too Many Requests");
}

#[tokio::test]
async fn imports_into_one_list_run_in_order() {
    let harness = Harness::start(fast_seed()).await;
    harness.sim.set_limits(Limits {
        import_contacts_per_second: 0,
        ..Limits::default()
    });
    let first = harness
        .post(&import_path(NPS), json!({"contacts": [{"email": "order@example.com", "embeddedData": {"cohort": "active"}}]}))
        .await;
    let second = harness
        .post(&import_path(NPS), json!({"contacts": [{"email": "order@example.com", "embeddedData": {"cohort": "inactive"}}]}))
        .await;

    harness.sim.set_limits(Limits {
        import_contacts_per_second: 1_000_000,
        ..Limits::default()
    });
    let second_id = second.body["result"]["id"].as_str().unwrap().to_string();
    let first_id = first.body["result"]["id"].as_str().unwrap().to_string();
    wait_for_import(&harness, NPS, &second_id).await;
    let first_done = wait_for_import(&harness, NPS, &first_id).await;

    assert_eq!(first_done["contacts"]["count"]["added"], 1);
    let contact = harness
        .sim
        .contacts(DIR)
        .into_iter()
        .find(|contact| contact.email.as_deref() == Some("order@example.com"))
        .unwrap();
    assert_eq!(contact.embedded_data["cohort"], "inactive");
}
