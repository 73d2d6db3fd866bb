//! Reading typed fields out of a parsed body, with field-named errors.
//!
//! JSON bodies carry numbers as numbers; URL-encoded forms carry them as strings.
//! Both are accepted wherever a number is expected.

use serde_json::Value;

use crate::ApiError;
use crate::http::body::JsonObject;

/// The string field `name`, if present.
pub fn optional_string(body: &JsonObject, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request(
            name,
            format!("{name} must be a string."),
        )),
    }
}

/// The string field `name`, which must be present.
pub fn required_string(body: &JsonObject, name: &str) -> Result<String, ApiError> {
    optional_string(body, name)?
        .ok_or_else(|| ApiError::bad_request(name, format!("{name} is required.")))
}

/// The whole-number field `name`, if present, within `min..=max`.
pub fn optional_integer(
    body: &JsonObject,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ApiError> {
    body.get(name)
        .map(|value| integer(value, name, min, max))
        .transpose()
}

/// A whole number from a JSON number or a numeric string, within `min..=max`.
pub fn integer(value: &Value, name: &str, min: i64, max: i64) -> Result<i64, ApiError> {
    let number = match value {
        // 1e2 is a whole number; 1e30 and 2^64 are not an i64 (`as` would saturate).
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (-9.0e18..=9.0e18).contains(f))
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    number.filter(|n| (min..=max).contains(n)).ok_or_else(|| {
        ApiError::bad_request(
            name,
            format!("{name} must be a whole number from {min} to {max}."),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_too_large_for_an_integer_are_refused_not_clamped() {
        for value in [
            json!(1e30),
            json!(18_446_744_073_709_551_616_f64),
            json!(-1e19),
        ] {
            assert!(integer(&value, "version", 1, i64::MAX).is_err(), "{value}");
        }
        assert_eq!(integer(&json!(1e2), "progress", 0, 100).ok(), Some(100));
        assert_eq!(integer(&json!("7"), "version", 1, i64::MAX).ok(), Some(7));
    }
}
