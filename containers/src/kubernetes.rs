//! Plain Kubernetes: a `Deployment`, a `Service` and a `HorizontalPodAutoscaler` per
//! function (the watermark model), the `Ingress` with the template's routes, and the
//! ConfigMap with the stack's values.
//!
//! | template | Kubernetes |
//! |---|---|
//! | `MinInstances` / `MaxInstances` | `replicas` and `minReplicas` / `maxReplicas` |
//! | `ScaleOutCpuPercent` | HPA CPU target, `averageValue` in millicores (70 % of a core: `700m`) |
//! | `ScaleOutMemoryMiB` | HPA memory target, `averageValue` (`96Mi`) |
//! | `ScaleCooldownSeconds` | scale-down stabilization window; one pod per period either way |
//! | `MemorySize` | memory request and limit |
//! | the initializer | a TCP readiness probe: the port opens once the initializer is done |
//! | `HttpApi` routes | `Ingress` paths |
//!
//! An HPA has one target per metric: the high watermark. It scales in once the
//! recommendation has stayed lower for the whole stabilization window, so the low
//! watermarks (`ScaleIn*`) have no field of their own; neither have in-flight and
//! latency, which need custom metrics (the local platform's watermark policy uses them
//! all).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::knative::{CONTAINER_PORT, region_entry};
use crate::workload::{DEFAULT_REGION, Workload};

/// The CPU each instance requests from the scheduler (the template has no CPU size;
/// Lambda's CPU follows memory).
pub const CPU_REQUEST: &str = "100m";

/// The labels of a function's objects.
pub fn labels(workload: &Workload) -> Value {
    json!({
        "app.kubernetes.io/name": crate::APP,
        "app.kubernetes.io/component": workload.name,
    })
}

/// Memory request and limit from `MemorySize`; a CPU request, no CPU limit.
pub fn resources(workload: &Workload) -> Value {
    let memory = format!("{}Mi", workload.memory_mib);
    json!({
        "requests": {"cpu": CPU_REQUEST, "memory": memory},
        "limits": {"memory": memory},
    })
}

/// Non-root (the image's user 65532), nothing to escalate, read-only root.
pub fn container_security() -> Value {
    json!({
        "runAsNonRoot": true,
        "runAsUser": 65532,
        "runAsGroup": 65532,
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

/// The `Deployment` of `workload`.
pub fn deployment(workload: &Workload) -> Value {
    let env: Vec<Value> =
        std::iter::once(json!({"name": "PORT", "value": CONTAINER_PORT.to_string()}))
            .chain(
                workload
                    .env
                    .iter()
                    .map(|(name, value)| value.entry(name, crate::APP)),
            )
            .chain(std::iter::once(region_entry()))
            .collect();
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": workload.object_name(), "labels": labels(workload)},
        "spec": {
            "replicas": workload.scaling.min_instances,
            "selector": {"matchLabels": labels(workload)},
            "template": {
                "metadata": {"labels": labels(workload)},
                "spec": {
                    "containers": [{
                        "name": workload.name,
                        "image": workload.image(),
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
                        "env": env,
                        "readinessProbe": {
                            "tcpSocket": {"port": "http"},
                            "periodSeconds": 1,
                            "failureThreshold": 1,
                        },
                        "resources": resources(workload),
                        "securityContext": container_security(),
                    }],
                },
            },
        },
    })
}

/// The `Service` in front of the Deployment's pods: port 80 to the container's 8080.
pub fn service(workload: &Workload) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": workload.object_name(), "labels": labels(workload)},
        "spec": {
            "selector": labels(workload),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    })
}

/// The `HorizontalPodAutoscaler` of the Deployment: CPU and memory watermarks.
pub fn autoscaler(workload: &Workload) -> Value {
    let scaling = &workload.scaling;
    let marks = &scaling.watermarks;
    let cooldown = marks.cooldown.as_secs().max(1);
    let one_pod_per_cooldown = json!([{"type": "Pods", "value": 1, "periodSeconds": cooldown}]);
    json!({
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": workload.object_name(), "labels": labels(workload)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.object_name()},
            "minReplicas": scaling.min_instances.max(1),
            "maxReplicas": scaling.max_instances,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {
                    "type": "AverageValue",
                    "averageValue": format!("{}m", (marks.high.cpu_percent * 10.0).round()),
                }}},
                {"type": "Resource", "resource": {"name": "memory", "target": {
                    "type": "AverageValue",
                    "averageValue": format!("{}Mi", marks.high.rss_mib.round()),
                }}},
            ],
            "behavior": {
                "scaleUp": {"stabilizationWindowSeconds": 0, "policies": one_pod_per_cooldown},
                "scaleDown": {"stabilizationWindowSeconds": cooldown, "policies": one_pod_per_cooldown},
            },
        },
    })
}

/// The `Ingress` sending the template's routes to the functions' Services: a path
/// with a parameter (`/api/rule/{key}`) becomes a prefix (`/api/rule`), which also
/// covers the exact path it starts with.
pub fn ingress(workloads: &[Workload]) -> Value {
    let mut prefixes = BTreeSet::new();
    let mut exact = BTreeSet::new();
    for workload in workloads {
        for route in &workload.routes {
            match route.path.split_once('{') {
                Some((head, _)) => {
                    prefixes.insert((
                        head.trim_end_matches('/').to_owned(),
                        workload.object_name(),
                    ));
                }
                None => {
                    exact.insert((route.path.clone(), workload.object_name()));
                }
            }
        }
    }
    let exact = exact.into_iter().filter(|e| !prefixes.contains(e));
    let mut paths: Vec<(String, &str, String)> = prefixes
        .iter()
        .map(|(p, s)| (p.clone(), "Prefix", s.clone()))
        .chain(exact.map(|(p, s)| (p, "Exact", s)))
        .collect();
    paths.sort();
    let paths: Vec<Value> = paths
        .into_iter()
        .map(|(path, kind, service)| {
            json!({
                "path": path,
                "pathType": kind,
                "backend": {"service": {"name": service, "port": {"name": "http"}}},
            })
        })
        .collect();
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": crate::APP, "labels": {"app.kubernetes.io/name": crate::APP}},
        "spec": {"rules": [{"http": {"paths": paths}}]},
    })
}

/// The ConfigMap with what only the deployed stack knows: each resource the
/// environment references, under its logical id (placeholder: the logical id), and
/// the region.
pub fn config_map(workloads: &[Workload]) -> Value {
    let mut data = serde_json::Map::new();
    data.insert("AWS_REGION".into(), DEFAULT_REGION.into());
    for workload in workloads {
        for value in workload.env.values() {
            if let crate::env::EnvValue::ConfigMap(key) = value {
                data.insert(key.clone(), key.clone().into());
            }
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": crate::APP, "labels": {"app.kubernetes.io/name": crate::APP}},
        "data": data,
    })
}
