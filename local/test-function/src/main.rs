//! A tiny Lambda function whose slow, crashing and hanging answers exercise the local platform.
//!
//! It is a real `lambda_http` function run with `run_concurrent`, exactly like the
//! project's functions, so whatever the platform does to it, it does to them.
//!
//! Routes (any method):
//! - `/slow?ms=N`: answers after N milliseconds (default 300) with its process id.
//! - `/echo`: answers with a JSON picture of the request it received, sets two cookies.
//! - `/binary`: answers with the 256 byte values as `application/octet-stream`.
//! - `/error`: the handler fails (the runtime reports an invocation error).
//! - `/crash`: the process exits mid-request.
//! - `/hang`: never answers.
//! - `/cpu?ms=N`: keeps a core busy for N milliseconds.
//! - anything else: `{"ok":true}`.
//!
//! Start-up is steered by the environment: `TEST_INIT_DELAY_MS` delays the first `next`,
//! `TEST_INIT_FAIL` reports an init error to the Runtime API and exits, and
//! `TEST_INIT_EXIT` exits without a word.

use std::time::{Duration, Instant};

use base64::Engine as _;
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    if std::env::var_os("TEST_INIT_EXIT").is_some() {
        std::process::exit(2);
    }
    if std::env::var_os("TEST_INIT_FAIL").is_some() {
        report_init_error().await?;
        std::process::exit(1);
    }
    if let Some(ms) = std::env::var("TEST_INIT_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    lambda_http::run_concurrent(service_fn(handle)).await
}

/// Posts `/runtime/init/error`, as a function whose initializer failed does.
async fn report_init_error() -> Result<(), Error> {
    let client = lambda_runtime_api_client::Client::builder().build()?;
    let body = r#"{"errorType":"TestInitError","errorMessage":"TEST_INIT_FAIL is set"}"#;
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", "Runtime.InitError")
        .body(lambda_runtime_api_client::body::Body::from(body))?;
    client.call(request).await?;
    Ok(())
}

async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let millis = |default: u64| {
        request
            .query_string_parameters_ref()
            .and_then(|q| q.first("ms"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    match request.uri().path() {
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(millis(300))).await;
            json(200, serde_json::json!({"pid": std::process::id()}))
        }
        "/echo" => echo(&request),
        "/binary" => Ok(Response::builder()
            .status(200)
            .header("content-type", "application/octet-stream")
            .body(Body::Binary((0..=255u8).collect()))?),
        "/error" => Err("the test function was asked to fail".into()),
        "/crash" => std::process::exit(3),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            json(200, serde_json::json!({"late": true}))
        }
        "/cpu" => {
            let until = Instant::now() + Duration::from_millis(millis(200));
            let mut spins = 0u64;
            while Instant::now() < until {
                spins = spins.wrapping_add(1);
            }
            json(200, serde_json::json!({"spins": spins}))
        }
        _ => json(200, serde_json::json!({"ok": true})),
    }
}

fn echo(request: &Request) -> Result<Response<Body>, Error> {
    let headers: serde_json::Map<String, serde_json::Value> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    let parameters = request.query_string_parameters();
    let query: serde_json::Map<String, serde_json::Value> = parameters
        .iter()
        .map(|(k, _)| {
            (
                k.to_owned(),
                serde_json::json!(parameters.all(k).unwrap_or_default()),
            )
        })
        .collect();
    let path_parameters: serde_json::Map<String, serde_json::Value> = request
        .path_parameters()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.into()))
        .collect();
    let body = base64::engine::general_purpose::STANDARD.encode(request.body().as_ref());
    let picture = serde_json::json!({
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "rawQuery": request.uri().query().unwrap_or(""),
        "query": query,
        "pathParameters": path_parameters,
        "headers": headers,
        "bodyBase64": body,
    });
    Ok(Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("x-echo", "yes")
        .header("set-cookie", "first=1; Path=/")
        .header("set-cookie", "second=2; HttpOnly")
        .body(Body::Text(picture.to_string()))?)
}

fn json(status: u16, value: serde_json::Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(value.to_string()))?)
}
