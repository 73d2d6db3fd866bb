//! Converting between HTTP and API Gateway HTTP API payload format 2.0, as the
//! `aws_lambda_events` types that `lambda_http` reads on the function's side have it.
//!
//! [`to_event`] writes the JSON of the `ApiGatewayV2httpRequest` Lambda receives for a
//! browser request: lower-case headers (repeated ones joined by commas), `cookies` split
//! out of the `Cookie` header, the raw and the decoded query string (repeated keys
//! joined by commas), path parameters, a base64 body for non-text content, and a
//! request context. It is written as API Gateway writes it (none of the fields the
//! struct has for other payloads), straight from the request's parts: the gateway
//! does this on every request, and an owned event struct in between costs copies of
//! every header and string (the tests check the two agree).
//! [`from_result`] reads the function's answer as an [`ApiGatewayV2httpResponse`]:
//! status, headers, `multiValueHeaders`, `cookies` as `Set-Cookie`, and base64 bodies;
//! an answer without `statusCode` is a 200 JSON body, as API Gateway infers.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body as EventBody;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

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

/// The payload 2.0 event for a request, as JSON, written straight from the request's
/// parts: the strings are borrowed, not copied into an owned event first.
pub fn to_event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Vec<u8> {
    let text = |name| header_text(&parts.headers, name);
    let host = text(header::HOST);
    let domain = host
        .as_deref()
        .map_or("localhost", |host| host.split(':').next().unwrap_or(host));
    let (body, is_base64_encoded) = if body.is_empty() {
        (None, false)
    } else {
        match std::str::from_utf8(body) {
            Ok(t) if is_text(text(header::CONTENT_TYPE).as_deref()) => {
                (Some(Cow::Borrowed(t)), false)
            }
            _ => (Some(Cow::Owned(STANDARD.encode(body))), true),
        }
    };
    let raw_query = parts.uri.query().unwrap_or("");
    let path = parts.uri.path();
    let now = SystemTime::now();
    let user_agent = text(header::USER_AGENT);
    let event = Event {
        version: "2.0",
        route_key: info.route_key,
        raw_path: path,
        raw_query_string: raw_query,
        cookies: cookies(&parts.headers),
        headers: Headers(&parts.headers),
        query_string_parameters: query(raw_query),
        path_parameters: info.path_parameters,
        request_context: Context {
            route_key: info.route_key,
            account_id: crate::template::resolve::LOCAL_ACCOUNT_ID,
            stage: "$default",
            request_id: info.request_id,
            api_id: "local",
            domain_name: domain,
            domain_prefix: domain.split('.').next().unwrap_or("local"),
            time: clf_time(now),
            time_epoch: now
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            http: Http {
                method: parts.method.as_str(),
                path,
                protocol: protocol(parts.version),
                source_ip: info.source_ip,
                user_agent: user_agent.as_deref().unwrap_or(""),
            },
        },
        body,
        is_base64_encoded,
    };
    let mut json = Vec::with_capacity(EVENT_CAPACITY + event.body.as_ref().map_or(0, |b| b.len()));
    // Strings, maps of UTF-8 strings, booleans and integers: writing cannot fail.
    match serde_json::to_writer(&mut json, &event) {
        Ok(()) => json,
        Err(_) => Vec::new(),
    }
}

/// Room for an event's fixed part and a browser's usual headers, so that writing it
/// does not grow the buffer.
const EVENT_CAPACITY: usize = 2048;

/// A payload 2.0 event: the fields API Gateway's HTTP API sends, in the order
/// `aws_lambda_events` writes them, without those it leaves out when empty.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    version: &'static str,
    route_key: &'a str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cookies: Vec<Cow<'a, str>>,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_map")]
    query_string_parameters: Vec<(Cow<'a, str>, String)>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    path_parameters: &'a BTreeMap<String, String>,
    request_context: Context<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Cow<'a, str>>,
    is_base64_encoded: bool,
}

/// The event's `requestContext`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Context<'a> {
    route_key: &'a str,
    account_id: &'a str,
    stage: &'a str,
    request_id: &'a str,
    api_id: &'a str,
    domain_name: &'a str,
    domain_prefix: &'a str,
    time: String,
    time_epoch: i64,
    http: Http<'a>,
}

/// The event's `requestContext.http`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Http<'a> {
    method: &'a str,
    path: &'a str,
    protocol: &'static str,
    source_ip: &'a str,
    user_agent: &'a str,
}

/// The protocol as API Gateway writes it.
fn protocol(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// `(key, value)` pairs written as a JSON object.
fn as_map<S: Serializer>(
    pairs: &[(Cow<'_, str>, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// The request's headers as payload 2.0 has them: one value per name (repeated ones
/// joined by commas, invalid UTF-8 replaced), without `Cookie`.
struct Headers<'a>(&'a HeaderMap);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in self.0.keys() {
            if name == header::COOKIE {
                continue;
            }
            if let Some(value) = joined(self.0, name) {
                map.serialize_entry(name.as_str(), &String::from_utf8_lossy(&value))?;
            }
        }
        map.end()
    }
}

/// The values of header `name`, joined by commas (borrowed when there is one).
fn joined<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<Cow<'a, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let Some(second) = values.next() else {
        return Some(Cow::Borrowed(first.as_bytes()));
    };
    let mut all = first.as_bytes().to_vec();
    for more in std::iter::once(second).chain(values) {
        all.push(b',');
        all.extend_from_slice(more.as_bytes());
    }
    Some(Cow::Owned(all))
}

/// Header `name` as text, if its (joined) value is visible ASCII.
fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<Cow<'_, str>> {
    let visible = |b: &u8| *b == b'\t' || (32..127).contains(b);
    match joined(headers, &name)? {
        Cow::Borrowed(bytes) => bytes
            .iter()
            .all(visible)
            .then(|| std::str::from_utf8(bytes).ok().map(Cow::Borrowed))
            .flatten(),
        Cow::Owned(bytes) => bytes
            .iter()
            .all(visible)
            .then(|| String::from_utf8(bytes).ok().map(Cow::Owned))
            .flatten(),
    }
}

/// The cookies of the request's `Cookie` headers (invalid UTF-8 replaced).
fn cookies(headers: &HeaderMap) -> Vec<Cow<'_, str>> {
    let mut cookies = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        match String::from_utf8_lossy(value.as_bytes()) {
            Cow::Borrowed(text) => cookies.extend(cookie_pieces(text).map(Cow::Borrowed)),
            Cow::Owned(text) => {
                cookies.extend(cookie_pieces(&text).map(|c| Cow::Owned(c.to_owned())));
            }
        }
    }
    cookies
}

/// The decoded query parameters by key, repeated keys' values joined by commas in the
/// order they came (a stable sort brings them together).
fn query(raw: &str) -> Vec<(Cow<'_, str>, String)> {
    let mut pairs: Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut joined: Vec<(Cow<'_, str>, String)> = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match joined.last_mut() {
            Some((k, all)) if *k == key => {
                all.push(',');
                all.push_str(&value);
            }
            _ => joined.push((key, value.into_owned())),
        }
    }
    joined
}

/// Common-log-format time, as API Gateway writes it: `12/Mar/2020:19:03:58 +0000`.
fn clf_time(time: SystemTime) -> String {
    // IMF-fixdate has fixed widths: `Thu, 12 Mar 2020 19:03:58 GMT`.
    let date = httpdate::fmt_http_date(time);
    match (
        date.get(5..7),
        date.get(8..11),
        date.get(12..16),
        date.get(17..25),
    ) {
        (Some(day), Some(month), Some(year), Some(clock)) => {
            format!("{day}/{month}/{year}:{clock} +0000")
        }
        _ => date,
    }
}

/// An answer as `lambda_http` writes it, its strings borrowed from the JSON where they
/// have no escapes: the common case, read without `aws_lambda_events`' header maps
/// (whose values go through an untagged enum, buffered). It takes string headers,
/// string-array `multiValueHeaders`, a string body, and no repeated keys; anything else
/// is read by [`read`] as before, so both ways give the same response or error.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Plain<'a> {
    status_code: i64,
    #[serde(default, borrow)]
    headers: Option<Pairs<'a, Text<'a>>>,
    #[serde(default, borrow)]
    multi_value_headers: Option<Pairs<'a, Vec<Text<'a>>>>,
    #[serde(default, borrow)]
    body: Option<Text<'a>>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
    #[serde(default, borrow)]
    cookies: Option<Vec<Text<'a>>>,
}

/// A JSON string, borrowed when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// A JSON object's entries in order, refused if a key repeats (which the general way
/// reads differently depending on the other fields) or if there are more than
/// [`PLAIN_KEYS`] (so that looking for repeats stays cheap).
struct Pairs<'a, V>(Vec<(Text<'a>, V)>);

/// The most headers a [`Plain`] answer has in one map.
const PLAIN_KEYS: usize = 32;

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Pairs<'a, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Visit<V> {
            type Value = Pairs<'de, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Pairs<'de, V>, M::Error> {
                let mut pairs: Vec<(Text<'de>, V)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<Text<'de>, V>()? {
                    if pairs.len() == PLAIN_KEYS || pairs.iter().any(|(k, _)| k.0 == key.0) {
                        return Err(de::Error::custom("a repeated key, or too many"));
                    }
                    pairs.push((key, value));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// The HTTP response for a [`Plain`] answer; `None` when `result` is not one or a value
/// in it is not valid in HTTP, for [`read`] to read and judge.
fn plain_response(result: &[u8]) -> Option<http::Response<axum::body::Body>> {
    // Only an object: derived structs would read an array too.
    if result.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let plain: Plain<'_> = serde_json::from_slice(result).ok()?;
    let status = u16::try_from(plain.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())?;
    let name = |text: &Text<'_>| HeaderName::from_bytes(text.0.as_bytes()).ok();
    let value = |text: &Text<'_>| HeaderValue::from_str(&text.0).ok();
    let mut headers = HeaderMap::new();
    for (key, text) in plain.headers.iter().flat_map(|p| &p.0) {
        headers.insert(name(key)?, value(text)?);
    }
    for (key, texts) in plain.multi_value_headers.iter().flat_map(|p| &p.0) {
        let key = name(key)?;
        for text in texts {
            headers.append(&key, value(text)?);
        }
    }
    for cookie in plain.cookies.iter().flatten() {
        headers.append(header::SET_COOKIE, value(cookie)?);
    }
    let body = match plain.body {
        None => Bytes::new(),
        Some(text) if plain.is_base64_encoded == Some(true) => {
            Bytes::from(STANDARD.decode(text.0.as_bytes()).ok()?)
        }
        Some(Text(text)) => Bytes::from(text.into_owned()),
    };
    let mut response = http::Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Some(response)
}

/// The function's answer: an HTTP API response, or any other JSON, which API Gateway
/// passes on as a 200 JSON body.
enum Answer {
    Response(Box<ApiGatewayV2httpResponse>),
    Passthrough,
}

/// Reads the answer. Responses as `lambda_http` writes them parse directly; others
/// (another runtime's, which may leave out `cookies`) get API Gateway's defaults first.
fn read(result: &[u8]) -> Result<Answer, ResponseError> {
    let is_object = result.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_object && let Ok(response) = serde_json::from_slice(result) {
        return Ok(Answer::Response(Box::new(response)));
    }
    let mut value: Value = serde_json::from_slice(result)
        .map_err(|e| ResponseError::Invalid(format!("not JSON: {e}")))?;
    let Some(object) = value
        .as_object_mut()
        .filter(|o| o.contains_key("statusCode"))
    else {
        return Ok(Answer::Passthrough);
    };
    if object.get("cookies").is_none_or(Value::is_null) {
        object.insert("cookies".to_owned(), Value::Array(Vec::new()));
    }
    serde_json::from_value(value)
        .map(|response| Answer::Response(Box::new(response)))
        .map_err(|e| ResponseError::Invalid(e.to_string()))
}

/// The HTTP response for the function's answer `result`.
pub fn from_result(result: &Bytes) -> Result<http::Response<axum::body::Body>, ResponseError> {
    plain_response(result).map_or_else(|| any_response(result), Ok)
}

/// The HTTP response for any answer, or why there is none.
fn any_response(result: &Bytes) -> Result<http::Response<axum::body::Body>, ResponseError> {
    let answer = match read(result)? {
        Answer::Response(answer) => *answer,
        Answer::Passthrough => {
            return http::Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(result.clone()))
                .map_err(|e| ResponseError::Invalid(e.to_string()));
        }
    };
    let status = u16::try_from(answer.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| ResponseError::Invalid("statusCode is not an HTTP status".to_owned()))?;
    let mut headers = answer.headers;
    for (name, value) in &answer.multi_value_headers {
        headers.append(name, value.clone());
    }
    for cookie in &answer.cookies {
        let value = HeaderValue::from_str(cookie)
            .map_err(|e| ResponseError::Invalid(format!("cookie {cookie:?}: {e}")))?;
        headers.append(header::SET_COOKIE, value);
    }
    let body = match answer.body {
        None => Bytes::new(),
        Some(body) if answer.is_base64_encoded => Bytes::from(
            STANDARD
                .decode(&*body)
                .map_err(|e| ResponseError::Invalid(format!("body is not base64: {e}")))?,
        ),
        Some(EventBody::Text(text)) => Bytes::from(text),
        Some(other) => Bytes::copy_from_slice(&other),
    };
    let mut response = http::Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext};
    use aws_lambda_events::query_map::QueryMap;
    use http_body_util::BodyExt as _;
    use serde_json::json;
    use std::collections::HashMap;

    /// The fields of [`ApiGatewayV2httpRequest`] that HTTP API payload 2.0 events do not
    /// have: a custom authorizer's (`type` ... `resource`), and `stageVariables`, which API
    /// Gateway sends only for a stage that has some (the local `$default` stage has none).
    const NOT_IN_HTTP_API_EVENTS: &[&str] = &[
        "type",
        "methodArn",
        "httpMethod",
        "identitySource",
        "authorizationToken",
        "resource",
        "stageVariables",
    ];

    fn event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Value {
        serde_json::from_slice(&to_event(parts, body, info)).expect("the event is JSON")
    }

    /// The event as `aws_lambda_events` writes it, without the fields HTTP API events
    /// do not have: the reference the event written directly must equal.
    fn reference(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Value {
        let mut value = serde_json::to_value(to_request(parts, body, info)).expect("the event");
        let object = value.as_object_mut().expect("an object");
        for field in NOT_IN_HTTP_API_EVENTS {
            object.remove(*field);
        }
        value
    }

    /// `value` as UTF-8 text (invalid bytes replaced), which the event's headers must be.
    fn utf8_value(value: HeaderValue) -> Option<HeaderValue> {
        match String::from_utf8_lossy(value.as_bytes()) {
            Cow::Borrowed(_) => Some(value),
            Cow::Owned(text) => HeaderValue::from_str(&text).ok(),
        }
    }

    /// The request's headers as payload 2.0 has them (one value per name, repeated ones
    /// joined by commas), and its cookies.
    fn headers_and_cookies(request: &HeaderMap) -> (HeaderMap, Vec<String>) {
        let mut headers = HeaderMap::with_capacity(request.keys_len());
        let mut cookies = Vec::new();
        for name in request.keys() {
            let mut values = request.get_all(name).iter();
            if name == header::COOKIE {
                for value in values {
                    let text = String::from_utf8_lossy(value.as_bytes());
                    cookies.extend(cookie_pieces(&text).map(str::to_owned));
                }
                continue;
            }
            let Some(first) = values.next() else { continue };
            let mut value = first.clone();
            for more in values {
                let mut joined = Vec::with_capacity(value.len() + 1 + more.len());
                joined.extend_from_slice(value.as_bytes());
                joined.push(b',');
                joined.extend_from_slice(more.as_bytes());
                // Two valid values and a comma make a valid value.
                value = HeaderValue::from_bytes(&joined).unwrap_or(value);
            }
            if let Some(value) = utf8_value(value) {
                headers.insert(name.clone(), value);
            }
        }
        (headers, cookies)
    }

    /// The [`ApiGatewayV2httpRequest`] API Gateway would send for a request.
    fn to_request(
        parts: &http::request::Parts,
        body: &[u8],
        info: &RequestInfo<'_>,
    ) -> ApiGatewayV2httpRequest {
        let (headers, cookies) = headers_and_cookies(&parts.headers);
        let raw_query = parts.uri.query().unwrap_or("");
        let mut query: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in form_urlencoded::parse(raw_query.as_bytes()) {
            query
                .entry(k.into_owned())
                .or_default()
                .push(v.into_owned());
        }
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let domain = text(header::HOST)
            .map_or("localhost", |host| host.split(':').next().unwrap_or(host))
            .to_owned();
        let path = parts.uri.path();
        let (body, is_base64_encoded) = if body.is_empty() {
            (None, false)
        } else {
            match std::str::from_utf8(body) {
                Ok(t) if is_text(text(header::CONTENT_TYPE)) => (Some(t.to_owned()), false),
                _ => (Some(STANDARD.encode(body)), true),
            }
        };
        let now = SystemTime::now();
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.route_key = Some(info.route_key.to_owned());
        context.account_id = Some(crate::template::resolve::LOCAL_ACCOUNT_ID.to_owned());
        context.stage = Some("$default".to_owned());
        context.request_id = Some(info.request_id.to_owned());
        context.apiid = Some("local".to_owned());
        context.domain_prefix = Some(domain.split('.').next().unwrap_or("local").to_owned());
        context.domain_name = Some(domain);
        context.time = Some(clf_time(now));
        context.time_epoch = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        context.http.method = parts.method.clone();
        context.http.path = Some(path.to_owned());
        // `http::Version`'s Debug is the protocol as API Gateway writes it ("HTTP/1.1").
        context.http.protocol = Some(format!("{:?}", parts.version));
        context.http.source_ip = Some(info.source_ip.to_owned());
        context.http.user_agent = Some(text(header::USER_AGENT).unwrap_or("").to_owned());

        let mut event = ApiGatewayV2httpRequest::default();
        event.version = Some("2.0".to_owned());
        event.route_key = Some(info.route_key.to_owned());
        event.raw_path = Some(path.to_owned());
        event.raw_query_string = Some(raw_query.to_owned());
        event.cookies = (!cookies.is_empty()).then_some(cookies);
        event.headers = headers;
        event.query_string_parameters = QueryMap::from(query);
        event.path_parameters = info
            .path_parameters
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        event.request_context = context;
        event.body = body;
        event.is_base64_encoded = is_base64_encoded;
        event
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

    /// The keys of an object, sorted.
    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
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
                ("user-agent", "test/1"),
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
        let context = &event["requestContext"];
        assert_eq!(context["http"]["method"], "POST");
        assert_eq!(context["http"]["path"], "/api/rule/k1");
        assert_eq!(context["http"]["protocol"], "HTTP/1.1");
        assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
        assert_eq!(context["http"]["userAgent"], "test/1");
        assert_eq!(context["domainName"], "127.0.0.1");
        assert_eq!(context["domainPrefix"], "127");
        assert_eq!(context["routeKey"], "POST /api/rule/{key}");
        assert_eq!(context["stage"], "$default");
        assert_eq!(context["requestId"], "req-1");
        assert!(context["timeEpoch"].as_i64().is_some_and(|t| t > 0));
    }

    #[test]
    fn events_are_what_aws_lambda_events_writes() {
        let params = BTreeMap::from([("key".to_owned(), "k 1/\"x\"".to_owned())]);
        let opaque = HeaderValue::from_bytes(b"caf\xe9; x=1").expect("opaque header");
        let mut odd = request(
            "/api/rule/k1?b=2&a=1&a=&%FF=%FE&b=x%20y&c",
            &[
                ("host", "Example.COM:3001"),
                ("x-many", "1"),
                ("x-many", "2"),
                ("cookie", "a=1; ; b=2"),
                ("content-type", "text/plain"),
                ("content-type", "charset=utf-8"),
                ("user-agent", "agent/1 \"quoted\" \\"),
            ],
        );
        odd.headers.append("x-opaque", opaque.clone());
        odd.headers.append(header::COOKIE, opaque.clone());
        odd.headers.append(header::USER_AGENT, opaque);
        odd.version = http::Version::HTTP_2;
        let cases = [
            (
                request("/api/rule/k1", &[("host", "localhost:3001")]),
                Vec::new(),
            ),
            (request("/", &[]), b"{}".to_vec()),
            (
                request(
                    "/x?a=1",
                    &[("cookie", "c=1"), ("content-type", "image/png")],
                ),
                b"hi".to_vec(),
            ),
            (odd.clone(), vec![0, 159, 255]),
            (odd, "text \u{e9}\"\n".as_bytes().to_vec()),
        ];
        for (parts, body) in &cases {
            for params in [&params, &BTreeMap::new()] {
                let mut ours = event(parts, body, &info(params));
                let theirs = reference(parts, body, &info(params));
                // The two were written a moment apart: only the clock may differ.
                ours["requestContext"]["time"] = theirs["requestContext"]["time"].clone();
                ours["requestContext"]["timeEpoch"] = theirs["requestContext"]["timeEpoch"].clone();
                assert_eq!(ours, theirs, "{parts:?}");
            }
        }
    }

    #[test]
    fn events_have_the_fields_api_gateway_sends_and_no_others() {
        let sample: Value = serde_json::from_str(include_str!("../../../events/rule-get.json"))
            .expect("events/rule-get.json");
        let parts = request("/api/rule/k1", &[("host", "localhost:3001")]);
        let params = BTreeMap::from([("key".to_owned(), "k1".to_owned())]);
        let ours = event(&parts, b"", &info(&params));
        assert_eq!(keys(&ours), keys(&sample));
        assert_eq!(
            keys(&ours["requestContext"]),
            keys(&sample["requestContext"])
        );
        assert_eq!(
            keys(&ours["requestContext"]["http"]),
            keys(&sample["requestContext"]["http"])
        );
        // A request with a query, cookies and a body adds exactly those fields.
        let parts = request("/x?a=1", &[("cookie", "c=1")]);
        let mut with_all = keys(&event(&parts, b"hi", &info(&params)));
        with_all.retain(|k| !keys(&sample).contains(k));
        assert_eq!(with_all, ["body", "cookies", "queryStringParameters"]);
    }

    #[test]
    fn what_the_function_reads_is_what_was_sent() {
        let opaque = HeaderValue::from_bytes(b"caf\xe9; x=1").expect("opaque header");
        let mut parts = request(
            "/api/rule/k1?a=1&a=2&%FF=%FE",
            &[("x-many", "1"), ("x-many", "2"), ("cookie", "a=1")],
        );
        parts.headers.append("x-opaque", opaque.clone());
        parts.headers.append(header::COOKIE, opaque);
        let params = BTreeMap::from([("key".to_owned(), "k 1/\"x\"".to_owned())]);
        let json = to_event(&parts, &[0, 159, 255], &info(&params));
        let mut read: ApiGatewayV2httpRequest =
            serde_json::from_slice(&json).expect("lambda_http's type reads the event");
        let expected = to_request(&parts, &[0, 159, 255], &info(&params));
        // The two were built a moment apart: only the clock may differ.
        read.request_context.time_epoch = expected.request_context.time_epoch;
        read.request_context.time = expected.request_context.time.clone();
        assert_eq!(read, expected);
        assert_eq!(read.headers["x-many"], "1,2");
        assert_eq!(
            read.headers["x-opaque"].as_bytes(),
            "caf\u{fffd}; x=1".as_bytes()
        );
        assert_eq!(
            read.cookies,
            Some(vec![
                "a=1".to_owned(),
                "caf\u{fffd}".to_owned(),
                "x=1".to_owned()
            ])
        );
        assert_eq!(read.path_parameters["key"], "k 1/\"x\"");
        assert_eq!(read.query_string_parameters.all("a"), Some(vec!["1", "2"]));
        assert!(read.is_base64_encoded);
        assert_eq!(read.request_context.http.method, http::Method::POST);
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

    #[test]
    fn binary_bodies_are_base64() {
        let parts = request("/upload", &[("content-type", "application/octet-stream")]);
        let params = BTreeMap::new();
        let event = event(&parts, &[0, 159, 255], &info(&params));
        assert_eq!(event["isBase64Encoded"], true);
        assert_eq!(event["body"], STANDARD.encode([0u8, 159, 255]));
        assert!(event.get("pathParameters").is_none());
        let parts = request("/text", &[("content-type", "text/plain")]);
        let event = self::event(&parts, &[0xff, 0xfe], &info(&params));
        assert_eq!(event["isBase64Encoded"], true, "not UTF-8, so base64");
    }

    #[test]
    fn the_time_is_in_common_log_format() {
        let at = |s| UNIX_EPOCH + std::time::Duration::from_secs(s);
        assert_eq!(clf_time(at(1_583_348_638)), "04/Mar/2020:19:03:58 +0000");
        assert_eq!(clf_time(at(0)), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(clf_time(at(1_795_341_613)), "22/Nov/2026:10:00:13 +0000");
    }

    /// Status, headers and body of a response.
    async fn flat(
        response: Result<http::Response<axum::body::Body>, ResponseError>,
    ) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
        let response = response.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("text").to_owned()))
            .collect();
        let body = response.into_body().collect().await.expect("body");
        Ok((status, headers, body.to_bytes().to_vec()))
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
        let (status, headers, body) = flat(from_result(&Bytes::from(answer.to_string())))
            .await
            .expect("valid");
        assert_eq!(status, 201);
        let get = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("content-type"), ["image/png"]);
        assert_eq!(get("set-cookie"), ["a=1; Path=/", "b=2"]);
        assert_eq!(get("x-two"), ["a", "b"]);
        assert_eq!(body, [1, 2, 250]);
    }

    #[tokio::test]
    async fn answers_as_other_runtimes_write_them_are_read() {
        for (answer, want) in [
            // No cookies, no multiValueHeaders (the Node.js client in the tests).
            (
                r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"hi"}"#,
                (200, vec![("content-type", "text/plain")], "hi"),
            ),
            (
                r#"{"statusCode":204,"cookies":null,"body":null,"headers":null}"#,
                (204, vec![], ""),
            ),
            (
                r#"{"statusCode":200,"body":"aGk=","isBase64Encoded":false}"#,
                (200, vec![], "aGk="),
            ),
            (
                r#"{"statusCode":200,"body":"esc\"aped\u00e9"}"#,
                (200, vec![], "esc\"aped\u{e9}"),
            ),
            // Without statusCode: the whole answer, as JSON.
            (
                r#"{"hello":"world"}"#,
                (
                    200,
                    vec![("content-type", "application/json")],
                    r#"{"hello":"world"}"#,
                ),
            ),
            (
                r#"[200]"#,
                (200, vec![("content-type", "application/json")], "[200]"),
            ),
            (
                r#""text""#,
                (200, vec![("content-type", "application/json")], r#""text""#),
            ),
        ] {
            let (status, headers, body) = flat(from_result(&Bytes::from_static(answer.as_bytes())))
                .await
                .expect(answer);
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                (status, headers, body.as_slice()),
                (want.0, want.1, want.2.as_bytes()),
                "{answer}"
            );
        }
    }

    #[tokio::test]
    async fn plain_answers_read_as_any_answer_does() {
        let answers = [
            r#"{"statusCode":200,"headers":{"content-type":"application/json"},"multiValueHeaders":{},"body":"{\"a\":1}","isBase64Encoded":false,"cookies":[]}"#,
            r#"{"statusCode":201,"headers":{"X-Up":"1","x-esc":"a\u0041"},"multiValueHeaders":{"x-two":["a","b"],"x-up":["2"],"x-none":[]},"cookies":["a=1; Path=/","b=2"],"body":"AQL6","isBase64Encoded":true}"#,
            r#"{"statusCode":204,"cookies":null,"body":null,"headers":null,"multiValueHeaders":null,"isBase64Encoded":null,"other":[1]}"#,
            r#" {"statusCode":200}"#,
            r#"{"statusCode":200,"headers":{"a":"1","a":"2"}}"#,
            r#"{"statusCode":200,"multiValueHeaders":{"a":["1"],"a":["2"]}}"#,
            r#"{"statusCode":200,"multiValueHeaders":{"a":"1"},"cookies":[]}"#,
            r#"{"statusCode":200,"statusCode":201,"cookies":[]}"#,
            r#"{"statusCode":200,"headers":{"x":1}}"#,
            r#"{"statusCode":200,"headers":{"x":[1,2]}}"#,
        ];
        for answer in answers {
            let result = Bytes::from_static(answer.as_bytes());
            let plain = plain_response(&result).map(Ok);
            assert_eq!(
                flat(from_result(&result)).await,
                flat(any_response(&result)).await,
                "{answer}"
            );
            if let Some(plain) = plain {
                assert_eq!(
                    flat(plain).await,
                    flat(any_response(&result)).await,
                    "{answer}"
                );
            }
        }
        assert!(plain_response(answers[0].as_bytes()).is_some());
        assert!(plain_response(answers[1].as_bytes()).is_some());
    }

    #[test]
    fn invalid_answers_are_errors() {
        for answer in [
            "not json",
            "",
            r#"{"statusCode": 99999}"#,
            r#"{"statusCode": 99}"#,
            r#"{"statusCode": -1}"#,
            r#"{"statusCode": null}"#,
            r#"{"statusCode": "200"}"#,
            r#"{"statusCode": 200}trailing"#,
            r#"{"statusCode":200,"body":"not base64!","isBase64Encoded":true}"#,
            r#"{"statusCode":200,"headers":{"bad name":"v"}}"#,
            r#"{"statusCode":200,"headers":{"x":"bad\nvalue"}}"#,
            r#"{"statusCode":200,"cookies":["bad\ncookie"]}"#,
            r#"{"statusCode":200,"body":{"an":"object"}}"#,
        ] {
            assert!(
                from_result(&Bytes::from_static(answer.as_bytes())).is_err(),
                "{answer}"
            );
        }
    }
}
