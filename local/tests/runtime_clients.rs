//! A runtime client that is not Rust's `lambda_runtime` runs under the platform: a
//! Node.js script (`runtime-client/bootstrap`) that follows the Runtime API
//! documentation to the letter, `http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/...`
//! with the variable as `host:port`. Each instance has an address of its own, the
//! client is started in its package folder with `LAMBDA_TASK_ROOT` and `_HANDLER`
//! set, and its init error reaches the platform.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use local::platform::PlatformConfig;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;

fn node_client(concurrency: u32) -> FunctionSpec {
    let mut spec = FunctionSpec::new("noderic", "bootstrap");
    spec.handler = "index.handler".into();
    spec.package_dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtime-client"));
    catch_all(spec, concurrency, Duration::from_secs(10))
}

async fn platform(spec: FunctionSpec, settings: PoolSettings) -> Running {
    let mut config = PlatformConfig::new(vec![spec], bin_dir());
    config.settings = settings;
    config.echo_logs = std::env::var_os("LOCAL_TEST_LOGS").is_some();
    start_with(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_runtime_client_reaches_its_own_host_port_runtime_api() {
    let settings = PoolSettings {
        max_instances: 2,
        ..PoolSettings::default()
    };
    let running = platform(node_client(1), settings).await;
    let client = client();
    // Two at once, each held 300 ms, with one request per instance: two instances,
    // two addresses.
    let url = running.url("/hello/there?hold=300");
    let (a, b) = tokio::join!(
        send(&client, "POST", &url, &[], "{}"),
        send(&client, "POST", &url, &[], "{}")
    );
    let mut addresses = Vec::new();
    for answer in [a, b] {
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let seen = answer.json();
        let api = seen["runtimeApi"].as_str().expect("runtimeApi").to_owned();
        let (host, port) = api.split_once(':').expect("host:port");
        assert_eq!(host, "127.0.0.1", "{api}");
        assert!(port.parse::<u16>().is_ok(), "no scheme, no path: {api}");
        assert_eq!(seen["path"], "/hello/there");
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["handler"], "index.handler");
        let root = seen["taskRoot"].as_str().expect("taskRoot");
        assert!(root.ends_with("tests/runtime-client"), "{root}");
        assert_eq!(seen["cwd"].as_str(), Some(root));
        assert!(
            seen["functionArn"]
                .as_str()
                .is_some_and(|a| a.starts_with("arn:aws:lambda:"))
        );
        assert!(seen["deadlineMs"].as_f64().is_some_and(|d| d > 0.0));
        addresses.push(api);
    }
    assert_ne!(
        addresses[0], addresses[1],
        "each instance has its own address"
    );
    let pool = running.platform.pool("noderic").expect("pool");
    assert_eq!(pool.status().instances.len(), 2);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_runtime_client_s_init_error_reaches_the_platform() {
    let mut spec = node_client(1);
    spec.environment
        .insert("CLIENT_INIT_FAIL".into(), "1".into());
    let running = platform(spec, PoolSettings::default()).await;
    let answer = get(&running.url("/anything")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.json()["errorCode"], "SERVICE_UNAVAILABLE");
    let pool = running.platform.pool("noderic").expect("pool").clone();
    assert!(
        eventually(Duration::from_secs(2), || pool
            .status()
            .instances
            .is_empty())
        .await
    );
    assert_eq!(pool.status().stats.init_failures, 1);
    let logs = running.platform.logs().recent().join("\n");
    assert!(
        logs.contains("Status: error") && logs.contains("CLIENT_INIT_FAIL is set"),
        "{logs}"
    );
    running.stop().await;
}
