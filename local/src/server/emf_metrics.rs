//! The functions' own metrics (read from their EMF log lines, [`crate::observe::emf`])
//! as Prometheus families for `/metrics`.
//!
//! A metric `Name` in namespace `Namespace` becomes `namespace_name` in snake case
//! (`TodoService`/`TodosCreated`: `todo_service_todos_created_total`), with the label
//! `function` (the platform's name of the function that wrote it) and one label per
//! other dimension (`ErrorType`: `error_type`). A metric in `Count` (or no unit) is a
//! counter of its values' sum; a time is a histogram in seconds, any other unit a
//! histogram in that unit, each with its sum and count only (the values' spread is
//! CloudWatch's to keep).

use std::collections::BTreeMap;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::observe::emf::{Aggregate, SeriesKey};

/// The largest whole number an `f64` holds exactly (2^53).
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// One sample's labels: `function` first, then the dimensions.
type Labels = Vec<(String, String)>;

/// A series' value as Prometheus sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sample {
    /// A counter's value.
    Counter(f64),
    /// A histogram with only its `+Inf` bucket: the values' sum and count.
    Distribution { sum: f64, count: u64 },
}

/// One family: every function's series of one metric.
#[derive(Debug)]
struct Family {
    kind: MetricType,
    series: Vec<(Labels, Sample)>,
}

impl EncodeMetric for Family {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (labels, sample) in &self.series {
            let mut sample_encoder = encoder.encode_family(labels)?;
            match *sample {
                // Counts are whole numbers: shown as such, not as `6.0`.
                Sample::Counter(value)
                    if value.fract() == 0.0 && (0.0..=MAX_EXACT).contains(&value) =>
                {
                    sample_encoder.encode_counter::<NoLabelSet, u64, f64>(&(value as u64), None)?;
                }
                Sample::Counter(value) => {
                    sample_encoder.encode_counter::<NoLabelSet, f64, f64>(&value, None)?;
                }
                Sample::Distribution { sum, count } => {
                    sample_encoder.encode_histogram::<NoLabelSet>(
                        sum,
                        count,
                        &[(f64::INFINITY, count)],
                        None,
                    )?;
                }
            }
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        self.kind
    }
}

/// How a unit is shown: as a counter, or as a histogram in a Prometheus unit with the
/// factor that converts to it.
fn shown_as(unit: Option<&str>) -> Option<(Unit, f64)> {
    let unit = unit?;
    Some(match unit {
        "Count" | "None" => return None,
        "Seconds" => (Unit::Seconds, 1.0),
        "Milliseconds" => (Unit::Seconds, 1e-3),
        "Microseconds" => (Unit::Seconds, 1e-6),
        "Bytes" => (Unit::Bytes, 1.0),
        other => (Unit::Other(snake_case(other)), 1.0),
    })
}

/// Registers every series of `emf` in `registry`, one family per metric.
pub fn register(registry: &mut Registry, emf: &[(SeriesKey, Aggregate)]) {
    let mut families: BTreeMap<String, (String, Option<Unit>, Family)> = BTreeMap::new();
    for (key, aggregate) in emf {
        let shown = shown_as(aggregate.unit.as_deref());
        let (kind, sample) = match &shown {
            None => (MetricType::Counter, Sample::Counter(aggregate.sum)),
            Some((_, factor)) => (
                MetricType::Histogram,
                Sample::Distribution {
                    sum: aggregate.sum * factor,
                    count: aggregate.count,
                },
            ),
        };
        let name = format!("{}_{}", snake_case(&key.namespace), snake_case(&key.name));
        let (_, _, family) = families.entry(name).or_insert_with(|| {
            (
                help(key, aggregate.unit.as_deref()),
                shown.map(|(unit, _)| unit),
                Family {
                    kind,
                    series: Vec::new(),
                },
            )
        });
        // A metric whose unit changed between lines keeps the kind it was first seen with.
        if family.kind != kind {
            continue;
        }
        let mut labels = vec![("function".to_owned(), key.function.clone())];
        labels.extend(
            key.dimensions
                .iter()
                .map(|(name, value)| (snake_case(name), value.clone())),
        );
        family.series.push((labels, sample));
    }
    for (name, (help, unit, family)) in families {
        match unit {
            Some(unit) => registry.register_with_unit(name, help, unit, family),
            None => registry.register(name, help, family),
        }
    }
}

/// The family's help: what the metric says (for the service's own metrics) and where
/// it comes from.
fn help(key: &SeriesKey, unit: Option<&str>) -> String {
    let source = format!(
        "{}/{} in {}, from the functions' embedded metric format log lines",
        key.namespace,
        key.name,
        unit.unwrap_or("None")
    );
    match shared::metrics::help(&key.name)
        .filter(|_| key.namespace == shared::metrics::names::NAMESPACE)
    {
        Some(help) => format!("{help} ({source})"),
        None => source,
    }
}

/// `TodoService` as `todo_service`, `HTTPErrors` as `http_errors`, `Count/Second` as
/// `count_second`: lower case, words joined by `_`, nothing but `[a-z0-9_]`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let previous = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let starts_word = previous
                .is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (previous.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if starts_word && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let trimmed = out.trim_end_matches('_');
    if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::emf::EmfMetrics;
    use prometheus_client::encoding::prometheus_text;

    fn rendered(lines: &[(&str, &str)]) -> String {
        let emf = EmfMetrics::default();
        for (function, line) in lines {
            emf.offer(function, line);
        }
        let mut registry = Registry::default();
        register(&mut registry, &emf.snapshot());
        let mut text = String::new();
        prometheus_text::encode(&mut text, &registry).expect("text");
        text
    }

    const CREATED: &str = r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"TodoService","Dimensions":[["Function"]],"Metrics":[{"Name":"TodosCreated","Unit":"Count"},{"Name":"InitDuration","Unit":"Milliseconds"}]}]},"Function":"local-RuleFunction","TodosCreated":3,"InitDuration":[250]}"#;
    const INIT_ERROR: &str = r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"TodoService","Dimensions":[["Function","ErrorType"]],"Metrics":[{"Name":"InitErrors","Unit":"Count"}]}]},"Function":"local-UserFunction","ErrorType":"Runtime.InitError.Timeout","InitErrors":1}"#;

    #[test]
    fn counters_get_prometheus_names_help_and_the_function_label() {
        let text = rendered(&[("rule", CREATED), ("rule", CREATED), ("user", INIT_ERROR)]);
        assert!(
            text.contains("# HELP todo_service_todos_created_total Todos created (TodoService/TodosCreated in Count, from the functions' embedded metric format log lines)"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE todo_service_todos_created_total counter"),
            "{text}"
        );
        assert!(
            text.contains("todo_service_todos_created_total{function=\"rule\"} 6"),
            "{text}"
        );
        assert!(
            text.contains("todo_service_init_errors_total{function=\"user\",error_type=\"Runtime.InitError.Timeout\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn times_are_histograms_in_seconds_with_sum_and_count() {
        let text = rendered(&[("rule", CREATED), ("rule", CREATED)]);
        assert!(
            text.contains("# TYPE todo_service_init_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains("todo_service_init_duration_seconds_sum{function=\"rule\"} 0.5"),
            "{text}"
        );
        assert!(
            text.contains("todo_service_init_duration_seconds_count{function=\"rule\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "todo_service_init_duration_seconds_bucket{function=\"rule\",le=\"+Inf\"} 2"
            ),
            "{text}"
        );
    }

    #[test]
    fn names_become_snake_case() {
        assert_eq!(snake_case("TodoService"), "todo_service");
        assert_eq!(snake_case("TodosCreated"), "todos_created");
        assert_eq!(snake_case("HTTPErrors"), "http_errors");
        assert_eq!(snake_case("Count/Second"), "count_second");
        assert_eq!(snake_case("p99 latency"), "p99_latency");
        assert_eq!(snake_case("5xx"), "_5xx");
    }
}
