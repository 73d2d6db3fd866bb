//! Converting between HTTP and API Gateway HTTP API payload format 2.0, with the
//! `aws_lambda_events` types that `lambda_http` reads on the function's side.
//!
//! [`to_event`] turns a browser request into the [`ApiGatewayV2httpRequest`] Lambda
//! receives: lower-case headers (repeated ones joined by commas), `cookies` split out
//! of the `Cookie` header, the raw and the decoded query string (repeated keys joined
//! by commas), path parameters, a base64 body for non-text content, and a request
//! context. It is written as API Gateway writes it, without the fields the struct has
//! for other payloads ([`omit_fields`](super::omit_fields)).
//! [`from_result`] reads the function's answer as an [`ApiGatewayV2httpResponse`]:
//! status, headers, `multiValueHeaders`, `cookies` as `Set-Cookie`, and base64 bodies;
//! an answer without `statusCode` is a 200 JSON body, as API Gateway infers.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::{
    ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext, ApiGatewayV2httpResponse,
};
use aws_lambda_events::encodings::Body as EventBody;
use aws_lambda_events::query_map::QueryMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::Value;

use crate::server::omit_fields::Omitting;

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

/// The payload 2.0 event for a request, as JSON.
pub fn to_event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Vec<u8> {
    let event = to_request(parts, body, info);
    // Strings, maps of UTF-8 strings, booleans and integers: writing cannot fail.
    serde_json::to_vec(&Omitting {
        value: &event,
        fields: NOT_IN_HTTP_API_EVENTS,
    })
    .unwrap_or_default()
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
pub fn to_request(
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
    use http_body_util::BodyExt as _;
    use serde_json::json;

    fn event(parts: &http::request::Parts, body: &[u8], info: &RequestInfo<'_>) -> Value {
        serde_json::from_slice(&to_event(parts, body, info)).expect("the event is JSON")
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
