//! The functions as containers: the manifests that run their images on Knative and on
//! plain Kubernetes, generated from `template.yml`, one source of truth with the SAM
//! template and the local platform.
//!
//! - [`workload`] reads each function of the template as a container workload: its
//!   image, per-instance concurrency, timeout, memory, routes and the container half
//!   of the `Lifecycle` mapping (instance bounds, watermarks);
//! - [`env`](mod@env) turns the template's environment into Kubernetes `env` entries: literal
//!   values, the stack's resources through a ConfigMap, Secrets Manager references
//!   through Secrets;
//! - [`knative`] writes a Knative `Service` per function (the FaaS model on
//!   containers: concurrency-based autoscaling, scale to zero);
//! - [`kubernetes`] writes a `Deployment`, `Service` and `HorizontalPodAutoscaler` per
//!   function (the watermark model) and an `Ingress` with the template's routes;
//! - [`files`] names the files under `containers/manifests/` and writes or checks them
//!   (`make manifests`; the tests fail when the committed files drift);
//! - [`podman`] runs the images (`make image` builds them), for this crate's tests and
//!   the benchmark's container cold starts.
//!
//! The images themselves come from the `Containerfile` (`make image`); the tests of
//! this crate build them, run them with podman and run the Deployment with
//! `podman kube play`.

pub mod env;
pub mod files;
pub mod knative;
pub mod kubernetes;
pub mod podman;
pub mod workload;

/// The application's name: label value, ConfigMap name, prefix of every object.
pub const APP: &str = "todo-service";
