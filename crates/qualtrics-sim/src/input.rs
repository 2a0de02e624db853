//! Parsing of contact bodies for creates, updates and import rows.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::{check_embedded_data, ContactInput};

/// Call kind of a contact body, because each kind accepts different keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Create,
    Update,
    ImportRow,
}

/// Keys a read returns but a write rejects.
const READ_ONLY_KEYS: &[&str] = &["contactId", "contactLookupId", "mailingListUnsubscribed"];

/// Parses one contact object; the error names the bad key and the fix.
pub fn parse_contact(value: &Value, kind: BodyKind) -> Result<ContactInput, String> {
    let Some(object) = value.as_object() else {
        return Err("a contact must be a JSON object".into());
    };

    let mut input = ContactInput::default();
    for (key, value) in object {
        if value.is_null() {
            return Err(format!(
                "{key} is null; null values are invalid, so omit the key instead"
            ));
        }
        match key.as_str() {
            "email" => input.email = Some(string_field(key, value)?),
            "firstName" => input.first_name = Some(string_field(key, value)?),
            "lastName" => input.last_name = Some(string_field(key, value)?),
            "phone" => input.phone = Some(string_field(key, value)?),
            "extRef" => input.ext_ref = Some(string_field(key, value)?),
            "language" => input.language = Some(string_field(key, value)?),
            "unsubscribed" => match value {
                Value::Bool(flag) => input.unsubscribed = Some(*flag),
                other => return Err(format!("unsubscribed must be true or false, got {other}")),
            },
            "embeddedData" => input.embedded_data = Some(embedded_map(key, value)?),
            "privateEmbeddedData" if kind != BodyKind::ImportRow => {
                input.private_embedded_data = Some(embedded_map(key, value)?)
            }
            read_only if READ_ONLY_KEYS.contains(&read_only) => {
                return Err(format!(
                    "{read_only} is read-only; remove it from the request body"
                ));
            }
            other => {
                return Err(format!(
                    "unknown field {other:?}; remove it from the request body"
                ))
            }
        }
    }
    Ok(input)
}

fn string_field(key: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => Err(format!("{key} must be a string, got {other}")),
    }
}

/// Converts embedded data to strings: numbers and booleans become their text.
fn embedded_map(key: &str, value: &Value) -> Result<BTreeMap<String, String>, String> {
    let Some(object) = value.as_object() else {
        return Err(format!("{key} must be a JSON object of names to values"));
    };
    let map = convert_embedded(key, object)?;
    check_embedded_data(&map)?;
    Ok(map)
}

fn convert_embedded(
    key: &str,
    object: &Map<String, Value>,
) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for (name, value) in object {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Null => {
                return Err(format!(
                    "{key}.{name} is null; null values are invalid, so omit the key instead"
                ))
            }
            _ => return Err(format!("{key}.{name} must be a string, number or boolean")),
        };
        map.insert(name.clone(), text);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_bools_become_strings() {
        let input = parse_contact(
            &json!({"embeddedData": {"score": 9, "vip": true}}),
            BodyKind::Create,
        )
        .unwrap();
        let data = input.embedded_data.unwrap();
        assert_eq!(data["score"], "9");
        assert_eq!(data["vip"], "true");
    }

    #[test]
    fn read_only_key_is_rejected() {
        let error =
            parse_contact(&json!({"contactLookupId": "CGC_x"}), BodyKind::Update).unwrap_err();
        assert!(error.contains("contactLookupId"), "{error}");
    }
}
