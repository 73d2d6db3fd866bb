//! Scale-out: 100 concurrent requests from zero instances at concurrency 10, and how
//! long the platform took to serve them all with how many instances.

use std::path::Path;
use std::time::Instant;

use super::{BenchOptions, Gateway, HttpClient, Subject, median};
use crate::commands::CommandError;
use crate::pool::PoolSettings;

/// Prints the median time and instance count over up to three runs.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    subject: &Subject,
    client: &HttpClient,
) -> Result<(), CommandError> {
    println!("\n== scale-out: 100 concurrent requests from zero instances, concurrency 10 ==");
    let mut times = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..options.runs.min(3) {
        let gateway =
            Gateway::start(vec![subject.spec.clone()], bin_dir, PoolSettings::default()).await?;
        let started = Instant::now();
        let all = (0..100).map(|_| subject.call.send(client, &gateway.base));
        let answers = futures::future::join_all(all).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let served = answers
            .iter()
            .filter(|a| matches!(a, Ok((status, _)) if subject.call.served(*status)))
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
