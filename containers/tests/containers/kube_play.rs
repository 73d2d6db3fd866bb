//! The generated Kubernetes manifests, run by `podman kube play`: both Deployments of
//! `containers/manifests/kubernetes/` with the ConfigMap of `config.yaml`, then the
//! API through both pods.
//!
//! What the test changes, and nothing else: the image tag (the test images), object
//! names (unique per run, so runs cannot collide), the `PORT` value (the pods share
//! the host's network to reach the emulators on loopback, so each needs a free port),
//! the ConfigMap's values (the test table, the test key pair's public key and kid),
//! the signing-key secret's name (the test's, on the Secrets Manager emulator), the
//! emulators' endpoints (not in the template), and the `ports` list (podman maps no
//! ports on the host's network). The Services, autoscalers and Ingress need a
//! cluster: `kube play` runs Deployments.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use serde_norway::Value;

use crate::helpers::{Backend, TAG, free_port, podman, repository, send, signed_up};

fn documents(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repository().join(path)).expect("the manifest");
    serde_norway::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
        .collect()
}

fn kind(document: &Value) -> &str {
    document["kind"].as_str().unwrap_or("")
}

fn set(value: &mut Value, key: &str, new: Value) {
    if let Value::Mapping(map) = value {
        map.insert(Value::from(key), new);
    }
}

/// Removes the played pods, even when the test fails.
struct Played {
    file: PathBuf,
}

impl Drop for Played {
    fn drop(&mut self) {
        let _ = std::process::Command::new("podman")
            .env(
                "CONTAINERS_CONF",
                repository().join("containers/containers.conf"),
            )
            .args(["kube", "down", &*self.file.to_string_lossy()])
            .output();
        let _ = std::fs::remove_file(&self.file);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_deployments_run_under_podman_kube_play() {
    let podman = podman();
    let backend = Backend::new().await;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let public = backend.keys.public_key().expect("an Ed25519 key");

    let mut config = documents("containers/manifests/config.yaml").remove(0);
    set(
        &mut config["data"],
        "TodoTable",
        Value::from(backend.table.clone()),
    );
    set(
        &mut config["data"],
        "AWS_REGION",
        Value::from(local::datastore::dynamo::LOCAL_REGION),
    );
    set(
        &mut config["data"],
        "JwtPublicKeys",
        Value::from(public.x()),
    );
    set(
        &mut config["data"],
        "JwtSigningKeyId",
        Value::from(public.kid()),
    );
    let mut played = vec![config];
    let mut ports = Vec::new();
    for function in ["user", "rule"] {
        let docs = documents(&format!("containers/manifests/kubernetes/{function}.yaml"));
        let mut deployment = docs
            .into_iter()
            .find(|d| kind(d) == "Deployment")
            .expect("a Deployment");
        let port = free_port();
        ports.push(port);
        let name = format!("todo-{function}-{run}");
        set(&mut deployment["metadata"], "name", Value::from(name));
        let container = &mut deployment["spec"]["template"]["spec"]["containers"][0];
        let image = container["image"]
            .as_str()
            .expect("image")
            .replace(":latest", &format!(":{TAG}"));
        set(container, "image", Value::from(image));
        if let Value::Mapping(fields) = container {
            fields.remove("ports");
        }
        let Value::Sequence(env) = &mut container["env"] else {
            panic!("the container has an env list");
        };
        for entry in env.iter_mut() {
            if entry["name"] == "PORT" {
                set(entry, "value", Value::from(port.to_string()));
            }
            if entry["name"] == "JWT_SIGNING_KEY_SECRET" {
                set(entry, "value", Value::from(backend.secret.clone()));
            }
        }
        for (name, value) in [
            ("DYNAMODB_ENDPOINT", backend.endpoint.as_str()),
            (
                "SECRETS_MANAGER_ENDPOINT",
                shared_testing::datastore::secrets_endpoint(),
            ),
        ] {
            env.push(serde_norway::to_value(json!({"name": name, "value": value})).expect("yaml"));
        }
        played.push(deployment);
    }
    let file = std::env::temp_dir().join(format!("todo-kube-play-{run}.yaml"));
    let text: Vec<String> = played
        .iter()
        .map(|d| serde_norway::to_string(d).expect("yaml"))
        .collect();
    std::fs::write(&file, text.join("---\n")).expect("write the played file");

    let _cleanup = Played { file: file.clone() };

    podman
        .output(&["kube", "play", "--network", "host", &file.to_string_lossy()])
        .await
        .expect("podman kube play");
    let (user_port, rule_port) = (ports[0], ports[1]);
    for port in [user_port, rule_port] {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "a pod did not open port {port}:\n{}",
                podman
                    .output(&["ps", "--all", "--filter", &format!("name={run}")])
                    .await
                    .unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let token = signed_up(user_port, "erin").await;
    let created = send(
        rule_port,
        "POST",
        "/api/rule",
        Some(&token),
        Some(&json!({"name": "from a pod"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let list = send(rule_port, "GET", "/api/rule", Some(&token), None).await;
    assert_eq!(list.json["total"], 1, "{}", list.json);
    let user = podman
        .output(&[
            "ps",
            "--filter",
            &format!("name=todo-user-{run}"),
            "--format",
            "{{.Names}} {{.Image}}",
        ])
        .await
        .expect("podman ps");
    assert!(user.contains(&format!("todo-service-user:{TAG}")), "{user}");
}
