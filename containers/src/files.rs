//! The manifest files under `containers/manifests/`, generated from the template:
//!
//! - `config.yaml`: the ConfigMap (the stack's table name and region: edit these);
//! - `knative/<function>.yaml`: the Knative Service;
//! - `kubernetes/<function>.yaml`: Deployment, Service and HorizontalPodAutoscaler;
//! - `kubernetes/ingress.yaml`: the routes.
//!
//! [`generate`] makes them; [`write`](fn@write) writes them; [`drift`] names the committed files
//! that differ from what the template generates, and the files nothing generates.

use std::path::{Path, PathBuf};

use local::template::Template;
use serde_json::Value;

use crate::workload::{WorkloadError, workloads};
use crate::{knative, kubernetes};

/// Where the manifests live, relative to the repository.
pub const DIR: &str = "containers/manifests";

/// A generated file: its path under [`DIR`] and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// The path under [`DIR`].
    pub path: PathBuf,
    /// The YAML.
    pub text: String,
}

/// Every manifest file the template gives.
pub fn generate(template: &Template) -> Result<Vec<ManifestFile>, WorkloadError> {
    let workloads = workloads(template)?;
    let mut files = vec![file(
        "config.yaml",
        "The stack's values: set TodoTable to the table's name (the SAM stack's TableName\n\
         output), AWS_REGION to its region, and JwtPublicKeys and JwtSigningKeyId to what\n\
         `scripts/jwt-keys.py parameters` prints (public values; the user function reads\n\
         its private key from the Secrets Manager secret it names) before applying the\n\
         other manifests.",
        &[kubernetes::config_map(&workloads)],
    )];
    for w in &workloads {
        files.push(file(
            &format!("knative/{}.yaml", w.name),
            &format!(
                "The {} function on Knative: concurrency-based autoscaling from the Lifecycle\n\
                 mapping, scale to zero. Needs config.yaml and the Secret (see the README).",
                w.name
            ),
            &[knative::service(w)],
        ));
        files.push(file(
            &format!("kubernetes/{}.yaml", w.name),
            &format!(
                "The {} function on plain Kubernetes: Deployment, Service and a\n\
                 HorizontalPodAutoscaler on the Lifecycle mapping's CPU and memory watermarks.\n\
                 Needs config.yaml and the Secret (see the README).",
                w.name
            ),
            &[
                kubernetes::deployment(w),
                kubernetes::service(w),
                kubernetes::autoscaler(w),
            ],
        ));
    }
    files.push(file(
        "kubernetes/ingress.yaml",
        "The template's HttpApi routes, to the functions' Services.",
        &[kubernetes::ingress(&workloads)],
    ));
    Ok(files)
}

fn file(path: &str, about: &str, documents: &[Value]) -> ManifestFile {
    let mut text = String::from(
        "# Generated from template.yml by `make manifests` (containers/src): edit the\n\
         # template (its Lifecycle mapping, the functions), not this file.\n",
    );
    for line in about.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        // A `Value` of strings, numbers, lists and maps always serialises.
        text.push_str(&serde_norway::to_string(document).unwrap_or_default());
    }
    ManifestFile {
        path: PathBuf::from(path),
        text,
    }
}

/// Writes `files` under `<root>/containers/manifests`.
pub fn write(root: &Path, files: &[ManifestFile]) -> std::io::Result<()> {
    for f in files {
        let path = root.join(DIR).join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &f.text)?;
    }
    Ok(())
}

/// The paths (under [`DIR`]) whose committed text is not what `files` say, and the
/// `.yaml` files there that nothing generates.
pub fn drift(root: &Path, files: &[ManifestFile]) -> Vec<PathBuf> {
    let dir = root.join(DIR);
    let mut drifted: Vec<PathBuf> = files
        .iter()
        .filter(|f| std::fs::read_to_string(dir.join(&f.path)).ok().as_deref() != Some(&f.text))
        .map(|f| f.path.clone())
        .collect();
    for sub in ["", "knative", "kubernetes"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = Path::new(sub).join(entry.file_name());
            let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if yaml && !files.iter().any(|f| f.path == path) {
                drifted.push(path);
            }
        }
    }
    drifted
}
