//! The functions' metrics, read from their log lines in CloudWatch's embedded metric
//! format (EMF), as CloudWatch Logs reads them.
//!
//! A line is a metric document when it is a JSON object with an `_aws` member whose
//! `CloudWatchMetrics` directives name a namespace, dimension sets and metrics (name
//! and unit); the values are members of the same object, a number or an array of
//! numbers, and so are the dimensions' values. [`EmfMetrics::offer`] takes every line
//! an instance writes, skips the others with two substring checks and adds each
//! document's values to one series per function, namespace, metric and dimension
//! values. The server shows the series in `/metrics` and on the status page.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The dimension the functions name themselves with; a series carries the
/// platform's name of the function (whose output the line was) instead.
const FUNCTION_DIMENSION: &str = shared::metrics::names::FUNCTION_DIMENSION;

/// A metric document's `_aws` member.
#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(rename = "CloudWatchMetrics")]
    directives: Vec<Directive>,
}

/// One `CloudWatchMetrics` directive.
#[derive(Debug, Deserialize)]
struct Directive {
    #[serde(rename = "Namespace")]
    namespace: String,
    #[serde(rename = "Dimensions")]
    dimensions: Vec<Vec<String>>,
    #[serde(rename = "Metrics")]
    metrics: Vec<Definition>,
}

/// A metric a directive declares.
#[derive(Debug, Deserialize)]
struct Definition {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Unit")]
    unit: Option<String>,
}

/// Why a line that looked like a metric document is not one.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum EmfError {
    /// The line is not a JSON object, or its `_aws` member is not a directive list.
    #[error("not an embedded metric document: {0}")]
    Malformed(String),
    /// A declared dimension has no string value in the document.
    #[error("dimension {0} has no string value")]
    Dimension(String),
    /// A declared metric has no number (or array of numbers) in the document.
    #[error("metric {0} has no numeric value")]
    Value(String),
}

/// The values one document gives one metric under one dimension set.
#[derive(Debug, Clone, PartialEq)]
pub struct Datapoints {
    /// The CloudWatch namespace.
    pub namespace: String,
    /// The metric's name.
    pub name: String,
    /// Its unit as declared (`Count`, `Milliseconds`, ...), if any.
    pub unit: Option<String>,
    /// The dimension set's names and values, in the directive's order.
    pub dimensions: Vec<(String, String)>,
    /// The values (a single number is one value).
    pub values: Vec<f64>,
}

/// Whether `line` may be a metric document: cheap enough for every log line.
pub fn looks_like_emf(line: &str) -> bool {
    line.starts_with('{') && line.contains("\"_aws\"")
}

/// The datapoints of the metric document `line`.
pub fn parse(line: &str) -> Result<Vec<Datapoints>, EmfError> {
    let mut document: Map<String, Value> =
        serde_json::from_str(line).map_err(|e| EmfError::Malformed(e.to_string()))?;
    let metadata = document
        .remove("_aws")
        .ok_or_else(|| EmfError::Malformed("no _aws member".to_owned()))?;
    let metadata: Metadata =
        serde_json::from_value(metadata).map_err(|e| EmfError::Malformed(e.to_string()))?;
    let mut points = Vec::new();
    for directive in metadata.directives {
        let dimension_sets = directive
            .dimensions
            .iter()
            .map(|set| {
                set.iter()
                    .map(|name| match document.get(name) {
                        Some(Value::String(value)) => Ok((name.clone(), value.clone())),
                        _ => Err(EmfError::Dimension(name.clone())),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        for metric in &directive.metrics {
            let values = values(document.get(&metric.name))
                .ok_or_else(|| EmfError::Value(metric.name.clone()))?;
            for dimensions in &dimension_sets {
                points.push(Datapoints {
                    namespace: directive.namespace.clone(),
                    name: metric.name.clone(),
                    unit: metric.unit.clone(),
                    dimensions: dimensions.clone(),
                    values: values.clone(),
                });
            }
        }
    }
    Ok(points)
}

/// A member's values: a number, or an array of numbers.
fn values(member: Option<&Value>) -> Option<Vec<f64>> {
    match member? {
        Value::Number(n) => Some(vec![n.as_f64()?]),
        Value::Array(items) => items.iter().map(Value::as_f64).collect(),
        _ => None,
    }
}

/// What identifies a series: whose output, which metric, which dimension values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    /// The function (the platform's name for it) whose instances wrote the lines.
    pub function: String,
    /// The CloudWatch namespace.
    pub namespace: String,
    /// The metric's name.
    pub name: String,
    /// The dimensions other than the function's own name.
    pub dimensions: Vec<(String, String)>,
}

/// A series' values so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The unit of the latest document.
    pub unit: Option<String>,
    /// The sum of the values (a counter's value).
    pub sum: f64,
    /// How many values.
    pub count: u64,
    /// The latest value.
    pub last: f64,
}

/// Every function's series, fed by [`EmfMetrics::offer`].
#[derive(Debug, Default)]
pub struct EmfMetrics {
    series: Mutex<BTreeMap<SeriesKey, Aggregate>>,
}

impl EmfMetrics {
    /// Adds the values of `line`, written by one of `function`'s instances, when it is
    /// a metric document; other lines cost two substring checks. A malformed
    /// document is logged and skipped, as CloudWatch skips it.
    pub fn offer(&self, function: &str, line: &str) {
        if !looks_like_emf(line) {
            return;
        }
        let points = match parse(line) {
            Ok(points) => points,
            Err(error) => {
                tracing::debug!(function, error = %error, "log line skipped");
                return;
            }
        };
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        for point in points {
            let key = SeriesKey {
                function: function.to_owned(),
                namespace: point.namespace,
                name: point.name,
                dimensions: point
                    .dimensions
                    .into_iter()
                    .filter(|(name, _)| name != FUNCTION_DIMENSION)
                    .collect(),
            };
            let aggregate = series.entry(key).or_insert_with(|| Aggregate {
                unit: None,
                sum: 0.0,
                count: 0,
                last: 0.0,
            });
            aggregate.unit = point.unit;
            for value in point.values {
                aggregate.sum += value;
                aggregate.count += 1;
                aggregate.last = value;
            }
        }
    }

    /// Every series now, in key order.
    pub fn snapshot(&self) -> Vec<(SeriesKey, Aggregate)> {
        self.series
            .lock()
            .map(|s| s.iter().map(|(k, a)| (k.clone(), a.clone())).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTERS: &str = r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"TodoService","Dimensions":[["Function"]],"Metrics":[{"Name":"TodosCreated","Unit":"Count"},{"Name":"InitDuration","Unit":"Milliseconds"}]}]},"Function":"local-RuleFunction","TodosCreated":2,"InitDuration":[12.5,7.5]}"#;

    #[test]
    fn counters_and_arrays_are_read_with_their_units_and_dimensions() {
        let points = parse(COUNTERS).expect("a document");
        assert_eq!(
            points,
            vec![
                Datapoints {
                    namespace: "TodoService".into(),
                    name: "TodosCreated".into(),
                    unit: Some("Count".into()),
                    dimensions: vec![("Function".into(), "local-RuleFunction".into())],
                    values: vec![2.0],
                },
                Datapoints {
                    namespace: "TodoService".into(),
                    name: "InitDuration".into(),
                    unit: Some("Milliseconds".into()),
                    dimensions: vec![("Function".into(), "local-RuleFunction".into())],
                    values: vec![12.5, 7.5],
                },
            ]
        );
    }

    #[test]
    fn each_dimension_set_and_directive_gives_its_own_datapoints() {
        let line = r#"{"_aws":{"CloudWatchMetrics":[{"Namespace":"A","Dimensions":[["Function","ErrorType"],[]],"Metrics":[{"Name":"InitErrors"}]},{"Namespace":"B","Dimensions":[["Function"]],"Metrics":[{"Name":"InitErrors"}]}]},"Function":"f","ErrorType":"Runtime.InitError.Timeout","InitErrors":1}"#;
        let points = parse(line).expect("a document");
        let keys: Vec<(&str, usize)> = points
            .iter()
            .map(|p| (p.namespace.as_str(), p.dimensions.len()))
            .collect();
        assert_eq!(keys, vec![("A", 2), ("A", 0), ("B", 1)]);
        assert_eq!(points[0].unit, None);
    }

    #[test]
    fn documents_that_do_not_hold_what_they_declare_are_refused() {
        assert!(matches!(parse("{\"_aws\":"), Err(EmfError::Malformed(_))));
        assert!(matches!(
            parse(r#"{"_aws":{"CloudWatchMetrics":"no"}}"#),
            Err(EmfError::Malformed(_))
        ));
        let no_dimension = r#"{"_aws":{"CloudWatchMetrics":[{"Namespace":"A","Dimensions":[["Function"]],"Metrics":[{"Name":"X"}]}]},"X":1}"#;
        assert_eq!(
            parse(no_dimension),
            Err(EmfError::Dimension("Function".into()))
        );
        let text_value = r#"{"_aws":{"CloudWatchMetrics":[{"Namespace":"A","Dimensions":[[]],"Metrics":[{"Name":"X"}]}]},"X":"one"}"#;
        assert_eq!(parse(text_value), Err(EmfError::Value("X".into())));
    }

    #[test]
    fn other_log_lines_are_skipped_without_parsing() {
        assert!(!looks_like_emf("START RequestId: x Version: $LATEST"));
        assert!(!looks_like_emf(
            r#"{"level":"INFO","message":"user logged in"}"#
        ));
        assert!(looks_like_emf(COUNTERS));
    }

    #[test]
    fn offered_documents_add_up_per_function_without_the_function_dimension() {
        let metrics = EmfMetrics::default();
        metrics.offer("rule", COUNTERS);
        metrics.offer("rule", COUNTERS);
        metrics.offer("rule", "not a metric line");
        metrics.offer("rule", r#"{"_aws": broken"#);
        metrics.offer("user", COUNTERS);
        let snapshot = metrics.snapshot();
        let rule_created = snapshot
            .iter()
            .find(|(k, _)| k.function == "rule" && k.name == "TodosCreated")
            .expect("the rule function's series");
        assert!(rule_created.0.dimensions.is_empty());
        assert_eq!(rule_created.1.sum, 4.0);
        assert_eq!(rule_created.1.count, 2);
        let rule_init = snapshot
            .iter()
            .find(|(k, _)| k.function == "rule" && k.name == "InitDuration")
            .expect("the init series");
        assert_eq!((rule_init.1.sum, rule_init.1.count), (40.0, 4));
        assert_eq!(rule_init.1.last, 7.5);
        assert_eq!(snapshot.len(), 4, "two metrics for each of two functions");
    }
}
