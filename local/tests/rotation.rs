//! Rotating the signing key as docs/security.md says, with `scripts/jwt-keys.py` against
//! the Secrets Manager emulator and the real `user` and `rule` binaries: each deploy
//! is a platform of its own with the parameters `make deploy` would pass, and old and
//! new deploys run side by side as they do during a canary release. No session is
//! refused until its key is retired, and then only the old key's.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use local::commands::project::{Datastore, Endpoints, Secrets, local_functions};
use local::keys::KeyPair;
use local::platform::PlatformConfig;
use local::runtime::pool::PoolSettings;
use local::template::Template;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `scripts/jwt-keys.py` against the emulator; answers its success and stdout.
fn jwt_keys(secrets: &Secrets, args: &[&str]) -> (bool, String) {
    let output = Command::new(shared_testing::datastore::python())
        .arg(root().join("scripts/jwt-keys.py"))
        .args(args)
        .env("AWS_ENDPOINT_URL", &secrets.endpoint)
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("JWT_KEY_SECRET_NAME", "todo-service/jwt-keys")
        .output()
        .expect("python runs the script");
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("jwt-keys.py {}: {}", args.join(" "), stderr.trim());
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The value of `name` in the `Key=Value Key=Value` line of `jwt-keys.py parameters`.
fn parameter(line: &str, name: &str) -> String {
    line.split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
        .to_owned()
}

struct Project {
    template: Template,
    dynamodb: Datastore,
    secrets: Secrets,
}

/// One `make deploy`: the functions with the parameters the script gives now.
async fn deploy(project: &Project) -> Running {
    let (ok, line) = jwt_keys(&project.secrets, &["parameters"]);
    assert!(ok, "parameters");
    let endpoints = Endpoints {
        dynamodb: &project.dynamodb.endpoint,
        secrets_manager: &project.secrets.endpoint,
    };
    // The local pair only fills the parameters in; the deployed ones replace them below.
    let placeholder = KeyPair::generate().expect("keys");
    let mut functions =
        local_functions(&project.template, endpoints, &placeholder).expect("functions resolve");
    for f in &mut functions {
        // The template maps JwtPublicKeys and JwtSigningKeyId to these, one to one.
        f.environment
            .insert("JWT_PUBLIC_KEYS".into(), parameter(&line, "JwtPublicKeys"));
        if f.environment.contains_key("JWT_SIGNING_KEY_ID") {
            f.environment.insert(
                "JWT_SIGNING_KEY_ID".into(),
                parameter(&line, "JwtSigningKeyId"),
            );
        }
    }
    let mut config = PlatformConfig::new(functions, bin_dir());
    config.settings = PoolSettings::default();
    config.echo_logs = std::env::var_os("LOCAL_TEST_LOGS").is_some();
    start_with(config).await
}

/// Logs alice in through `deploy`'s user function; answers the token and its kid.
async fn login(deploy: &Running) -> (String, String) {
    let answer = send(
        &client(),
        "POST",
        &deploy.url("/api/login/account"),
        &[("content-type", "application/json")],
        r#"{"userName":"alice","password":"correct horse","type":"account"}"#,
    )
    .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let token = answer.json()["token"].as_str().expect("a token").to_owned();
    let header = token.split('.').next().expect("a header");
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
            .expect("base64url"),
    )
    .expect("JSON header");
    let kid = header["kid"].as_str().expect("a kid").to_owned();
    (token, kid)
}

/// The status `deploy`'s rule function answers a list request with `token`.
async fn rule_status(deploy: &Running, token: &str) -> u16 {
    let auth = format!("Bearer {token}");
    send(
        &client(),
        "GET",
        &deploy.url("/api/rule"),
        &[("authorization", &auth)],
        "",
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_added_promoted_and_retired_without_logging_everyone_out() {
    shared_testing::workspace::build_workspace_binaries();
    let template = Template::load(root().join("template.yml")).expect("template.yml parses");
    let (dynamodb, secrets) = tokio::join!(Datastore::start(None), Secrets::start(None));
    let (dynamodb, secrets) = (dynamodb.expect("dynoxide"), secrets.expect("moto"));
    dynamodb.create_tables(&template).await.expect("tables");
    let project = Project {
        template,
        dynamodb,
        secrets,
    };

    // The first deploy: one key, signing.
    assert!(jwt_keys(&project.secrets, &["ensure"]).0, "ensure");
    let v1 = deploy(&project).await;
    let registered = send(
        &client(),
        "POST",
        &v1.url("/api/register"),
        &[("content-type", "application/json")],
        r#"{"userName":"alice","password":"correct horse"}"#,
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let (old_token, old_kid) = login(&v1).await;
    assert_eq!(rule_status(&v1, &old_token).await, 200);

    // Step 1: add a key and deploy; everything trusts both, the old key still signs.
    assert!(jwt_keys(&project.secrets, &["add"]).0, "add");
    let v2 = deploy(&project).await;
    assert_eq!(
        login(&v2).await.1,
        old_kid,
        "adding a key does not switch signing"
    );
    assert_eq!(rule_status(&v2, &old_token).await, 200);

    // Step 2: promote it and deploy; new sessions get the new key.
    assert!(jwt_keys(&project.secrets, &["promote"]).0, "promote");
    let v3 = deploy(&project).await;
    let (new_token, new_kid) = login(&v3).await;
    assert_ne!(new_kid, old_kid, "the promoted key signs");
    // During the canary both versions serve: each accepts both sessions.
    for version in [&v2, &v3] {
        assert_eq!(rule_status(version, &old_token).await, 200, "old session");
        assert_eq!(rule_status(version, &new_token).await, 200, "new session");
    }
    // The old version's user function still signs with the old key, which stays valid.
    assert_eq!(login(&v2).await.1, old_kid);

    // Step 3: retiring refuses while old tokens may live; once they expired, it goes.
    assert!(!jwt_keys(&project.secrets, &["retire"]).0, "too early");
    assert!(
        jwt_keys(&project.secrets, &["retire", "--force"]).0,
        "retire"
    );
    let (_, shown) = jwt_keys(&project.secrets, &["show"]);
    assert!(
        !shown.contains(&old_kid) && shown.contains(&new_kid),
        "{shown}"
    );
    let v4 = deploy(&project).await;
    assert_eq!(
        rule_status(&v4, &old_token).await,
        401,
        "the old key is retired"
    );
    assert_eq!(rule_status(&v4, &new_token).await, 200);
    assert_eq!(login(&v4).await.1, new_kid);

    for version in [v1, v2, v3, v4] {
        version.stop().await;
    }
    project.dynamodb.stop(None).await;
    project.secrets.stop(None).await;
}
