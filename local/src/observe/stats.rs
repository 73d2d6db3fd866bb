//! Per-function counters and the init-duration histogram behind `/metrics`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

/// Upper bounds of the init-duration histogram, in seconds.
pub const INIT_BUCKETS: [f64; 10] = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A function's counters.
#[derive(Debug, Default)]
pub struct Stats {
    invocations: AtomicU64,
    cold_starts: AtomicU64,
    init_failures: AtomicU64,
    errors: Mutex<BTreeMap<&'static str, u64>>,
    init: Mutex<Histogram>,
}

/// A cumulative histogram in Prometheus' sense.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Histogram {
    /// Count per bucket of [`INIT_BUCKETS`] (not cumulative).
    pub counts: [u64; INIT_BUCKETS.len()],
    /// Sum of observations, in seconds.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatsSnapshot {
    /// Invocations answered by the function (responses and function errors).
    pub invocations: u64,
    /// Instances that finished their initializer.
    pub cold_starts: u64,
    /// Instances whose init failed or timed out.
    pub init_failures: u64,
    /// Failed requests by kind (`timeout`, `crash`, `function`, `throttled`, ...).
    pub errors: BTreeMap<&'static str, u64>,
    /// Init durations.
    pub init: Histogram,
}

impl Stats {
    /// Counts one invocation the function answered.
    pub fn invocation(&self) {
        self.invocations.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one completed cold start.
    pub fn cold_start(&self, init: Duration) {
        self.cold_starts.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut h) = self.init.lock() {
            let seconds = init.as_secs_f64();
            if let Some(i) = INIT_BUCKETS.iter().position(|b| seconds <= *b) {
                h.counts[i] += 1;
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// Counts one failed init.
    pub fn init_failure(&self) {
        self.init_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one failed request.
    pub fn error(&self, kind: &'static str) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(kind).or_default() += 1;
        }
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            invocations: self.invocations.load(Ordering::Relaxed),
            cold_starts: self.cold_starts.load(Ordering::Relaxed),
            init_failures: self.init_failures.load(Ordering::Relaxed),
            errors: self.errors.lock().map(|e| e.clone()).unwrap_or_default(),
            init: self.init.lock().map(|h| h.clone()).unwrap_or_default(),
        }
    }
}
