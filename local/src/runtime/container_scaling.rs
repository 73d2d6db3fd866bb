//! The container half of `template.yml`'s `Lifecycle` mapping: how many instances a
//! function keeps and the watermarks it scales by.
//!
//! Read by the local platform's watermark policy ([`watermark_settings`]) and by the
//! Knative and Kubernetes manifest generator (`containers/`), so both follow one
//! declaration per function:
//!
//! ```yaml
//! Lifecycle:
//!   RuleFunction:
//!     MinInstances: 1
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

use std::collections::BTreeMap;
use std::time::Duration;

use serde_norway::Value;

use crate::runtime::policy::{Load, Policy, Watermarks};
use crate::runtime::pool::PoolSettings;
use crate::template::Template;
use crate::template::functions::FunctionSpec;

/// Every key of the container half, in the order the template lists them.
pub const KEYS: [&str; 11] = [
    "MinInstances",
    "MaxInstances",
    "ScaleOutInFlightPercent",
    "ScaleInInFlightPercent",
    "ScaleOutCpuPercent",
    "ScaleInCpuPercent",
    "ScaleOutMemoryMiB",
    "ScaleInMemoryMiB",
    "ScaleOutLatencyMs",
    "ScaleInLatencyMs",
    "ScaleCooldownSeconds",
];

/// Why a function's container scaling cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalingError {
    /// Some keys are declared, this one is not.
    #[error(
        "Mappings.Lifecycle.{function}.{key} is missing (the container scaling needs all of {KEYS:?})"
    )]
    Missing {
        /// The function's logical id.
        function: String,
        /// The key.
        key: &'static str,
    },
    /// A key is not a non-negative number.
    #[error("Mappings.Lifecycle.{function}.{key}: {value} is not a non-negative number")]
    Invalid {
        /// The function's logical id.
        function: String,
        /// The key.
        key: &'static str,
        /// What the template says.
        value: String,
    },
    /// The numbers contradict each other.
    #[error("Mappings.Lifecycle.{function}: {message}")]
    Inconsistent {
        /// The function's logical id.
        function: String,
        /// Which numbers and why.
        message: String,
    },
}

/// What the template declares about a function as a scaled container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerScaling {
    /// Instances always kept up ("reserved"); at least 1 for a Deployment.
    pub min_instances: usize,
    /// The most instances.
    pub max_instances: usize,
    /// The high and low watermarks and the cooldown.
    pub watermarks: Watermarks,
}

/// The container scaling of the function `logical_id`; `None` when the template
/// declares none of [`KEYS`] for it.
pub fn container_scaling(
    template: &Template,
    logical_id: &str,
) -> Result<Option<ContainerScaling>, ScalingError> {
    let declared: Vec<Option<&Value>> = KEYS
        .iter()
        .map(|key| template.find_in_map("Lifecycle", logical_id, key))
        .collect();
    if declared.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut numbers = [0.0; KEYS.len()];
    for ((key, value), number) in KEYS.iter().zip(&declared).zip(&mut numbers) {
        let value = value.ok_or_else(|| ScalingError::Missing {
            function: logical_id.to_owned(),
            key,
        })?;
        *number = non_negative(value).ok_or_else(|| ScalingError::Invalid {
            function: logical_id.to_owned(),
            key,
            value: serde_norway::to_string(value)
                .map_or_else(|_| format!("{value:?}"), |s| s.trim().to_owned()),
        })?;
    }
    let [
        min,
        max,
        in_flight_out,
        in_flight_in,
        cpu_out,
        cpu_in,
        memory_out,
        memory_in,
        latency_out,
        latency_in,
        cooldown,
    ] = numbers;
    let inconsistent = |message: String| ScalingError::Inconsistent {
        function: logical_id.to_owned(),
        message,
    };
    if max < 1.0 || min > max || min.fract() != 0.0 || max.fract() != 0.0 {
        return Err(inconsistent(format!(
            "MinInstances {min} and MaxInstances {max} must be whole numbers with 0 <= min <= max and max >= 1"
        )));
    }
    for (name, low, high) in [
        ("InFlightPercent", in_flight_in, in_flight_out),
        ("CpuPercent", cpu_in, cpu_out),
        ("MemoryMiB", memory_in, memory_out),
        ("LatencyMs", latency_in, latency_out),
    ] {
        if low >= high {
            return Err(inconsistent(format!(
                "ScaleIn{name} {low} must be below ScaleOut{name} {high}"
            )));
        }
    }
    if cooldown <= 0.0 {
        return Err(inconsistent("ScaleCooldownSeconds must be above 0".into()));
    }
    Ok(Some(ContainerScaling {
        min_instances: min as usize,
        max_instances: max as usize,
        watermarks: Watermarks {
            high: Load {
                cpu_percent: cpu_out,
                rss_mib: memory_out,
                in_flight_ratio: in_flight_out / 100.0,
                latency_ms: latency_out,
            },
            low: Load {
                cpu_percent: cpu_in,
                rss_mib: memory_in,
                in_flight_ratio: in_flight_in / 100.0,
                latency_ms: latency_in,
            },
            cooldown: Duration::from_secs_f64(cooldown),
        },
    }))
}

/// Pool settings for the watermark policy, per function short name: `base` with the
/// template's instance bounds and watermarks, for each function that declares them.
pub fn watermark_settings(
    template: &Template,
    functions: &[FunctionSpec],
    base: &PoolSettings,
) -> Result<BTreeMap<String, PoolSettings>, ScalingError> {
    let mut settings = BTreeMap::new();
    for spec in functions {
        if let Some(scaling) = container_scaling(template, &spec.logical_id)? {
            settings.insert(
                spec.name.clone(),
                PoolSettings {
                    min_instances: scaling.min_instances,
                    max_instances: scaling.max_instances,
                    policy: Policy::Watermark(scaling.watermarks),
                    ..base.clone()
                },
            );
        }
    }
    Ok(settings)
}

fn non_negative(value: &Value) -> Option<f64> {
    let number = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (number.is_finite() && number >= 0.0).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rule: &str) -> Template {
        Template::parse(&format!(
            "Mappings:\n  Lifecycle:\n    RuleFunction:\n{rule}"
        ))
        .expect("parses")
    }

    const FULL: &str = "      PerInstanceConcurrency: 10
      MinInstances: 1
      MaxInstances: 20
      ScaleOutInFlightPercent: 80
      ScaleInInFlightPercent: 30
      ScaleOutCpuPercent: 70
      ScaleInCpuPercent: 20
      ScaleOutMemoryMiB: 96
      ScaleInMemoryMiB: 64
      ScaleOutLatencyMs: 1000
      ScaleInLatencyMs: 300
      ScaleCooldownSeconds: 5
";

    #[test]
    fn the_watermarks_are_read_with_percentages_as_ratios() {
        let scaling = container_scaling(&template(FULL), "RuleFunction")
            .expect("valid")
            .expect("declared");
        assert_eq!(scaling.min_instances, 1);
        assert_eq!(scaling.max_instances, 20);
        assert_eq!(scaling.watermarks.high.in_flight_ratio, 0.8);
        assert_eq!(scaling.watermarks.low.cpu_percent, 20.0);
        assert_eq!(scaling.watermarks.high.rss_mib, 96.0);
        assert_eq!(scaling.watermarks.cooldown, Duration::from_secs(5));
    }

    #[test]
    fn a_function_without_the_keys_has_no_container_scaling() {
        let t = template("      PerInstanceConcurrency: 10\n");
        assert_eq!(container_scaling(&t, "RuleFunction"), Ok(None));
        assert_eq!(container_scaling(&t, "UserFunction"), Ok(None));
    }

    #[test]
    fn a_partial_or_contradictory_declaration_is_refused_by_name() {
        let partial = FULL.replace("      ScaleInCpuPercent: 20\n", "");
        assert!(matches!(
            container_scaling(&template(&partial), "RuleFunction"),
            Err(ScalingError::Missing {
                key: "ScaleInCpuPercent",
                ..
            })
        ));
        let inverted = FULL.replace("ScaleInMemoryMiB: 64", "ScaleInMemoryMiB: 128");
        let error = container_scaling(&template(&inverted), "RuleFunction").expect_err("refused");
        assert!(
            error.to_string().contains("ScaleInMemoryMiB 128"),
            "{error}"
        );
        let negative = FULL.replace("MaxInstances: 20", "MaxInstances: -1");
        assert!(matches!(
            container_scaling(&template(&negative), "RuleFunction"),
            Err(ScalingError::Invalid {
                key: "MaxInstances",
                ..
            })
        ));
    }

    #[test]
    fn the_project_template_declares_container_scaling_for_both_functions() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
        let template = Template::load(path).expect("template.yml parses");
        for function in ["UserFunction", "RuleFunction"] {
            let scaling = container_scaling(&template, function)
                .expect("valid")
                .unwrap_or_else(|| panic!("{function} declares its container scaling"));
            assert!(
                scaling.min_instances >= 1,
                "{function}: a Deployment keeps one up"
            );
        }
    }
}
