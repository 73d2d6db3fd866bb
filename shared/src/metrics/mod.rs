//! Business metrics, written to stdout in CloudWatch's embedded metric format (EMF).
//!
//! Handlers record what they know with one call ([`count`]); the code that serves
//! requests calls [`flush`] once per request, which writes one stdout line per label
//! set (normally one) when anything was recorded since the last flush, and nothing
//! otherwise. CloudWatch Logs turns the lines into metrics (namespace
//! [`names::NAMESPACE`], dimension [`names::FUNCTION_DIMENSION`]); the local platform
//! reads the same lines from the instances' output.
//!
//! The recorder is `metrics_cloudwatch_embedded`'s, behind the `metrics` facade: a
//! counter is an atomic add. It is installed by the initializer ([`initialized`],
//! [`init_failed`]) only when `AWS_LAMBDA_FUNCTION_NAME` names the function; without
//! it (tests, a container started without it) every call here is a no-op.
//!
//! Instances that serve several requests at once share the counters, so a flush
//! writes what every request recorded since the previous flush: sums stay exact,
//! only the line a value appears on may belong to a neighbouring request.

pub mod names;

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_cloudwatch_embedded::{Builder, Collector};

use names::{
    ACCOUNTS_CLOSED, CONFLICTS_RETRIED, ERROR_TYPE_DIMENSION, FUNCTION_DIMENSION,
    IDEMPOTENT_REPLAYS, INIT_DURATION, INIT_ERRORS, LOGINS_REFUSED, LOGINS_SUCCEEDED,
    LOGINS_THROTTLED, NAMESPACE, SESSIONS_ENDED, TODOS_CREATED, TODOS_DELETED, TODOS_UPDATED,
};

/// The unit a metric is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricUnit {
    /// A count of events (published as CloudWatch's `Count`).
    Count,
    /// A duration in milliseconds.
    Milliseconds,
}

/// One business metric: its name, unit and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Described {
    /// The metric's name (one of [`names`]).
    pub name: &'static str,
    /// Its unit.
    pub unit: MetricUnit,
    /// One line on when it moves, for people (the local `/metrics` shows it as help).
    pub help: &'static str,
}

/// Every business metric the functions publish.
pub const CATALOGUE: [Described; 12] = [
    counted(TODOS_CREATED, "Todos created"),
    counted(TODOS_UPDATED, "Todos updated"),
    counted(TODOS_DELETED, "Todos deleted (a batch of n adds n)"),
    counted(
        IDEMPOTENT_REPLAYS,
        "Writes answered from their Idempotency-Key's record",
    ),
    counted(
        CONFLICTS_RETRIED,
        "Transactions retried after meeting a concurrent one",
    ),
    counted(LOGINS_SUCCEEDED, "Logins that opened a session"),
    counted(LOGINS_REFUSED, "Logins refused: wrong name or password"),
    counted(
        LOGINS_THROTTLED,
        "Logins refused: no attempt left for the name",
    ),
    counted(SESSIONS_ENDED, "Sessions ended by a logout"),
    counted(ACCOUNTS_CLOSED, "Accounts deleted by their owner"),
    Described {
        name: INIT_DURATION,
        unit: MetricUnit::Milliseconds,
        help: "Initializer duration, once per instance",
    },
    counted(INIT_ERRORS, "Initializers that failed, by error type"),
];

const fn counted(name: &'static str, help: &'static str) -> Described {
    Described {
        name,
        unit: MetricUnit::Count,
        help,
    }
}

/// The help line of the metric called `name`, if it is one of [`CATALOGUE`].
pub fn help(name: &str) -> Option<&'static str> {
    CATALOGUE.iter().find(|m| m.name == name).map(|m| m.help)
}

/// Why the recorder could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The `metrics` facade refused the recorder (another one is installed).
    #[error("the metrics recorder could not be installed: {0}")]
    Install(String),
}

/// The installed collector; `None` when metrics are off for this process.
static COLLECTOR: OnceLock<Option<&'static Collector>> = OnceLock::new();
/// Set by every recording, cleared by [`flush`]: a request that recorded nothing
/// (most reads) costs one atomic swap and no write.
static RECORDED: AtomicBool = AtomicBool::new(false);
/// Room for one document of every counter, so that a flush allocates once.
const DOCUMENT_CAPACITY: usize = 1024;

/// Adds `n` to the counter `name` (one of [`names`]).
pub fn count(name: &'static str, n: u64) {
    metrics::counter!(name).increment(n);
    RECORDED.store(true, Ordering::Release);
}

/// Installs the recorder, records how long the initializer took and writes it out.
pub fn initialized(took: Duration) {
    install();
    metrics::histogram!(INIT_DURATION).record(took.as_secs_f64() * 1000.0);
    RECORDED.store(true, Ordering::Release);
    flush();
}

/// Installs the recorder, counts an init error of `error_type` (its kind, such as
/// `Runtime.InitError.Timeout`, never its message) and writes it out.
pub fn init_failed(error_type: &'static str) {
    install();
    metrics::counter!(INIT_ERRORS, ERROR_TYPE_DIMENSION => error_type).increment(1);
    RECORDED.store(true, Ordering::Release);
    flush();
}

/// Writes what was recorded since the last flush to stdout, as one write; nothing
/// when nothing was recorded or metrics are off.
pub fn flush() {
    let Some(document) = COLLECTOR.get().copied().flatten().and_then(take_document) else {
        return;
    };
    if let Err(error) = std::io::stdout().lock().write_all(&document) {
        tracing::warn!(error = %error, "could not write the metrics");
    }
}

/// Installs the collector once per process, when `AWS_LAMBDA_FUNCTION_NAME` is set.
fn install() {
    COLLECTOR.get_or_init(|| {
        let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok()?;
        collector(function)
            .inspect_err(|error| tracing::warn!(error = %error, "business metrics are off"))
            .ok()
    });
}

/// A collector for `function`'s metrics, installed as the `metrics` recorder.
fn collector(function: String) -> Result<&'static Collector, MetricsError> {
    let collector = Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension(FUNCTION_DIMENSION, function)
        .init()
        .map_err(|error| MetricsError::Install(error.to_string()))?;
    for metric in CATALOGUE {
        match metric.unit {
            MetricUnit::Count => {
                metrics::describe_counter!(metric.name, metrics::Unit::Count, metric.help);
            }
            MetricUnit::Milliseconds => {
                metrics::describe_histogram!(metric.name, metrics::Unit::Milliseconds, metric.help);
            }
        }
    }
    Ok(collector)
}

/// The EMF lines of what was recorded since the last call, if anything was.
fn take_document(collector: &Collector) -> Option<Vec<u8>> {
    if !RECORDED.swap(false, Ordering::AcqRel) {
        return None;
    }
    let mut document = Vec::with_capacity(DOCUMENT_CAPACITY);
    if let Err(error) = collector.flush(&mut document) {
        tracing::warn!(error = %error, "could not encode the metrics");
        return None;
    }
    (!document.is_empty()).then_some(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn lines(document: &[u8]) -> Vec<Value> {
        std::str::from_utf8(document)
            .expect("utf-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON document per line"))
            .collect()
    }

    // The only test that installs a recorder: the `metrics` facade takes one per process.
    #[test]
    fn recorded_metrics_become_emf_lines_with_the_function_dimension() {
        let collector = collector("rule".to_owned()).expect("the first recorder");
        let _ = take_document(collector);
        assert!(take_document(collector).is_none(), "nothing recorded yet");

        count(TODOS_CREATED, 1);
        count(TODOS_DELETED, 10);
        count(TODOS_DELETED, 2);
        metrics::histogram!(INIT_DURATION).record(12.5);
        metrics::counter!(INIT_ERRORS, ERROR_TYPE_DIMENSION => "Runtime.InitError.Timeout")
            .increment(1);
        let documents = lines(&take_document(collector).expect("a document"));

        assert_eq!(documents.len(), 2, "one line per label set: {documents:?}");
        let counters = &documents[0];
        let directive = &counters["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], serde_json::json!([["Function"]]));
        assert_eq!(counters["Function"], "rule");
        assert_eq!(counters[TODOS_CREATED], 1);
        assert_eq!(counters[TODOS_DELETED], 12);
        assert_eq!(counters[INIT_DURATION], serde_json::json!([12.5]));
        let units: Vec<(&str, &str)> = directive["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| {
                (
                    m["Name"].as_str().unwrap_or(""),
                    m["Unit"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(units.contains(&(TODOS_CREATED, "Count")), "{units:?}");
        assert!(
            units.contains(&(INIT_DURATION, "Milliseconds")),
            "{units:?}"
        );

        let errors = &documents[1];
        assert_eq!(
            errors["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Function", "ErrorType"]])
        );
        assert_eq!(errors["ErrorType"], "Runtime.InitError.Timeout");
        assert_eq!(errors[INIT_ERRORS], 1);

        assert!(
            take_document(collector).is_none(),
            "flushed counters restart at zero"
        );
    }

    #[test]
    fn help_is_found_by_name() {
        assert_eq!(
            help(TODOS_DELETED),
            Some("Todos deleted (a batch of n adds n)")
        );
        assert_eq!(help("Unknown"), None);
    }
}
