//! Validation of the Amplitude cohort webhook body and conversion of its users to members.

use cohortsync_sources::webhook::{CohortWebhook, WebhookError};
use serde_json::{json, Value};

fn valid_body() -> Value {
    json!({
        "cohort_name": "Trial users, week 1",
        "cohort_id": "4fq2xk7m",
        "in_cohort": true,
        "computed_time": "1700000000",
        "message_id": "msg-0001",
        "users": [
            { "user_id": "u-1001", "user_properties": { "email": "ada.lane@example.com", "sessions": 4, "beta": true, "nick": null } },
            { "user_id": "u-1002", "amplitude_id": 880010002 }
        ]
    })
}

fn parse(body: &Value) -> Result<CohortWebhook, WebhookError> {
    CohortWebhook::from_json(body.to_string().as_bytes())
}

/// A change that makes the valid body invalid.
type Change = Box<dyn FnOnce(&mut Value)>;

/// Returns the validation message for `body` with `change` applied.
fn error_after(change: impl FnOnce(&mut Value)) -> String {
    let mut body = valid_body();
    change(&mut body);
    parse(&body)
        .expect_err("the changed body is invalid")
        .to_string()
}

#[test]
fn valid_body_parses() {
    let webhook = parse(&valid_body()).unwrap();

    assert_eq!(webhook.cohort_id.as_str(), "4fq2xk7m");
    assert_eq!(webhook.cohort_name, "Trial users, week 1");
    assert!(webhook.in_cohort);
    assert_eq!(webhook.computed_time.timestamp(), 1_700_000_000);
    assert_eq!(webhook.message_id, "msg-0001");
    assert_eq!(webhook.users.len(), 2);
    assert_eq!(webhook.users[1].amplitude_id.as_deref(), Some("880010002"));
}

#[test]
fn users_become_members() {
    let members = parse(&valid_body()).unwrap().members();

    assert_eq!(members.len(), 2);
    assert_eq!(members[0].user_id.as_deref(), Some("u-1001"));
    assert_eq!(members[0].properties["email"], "ada.lane@example.com");
    assert_eq!(members[0].properties["sessions"], "4");
    assert_eq!(members[0].properties["beta"], "true");
    assert_eq!(members[0].properties["nick"], "");
    assert!(members[1].properties.is_empty());
    assert_eq!(members[1].amplitude_id.as_deref(), Some("880010002"));
}

#[test]
fn leaving_batch_and_empty_users() {
    let mut body = valid_body();
    body["in_cohort"] = json!(false);
    body["users"] = json!([]);

    let webhook = parse(&body).unwrap();

    assert!(!webhook.in_cohort);
    assert!(webhook.members().is_empty());
}

#[test]
fn errors_name_the_field() {
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "missing cohort_id",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("cohort_id");
            }),
            "field `cohort_id` is missing",
        ),
        (
            "blank cohort_id",
            Box::new(|b| b["cohort_id"] = json!("  ")),
            "field `cohort_id` is empty",
        ),
        (
            "numeric cohort_name",
            Box::new(|b| b["cohort_name"] = json!(5)),
            "field `cohort_name` is a JSON number",
        ),
        (
            "string in_cohort",
            Box::new(|b| b["in_cohort"] = json!("true")),
            "field `in_cohort` is a JSON string; expected true or false",
        ),
        (
            "missing in_cohort",
            Box::new(|b| {
                b.as_object_mut().unwrap().remove("in_cohort");
            }),
            "field `in_cohort` is missing",
        ),
        (
            "text computed_time",
            Box::new(|b| b["computed_time"] = json!("yesterday")),
            "field `computed_time` is \"yesterday\"; expected epoch seconds",
        ),
        (
            "negative computed_time",
            Box::new(|b| b["computed_time"] = json!("-1")),
            "field `computed_time` is \"-1\"",
        ),
        (
            "empty message_id",
            Box::new(|b| b["message_id"] = json!("")),
            "field `message_id` is empty",
        ),
        (
            "users not array",
            Box::new(|b| b["users"] = json!({})),
            "field `users` is a JSON object",
        ),
        (
            "user without user_id",
            Box::new(|b| {
                b["users"][1].as_object_mut().unwrap().remove("user_id");
            }),
            "field `users[1].user_id` is missing",
        ),
        (
            "user not object",
            Box::new(|b| b["users"][0] = json!("u-1")),
            "field `users[0]` is a JSON string",
        ),
        (
            "properties not object",
            Box::new(|b| b["users"][0]["user_properties"] = json!([1])),
            "field `users[0].user_properties` is a JSON array",
        ),
        (
            "cohort_id with space",
            Box::new(|b| b["cohort_id"] = json!("a b")),
            "field `cohort_id` is invalid",
        ),
    ];
    for (case, change, expected) in cases {
        let message = error_after(change);
        assert!(message.contains(expected), "{case}: {message}");
    }
}

#[test]
fn integer_computed_time_accepted() {
    let mut body = valid_body();
    body["computed_time"] = json!(1_700_000_123);

    let webhook = parse(&body).unwrap();

    assert_eq!(webhook.computed_time.timestamp(), 1_700_000_123);
}

#[test]
fn not_json_or_not_object() {
    let not_json = CohortWebhook::from_json(b"{oops").unwrap_err();
    let array = CohortWebhook::from_json(b"[]").unwrap_err();

    assert!(
        matches!(not_json, WebhookError::InvalidJson(_)),
        "{not_json:?}"
    );
    assert_eq!(array, WebhookError::NotAnObject("array"));
}

#[test]
fn serde_round_trip_keeps_wire_shape() {
    let webhook = parse(&valid_body()).unwrap();

    let written = serde_json::to_value(&webhook).unwrap();
    let reread: CohortWebhook = serde_json::from_value(written.clone()).unwrap();

    assert_eq!(written["computed_time"], "1700000000");
    assert_eq!(written["users"][0]["user_id"], "u-1001");
    assert_eq!(reread, webhook);
}
