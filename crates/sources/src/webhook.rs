//! The Amplitude cohort webhook body: validation with field-named errors, and its users as members.
//!
//! Amplitude posts one batch per message: users entering a cohort (`in_cohort: true`) or
//! leaving it (`in_cohort: false`), never both in one message. Deliveries can repeat with the
//! same `message_id` and arrive out of order, so receivers de-duplicate by `message_id` and
//! order by `computed_time`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cohortsync_domain::{CohortId, Member};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

/// Errors from validating a webhook body. Each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("the webhook body is a JSON {0}; expected an object with cohort_id, in_cohort, users and the other fields")]
    NotAnObject(&'static str),
    #[error("field `{0}` is missing from the webhook body")]
    MissingField(String),
    #[error("field `{field}` is a JSON {found}; expected {expected}")]
    WrongType {
        field: String,
        found: &'static str,
        expected: &'static str,
    },
    #[error("field `{0}` is empty; expected a non-empty string")]
    EmptyField(String),
    #[error("field `cohort_id` is invalid: {0}")]
    InvalidCohortId(String),
    #[error(
        "field `computed_time` is {0}; expected epoch seconds as a string, such as \"1700000000\""
    )]
    InvalidComputedTime(String),
}

/// One validated webhook message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct CohortWebhook {
    pub cohort_id: CohortId,
    pub cohort_name: String,
    /// True when the users entered the cohort, false when they left it.
    pub in_cohort: bool,
    /// When Amplitude computed this change; written back as epoch seconds in a string.
    #[serde(serialize_with = "epoch_seconds_string")]
    pub computed_time: DateTime<Utc>,
    /// Unique per message, and repeated when Amplitude resends the same message.
    pub message_id: String,
    pub users: Vec<WebhookUser>,
}

/// One user of a webhook message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookUser {
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amplitude_id: Option<String>,
    pub user_properties: BTreeMap<String, Value>,
}

impl CohortWebhook {
    /// Parses and validates a webhook body.
    pub fn from_json(body: &[u8]) -> Result<Self, WebhookError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|error| WebhookError::InvalidJson(error.to_string()))?;
        Self::try_from(value)
    }

    /// Returns the users as domain members, in message order.
    pub fn members(&self) -> Vec<Member> {
        self.users.iter().map(Member::from).collect()
    }
}

impl From<&WebhookUser> for Member {
    /// Keeps string properties as they are, turns null into an empty string and writes
    /// numbers, booleans, arrays and objects as JSON text.
    fn from(user: &WebhookUser) -> Self {
        let properties = user
            .user_properties
            .iter()
            .map(|(name, value)| (name.clone(), property_text(value)))
            .collect();
        Member {
            user_id: Some(user.user_id.clone()),
            amplitude_id: user.amplitude_id.clone(),
            properties,
        }
    }
}

fn property_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn epoch_seconds_string<S: Serializer>(
    time: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.timestamp().to_string())
}

impl TryFrom<Value> for CohortWebhook {
    type Error = WebhookError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        let Value::Object(body) = value else {
            return Err(WebhookError::NotAnObject(kind(&value)));
        };

        let raw_cohort_id = required_string(&body, "cohort_id", "cohort_id")?;
        let cohort_id = CohortId::new(&raw_cohort_id)
            .map_err(|error| WebhookError::InvalidCohortId(error.to_string()))?;
        let cohort_name = required_string(&body, "cohort_name", "cohort_name")?;
        let in_cohort = match required(&body, "in_cohort", "in_cohort")? {
            Value::Bool(flag) => *flag,
            other => return Err(wrong_type("in_cohort", other, "true or false")),
        };
        let computed_time =
            parse_computed_time(required(&body, "computed_time", "computed_time")?)?;
        let message_id = required_string(&body, "message_id", "message_id")?;

        let users = match required(&body, "users", "users")? {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, item)| parse_user(item, index))
                .collect::<Result<Vec<_>, _>>()?,
            other => return Err(wrong_type("users", other, "an array of user objects")),
        };

        Ok(Self {
            cohort_id,
            cohort_name,
            in_cohort,
            computed_time,
            message_id,
            users,
        })
    }
}

fn parse_user(item: &Value, index: usize) -> Result<WebhookUser, WebhookError> {
    let field = |name: &str| format!("users[{index}].{name}");
    let Value::Object(user) = item else {
        return Err(wrong_type(
            &format!("users[{index}]"),
            item,
            "an object with user_id",
        ));
    };

    let user_id = required_string(user, "user_id", &field("user_id"))?;
    let amplitude_id = match user.get("amplitude_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.is_empty() => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(other) => {
            return Err(wrong_type(
                &field("amplitude_id"),
                other,
                "a string or number",
            ))
        }
    };
    let user_properties = match user.get("user_properties") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(properties)) => properties.clone().into_iter().collect(),
        Some(other) => return Err(wrong_type(&field("user_properties"), other, "an object")),
    };
    Ok(WebhookUser {
        user_id,
        amplitude_id,
        user_properties,
    })
}

/// Reads `computed_time`: epoch seconds as a string, or as a JSON integer.
fn parse_computed_time(value: &Value) -> Result<DateTime<Utc>, WebhookError> {
    let seconds = match value {
        Value::String(text) => text.trim().parse::<i64>().ok(),
        Value::Number(number) => number.as_i64(),
        _ => None,
    };
    seconds
        .filter(|seconds| *seconds >= 0)
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| WebhookError::InvalidComputedTime(value.to_string()))
}

fn required<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<&'a Value, WebhookError> {
    match object.get(key) {
        None | Some(Value::Null) => Err(WebhookError::MissingField(field.to_owned())),
        Some(value) => Ok(value),
    }
}

fn required_string(
    object: &Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<String, WebhookError> {
    match required(object, key, field)? {
        Value::String(text) if text.trim().is_empty() => {
            Err(WebhookError::EmptyField(field.to_owned()))
        }
        Value::String(text) => Ok(text.clone()),
        other => Err(wrong_type(field, other, "a string")),
    }
}

fn wrong_type(field: &str, found: &Value, expected: &'static str) -> WebhookError {
    WebhookError::WrongType {
        field: field.to_owned(),
        found: kind(found),
        expected,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
