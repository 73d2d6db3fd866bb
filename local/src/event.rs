//! Converting between HTTP and API Gateway HTTP API payload format 2.0.
//!
//! [`to_event`] turns a browser request into the event Lambda receives: lower-case
//! headers (repeated ones joined by commas), `cookies` split out of the `Cookie`
//! header, the raw and the decoded query string (repeated keys joined by commas),
//! path parameters, a base64 body for non-text content, and a request context.
//! [`from_result`] turns the function's answer back into HTTP: status, headers,
//! `multiValueHeaders`, `cookies` as `Set-Cookie`, and base64 bodies; an answer without
//! `statusCode` is a 200 JSON body, as API Gateway infers.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};

/// What the gateway knows about the request besides its HTTP parts.
#[derive(Debug, Clone)]
pub struct RequestInfo<'a> {
    /// The route key, e.g. `GET /api/rule/{key}`.
    pub route_key: &'a str,
    /// Values of the route's `{name}` segments.
    pub path_parameters: &'a BTreeMap<String, String>,
    /// The client's address.
    pub source_ip: &'a str,
    /// The API Gateway request id.
    pub request_id: &'a str,
}

/// Why a function's answer is not a valid HTTP API response.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// A field has the wrong type or value.
    #[error("{0}")]
    Invalid(String),
}

/// Whether a body of this content type travels as text (else base64).
pub fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || [
            "application/json",
            "application/javascript",
            "application/xml",
            "application/yaml",
            "application/x-www-form-urlencoded",
            "application/graphql",
        ]
        .contains(&ct.as_str())
        || ct.ends_with("+json")
        || ct.ends_with("+xml")
        || ct.ends_with("+yaml")
}

/// The payload 2.0 event for a request.
pub fn to_event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies: Vec<String> = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push(',');
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
        query
            .entry(k.into_owned())
            .and_modify(|old| {
                old.push(',');
                old.push_str(&v);
            })
            .or_insert_with(|| v.into_owned());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let host = headers
        .get("host")
        .cloned()
        .unwrap_or_else(|| "localhost".to_owned());
    let domain = host.split(':').next().unwrap_or("localhost").to_owned();
    let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
    let path = parts.uri.path();
    let mut event = json!({
        "version": "2.0",
        "routeKey": info.route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": crate::resolve::LOCAL_ACCOUNT_ID,
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or("local"),
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": format!("{:?}", parts.version),
                "sourceIp": info.source_ip,
                "userAgent": user_agent,
            },
            "requestId": info.request_id,
            "routeKey": info.route_key,
            "stage": "$default",
            "time": clf_time(now.as_secs()),
            "timeEpoch": now.as_millis() as u64,
        },
        "isBase64Encoded": false,
    });
    let Some(object) = event.as_object_mut() else {
        return event;
    };
    if !cookies.is_empty() {
        object.insert("cookies".into(), json!(cookies));
    }
    if !query.is_empty() {
        object.insert("queryStringParameters".into(), json!(query));
    }
    if !info.path_parameters.is_empty() {
        object.insert("pathParameters".into(), json!(info.path_parameters));
    }
    if !body.is_empty() {
        let content_type = headers.get("content-type").map(String::as_str);
        match std::str::from_utf8(body) {
            Ok(text) if is_text(content_type) => {
                object.insert("body".into(), Value::String(text.to_owned()));
            }
            _ => {
                object.insert("body".into(), Value::String(STANDARD.encode(body)));
                object.insert("isBase64Encoded".into(), Value::Bool(true));
            }
        }
    }
    event
}

/// Common-log-format time, as API Gateway writes it: `12/Mar/2020:19:03:58 +0000`.
fn clf_time(epoch_seconds: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (epoch_seconds / 86_400) as i64;
    let secs = epoch_seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The HTTP response for the function's answer `result`.
pub fn from_result(result: &[u8]) -> Result<http::Response<axum::body::Body>, ResponseError> {
    let invalid = |m: &str| ResponseError::Invalid(m.to_owned());
    let value: Value =
        serde_json::from_slice(result).map_err(|e| invalid(&format!("not JSON: {e}")))?;
    let Some(object) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return http::Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(result.to_vec()))
            .map_err(|e| invalid(&e.to_string()));
    };
    let status = object
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| invalid("statusCode is not an HTTP status"))?;
    let mut response = http::Response::builder().status(status);
    let headers = response
        .headers_mut()
        .ok_or_else(|| invalid("response builder failed"))?;
    for (name, value) in object
        .get("headers")
        .and_then(Value::as_object)
        .unwrap_or(&Map::new())
    {
        append(headers, name, value)?;
    }
    for (name, values) in object
        .get("multiValueHeaders")
        .and_then(Value::as_object)
        .unwrap_or(&Map::new())
    {
        for value in values.as_array().into_iter().flatten() {
            append(headers, name, value)?;
        }
    }
    for cookie in object
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        append(headers, "set-cookie", cookie)?;
    }
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => {
            if object
                .get("isBase64Encoded")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                STANDARD
                    .decode(text)
                    .map_err(|e| invalid(&format!("body is not base64: {e}")))?
            } else {
                text.clone().into_bytes()
            }
        }
        Some(other) => other.to_string().into_bytes(),
    };
    response
        .body(axum::body::Body::from(body))
        .map_err(|e| invalid(&e.to_string()))
}

fn append(headers: &mut http::HeaderMap, name: &str, value: &Value) -> Result<(), ResponseError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(_) | Value::Bool(_) => value.to_string(),
        _ => {
            return Err(ResponseError::Invalid(format!(
                "header {name} is not a scalar"
            )));
        }
    };
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| ResponseError::Invalid(format!("header {name}: {e}")))?;
    let value = HeaderValue::from_str(&text)
        .map_err(|e| ResponseError::Invalid(format!("header {name}: {e}")))?;
    headers.append(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn request(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut builder = http::Request::builder().method("POST").uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).expect("request").into_parts().0
    }

    fn info<'a>(params: &'a BTreeMap<String, String>) -> RequestInfo<'a> {
        RequestInfo {
            route_key: "POST /api/rule/{key}",
            path_parameters: params,
            source_ip: "127.0.0.1",
            request_id: "req-1",
        }
    }

    #[test]
    fn requests_become_payload_2_events() {
        let parts = request(
            "/api/rule/k1?a=1&b=x%20y&a=2",
            &[
                ("host", "127.0.0.1:3001"),
                ("cookie", "jwtToken=abc; theme=dark"),
                ("content-type", "application/json"),
                ("x-many", "1"),
                ("x-many", "2"),
            ],
        );
        let params = BTreeMap::from([("key".to_owned(), "k1".to_owned())]);
        let event = to_event(&parts, br#"{"name":"milk"}"#, &info(&params));
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "POST /api/rule/{key}");
        assert_eq!(event["rawPath"], "/api/rule/k1");
        assert_eq!(event["rawQueryString"], "a=1&b=x%20y&a=2");
        assert_eq!(event["queryStringParameters"]["a"], "1,2");
        assert_eq!(event["queryStringParameters"]["b"], "x y");
        assert_eq!(event["cookies"], json!(["jwtToken=abc", "theme=dark"]));
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["headers"]["x-many"], "1,2");
        assert_eq!(event["pathParameters"]["key"], "k1");
        assert_eq!(event["body"], r#"{"name":"milk"}"#);
        assert_eq!(event["isBase64Encoded"], false);
        assert_eq!(event["requestContext"]["http"]["method"], "POST");
        assert_eq!(event["requestContext"]["domainName"], "127.0.0.1");
    }

    #[test]
    fn binary_bodies_are_base64() {
        let parts = request("/upload", &[("content-type", "application/octet-stream")]);
        let params = BTreeMap::new();
        let event = to_event(&parts, &[0, 159, 255], &info(&params));
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], STANDARD.encode([0u8, 159, 255]));
        assert!(event.get("pathParameters").is_none());
    }

    #[test]
    fn the_time_is_in_common_log_format() {
        assert_eq!(clf_time(1_583_348_638), "04/Mar/2020:19:03:58 +0000");
        assert_eq!(clf_time(0), "01/Jan/1970:00:00:00 +0000");
    }

    #[tokio::test]
    async fn responses_carry_status_headers_cookies_and_binary_bodies() {
        let answer = json!({
            "statusCode": 201,
            "headers": {"content-type": "image/png", "x-one": "1"},
            "multiValueHeaders": {"x-two": ["a", "b"]},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": STANDARD.encode([1u8, 2, 250]),
            "isBase64Encoded": true
        });
        let response = from_result(answer.to_string().as_bytes()).expect("valid");
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["content-type"], "image/png");
        let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
        assert_eq!(response.headers().get_all("x-two").iter().count(), 2);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], &[1, 2, 250]);
    }

    #[tokio::test]
    async fn answers_without_status_code_are_json_200s() {
        let response = from_result(br#"{"hello":"world"}"#).expect("valid");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], br#"{"hello":"world"}"#);
    }

    #[test]
    fn invalid_answers_are_errors() {
        assert!(from_result(b"not json").is_err());
        assert!(from_result(br#"{"statusCode": 99999}"#).is_err());
    }
}
