//! The load the peers comparison puts on each system: `clients` workers each sending
//! one request after the other over keep-alive loopback connections, every latency
//! recorded, and the CPU time the serving processes spent, read from `/proc` before
//! and after. The systems take turns in short stretches ([`alternating`]), as the
//! container comparison does, so that load from elsewhere on the machine hits all alike.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::systems::Running;
use crate::load::SEGMENTS;
use crate::{Call, HttpClient};

/// What a system did under load, stretches added up.
#[derive(Debug, Clone, Default)]
pub(super) struct Load {
    /// Requests answered with the expected status.
    pub(super) served: u64,
    /// Requests answered otherwise or failed.
    pub(super) failed: u64,
    /// Seconds under load.
    pub(super) seconds: f64,
    /// Latency of every served request, ms.
    pub(super) latencies: Vec<f64>,
    /// CPU seconds of the serving processes.
    pub(super) cpu_seconds: f64,
}

impl Load {
    /// Requests served per second.
    pub(super) fn rps(&self) -> f64 {
        self.served as f64 / self.seconds.max(f64::MIN_POSITIVE)
    }

    /// The `q` quantile of the latencies (0.5 for the median), ms.
    pub(super) fn latency(&self, q: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return f64::NAN;
        }
        let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index]
    }

    /// CPU microseconds of the serving processes per served request.
    pub(super) fn cpu_us(&self) -> f64 {
        self.cpu_seconds * 1e6 / self.served.max(1) as f64
    }

    fn add(&mut self, other: Load) {
        self.served += other.served;
        self.failed += other.failed;
        self.seconds += other.seconds;
        self.latencies.extend(other.latencies);
        self.cpu_seconds += other.cpu_seconds;
    }
}

fn cpu_seconds(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|p| local::runtime::procfs::sample(*p))
        .map(|s| s.cpu_seconds)
        .sum()
}

/// `clients` workers sending `call` to `system` for `duration`.
async fn stretch(
    http: &HttpClient,
    system: &Running,
    function: &str,
    call: &Call,
    clients: usize,
    duration: Duration,
) -> Load {
    let pids = system.pids(function);
    let before = cpu_seconds(&pids);
    let base: Arc<str> = Arc::from(system.base(&call.path));
    let call = Arc::new(call.clone());
    let started = Instant::now();
    let until = started + duration;
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, base, call) = (http.clone(), base.clone(), call.clone());
            tokio::spawn(async move {
                let mut load = Load::default();
                while Instant::now() < until {
                    let sent = Instant::now();
                    match call.send(&http, &base).await {
                        Ok((status, _)) if call.served(status) => {
                            load.served += 1;
                            load.latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                        }
                        _ => load.failed += 1,
                    }
                }
                load
            })
        })
        .collect();
    let mut total = Load::default();
    for worker in futures::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
    {
        total.add(worker);
    }
    total.seconds = started.elapsed().as_secs_f64();
    total.cpu_seconds = (cpu_seconds(&pids) - before).max(0.0);
    total
}

/// Every system in turn, in [`SEGMENTS`] stretches that together last `duration` per
/// system; who goes first rotates from stretch to stretch and, through `round`, from
/// round to round. Answers each system's load, in the order of `systems`.
pub(super) async fn alternating(
    http: &HttpClient,
    systems: &[Running],
    function: &str,
    call: &Call,
    clients: usize,
    duration: Duration,
    round: usize,
) -> Vec<Load> {
    let each = duration / SEGMENTS;
    let mut loads = vec![Load::default(); systems.len()];
    for segment in 0..SEGMENTS as usize {
        for offset in 0..systems.len() {
            let i = (round + segment + offset) % systems.len();
            let load = stretch(http, &systems[i], function, call, clients, each).await;
            loads[i].add(load);
        }
    }
    loads
}
