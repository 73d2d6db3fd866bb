//! The gateway end to end with the real test function: payload 2.0 conversion both
//! ways (cookies, query strings, binary bodies), static files, API 404s, `/metrics`,
//! the status page and the contract at `/api/openapi.yaml`.

mod common;

use base64::Engine as _;
use common::*;
use local::runtime::pool::PoolSettings;

fn web_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("local-gateway-web-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>todo</title>").expect("write");
    std::fs::write(dir.join("app.css"), "body{}").expect("write");
    dir
}

async fn running() -> Running {
    let mut spec = test_spec(4);
    spec.routes = vec![
        local::template::functions::RouteSpec {
            method: "ANY".into(),
            path: "/echo".into(),
        },
        local::template::functions::RouteSpec {
            method: "GET".into(),
            path: "/binary".into(),
        },
        local::template::functions::RouteSpec {
            method: "GET".into(),
            path: "/api/probe/{key}".into(),
        },
    ];
    let mut config = local::platform::PlatformConfig::new(vec![spec], test_function_dir());
    config.settings = PoolSettings::default();
    config.echo_logs = false;
    let options = local::server::ServerOptions {
        web_dir: Some(web_dir()),
        ..Default::default()
    };
    start_serving(config, options).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_responses_round_trip_cookies_queries_and_binary_bodies() {
    let running = running().await;
    let body: Vec<u8> = vec![0, 1, 2, 254, 255, 128];
    let answer = send(
        &client(),
        "POST",
        &running.url("/echo?a=1&a=2&b=x%20y"),
        &[
            ("cookie", "c1=v1; c2=v2"),
            ("content-type", "application/octet-stream"),
            ("x-custom", "yes"),
        ],
        body.clone(),
    )
    .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.headers["x-echo"], "yes");
    let cookies: Vec<_> = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii"))
        .collect();
    assert_eq!(cookies, ["first=1; Path=/", "second=2; HttpOnly"]);
    assert!(answer.headers.contains_key("apigw-requestid"));
    let seen = answer.json();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["path"], "/echo");
    assert_eq!(seen["rawQuery"], "a=1&a=2&b=x%20y");
    assert_eq!(seen["query"]["a"], serde_json::json!(["1", "2"]));
    assert_eq!(seen["query"]["b"], serde_json::json!(["x y"]));
    assert_eq!(seen["headers"]["cookie"], "c1=v1; c2=v2");
    assert_eq!(seen["headers"]["x-custom"], "yes");
    let echoed = base64::engine::general_purpose::STANDARD
        .decode(seen["bodyBase64"].as_str().expect("body"))
        .expect("base64");
    assert_eq!(echoed, body);

    let text = send(
        &client(),
        "POST",
        &running.url("/echo"),
        &[("content-type", "application/json")],
        r#"{"é":1}"#,
    )
    .await;
    let seen = text.json();
    let echoed = base64::engine::general_purpose::STANDARD
        .decode(seen["bodyBase64"].as_str().expect("body"))
        .expect("base64");
    assert_eq!(echoed, r#"{"é":1}"#.as_bytes());

    let binary = get(&running.url("/binary")).await;
    assert_eq!(binary.status, 200);
    assert_eq!(binary.headers["content-type"], "application/octet-stream");
    assert_eq!(binary.body.to_vec(), (0..=255u8).collect::<Vec<_>>());
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_parameters_reach_the_function() {
    let running = running().await;
    let answer = get(&running.url("/api/probe/k%201")).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unclaimed_paths_are_static_files_or_contract_404s() {
    let running = running().await;
    let page = get(&running.url("/some/client/route")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(String::from_utf8_lossy(&page.body).contains("<title>todo</title>"));
    let css = get(&running.url("/app.css")).await;
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    let api = get(&running.url("/api/nothing/here")).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.headers["content-type"], "application/json");
    assert_eq!(api.json()["errorCode"], "NOT_FOUND");
    assert_eq!(api.json()["success"], false);
    let wrong_method = bare(&running, "DELETE", "/binary").await;
    assert_eq!(wrong_method.status, 405);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_status_show_invocations_and_instances() {
    let running = running().await;
    assert_eq!(get(&running.url("/binary")).await.status, 200);
    let metrics = get(&running.url("/metrics")).await;
    let text = String::from_utf8_lossy(&metrics.body).into_owned();
    assert!(
        text.contains("local_invocations_total{function=\"probe\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("local_cold_starts_total{function=\"probe\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("local_instances{function=\"probe\",state=\"ready\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("local_init_duration_seconds_count{function=\"probe\"} 1"),
        "{text}"
    );
    let status = get(&running.url("/_local/status.json")).await.json();
    let probe = &status["functions"][0];
    assert_eq!(probe["name"], "probe");
    assert_eq!(probe["instances"][0]["state"], "ready");
    assert_eq!(probe["instances"][0]["invocations"], 1);
    // The REPORT line carries the instance's peak RSS (from /proc) as Max Memory Used.
    let report = |l: &str| {
        l.contains("REPORT RequestId")
            && l.contains("Max Memory Used: ")
            && !l.contains("Max Memory Used: 0 MB")
    };
    assert!(
        status["logs"]
            .as_array()
            .expect("logs")
            .iter()
            .any(|l| l.as_str().is_some_and(report)),
        "{status}"
    );
    let page = get(&running.url("/_local/")).await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("/_local/status.js"));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_is_served_ahead_of_every_route() {
    // The test function claims every path (`ANY /{proxy+}`), the contract's included.
    let running = start(vec![test_spec(4)], PoolSettings::default()).await;
    let contract = get(&running.url("/api/openapi.yaml")).await;
    assert_eq!(contract.status, 200);
    assert_eq!(
        contract.headers["content-type"],
        "application/yaml; charset=utf-8"
    );
    assert_eq!(contract.headers["x-content-type-options"], "nosniff");
    let in_repository = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../api/openapi.yaml"))
        .expect("api/openapi.yaml");
    assert_eq!(contract.body, in_repository);
    let document: serde_json::Value =
        serde_norway::from_slice(&contract.body).expect("the contract is YAML");
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/api/rule/{key}"].is_object());

    let head = bare(&running, "HEAD", "/api/openapi.yaml").await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let post = bare(&running, "POST", "/api/openapi.yaml").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_eq!(post.json()["errorCode"], "METHOD_NOT_ALLOWED");
    // Every other path still reaches the function.
    assert_eq!(
        get(&running.url("/api/openapi.json")).await.json()["ok"],
        true
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_that_take_the_platform_s_own_paths_or_clash_are_refused() {
    for (path, clash) in [
        ("/metrics", "/metrics"),
        ("/api/openapi.yaml", "/api/openapi.yaml"),
        ("/2015-03-31/functions/{name}/invocations", "/2015-03-31"),
    ] {
        let mut spec = test_spec(1);
        spec.routes = vec![local::template::functions::RouteSpec {
            method: "GET".into(),
            path: path.into(),
        }];
        let mut config = local::platform::PlatformConfig::new(vec![spec], test_function_dir());
        config.echo_logs = false;
        let platform = local::platform::Platform::start(config)
            .await
            .expect("platform starts");
        let error = local::server::route_table(&platform).expect_err(path);
        assert!(error.to_string().contains(clash), "{path}: {error}");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        assert!(local::server::serve(&platform, listener, Default::default()).is_err());
        platform.shutdown().await;
    }
}

/// A request without headers or body.
async fn bare(running: &Running, method: &str, path: &str) -> Answer {
    send(
        &client(),
        method,
        &running.url(path),
        &[],
        bytes::Bytes::new(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_a_route_does_not_take_are_unclaimed() {
    let running = running().await;
    // HEAD of a GET-only route is not the route's (API Gateway matches the method as
    // sent): under /api a contract 404, elsewhere the frontend.
    let head = bare(&running, "HEAD", "/api/probe/k").await;
    assert_eq!(head.status, 404);
    let head = bare(&running, "HEAD", "/binary").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["content-type"], "text/html; charset=utf-8");
    let post = bare(&running, "POST", "/api/probe/k").await;
    assert_eq!(post.status, 404);
    assert_eq!(post.json()["errorCode"], "NOT_FOUND");
    assert!(!post.headers.contains_key("allow"));
    let post = bare(&running, "POST", "/binary").await;
    assert_eq!(post.status, 405);
    assert_eq!(post.headers["allow"], "GET, HEAD");
    assert_eq!(post.json()["errorCode"], "METHOD_NOT_ALLOWED");
    // An ANY route takes every method, and adds no Allow header of its own.
    let put = bare(&running, "PUT", "/echo").await;
    assert_eq!(put.json()["method"], "PUT");
    assert!(!put.headers.contains_key("allow"));
    // A path parameter that is not UTF-8 once decoded is refused in the contract's shape.
    let bad = get(&running.url("/api/probe/%FF")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["errorCode"], "BAD_REQUEST");
    running.stop().await;
}
