//! What a run shows about itself: [`metrics`] (Prometheus text), [`status`] (the pools
//! as JSON), [`logs`] (Lambda-style log lines) and [`stats`] (medians and percentiles).

pub mod logs;
pub mod metrics;
pub mod stats;
pub mod status;
