//! The committed manifests are what `template.yml` generates, and they follow it.

use std::path::PathBuf;

use containers::files::{DIR, drift, generate};
use local::template::Template;
use serde_json::Value;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template_text() -> String {
    std::fs::read_to_string(repository().join("template.yml")).expect("template.yml")
}

fn document(files: &[containers::files::ManifestFile], path: &str, kind: &str) -> Value {
    let file = files
        .iter()
        .find(|f| f.path == std::path::Path::new(path))
        .unwrap_or_else(|| panic!("{path} is generated"));
    serde_norway::Deserializer::from_str(&file.text)
        .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
        .find(|d: &Value| d["kind"] == kind)
        .unwrap_or_else(|| panic!("{path} has a {kind}"))
}

#[test]
fn the_committed_manifests_are_what_the_template_generates() {
    let template = Template::parse(&template_text()).expect("template.yml parses");
    let files = generate(&template).expect("manifests");
    let drifted = drift(&repository(), &files);
    assert!(
        drifted.is_empty(),
        "{DIR} differs from template.yml in {drifted:?}: run `make manifests` and commit"
    );
}

#[test]
fn a_change_to_the_lifecycle_mapping_reaches_every_platform() {
    // The rule function's block of the mapping, with other numbers.
    let text = template_text();
    let start = text
        .find("    RuleFunction:\n      Initializer:")
        .expect("RuleFunction's lifecycle");
    let block_end = start + text[start..].find("\n\n").expect("the mapping ends");
    let changed_block = text[start..block_end]
        .replace("PerInstanceConcurrency: 10", "PerInstanceConcurrency: 25")
        .replace("ScaleOutInFlightPercent: 80", "ScaleOutInFlightPercent: 60")
        .replace("ScaleOutCpuPercent: 70", "ScaleOutCpuPercent: 55")
        .replace("MaxInstances: 20", "MaxInstances: 7")
        .replace("MinInstances: 1", "MinInstances: 2");
    let changed = format!("{}{changed_block}{}", &text[..start], &text[block_end..]);
    let files = generate(&Template::parse(&changed).expect("parses")).expect("manifests");

    let knative = document(&files, "knative/rule.yaml", "Service");
    let spec = &knative["spec"]["template"];
    assert_eq!(spec["spec"]["containerConcurrency"], 25);
    let annotations = &spec["metadata"]["annotations"];
    assert_eq!(annotations["autoscaling.knative.dev/target"], "25");
    assert_eq!(
        annotations["autoscaling.knative.dev/target-utilization-percentage"],
        "60"
    );
    assert_eq!(annotations["autoscaling.knative.dev/max-scale"], "7");
    assert_eq!(
        annotations["autoscaling.knative.dev/min-scale"], "0",
        "Knative scales to zero"
    );

    let hpa = document(&files, "kubernetes/rule.yaml", "HorizontalPodAutoscaler");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    assert_eq!(hpa["spec"]["maxReplicas"], 7);
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageValue"],
        "550m"
    );
    let deployment = document(&files, "kubernetes/rule.yaml", "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);

    // The user function is untouched.
    let user = document(&files, "knative/user.yaml", "Service");
    assert_eq!(user["spec"]["template"]["spec"]["containerConcurrency"], 10);
}

#[test]
fn no_key_is_in_a_manifest_and_only_the_user_function_names_the_signing_key() {
    let template = Template::parse(&template_text()).expect("template.yml parses");
    let files = generate(&template).expect("manifests");
    for f in &files {
        for forbidden in ["PRIVATE KEY", "privateKey", "{{resolve:", "secretKeyRef"] {
            assert!(
                !f.text.contains(forbidden),
                "{}: {forbidden}",
                f.path.display()
            );
        }
    }
    let env_of = |path: &str, kind: &str| {
        let doc = document(&files, path, kind);
        doc["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .expect("env")
            .clone()
    };
    let named =
        |env: &[serde_json::Value], name: &str| env.iter().find(|e| e["name"] == name).cloned();
    for (path, kind) in [
        ("knative/rule.yaml", "Service"),
        ("kubernetes/rule.yaml", "Deployment"),
    ] {
        let env = env_of(path, kind);
        let keys = named(&env, "JWT_PUBLIC_KEYS").expect("the trusted public keys");
        assert_eq!(
            keys["valueFrom"]["configMapKeyRef"]["key"], "JwtPublicKeys",
            "{path}"
        );
        assert!(
            named(&env, "JWT_SIGNING_KEY_SECRET").is_none(),
            "{path}: rule reads no key"
        );
    }
    let user = env_of("kubernetes/user.yaml", "Deployment");
    let secret = named(&user, "JWT_SIGNING_KEY_SECRET").expect("the user function signs tokens");
    assert!(
        secret["value"].is_string(),
        "the secret's name, not its content"
    );
    let kid = named(&user, "JWT_SIGNING_KEY_ID").expect("the key to sign with");
    assert_eq!(
        kid["valueFrom"]["configMapKeyRef"]["key"],
        "JwtSigningKeyId"
    );
}
