//! The watermark policy: scale out above the high watermark, back in below the low
//! one after the cooldown, never below the minimum.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use local::runtime::policy::{Policy, Watermarks};
use local::runtime::pool::PoolSettings;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watermark_policy_scales_out_under_load_and_back_in_when_idle() {
    let marks = Watermarks {
        cooldown: Duration::from_millis(150),
        ..Watermarks::default()
    };
    let settings = PoolSettings {
        min_instances: 1,
        max_instances: 4,
        tick: Duration::from_millis(50),
        policy: Policy::Watermark(marks),
        ..PoolSettings::default()
    };
    let running = start(vec![test_spec(2)], settings).await;
    let pool = running.platform.pool("probe").expect("pool").clone();
    assert!(
        eventually(Duration::from_secs(3), || pool.status().instances.len()
            == 1)
        .await,
        "the minimum instance starts warm"
    );

    let peak = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (pool, peak) = (pool.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(pool.status().instances.len(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let client = client();
    let url = running.url("/slow?ms=400");
    let load = (0..16).map(|_| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            send(&client, "GET", &url, &[], bytes::Bytes::new())
                .await
                .status
        }
    });
    let statuses = futures::future::join_all(load).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let scaled_out = peak.load(Ordering::Relaxed);
    assert!(scaled_out >= 3, "peak instances {scaled_out}");
    assert!(scaled_out <= 4, "above the maximum: {scaled_out}");
    let scaled_in = eventually(Duration::from_secs(5), || {
        pool.status().instances.len() == 1
    })
    .await;
    watcher.abort();
    assert!(scaled_in, "{:?}", pool.status());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(pool.status().instances.len(), 1, "never below the minimum");
    assert!(
        running
            .platform
            .logs()
            .recent()
            .iter()
            .any(|l| l.contains("scaling in"))
    );
    running.stop().await;
}
