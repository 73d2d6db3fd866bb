//! Cold start: spawn to first `next` (the init duration), the first request on a cold
//! instance and the next on the warm one, and the idle instance's resident memory.

use std::path::Path;
use std::time::Instant;

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;

use super::{BenchOptions, Gateway, HttpClient, Subject, median};

/// Prints the medians for every subject, each run on a platform of its own.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    subjects: &[Subject],
    client: &HttpClient,
) -> Result<(), CommandError> {
    println!("\n== cold start and first request (per function) ==");
    for subject in subjects {
        let (mut init, mut cold, mut warm, mut rss) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..options.runs {
            let gateway =
                Gateway::start(vec![subject.spec.clone()], bin_dir, PoolSettings::default())
                    .await?;
            let started = Instant::now();
            subject.call.expect(client, &gateway.base).await?;
            cold.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            subject.call.expect(client, &gateway.base).await?;
            warm.push(started.elapsed().as_secs_f64() * 1000.0);
            if let Some(pool) = gateway.platform.pool(&subject.spec.name)
                && let Some(instance) = pool.status().instances.first()
            {
                init.extend(instance.init_ms);
                if let Some(sample) = instance.pid.and_then(local::runtime::procfs::sample) {
                    rss.push(sample.rss_kib as f64 / 1024.0);
                }
            }
            gateway.stop().await;
        }
        println!(
            "  {:<8} init duration {:>7.2} ms | first request cold {:>7.2} ms, warm {:>6.2} ms | idle RSS {:>5.1} MiB",
            subject.spec.name,
            median(init),
            median(cold),
            median(warm),
            median(rss)
        );
    }
    Ok(())
}
