//! `/metrics` in the Prometheus text format.

use std::fmt::Write as _;

use crate::observe::stats::INIT_BUCKETS;
use crate::runtime::pool::{Phase, PoolStatus};

/// Renders the pools' counters and gauges.
pub fn render(pools: &[PoolStatus]) -> String {
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, help: &str, lines: &mut dyn FnMut(&mut String)| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        lines(&mut out);
    };
    family(
        "local_invocations_total",
        "counter",
        "Invocations the function answered.",
        &mut |o| {
            for p in pools {
                let _ = writeln!(
                    o,
                    "local_invocations_total{{function=\"{}\"}} {}",
                    p.name, p.stats.invocations
                );
            }
        },
    );
    family(
        "local_errors_total",
        "counter",
        "Failed requests by kind.",
        &mut |o| {
            for p in pools {
                for (kind, n) in &p.stats.errors {
                    let _ = writeln!(
                        o,
                        "local_errors_total{{function=\"{}\",kind=\"{kind}\"}} {n}",
                        p.name
                    );
                }
            }
        },
    );
    family(
        "local_cold_starts_total",
        "counter",
        "Instances that finished their initializer.",
        &mut |o| {
            for p in pools {
                let _ = writeln!(
                    o,
                    "local_cold_starts_total{{function=\"{}\"}} {}",
                    p.name, p.stats.cold_starts
                );
            }
        },
    );
    family(
        "local_init_failures_total",
        "counter",
        "Instances whose init failed or timed out.",
        &mut |o| {
            for p in pools {
                let _ = writeln!(
                    o,
                    "local_init_failures_total{{function=\"{}\"}} {}",
                    p.name, p.stats.init_failures
                );
            }
        },
    );
    family(
        "local_init_duration_seconds",
        "histogram",
        "Time from spawn to the first next call.",
        &mut |o| {
            for p in pools {
                let mut cumulative = 0;
                for (bound, count) in INIT_BUCKETS.iter().zip(p.stats.init.counts) {
                    cumulative += count;
                    let _ = writeln!(
                        o,
                        "local_init_duration_seconds_bucket{{function=\"{}\",le=\"{bound}\"}} {cumulative}",
                        p.name
                    );
                }
                let _ = writeln!(
                    o,
                    "local_init_duration_seconds_bucket{{function=\"{}\",le=\"+Inf\"}} {}",
                    p.name, p.stats.init.count
                );
                let _ = writeln!(
                    o,
                    "local_init_duration_seconds_sum{{function=\"{}\"}} {}",
                    p.name, p.stats.init.sum
                );
                let _ = writeln!(
                    o,
                    "local_init_duration_seconds_count{{function=\"{}\"}} {}",
                    p.name, p.stats.init.count
                );
            }
        },
    );
    family(
        "local_instances",
        "gauge",
        "Live instances by state.",
        &mut |o| {
            for p in pools {
                for (phase, label) in [
                    (Phase::Starting, "starting"),
                    (Phase::Ready, "ready"),
                    (Phase::Stopping, "stopping"),
                ] {
                    let n = p.instances.iter().filter(|i| i.state == phase).count();
                    let _ = writeln!(
                        o,
                        "local_instances{{function=\"{}\",state=\"{label}\"}} {n}",
                        p.name
                    );
                }
            }
        },
    );
    family(
        "local_in_flight",
        "gauge",
        "Requests being served.",
        &mut |o| {
            for p in pools {
                let n: u32 = p.instances.iter().map(|i| i.in_flight).sum();
                let _ = writeln!(o, "local_in_flight{{function=\"{}\"}} {n}", p.name);
            }
        },
    );
    family(
        "local_queued",
        "gauge",
        "Requests waiting for a free instance.",
        &mut |o| {
            for p in pools {
                let _ = writeln!(o, "local_queued{{function=\"{}\"}} {}", p.name, p.queued);
            }
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::stats::StatsSnapshot;
    use crate::runtime::pool::InstanceStatus;

    #[test]
    fn families_and_samples_are_rendered() {
        let mut stats = StatsSnapshot {
            invocations: 7,
            cold_starts: 2,
            ..StatsSnapshot::default()
        };
        stats.errors.insert("timeout", 1);
        stats.init.counts[1] = 2;
        stats.init.count = 2;
        let pool = PoolStatus {
            name: "rule".into(),
            policy: "concurrency",
            concurrency: 10,
            min_instances: 0,
            max_instances: 10,
            queued: 0,
            spawned: 2,
            instances: vec![InstanceStatus {
                id: 1,
                pid: Some(1),
                state: Phase::Ready,
                in_flight: 3,
                invocations: 7,
                init_ms: Some(8.0),
                age_s: 1.0,
                rss_kib: 1000,
                cpu_percent: 0.0,
                recent_latencies_ms: vec![],
            }],
            stats,
        };
        let text = render(&[pool]);
        assert!(text.contains("# TYPE local_invocations_total counter"));
        assert!(text.contains("local_invocations_total{function=\"rule\"} 7"));
        assert!(text.contains("local_errors_total{function=\"rule\",kind=\"timeout\"} 1"));
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"0.005\"} 0")
        );
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"0.01\"} 2")
        );
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"+Inf\"} 2")
        );
        assert!(text.contains("local_instances{function=\"rule\",state=\"ready\"} 1"));
        assert!(text.contains("local_in_flight{function=\"rule\"} 3"));
    }
}
