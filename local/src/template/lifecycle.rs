//! `Mappings.Lifecycle.<LogicalId>` read into types: one declaration per function of
//! how its instances start (initializer, its timeout, per-instance concurrency) and,
//! for container platforms, how many run and at which watermarks they scale.
//!
//! ```yaml
//! Lifecycle:
//!   RuleFunction:
//!     Initializer: warm-datastore
//!     InitializerTimeoutSeconds: 5
//!     PerInstanceConcurrency: 10
//!     MinInstances: 1               # the container half: all of these, or none
//!     MaxInstances: 20
//!     ScaleOutInFlightPercent: 80   # in-flight over PerInstanceConcurrency
//!     ScaleInInFlightPercent: 30
//!     ScaleOutCpuPercent: 70        # of one core
//!     ScaleInCpuPercent: 20
//!     ScaleOutMemoryMiB: 96
//!     ScaleInMemoryMiB: 64
//!     ScaleOutLatencyMs: 1000
//!     ScaleInLatencyMs: 300
//!     ScaleCooldownSeconds: 5
//! ```
//!
//! serde reads the entry, so a misspelt key, a missing key of the container half or a
//! value that is not a non-negative number is refused by name. Whether the container
//! numbers agree with each other is the runtime's business
//! (`runtime::container_scaling`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde_norway::Value;
use shared::config::DEFAULT_INITIALIZER_TIMEOUT;

use crate::template::Template;

/// Why a function's lifecycle entry cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Mappings.Lifecycle.{function}: {message}")]
pub struct LifecycleError {
    /// The function's logical id.
    pub function: String,
    /// What serde found wrong, naming the key.
    pub message: String,
}

/// What the template declares about an instance's life.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    /// The initializer entry, as the template names it (informational locally: the
    /// binary runs it before its first `next`).
    pub initializer: Option<String>,
    /// How long an instance may take from spawn to its first `next`.
    pub init_timeout: Duration,
    /// How many requests one instance serves at once.
    pub concurrency: u32,
    /// The container half, when the entry declares it.
    pub container: Option<ContainerKeys>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            initializer: None,
            init_timeout: DEFAULT_INITIALIZER_TIMEOUT,
            concurrency: 1,
            container: None,
        }
    }
}

/// The container half of an entry, as declared (percentages as percent).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[allow(missing_docs)] // Each field is the key of the same name, documented above.
pub struct ContainerKeys {
    pub min_instances: Amount,
    pub max_instances: Amount,
    pub scale_out_in_flight_percent: Amount,
    pub scale_in_in_flight_percent: Amount,
    pub scale_out_cpu_percent: Amount,
    pub scale_in_cpu_percent: Amount,
    #[serde(rename = "ScaleOutMemoryMiB")]
    pub scale_out_memory_mib: Amount,
    #[serde(rename = "ScaleInMemoryMiB")]
    pub scale_in_memory_mib: Amount,
    pub scale_out_latency_ms: Amount,
    pub scale_in_latency_ms: Amount,
    pub scale_cooldown_seconds: Amount,
}

/// A non-negative, finite number, written as a number or as a numeric string (a
/// mapping's values are often quoted).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Deserialize)]
#[serde(try_from = "Written")]
pub struct Amount(pub f64);

/// A number as the template may write it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Number(f64),
    Text(String),
}

impl TryFrom<Written> for Amount {
    type Error = String;

    fn try_from(written: Written) -> Result<Self, String> {
        let number = match &written {
            Written::Number(n) => Some(*n),
            Written::Text(s) => s.trim().parse().ok(),
        };
        match number {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(Self(n)),
            _ => Err(match written {
                Written::Number(n) => format!("{n} is not a non-negative number"),
                Written::Text(s) => format!("{s:?} is not a non-negative number"),
            }),
        }
    }
}

/// An entry as written: the instance half by name, the rest for the container half.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    initializer: Option<String>,
    initializer_timeout_seconds: Option<Amount>,
    per_instance_concurrency: Option<Amount>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

/// The lifecycle of the function `logical_id`; the defaults when it has no entry.
pub fn lifecycle(template: &Template, logical_id: &str) -> Result<Lifecycle, LifecycleError> {
    let Some(entry) = template.mapping_entry("Lifecycle", logical_id) else {
        return Ok(Lifecycle::default());
    };
    let refused = |error: serde_norway::Error| LifecycleError {
        function: logical_id.to_owned(),
        message: error.to_string(),
    };
    let entry: Entry = serde_norway::from_value(mapping(entry.clone())).map_err(refused)?;
    let container = if entry.rest.is_empty() {
        None
    } else {
        Some(serde_norway::from_value(mapping(entry.rest)).map_err(refused)?)
    };
    Ok(Lifecycle {
        initializer: entry.initializer,
        init_timeout: entry
            .initializer_timeout_seconds
            .map_or(DEFAULT_INITIALIZER_TIMEOUT, |s| {
                Duration::from_secs_f64(s.0)
            }),
        concurrency: entry
            .per_instance_concurrency
            .map_or(1, |n| n.0 as u32)
            .max(1),
        container,
    })
}

/// A YAML mapping of these keys and values.
fn mapping(entries: BTreeMap<String, Value>) -> Value {
    Value::Mapping(
        entries
            .into_iter()
            .map(|(key, value)| (Value::String(key), value))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rule: &str) -> Result<Lifecycle, LifecycleError> {
        let template = Template::parse(&format!(
            "Mappings:\n  Lifecycle:\n    RuleFunction:\n{rule}"
        ))
        .expect("parses");
        lifecycle(&template, "RuleFunction")
    }

    #[test]
    fn numbers_may_be_written_as_strings_and_missing_entries_take_the_defaults() {
        let read = entry(
            "      Initializer: warm-datastore\n      InitializerTimeoutSeconds: '2.5'\n      PerInstanceConcurrency: 10\n",
        )
        .expect("valid");
        assert_eq!(read.initializer.as_deref(), Some("warm-datastore"));
        assert_eq!(read.init_timeout, Duration::from_millis(2500));
        assert_eq!(read.concurrency, 10);
        assert_eq!(read.container, None);
        let template = Template::parse("Mappings: {}\n").expect("parses");
        assert_eq!(
            lifecycle(&template, "RuleFunction"),
            Ok(Lifecycle::default())
        );
    }

    #[test]
    fn a_misspelt_key_a_partial_container_half_or_a_negative_number_is_refused_by_name() {
        for (written, named) in [
            ("      PerInstanceConcurency: 10\n", "PerInstanceConcurency"),
            ("      MinInstances: 1\n", "MaxInstances"),
            ("      PerInstanceConcurrency: -1\n", "-1"),
            ("      InitializerTimeoutSeconds: soon\n", "\"soon\""),
        ] {
            let error = entry(written).expect_err(written);
            assert!(
                error
                    .to_string()
                    .starts_with("Mappings.Lifecycle.RuleFunction: ")
                    && error.to_string().contains(named),
                "{written:?} gave {error}"
            );
        }
    }
}
