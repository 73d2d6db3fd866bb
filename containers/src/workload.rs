//! Each function of `template.yml` as a container workload.
//!
//! The template is read through the local platform's reader ([`local::template::functions`]):
//! the same binary name, memory size, timeout, routes, per-instance concurrency and
//! environment a local run uses, with the template's default parameter values (so
//! the on-demand Lambda branch: `CapacityProviderArn` empty). The stack's resources,
//! and the parameters with no default, resolve to markers that [`crate::env`] turns
//! into ConfigMap references.

use std::collections::BTreeMap;
use std::time::Duration;

use local::runtime::container_scaling::{ContainerScaling, ScalingError, container_scaling};
use local::template::Template;
use local::template::functions::{FunctionError, RouteSpec, functions};
use local::template::resolve::Resolver;

use crate::env::{EnvError, EnvValue, resource_marker};

/// The region the manifests' ConfigMap names until it is edited.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Why the template cannot be turned into workloads.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// The functions could not be read.
    #[error(transparent)]
    Function(#[from] FunctionError),
    /// The container half of the Lifecycle mapping is wrong.
    #[error(transparent)]
    Scaling(#[from] ScalingError),
    /// The function declares no container scaling.
    #[error(
        "{0}: Mappings.Lifecycle declares no container scaling (MinInstances, MaxInstances, ScaleOut*/ScaleIn*, ScaleCooldownSeconds)"
    )]
    NoScaling(String),
    /// An environment variable cannot be expressed.
    #[error("{function}: {source}")]
    Env {
        /// The function's logical id.
        function: String,
        /// What is wrong.
        #[source]
        source: EnvError,
    },
}

/// A function as a container workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The short name (`rule`): the binary, the image and the object names.
    pub name: String,
    /// The logical id (`RuleFunction`).
    pub logical_id: String,
    /// Requests one instance serves at once (`PerInstanceConcurrency`).
    pub concurrency: u32,
    /// The function timeout.
    pub timeout: Duration,
    /// Memory in MiB (the function's `MemorySize`): the container's memory limit.
    pub memory_mib: u32,
    /// The environment, in name order.
    pub env: BTreeMap<String, EnvValue>,
    /// Instance bounds and watermarks.
    pub scaling: ContainerScaling,
    /// The function's HTTP routes.
    pub routes: Vec<RouteSpec>,
}

impl Workload {
    /// The objects' name: `todo-service-<name>`.
    pub fn object_name(&self) -> String {
        format!("{}-{}", crate::APP, self.name)
    }

    /// The image: `localhost/todo-service-<name>:latest`, what `make image` builds.
    pub fn image(&self) -> String {
        crate::podman::image_name(&self.name, "latest")
    }
}

/// Every function of `template` as a workload, in template order.
pub fn workloads(template: &Template) -> Result<Vec<Workload>, WorkloadError> {
    let mut markers: BTreeMap<String, String> = template
        .resources()
        .map(|r| (r.logical_id.to_owned(), resource_marker(r.logical_id)))
        .collect();
    // Parameters without a default (the trusted public keys, the signing key's id)
    // are known only when deploying: like the stack's resources, they come from the
    // ConfigMap.
    for (name, parameter) in template.parameters() {
        if parameter.default.is_none() {
            markers.insert(name.to_owned(), resource_marker(name));
        }
    }
    let resolver = Resolver::new(template, DEFAULT_REGION, &markers);
    functions(template, &resolver)?
        .into_iter()
        .map(|spec| {
            let scaling = container_scaling(&spec)?
                .ok_or_else(|| WorkloadError::NoScaling(spec.logical_id.clone()))?;
            let env = spec
                .environment
                .iter()
                .map(|(name, value)| {
                    EnvValue::classify(name, value)
                        .map(|v| (name.clone(), v))
                        .map_err(|source| WorkloadError::Env {
                            function: spec.logical_id.clone(),
                            source,
                        })
                })
                .collect::<Result<_, _>>()?;
            Ok(Workload {
                name: spec.name,
                logical_id: spec.logical_id,
                concurrency: spec.lifecycle.concurrency,
                timeout: spec.timeout,
                memory_mib: spec.memory_mb,
                env,
                scaling,
                routes: spec.routes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_template_gives_both_functions_with_their_environment() {
        let template = Template::load(shared_testing::template_path()).expect("parses");
        let workloads = workloads(&template).expect("workloads");
        let names: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["user", "rule"]);
        let rule = &workloads[1];
        assert_eq!(rule.concurrency, 10);
        assert_eq!(rule.memory_mib, 128, "the on-demand branch of MemorySize");
        assert_eq!(
            rule.env["TABLE_NAME"],
            EnvValue::ConfigMap("TodoTable".into())
        );
        // The public keys are a deploy-time value: the ConfigMap's, like the table.
        assert_eq!(
            rule.env["JWT_PUBLIC_KEYS"],
            EnvValue::ConfigMap("JwtPublicKeys".into())
        );
        let user = &workloads[0];
        assert_eq!(
            user.env["JWT_SIGNING_KEY_ID"],
            EnvValue::ConfigMap("JwtSigningKeyId".into())
        );
        // No key material anywhere: the user function names the secret it reads.
        assert!(matches!(
            &user.env["JWT_SIGNING_KEY_SECRET"],
            EnvValue::Literal(_)
        ));
        for workload in &workloads {
            assert!(!workload.env.contains_key("JWT_PRIVATE_KEY"));
            assert!(
                !workload
                    .env
                    .values()
                    .any(|v| matches!(v, EnvValue::Secret { .. }))
            );
        }
    }
}
