//! Init failures, crashes, function timeouts and function errors, with the real
//! test function binary: each gets its status code, its log line and the right
//! fate for the instance.

mod common;

use std::time::Duration;

use common::*;
use local::runtime::pool::PoolSettings;

fn logged(running: &Running, needle: &str) -> bool {
    running
        .platform
        .logs()
        .recent()
        .iter()
        .any(|l| l.contains(needle))
}

fn init_pid(running: &Running) -> u32 {
    running
        .platform
        .logs()
        .recent()
        .iter()
        .find_map(|l| {
            l.split("INIT_START pid ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .expect("an INIT_START line with a pid")
}

async fn init_failure(var: &str, value: &str, init_timeout: Duration, log: &str) {
    let mut spec = test_spec(10);
    spec.environment.insert(var.into(), value.into());
    spec.lifecycle.init_timeout = init_timeout;
    let running = start(vec![spec], PoolSettings::default()).await;
    let started = std::time::Instant::now();
    let answer = get(&running.url("/anything")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.json()["errorCode"], "SERVICE_UNAVAILABLE");
    assert_eq!(answer.headers["retry-after"], "1");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let pid = init_pid(&running);
    let pool = running.platform.pool("probe").expect("pool").clone();
    assert!(
        eventually(Duration::from_secs(2), || pool
            .status()
            .instances
            .is_empty())
        .await
    );
    assert!(
        eventually(Duration::from_secs(2), || !pid_alive(pid)).await,
        "instance {pid} still runs"
    );
    assert_eq!(pool.status().stats.init_failures, 1);
    assert_eq!(pool.status().stats.cold_starts, 0);
    assert!(
        logged(&running, log),
        "no log line with {log:?}: {:#?}",
        running.platform.logs().recent()
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_initializer_past_its_timeout_gives_503_and_a_killed_instance() {
    init_failure(
        "TEST_INIT_DELAY_MS",
        "5000",
        Duration::from_millis(300),
        "initializer did not finish within 0.3 s",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_init_error_gives_503_and_a_killed_instance() {
    init_failure(
        "TEST_INIT_FAIL",
        "1",
        Duration::from_secs(5),
        "its initializer failed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_before_the_first_next_is_a_failed_init() {
    init_failure(
        "TEST_INIT_EXIT",
        "1",
        Duration::from_secs(5),
        "before its initializer finished",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_request_gives_502_and_a_replacement() {
    let running = start(vec![test_spec(10)], PoolSettings::default()).await;
    let warm = get(&running.url("/slow?ms=1")).await;
    let old_pid = warm.json()["pid"].as_u64().expect("pid");
    let client = client();
    let (slow_url, crash_url) = (running.url("/slow?ms=2000"), running.url("/crash"));
    let (slow, crash) = tokio::join!(
        send(&client, "GET", &slow_url, &[], bytes::Bytes::new()),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            send(&client, "GET", &crash_url, &[], bytes::Bytes::new()).await
        }
    );
    for answer in [&slow, &crash] {
        assert_eq!(answer.status, 502);
        assert_eq!(answer.json()["errorCode"], "FUNCTION_CRASHED");
        assert_eq!(answer.json()["success"], false);
    }
    let pool = running.platform.pool("probe").expect("pool").clone();
    let replaced = eventually(Duration::from_secs(3), || {
        let s = pool.status();
        s.spawned == 2 && s.instances.len() == 1
    })
    .await;
    assert!(replaced, "{:?}", pool.status());
    assert!(logged(&running, "instance crashed"));
    let after = get(&running.url("/slow?ms=1")).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.json()["pid"].as_u64(), Some(old_pid));
    assert_eq!(
        pool.status().spawned,
        2,
        "the replacement served the request"
    );
    assert!(!pid_alive(old_pid as u32));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_timeout_gives_504_and_recycles_the_instance() {
    let mut spec = test_spec(10);
    spec.timeout = Duration::from_millis(500);
    let running = start(vec![spec], PoolSettings::default()).await;
    let warm = get(&running.url("/slow?ms=1")).await;
    let old_pid = warm.json()["pid"].as_u64().expect("pid") as u32;
    let started = std::time::Instant::now();
    let answer = get(&running.url("/hang")).await;
    assert_eq!(answer.status, 504);
    assert_eq!(answer.json()["errorCode"], "GATEWAY_TIMEOUT");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(eventually(Duration::from_secs(2), || !pid_alive(old_pid)).await);
    assert!(logged(&running, "Task timed out after 0.50 seconds"));
    let after = get(&running.url("/slow?ms=1")).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.json()["pid"].as_u64(), Some(u64::from(old_pid)));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_error_gives_502_and_keeps_the_instance() {
    let running = start(vec![test_spec(10)], PoolSettings::default()).await;
    let answer = get(&running.url("/error")).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.json()["errorCode"], "FUNCTION_ERROR");
    // The function's own message is in the platform's log, not in the caller's answer.
    let message = answer.json()["errorMessage"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("log has the details"), "{message}");
    assert!(!message.contains("asked to fail"), "{message}");
    assert!(logged(&running, "asked to fail"));
    let pool = running.platform.pool("probe").expect("pool").clone();
    let after = get(&running.url("/slow?ms=1")).await;
    assert_eq!(after.status, 200);
    assert_eq!(pool.status().spawned, 1);
    assert!(logged(&running, "REPORT RequestId:"));
    running.stop().await;
}
