//! The parsed body the domain reads, and its typed fields with field-named errors.
//!
//! The HTTP edge parses JSON bodies and URL-encoded forms alike into a [`JsonObject`].
//! JSON bodies carry numbers as numbers; forms carry them as strings. Both are
//! accepted wherever a number is expected.

use serde_json::{Map, Value};

use super::error::{FieldError, Reason};

/// A parsed request body: a JSON object (possibly empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JsonObject(pub Map<String, Value>);

impl JsonObject {
    /// The field `name`, if present and not `null`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }
}

/// The string field `name`, if present.
pub fn optional_string(
    body: &JsonObject,
    name: &'static str,
) -> Result<Option<String>, FieldError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FieldError::new(name, Reason::NotAString)),
    }
}

/// The string field `name`, which must be present.
pub fn required_string(body: &JsonObject, name: &'static str) -> Result<String, FieldError> {
    optional_string(body, name)?.ok_or(FieldError::new(name, Reason::Missing))
}

/// The whole-number field `name`, if present, within `min..=max`.
pub fn optional_integer(
    body: &JsonObject,
    name: &'static str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, FieldError> {
    body.get(name)
        .map(|value| integer(value, name, min, max))
        .transpose()
}

/// A whole number from a JSON number or a numeric string, within `min..=max`.
pub fn integer(value: &Value, name: &'static str, min: i64, max: i64) -> Result<i64, FieldError> {
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
    number
        .filter(|n| (min..=max).contains(n))
        .ok_or(FieldError::new(name, Reason::NotAWholeNumber { min, max }))
}

/// `value`, which must be a JSON object, as a parsed body (for tests).
#[cfg(test)]
pub(crate) fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(map) => JsonObject(map),
        other => panic!("not a JSON object: {other}"),
    }
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

    #[test]
    fn a_null_field_is_an_absent_one() {
        let body = object(json!({"name": null}));
        assert_eq!(optional_string(&body, "name"), Ok(None));
        assert_eq!(
            required_string(&body, "name"),
            Err(FieldError::new("name", Reason::Missing))
        );
    }
}
