//! Converting between HTTP and API Gateway HTTP API payload format 2.0.
//!
//! [`to_event`] turns a browser request into the event Lambda receives: lower-case
//! headers (repeated ones joined by commas), `cookies` split out of the `Cookie`
//! header, the raw and the decoded query string (repeated keys joined by commas),
//! path parameters, a base64 body for non-text content, and a request context.
//! [`from_result`] turns the function's answer back into HTTP: status, headers,
//! `multiValueHeaders`, `cookies` as `Set-Cookie`, and base64 bodies; an answer without
//! `statusCode` is a 200 JSON body, as API Gateway infers.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    let ct = ct.split(';').next().unwrap_or("").trim();
    // ASCII case-insensitive throughout, without lower-casing into a new string.
    let starts = |prefix: &str| {
        ct.len() >= prefix.len()
            && ct.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let ends = |suffix: &str| {
        ct.len() >= suffix.len()
            && ct.as_bytes()[ct.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    ct.is_empty()
        || starts("text/")
        || [
            "application/json",
            "application/javascript",
            "application/xml",
            "application/yaml",
            "application/x-www-form-urlencoded",
            "application/graphql",
        ]
        .iter()
        .any(|t| ct.eq_ignore_ascii_case(t))
        || ends("+json")
        || ends("+xml")
        || ends("+yaml")
}

// The event's shape. Fields are declared in alphabetical order so that the JSON is
// byte for byte what serializing a `serde_json::Value` (sorted keys) used to give.

#[derive(Serialize)]
struct Event<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<Cow<'a, str>>,
    headers: &'a BTreeMap<&'a str, Cow<'a, str>>,
    #[serde(rename = "isBase64Encoded")]
    is_base64_encoded: bool,
    #[serde(rename = "pathParameters", skip_serializing_if = "BTreeMap::is_empty")]
    path_parameters: &'a BTreeMap<String, String>,
    #[serde(
        rename = "queryStringParameters",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    query_string_parameters: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(rename = "rawPath")]
    raw_path: &'a str,
    #[serde(rename = "rawQueryString")]
    raw_query_string: &'a str,
    #[serde(rename = "requestContext")]
    request_context: RequestContext<'a>,
    #[serde(rename = "routeKey")]
    route_key: &'a str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    account_id: &'static str,
    api_id: &'static str,
    domain_name: &'a str,
    domain_prefix: &'a str,
    http: HttpContext<'a>,
    request_id: &'a str,
    route_key: &'a str,
    stage: &'static str,
    time: String,
    time_epoch: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext<'a> {
    method: &'a str,
    path: &'a str,
    protocol: Cow<'static, str>,
    source_ip: &'a str,
    user_agent: &'a str,
}

/// `format!("{:?}", version)` without the formatting for the usual versions.
fn protocol(version: http::Version) -> Cow<'static, str> {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9".into(),
        http::Version::HTTP_10 => "HTTP/1.0".into(),
        http::Version::HTTP_11 => "HTTP/1.1".into(),
        http::Version::HTTP_2 => "HTTP/2.0".into(),
        http::Version::HTTP_3 => "HTTP/3.0".into(),
        other => format!("{other:?}").into(),
    }
}

/// The cookies of a `Cookie` header.
fn cookie_pieces(header: &str) -> impl Iterator<Item = &str> {
    header.split(';').map(str::trim).filter(|c| !c.is_empty())
}

/// The event of a request the platform makes itself (`invoke`'s set-up, the bench):
/// `method` and `path` (with its query) to `localhost` from 127.0.0.1, with `headers`
/// and `body`, under the route of `routes` that claims it (its key and path parameters,
/// as the gateway would give them), else under `"{method} {path}"` without parameters.
pub fn local_event(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    routes: &crate::server::routes::RouteTable,
    request_id: &str,
) -> Result<Vec<u8>, http::Error> {
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (parts, ()) = request.body(())?.into_parts();
    let matched = routes.find(method, parts.uri.path());
    let (route_key, params) = match &matched {
        Some(m) => (m.route_key.to_owned(), m.path_parameters.clone()),
        None => (format!("{method} {}", parts.uri.path()), BTreeMap::new()),
    };
    let info = RequestInfo {
        route_key: &route_key,
        path_parameters: &params,
        source_ip: "127.0.0.1",
        request_id,
    };
    Ok(to_event(&parts, body, &info))
}

/// The payload 2.0 event for a request, as JSON.
pub fn to_event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Vec<u8> {
    let mut headers: BTreeMap<&str, Cow<'_, str>> = BTreeMap::new();
    let mut cookies: Vec<Cow<'_, str>> = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        if name == http::header::COOKIE {
            match value {
                Cow::Borrowed(text) => cookies.extend(cookie_pieces(text).map(Cow::Borrowed)),
                Cow::Owned(text) => {
                    cookies.extend(cookie_pieces(&text).map(|c| Cow::Owned(c.to_owned())));
                }
            }
            continue;
        }
        match headers.entry(name.as_str()) {
            Entry::Occupied(mut joined) => {
                let joined = joined.get_mut().to_mut();
                joined.push(',');
                joined.push_str(&value);
            }
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query: BTreeMap<Cow<'_, str>, Cow<'_, str>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
        match query.entry(k) {
            Entry::Occupied(mut joined) => {
                let joined = joined.get_mut().to_mut();
                joined.push(',');
                joined.push_str(&v);
            }
            Entry::Vacant(slot) => {
                slot.insert(v);
            }
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let host = headers.get("host").map_or("localhost", |h| h.as_ref());
    let domain = host.split(':').next().unwrap_or("localhost");
    let user_agent = headers.get("user-agent").map_or("", |h| h.as_ref());
    let path = parts.uri.path();
    let (body, is_base64_encoded) = if body.is_empty() {
        (None, false)
    } else {
        let content_type = headers.get("content-type").map(|h| h.as_ref());
        match std::str::from_utf8(body) {
            Ok(text) if is_text(content_type) => (Some(Cow::Borrowed(text)), false),
            _ => (Some(Cow::Owned(STANDARD.encode(body))), true),
        }
    };
    let event = Event {
        body,
        cookies,
        headers: &headers,
        is_base64_encoded,
        path_parameters: info.path_parameters,
        query_string_parameters: query,
        raw_path: path,
        raw_query_string: raw_query,
        request_context: RequestContext {
            account_id: crate::template::resolve::LOCAL_ACCOUNT_ID,
            api_id: "local",
            domain_name: domain,
            domain_prefix: domain.split('.').next().unwrap_or("local"),
            http: HttpContext {
                method: parts.method.as_str(),
                path,
                protocol: protocol(parts.version),
                source_ip: info.source_ip,
                user_agent,
            },
            request_id: info.request_id,
            route_key: info.route_key,
            stage: "$default",
            time: clf_time(now.as_secs()),
            time_epoch: now.as_millis() as u64,
        },
        route_key: info.route_key,
        version: "2.0",
    };
    // Strings, maps of strings, booleans and integers: serializing cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
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

/// A JSON string, borrowed from the answer unless it had escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Text<'_> {}
impl PartialOrd for Text<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Text<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// A present `statusCode` (a `null` one is an error, so the general path decides).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    u64::deserialize(deserializer).map(Some)
}

/// The common shape of an answer, parsed without building a `serde_json::Value`.
///
/// Strict on purpose: anything else (unknown or repeated fields, numbers as header
/// values, a non-string body, ...) fails here and goes through [`from_value`], which
/// handles every answer; both give the same response for the answers this one accepts.
/// Maps are `BTreeMap`s so that headers are appended in the same (sorted) order.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Answer<'a> {
    #[serde(default, deserialize_with = "present")]
    status_code: Option<u64>,
    #[serde(borrow)]
    headers: Option<BTreeMap<Text<'a>, Text<'a>>>,
    #[serde(borrow)]
    multi_value_headers: Option<BTreeMap<Text<'a>, Vec<Text<'a>>>>,
    #[serde(borrow)]
    cookies: Option<Vec<Text<'a>>>,
    #[serde(borrow)]
    body: Option<Text<'a>>,
    is_base64_encoded: Option<bool>,
}

/// An answer without `statusCode`: the raw result as a 200 JSON body.
fn passthrough(result: &Bytes) -> Result<http::Response<axum::body::Body>, ResponseError> {
    http::Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(result.clone()))
        .map_err(|e| ResponseError::Invalid(e.to_string()))
}

fn status(code: Option<u64>) -> Result<StatusCode, ResponseError> {
    code.and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ResponseError::Invalid("statusCode is not an HTTP status".to_owned()))
}

/// The HTTP response for the function's answer `result`.
pub fn from_result(result: &Bytes) -> Result<http::Response<axum::body::Body>, ResponseError> {
    let is_object = result
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&b'{');
    let answer = match serde_json::from_slice::<Answer<'_>>(result) {
        Ok(answer) if is_object => answer,
        _ => return from_value(result),
    };
    if answer.status_code.is_none() {
        return passthrough(result);
    }
    let mut response = http::Response::builder().status(status(answer.status_code)?);
    let headers = response
        .headers_mut()
        .ok_or_else(|| ResponseError::Invalid("response builder failed".to_owned()))?;
    for (name, value) in answer.headers.iter().flatten() {
        append_str(headers, &name.0, &value.0)?;
    }
    for (name, values) in answer.multi_value_headers.iter().flatten() {
        for value in values {
            append_str(headers, &name.0, &value.0)?;
        }
    }
    for cookie in answer.cookies.iter().flatten() {
        append_str(headers, "set-cookie", &cookie.0)?;
    }
    let body = match answer.body {
        None => Bytes::new(),
        Some(Text(text)) if answer.is_base64_encoded == Some(true) => Bytes::from(
            STANDARD
                .decode(text.as_bytes())
                .map_err(|e| ResponseError::Invalid(format!("body is not base64: {e}")))?,
        ),
        Some(Text(Cow::Borrowed(text))) => result.slice_ref(text.as_bytes()),
        Some(Text(Cow::Owned(text))) => Bytes::from(text),
    };
    response
        .body(axum::body::Body::from(body))
        .map_err(|e| ResponseError::Invalid(e.to_string()))
}

/// [`from_result`] for any answer, through a `serde_json::Value`.
fn from_value(result: &Bytes) -> Result<http::Response<axum::body::Body>, ResponseError> {
    let invalid = |m: &str| ResponseError::Invalid(m.to_owned());
    let value: Value =
        serde_json::from_slice(result).map_err(|e| invalid(&format!("not JSON: {e}")))?;
    let Some(object) = value.as_object().filter(|o| o.contains_key("statusCode")) else {
        return passthrough(result);
    };
    let status = status(object.get("statusCode").and_then(Value::as_u64))?;
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
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Number(_) | Value::Bool(_) => Cow::Owned(value.to_string()),
        _ => {
            return Err(ResponseError::Invalid(format!(
                "header {name} is not a scalar"
            )));
        }
    };
    append_str(headers, name, &text)
}

fn append_str(headers: &mut http::HeaderMap, name: &str, text: &str) -> Result<(), ResponseError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|e| ResponseError::Invalid(format!("header {name}: {e}")))?;
    let value = HeaderValue::from_str(text)
        .map_err(|e| ResponseError::Invalid(format!("header {name}: {e}")))?;
    headers.append(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;
    use serde_json::json;

    fn event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Value {
        serde_json::from_slice(&to_event(parts, body, info)).expect("the event is JSON")
    }

    /// The event as the gateway built it before the typed structs: through a `Value`.
    fn reference_event(
        parts: &http::request::Parts,
        body: &[u8],
        info: &RequestInfo<'_>,
    ) -> String {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        let mut cookies: Vec<String> = Vec::new();
        for (name, value) in &parts.headers {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if name == http::header::COOKIE {
                cookies.extend(cookie_pieces(&value).map(str::to_owned));
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
                "accountId": crate::template::resolve::LOCAL_ACCOUNT_ID,
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
                "time": "TIME",
                "timeEpoch": 0,
            },
            "isBase64Encoded": false,
        });
        let object = event.as_object_mut().expect("object");
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
        event.to_string()
    }

    /// `to_event`'s JSON with the clock fields set to what `reference_event` writes.
    fn without_clock(json: &[u8]) -> String {
        let text = String::from_utf8(json.to_vec()).expect("UTF-8");
        let time = text.find(r#""time":""#).expect("time") + 8;
        let end = time + text[time..].find('"').expect("end of time");
        let epoch = text.find(r#""timeEpoch":"#).expect("timeEpoch") + 12;
        let epoch_end = epoch + text[epoch..].find('}').expect("end of epoch");
        format!(
            "{}TIME{}0{}",
            &text[..time],
            &text[end..epoch],
            &text[epoch_end..]
        )
    }

    #[test]
    fn events_are_byte_for_byte_what_the_value_version_wrote() {
        let opaque = http::HeaderValue::from_bytes(b"caf\xe9; x=1").expect("opaque header");
        let mut cases: Vec<(http::request::Parts, Vec<u8>)> = vec![
            (
                request(
                    "/api/rule/k1?a=1&b=x%20y&a=2&c&%FF=%FE&e=caf%C3%A9&a=",
                    &[
                        ("host", "Example.test:3001"),
                        ("user-agent", "bench/1 \"quoted\""),
                        ("cookie", "jwtToken=abc; theme=dark;;  "),
                        ("cookie", "second=2"),
                        ("content-type", "Application/JSON; charset=utf-8"),
                        ("x-many", "1"),
                        ("x-many", "2"),
                        ("x-ctl", "tab\there"),
                    ],
                ),
                "{\"name\":\"milk \u{e9}\\n\"}".as_bytes().to_vec(),
            ),
            (request("/", &[]), Vec::new()),
            (
                request("/upload", &[("content-type", "image/png")]),
                vec![0, 159, 255],
            ),
            (
                request("/text", &[("content-type", "text/plain")]),
                vec![0xff, 0xfe],
            ),
            (
                request("/weird", &[("content-type", "application/vnd.api+JSON")]),
                b"{}".to_vec(),
            ),
            (request("/no-type", &[]), b"plain".to_vec()),
        ];
        cases[1]
            .0
            .headers
            .insert(http::header::COOKIE, opaque.clone());
        cases[1].0.headers.append("x-opaque", opaque.clone());
        cases[1].0.headers.append("x-opaque", opaque);
        cases[2].0.version = http::Version::HTTP_2;
        cases[3].0.version = http::Version::HTTP_10;
        let params = BTreeMap::from([("key".to_owned(), "k 1/\"x\"".to_owned())]);
        let empty = BTreeMap::new();
        for (parts, body) in &cases {
            for params in [&params, &empty] {
                let info = info(params);
                assert_eq!(
                    without_clock(&to_event(parts, body, &info)),
                    reference_event(parts, body, &info),
                    "{} {}",
                    parts.method,
                    parts.uri
                );
            }
        }
    }

    #[test]
    fn content_types_are_matched_without_case() {
        for text in [
            None,
            Some(""),
            Some("text/html"),
            Some("TEXT/Plain; charset=utf-8"),
            Some(" application/JSON ;x"),
            Some("application/x-www-form-urlencoded"),
            Some("application/problem+json"),
            Some("image/svg+XML"),
            Some("application/x+yaml"),
        ] {
            assert!(is_text(text), "{text:?}");
        }
        for binary in [
            Some("image/png"),
            Some("application/octet-stream"),
            Some("application/jsonx"),
            Some("tex/plain"),
            Some("json"),
            Some("é"),
        ] {
            assert!(!is_text(binary), "{binary:?}");
        }
    }

    /// Status, headers in order, and body of a response.
    async fn flat(
        response: Result<http::Response<axum::body::Body>, ResponseError>,
    ) -> Result<(u16, Vec<(String, Vec<u8>)>, Vec<u8>), String> {
        let response = response.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Ok((status, headers, body.to_vec()))
    }

    #[tokio::test]
    async fn the_typed_answer_path_agrees_with_the_value_path() {
        let answers = [
            r#"{"statusCode":200,"headers":{"z":"1","a":"2","content-type":"text/plain"},"body":"hi"}"#,
            r#" {"statusCode":201,"multiValueHeaders":{"x":["a","b"],"b":["c"]},"cookies":["a=1","b=2"]}"#,
            r#"{"statusCode":200,"headers":{"x":"h"},"multiValueHeaders":{"x":["m"]},"cookies":["c=1"]}"#,
            r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":false}"#,
            r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":"yes"}"#,
            r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":null}"#,
            r#"{"statusCode":200,"body":"not base64!","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"body":"esc\"aped\u00e9","headers":{"x\u002dy":"v\u0041"}}"#,
            r#"{"statusCode":200,"body":null,"headers":null,"cookies":null,"multiValueHeaders":null}"#,
            r#"{"statusCode":200,"body":{"a":[1,2.5]},"headers":{"n":1,"f":1.5,"b":true}}"#,
            r#"{"statusCode":200,"body":12}"#,
            r#"{"statusCode":200,"headers":{"n":null}}"#,
            r#"{"statusCode":200,"headers":"x","cookies":"y","multiValueHeaders":{"a":"b"}}"#,
            r#"{"statusCode":200,"cookies":[1,true]}"#,
            r#"{"statusCode":200,"cookies":[null]}"#,
            r#"{"statusCode":200,"headers":{"bad name":"v"}}"#,
            r#"{"statusCode":200,"headers":{"x":"bad\nvalue"}}"#,
            r#"{"statusCode":200,"headers":{"a":"1"},"headers":{"b":"2"}}"#,
            r#"{"statusCode":200,"headers":{"a":"1","a":"2"}}"#,
            r#"{"statusCode":200,"extra":{"deep":[1,{"x":"\ud800"}]}}"#,
            r#"{"statusCode":200,"extra":1}"#,
            r#"{"statusCode":200,"body":"\ud800"}"#,
            r#"{"statusCode":null}"#,
            r#"{"statusCode":"200"}"#,
            r#"{"statusCode":200.0}"#,
            r#"{"statusCode":-0}"#,
            r#"{"statusCode":-1}"#,
            r#"{"statusCode":99999}"#,
            r#"{"statusCode":99}"#,
            r#"{"statusCode":200}trailing"#,
            r#"{"statusCode":204} "#,
            r#"[200]"#,
            r#""text""#,
            r#"null"#,
            r#"{}"#,
            r#"{"hello":"world"}"#,
            r#"{"body":"x"}"#,
            r#"not json"#,
            r#""#,
        ];
        // The usual answers do take the typed path.
        for answer in &answers[..5] {
            assert!(serde_json::from_slice::<Answer<'_>>(answer.as_bytes()).is_ok());
        }
        for answer in answers {
            let result = Bytes::from_static(answer.as_bytes());
            assert_eq!(
                flat(from_result(&result)).await,
                flat(from_value(&result)).await,
                "{answer}"
            );
        }
    }

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
        let event = event(&parts, br#"{"name":"milk"}"#, &info(&params));
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
        let event = event(&parts, &[0, 159, 255], &info(&params));
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
        let response = from_result(&Bytes::from(answer.to_string())).expect("valid");
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
        let response = from_result(&Bytes::from_static(br#"{"hello":"world"}"#)).expect("valid");
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
        assert!(from_result(&Bytes::from_static(b"not json")).is_err());
        assert!(from_result(&Bytes::from_static(br#"{"statusCode": 99999}"#)).is_err());
    }
}
