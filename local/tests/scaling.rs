//! Per-instance concurrency: instances = ceil(in-flight / concurrency), with the
//! real test function binary under the platform.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use local::runtime::pool::PoolSettings;

async fn burst(n: usize, concurrency: u32) -> (Vec<u16>, HashMap<u64, usize>, u64, u64) {
    let settings = PoolSettings {
        max_instances: 20,
        ..PoolSettings::default()
    };
    let running = start(vec![test_spec(concurrency)], settings).await;
    let client = client();
    let url = running.url("/slow?ms=500");
    let requests = (0..n).map(|_| {
        let client = client.clone();
        let url = url.clone();
        async move { send(&client, "GET", &url, &[], bytes::Bytes::new()).await }
    });
    let answers = futures::future::join_all(requests).await;
    let statuses = answers.iter().map(|a| a.status).collect();
    let mut per_pid: HashMap<u64, usize> = HashMap::new();
    for a in answers.iter().filter(|a| a.status == 200) {
        *per_pid
            .entry(a.json()["pid"].as_u64().expect("pid"))
            .or_default() += 1;
    }
    let status = running.platform.pool("probe").expect("pool").status();
    running.stop().await;
    (statuses, per_pid, status.spawned, status.stats.cold_starts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eleven_concurrent_requests_at_concurrency_ten_make_two_instances() {
    let (statuses, per_pid, spawned, cold) = burst(11, 10).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(spawned, 2);
    assert_eq!(cold, 2);
    assert_eq!(per_pid.len(), 2);
    assert!(per_pid.values().all(|n| *n <= 10), "{per_pid:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_requests_at_concurrency_ten_make_ten_instances() {
    let (statuses, per_pid, spawned, cold) = burst(100, 10).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(spawned, 10);
    assert_eq!(cold, 10);
    assert_eq!(per_pid.len(), 10);
    assert!(per_pid.values().all(|n| *n == 10), "{per_pid:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_instances_are_reused_and_idle_ones_reaped() {
    let settings = PoolSettings {
        keep_alive: Duration::from_millis(400),
        tick: Duration::from_millis(50),
        ..PoolSettings::default()
    };
    let running = start(vec![test_spec(10)], settings).await;
    let first = get(&running.url("/slow?ms=10")).await;
    let second = get(&running.url("/slow?ms=10")).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.json()["pid"], second.json()["pid"]);
    let pool = running.platform.pool("probe").expect("pool").clone();
    assert_eq!(pool.status().spawned, 1);
    let reaped = eventually(Duration::from_secs(3), || {
        pool.status().instances.is_empty()
    })
    .await;
    assert!(reaped, "the idle instance was not reaped");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_gets_429_in_the_contract_shape() {
    let settings = PoolSettings {
        max_instances: 1,
        queue_bound: 2,
        ..PoolSettings::default()
    };
    let running = start(vec![test_spec(1)], settings).await;
    let client = client();
    let url = running.url("/slow?ms=400");
    let requests = (0..6).map(|_| {
        let client = client.clone();
        let url = url.clone();
        async move { send(&client, "GET", &url, &[], bytes::Bytes::new()).await }
    });
    let answers = futures::future::join_all(requests).await;
    let throttled: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(
        !throttled.is_empty(),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    let body = throttled[0].json();
    assert_eq!(body["errorCode"], "TOO_MANY_REQUESTS");
    assert_eq!(throttled[0].headers["retry-after"], "1");
    assert!(answers.iter().all(|a| a.status == 200 || a.status == 429));
    running.stop().await;
}
