//! What the status page and `/metrics` read of a pool: its instances and counters.

use serde::Serialize;

use crate::observe::stats::{Stats, StatsSnapshot};

use super::lifecycle::{Instances, Phase};

/// One instance on the status page.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceStatus {
    /// Instance number.
    pub id: u64,
    /// Process id.
    pub pid: Option<u32>,
    /// Phase.
    pub state: Phase,
    /// Requests it holds now.
    pub in_flight: u32,
    /// Invocations it answered.
    pub invocations: u64,
    /// Its init duration in ms, once ready.
    pub init_ms: Option<f64>,
    /// Seconds since spawn.
    pub age_s: f64,
    /// Resident memory, KiB.
    pub rss_kib: u64,
    /// CPU use over the last sample, percent of a core.
    pub cpu_percent: f64,
    /// Latencies of its last requests, ms, oldest first.
    pub recent_latencies_ms: Vec<f64>,
}

/// A function's pool on the status page and in `/metrics`.
#[derive(Debug, Clone, Serialize)]
pub struct PoolStatus {
    /// Short name.
    pub name: String,
    /// Scaling policy name.
    pub policy: &'static str,
    /// Declared per-instance concurrency.
    pub concurrency: u32,
    /// Minimum instances.
    pub min_instances: usize,
    /// Maximum instances.
    pub max_instances: usize,
    /// Requests waiting for a slot.
    pub queued: usize,
    /// Instances ever spawned.
    pub spawned: u64,
    /// Live instances.
    pub instances: Vec<InstanceStatus>,
    /// Counters.
    pub stats: StatsSnapshot,
    /// The function's live metrics, for `/metrics`.
    #[serde(skip)]
    pub metrics: Stats,
}

/// Every live instance's status.
pub(super) fn instances(instances: &Instances) -> Vec<InstanceStatus> {
    let ms = |d: &std::time::Duration| d.as_secs_f64() * 1000.0;
    instances
        .iter()
        .map(|(id, r)| InstanceStatus {
            id,
            pid: r.instance.pid,
            state: r.phase,
            in_flight: r.in_flight,
            invocations: r.invocations,
            init_ms: r.init_duration.as_ref().map(ms),
            age_s: r.spawned_at.elapsed().as_secs_f64(),
            rss_kib: r.usage.rss_kib,
            cpu_percent: r.usage.cpu_percent,
            recent_latencies_ms: r.recent.iter().map(ms).collect(),
        })
        .collect()
}
