//! What a run shows about itself: [`metrics`] (Prometheus text), [`status`] (the pools
//! as JSON), [`logs`] (Lambda-style log lines) and [`stats`] (each function's counters
//! and histograms).

pub mod logs;
pub mod metrics;
pub mod stats;
pub mod status;
