//! A function's counters and histograms, as `prometheus-client` metrics: the pool
//! counts into them, `/metrics` encodes them ([`crate::server::metrics`]) and the status page
//! reads a [`StatsSnapshot`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use serde::Serialize;

/// Upper bounds of the init-duration histogram, in seconds.
pub const INIT_BUCKETS: [f64; 10] = [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Upper bounds of the request-duration histogram, in seconds (Prometheus' defaults).
pub const REQUEST_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A function's metrics; clones count into the same metrics.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Invocations the function answered.
    pub(crate) invocations: Counter,
    /// Instances that finished their initializer.
    pub(crate) cold_starts: Counter,
    /// Instances whose init failed or timed out.
    pub(crate) init_failures: Counter,
    /// Failed requests, one counter per kind.
    errors: Arc<Mutex<BTreeMap<&'static str, Counter>>>,
    /// Time from spawn to the first `next`.
    pub(crate) init_duration: Histogram,
    /// Time from arrival at the pool to the function's answer.
    pub(crate) request_duration: Histogram,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            invocations: Counter::default(),
            cold_starts: Counter::default(),
            init_failures: Counter::default(),
            errors: Arc::default(),
            init_duration: Histogram::new(INIT_BUCKETS),
            request_duration: Histogram::new(REQUEST_BUCKETS),
        }
    }
}

/// The status page's copy of the counters.
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
}

impl Stats {
    /// Counts one request, answered by the function or not, that took `duration`.
    pub fn request(&self, duration: Duration) {
        self.request_duration.observe(duration.as_secs_f64());
    }

    /// Counts one invocation the function answered.
    pub fn invocation(&self) {
        self.invocations.inc();
    }

    /// Counts one completed cold start.
    pub fn cold_start(&self, init: Duration) {
        self.cold_starts.inc();
        self.init_duration.observe(init.as_secs_f64());
    }

    /// Counts one failed init.
    pub fn init_failure(&self) {
        self.init_failures.inc();
    }

    /// Counts one failed request.
    pub fn error(&self, kind: &'static str) {
        if let Ok(mut errors) = self.errors.lock() {
            errors.entry(kind).or_default().inc();
        }
    }

    /// Failed requests by kind, now.
    pub(crate) fn errors(&self) -> Vec<(&'static str, Counter)> {
        self.errors
            .lock()
            .map(|e| e.iter().map(|(k, c)| (*k, c.clone())).collect())
            .unwrap_or_default()
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            invocations: self.invocations.get(),
            cold_starts: self.cold_starts.get(),
            init_failures: self.init_failures.get(),
            errors: self
                .errors()
                .into_iter()
                .map(|(kind, n)| (kind, n.get()))
                .collect(),
        }
    }
}
