//! The container half of `template.yml`'s `Lifecycle` mapping, made into instance
//! bounds and watermarks: how many instances a function keeps and when it scales.
//!
//! The template reads the keys ([`ContainerKeys`], typed by serde); this checks that
//! they agree with each other. Read by the local platform's watermark policy
//! ([`watermark_settings`]) and by the Knative and Kubernetes manifest generator
//! (`containers/`), so both follow one declaration per function.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::runtime::policy::{Load, Policy, Watermarks};
use crate::runtime::pool::PoolSettings;
use crate::template::functions::FunctionSpec;
use crate::template::lifecycle::ContainerKeys;

/// Why a function's container scaling is refused: its numbers contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Mappings.Lifecycle.{function}: {message}")]
pub struct ScalingError {
    /// The function's logical id.
    pub function: String,
    /// Which numbers and why.
    pub message: String,
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

/// The container scaling of `spec`; `None` when its lifecycle declares none.
pub fn container_scaling(spec: &FunctionSpec) -> Result<Option<ContainerScaling>, ScalingError> {
    let Some(keys) = spec.lifecycle.container else {
        return Ok(None);
    };
    let inconsistent = |message: String| ScalingError {
        function: spec.logical_id.clone(),
        message,
    };
    let (min, max) = (keys.min_instances.0, keys.max_instances.0);
    if max < 1.0 || min > max || min.fract() != 0.0 || max.fract() != 0.0 {
        return Err(inconsistent(format!(
            "MinInstances {min} and MaxInstances {max} must be whole numbers with 0 <= min <= max and max >= 1"
        )));
    }
    let (high, low) = levels(&keys);
    for (name, low, high) in [
        (
            "InFlightPercent",
            low.in_flight_ratio * 100.0,
            high.in_flight_ratio * 100.0,
        ),
        ("CpuPercent", low.cpu_percent, high.cpu_percent),
        ("MemoryMiB", low.rss_mib, high.rss_mib),
        ("LatencyMs", low.latency_ms, high.latency_ms),
    ] {
        if low >= high {
            return Err(inconsistent(format!(
                "ScaleIn{name} {low} must be below ScaleOut{name} {high}"
            )));
        }
    }
    if keys.scale_cooldown_seconds.0 <= 0.0 {
        return Err(inconsistent("ScaleCooldownSeconds must be above 0".into()));
    }
    Ok(Some(ContainerScaling {
        min_instances: min as usize,
        max_instances: max as usize,
        watermarks: Watermarks {
            high,
            low,
            cooldown: Duration::from_secs_f64(keys.scale_cooldown_seconds.0),
        },
    }))
}

/// The scale-out and scale-in levels the keys declare, percentages as ratios.
fn levels(keys: &ContainerKeys) -> (Load, Load) {
    (
        Load {
            cpu_percent: keys.scale_out_cpu_percent.0,
            rss_mib: keys.scale_out_memory_mib.0,
            in_flight_ratio: keys.scale_out_in_flight_percent.0 / 100.0,
            latency_ms: keys.scale_out_latency_ms.0,
        },
        Load {
            cpu_percent: keys.scale_in_cpu_percent.0,
            rss_mib: keys.scale_in_memory_mib.0,
            in_flight_ratio: keys.scale_in_in_flight_percent.0 / 100.0,
            latency_ms: keys.scale_in_latency_ms.0,
        },
    )
}

/// Pool settings for the watermark policy, per function short name: `base` with the
/// template's instance bounds and watermarks, for each function that declares them.
pub fn watermark_settings(
    functions: &[FunctionSpec],
    base: &PoolSettings,
) -> Result<BTreeMap<String, PoolSettings>, ScalingError> {
    let mut settings = BTreeMap::new();
    for spec in functions {
        if let Some(scaling) = container_scaling(spec)? {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use crate::template::lifecycle::lifecycle;

    fn scaling(rule: &str) -> Result<Option<ContainerScaling>, ScalingError> {
        let template = Template::parse(&format!(
            "Mappings:\n  Lifecycle:\n    RuleFunction:\n{rule}"
        ))
        .expect("parses");
        let mut spec = FunctionSpec::new("rule", "rule");
        spec.logical_id = "RuleFunction".into();
        spec.lifecycle = lifecycle(&template, "RuleFunction").expect("typed");
        container_scaling(&spec)
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
        let scaling = scaling(FULL).expect("valid").expect("declared");
        assert_eq!(scaling.min_instances, 1);
        assert_eq!(scaling.max_instances, 20);
        assert_eq!(scaling.watermarks.high.in_flight_ratio, 0.8);
        assert_eq!(scaling.watermarks.low.cpu_percent, 20.0);
        assert_eq!(scaling.watermarks.high.rss_mib, 96.0);
        assert_eq!(scaling.watermarks.cooldown, Duration::from_secs(5));
    }

    #[test]
    fn a_function_without_the_keys_has_no_container_scaling() {
        assert_eq!(scaling("      PerInstanceConcurrency: 10\n"), Ok(None));
    }

    #[test]
    fn contradictory_numbers_are_refused_by_name() {
        let inverted = FULL.replace("ScaleInMemoryMiB: 64", "ScaleInMemoryMiB: 128");
        let error = scaling(&inverted).expect_err("refused");
        assert!(
            error.to_string().contains("ScaleInMemoryMiB 128"),
            "{error}"
        );
        let fractional = FULL.replace("MaxInstances: 20", "MaxInstances: 2.5");
        let error = scaling(&fractional).expect_err("refused");
        assert!(error.to_string().contains("MaxInstances 2.5"), "{error}");
    }

    #[test]
    fn the_project_template_declares_container_scaling_for_both_functions() {
        use crate::template::functions::functions;
        use crate::template::resolve::Resolver;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
        let template = Template::load(path).expect("template.yml parses");
        let overrides = BTreeMap::from([
            ("JwtPublicKeys".to_owned(), "x".to_owned()),
            ("JwtSigningKeyId".to_owned(), "kid".to_owned()),
        ]);
        let resolver = Resolver::new(&template, "us-east-1", &overrides);
        for spec in functions(&template, &resolver).expect("functions resolve") {
            let scaling = container_scaling(&spec)
                .expect("valid")
                .unwrap_or_else(|| panic!("{} declares its container scaling", spec.logical_id));
            assert!(
                scaling.min_instances >= 1,
                "{}: a Deployment keeps one up",
                spec.logical_id
            );
        }
    }
}
