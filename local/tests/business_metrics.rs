//! The functions' business metrics as a developer sees them: the real `user` and
//! `rule` binaries under the platform write CloudWatch EMF lines on stdout, and the
//! platform's `/metrics` shows each counter with the value the requests made.

mod common;

use std::time::{Duration, Instant};

use common::project::{Session, start_project};
use common::{client, get, send};
use local::runtime::pool::PoolSettings;
use serde_json::json;

/// How long the lines may take from an instance's stdout to `/metrics`.
const LIMIT: Duration = Duration::from_secs(10);

/// Lines of `/metrics` that must all be there once the requests are counted.
const EXPECTED: [&str; 7] = [
    "todo_service_logins_succeeded_total{function=\"user\"} 1",
    "todo_service_logins_refused_total{function=\"user\"} 1",
    "todo_service_todos_created_total{function=\"rule\"} 1",
    "todo_service_idempotent_replays_total{function=\"rule\"} 1",
    "todo_service_todos_deleted_total{function=\"rule\"} 1",
    "# TYPE todo_service_todos_created_total counter",
    "# HELP todo_service_todos_created_total Todos created",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_counter_in_metrics_has_the_value_the_requests_made() {
    let project = start_project(PoolSettings::default(), |_| {}).await;
    let running = &project.running;
    let json_type = [("content-type", "application/json")];

    // Register and log in: one login succeeded.
    let session = Session::sign_up(running, "metered").await;
    // A wrong password: one login refused.
    let refused = send(
        &client(),
        "POST",
        &running.url("/api/login/account"),
        &json_type,
        json!({"userName": "metered", "password": "wrong horse"}).to_string(),
    )
    .await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);

    // A keyed create, then the same request again: one todo created, one replay.
    let create = json!({"name": "count me"}).to_string();
    let created = session
        .call("POST", "/api/rule", &create, Some("create-1"), LIMIT)
        .await
        .expect("an answer");
    assert_eq!(created.status, 201, "{:?}", created.body);
    let replayed = session
        .call("POST", "/api/rule", &create, Some("create-1"), LIMIT)
        .await
        .expect("an answer");
    assert_eq!(replayed.status, 201, "{:?}", replayed.body);
    assert_eq!(
        replayed
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(created.json()["key"], replayed.json()["key"]);

    // A delete of that todo: one todo deleted.
    let key = created.json()["key"].clone();
    let deleted = session
        .call(
            "POST",
            "/api/rule",
            &json!({"method": "delete", "key": [key]}).to_string(),
            None,
            LIMIT,
        )
        .await
        .expect("an answer");
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.json()["deleted"], 1);

    // The lines travel through the instances' stdout pipes: wait until all are counted.
    let until = Instant::now() + LIMIT;
    let text = loop {
        let text = String::from_utf8_lossy(&get(&running.url("/metrics")).await.body).into_owned();
        if EXPECTED.iter().all(|line| text.contains(line)) || Instant::now() > until {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for line in EXPECTED {
        assert!(text.contains(line), "no `{line}` in /metrics:\n{text}");
    }
    // Nothing was throttled, updated or retried: such counters have no series at all.
    assert!(
        !text.contains("todo_service_logins_throttled_total{"),
        "{text}"
    );
    assert!(
        !text.contains("todo_service_todos_updated_total{"),
        "{text}"
    );
    // Each function's initializer reported its duration (in seconds) once per instance.
    for function in ["user", "rule"] {
        assert!(
            text.contains(&format!(
                "todo_service_init_duration_seconds_count{{function=\"{function}\"}}"
            )),
            "{text}"
        );
    }

    // The status page shows the same counters.
    let status = get(&running.url("/_local/status.json")).await.json();
    let created_series = status["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["function"] == "rule" && m["name"] == "TodosCreated")
        .cloned()
        .expect("the rule function's TodosCreated");
    assert_eq!(created_series["sum"], 1.0);

    project.stop().await;
}
