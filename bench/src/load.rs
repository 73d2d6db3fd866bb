//! The load generator, the CPU accounting and the alternation the throughput
//! figures share.
//!
//! Load: 10 workers (tasks of this process) each send one request after the other for
//! a fixed time over keep-alive loopback connections; only answers with the expected
//! status count. CPU: user plus system time from `/proc/<pid>/stat` of this process
//! (platform and load generator) and of the processes serving, read before and after.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use local::runtime::pool::Pool;

use super::{Call, HttpClient};

/// How many requests are in flight at once during a throughput run.
pub(super) const WORKERS: usize = 10;

/// How many stretches each of two compared paths runs per round, alternating with
/// the other's: load from elsewhere on the machine comes and goes within seconds, and
/// whole runs one after the other let it fall on one path only.
pub(super) const SEGMENTS: u32 = 6;

/// One throughput run: requests per second and CPU time per request.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    /// Requests served per second.
    pub(super) rps: f64,
    /// CPU microseconds per request served, over the processes measured.
    pub(super) cpu_us: f64,
    /// Of which this process's (the load generator, and the platform when it serves).
    pub(super) own_us: f64,
}

impl Run {
    /// Runs of equal length taken as one: the mean rate, and CPU per request weighted
    /// by the requests each run served.
    pub(super) fn combined(runs: &[Run]) -> Run {
        let count = runs.len().max(1) as f64;
        let served: f64 = runs.iter().map(|r| r.rps).sum();
        let weighted = |f: fn(&Run) -> f64| {
            runs.iter().map(|r| f(r) * r.rps).sum::<f64>() / served.max(f64::MIN_POSITIVE)
        };
        Run {
            rps: served / count,
            cpu_us: weighted(|r| r.cpu_us),
            own_us: weighted(|r| r.own_us),
        }
    }

    /// CPU microseconds per request of the serving processes (instances, container).
    pub(super) fn serving_us(&self) -> f64 {
        self.cpu_us - self.own_us
    }
}

/// CPU seconds so far of this process and of `others`, by process id.
fn cpu_by_process(others: &[u32]) -> BTreeMap<u32, f64> {
    std::iter::once(std::process::id())
        .chain(others.iter().copied())
        .filter_map(|pid| Some((pid, local::runtime::procfs::sample(pid)?.cpu_seconds)))
        .collect()
}

/// The process ids of `pool`'s instances.
pub(super) fn instance_pids(pool: &Pool) -> Vec<u32> {
    pool.status()
        .instances
        .iter()
        .filter_map(|i| i.pid)
        .collect()
}

/// Runs `work` (which answers `(requests served, seconds)`) and measures the CPU time
/// this process and the processes `serving` spent on it.
pub(super) async fn measured(serving: &[u32], work: impl Future<Output = (u64, f64)>) -> Run {
    let before = cpu_by_process(serving);
    let (served, seconds) = work.await;
    let after = cpu_by_process(serving);
    let spent = |pid: &u32, t: &f64| t - before.get(pid).copied().unwrap_or(0.0);
    let cpu: f64 = after.iter().map(|(pid, t)| spent(pid, t)).sum();
    let own = after
        .get_key_value(&std::process::id())
        .map_or(0.0, |(pid, t)| spent(pid, t));
    let per_request = |seconds: f64| seconds * 1e6 / served.max(1) as f64;
    Run {
        rps: served as f64 / seconds,
        cpu_us: per_request(cpu),
        own_us: per_request(own),
    }
}

/// Runs `attempt` over and over in each of [`WORKERS`] tasks for `duration`; answers
/// how many attempts succeeded and the seconds it took.
async fn drive<F, Fut>(duration: Duration, attempt: F) -> (u64, f64)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let count = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + duration;
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (attempt, count) = (attempt.clone(), count.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    if attempt().await {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    futures::future::join_all(workers).await;
    (
        count.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    )
}

/// Requests served over HTTP at `base` by [`WORKERS`] workers in `duration`, and the
/// seconds it took.
pub(super) async fn over_http(
    client: &HttpClient,
    call: &Call,
    base: &str,
    duration: Duration,
) -> (u64, f64) {
    let (client, call, base) = (
        client.clone(),
        Arc::new(call.clone()),
        Arc::<str>::from(base),
    );
    drive(duration, move || {
        let (client, call, base) = (client.clone(), call.clone(), base.clone());
        async move {
            matches!(call.send(&client, &base).await, Ok((status, _)) if call.served(status))
        }
    })
    .await
}

/// Invocations `pool` served in-process (no HTTP) by [`WORKERS`] workers in `duration`.
pub(super) async fn in_process(pool: &Arc<Pool>, event: Bytes, duration: Duration) -> (u64, f64) {
    let pool = pool.clone();
    drive(duration, move || {
        let (pool, event) = (pool.clone(), event.clone());
        async move { pool.invoke(event).await.is_ok() }
    })
    .await
}

/// Runs `a` and `b` (each given the length of a stretch) in [`SEGMENTS`] alternating
/// stretches that together last `duration` per side; which goes first alternates from
/// stretch to stretch and, through `round`, from round to round. Answers each side's
/// runs combined.
pub(super) async fn alternating<A, FA, B, FB>(
    round: usize,
    duration: Duration,
    a: A,
    b: B,
) -> (Run, Run)
where
    A: Fn(Duration) -> FA,
    FA: Future<Output = Run>,
    B: Fn(Duration) -> FB,
    FB: Future<Output = Run>,
{
    let stretch = duration / SEGMENTS;
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for segment in 0..SEGMENTS as usize {
        if (round + segment).is_multiple_of(2) {
            first.push(a(stretch).await);
            second.push(b(stretch).await);
        } else {
            second.push(b(stretch).await);
            first.push(a(stretch).await);
        }
    }
    (Run::combined(&first), Run::combined(&second))
}
