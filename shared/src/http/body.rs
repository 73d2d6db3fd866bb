//! Request bodies: JSON or URL-encoded forms, at most 64 KiB, parsed into a JSON object.
//!
//! Both encodings end up as a `serde_json` object so that the domain parsers see one
//! shape. Form values are strings (a repeated name becomes a list); the domain parsers
//! accept numbers written as strings for that reason.

use http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::ApiError;
pub use crate::domain::JsonObject;

/// The largest body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Parses a body that must be a JSON object or a form; an empty body is an empty object.
pub fn parse_object(headers: &HeaderMap, raw: &[u8]) -> Result<JsonObject, ApiError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(JsonObject::default());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return parse_form(raw);
    }
    if !(content_type.starts_with("application/json") || content_type.contains("+json")) {
        return Err(ApiError::bad_request(
            "body",
            format!("Send the body as application/json (got {content_type})."),
        ));
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(map)) => Ok(JsonObject(map)),
        Ok(_) => Err(ApiError::bad_request(
            "body",
            "The body must be a JSON object, like {\"name\": \"...\"}.",
        )),
        Err(e) => Err(ApiError::bad_request(
            "body",
            format!("The body is not valid JSON: {e}."),
        )),
    }
}

/// A URL-encoded form as an object. A name ending in `[]` (`key[]=a&key[]=b`, as PHP-
/// style encoders write lists) counts as the name without it. Bytes that do not decode
/// to UTF-8 are a 400, as they are in JSON, rather than silently replaced.
fn parse_form(raw: &[u8]) -> Result<JsonObject, ApiError> {
    let mut map = Map::new();
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = form_text(name, "body")?;
        let name = name.strip_suffix("[]").unwrap_or(&name).to_owned();
        let value = Value::String(form_text(value, &name)?);
        match map.get_mut(&name) {
            None => {
                map.insert(name, value);
            }
            Some(Value::Array(list)) => list.push(value),
            Some(first) => {
                let first = first.take();
                map.insert(name, Value::Array(vec![first, value]));
            }
        }
    }
    Ok(JsonObject(map))
}

/// One decoded name or value of a form (`+` is a space); the error names `field`.
fn form_text(encoded: &[u8], field: &str) -> Result<String, ApiError> {
    let spaced: Vec<u8> = encoded
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_encoding::percent_decode(&spaced)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ApiError::bad_request(field, format!("{field} is not valid UTF-8 text.")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).expect("valid header"),
        );
        headers
    }

    #[test]
    fn a_form_with_repeated_names_becomes_a_list() {
        let body = "key=a&key=b&name=buy+milk".as_bytes();
        let object =
            parse_object(&headers("application/x-www-form-urlencoded"), body).expect("form parses");
        assert_eq!(object.get("key"), Some(&serde_json::json!(["a", "b"])));
        assert_eq!(object.get("name"), Some(&serde_json::json!("buy milk")));
    }

    #[test]
    fn a_form_with_bracketed_list_names_and_escapes_decodes() {
        let body = "key[]=a&key[]=b&name=caf%C3%A9+au+lait&empty".as_bytes();
        let object =
            parse_object(&headers("application/x-www-form-urlencoded"), body).expect("form parses");
        assert_eq!(object.get("key"), Some(&serde_json::json!(["a", "b"])));
        assert_eq!(object.get("name"), Some(&serde_json::json!("café au lait")));
        assert_eq!(object.get("empty"), Some(&serde_json::json!("")));
    }

    #[test]
    fn a_form_value_that_is_not_utf8_names_its_field() {
        let body = "name=%FF%FE".as_bytes();
        let error = parse_object(&headers("application/x-www-form-urlencoded"), body)
            .expect_err("rejected");
        assert!(matches!(error, ApiError::BadRequest { ref field, .. } if field == "name"));
    }

    #[test]
    fn malformed_json_names_the_body() {
        let body = "{\"name\": ".as_bytes();
        let error = parse_object(&headers("application/json"), body).expect_err("rejected");
        assert!(matches!(error, ApiError::BadRequest { ref field, .. } if field == "body"));
    }

    #[test]
    fn a_json_array_is_not_an_object() {
        let body = "[1,2]".as_bytes();
        assert!(parse_object(&headers("application/json"), body).is_err());
    }
}
