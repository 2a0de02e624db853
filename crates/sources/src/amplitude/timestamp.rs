//! Epoch timestamps that Amplitude sends in seconds in some responses and milliseconds in others.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Values at or above this are milliseconds. As seconds it would be the year 5138, and as
/// milliseconds it is March 1973, before Amplitude existed.
const MILLISECONDS_THRESHOLD: f64 = 1e11;

/// Converts an epoch number (or numeric string) in seconds or milliseconds to UTC.
/// Returns `None` for null, non-numeric or out-of-range values.
pub(crate) fn epoch_to_utc(value: &Value) -> Option<DateTime<Utc>> {
    let number = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !number.is_finite() || number < 0.0 {
        return None;
    }
    let millis = if number >= MILLISECONDS_THRESHOLD {
        number
    } else {
        number * 1000.0
    };
    DateTime::from_timestamp_millis(millis.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seconds_and_milliseconds_agree() {
        let from_seconds = epoch_to_utc(&json!(1_700_000_000)).unwrap();
        let from_millis = epoch_to_utc(&json!(1_700_000_000_000_i64)).unwrap();
        let from_string = epoch_to_utc(&json!("1700000000")).unwrap();

        assert_eq!(from_seconds, from_millis);
        assert_eq!(from_seconds, from_string);
        assert_eq!(from_seconds.to_rfc3339(), "2023-11-14T22:13:20+00:00");
    }

    #[test]
    fn fractional_seconds_kept() {
        let time = epoch_to_utc(&json!(1_700_000_000.25)).unwrap();

        assert_eq!(time.timestamp_millis(), 1_700_000_000_250);
    }

    #[test]
    fn non_numbers_are_none() {
        assert_eq!(epoch_to_utc(&json!(null)), None);
        assert_eq!(epoch_to_utc(&json!("soon")), None);
        assert_eq!(epoch_to_utc(&json!(-5)), None);
    }
}
