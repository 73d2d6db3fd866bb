//! A Knative `Service` per function: the FaaS model on containers.
//!
//! | template | Knative |
//! |---|---|
//! | `PerInstanceConcurrency` | `containerConcurrency` (hard limit) and `autoscaling.knative.dev/target` |
//! | `ScaleOutInFlightPercent` | `autoscaling.knative.dev/target-utilization-percentage`: scale out when in-flight per instance passes this share of the target |
//! | `MaxInstances` | `autoscaling.knative.dev/max-scale` |
//! | (none: scale to zero, as FaaS) | `autoscaling.knative.dev/min-scale: "0"` |
//! | `ScaleCooldownSeconds` | `autoscaling.knative.dev/scale-down-delay` |
//! | `Timeout` | `timeoutSeconds` |
//! | `MemorySize` | memory request and limit |
//! | the initializer | a TCP readiness probe: the port opens once the initializer is done |
//!
//! Knative sets `PORT` itself (from `containerPort`), so the environment does not.

use serde_json::{Value, json};

use crate::kubernetes::{container_security, labels, resources};
use crate::workload::Workload;

/// The port the image serves on (`PORT` in the `Containerfile`).
pub const CONTAINER_PORT: u16 = 8080;

/// The Knative `Service` of `workload`.
pub fn service(workload: &Workload) -> Value {
    let scaling = &workload.scaling;
    let in_flight_percent = (scaling.watermarks.high.in_flight_ratio * 100.0).round();
    let annotations = json!({
        "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "concurrency",
        "autoscaling.knative.dev/target": workload.concurrency.to_string(),
        "autoscaling.knative.dev/target-utilization-percentage": format!("{in_flight_percent}"),
        "autoscaling.knative.dev/min-scale": "0",
        "autoscaling.knative.dev/max-scale": scaling.max_instances.to_string(),
        "autoscaling.knative.dev/scale-down-delay":
            format!("{}s", scaling.watermarks.cooldown.as_secs().max(1)),
    });
    let env: Vec<Value> = workload
        .env
        .iter()
        .map(|(name, value)| value.entry(name, crate::APP))
        .chain(std::iter::once(region_entry()))
        .collect();
    json!({
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": workload.object_name(), "labels": labels(workload)},
        "spec": {"template": {
            "metadata": {"labels": labels(workload), "annotations": annotations},
            "spec": {
                "containerConcurrency": workload.concurrency,
                "timeoutSeconds": workload.timeout.as_secs(),
                "containers": [{
                    "name": workload.name,
                    "image": workload.image(),
                    "ports": [{"name": "http1", "containerPort": CONTAINER_PORT}],
                    "env": env,
                    "readinessProbe": {"tcpSocket": {"port": CONTAINER_PORT}},
                    "resources": resources(workload),
                    "securityContext": container_security(),
                }],
            },
        }},
    })
}

/// `AWS_REGION`, which Lambda sets for a function and a cluster does not: from the
/// ConfigMap.
pub fn region_entry() -> Value {
    json!({
        "name": "AWS_REGION",
        "valueFrom": {"configMapKeyRef": {"name": crate::APP, "key": "AWS_REGION"}},
    })
}
