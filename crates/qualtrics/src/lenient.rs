//! Lenient deserializers for response fields that Qualtrics returns with varying JSON types.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Text of a scalar: strings as is, numbers and booleans in their JSON form; `None` for null,
/// arrays and objects.
fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Deserializes embedded data as strings. Numbers and booleans become their text; null values are dropped;
/// a null or missing map becomes `None`.
pub(crate) fn embedded_data<'de, D>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error>
where
    D: Deserializer<'de>,
{
    let raw: Option<BTreeMap<String, Value>> = Option::deserialize(deserializer)?;
    Ok(raw.map(|map| {
        map.into_iter()
            .filter_map(|(key, value)| scalar_text(value).map(|text| (key, text)))
            .collect()
    }))
}

/// Deserializes an optional string that may arrive as a number or boolean.
pub(crate) fn opt_string<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Value>::deserialize(deserializer)?.and_then(scalar_text))
}

/// Deserializes a boolean that may arrive as null (false), `"true"`/`"false"` or 0/1.
pub(crate) fn flag<'de, D>(deserializer: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::Bool(flag)) => flag,
        Some(Value::String(text)) => text.eq_ignore_ascii_case("true") || text == "1",
        Some(Value::Number(number)) => number.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    })
}

/// Deserializes a count that may arrive as null, a number or a numeric string.
pub(crate) fn opt_u64<'de, D>(deserializer: D) -> Result<Option<u64>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::Number(number)) => number
            .as_u64()
            .or_else(|| number.as_f64().map(|n| n as u64)),
        Some(Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    })
}
