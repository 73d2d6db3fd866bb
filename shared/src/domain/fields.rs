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
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
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
