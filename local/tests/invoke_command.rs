//! `local-platform invoke` (`make invoke`) end to end, as a person runs it: the
//! sample events' `{{token}}` and `{{key}}` are filled in for a local user (registered
//! through the user function the first time), the function's answer goes to stdout,
//! and a second run finds the same user and their todo again.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::bin_dir;

/// Runs `local-platform invoke` for `function` with the event `event` as `user`.
fn invoke(data_dir: &Path, function: &str, event: &str, user: &str) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Command::new(env!("CARGO_BIN_EXE_local-platform"))
        .args(["invoke", "--function", function, "--as", user])
        .arg("--event")
        .arg(root.join("events").join(event))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--bin-dir")
        .arg(bin_dir())
        .current_dir(&root)
        .output()
        .expect("local-platform runs")
}

/// The function's answer on stdout, as JSON, and its body parsed.
fn answer(output: &Output) -> (serde_json::Value, serde_json::Value) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let answer: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    let body = serde_json::from_str(answer["body"].as_str().expect("a body")).expect("JSON body");
    (answer, body)
}

#[test]
fn sample_events_act_for_a_local_user_on_a_todo_that_exists() {
    common::test_function_dir();
    let data_dir = std::env::temp_dir().join(format!("invoke-command-{}", ulid::Ulid::new()));
    let user = "sample-user";

    // The first run registers the user and, having no todo for `{{key}}`, creates one.
    let first = invoke(&data_dir, "rule", "rule-get.json", user);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("registered local user sample-user"),
        "{stderr}"
    );
    assert!(stderr.contains("created a sample todo"), "{stderr}");
    let (status, todo) = answer(&first);
    assert_eq!(status["statusCode"], 200, "{status}");
    let key = todo["key"].as_str().expect("the todo's key").to_owned();

    // The second finds both again: the same todo, no second registration.
    let again = invoke(&data_dir, "rule", "rule-get.json", user);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!stderr.contains("registered local user"), "{stderr}");
    assert!(!stderr.contains("created a sample todo"), "{stderr}");
    let (_, todo) = answer(&again);
    assert_eq!(todo["key"], key.as_str());

    let (status, list) = answer(&invoke(&data_dir, "RuleFunction", "rule-list.json", user));
    assert_eq!(status["statusCode"], 200, "{status}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["data"][0]["key"], key.as_str());
    let _ = std::fs::remove_dir_all(&data_dir);
}
