//! `/metrics` in the Prometheus text format, encoded by `prometheus-client`: each
//! function's counters and histograms ([`Stats`]) and gauges read from its pool, and
//! the metrics the functions wrote in their log lines ([`super::emf_metrics`]).
//!
//! Per function: `local_invocations_total`, `local_errors_total{kind}`,
//! `local_cold_starts_total`, `local_init_failures_total`, the
//! `local_init_duration_seconds` and `local_request_duration_seconds` histograms,
//! `local_instances{state}`, `local_in_flight` and `local_queued`.

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, prometheus_text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::{Registry, Unit};

use crate::observe::emf::{Aggregate, SeriesKey};
use crate::observe::stats::Stats;
use crate::runtime::pool::{Phase, PoolStatus};

/// One sample's labels: `function` first.
type Labels = Vec<(&'static str, String)>;

/// One metric family: a metric per label set (a function, or a function and a kind).
#[derive(Debug)]
struct Series<M>(Vec<(Labels, M)>);

impl<M: EncodeMetric + TypedMetric> EncodeMetric for Series<M> {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, metric) in &self.0 {
            metric.encode(encoder.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        M::TYPE
    }
}

/// A family with one metric per pool, from `metric`.
fn per_function<M>(pools: &[PoolStatus], metric: impl Fn(&PoolStatus) -> M) -> Series<M> {
    Series(
        pools
            .iter()
            .map(|p| (vec![("function", p.name.clone())], metric(p)))
            .collect(),
    )
}

fn gauge(n: usize) -> ConstGauge<i64> {
    ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A metric of every function: its name, its help and which of a function's [`Stats`] it is.
type Described<M> = (&'static str, &'static str, fn(&Stats) -> &M);

/// The functions' counters (their names get `_total`).
const COUNTERS: [Described<Counter>; 3] = [
    ("invocations", "Invocations the function answered", |s| {
        &s.invocations
    }),
    (
        "cold_starts",
        "Instances that finished their initializer",
        |s| &s.cold_starts,
    ),
    (
        "init_failures",
        "Instances whose init failed or timed out",
        |s| &s.init_failures,
    ),
];

/// The functions' histograms, in seconds (their names get `_seconds`).
const HISTOGRAMS: [Described<Histogram>; 2] = [
    (
        "init_duration",
        "Time from spawn to the first next call",
        |s| &s.init_duration,
    ),
    (
        "request_duration",
        "Time from arrival at the pool to the function's answer, queueing and cold start included",
        |s| &s.request_duration,
    ),
];

/// Renders the pools' counters, histograms and gauges, and the functions' own metrics.
pub fn render(pools: &[PoolStatus], emf: &[(SeriesKey, Aggregate)]) -> String {
    let mut root = Registry::default();
    super::emf_metrics::register(&mut root, emf);
    let registry = root.sub_registry_with_prefix("local");
    for (name, help, metric) in COUNTERS {
        registry.register(
            name,
            help,
            per_function(pools, |p| metric(&p.metrics).clone()),
        );
    }
    for (name, help, metric) in HISTOGRAMS {
        let series = per_function(pools, |p| metric(&p.metrics).clone());
        registry.register_with_unit(name, help, Unit::Seconds, series);
    }
    let errors = pools.iter().flat_map(|p| {
        p.metrics.errors().into_iter().map(|(kind, counter)| {
            (
                vec![("function", p.name.clone()), ("kind", kind.to_owned())],
                counter,
            )
        })
    });
    registry.register(
        "errors",
        "Failed requests by kind",
        Series(errors.collect()),
    );
    let states = pools.iter().flat_map(|p| {
        [
            (Phase::Starting, "starting"),
            (Phase::Ready, "ready"),
            (Phase::Stopping, "stopping"),
        ]
        .map(|(phase, state)| {
            let n = p.instances.iter().filter(|i| i.state == phase).count();
            (
                vec![("function", p.name.clone()), ("state", state.to_owned())],
                gauge(n),
            )
        })
    });
    registry.register(
        "instances",
        "Live instances by state",
        Series(states.collect()),
    );
    registry.register(
        "in_flight",
        "Requests being served",
        per_function(pools, |p| {
            gauge(p.instances.iter().map(|i| i.in_flight as usize).sum())
        }),
    );
    registry.register(
        "queued",
        "Requests waiting for a free instance",
        per_function(pools, |p| gauge(p.queued)),
    );
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_text::encode(&mut text, &root);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::pool::InstanceStatus;
    use std::time::Duration;

    fn pool(name: &str, stats: Stats) -> PoolStatus {
        PoolStatus {
            name: name.into(),
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
            stats: stats.snapshot(),
            metrics: stats,
        }
    }

    #[test]
    fn families_and_samples_are_rendered() {
        let stats = Stats::default();
        for _ in 0..7 {
            stats.invocation();
        }
        stats.error("timeout");
        stats.cold_start(Duration::from_millis(8));
        stats.cold_start(Duration::from_millis(9));
        stats.request(Duration::from_millis(30));
        let text = render(&[pool("rule", stats)], &[]);
        assert!(
            text.contains("# TYPE local_invocations_total counter"),
            "{text}"
        );
        assert!(
            text.contains("local_invocations_total{function=\"rule\"} 7"),
            "{text}"
        );
        assert!(text.contains("local_errors_total{function=\"rule\",kind=\"timeout\"} 1"));
        assert!(text.contains("# TYPE local_init_duration_seconds histogram"));
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"0.005\"} 0")
        );
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"0.01\"} 2")
        );
        assert!(
            text.contains("local_init_duration_seconds_bucket{function=\"rule\",le=\"+Inf\"} 2")
        );
        assert!(text.contains("local_init_duration_seconds_count{function=\"rule\"} 2"));
        assert!(
            text.contains(
                "local_request_duration_seconds_bucket{function=\"rule\",le=\"0.025\"} 0"
            )
        );
        assert!(
            text.contains("local_request_duration_seconds_bucket{function=\"rule\",le=\"0.05\"} 1")
        );
        assert!(text.contains("local_instances{function=\"rule\",state=\"ready\"} 1"));
        assert!(text.contains("local_instances{function=\"rule\",state=\"starting\"} 0"));
        assert!(text.contains("local_in_flight{function=\"rule\"} 3"));
        assert!(text.contains("local_queued{function=\"rule\"} 0"));
    }

    #[test]
    fn label_values_are_escaped() {
        let text = render(&[pool("a\"b\\c\nd", Stats::default())], &[]);
        assert!(
            text.contains(r#"local_queued{function="a\"b\\c\nd"} 0"#),
            "{text}"
        );
    }

    #[test]
    fn each_family_is_described_once_whatever_the_functions() {
        let text = render(
            &[
                pool("rule", Stats::default()),
                pool("user", Stats::default()),
            ],
            &[],
        );
        assert_eq!(
            text.matches("# TYPE local_queued gauge").count(),
            1,
            "{text}"
        );
        assert!(text.contains("local_queued{function=\"user\"} 0"));
    }
}
