//! Scale-out: 100 concurrent requests from zero instances at concurrency 10, and how
//! long the platform took to serve them all with how many instances.
//!
//! Each request holds its slot for [`HOLD_MS`] (the test function's `/slow`), so all
//! 100 are in flight at once and need ceil(100 / 10) = 10 instances: with an instant
//! answer an instance that is ready early serves several of them one after the
//! other, and the count depended on the machine's load (8 to 10).

use std::path::Path;
use std::time::Instant;

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;

use super::{BenchOptions, Call, Gateway, HttpClient, Subject, median};

/// How long each request keeps its instance busy, ms.
const HOLD_MS: u64 = 100;

/// Prints the median time and instance count over up to three runs.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    subject: &Subject,
    client: &HttpClient,
) -> Result<(), CommandError> {
    println!(
        "\n== scale-out: 100 concurrent requests from zero instances, concurrency 10, \
         each holding its slot {HOLD_MS} ms =="
    );
    let call = Call::get(format!("/slow?ms={HOLD_MS}"));
    let mut times = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..options.runs.min(3) {
        let gateway =
            Gateway::start(vec![subject.spec.clone()], bin_dir, PoolSettings::default()).await?;
        let started = Instant::now();
        let all = (0..100).map(|_| call.send(client, &gateway.base));
        let answers = futures::future::join_all(all).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let served = answers
            .iter()
            .filter(|a| matches!(a, Ok((status, _)) if call.served(*status)))
            .count();
        if served != 100 {
            println!("  warning: {served}/100 were served");
        }
        if let Some(pool) = gateway.platform.pool(&subject.spec.name) {
            instances.push(pool.status().spawned as f64);
        }
        gateway.stop().await;
    }
    println!(
        "  served all 100 in {:.1} ms with {:.0} instances",
        median(times),
        median(instances)
    );
    Ok(())
}
