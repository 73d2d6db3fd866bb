//! The API Gateway event, made safe before `lambda_http` turns it into a request.
//!
//! `lambda_http` builds each request's URI from the `Host` header (or the request
//! context's domain name) and `X-Forwarded-Proto`, and **panics** when they do not form
//! a URL: `X-Forwarded-Proto: https, http` (two proxies), `Host: a b`, `Host: x:99999`.
//! An empty `Host` is worse: the first path segment silently becomes the host, so
//! `/api/rule` is routed as `/rule`. That happens before the router runs, where its
//! panic layer ([`crate::http::router`]) cannot catch it, and the caller gets the
//! runtime's raw error instead of the contract's answer.
//!
//! [`sanitize`] runs on every event first. It keeps what is well-formed and drops what
//! is not, so the request is always built and always answered by the router:
//! - `X-Forwarded-Proto`: the first of a comma-separated list, if it is `http` or
//!   `https` (any case); removed otherwise, and the URI then says `https`;
//! - `Host` and `requestContext.domainName`: kept only when they are a host name or an
//!   IP address with an optional port in `1..=65535`;
//! - `rawPath`: made to start with `/`;
//! - `rawQueryString`: characters a URI may not carry are percent-encoded.

use std::borrow::Cow;

use lambda_http::LambdaEvent;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::request::LambdaRequest;

/// Sanitises one invocation's event in place (see the module documentation).
pub fn sanitize_event(mut event: LambdaEvent<LambdaRequest>) -> LambdaEvent<LambdaRequest> {
    if let LambdaRequest::ApiGatewayV2(request) = &mut event.payload {
        sanitize(request);
    }
    event
}

/// Sanitises an HTTP API payload 2.0 request in place.
pub fn sanitize(request: &mut ApiGatewayV2httpRequest) {
    let headers = &mut request.headers;
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| v == "http" || v == "https");
    headers.remove("x-forwarded-proto");
    if let Some(proto) = proto.and_then(|p| http::HeaderValue::from_str(&p).ok()) {
        headers.insert("x-forwarded-proto", proto);
    }
    let host_is_sound = headers
        .get(http::header::HOST)
        .is_some_and(|v| v.to_str().is_ok_and(is_authority));
    if !host_is_sound {
        headers.remove(http::header::HOST);
    }
    if request
        .request_context
        .domain_name
        .as_deref()
        .is_some_and(|d| !is_authority(d))
    {
        request.request_context.domain_name = None;
    }
    if let Some(path) = request.raw_path.as_mut().filter(|p| !p.starts_with('/')) {
        path.insert(0, '/');
    }
    if let Some(query) = request.raw_query_string.as_mut()
        && let Cow::Owned(encoded) = encode_query(query)
    {
        *query = encoded;
    }
}

/// Whether `text` is `host[:port]`: a DNS name, an IPv4 address or a bracketed IPv6
/// address, and a port in `1..=65535`.
fn is_authority(text: &str) -> bool {
    let (host_ok, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let Some((v6, after)) = rest.split_once(']') else {
                return false;
            };
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return false,
                },
            };
            (v6.parse::<std::net::Ipv6Addr>().is_ok(), port)
        }
        None => match text.split_once(':') {
            Some((host, port)) => (is_host_name(host), Some(port)),
            None => (is_host_name(text), None),
        },
    };
    host_ok && port.is_none_or(is_port)
}

/// Dot-separated labels of letters, digits, `-` and `_`, each starting with a letter
/// or digit (IPv4 addresses included).
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            label.len() <= 63
                && label
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Decimal digits of a port in `1..=65535`.
fn is_port(port: &str) -> bool {
    (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n))
}

/// `query` with every byte a URI query may not carry percent-encoded (RFC 3986's
/// `query` set; `%` is kept, as the query is already encoded).
fn encode_query(query: &str) -> Cow<'_, str> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b);
    if query.bytes().all(allowed) {
        return Cow::Borrowed(query);
    }
    let mut encoded = String::with_capacity(query.len() + 16);
    for b in query.bytes() {
        if allowed(b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(headers: &[(&str, &str)], domain: &str) -> ApiGatewayV2httpRequest {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
            .collect();
        serde_json::from_value(serde_json::json!({
            "version": "2.0",
            "routeKey": "ANY /api/rule",
            "rawPath": "/api/rule",
            "rawQueryString": "current=1",
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "api",
                "domainName": domain,
                "http": {"method": "GET", "path": "/api/rule", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "test"},
                "requestId": "id",
                "routeKey": "ANY /api/rule",
                "stage": "$default",
                "time": "24/Nov/2026:10:00:00 +0000",
                "timeEpoch": 0
            },
            "isBase64Encoded": false
        }))
        .expect("a valid event")
    }

    fn uri_after(mut request: ApiGatewayV2httpRequest) -> http::Uri {
        sanitize(&mut request);
        let request: lambda_http::Request = LambdaRequest::ApiGatewayV2(request).into();
        request.uri().clone()
    }

    #[test]
    fn a_list_of_forwarded_protocols_keeps_the_first() {
        let uri = uri_after(event(
            &[
                ("x-forwarded-proto", "HTTP, https"),
                ("host", "example.test"),
            ],
            "example.test",
        ));
        assert_eq!(uri.to_string(), "http://example.test/api/rule?current=1");
    }

    #[test]
    fn hosts_that_are_not_authorities_are_dropped_instead_of_panicking() {
        for host in ["a b", "x:99999", "[::1", "", "x:", "exa mple:80"] {
            let uri = uri_after(event(&[("host", host)], "api.example.test"));
            assert_eq!(
                uri.to_string(),
                "https://api.example.test/api/rule?current=1",
                "{host:?}"
            );
        }
        let uri = uri_after(event(&[("host", "a b")], "also bad"));
        assert_eq!(uri.path(), "/api/rule");
    }

    #[test]
    fn sound_hosts_are_kept() {
        for host in ["example.test", "127.0.0.1:3001", "[::1]:8080", "localhost"] {
            assert!(is_authority(host), "{host}");
        }
        for host in ["[::1]x", "[zz]", "a..b", "-:1", "x:0", "x:+80"] {
            assert!(!is_authority(host), "{host}");
        }
    }

    #[test]
    fn a_raw_query_with_characters_a_uri_cannot_carry_is_encoded() {
        let mut request = event(&[("host", "example.test")], "example.test");
        request.raw_query_string = Some("name=a b\"<c>|é".to_owned());
        let uri = uri_after(request);
        assert_eq!(uri.query(), Some("name=a%20b%22%3Cc%3E%7C%C3%A9"));
    }
}
